//! Errors that stop a simulation before it starts (the device's own failures are outcomes, not
//! errors: see [`crate::Outcome`]).

use thiserror::Error;

/// Why a simulation could not be set up.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimError {
    /// The flash map is unusable.
    #[error("layout: {0}")]
    Layout(String),
    /// The package's structure could not be read on the host side (what `unpack` refuses).
    #[error("package")]
    Package(#[source] package::PackageError),
    /// The package's CRC does not match its payloads (what `unpack` refuses).
    #[error(
        "package: CRC at offset {offset:#010x}: header says {stored:#010x}, payloads give \
         {computed:#010x}"
    )]
    Crc {
        /// Offset of the CRC field in the package.
        offset: usize,
        /// The CRC the header holds.
        stored: u32,
        /// The CRC of the payloads.
        computed: u32,
    },
    /// A payload does not decode on the host side (what `unpack` refuses).
    #[error("package: payload of table entry {index} (image id {image_id}) at {offset:#010x}")]
    Payload {
        /// Table index.
        index: usize,
        /// Image id.
        image_id: u8,
        /// Offset of the payload in the package.
        offset: usize,
        /// Why it does not decode.
        #[source]
        source: package::PayloadError,
    },
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
