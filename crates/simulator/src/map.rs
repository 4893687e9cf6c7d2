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

impl FlashMap {
    /// The map of a board layout: `DFU_DOWNLOAD_REGION`, its NOR erase unit, and the
    /// destination of every image id the device's installer can install there
    /// ([`layout::Layout::install_region`]) in the same memory kind.
    ///
    /// NAND boards keep the install state in `DFU_INFO_REGION` instead of the stored package;
    /// the model covers NOR boards only and says so.
    pub fn from_layout(l: &layout::Layout) -> Result<Self, SimError> {
        let err = |m: String| SimError::Layout(format!("layout {}: {m}", l.name));
        let dl = l
            .download_region()
            .ok_or_else(|| err("no DFU_DOWNLOAD_REGION".into()))?;
        if l.memory(&dl.memory).map(|m| m.kind) != Some(layout::MemoryKind::Nor) {
            return Err(err(
                "DFU_DOWNLOAD_REGION is not in NOR flash; the simulator models NOR boards \
                 (install state in the stored package), not NAND (state in DFU_INFO_REGION)"
                    .into(),
            ));
        }
        let unit = l.erase_unit_of(dl);
        let mut images = Vec::new();
        for id in (0..=255u8).map(layout::ImageId) {
            // Where the device's installer really writes the id (none: it writes nothing).
            let Ok(layout::Install { region: r, .. }) = l.install_region(id) else {
                continue;
            };
            // An empty region, or one in a memory with another erase unit (e.g. NAND) that
            // would need its own model: skipped, so a package using it is refused with
            // "no destination region".
            if r.size == 0 || l.erase_unit_of(r) != unit {
                continue;
            }
            images.push((id.0, region_of(r).map_err(err)?));
        }
        FlashMap::new(unit, region_of(dl).map_err(err)?, images)
    }
}

fn region_of(r: &layout::Region) -> Result<Region, String> {
    match (u32::try_from(r.start()), u32::try_from(r.size)) {
        (Ok(start), Ok(size)) => Ok(Region::new(r.name(), start, size)),
        _ => Err(format!(
            "region {} at {:#x} lies above 4 GiB",
            r.name(),
            r.start()
        )),
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
    fn bundled_layout_maps_app_installer_and_download() {
        let l = layout::Layout::bundled("sf32lb52x-eh-lb523").expect("bundled layout");
        let m = FlashMap::from_layout(&l).unwrap();
        assert_eq!(m.erase_unit(), 4096);
        assert_eq!(m.download().start, 0x1238_0000);
        assert_eq!(m.region_for(ID_APP).unwrap().start, 0x1202_0000);
        assert_eq!(m.region_for(ID_INSTALLER).unwrap().name, "DFU_FLASH_CODE");
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
