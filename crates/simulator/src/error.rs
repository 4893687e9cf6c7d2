//! Errors that stop a simulation before it starts (the device's own failures are outcomes, not
//! errors: see [`crate::Outcome`]).

use thiserror::Error;

/// Why a simulation could not be set up.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SimError {
    /// The flash map is unusable.
    #[error("layout: {0}")]
    Layout(String),
    /// The package could not be read on the host side (what `unpack` would refuse).
    #[error("package: {0}")]
    Package(String),
    /// The package does not fit `DFU_DOWNLOAD_REGION`.
    #[error(
        "package is {len} bytes but {region} holds only {size} bytes; the app could not store it"
    )]
    PackageTooLarge {
        /// Package length.
        len: usize,
        /// Download region name.
        region: String,
        /// Its size.
        size: u32,
    },
    /// An image id has no destination region in the layout.
    #[error("image id {id} (table entry {index}) has no destination region in this layout")]
    NoRegion {
        /// Image id.
        id: u8,
        /// Table index.
        index: usize,
    },
    /// An image is larger than its destination region.
    #[error("image id {id} is {len} bytes but its region {region} holds only {size} bytes")]
    ImageTooLarge {
        /// Image id.
        id: u8,
        /// Unpacked length.
        len: usize,
        /// Region name.
        region: String,
        /// Region size.
        size: u32,
    },
    /// A starting image (old app, old installer) does not fit its region.
    #[error("old image for {region} is {len} bytes but the region holds only {size} bytes")]
    OldImageTooLarge {
        /// Region name.
        region: String,
        /// Image length.
        len: usize,
        /// Region size.
        size: u32,
    },
}
