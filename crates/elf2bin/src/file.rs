//! Extraction straight from a file: the headers are read, the contents are copied in chunks.
//!
//! [`crate::parse`] needs the whole ELF in memory. For a large ELF, reading it into a fresh
//! buffer costs as much as the rest of the extraction (see docs/benchmarks.md), so
//! [`ElfFile`] reads only the headers and later copies each segment's bytes from the file to
//! the output through one small reused buffer, as `objcopy` does.

use crate::emit;
use crate::image::{Class, Endian, FileSegment, RegionImage};
use crate::parse::{read_headers, Seekable};
use crate::plan::{plan_flat, plan_split, Plan, RegionPlan, Window};
use crate::Error;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// Bytes copied per read: large enough that system calls cost little, small enough to stay
/// in the CPU cache (a buffer the size of the image is what made extraction slow).
const COPY_CHUNK: u64 = 1 << 20;

/// An ELF whose headers have been read and checked, its contents still in the file.
///
/// The same rules and errors as [`crate::parse`] and [`crate::LoadImage`]; the images are
/// byte-identical. Plan with [`ElfFile::plan_flat`] or [`ElfFile::plan_split`] (all checks
/// happen there), then stream each region with [`ElfFile::write_region`].
///
/// ```no_run
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let mut elf = elf2bin::ElfFile::open(std::fs::File::open("app.elf")?)?;
/// let plan = elf.plan_flat()?;
/// elf.write_region(&plan, 0xff, &mut std::fs::File::create("app.bin")?)?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ElfFile<R> {
    input: R,
    len: u64,
    segments: Vec<FileSegment>,
    class: Class,
    endian: Endian,
    paddr_from_vaddr: bool,
}

impl<R> ElfFile<R> {
    /// `PT_LOAD` segments with `p_filesz > 0`, sorted by load address, not overlapping.
    pub fn segments(&self) -> &[FileSegment] {
        &self.segments
    }

    /// ELF class of the input.
    pub fn class(&self) -> Class {
        self.class
    }

    /// Byte order of the input.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// True when every `p_paddr` was zero and the run addresses were used instead.
    pub fn paddr_from_vaddr(&self) -> bool {
        self.paddr_from_vaddr
    }
}

impl<R: Read + Seek> ElfFile<R> {
    /// Reads and checks the ELF's headers (not its contents) from `input`.
    pub fn open(mut input: R) -> Result<Self, Error> {
        let source = Seekable::new(&mut input)?;
        let len = source.len;
        let headers = read_headers(source)?;
        Ok(ElfFile {
            input,
            len,
            segments: headers.segments,
            class: headers.class,
            endian: headers.endian,
            paddr_from_vaddr: headers.paddr_from_vaddr,
        })
    }

    /// The plan of the one image [`crate::LoadImage::flat`] makes (region name `"flat"`);
    /// refuses a span larger than [`crate::MAX_FLAT_SPAN`].
    pub fn plan_flat(&self) -> Result<RegionPlan, Error> {
        plan_flat(&self.segments)
    }

    /// Which window each segment goes to; see [`crate::LoadImage::plan_split`].
    pub fn plan_split(&self, windows: &[Window<'_>]) -> Result<Plan, Error> {
        plan_split(&self.segments, windows)
    }

    /// The plan of one window's image made only of the segments that lie wholly inside it;
    /// the others are left out (an ELF may hold the bytes of several images). `None` when no
    /// segment lies inside. Segments that cross the window's edge are the caller's to refuse.
    pub fn plan_window(&self, window: &Window<'_>) -> Result<Option<RegionPlan>, Error> {
        let inside: Vec<FileSegment> = self
            .segments
            .iter()
            .filter(|s| s.paddr >= window.start && s.end() <= window.end())
            .copied()
            .collect();
        if inside.is_empty() {
            return Ok(None);
        }
        Ok(plan_split(&inside, std::slice::from_ref(window))?
            .regions
            .pop())
    }

    /// Writes the image of `region` (from [`ElfFile::plan_flat`] or [`ElfFile::plan_split`])
    /// to `out`: `region.end - region.start` bytes, gaps filled with `fill`.
    ///
    /// Memory use is one copy buffer of at most 1 MiB, whatever the image size. An error
    /// reading the ELF (say, the file shrank since it was opened) names the segment.
    pub fn write_region<W: Write>(
        &mut self,
        region: &RegionPlan,
        fill: u8,
        out: &mut W,
    ) -> io::Result<()> {
        let mut buf = vec![0; self.chunk_len()];
        let (input, len) = (&mut self.input, self.len);
        emit::write_region(&self.segments, region, fill, out, |seg, out| {
            copy_segment(input, len, seg, &mut buf, |bytes| out.write_all(bytes))
        })
    }

    /// The image of `region` in memory (for formats that need the whole image, like Intel
    /// HEX), allocated once.
    pub fn region_image(&mut self, region: &RegionPlan, fill: u8) -> io::Result<RegionImage> {
        let mut buf = vec![0; self.chunk_len()];
        let (input, len) = (&mut self.input, self.len);
        emit::emit_region(&self.segments, region, fill, |seg, out| {
            copy_segment(input, len, seg, &mut buf, |bytes| {
                out.extend_from_slice(bytes);
                Ok(())
            })
        })
    }

    /// The copy buffer's size: no larger than the largest segment.
    fn chunk_len(&self) -> usize {
        let largest = self.segments.iter().map(|s| s.filesz).max().unwrap_or(0);
        // At most COPY_CHUNK, which fits in usize.
        largest.min(COPY_CHUNK) as usize
    }
}

/// Reads `seg`'s file contents chunk by chunk into `buf` and hands each chunk to `put`.
fn copy_segment<R: Read + Seek>(
    input: &mut R,
    file_len: u64,
    seg: &FileSegment,
    buf: &mut [u8],
    mut put: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let failed = |e: io::Error| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot read segment {} ({} bytes at offset {:#x}) of the ELF ({file_len} bytes when opened): {e}",
                seg.index, seg.filesz, seg.offset
            ),
        )
    };
    input.seek(SeekFrom::Start(seg.offset)).map_err(failed)?;
    let mut left = seg.filesz;
    while left > 0 {
        // buf is at most COPY_CHUNK bytes, so the minimum fits in usize.
        let n = (buf.len() as u64).min(left) as usize;
        if n == 0 {
            break; // an empty buffer: only when the segment list was not this file's
        }
        input.read_exact(&mut buf[..n]).map_err(failed)?;
        put(&buf[..n])?;
        left -= n as u64;
    }
    Ok(())
}
