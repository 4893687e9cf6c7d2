//! The SiFli offline package v2 (`offline_install.bin`), spec section 2: a 12-byte header, a
//! table of 6-byte entries, then the payloads back to back. [`PackagePlan`] builds one (plan,
//! then emit); [`parse`] reads one strictly, bounded by the input length.

mod plan;
pub mod raw;
mod read;

pub use plan::{PackagePlan, PlannedEntry, PlannedImage};
pub use read::{parse, Package, PackageImage};

/// The payload kind stored in a table entry's `flag` byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flag {
    /// Flag 0: the payload is the raw image, copied as is.
    Raw,
    /// Flag 16 (`DFU_FLAG_COMPRESS`): the payload is a compressed image (spec section 3).
    Compressed,
}

impl Flag {
    /// The byte stored in the table.
    pub const fn to_u8(self) -> u8 {
        match self {
            Flag::Raw => 0,
            Flag::Compressed => 16,
        }
    }

    /// The flag for a table byte, if offline v2 supports it (0 or 16 only: the device
    /// decompresses any non-zero flag while the vendor packer stores raw bytes for those).
    pub const fn from_u8(b: u8) -> Option<Self> {
        match b {
            0 => Some(Flag::Raw),
            16 => Some(Flag::Compressed),
            _ => None,
        }
    }
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Flag::Raw => write!(f, "0 (raw)"),
            Flag::Compressed => write!(f, "16 (compressed)"),
        }
    }
}

/// Size of header plus table for `count` images: where the first payload starts.
pub const fn payloads_start(count: usize) -> usize {
    raw::OfflineHeader::SIZE + raw::OfflineImageEntry::SIZE * count
}
