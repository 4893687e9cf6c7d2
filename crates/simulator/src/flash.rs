//! NOR flash: erase sets a whole erase unit to `0xFF`, programming can only clear bits.
//!
//! Every erase of one unit and every program call is one *operation*. The flash counts them and
//! can be told to lose power just before operation `n`: that operation and everything after it
//! never happens, which is how the power-cut sweep enumerates every point where a cut changes the
//! outcome (a cut between two operations is the same as a cut just before the next one).

use std::collections::BTreeMap;
use std::fmt;

/// The kind of a flash operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// Erase of one erase unit.
    Erase,
    /// One program call (one buffer written).
    Program,
}

/// One operation as performed, for traces and window reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashOp {
    /// 0-based position in the run.
    pub index: u64,
    /// Erase or program.
    pub kind: OpKind,
    /// First address touched.
    pub addr: u32,
    /// Bytes touched.
    pub len: u32,
    /// Which program did it and why (e.g. "app: image 6 -> DFU_FLASH_CODE").
    pub context: String,
}

impl fmt::Display for FlashOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            OpKind::Erase => "erase",
            OpKind::Program => "program",
        };
        write!(
            f,
            "op {}: {kind} {:#010x} to {:#010x} ({} bytes) [{}]",
            self.index,
            self.addr,
            u64::from(self.addr) + u64::from(self.len),
            self.len,
            self.context
        )
    }
}

/// Power was lost before the operation could start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerCut;

/// A sparse NOR flash: units never written read as `0xFF` and take no memory.
#[derive(Debug, Clone)]
pub struct Flash {
    unit: u32,
    units: BTreeMap<u32, Box<[u8]>>,
    ops: u64,
    cut_before: Option<u64>,
    context: String,
    log: Vec<FlashOp>,
}

impl Flash {
    /// An erased flash with the given erase unit (a power of two, at least 16 bytes).
    pub fn new(erase_unit: u32) -> Self {
        assert!(
            erase_unit.is_power_of_two() && erase_unit >= 16,
            "erase unit must be a power of two >= 16 (checked by FlashMap)"
        );
        Flash {
            unit: erase_unit,
            units: BTreeMap::new(),
            ops: 0,
            cut_before: None,
            context: String::new(),
            log: Vec::new(),
        }
    }

    /// The erase unit in bytes.
    pub fn erase_unit(&self) -> u32 {
        self.unit
    }

    /// Arms a power cut just before operation `index` (0-based); `None` disarms it.
    pub fn cut_before(&mut self, index: Option<u64>) {
        self.cut_before = index;
    }

    /// Operations performed so far.
    pub fn ops(&self) -> u64 {
        self.ops
    }

    /// The operations performed so far, in order.
    pub fn log(&self) -> &[FlashOp] {
        &self.log
    }

    /// Sets the label attached to the next operations.
    pub fn set_context(&mut self, context: impl Into<String>) {
        self.context = context.into();
    }

    /// Writes bytes as a factory programmer would (no operation counted, no bit rule): the
    /// starting content of a simulation.
    pub fn load(&mut self, addr: u32, data: &[u8]) {
        self.for_each_span(addr, data.len(), |page, off, range| {
            page[off..off + range.len()].copy_from_slice(&data[range]);
        });
    }

    /// Reads `len` bytes at `addr` (addresses past 4 GiB read as erased).
    pub fn read(&self, addr: u32, len: usize) -> Vec<u8> {
        let mut out = vec![0xFF; len];
        let mut pos = 0usize;
        while pos < len {
            let a = u64::from(addr) + pos as u64;
            if a > u64::from(u32::MAX) {
                break;
            }
            let a = a as u32;
            let base = a & !(self.unit - 1);
            let off = (a - base) as usize;
            let n = (self.unit as usize - off).min(len - pos);
            if let Some(page) = self.units.get(&base) {
                out[pos..pos + n].copy_from_slice(&page[off..off + n]);
            }
            pos += n;
        }
        out
    }

    /// Reads one byte.
    pub fn read_byte(&self, addr: u32) -> u8 {
        self.read(addr, 1)[0]
    }

    /// Erases the unit that starts at `addr` (must be aligned).
    pub fn erase(&mut self, addr: u32) -> Result<(), PowerCut> {
        debug_assert_eq!(addr % self.unit, 0, "erase address must be unit-aligned");
        self.begin(OpKind::Erase, addr, self.unit)?;
        self.units.remove(&(addr & !(self.unit - 1)));
        Ok(())
    }

    /// Programs `data` at `addr`: each bit can only go from 1 to 0 (`old & new`).
    pub fn program(&mut self, addr: u32, data: &[u8]) -> Result<(), PowerCut> {
        self.begin(OpKind::Program, addr, data.len() as u32)?;
        self.for_each_span(addr, data.len(), |page, off, range| {
            for (dst, src) in page[off..off + range.len()].iter_mut().zip(&data[range]) {
                *dst &= *src;
            }
        });
        Ok(())
    }

    fn begin(&mut self, kind: OpKind, addr: u32, len: u32) -> Result<(), PowerCut> {
        if self.cut_before == Some(self.ops) {
            return Err(PowerCut);
        }
        self.log.push(FlashOp {
            index: self.ops,
            kind,
            addr,
            len,
            context: self.context.clone(),
        });
        self.ops += 1;
        Ok(())
    }

    /// Calls `f(page, offset_in_page, range_in_data)` for each unit the span touches,
    /// materialising erased units on the way. Spans past 4 GiB are dropped.
    fn for_each_span(
        &mut self,
        addr: u32,
        len: usize,
        mut f: impl FnMut(&mut [u8], usize, std::ops::Range<usize>),
    ) {
        let unit = self.unit;
        let mut pos = 0usize;
        while pos < len {
            let a = u64::from(addr) + pos as u64;
            if a > u64::from(u32::MAX) {
                break;
            }
            let a = a as u32;
            let base = a & !(unit - 1);
            let off = (a - base) as usize;
            let n = (unit as usize - off).min(len - pos);
            let page = self
                .units
                .entry(base)
                .or_insert_with(|| vec![0xFF; unit as usize].into_boxed_slice());
            f(page, off, pos..pos + n);
            pos += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erased_flash_reads_ff_and_program_only_clears_bits() {
        let mut f = Flash::new(4096);
        assert_eq!(f.read(0x1000, 3), vec![0xFF; 3]);
        f.program(0x1000, &[0xF0, 0x0F]).unwrap();
        f.program(0x1000, &[0x3C, 0xFF]).unwrap();
        assert_eq!(f.read(0x1000, 2), vec![0x30, 0x0F]);
        f.erase(0x1000).unwrap();
        assert_eq!(f.read(0x1000, 2), vec![0xFF, 0xFF]);
        assert_eq!(f.ops(), 3);
    }

    #[test]
    fn program_across_a_unit_boundary() {
        let mut f = Flash::new(16);
        f.program(14, &[1, 2, 3, 4]).unwrap();
        assert_eq!(f.read(12, 8), vec![0xFF, 0xFF, 1, 2, 3, 4, 0xFF, 0xFF]);
        f.erase(16).unwrap();
        assert_eq!(
            f.read(12, 8),
            vec![0xFF, 0xFF, 1, 2, 0xFF, 0xFF, 0xFF, 0xFF]
        );
    }

    #[test]
    fn cut_stops_exactly_the_armed_operation() {
        let mut f = Flash::new(16);
        f.cut_before(Some(1));
        f.program(0, &[0]).unwrap();
        assert_eq!(f.program(1, &[0]), Err(PowerCut));
        assert_eq!(f.read(0, 2), vec![0, 0xFF]);
        assert_eq!(f.ops(), 1);
        assert_eq!(f.log().len(), 1);
    }

    #[test]
    fn load_overwrites_without_counting() {
        let mut f = Flash::new(16);
        f.program(0, &[0]).unwrap();
        f.load(0, &[0xAA]);
        assert_eq!(f.read_byte(0), 0xAA);
        assert_eq!(f.ops(), 1);
    }

    #[test]
    fn reads_near_the_top_of_the_address_space_do_not_wrap() {
        let f = Flash::new(16);
        assert_eq!(f.read(u32::MAX, 4), vec![0xFF; 4]);
    }
}
