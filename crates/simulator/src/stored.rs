//! The package as the device code sees it: read from `DFU_DOWNLOAD_REGION` in flash, the way
//! the app and the installer read it (header, table, payload offsets, CRC over the payloads).
//!
//! This is deliberately a second, device-side reading, separate from the host's package reader:
//! the device parses its own flash and the simulator must not trust the host's view of it.

use crate::flash::Flash;
use crate::map::Region;

/// `"FCES"` as stored.
pub const MAGIC: [u8; 4] = *b"FCES";
/// Offset of the install-state byte in the stored package (NOR boards).
pub const STATE_OFFSET: u32 = 5;
/// Install state: erased, a fresh package.
pub const STATE_NEW: u8 = 0xFF;
/// Install state: the installer has started.
pub const STATE_INSTALLING: u8 = 0x7F;
/// Install state: the installer has finished.
pub const STATE_FINISHED: u8 = 0x3F;

// Sizes and field offsets as the device code uses them; pinned to the package crate's
// declarations by a test (this reader stays independent, the numbers may not drift).
const HEADER: u32 = 12;
const ENTRY: u32 = 6;
const VERSION_AT: usize = 4;
const COUNT_AT: usize = 6;
const CRC_AT: usize = 8;
const ENTRY_ID_AT: usize = 0;
const ENTRY_FLAG_AT: usize = 1;
const ENTRY_LEN_AT: usize = 2;

/// One table entry with its absolute payload address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredEntry {
    /// Table index.
    pub index: usize,
    /// Image id.
    pub id: u8,
    /// Flag byte (the device decompresses any non-zero flag).
    pub flag: u8,
    /// Absolute flash address of the payload.
    pub addr: u32,
    /// Payload length.
    pub len: u32,
}

/// The header fields the device uses, and the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPackage {
    /// The stored CRC.
    pub crc: u32,
    /// Table entries.
    pub entries: Vec<StoredEntry>,
}

/// Whether the download region starts with the package magic (the bootloader's test before it
/// trusts the install-state byte).
pub fn has_magic(flash: &Flash, dl: &Region) -> bool {
    flash.read(dl.start, 4) == MAGIC
}

/// The install-state byte.
pub fn state(flash: &Flash, dl: &Region) -> u8 {
    flash.read_byte(dl.start + STATE_OFFSET)
}

/// Reads header and table from flash; every payload must lie inside the download region.
pub fn read(flash: &Flash, dl: &Region) -> Result<StoredPackage, String> {
    let head = flash.read(dl.start, HEADER as usize);
    if head[..4] != MAGIC {
        return Err(format!("no package magic at {:#010x}", dl.start));
    }
    if head[VERSION_AT] != 1 {
        return Err(format!("package version {} is not 1", head[VERSION_AT]));
    }
    let count = u32::from(le16(&head[COUNT_AT..]));
    if count == 0 || count > 255 {
        return Err(format!("image count {count} is not 1..=255"));
    }
    let crc = le32(&head[CRC_AT..]);
    let table_end = HEADER + ENTRY * count;
    if table_end > dl.size {
        return Err("table runs past the download region".into());
    }
    let table = flash.read(dl.start + HEADER, (ENTRY * count) as usize);
    let mut offset = u64::from(table_end);
    let mut entries = Vec::with_capacity(count as usize);
    for (index, e) in table.chunks_exact(ENTRY as usize).enumerate() {
        let len = le32(&e[ENTRY_LEN_AT..]);
        if offset + u64::from(len) > u64::from(dl.size) {
            return Err(format!(
                "payload of entry {index} ({len} bytes at offset {offset:#x}) runs past the download region"
            ));
        }
        entries.push(StoredEntry {
            index,
            id: e[ENTRY_ID_AT],
            flag: e[ENTRY_FLAG_AT],
            addr: dl.start + offset as u32,
            len,
        });
        offset += u64::from(len);
    }
    Ok(StoredPackage { crc, entries })
}

/// CRC-32/MPEG-2 over the payloads as stored in flash.
pub fn crc_of_payloads(flash: &Flash, pkg: &StoredPackage) -> u32 {
    let payloads: Vec<Vec<u8>> = pkg
        .entries
        .iter()
        .map(|e| flash.read(e.addr, e.len as usize))
        .collect();
    package::crc32::crc32_mpeg2_parts(payloads.iter().map(Vec::as_slice))
}

fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use package::v2::raw::{self, header_offset, OfflineHeader, OfflineImageEntry};
    use std::mem::offset_of;

    /// This reader is a deliberate second reading of the package (an oracle for the host's);
    /// its numbers are its own, and this test pins them to the package crate's declarations.
    #[test]
    fn constants_match_the_package_crates_declarations() {
        assert_eq!(MAGIC, raw::MAGIC.to_le_bytes());
        assert_eq!(STATE_OFFSET as usize, header_offset::INSTALL_STATE);
        assert_eq!(
            [STATE_NEW, STATE_INSTALLING, STATE_FINISHED],
            [
                raw::INSTALL_STATE_FRESH,
                raw::INSTALL_STATE_INSTALLING,
                raw::INSTALL_STATE_FINISHED
            ]
        );
        assert_eq!(HEADER as usize, OfflineHeader::SIZE);
        assert_eq!(
            [VERSION_AT, COUNT_AT, CRC_AT],
            [
                header_offset::VERSION,
                header_offset::IMAGE_COUNT,
                header_offset::CRC
            ]
        );
        assert_eq!(ENTRY as usize, OfflineImageEntry::SIZE);
        assert_eq!(
            [ENTRY_ID_AT, ENTRY_FLAG_AT, ENTRY_LEN_AT],
            [
                offset_of!(OfflineImageEntry, image_id),
                offset_of!(OfflineImageEntry, flag),
                offset_of!(OfflineImageEntry, payload_len)
            ]
        );
    }
}
