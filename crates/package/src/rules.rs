//! The device's rules for an offline package v2 on a board, each one function.
//!
//! Planning (`imgtool::pack`), `verify` and signing call these same functions, so the three
//! can never disagree about what the device accepts (issue 18: a rule written in three layers
//! drifts). Each returns a typed [`RuleBreak`] whose message states the numbers; callers add
//! their hint (which option fixes it) around it. The heap rule ([`install_heap`]) and the
//! one-codec rule ([`one_codec`]) keep their [`PackageError`] variants.

use crate::error::PackageError;
use crate::payload;
use crate::Flag;
use crate::ImageId;
use layout::{Layout, MemoryKind, Region};

/// NAND pages are 2048 bytes: the installer writes whole chunks, so `pksize` must be a
/// multiple of this when a compressed image lands in NAND.
pub const NAND_PKSIZE_UNIT: u32 = 2048;

/// A device rule that a package (or a plan) breaks, with the numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleBreak {
    /// The layout has no destination for the image id.
    #[error("layout {layout} cannot place image id {id} ({number}): {reason}")]
    NotInstallable {
        /// Layout name.
        layout: String,
        /// The image id.
        id: ImageId,
        /// Its number.
        number: u8,
        /// Why (the SDK's reason, from the layout crate; part of the sentence, boxed: it is
        /// large and rare).
        reason: Box<layout::NotInstallable>,
    },
    /// The image is larger than its region.
    #[error(
        "{subject} is {len} bytes but its region {region} ({start:#010x} to {end:#010x}) holds \
         {size} bytes: {over} bytes too many",
        over = len - size
    )]
    RegionFit {
        /// Which image, as the caller names it (`image hcpu (app.elf)`, `image 0 (id hcpu)`).
        subject: String,
        /// Bytes the device writes.
        len: u64,
        /// Region name.
        region: String,
        /// Region start.
        start: u64,
        /// Region end (exclusive).
        end: u64,
        /// Region size.
        size: u64,
    },
    /// The package is larger than `DFU_DOWNLOAD_REGION`.
    #[error(
        "{what} is {len} bytes{parts} but {region} ({start:#010x} to {end:#010x}) holds {size} \
         bytes: {over} bytes too many",
        what = if trailer.is_some() { "the signed package" } else { "package" },
        parts = trailer.map_or(String::new(), |t| format!(" (body {} + signature trailer {t})", len - t)),
        over = len - size
    )]
    DownloadFit {
        /// The package's length as written (body and trailer).
        len: u64,
        /// Length of the signature trailer, when the package is signed.
        trailer: Option<u64>,
        /// Region name.
        region: String,
        /// Region start.
        start: u64,
        /// Region end (exclusive).
        end: u64,
        /// Region size.
        size: u64,
    },
    /// The layout has no download region to check the package against.
    #[error("layout {layout} has no DFU_DOWNLOAD_REGION")]
    NoDownloadRegion {
        /// Layout name.
        layout: String,
    },
    /// A compressed image in NAND with a `pksize` that is not a whole number of pages.
    #[error(
        "image {id} goes to {region} in NAND memory {memory}: pksize {pksize} must be a \
         multiple of {unit} there",
        unit = NAND_PKSIZE_UNIT
    )]
    NandPksize {
        /// The image id.
        id: ImageId,
        /// Region name.
        region: String,
        /// Memory name.
        memory: String,
        /// The payload's pksize.
        pksize: u32,
    },
}

/// Where the device's installer writes image `id` on `layout`'s board.
pub fn installable(layout: &Layout, id: ImageId) -> Result<&Region, RuleBreak> {
    layout
        .install_region(id)
        .map(|i| i.region)
        .map_err(|e| RuleBreak::NotInstallable {
            layout: layout.name.clone(),
            id,
            number: id.0,
            reason: Box::new(e),
        })
}

/// The image (`len` bytes as the device writes them) must fit its region.
pub fn region_fit(subject: impl Into<String>, len: u64, region: &Region) -> Result<(), RuleBreak> {
    if len <= region.size {
        return Ok(());
    }
    Err(RuleBreak::RegionFit {
        subject: subject.into(),
        len,
        region: region.name().to_string(),
        start: region.start(),
        end: region.end(),
        size: region.size,
    })
}

/// `DFU_DOWNLOAD_REGION` of `layout`, where the app stores a package before the install.
pub fn download_region(layout: &Layout) -> Result<&Region, RuleBreak> {
    layout
        .download_region()
        .ok_or_else(|| RuleBreak::NoDownloadRegion {
            layout: layout.name.clone(),
        })
}

/// The package as written (`len` bytes, of which `trailer` are a signature trailer) must fit
/// the download region `region` ([`download_region`]). Planning checks the body, signing
/// checks again with the trailer, `verify` checks the file.
pub fn download_fit(region: &RegionFill, len: u64, trailer: Option<u64>) -> Result<(), RuleBreak> {
    if len <= region.size {
        return Ok(());
    }
    Err(RuleBreak::DownloadFit {
        len,
        trailer,
        region: region.name.clone(),
        start: region.start,
        end: region.start + region.size,
        size: region.size,
    })
}

/// Where an image or a package lands in the layout and how full that region gets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegionFill {
    /// Region name (first tag).
    pub name: String,
    /// Region start address.
    pub start: u64,
    /// Region size.
    pub size: u64,
    /// Bytes the image (or package) occupies.
    pub used: u64,
}

impl RegionFill {
    /// `region` holding `used` bytes.
    pub fn new(region: &Region, used: u64) -> Self {
        RegionFill {
            name: region.name().to_string(),
            start: region.start(),
            size: region.size,
            used,
        }
    }
}

/// A compressed image installed into NAND must use a `pksize` that is a multiple of
/// [`NAND_PKSIZE_UNIT`].
pub fn nand_pksize(
    layout: &Layout,
    id: ImageId,
    region: &Region,
    flag: Flag,
    pksize: u32,
) -> Result<(), RuleBreak> {
    let nand = layout
        .memory(&region.memory)
        .is_some_and(|m| m.kind == MemoryKind::Nand);
    if !nand || flag != Flag::Compressed || pksize % NAND_PKSIZE_UNIT == 0 {
        return Ok(());
    }
    Err(RuleBreak::NandPksize {
        id,
        region: region.name().to_string(),
        memory: region.memory.clone(),
        pksize,
    })
}

/// The installer allocates `pksize` + 2 x the largest packet: see
/// [`payload::check_install_heap`] (refused above 64 KiB unless allowed; returns the heap).
pub fn install_heap<'a>(
    payloads: impl IntoIterator<Item = &'a [u8]>,
    allow_large: bool,
) -> Result<u64, PackageError> {
    payload::check_install_heap(payloads, allow_large)
}

/// One codec per package: see [`payload::check_one_mode`].
pub fn one_codec(
    modes: impl IntoIterator<Item = (usize, u8, ezip::Mode)>,
) -> Result<(), PackageError> {
    payload::check_one_mode(modes)
}
