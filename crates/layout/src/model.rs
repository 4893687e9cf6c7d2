//! The layout data model: one board's memories, regions and image-id map.

use crate::{hex, Chip, ImageId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One board's memory layout (a `layouts/*.toml` file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// The layout's name: the file stem (`sf32lb52x-eh-lb523`); not stored in the file.
    #[serde(skip)]
    pub name: String,
    /// Chip family: `SF32LB52x`, `SF32LB55x`, `SF32LB56x` or `SF32LB58x`.
    pub chip: String,
    /// Free text: where the layout came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The board's memories, in file order.
    #[serde(rename = "memory", default)]
    pub memories: Vec<Memory>,
    /// The regions, in file order (use [`Layout::sorted_regions`] for address order).
    #[serde(rename = "region", default)]
    pub regions: Vec<Region>,
    /// Destination region (by [`Region::name`]) of each OTA image id.
    #[serde(default)]
    pub images: BTreeMap<ImageId, String>,
}

impl Layout {
    /// The chip family of [`Layout::chip`] (`None` only for an unvalidated layout whose
    /// `chip` names no family).
    pub fn family(&self) -> Option<Chip> {
        Chip::from_name(&self.chip)
    }
}

/// What kind of memory a [`Memory`] is; decides erase units and whether overlaps are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemoryKind {
    /// NOR flash (memory mapped, execute in place).
    Nor,
    /// NAND flash (code is copied to RAM/PSRAM before it runs).
    Nand,
    /// PSRAM.
    Psram,
    /// On-chip SRAM.
    Ram,
}

impl MemoryKind {
    /// NOR or NAND: the kinds an OTA image can be installed into.
    pub fn is_flash(self) -> bool {
        matches!(self, MemoryKind::Nor | MemoryKind::Nand)
    }

    /// The lowercase name used in layout files.
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryKind::Nor => "nor",
            MemoryKind::Nand => "nand",
            MemoryKind::Psram => "psram",
            MemoryKind::Ram => "ram",
        }
    }

    /// Default erase unit: NOR per chip ([`Chip::nor_erase_unit`]: 4 KiB, 8 KiB on SF32LB55x;
    /// 4 KiB for a chip name that is not known), NAND 128 KiB, 0 for RAM kinds.
    pub fn default_erase_unit(self, chip: &str) -> u32 {
        match self {
            MemoryKind::Nor => Chip::from_name(chip).map_or(4 * 1024, Chip::nor_erase_unit),
            MemoryKind::Nand => 128 * 1024,
            MemoryKind::Psram | MemoryKind::Ram => 0,
        }
    }
}

/// Why a string is not a [`MemoryKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown memory kind {input:?}: expected nor, nand, psram or ram")]
pub struct ParseMemoryKindError {
    /// The rejected text.
    pub input: String,
}

impl std::str::FromStr for MemoryKind {
    type Err = ParseMemoryKindError;
    /// `nor`, `nand`, `psram`, `ram` (or `sram`), case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "nor" => Ok(MemoryKind::Nor),
            "nand" => Ok(MemoryKind::Nand),
            "psram" => Ok(MemoryKind::Psram),
            "ram" | "sram" => Ok(MemoryKind::Ram),
            _ => Err(ParseMemoryKindError {
                input: s.to_string(),
            }),
        }
    }
}

/// One memory (one address window) of the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    /// The SDK's name (`flash2`, `psram1`, `hpsys_ram`).
    pub name: String,
    /// Address of offset 0 (for NOR the memory-mapped address the linker uses).
    #[serde(with = "hex")]
    pub base: u64,
    /// NOR, NAND, PSRAM or RAM.
    pub kind: MemoryKind,
    /// Erase unit in bytes (a power of two for flash; 0 for RAM kinds, which need no erase).
    #[serde(with = "hex::u32", default)]
    pub erase_unit: u32,
    /// Size in bytes when known (ptab.json does not say); regions must then fit inside it.
    #[serde(with = "hex::option", default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// Which ftab address(es) a region provides for an ftab entry (ptab.json `ftab.address`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FtabAddress {
    /// Where the image is stored.
    Base,
    /// Where the image runs (the bootloader copies it there when it differs from `base`).
    Xip,
}

/// A region's role in the flash table (ptab.json `ftab`), kept for ftab generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FtabRef {
    /// ftab entry name: `main`, `dfu`, `bootloader` or a user name.
    pub name: String,
    /// Which of the entry's addresses this region supplies.
    pub address: Vec<FtabAddress>,
}

/// One region: a named address range inside a memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// SDK tags (`HCPU_FLASH_CODE`); each one yields `<TAG>_START_ADDR` / `<TAG>_SIZE` macros.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Name for a region without tags (the SDK has some, e.g. where the bootloader is stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Name of the [`Memory`] it lives in.
    pub memory: String,
    /// Offset from the memory's base.
    #[serde(with = "hex")]
    pub offset: u64,
    /// Size in bytes.
    #[serde(with = "hex")]
    pub size: u64,
    /// For a flash region whose image does not run in place (NAND boards, the SF32LB52x
    /// bootloader): the address the image is linked at and runs from. ELF load addresses of
    /// that image lie in `xip..xip + size`, not in `start()..end()`.
    #[serde(with = "hex::option", default, skip_serializing_if = "Option::is_none")]
    pub xip: Option<u64>,
    /// Size of the run region at `xip` when it differs from `size`. The image must fit both,
    /// so the link range is `min(size, xip_size)` long (see [`Region::link_size`]).
    #[serde(with = "hex::option", default, skip_serializing_if = "Option::is_none")]
    pub xip_size: Option<u64>,
    /// ptab.json `img`: which build output is stored here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub img: Option<String>,
    /// ptab.json `exec`: which program is linked to run from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<String>,
    /// ptab.json `ftab`: this region's part in a flash-table entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ftab: Option<FtabRef>,
    /// ptab.json `custom`: extra `#define NAME (value)` lines for the C header.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom: BTreeMap<String, i64>,
    /// Absolute start, cached by [`Layout::validate`] (memory base + offset).
    #[serde(skip)]
    pub(crate) abs_start: u64,
}

impl Region {
    /// A minimal region; fill the optional fields afterwards.
    pub fn new(tags: Vec<String>, memory: &str, offset: u64, size: u64) -> Region {
        Region {
            tags,
            label: None,
            memory: memory.to_string(),
            offset,
            size,
            xip: None,
            xip_size: None,
            img: None,
            exec: None,
            ftab: None,
            custom: BTreeMap::new(),
            abs_start: offset,
        }
    }

    /// The region's name: its first tag, or its `label` when it has no tags.
    pub fn name(&self) -> &str {
        self.tags
            .first()
            .or(self.label.as_ref())
            .map_or("", String::as_str)
    }

    /// Absolute start address: memory base + offset (the SDK's `<TAG>_START_ADDR`).
    ///
    /// Valid on a layout that went through [`Layout::validate`] (every constructor does);
    /// after editing fields by hand, call `validate` again.
    pub fn start(&self) -> u64 {
        self.abs_start
    }

    /// Exclusive end address: `start() + size`.
    pub fn end(&self) -> u64 {
        // Saturating: an unvalidated layout (see `show`) may hold absurd numbers.
        self.abs_start.saturating_add(self.size)
    }

    /// Whether `addr..addr + len` lies inside `start()..end()`.
    pub fn contains(&self, addr: u64, len: u64) -> bool {
        addr >= self.start() && addr.checked_add(len).is_some_and(|e| e <= self.end())
    }

    /// Start of the range the stored image is linked at: `xip` if set, else `start()`.
    pub fn link_start(&self) -> u64 {
        self.xip.unwrap_or(self.abs_start)
    }

    /// Length of the link range: `size`, or `min(size, xip_size)` when the image runs from a
    /// region of another size (it must fit where it is stored and where it runs).
    pub fn link_size(&self) -> u64 {
        match (self.xip, self.xip_size) {
            (Some(_), Some(x)) => x.min(self.size),
            _ => self.size,
        }
    }

    /// Whether `addr..addr + len` lies inside the link range
    /// `link_start()..link_start() + link_size()` (where the ELF load addresses of the image
    /// stored here fall).
    pub fn link_contains(&self, addr: u64, len: u64) -> bool {
        let s = self.link_start();
        addr >= s
            && addr
                .checked_add(len)
                .is_some_and(|e| e <= s.saturating_add(self.link_size()))
    }
}
