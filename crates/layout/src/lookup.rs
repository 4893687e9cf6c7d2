//! Region and memory lookups on a validated [`Layout`].

use crate::{ImageId, Layout, Memory, Region};

/// Tag of the region an OTA package is downloaded into.
pub const DOWNLOAD_REGION_TAG: &str = "DFU_DOWNLOAD_REGION";

impl Layout {
    /// The memory called `name`.
    pub fn memory(&self, name: &str) -> Option<&Memory> {
        self.memories.iter().find(|m| m.name == name)
    }

    /// Whether `r` lives in NOR or NAND flash.
    pub fn is_flash_region(&self, r: &Region) -> bool {
        self.memory(&r.memory).is_some_and(|m| m.kind.is_flash())
    }

    /// Regions in NOR or NAND flash, in file order.
    pub fn flash_regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(|r| self.is_flash_region(r))
    }

    /// All regions sorted by start address, then end, then name (the order `show` prints).
    pub fn sorted_regions(&self) -> Vec<&Region> {
        let mut v: Vec<&Region> = self.regions.iter().collect();
        v.sort_by(|a, b| (a.start(), a.end(), a.name()).cmp(&(b.start(), b.end(), b.name())));
        v
    }

    /// The region carrying `tag` (any of its tags).
    pub fn region_by_tag(&self, tag: &str) -> Option<&Region> {
        self.regions
            .iter()
            .find(|r| r.tags.iter().any(|t| t == tag))
    }

    /// The region whose tag or label is `name` (what the `[images]` table refers to).
    pub fn region_by_name(&self, name: &str) -> Option<&Region> {
        self.regions
            .iter()
            .find(|r| r.tags.iter().chain(r.label.iter()).any(|t| t == name))
    }

    /// Destination region of OTA image `id` (from the `[images]` table).
    pub fn region_for_image(&self, id: ImageId) -> Option<&Region> {
        self.images.get(&id).and_then(|n| self.region_by_name(n))
    }

    /// The region packages are downloaded into (`DFU_DOWNLOAD_REGION`).
    pub fn download_region(&self) -> Option<&Region> {
        self.region_by_tag(DOWNLOAD_REGION_TAG)
    }

    /// The flash region whose link range (see [`Region::link_contains`]) holds
    /// `addr..addr + len`: where an ELF section with that load address goes.
    ///
    /// `None` when no region or more than one matches: on NAND boards `main` and `dfu` both run
    /// from the start of PSRAM, so the load address alone cannot tell; pick the region by
    /// image id ([`Layout::region_for_image`]) there.
    pub fn flash_region_for_load(&self, addr: u64, len: u64) -> Option<&Region> {
        let mut found = self.flash_regions().filter(|r| r.link_contains(addr, len));
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// Erase unit of the memory `r` lives in (0 for RAM kinds or an unknown memory).
    pub fn erase_unit_of(&self, r: &Region) -> u32 {
        self.memory(&r.memory).map_or(0, |m| m.erase_unit)
    }
}
