//! The on-disk structs of the offline package v2, each written once, little-endian, with its
//! size checked at compile time. Names follow the device's view of the bytes: a 12-byte
//! package header, then one 6-byte image entry per image (spec section 2). Each is declared
//! once with zerocopy: byte order in the field types, written with `as_bytes()` and read with
//! `read_from_prefix`/`ref_from_bytes` from the same declaration.

use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// `magic` of every offline package: the bytes `46 43 45 53` ("FCES").
pub const MAGIC: u32 = 0x5345_4346;
/// `version` of the offline package v2 format (the byte is 1; "v2" is the vendor's name).
pub const VERSION: u8 = 1;
/// `install_state` of a fresh package. The device clears bits: `0x7F` installing, `0x3F` done.
pub const INSTALL_STATE_FRESH: u8 = 0xFF;
/// `install_state` while the installer is running (bootloader keeps starting it).
pub const INSTALL_STATE_INSTALLING: u8 = 0x7F;
/// `install_state` after a finished install.
pub const INSTALL_STATE_FINISHED: u8 = 0x3F;
/// At most 255 images: the device's table loop counter is 8-bit.
pub const MAX_IMAGES: usize = 255;

/// The package header at offset 0 (`magic`, `version`, `install_state`, `image_count`, `crc`).
///
/// The formats doc names no SDK C struct for it; the layout is its section 2.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct OfflineHeader {
    /// Always [`MAGIC`].
    pub magic: U32,
    /// Always [`VERSION`].
    pub version: u8,
    /// [`INSTALL_STATE_FRESH`] in a package the tool writes; owned by the device afterwards.
    pub install_state: u8,
    /// Number of table entries.
    pub image_count: U16,
    /// CRC-32/MPEG-2 over all payloads back to back (not the header, not the table).
    pub crc: U32,
}

/// Byte offsets of the header fields, taken from [`OfflineHeader`] (errors name fields by
/// offset; the install-state byte is the one the device programs in place).
pub mod header_offset {
    use super::OfflineHeader;
    use std::mem::offset_of;

    /// `magic` (u32).
    pub const MAGIC: usize = offset_of!(OfflineHeader, magic);
    /// `version` (u8).
    pub const VERSION: usize = offset_of!(OfflineHeader, version);
    /// `install_state` (u8): the device programs it during an install (0xFF -> 0x7F -> 0x3F).
    pub const INSTALL_STATE: usize = offset_of!(OfflineHeader, install_state);
    /// `image_count` (u16).
    pub const IMAGE_COUNT: usize = offset_of!(OfflineHeader, image_count);
    /// `crc` (u32).
    pub const CRC: usize = offset_of!(OfflineHeader, crc);
}

impl OfflineHeader {
    /// Size on disk.
    pub const SIZE: usize = size_of::<Self>();

    /// The header of a fresh package of `image_count` images whose payloads have `crc`.
    pub fn fresh(image_count: u16, crc: u32) -> Self {
        Self {
            magic: U32::new(MAGIC),
            version: VERSION,
            install_state: INSTALL_STATE_FRESH,
            image_count: U16::new(image_count),
            crc: U32::new(crc),
        }
    }
}

/// One table entry (`image_id`, `flag`, `payload_len`), formats doc section 2.
///
/// The formats doc names no SDK C struct for it either.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct OfflineImageEntry {
    /// Image id (spec section 4); the container keeps any byte, the layout decides placement.
    pub image_id: u8,
    /// 0 raw, 16 compressed.
    pub flag: u8,
    /// Length of the payload in bytes.
    pub payload_len: U32,
}

impl OfflineImageEntry {
    /// Size on disk.
    pub const SIZE: usize = size_of::<Self>();
}

/// The 8-byte header of a compressed payload (flag 16), spec section 3: declared once in
/// `ezip`, the crate that writes it.
pub use ezip::payload::CompressedImageHeader;

// The device reads these structs at fixed offsets: a size change is a format break.
const _: () = assert!(size_of::<OfflineHeader>() == 12);
const _: () = assert!(size_of::<OfflineImageEntry>() == 6);
const _: () = assert!(size_of::<CompressedImageHeader>() == 8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bytes_are_little_endian_and_round_trip() {
        let h = OfflineHeader {
            image_count: U16::new(0x0102),
            ..OfflineHeader::fresh(0, 0xA1B2_C3D4)
        };
        let b = h.as_bytes();
        assert_eq!(
            b,
            [0x46, 0x43, 0x45, 0x53, 1, 0xFF, 0x02, 0x01, 0xD4, 0xC3, 0xB2, 0xA1]
        );
        assert_eq!(&b[0..4], b"FCES");
        assert_eq!(OfflineHeader::read_from_bytes(b).unwrap(), h);
    }

    #[test]
    fn entry_bytes_are_little_endian_and_round_trip() {
        let e = OfflineImageEntry {
            image_id: 6,
            flag: 16,
            payload_len: U32::new(0x0001_0203),
        };
        let b = e.as_bytes();
        assert_eq!(b, [6, 16, 0x03, 0x02, 0x01, 0x00]);
        assert_eq!(OfflineImageEntry::read_from_bytes(b).unwrap(), e);
    }

    /// The offsets the formats doc (section 2 and 3) gives, pinned to the declarations.
    #[test]
    fn sizes_and_offsets_match_the_spec() {
        use std::mem::offset_of;
        assert_eq!(OfflineHeader::SIZE, 12);
        assert_eq!(
            [
                header_offset::MAGIC,
                header_offset::VERSION,
                header_offset::INSTALL_STATE,
                header_offset::IMAGE_COUNT,
                header_offset::CRC
            ],
            [0, 4, 5, 6, 8]
        );
        assert_eq!(OfflineImageEntry::SIZE, 6);
        assert_eq!(
            [
                offset_of!(OfflineImageEntry, image_id),
                offset_of!(OfflineImageEntry, flag),
                offset_of!(OfflineImageEntry, payload_len)
            ],
            [0, 1, 2]
        );
        assert_eq!(size_of::<CompressedImageHeader>(), 8);
        assert_eq!(
            [
                offset_of!(CompressedImageHeader, total_len),
                offset_of!(CompressedImageHeader, pksize)
            ],
            [0, 4]
        );
    }
}
