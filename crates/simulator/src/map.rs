//! The part of a board's flash layout the device flow touches: where the package is stored and
//! which region each image id lands in.
//!
//! The simulator keeps its own small description so it can be driven by tests without a layout
//! file; [`FlashMap::new`] checks what the model relies on (aligned, non-overlapping regions).

use crate::error::SimError;

/// Image id of the application (`hcpu`).
pub const ID_APP: u8 = 0;
/// Image id of the DFU installer (`ota-manager`).
pub const ID_INSTALLER: u8 = 6;
/// Image id of the bootloader.
pub const ID_BOOTLOADER: u8 = 11;

/// One flash region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Tag, e.g. `HCPU_FLASH_CODE`.
    pub name: String,
    /// First address.
    pub start: u32,
    /// Size in bytes.
    pub size: u32,
}

impl Region {
    /// A region.
    pub fn new(name: impl Into<String>, start: u32, size: u32) -> Self {
        Region {
            name: name.into(),
            start,
            size,
        }
    }

    /// One past the last address.
    pub fn end(&self) -> u64 {
        u64::from(self.start) + u64::from(self.size)
    }

    /// Whether `addr` lies inside.
    pub fn contains(&self, addr: u32) -> bool {
        addr >= self.start && u64::from(addr) < self.end()
    }

    fn overlaps(&self, other: &Region) -> bool {
        u64::from(self.start) < other.end() && u64::from(other.start) < self.end()
    }
}

/// Where the package lives and where each image id goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashMap {
    erase_unit: u32,
    download: Region,
    images: Vec<(u8, Region)>,
}

impl FlashMap {
    /// A map with the NOR erase unit and `DFU_DOWNLOAD_REGION`, and a destination per image id.
    pub fn new(
        erase_unit: u32,
        download: Region,
        images: impl IntoIterator<Item = (u8, Region)>,
    ) -> Result<Self, SimError> {
        if !erase_unit.is_power_of_two() || erase_unit < 16 {
            return Err(SimError::Layout(format!(
                "erase unit {erase_unit} is not a power of two of at least 16 bytes"
            )));
        }
        let images: Vec<(u8, Region)> = images.into_iter().collect();
        let all = std::iter::once(&download).chain(images.iter().map(|(_, r)| r));
        for r in all.clone() {
            if r.start % erase_unit != 0 || r.size % erase_unit != 0 || r.size == 0 {
                return Err(SimError::Layout(format!(
                    "region {} at {:#010x} size {:#x} is not a non-empty multiple of the erase unit {erase_unit:#x}",
                    r.name, r.start, r.size
                )));
            }
            if r.end() > 1 << 32 {
                return Err(SimError::Layout(format!(
                    "region {} ends past the 32-bit address space",
                    r.name
                )));
            }
        }
        for (i, a) in all.clone().enumerate() {
            for b in all.clone().skip(i + 1) {
                if a.overlaps(b) && a != b {
                    return Err(SimError::Layout(format!(
                        "regions {} and {} overlap",
                        a.name, b.name
                    )));
                }
            }
        }
        Ok(FlashMap {
            erase_unit,
            download,
            images,
        })
    }

    /// NOR erase unit in bytes.
    pub fn erase_unit(&self) -> u32 {
        self.erase_unit
    }

    /// `DFU_DOWNLOAD_REGION`.
    pub fn download(&self) -> &Region {
        &self.download
    }

    /// The destination region of an image id, if the layout has one.
    pub fn region_for(&self, id: u8) -> Option<&Region> {
        self.images.iter().find(|(i, _)| *i == id).map(|(_, r)| r)
    }

    /// The destinations, in the order given.
    pub fn images(&self) -> &[(u8, Region)] {
        &self.images
    }

    /// Name of the region holding `addr`, or `"unmapped"`.
    pub fn name_at(&self, addr: u32) -> &str {
        std::iter::once(&self.download)
            .chain(self.images.iter().map(|(_, r)| r))
            .find(|r| r.contains(addr))
            .map_or("unmapped", |r| r.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str, start: u32, size: u32) -> Region {
        Region::new(name, start, size)
    }

    #[test]
    fn overlapping_regions_are_refused() {
        let e = FlashMap::new(
            4096,
            r("DL", 0x10000, 0x10000),
            [(0, r("APP", 0x18000, 0x1000))],
        )
        .unwrap_err();
        assert!(e.to_string().contains("overlap"), "{e}");
    }

    #[test]
    fn unaligned_regions_are_refused() {
        let e = FlashMap::new(4096, r("DL", 0x10800, 0x10000), []).unwrap_err();
        assert!(e.to_string().contains("DL"), "{e}");
    }

    #[test]
    fn lookup_by_id_and_address() {
        let m = FlashMap::new(
            4096,
            r("DL", 0x10000, 0x10000),
            [(0, r("APP", 0x20000, 0x1000))],
        )
        .unwrap();
        assert_eq!(m.region_for(0).unwrap().name, "APP");
        assert!(m.region_for(6).is_none());
        assert_eq!(m.name_at(0x20fff), "APP");
        assert_eq!(m.name_at(0x21000), "unmapped");
    }
}
