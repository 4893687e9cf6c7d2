//! Where the device's DFU installer writes each image id, derived the way the SDK derives it.
//!
//! The package flow's installer (SDK `middleware/dfu/dfu_flash.c`,
//! `dfu_get_download_addr_by_imgid`, built with `OTA_55X`; it clears the compress flag before
//! asking, so the plain-image case applies) maps each image id to one C macro. The board's
//! `ptab.json` defines the macros: a region tagged `T` defines `T_START_ADDR` as its start, a
//! `custom` entry defines its own name. A macro the board does not define falls back to the
//! chip's default in the SDK's `mem_map.h` (no region of the board) or, for `#ifdef`-guarded
//! cases, leaves the id without an address. An address outside flash makes the installer log
//! "invalid addr" and write nothing. Only an id whose macro names the start of a flash region
//! of the layout is installable.

use crate::{Chip, ImageId, Layout, Region};

/// The installer's destination macro for one image id.
struct SdkDestination {
    id: u8,
    /// The C macro `dfu_get_download_addr_by_imgid` returns for a plain image.
    macro_name: &'static str,
    /// `mem_map.h` defines the macro when `ptab.json` does not (else the case is `#ifdef`-ed
    /// out and the id gets no address).
    chip_default: bool,
    /// The case is compiled out on SF32LB52x (`#ifndef SOC_SF32LB52X`).
    not_on_52x: bool,
}

const fn dest(id: u8, macro_name: &'static str, chip_default: bool) -> SdkDestination {
    SdkDestination {
        id,
        macro_name,
        chip_default,
        not_on_52x: false,
    }
}

/// From the SDK snapshot of 2025-10 (`dfu_flash.c` lines 137-229). `HCPU_FS_ROOT_BURN_ADDR`
/// (id 5) is defined by no SDK file and by no `ptab.json` tag (tags make `_START_ADDR`).
const SDK: &[SdkDestination] = &[
    dest(0, "HCPU_FLASH_CODE_START_ADDR", true),
    SdkDestination {
        not_on_52x: true,
        ..dest(1, "LCPU_FLASH_CODE_START_ADDR", true)
    },
    SdkDestination {
        not_on_52x: true,
        ..dest(2, "LCPU_PATCH_START_ADDR", true)
    },
    dest(3, "HCPU_FLASH2_IMG_START_ADDR", true),
    dest(4, "HCPU_FLASH2_FONT_START_ADDR", true),
    dest(5, "HCPU_FS_ROOT_BURN_ADDR", false),
    dest(6, "DFU_FLASH_CODE_START_ADDR", true),
    dest(7, "HCPU_FLASH2_TINY_FONT_START_ADDR", false),
    dest(8, "HCPU_FLASH2_IMG_UPGRADE_START_ADDR", true),
    dest(11, "FLASH_BOOT_LOADER_START_ADDR", true),
];

/// Why the device's installer cannot install an image id on a board. Addresses print as
/// `{:#010x}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotInstallable {
    /// The installer has no case for this id.
    #[error(
        "the device's installer has no destination for image {image} ({}): \
         dfu_get_download_addr_by_imgid knows ids 0 to 8 and 11 and writes nothing for others",
        image.0
    )]
    NoSdkDestination {
        /// The image id.
        image: ImageId,
    },
    /// The id's case is compiled out for this chip family.
    #[error(
        "the device's installer has no destination for image {image} ({}) on {chip}: its case \
         in dfu_get_download_addr_by_imgid is compiled out there, so it writes nothing",
        image.0
    )]
    NotOnChip {
        /// The image id.
        image: ImageId,
        /// The layout's chip family.
        chip: String,
    },
    /// The macro is defined neither by the board nor by the SDK.
    #[error(
        "the device's installer writes image {image} ({}) to {macro_name}, which layout \
         {layout} does not define ({how}) and no SDK file defines: it writes nothing",
        image.0
    )]
    Undefined {
        /// The image id.
        image: ImageId,
        /// The macro.
        macro_name: &'static str,
        /// The layout name.
        layout: String,
        /// How a board would define it.
        how: String,
    },
    /// The board does not define the macro; the SDK's chip default is no region of the board.
    #[error(
        "the device's installer writes image {image} ({}) to {macro_name}, which layout \
         {layout} does not define ({how}): the installer falls back to the chip's default \
         address in the SDK's mem_map.h, which is no region of this board",
        image.0
    )]
    ChipDefault {
        /// The image id.
        image: ImageId,
        /// The macro.
        macro_name: &'static str,
        /// The layout name.
        layout: String,
        /// How a board would define it.
        how: String,
    },
    /// The macro is an address outside flash: the installer logs "invalid addr", writes
    /// nothing and carries on.
    #[error(
        "the device's installer writes image {image} ({}) to {macro_name} = {address:#010x}, \
         region {region} in {kind} memory {memory}: not flash, so it silently writes nothing",
        image.0
    )]
    NotFlash {
        /// The image id.
        image: ImageId,
        /// The macro.
        macro_name: &'static str,
        /// Its value.
        address: u64,
        /// The region it is the start of.
        region: String,
        /// That region's memory.
        memory: String,
        /// The memory's kind.
        kind: &'static str,
    },
    /// A `custom` macro value that is the start of no flash region.
    #[error(
        "the device's installer writes image {image} ({}) to {macro_name} = {address:#010x} \
         (a custom macro of layout {layout}), which is the start of no flash region",
        image.0
    )]
    NoRegionAt {
        /// The image id.
        image: ImageId,
        /// The macro.
        macro_name: &'static str,
        /// Its value.
        address: u64,
        /// The layout name.
        layout: String,
    },
}

/// One id's install destination on a board, as [`Layout::install_region`] derives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Install<'a> {
    /// The macro the installer uses.
    pub macro_name: &'static str,
    /// The flash region starting at the macro's address.
    pub region: &'a Region,
}

/// Where the macro's value comes from on this board.
enum Definition<'a> {
    /// A region's tag: the macro is that region's start.
    Tag(&'a Region),
    /// A `custom` entry with this value.
    Custom(u64),
}

impl Layout {
    /// Where the device's installer writes image `id` on this board: the flash region at the
    /// address of the SDK macro for that id, or why there is none.
    pub fn install_region(&self, id: ImageId) -> Result<Install<'_>, NotInstallable> {
        let Some(d) = SDK.iter().find(|d| d.id == id.0) else {
            return Err(NotInstallable::NoSdkDestination { image: id });
        };
        if d.not_on_52x && self.family().is_some_and(Chip::lacks_lcpu_images) {
            return Err(NotInstallable::NotOnChip {
                image: id,
                chip: self.chip.clone(),
            });
        }
        let macro_name = d.macro_name;
        match self.definition(macro_name) {
            None => Err(self.undefined(id, d)),
            Some(Definition::Tag(r)) => match self.memory(&r.memory) {
                Some(m) if !m.kind.is_flash() => Err(NotInstallable::NotFlash {
                    image: id,
                    macro_name,
                    address: r.start(),
                    region: r.name().to_string(),
                    memory: m.name.clone(),
                    kind: m.kind.as_str(),
                }),
                _ => Ok(Install {
                    macro_name,
                    region: r,
                }),
            },
            Some(Definition::Custom(address)) => self
                .flash_regions()
                .find(|r| r.start() == address && r.size > 0)
                .map(|region| Install { macro_name, region })
                .ok_or_else(|| NotInstallable::NoRegionAt {
                    image: id,
                    macro_name,
                    address,
                    layout: self.name.clone(),
                }),
        }
    }

    /// The image ids the device's installer can install on this board, with their
    /// destinations, in id order.
    pub fn installable(&self) -> Vec<(ImageId, Install<'_>)> {
        SDK.iter()
            .map(|d| ImageId(d.id))
            .filter_map(|id| Some((id, self.install_region(id).ok()?)))
            .collect()
    }

    /// The last definition of `macro_name` in ptab order (the generated header `#undef`s and
    /// redefines, region by region: tags first, then `custom`).
    fn definition(&self, macro_name: &str) -> Option<Definition<'_>> {
        let tag = macro_name.strip_suffix("_START_ADDR");
        let mut found = None;
        for r in &self.regions {
            if tag.is_some_and(|t| r.tags.iter().any(|x| x == t)) {
                found = Some(Definition::Tag(r));
            }
            if let Some(&v) = r.custom.get(macro_name) {
                // A negative custom value is no address; u64 wraps it far out of flash.
                found = Some(Definition::Custom(v as u64));
            }
        }
        found
    }

    fn undefined(&self, image: ImageId, d: &SdkDestination) -> NotInstallable {
        let how = match d.macro_name.strip_suffix("_START_ADDR") {
            Some(tag) => format!("no region is tagged {tag}"),
            None => "no region has it in `custom`; tags only make *_START_ADDR macros".to_string(),
        };
        let (macro_name, layout) = (d.macro_name, self.name.clone());
        if d.chip_default {
            NotInstallable::ChipDefault {
                image,
                macro_name,
                layout,
                how,
            }
        } else {
            NotInstallable::Undefined {
                image,
                macro_name,
                layout,
                how,
            }
        }
    }
}
