//! The typed error of this crate.

use std::fmt;
use std::io;
use std::sync::Arc;

/// A flash region near an address that no region covers, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nearby {
    /// The region's name (its first tag).
    pub name: String,
    /// First address of the region.
    pub start: u64,
    /// One past the last address of the region.
    pub end: u64,
}

impl fmt::Display for Nearby {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:#010x} to {:#010x}",
            self.name, self.start, self.end
        )
    }
}

/// Formats a list of regions as "A 0x..-0x.., B ..." or "none".
fn list(regions: &[Nearby]) -> String {
    if regions.is_empty() {
        return "none".to_string();
    }
    let parts: Vec<String> = regions.iter().map(ToString::to_string).collect();
    parts.join(", ")
}

/// Everything that can go wrong turning an ELF into images.
///
/// Addresses are load addresses (LMA, `p_paddr`); ranges are half-open (`start..end`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file does not start with the ELF magic.
    #[error(
        "not an ELF file: the first bytes are {found:02x?}, expected 7f 45 4c 46 (\"\\x7fELF\")"
    )]
    NotElf {
        /// The first (up to four) bytes of the file.
        found: Vec<u8>,
    },
    /// `e_ident[EI_CLASS]` is neither ELF32 nor ELF64.
    #[error("unsupported ELF class {found} at offset 0x4 (expected 1 = ELF32 or 2 = ELF64)")]
    BadClass {
        /// The byte found.
        found: u8,
    },
    /// `e_ident[EI_DATA]` is neither little- nor big-endian.
    #[error("unsupported ELF data encoding {found} at offset 0x5 (expected 1 = little-endian or 2 = big-endian)")]
    BadEncoding {
        /// The byte found.
        found: u8,
    },
    /// A header or table does not fit in the file.
    #[error("truncated ELF: the {what} needs {needed} bytes at offset {offset:#x}, but the file has {file_len} bytes")]
    Truncated {
        /// Which structure was being read.
        what: &'static str,
        /// File offset of the structure.
        offset: u64,
        /// Bytes the structure needs from that offset.
        needed: u64,
        /// Size of the whole file.
        file_len: u64,
    },
    /// Reading the ELF's headers from a file failed: an I/O error, not a malformed file
    /// (only from [`crate::ElfFile::open`]).
    #[error("cannot read the {what} at offset {offset:#x}")]
    Read {
        /// Which structure was being read.
        what: &'static str,
        /// File offset of the structure.
        offset: u64,
        /// The I/O error.
        #[source]
        source: IoCause,
    },
    /// `e_phentsize` is smaller than a program header of this class.
    #[error("program header entry size (e_phentsize) is {found} bytes, expected at least {expected} for this ELF class")]
    BadPhEntSize {
        /// The value found.
        found: u16,
        /// The size of one program header of this class.
        expected: u16,
    },
    /// A `PT_LOAD` segment's file contents extend past the end of the file.
    #[error("segment {index} (PT_LOAD): its {filesz} file bytes at offset {offset:#x} extend past the end of the file ({file_len} bytes)")]
    SegmentPastEof {
        /// Program header index.
        index: usize,
        /// `p_offset`.
        offset: u64,
        /// `p_filesz`.
        filesz: u64,
        /// Size of the whole file.
        file_len: u64,
    },
    /// A segment's load address range wraps around the address space.
    #[error("segment {index} (PT_LOAD): load address {paddr:#010x} plus {filesz} bytes overflows the address space")]
    AddressOverflow {
        /// Program header index.
        index: usize,
        /// Load address.
        paddr: u64,
        /// `p_filesz`.
        filesz: u64,
    },
    /// Two segments' loadable bytes overlap at their load addresses.
    #[error("segments {first} ({first_start:#010x} to {first_end:#010x}) and {second} ({second_start:#010x} to {second_end:#010x}) overlap at their load addresses")]
    Overlap {
        /// Program header index of the lower segment.
        first: usize,
        /// Its first load address.
        first_start: u64,
        /// One past its last load address.
        first_end: u64,
        /// Program header index of the higher segment.
        second: usize,
        /// Its first load address.
        second_start: u64,
        /// One past its last load address.
        second_end: u64,
    },
    /// The file is a relocatable object (`e_type` `ET_REL`, e.g. from `gcc -c`): not linked,
    /// so it has no load addresses.
    #[error("relocatable object (e_type ET_REL at offset 0x10): it has no load addresses; link it into an executable first")]
    Relocatable,
    /// No `PT_LOAD` segment has file contents.
    #[error("no loadable bytes: the ELF has {load_segments} PT_LOAD segment(s) and none has file contents (p_filesz > 0)")]
    NoLoadable {
        /// How many `PT_LOAD` segments there were (all empty).
        load_segments: usize,
    },
    /// A flat image would be larger than [`crate::MAX_FLAT_SPAN`].
    #[error("the load addresses span {span} bytes ({start:#010x} to {end:#010x}), more than the {limit}-byte limit for one flat image")]
    SpanTooLarge {
        /// Lowest load address.
        start: u64,
        /// One past the highest load address.
        end: u64,
        /// `end - start`.
        span: u64,
        /// The limit.
        limit: u64,
    },
    /// A segment lies in no window.
    #[error("segment {index} ({start:#010x} to {end:#010x}) lies outside every flash region; nearest: {}", list(.nearest))]
    OutsideRegions {
        /// Program header index.
        index: usize,
        /// First load address.
        start: u64,
        /// One past the last load address.
        end: u64,
        /// The closest region below and the closest region above, if any.
        nearest: Vec<Nearby>,
    },
    /// A segment starts in one window and ends outside it.
    #[error("segment {index} ({start:#010x} to {end:#010x}) starts in flash region {} but runs past its end; it straddles into: {}", .region, list(.beyond))]
    Straddles {
        /// Program header index.
        index: usize,
        /// First load address.
        start: u64,
        /// One past the last load address.
        end: u64,
        /// The region holding the segment's first byte.
        region: Nearby,
        /// Regions holding the segment's last byte (empty when none does).
        beyond: Vec<Nearby>,
    },
}

/// The I/O error behind [`Error::Read`], kept typed: shared, so [`Error`] stays `Clone`, and
/// compared by kind and text, so it stays comparable (`io::Error` is neither).
#[derive(Debug, Clone)]
pub struct IoCause(pub Arc<io::Error>);

impl IoCause {
    /// The I/O error.
    pub fn io(&self) -> &io::Error {
        &self.0
    }
}

impl From<io::Error> for IoCause {
    fn from(e: io::Error) -> Self {
        IoCause(Arc::new(e))
    }
}

impl PartialEq for IoCause {
    fn eq(&self, other: &Self) -> bool {
        self.0.kind() == other.0.kind() && self.0.to_string() == other.0.to_string()
    }
}

impl Eq for IoCause {}

impl fmt::Display for IoCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for IoCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
