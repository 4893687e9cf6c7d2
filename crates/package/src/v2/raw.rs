//! The on-disk structs of the offline package v2, each written once, little-endian, with its
//! size checked at compile time. Names follow the device's view of the bytes: a 12-byte
//! package header, then one 6-byte image entry per image (spec section 2).

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineHeader {
    /// Always [`MAGIC`].
    pub magic: u32,
    /// Always [`VERSION`].
    pub version: u8,
    /// [`INSTALL_STATE_FRESH`] in a package the tool writes; owned by the device afterwards.
    pub install_state: u8,
    /// Number of table entries.
    pub image_count: u16,
    /// CRC-32/MPEG-2 over all payloads back to back (not the header, not the table).
    pub crc: u32,
}

/// Byte offsets of the header fields, used to name fields in errors.
pub mod header_offset {
    /// `magic` (u32).
    pub const MAGIC: usize = 0;
    /// `version` (u8).
    pub const VERSION: usize = 4;
    /// `install_state` (u8).
    pub const INSTALL_STATE: usize = 5;
    /// `image_count` (u16).
    pub const IMAGE_COUNT: usize = 6;
    /// `crc` (u32).
    pub const CRC: usize = 8;
}

impl OfflineHeader {
    /// Size on disk.
    pub const SIZE: usize = 12;

    /// Serialises the header.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        b[0..4].copy_from_slice(&self.magic.to_le_bytes());
        b[4] = self.version;
        b[5] = self.install_state;
        b[6..8].copy_from_slice(&self.image_count.to_le_bytes());
        b[8..12].copy_from_slice(&self.crc.to_le_bytes());
        b
    }

    /// Reads the header fields without judging them (the reader checks them one by one).
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        Self {
            magic: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            version: b[4],
            install_state: b[5],
            image_count: u16::from_le_bytes([b[6], b[7]]),
            crc: u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
        }
    }
}

/// One table entry (`image_id`, `flag`, `payload_len`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineImageEntry {
    /// Image id (spec section 4); the container keeps any byte, the layout decides placement.
    pub image_id: u8,
    /// 0 raw, 16 compressed.
    pub flag: u8,
    /// Length of the payload in bytes.
    pub payload_len: u32,
}

impl OfflineImageEntry {
    /// Size on disk.
    pub const SIZE: usize = 6;

    /// Serialises the entry.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        b[0] = self.image_id;
        b[1] = self.flag;
        b[2..6].copy_from_slice(&self.payload_len.to_le_bytes());
        b
    }

    /// Reads an entry.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        Self {
            image_id: b[0],
            flag: b[1],
            payload_len: u32::from_le_bytes([b[2], b[3], b[4], b[5]]),
        }
    }
}

/// The 8-byte header of a compressed payload (flag 16), spec section 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressedImageHeader {
    /// Raw image length after zero-padding to a multiple of 16.
    pub total_len: u32,
    /// Uncompressed chunk size.
    pub pksize: u32,
}

impl CompressedImageHeader {
    /// Size on disk.
    pub const SIZE: usize = 8;

    /// Reads the header.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        Self {
            total_len: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            pksize: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
}

// The device reads these structs at fixed offsets: a size change is a format break.
const _: () = assert!(OfflineHeader::SIZE == 12);
const _: () = assert!(OfflineImageEntry::SIZE == 6);
const _: () = assert!(CompressedImageHeader::SIZE == 8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bytes_are_little_endian_and_round_trip() {
        let h = OfflineHeader {
            magic: MAGIC,
            version: VERSION,
            install_state: INSTALL_STATE_FRESH,
            image_count: 0x0102,
            crc: 0xA1B2_C3D4,
        };
        let b = h.to_bytes();
        assert_eq!(
            b,
            [0x46, 0x43, 0x45, 0x53, 1, 0xFF, 0x02, 0x01, 0xD4, 0xC3, 0xB2, 0xA1]
        );
        assert_eq!(&b[0..4], b"FCES");
        assert_eq!(OfflineHeader::from_bytes(&b), h);
    }

    #[test]
    fn entry_bytes_are_little_endian_and_round_trip() {
        let e = OfflineImageEntry {
            image_id: 6,
            flag: 16,
            payload_len: 0x0001_0203,
        };
        let b = e.to_bytes();
        assert_eq!(b, [6, 16, 0x03, 0x02, 0x01, 0x00]);
        assert_eq!(OfflineImageEntry::from_bytes(&b), e);
    }
}
