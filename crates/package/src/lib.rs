//! `package`: the OTA package formats. It owns the SiFli offline package v2
//! (`offline_install.bin`: header, image table, payloads, CRC-32/MPEG-2), the compressed image
//! payload with its device-safe trailing byte, verification of a package against the spec and
//! a flash layout, and the `manifest.json` that accompanies a package.
//!
//! The byte formats and how to ship a package are documented in `docs/packages.md`.

pub mod crc32;
pub mod error;
mod le_reader;
pub mod manifest;
pub mod payload;
pub mod rules;
pub mod trailer;
pub mod v2;
pub mod verify;

pub use crc32::crc32_mpeg2;
pub use error::{PackageError, PayloadError};
pub use v2::Flag;

/// The OTA image id (names and numbers of spec section 4), shared with the `layout` crate.
pub use layout::ImageId;
