//! Typed errors of layout parsing and validation.

use crate::ImageId;
use std::path::PathBuf;

/// Why a layout was rejected. Addresses print as `{:#010x}`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// The file could not be read.
    #[error("cannot read layout {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A LAYOUT argument is neither an existing file nor a bundled layout name.
    #[error("no layout file or bundled layout called {arg:?}; bundled layouts: {}", bundled.join(", "))]
    UnknownLayout {
        /// The argument.
        arg: String,
        /// The bundled names.
        bundled: Vec<String>,
    },
    /// An error inside a named file (wraps the others).
    #[error("{}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong in it.
        source: Box<LayoutError>,
    },
    /// Not valid TOML, or not the layout schema (unknown key, wrong type, bad hex string).
    #[error("layout {name}: {message}")]
    Syntax {
        /// Layout name.
        name: String,
        /// The TOML parser's message (it names the line and key).
        message: String,
    },
    /// `chip` is not a known family.
    #[error(
        "unknown chip family {chip:?}: expected one of SF32LB52x, SF32LB55x, SF32LB56x, SF32LB58x"
    )]
    UnknownChip {
        /// The value found.
        chip: String,
    },
    /// Two memories share a name.
    #[error("memory {name:?} is defined twice")]
    DuplicateMemory {
        /// The name.
        name: String,
    },
    /// A flash memory's erase unit is not a power of two (or RAM has a non-zero one).
    #[error("memory {memory:?}: erase_unit {erase_unit:#x} must be a power of two for flash and 0 for RAM/PSRAM")]
    BadEraseUnit {
        /// Memory name.
        memory: String,
        /// The value found.
        erase_unit: u32,
    },
    /// A region names a memory that is not defined.
    #[error("region {region:?}: unknown memory {memory:?}")]
    UnknownMemory {
        /// Region name.
        region: String,
        /// The memory it names.
        memory: String,
    },
    /// A region has neither tags nor a label.
    #[error("region at offset {offset:#010x} of memory {memory:?} has no tags and no label")]
    UnnamedRegion {
        /// Memory name.
        memory: String,
        /// Offset inside it.
        offset: u64,
    },
    /// A tag or label is not a C identifier (tags become C macros).
    #[error("region tag or label {tag:?} is not a C identifier (letters, digits, '_', not starting with a digit)")]
    BadTag {
        /// The value found.
        tag: String,
    },
    /// A tag or label is used by two regions (or twice by one).
    #[error("tag {tag:?} is used by more than one region")]
    DuplicateTag {
        /// The tag.
        tag: String,
    },
    /// A region does not fit its memory (or the 32-bit address space).
    #[error("region {region:?} ({start:#010x} to {end:#010x}) does not fit memory {memory:?} ({mem_start:#010x} to {mem_end:#010x})")]
    RegionOutsideMemory {
        /// Region name.
        region: String,
        /// Region start.
        start: u64,
        /// Region end (exclusive).
        end: u64,
        /// Memory name.
        memory: String,
        /// Memory start.
        mem_start: u64,
        /// Memory end (exclusive).
        mem_end: u64,
    },
    /// Two flash regions overlap (RAM and PSRAM regions may overlap, as in the SDK).
    #[error("flash regions {a:?} ({a_start:#010x} to {a_end:#010x}) and {b:?} ({b_start:#010x} to {b_end:#010x}) overlap")]
    FlashOverlap {
        /// First region.
        a: String,
        /// Its start.
        a_start: u64,
        /// Its end (exclusive).
        a_end: u64,
        /// Second region.
        b: String,
        /// Its start.
        b_start: u64,
        /// Its end (exclusive).
        b_end: u64,
    },
    /// `xip` set on a region outside flash (only stored images have a separate run address).
    #[error(
        "region {region:?}: xip is only meaningful on a flash region, this one is in {kind} memory"
    )]
    XipOutsideFlash {
        /// Region name.
        region: String,
        /// Its memory's kind.
        kind: &'static str,
    },
    /// `xip_size` without `xip`.
    #[error("region {region:?}: xip_size needs xip (the run address it is the size at)")]
    XipSizeWithoutXip {
        /// Region name.
        region: String,
    },
    /// A region the device erases (an image destination or the download region) does not
    /// start and end on its memory's erase unit, so erasing it would wipe a neighbour.
    #[error("region {region:?} (offset {offset:#010x}, size {size:#010x}) is erased by the device but is not aligned to the {erase_unit:#x}-byte erase unit of its memory")]
    UnalignedErasedRegion {
        /// Region name.
        region: String,
        /// Its offset.
        offset: u64,
        /// Its size.
        size: u64,
        /// The memory's erase unit.
        erase_unit: u32,
    },
    /// An image id maps to a region name that does not exist.
    #[error("image {image} maps to region {region:?}, which does not exist")]
    ImageRegionMissing {
        /// The image id.
        image: ImageId,
        /// The region name.
        region: String,
    },
    /// An image id maps to a region that is not in flash.
    #[error("image {image} maps to region {region:?} in {kind} memory; images can only be installed into flash")]
    ImageRegionNotFlash {
        /// The image id.
        image: ImageId,
        /// The region name.
        region: String,
        /// Its memory's kind.
        kind: &'static str,
    },
    /// An `[images]` entry names another region than the one the device's installer writes
    /// that id to (so pack would check the image against the wrong region).
    #[error("image {image} maps to region {region:?}, but the device's installer writes it to {macro_name}, the start of region {installed:?}: map it there")]
    ImageNotWhereInstalled {
        /// The image id.
        image: ImageId,
        /// The region `[images]` names.
        region: String,
        /// The installer's macro for the id.
        macro_name: &'static str,
        /// The region the installer writes.
        installed: String,
    },
}
