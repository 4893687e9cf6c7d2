//! A small ELF writer for tests: any class and byte order, program headers as given.
//!
//! Real toolchains make the common fixtures (see testdata/elf); this writer makes the shapes
//! no linker script produces on purpose (overlaps, wrong offsets, every class).

/// One program header to write. `data` is placed in the file after the headers unless
/// `offset` overrides `p_offset`.
#[derive(Clone, Debug)]
pub struct Ph {
    pub p_type: u32,
    pub paddr: u64,
    pub vaddr: u64,
    pub data: Vec<u8>,
    pub memsz: u64,
    /// Overrides `p_offset` (and `p_filesz` is still `data.len()` unless `filesz` is set).
    pub offset: Option<u64>,
    pub filesz: Option<u64>,
}

pub const PT_LOAD: u32 = 1;
pub const PT_NOTE: u32 = 4;

/// A loadable segment at `paddr` (= `vaddr`) holding `data`.
pub fn load(paddr: u64, data: &[u8]) -> Ph {
    Ph {
        p_type: PT_LOAD,
        paddr,
        vaddr: paddr,
        data: data.to_vec(),
        memsz: data.len() as u64,
        offset: None,
        filesz: None,
    }
}

/// ELF class and byte order of a synthetic file.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    pub elf64: bool,
    pub big: bool,
}

pub const ALL_KINDS: [Kind; 4] = [
    Kind {
        elf64: false,
        big: false,
    },
    Kind {
        elf64: false,
        big: true,
    },
    Kind {
        elf64: true,
        big: false,
    },
    Kind {
        elf64: true,
        big: true,
    },
];

struct Out {
    bytes: Vec<u8>,
    kind: Kind,
}

impl Out {
    fn u16(&mut self, v: u16) {
        let b = if self.kind.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.kind.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }
    fn word(&mut self, v: u64) {
        if self.kind.elf64 {
            let b = if self.kind.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.bytes.extend_from_slice(&b);
        } else {
            self.u32(v as u32);
        }
    }
}

/// Writes an ELF executable (EM_ARM) with the given program headers and no sections.
pub fn elf(kind: Kind, phs: &[Ph]) -> Vec<u8> {
    let (ehsize, phentsize) = if kind.elf64 { (64u64, 56u64) } else { (52, 32) };
    let mut data_at = ehsize + phentsize * phs.len() as u64;
    let mut offsets = Vec::new();
    for ph in phs {
        offsets.push(ph.offset.unwrap_or(data_at));
        if ph.offset.is_none() {
            data_at += ph.data.len() as u64;
        }
    }
    let mut o = Out {
        bytes: Vec::new(),
        kind,
    };
    o.bytes.extend_from_slice(b"\x7fELF");
    o.bytes.push(if kind.elf64 { 2 } else { 1 });
    o.bytes.push(if kind.big { 2 } else { 1 });
    o.bytes.push(1); // EI_VERSION
    o.bytes.resize(16, 0);
    o.u16(2); // ET_EXEC
    o.u16(40); // EM_ARM
    o.u32(1);
    o.word(0); // e_entry
    o.word(ehsize); // e_phoff
    o.word(0); // e_shoff
    o.u32(0); // e_flags
    o.u16(ehsize as u16);
    o.u16(phentsize as u16);
    o.u16(phs.len() as u16);
    o.u16(0);
    o.u16(0);
    o.u16(0);
    for (ph, off) in phs.iter().zip(&offsets) {
        let filesz = ph.filesz.unwrap_or(ph.data.len() as u64);
        o.u32(ph.p_type);
        if kind.elf64 {
            o.u32(5); // p_flags
        }
        o.word(*off);
        o.word(ph.vaddr);
        o.word(ph.paddr);
        o.word(filesz);
        o.word(ph.memsz);
        if !kind.elf64 {
            o.u32(5);
        }
        o.word(4); // p_align
    }
    for ph in phs.iter().filter(|p| p.offset.is_none()) {
        o.bytes.extend_from_slice(&ph.data);
    }
    o.bytes
}
