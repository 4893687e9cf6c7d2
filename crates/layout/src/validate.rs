//! `Layout::validate`: the rules a layout must satisfy before anyone builds on it.

use crate::{Chip, Layout, LayoutError, Memory, Region};
use std::collections::BTreeSet;

/// The 32-bit address space every region must fit.
const ADDRESS_SPACE_END: u64 = 1 << 32;

impl Layout {
    /// Checks every rule (see `docs/layouts.md`) and caches each region's absolute start.
    ///
    /// Rules, in the order checked: known chip; unique memory names; flash erase units a power
    /// of two (0 for RAM); every region named (tag or label), C-identifier names, unique names;
    /// regions in a defined memory and inside it; `xip` only on flash regions; flash regions
    /// not overlapping; image ids mapped to existing flash regions, and to the region the
    /// device's installer writes them to when it can install them; image destinations and the
    /// download region aligned to their erase unit.
    pub fn validate(&mut self) -> Result<(), LayoutError> {
        check_chip(&self.chip)?;
        check_memories(&self.memories)?;
        check_names(&self.regions)?;
        for r in &mut self.regions {
            let m = memory_of(&self.memories, r)?;
            r.abs_start = m.base.saturating_add(r.offset);
            check_fits(r, m)?;
            if r.xip.is_some() && !m.kind.is_flash() {
                return Err(LayoutError::XipOutsideFlash {
                    region: r.name().to_string(),
                    kind: m.kind.as_str(),
                });
            }
            if r.xip_size.is_some() && r.xip.is_none() {
                return Err(LayoutError::XipSizeWithoutXip {
                    region: r.name().to_string(),
                });
            }
        }
        if let Some((a, b)) = self.flash_overlaps().into_iter().next() {
            let (a, b) = (&self.regions[a], &self.regions[b]);
            return Err(LayoutError::FlashOverlap {
                a: a.name().to_string(),
                a_start: a.start(),
                a_end: a.end(),
                b: b.name().to_string(),
                b_start: b.start(),
                b_end: b.end(),
            });
        }
        self.check_images()?;
        self.check_erase_alignment()
    }

    /// Index pairs `(i, j)`, `i < j` in address order, of flash regions that overlap.
    ///
    /// Empty on a valid layout; [`Layout::parse_unvalidated`] plus this lets a viewer show
    /// a broken layout.
    pub fn flash_overlaps(&self) -> Vec<(usize, usize)> {
        let mut flash: Vec<usize> = (0..self.regions.len())
            .filter(|&i| self.is_flash_region(&self.regions[i]))
            .collect();
        flash.sort_by_key(|&i| (self.regions[i].start(), self.regions[i].end()));
        let mut out = Vec::new();
        for (n, &i) in flash.iter().enumerate() {
            for &j in &flash[n + 1..] {
                let (a, b) = (&self.regions[i], &self.regions[j]);
                if b.start() >= a.end() {
                    break;
                }
                // Empty regions occupy no bytes, so they overlap nothing.
                if a.size > 0 && b.size > 0 {
                    out.push((i, j));
                }
            }
        }
        out
    }

    fn check_images(&self) -> Result<(), LayoutError> {
        for (&image, name) in &self.images {
            let Some(r) = self.region_by_name(name) else {
                return Err(LayoutError::ImageRegionMissing {
                    image,
                    region: name.clone(),
                });
            };
            let kind = self.memory(&r.memory).map(|m| m.kind);
            if let Some(kind) = kind.filter(|k| !k.is_flash()) {
                return Err(LayoutError::ImageRegionNotFlash {
                    image,
                    region: name.clone(),
                    kind: kind.as_str(),
                });
            }
            if let Ok(i) = self.install_region(image) {
                if i.region.name() != r.name() {
                    return Err(LayoutError::ImageNotWhereInstalled {
                        image,
                        region: name.clone(),
                        macro_name: i.macro_name,
                        installed: i.region.name().to_string(),
                    });
                }
            }
        }
        Ok(())
    }
}

impl Layout {
    /// The installer erases an image's destination, and the app the download region, in whole
    /// erase units from the region start: both must be aligned or a neighbour gets erased.
    fn check_erase_alignment(&self) -> Result<(), LayoutError> {
        let erased = self.images.values().filter_map(|n| self.region_by_name(n));
        let installed: Vec<&Region> = self.installable().iter().map(|(_, i)| i.region).collect();
        for r in erased.chain(installed).chain(self.download_region()) {
            let unit = u64::from(self.erase_unit_of(r));
            if self.is_flash_region(r) && unit > 0 && (r.offset % unit != 0 || r.size % unit != 0) {
                return Err(LayoutError::UnalignedErasedRegion {
                    region: r.name().to_string(),
                    offset: r.offset,
                    size: r.size,
                    erase_unit: self.erase_unit_of(r),
                });
            }
        }
        Ok(())
    }
}

fn check_chip(chip: &str) -> Result<(), LayoutError> {
    if Chip::from_name(chip).is_some() {
        Ok(())
    } else {
        Err(LayoutError::UnknownChip {
            chip: chip.to_string(),
        })
    }
}

fn check_memories(memories: &[Memory]) -> Result<(), LayoutError> {
    let mut seen = BTreeSet::new();
    for m in memories {
        if !seen.insert(m.name.as_str()) {
            return Err(LayoutError::DuplicateMemory {
                name: m.name.clone(),
            });
        }
        let ok = if m.kind.is_flash() {
            m.erase_unit.is_power_of_two()
        } else {
            m.erase_unit == 0
        };
        if !ok {
            return Err(LayoutError::BadEraseUnit {
                memory: m.name.clone(),
                erase_unit: m.erase_unit,
            });
        }
    }
    Ok(())
}

fn check_names(regions: &[Region]) -> Result<(), LayoutError> {
    let mut seen = BTreeSet::new();
    for r in regions {
        if r.name().is_empty() {
            return Err(LayoutError::UnnamedRegion {
                memory: r.memory.clone(),
                offset: r.offset,
            });
        }
        for t in r.tags.iter().chain(r.label.iter()) {
            if !is_c_identifier(t) {
                return Err(LayoutError::BadTag { tag: t.clone() });
            }
            if !seen.insert(t.as_str()) {
                return Err(LayoutError::DuplicateTag { tag: t.clone() });
            }
        }
    }
    Ok(())
}

fn memory_of<'a>(memories: &'a [Memory], r: &Region) -> Result<&'a Memory, LayoutError> {
    memories
        .iter()
        .find(|m| m.name == r.memory)
        .ok_or_else(|| LayoutError::UnknownMemory {
            region: r.name().to_string(),
            memory: r.memory.clone(),
        })
}

fn check_fits(r: &Region, m: &Memory) -> Result<(), LayoutError> {
    let mem_end = m
        .size
        .map_or(ADDRESS_SPACE_END, |s| m.base.saturating_add(s));
    let end = r.abs_start.saturating_add(r.size);
    if r.offset.checked_add(r.size).is_none() || end > mem_end.min(ADDRESS_SPACE_END) {
        return Err(LayoutError::RegionOutsideMemory {
            region: r.name().to_string(),
            start: r.abs_start,
            end,
            memory: m.name.clone(),
            mem_start: m.base,
            mem_end: mem_end.min(ADDRESS_SPACE_END),
        });
    }
    Ok(())
}

/// Tags become C macro names, so they must be identifiers.
pub(crate) fn is_c_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryKind;

    fn layout(regions: &[(&str, &str, u64, u64)]) -> Layout {
        let mem = |name: &str, base, kind: MemoryKind| Memory {
            name: name.into(),
            base,
            kind,
            erase_unit: kind.default_erase_unit("SF32LB52x"),
            size: None,
        };
        Layout {
            name: "t".into(),
            chip: "SF32LB52x".into(),
            description: None,
            memories: vec![
                mem("nor", 0x1200_0000, MemoryKind::Nor),
                mem("ram", 0x2000_0000, MemoryKind::Ram),
            ],
            regions: regions
                .iter()
                .map(|&(t, m, o, s)| Region::new(vec![t.into()], m, o, s))
                .collect(),
            images: Default::default(),
        }
    }

    #[test]
    fn adjacent_and_empty_flash_regions_do_not_overlap() {
        let mut l = layout(&[
            ("A", "nor", 0x0, 0x1000),
            ("B", "nor", 0x1000, 0x1000),
            ("E", "nor", 0x800, 0),
        ]);
        l.validate().unwrap();
        assert!(l.flash_overlaps().is_empty());
    }

    #[test]
    fn a_region_inside_another_overlaps_but_ram_may() {
        let mut l = layout(&[
            ("BIG", "nor", 0x0, 0x10000),
            ("MID", "nor", 0x2000, 0x1000),
            ("R1", "ram", 0x0, 0x1000),
            ("R2", "ram", 0x0, 0x1000),
        ]);
        assert_eq!(l.flash_overlaps(), vec![(0, 1)]);
        let e = l.validate().unwrap_err();
        assert!(
            matches!(e, LayoutError::FlashOverlap { ref a, ref b, .. } if a == "BIG" && b == "MID"),
            "{e}"
        );
    }

    #[test]
    fn validate_caches_absolute_starts() {
        let mut l = layout(&[("A", "nor", 0x2_0000, 0x1000), ("R", "ram", 0x100, 0x10)]);
        l.validate().unwrap();
        assert_eq!(
            (l.regions[0].start(), l.regions[0].end()),
            (0x1202_0000, 0x1202_1000)
        );
        assert_eq!(l.regions[1].start(), 0x2000_0100);
    }

    #[test]
    fn c_identifiers() {
        assert!(is_c_identifier("HCPU_FLASH_CODE") && is_c_identifier("_x1"));
        assert!(!is_c_identifier("1A") && !is_c_identifier("A-B") && !is_c_identifier(""));
    }
}
