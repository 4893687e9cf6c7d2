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

const HEADER: u32 = 12;
const ENTRY: u32 = 6;

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
    if head[4] != 1 {
        return Err(format!("package version {} is not 1", head[4]));
    }
    let count = u32::from(u16::from_le_bytes([head[6], head[7]]));
    if count == 0 || count > 255 {
        return Err(format!("image count {count} is not 1..=255"));
    }
    let crc = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    let table_end = HEADER + ENTRY * count;
    if table_end > dl.size {
        return Err("table runs past the download region".into());
    }
    let table = flash.read(dl.start + HEADER, (ENTRY * count) as usize);
    let mut offset = u64::from(table_end);
    let mut entries = Vec::with_capacity(count as usize);
    for (index, e) in table.chunks_exact(ENTRY as usize).enumerate() {
        let len = u32::from_le_bytes([e[2], e[3], e[4], e[5]]);
        if offset + u64::from(len) > u64::from(dl.size) {
            return Err(format!(
                "payload of entry {index} ({len} bytes at offset {offset:#x}) runs past the download region"
            ));
        }
        entries.push(StoredEntry {
            index,
            id: e[0],
            flag: e[1],
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
