//! Reading the ELF file header and program headers.
//!
//! Parsed by hand with explicit byte order rather than through `object`'s header structs:
//! those need the input buffer aligned to the field size (without the crate's `unaligned`
//! feature), and hand reading lets every error say exactly which offset was short. Only the
//! fields this crate uses are read; every read is bounds checked.

use crate::image::{Class, Endian, LoadImage, Segment};
use crate::Error;
use object::elf::{ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, ET_REL, PN_XNUM, PT_LOAD};

/// Size of `Elf32_Ehdr` / `Elf64_Ehdr`.
const EHDR_SIZE: [u64; 2] = [52, 64];
/// Size of `Elf32_Phdr` / `Elf64_Phdr`.
const PHDR_SIZE: [u16; 2] = [32, 56];

/// A bounds-checked view of the file with its byte order and class.
struct Reader<'a> {
    data: &'a [u8],
    endian: Endian,
    class: Class,
}

impl<'a> Reader<'a> {
    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    /// The `needed` bytes at `offset`, or a `Truncated` error naming `what`.
    fn bytes(&self, what: &'static str, offset: u64, needed: u64) -> Result<&'a [u8], Error> {
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
        // Both fit in usize: they are at most the slice length.
        Ok(&self.data[offset as usize..end as usize])
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

/// Parses an ELF file and collects its loadable segments.
///
/// Returns the `PT_LOAD` segments with file contents (`p_filesz > 0`), sorted by load address,
/// with their bytes copied out of the file. Segments without file contents are skipped, as
/// `objcopy -O binary` skips them. As in GNU binutils, when every program header has
/// `p_paddr == 0` the physical addresses are taken as unset and `p_vaddr` is used instead
/// (some linkers leave `p_paddr` zero).
pub fn parse(elf: &[u8]) -> Result<LoadImage, Error> {
    let reader = identify(elf)?;
    let table = program_header_table(&reader)?;
    let phdrs = read_phdrs(&reader, &table)?;
    let use_vaddr = !phdrs.is_empty() && phdrs.iter().all(|p| p.paddr == 0);
    let load_count = phdrs.iter().filter(|p| p.p_type == PT_LOAD).count();
    let mut segments = Vec::new();
    for (index, ph) in phdrs.iter().enumerate() {
        if ph.p_type != PT_LOAD || ph.filesz == 0 {
            continue;
        }
        segments.push(load_segment(&reader, index, ph, use_vaddr)?);
    }
    if segments.is_empty() {
        return Err(Error::NoLoadable {
            load_segments: load_count,
        });
    }
    // Stable: segments at the same address keep program header order for the overlap error.
    segments.sort_by_key(|(s, _)| s.paddr);
    reject_overlaps(&segments)?;
    // Copy only once everything is checked: headers can point many segments at the same
    // file bytes, so the copies of a rejected file could be far larger than the file.
    let segments = segments
        .into_iter()
        .map(|(s, bytes)| Segment {
            data: bytes.to_vec(),
            ..s
        })
        .collect();
    Ok(LoadImage {
        segments,
        class: reader.class,
        endian: reader.endian,
        paddr_from_vaddr: use_vaddr,
    })
}

/// Checks `e_ident` and returns a reader with the file's class and byte order.
fn identify(elf: &[u8]) -> Result<Reader<'_>, Error> {
    if elf.len() < 4 || elf[..4] != object::elf::ELFMAG {
        return Err(Error::NotElf {
            found: elf.iter().take(4).copied().collect(),
        });
    }
    let mut reader = Reader {
        data: elf,
        endian: Endian::Little,
        class: Class::Elf32,
    };
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
fn program_header_table(r: &Reader<'_>) -> Result<PhTable, Error> {
    let ehdr = r.bytes("ELF header", 0, EHDR_SIZE[r.class_index()])?;
    if r.u16_at(ehdr, 16) == ET_REL {
        return Err(Error::Relocatable);
    }
    let offset = r.word_at(ehdr, 28, 32);
    let (entsize_at, phnum_at) = match r.class {
        Class::Elf32 => (42, 44),
        Class::Elf64 => (54, 56),
    };
    let entsize = r.u16_at(ehdr, entsize_at);
    let phnum = r.u16_at(ehdr, phnum_at);
    let count = if phnum == PN_XNUM {
        extended_phnum(r, ehdr)?
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
fn extended_phnum(r: &Reader<'_>, ehdr: &[u8]) -> Result<u64, Error> {
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
    Ok(u64::from(r.u32_at(shdr, info_at)))
}

fn read_phdrs(r: &Reader<'_>, t: &PhTable) -> Result<Vec<Phdr>, Error> {
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

/// A checked segment (its `data` still empty) and the file bytes it will hold.
type Pending<'a> = (Segment, &'a [u8]);

fn load_segment<'a>(
    r: &Reader<'a>,
    index: usize,
    ph: &Phdr,
    use_vaddr: bool,
) -> Result<Pending<'a>, Error> {
    let past_eof = Error::SegmentPastEof {
        index,
        offset: ph.offset,
        filesz: ph.filesz,
        file_len: r.len(),
    };
    let data = r
        .bytes("segment", ph.offset, ph.filesz)
        .map_err(|_| past_eof)?;
    let paddr = if use_vaddr { ph.vaddr } else { ph.paddr };
    if paddr.checked_add(ph.filesz).is_none() {
        return Err(Error::AddressOverflow {
            index,
            paddr,
            filesz: ph.filesz,
        });
    }
    let segment = Segment {
        index,
        paddr,
        vaddr: ph.vaddr,
        offset: ph.offset,
        memsz: ph.memsz,
        data: Vec::new(),
    };
    Ok((segment, data))
}

fn reject_overlaps(sorted: &[Pending<'_>]) -> Result<(), Error> {
    // load_segment rejected ends that overflow.
    let end = |(s, bytes): &Pending<'_>| s.paddr + bytes.len() as u64;
    for pair in sorted.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if end(a) > b.0.paddr {
            return Err(Error::Overlap {
                first: a.0.index,
                first_start: a.0.paddr,
                first_end: end(a),
                second: b.0.index,
                second_start: b.0.paddr,
                second_end: end(b),
            });
        }
    }
    Ok(())
}
