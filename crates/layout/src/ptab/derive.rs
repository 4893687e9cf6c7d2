//! Turning the parsed ptab entries into a [`Layout`]: chip family, memory kinds, region labels,
//! run addresses (`xip`) and the image map.

use super::json::{PMemory, PRegion};
use super::{ImportError, ImportOptions};
use crate::validate::is_c_identifier;
use crate::{Chip, FtabAddress, ImageId, Layout, Memory, MemoryKind, Region};
use std::collections::{BTreeMap, BTreeSet};

/// Chip family from a board or layout name: `eh-lb523` / `sf32lb52x-...` -> `SF32LB52x`.
pub(super) fn chip_from_name(name: &str) -> Result<String, ImportError> {
    let lower = name.to_ascii_lowercase();
    let found: BTreeSet<char> = lower
        .match_indices("lb5")
        .filter_map(|(i, _)| lower[i + 3..].chars().next())
        .filter(|&c| Chip::from_digit(c).is_some())
        .collect();
    let mut it = found
        .iter()
        .filter_map(|&d| Chip::from_digit(d))
        .map(|c| c.name().to_string());
    match (it.next(), it.next()) {
        (Some(a), None) => Ok(a),
        (Some(a), Some(b)) => Err(ImportError::ConflictingChip {
            name: name.to_string(),
            a,
            b,
        }),
        (None, _) => Err(ImportError::UnknownChip {
            name: name.to_string(),
        }),
    }
}

/// SF32LB52x has two memory interfaces (MPI1, MPI2), so `flash3`.. cannot be one of its
/// memories; this catches a 56x/58x table imported under a 52x name.
pub(super) fn check_chip_memories(chip: &str, table: &[PMemory]) -> Result<(), ImportError> {
    if Chip::from_name(chip) != Some(Chip::Sf32lb52x) {
        return Ok(());
    }
    for m in table {
        let n = m.name.to_ascii_lowercase();
        let mpi = n.strip_prefix("flash").and_then(|d| d.parse::<u32>().ok());
        if mpi.is_some_and(|d| d > 2) {
            return Err(ImportError::ChipMismatch {
                path: m.path.clone(),
                memory: m.name.clone(),
                chip: chip.to_string(),
            });
        }
    }
    Ok(())
}

/// Memory kind from the name; a flash memory holding `DFU_INFO_REGION` is NAND (the formats
/// doc: only NAND boards keep the install state there).
fn infer_kind(m: &PMemory) -> Option<MemoryKind> {
    let n = m.name.to_ascii_lowercase();
    if n.contains("nand") {
        Some(MemoryKind::Nand)
    } else if n.contains("psram") {
        Some(MemoryKind::Psram)
    } else if n.starts_with("flash") || n.contains("nor") {
        let info = m
            .regions
            .iter()
            .any(|r| r.tags.iter().any(|t| t == "DFU_INFO_REGION"));
        Some(if info {
            MemoryKind::Nand
        } else {
            MemoryKind::Nor
        })
    } else if n.contains("ram") {
        Some(MemoryKind::Ram)
    } else {
        None
    }
}

/// Builds the (not yet validated) layout.
pub(super) fn build(
    name: &str,
    chip: &str,
    table: &[PMemory],
    opts: &ImportOptions,
) -> Result<Layout, ImportError> {
    let mut memories = Vec::new();
    let mut regions = Vec::new();
    for m in table {
        let kind = match opts
            .memory_kinds
            .get(&m.name)
            .copied()
            .or_else(|| infer_kind(m))
        {
            Some(k) => k,
            None => {
                return Err(ImportError::UnknownMemoryKind {
                    path: m.path.clone(),
                    memory: m.name.clone(),
                })
            }
        };
        let erase_unit = opts.erase_units.get(&m.name).copied();
        let erase_unit = erase_unit.unwrap_or_else(|| kind.default_erase_unit(chip));
        memories.push(Memory {
            name: m.name.clone(),
            base: m.base,
            kind,
            erase_unit,
            size: None,
        });
        regions.extend(m.regions.iter().map(|r| region(m, r)));
    }
    label_untagged(&mut regions);
    let mut layout = Layout {
        name: name.to_string(),
        chip: chip.to_string(),
        description: opts.description.clone(),
        memories,
        regions,
        images: BTreeMap::new(),
    };
    layout.refresh_starts();
    set_run_addresses(&mut layout);
    layout.images = image_map(&layout);
    Ok(layout)
}

fn region(m: &PMemory, r: &PRegion) -> Region {
    let mut out = Region::new(r.tags.clone(), &m.name, r.offset, r.size);
    out.img = r.img.clone();
    out.exec = r.exec.clone();
    out.ftab = r.ftab.clone();
    out.custom = r.custom.clone();
    out
}

/// What is stored in a region: its `img`, else the ftab entry it is the base of.
fn stored_program(r: &Region) -> Option<&str> {
    r.img.as_deref().or_else(|| {
        r.ftab
            .as_ref()
            .filter(|f| f.address.contains(&FtabAddress::Base))
            .map(|f| f.name.as_str())
    })
}

/// Gives every untagged region a label: its stored program (`bootloader`), else its ftab role
/// (`main_xip`), else `<memory>_<offset>`; made unique against all tags and labels.
fn label_untagged(regions: &mut [Region]) {
    let mut taken: BTreeSet<String> = regions.iter().flat_map(|r| r.tags.clone()).collect();
    for r in regions.iter_mut().filter(|r| r.tags.is_empty()) {
        let fallback = format!("{}_{:08x}", r.memory, r.offset);
        let mut candidates = Vec::new();
        if let Some(p) = stored_program(r) {
            candidates.push(p.to_string());
        }
        if let Some(f) = &r.ftab {
            let roles: Vec<&str> = f
                .address
                .iter()
                .map(|a| {
                    if *a == FtabAddress::Base {
                        "base"
                    } else {
                        "xip"
                    }
                })
                .collect();
            candidates.push(format!("{}_{}", f.name, roles.join("_")));
        }
        candidates.push(fallback.clone());
        let label = candidates
            .into_iter()
            .map(|c| sanitize(&c))
            .find(|c| is_c_identifier(c) && !taken.contains(c))
            .unwrap_or(fallback);
        taken.insert(label.clone());
        r.label = Some(label);
    }
}

/// Turns `acpu:ER_IROM1.bin` into `acpu_ER_IROM1_bin`.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// For each flash region holding a program that is linked to run elsewhere (the region whose
/// `exec` names that program), records the run address as `xip` (and the run region's size as
/// `xip_size` when it differs).
fn set_run_addresses(l: &mut Layout) {
    let runs: Vec<Option<(u64, u64)>> = l
        .regions
        .iter()
        .map(|r| {
            let program = stored_program(r)?;
            if !l.is_flash_region(r) || r.exec.as_deref() == Some(program) {
                return None;
            }
            let run = l
                .regions
                .iter()
                .find(|e| e.exec.as_deref() == Some(program))?;
            (run.start() != r.start()).then_some((run.start(), run.size))
        })
        .collect();
    for (r, run) in l.regions.iter_mut().zip(runs) {
        r.xip = run.map(|(start, _)| start);
        r.xip_size = run.map(|(_, size)| size).filter(|&size| size != r.size);
    }
}

/// Destination of each named image id: the flash region carrying one of the SDK's tags for
/// it, else the flash region storing its build output (`img`).
fn image_map(l: &Layout) -> BTreeMap<ImageId, String> {
    let mut map = BTreeMap::new();
    for id in ImageId::named() {
        let by_tag = id
            .sdk_tags()
            .iter()
            .find(|t| l.region_by_tag(t).is_some_and(|r| l.is_flash_region(r)));
        let target = by_tag.map(|t| t.to_string()).or_else(|| {
            let img = id.sdk_img()?;
            l.flash_regions()
                .find(|r| stored_program(r) == Some(img))
                .map(|r| r.name().to_string())
        });
        if let Some(t) = target {
            map.insert(id, t);
        }
    }
    map
}
