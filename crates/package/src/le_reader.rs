//! The bounds-checked little-endian reader the manifest and trailer decoders share: one copy
//! of the "field runs past the end" check both binary formats need. Each decoder adds its own
//! field kinds in an `impl LeReader` of its module and turns [`Short`] into its own error.

use zerocopy::little_endian::U16;
use zerocopy::{FromBytes, Immutable, KnownLayout};

/// A field that runs past the end of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short {
    /// Field name.
    pub field: &'static str,
    /// Where the field starts (base + position).
    pub offset: usize,
    /// Bytes the field needs.
    pub needed: usize,
    /// Bytes left from `offset` on.
    pub available: usize,
}

/// A cursor over `bytes`, reporting offsets as `base` + position (so a trailer's errors name
/// file offsets while a manifest's name offsets in its own encoding).
pub(crate) struct LeReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> LeReader<'a> {
    /// A reader at the start of `bytes`, which begin at offset `base`.
    pub fn new(bytes: &'a [u8], base: usize) -> Self {
        LeReader {
            bytes,
            pos: 0,
            base,
        }
    }

    /// Bytes read so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Offset of the next byte, as errors report it.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `needed` bytes, or [`Short`] naming `field`.
    pub fn take(&mut self, field: &'static str, needed: usize) -> Result<&'a [u8], Short> {
        let available = self.remaining();
        if needed > available {
            return Err(Short {
                field,
                offset: self.offset(),
                needed,
                available,
            });
        }
        let s = &self.bytes[self.pos..self.pos + needed];
        self.pos += needed;
        Ok(s)
    }

    /// One byte.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, Short> {
        Ok(self.take(field, 1)?[0])
    }

    /// A little-endian u16.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, Short> {
        Ok(self.read::<U16>(&[(field, 0)])?.get())
    }

    /// A whole on-disk struct. `fields` names its fields with their offsets, in order: when
    /// the input ends inside the struct, the [`Short`] names the first field cut off, as if
    /// the fields had been read one by one.
    pub fn read<T: FromBytes + KnownLayout + Immutable>(
        &mut self,
        fields: &[(&'static str, usize)],
    ) -> Result<T, Short> {
        let size = size_of::<T>();
        if let Ok((value, _)) = T::read_from_prefix(&self.bytes[self.pos..]) {
            self.pos += size;
            return Ok(value);
        }
        let available = self.remaining();
        let cut = fields
            .iter()
            .enumerate()
            .map(|(i, &(field, at))| (field, at, fields.get(i + 1).map_or(size, |f| f.1)))
            .find(|&(_, _, end)| end > available)
            .unwrap_or(("struct", 0, size));
        let (field, at, end) = cut;
        Err(Short {
            field,
            offset: self.offset() + at,
            needed: end - at,
            available: available - at.min(available),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_reports_short_fields_at_base_offsets() {
        let mut r = LeReader::new(&[1, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 9], 0x100);
        assert_eq!(r.u8("a"), Ok(1));
        assert_eq!(r.u16("b"), Ok(0x1234));
        let c = r.read::<zerocopy::little_endian::U32>(&[("c", 0)]);
        assert_eq!(c.map(|v| v.get()), Ok(0x1234_5678));
        assert_eq!((r.pos(), r.offset(), r.remaining()), (7, 0x107, 1));
        let short = Short {
            field: "d",
            offset: 0x107,
            needed: 2,
            available: 1,
        };
        assert_eq!(r.u16("d"), Err(short));
        // A failed read consumes nothing.
        assert_eq!(r.u8("e"), Ok(9));
        assert_eq!(r.take("f", 0), Ok(&[][..]));
    }

    #[test]
    fn a_short_struct_names_the_first_field_cut_off() {
        let fields = [("a", 0), ("b", 2), ("c", 4)];
        // 8-byte struct, 5 bytes there: "c" (4..8) is the first field that does not fit.
        let mut r = LeReader::new(&[1, 2, 3, 4, 5], 0x10);
        let short = Short {
            field: "c",
            offset: 0x14,
            needed: 4,
            available: 1,
        };
        assert_eq!(r.read::<[u8; 8]>(&fields), Err(short));
        assert_eq!(r.pos(), 0, "a failed read consumes nothing");
        let whole = r.read::<[u8; 4]>(&fields[..2]).unwrap();
        assert_eq!((whole, r.pos()), ([1, 2, 3, 4], 4));
    }
}
