//! The fixed-size parts of the manifest's canonical encoding (imgtool's own format; the layout
//! table is in the parent module's docs), each declared once. The strings between and after
//! them have no fixed size and are written and read in order by the parent module.

use std::mem::offset_of;
use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The first 44 bytes: version, count and what binds the package body. Fixed and first so that
/// a small C verifier finds `body_sha256` at offset 12 without a general decoder.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct ManifestHead {
    /// Format version of the encoding.
    pub format_version: U16,
    /// Number of image records.
    pub image_count: U16,
    /// Length of the package body.
    pub body_len: U32,
    /// The package header's CRC field.
    pub body_crc: U32,
    /// SHA-256 of the body, install-state byte hashed as 0xFF.
    pub body_sha256: [u8; 32],
}

/// The fixed part of one image record; its name and source strings follow it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct ImageRecordHead {
    /// Image id.
    pub id: u8,
    /// Table flag.
    pub flag: u8,
    /// Length of the raw image.
    pub raw_size: U32,
    /// SHA-256 of the raw image.
    pub raw_sha256: [u8; 32],
    /// Length of the payload.
    pub payload_size: U32,
    /// SHA-256 of the payload.
    pub payload_sha256: [u8; 32],
}

const _: () = assert!(size_of::<ManifestHead>() == 44);
const _: () = assert!(size_of::<ImageRecordHead>() == 74);

/// [`ManifestHead`]'s fields by name and offset, in order (truncation errors name the field).
pub(crate) const MANIFEST_HEAD_FIELDS: [(&str, usize); 5] = [
    ("format_version", offset_of!(ManifestHead, format_version)),
    ("image_count", offset_of!(ManifestHead, image_count)),
    ("body_len", offset_of!(ManifestHead, body_len)),
    ("body_crc", offset_of!(ManifestHead, body_crc)),
    ("body_sha256", offset_of!(ManifestHead, body_sha256)),
];

/// [`ImageRecordHead`]'s fields by name and offset, in order.
pub(crate) const IMAGE_RECORD_HEAD_FIELDS: [(&str, usize); 6] = [
    ("image id", offset_of!(ImageRecordHead, id)),
    ("image flag", offset_of!(ImageRecordHead, flag)),
    ("image raw_size", offset_of!(ImageRecordHead, raw_size)),
    ("image raw_sha256", offset_of!(ImageRecordHead, raw_sha256)),
    (
        "image payload_size",
        offset_of!(ImageRecordHead, payload_size),
    ),
    (
        "image payload_sha256",
        offset_of!(ImageRecordHead, payload_sha256),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The offsets of the parent module's layout table, pinned to the declarations.
    #[test]
    fn offsets_match_the_documented_layout() {
        assert_eq!(MANIFEST_HEAD_FIELDS.map(|f| f.1), [0, 2, 4, 8, 12]);
        assert_eq!(IMAGE_RECORD_HEAD_FIELDS.map(|f| f.1), [0, 1, 2, 6, 38, 42]);
    }
}
