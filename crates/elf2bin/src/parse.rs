//! Reading the ELF file header and program headers.
//!
//! Parsed by hand with explicit byte order rather than through `object`'s header structs:
//! those need the input buffer aligned to the field size (without the crate's `unaligned`
//! feature), and hand reading lets every error say exactly which offset was short. Only the
//! fields this crate uses are read; every read is bounds checked against the input's length
//! before anything is allocated.
//!
//! The headers are read the same way from bytes in memory ([`parse`]) and from a file
//! ([`crate::ElfFile`]), through [`Input`]; segment contents are never read here.

use crate::image::{Class, Endian, FileSegment, LoadImage, Segment};
use crate::Error;
use object::elf::{ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, ET_REL, PN_XNUM, PT_LOAD};
use std::io::{self, Read, Seek, SeekFrom};

/// Size of `Elf32_Ehdr` / `Elf64_Ehdr`.
const EHDR_SIZE: [u64; 2] = [52, 64];
/// Size of `Elf32_Phdr` / `Elf64_Phdr`.
const PHDR_SIZE: [u16; 2] = [32, 56];

/// Where the headers are read from.
pub(crate) trait Input {
    /// Length of the whole file.
    fn len(&self) -> u64;
    /// Fills `buf` from `offset`; the caller has checked the range lies inside `len()`.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

impl Input for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let bytes = usize::try_from(offset)
            .ok()
            .and_then(|at| self.get(at..at.checked_add(buf.len())?))
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

/// A file (or anything seekable) and its length, measured once when opened.
pub(crate) struct Seekable<'r, R> {
    pub(crate) inner: &'r mut R,
    pub(crate) len: u64,
}

impl<'r, R: Read + Seek> Seekable<'r, R> {
    pub(crate) fn new(inner: &'r mut R) -> Result<Self, Error> {
        let len = inner.seek(SeekFrom::End(0)).map_err(|e| Error::Read {
            what: "file length",
            offset: 0,
            source: e.into(),
        })?;
        Ok(Seekable { inner, len })
    }
}

impl<R: Read + Seek> Input for Seekable<'_, R> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.inner.seek(SeekFrom::Start(offset))?;
        self.inner.read_exact(buf)
    }
}

/// A bounds-checked reader of the headers with the file's byte order and class.
struct Reader<I> {
    input: I,
    endian: Endian,
    class: Class,
}

impl<I: Input> Reader<I> {
    fn len(&self) -> u64 {
        self.input.len()
    }

    /// The `needed` bytes at `offset`, or a `Truncated` error naming `what`. Checked against
    /// the length first: a header cannot make this allocate more than the file holds.
    fn bytes(&mut self, what: &'static str, offset: u64, needed: u64) -> Result<Vec<u8>, Error> {
        let truncated = || Error::Truncated {
            what,
            offset,
            needed,
            file_len: self.len(),
        };
        let end = offset.checked_add(needed).ok_or_else(truncated)?;
        if end > self.len() {
            return Err(truncated());
        }
        let size = usize::try_from(needed).map_err(|_| truncated())?;
        let mut buf = vec![0; size];
        self.input
            .read_at(offset, &mut buf)
            .map_err(|e| Error::Read {
                what,
                offset,
                source: e.into(),
            })?;
        Ok(buf)
    }

    fn u16_at(&self, b: &[u8], at: usize) -> u16 {
        let a = [b[at], b[at + 1]];
        match self.endian {
            Endian::Little => u16::from_le_bytes(a),
            Endian::Big => u16::from_be_bytes(a),
        }
    }

    fn u32_at(&self, b: &[u8], at: usize) -> u32 {
        let a = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        match self.endian {
            Endian::Little => u32::from_le_bytes(a),
            Endian::Big => u32::from_be_bytes(a),
        }
    }

    fn u64_at(&self, b: &[u8], at: usize) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[at..at + 8]);
        match self.endian {
            Endian::Little => u64::from_le_bytes(a),
            Endian::Big => u64::from_be_bytes(a),
        }
    }

    /// An address/offset-sized field: 4 bytes in ELF32, 8 in ELF64.
    fn word_at(&self, b: &[u8], at32: usize, at64: usize) -> u64 {
        match self.class {
            Class::Elf32 => u64::from(self.u32_at(b, at32)),
            Class::Elf64 => self.u64_at(b, at64),
        }
    }

    fn class_index(&self) -> usize {
        match self.class {
            Class::Elf32 => 0,
            Class::Elf64 => 1,
        }
    }
}

/// The fields of one program header this crate uses.
#[derive(Debug, Clone, Copy)]
struct Phdr {
    p_type: u32,
    offset: u64,
    vaddr: u64,
    paddr: u64,
    filesz: u64,
    memsz: u64,
}

/// Where the program header table is and how its entries are spaced.
struct PhTable {
    offset: u64,
    entsize: u16,
    count: u64,
}

/// The checked headers of an ELF: what [`parse`] and [`crate::ElfFile`] share.
pub(crate) struct Headers {
    pub(crate) class: Class,
    pub(crate) endian: Endian,
    pub(crate) paddr_from_vaddr: bool,
    /// `PT_LOAD` segments with file contents, sorted by load address, not overlapping, each
    /// inside the file.
    pub(crate) segments: Vec<FileSegment>,
}

/// Parses an ELF file and collects its loadable segments.
///
/// Returns the `PT_LOAD` segments with file contents (`p_filesz > 0`), sorted by load address,
/// their bytes borrowed from `elf` (nothing is copied: many program headers may legally point
/// at the same file bytes, and the memory used stays proportional to the number of headers,
/// which the file's size bounds). Segments without file contents are skipped, as
/// `objcopy -O binary` skips them. As in GNU binutils, when every program header has
/// `p_paddr == 0` the physical addresses are taken as unset and `p_vaddr` is used instead
/// (some linkers leave `p_paddr` zero).
pub fn parse(elf: &[u8]) -> Result<LoadImage<'_>, Error> {
    let headers = read_headers(elf)?;
    let segments = headers
        .segments
        .iter()
        .map(|s| {
            // read_headers checked that offset + filesz lies inside the file.
            let range = usize::try_from(s.offset)
                .ok()
                .and_then(|at| Some(at..at.checked_add(usize::try_from(s.filesz).ok()?)?));
            let data = range
                .and_then(|r| elf.get(r))
                .ok_or(Error::SegmentPastEof {
                    index: s.index,
                    offset: s.offset,
                    filesz: s.filesz,
                    file_len: elf.len() as u64,
                })?;
            Ok(Segment {
                index: s.index,
                paddr: s.paddr,
                vaddr: s.vaddr,
                offset: s.offset,
                memsz: s.memsz,
                data,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(LoadImage {
        segments,
        class: headers.class,
        endian: headers.endian,
        paddr_from_vaddr: headers.paddr_from_vaddr,
    })
}

/// Reads and checks the headers from `input`; reads no segment contents.
pub(crate) fn read_headers(input: impl Input) -> Result<Headers, Error> {
    let mut reader = identify(input)?;
    let table = program_header_table(&mut reader)?;
    let phdrs = read_phdrs(&mut reader, &table)?;
    let use_vaddr = !phdrs.is_empty() && phdrs.iter().all(|p| p.paddr == 0);
    let load_count = phdrs.iter().filter(|p| p.p_type == PT_LOAD).count();
    let mut segments = Vec::new();
    for (index, ph) in phdrs.iter().enumerate() {
        if ph.p_type != PT_LOAD || ph.filesz == 0 {
            continue;
        }
        segments.push(load_segment(reader.len(), index, ph, use_vaddr)?);
    }
    if segments.is_empty() {
        return Err(Error::NoLoadable {
            load_segments: load_count,
        });
    }
    // Stable: segments at the same address keep program header order for the overlap error.
    segments.sort_by_key(|s| s.paddr);
    reject_overlaps(&segments)?;
    Ok(Headers {
        class: reader.class,
        endian: reader.endian,
        paddr_from_vaddr: use_vaddr,
        segments,
    })
}

/// Checks `e_ident` and returns a reader with the file's class and byte order.
fn identify<I: Input>(input: I) -> Result<Reader<I>, Error> {
    let mut reader = Reader {
        input,
        endian: Endian::Little,
        class: Class::Elf32,
    };
    let magic_len = reader.len().min(4);
    let magic = reader.bytes("ELF magic", 0, magic_len)?;
    if magic != object::elf::ELFMAG {
        return Err(Error::NotElf { found: magic });
    }
    let ident = reader.bytes("ELF identification (e_ident)", 0, 16)?;
    reader.class = match ident[4] {
        ELFCLASS32 => Class::Elf32,
        ELFCLASS64 => Class::Elf64,
        found => return Err(Error::BadClass { found }),
    };
    reader.endian = match ident[5] {
        ELFDATA2LSB => Endian::Little,
        ELFDATA2MSB => Endian::Big,
        found => return Err(Error::BadEncoding { found }),
    };
    Ok(reader)
}

/// Reads `e_phoff`, `e_phentsize` and `e_phnum` (following `PN_XNUM` to section 0).
fn program_header_table<I: Input>(r: &mut Reader<I>) -> Result<PhTable, Error> {
    let ehdr = r.bytes("ELF header", 0, EHDR_SIZE[r.class_index()])?;
    if r.u16_at(&ehdr, 16) == ET_REL {
        return Err(Error::Relocatable);
    }
    let offset = r.word_at(&ehdr, 28, 32);
    let (entsize_at, phnum_at) = match r.class {
        Class::Elf32 => (42, 44),
        Class::Elf64 => (54, 56),
    };
    let entsize = r.u16_at(&ehdr, entsize_at);
    let phnum = r.u16_at(&ehdr, phnum_at);
    let count = if phnum == PN_XNUM {
        extended_phnum(r, &ehdr)?
    } else {
        u64::from(phnum)
    };
    let min = PHDR_SIZE[r.class_index()];
    if count > 0 && entsize < min {
        return Err(Error::BadPhEntSize {
            found: entsize,
            expected: min,
        });
    }
    Ok(PhTable {
        offset,
        entsize,
        count,
    })
}

/// With `e_phnum == PN_XNUM` the real count is `sh_info` of section header 0.
fn extended_phnum<I: Input>(r: &mut Reader<I>, ehdr: &[u8]) -> Result<u64, Error> {
    let shoff = r.word_at(ehdr, 32, 40);
    let (size, info_at) = match r.class {
        Class::Elf32 => (40, 28),
        Class::Elf64 => (64, 44),
    };
    let shdr = r.bytes(
        "section header 0 (holds e_phnum, which is PN_XNUM)",
        shoff,
        size,
    )?;
    Ok(u64::from(r.u32_at(&shdr, info_at)))
}

fn read_phdrs<I: Input>(r: &mut Reader<I>, t: &PhTable) -> Result<Vec<Phdr>, Error> {
    if t.count == 0 {
        // No table: e_phoff is meaningless (often 0 in relocatable objects).
        return Ok(Vec::new());
    }
    let total = t.count.saturating_mul(u64::from(t.entsize));
    let table = r.bytes("program header table", t.offset, total)?;
    // The table is in the file, so it cannot be larger than the file: the count is bounded.
    let stride = usize::from(t.entsize).max(1);
    let phdrs = table
        .chunks_exact(stride)
        .map(|b| match r.class {
            Class::Elf32 => Phdr {
                p_type: r.u32_at(b, 0),
                offset: r.word_at(b, 4, 0),
                vaddr: r.word_at(b, 8, 0),
                paddr: r.word_at(b, 12, 0),
                filesz: r.word_at(b, 16, 0),
                memsz: r.word_at(b, 20, 0),
            },
            Class::Elf64 => Phdr {
                p_type: r.u32_at(b, 0),
                offset: r.word_at(b, 0, 8),
                vaddr: r.word_at(b, 0, 16),
                paddr: r.word_at(b, 0, 24),
                filesz: r.word_at(b, 0, 32),
                memsz: r.word_at(b, 0, 40),
            },
        })
        .collect();
    Ok(phdrs)
}

/// Checks one `PT_LOAD` header with file contents: its bytes lie in the file (`file_len`
/// bytes) and its load range does not wrap.
fn load_segment(
    file_len: u64,
    index: usize,
    ph: &Phdr,
    use_vaddr: bool,
) -> Result<FileSegment, Error> {
    if ph
        .offset
        .checked_add(ph.filesz)
        .is_none_or(|end| end > file_len)
    {
        return Err(Error::SegmentPastEof {
            index,
            offset: ph.offset,
            filesz: ph.filesz,
            file_len,
        });
    }
    let paddr = if use_vaddr { ph.vaddr } else { ph.paddr };
    if paddr.checked_add(ph.filesz).is_none() {
        return Err(Error::AddressOverflow {
            index,
            paddr,
            filesz: ph.filesz,
        });
    }
    Ok(FileSegment {
        index,
        paddr,
        vaddr: ph.vaddr,
        offset: ph.offset,
        filesz: ph.filesz,
        memsz: ph.memsz,
    })
}

fn reject_overlaps(sorted: &[FileSegment]) -> Result<(), Error> {
    for pair in sorted.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.end() > b.paddr {
            return Err(Error::Overlap {
                first: a.index,
                first_start: a.paddr,
                first_end: a.end(),
                second: b.index,
                second_start: b.paddr,
                second_end: b.end(),
            });
        }
    }
    Ok(())
}
