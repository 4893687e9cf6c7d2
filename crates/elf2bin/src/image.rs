//! The loadable contents of an ELF (in memory or left in the file) and the images made from
//! them: the data types the other modules share.

use crate::plan::Extent;

/// ELF class (`e_ident[EI_CLASS]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// 32-bit ELF.
    Elf32,
    /// 64-bit ELF.
    Elf64,
}

/// ELF byte order (`e_ident[EI_DATA]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    /// Little-endian.
    Little,
    /// Big-endian.
    Big,
}

/// One `PT_LOAD` segment's file contents and where they load.
///
/// The contents are borrowed from the input given to [`crate::parse`]: parsing copies nothing,
/// however many program headers point at the same file bytes (which ELF allows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    /// Index of the program header in the ELF (for messages).
    pub index: usize,
    /// Load address (LMA): where the bytes are stored in flash.
    pub paddr: u64,
    /// Run address (VMA): where the program uses them (differs for `.data`).
    pub vaddr: u64,
    /// File offset of the contents (`p_offset`).
    pub offset: u64,
    /// Size in memory (`p_memsz`); the part beyond `data.len()` is zeroed at run time and
    /// never emitted.
    pub memsz: u64,
    /// The `p_filesz` bytes of file contents, borrowed from the input.
    pub data: &'a [u8],
}

impl Segment<'_> {
    /// One past the last load address of the file contents.
    pub fn end(&self) -> u64 {
        // parse() rejected segments whose end overflows.
        self.paddr + self.data.len() as u64
    }
}

/// The loadable bytes of an ELF: what [`crate::parse`] returns, borrowing from its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadImage<'a> {
    /// `PT_LOAD` segments with `p_filesz > 0`, sorted by load address, not overlapping.
    pub segments: Vec<Segment<'a>>,
    /// ELF class of the input.
    pub class: Class,
    /// Byte order of the input.
    pub endian: Endian,
    /// True when every `p_paddr` was zero and the run addresses were used instead.
    pub paddr_from_vaddr: bool,
}

/// A flat image: bytes to be written at `start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionImage {
    /// The region's name (the window name; `"flat"` for [`LoadImage::flat`]).
    pub name: String,
    /// Address of `bytes[0]`.
    pub start: u64,
    /// The image.
    pub bytes: Vec<u8>,
    /// How many of `bytes` are fill (not from any segment).
    pub fill_bytes: u64,
}

impl LoadImage<'_> {
    /// Lowest load address.
    pub fn start(&self) -> u64 {
        self.segments.first().map_or(0, |s| s.paddr)
    }

    /// One past the highest load address.
    pub fn end(&self) -> u64 {
        self.segments.last().map_or(0, Segment::end)
    }
}

impl Extent for Segment<'_> {
    fn index(&self) -> usize {
        self.index
    }
    fn start(&self) -> u64 {
        self.paddr
    }
    fn end(&self) -> u64 {
        Segment::end(self)
    }
}

/// One `PT_LOAD` segment of an [`crate::ElfFile`]: where its file contents are and where they load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSegment {
    /// Index of the program header in the ELF (for messages).
    pub index: usize,
    /// Load address (LMA): where the bytes are stored in flash.
    pub paddr: u64,
    /// Run address (VMA): where the program uses them.
    pub vaddr: u64,
    /// File offset of the contents (`p_offset`).
    pub offset: u64,
    /// Size of the file contents (`p_filesz`, never 0).
    pub filesz: u64,
    /// Size in memory (`p_memsz`); the part beyond `filesz` is never emitted.
    pub memsz: u64,
}

impl FileSegment {
    /// One past the last load address of the file contents.
    pub fn end(&self) -> u64 {
        // Parsing rejected segments whose end overflows.
        self.paddr + self.filesz
    }
}

impl Extent for FileSegment {
    fn index(&self) -> usize {
        self.index
    }
    fn start(&self) -> u64 {
        self.paddr
    }
    fn end(&self) -> u64 {
        FileSegment::end(self)
    }
}
