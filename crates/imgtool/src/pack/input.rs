//! Turning one input file into the raw image the device should end up with.
//!
//! An ELF is converted by load address (LMA): with a layout, only the segments inside the
//! image's destination region are taken, laid out from the region's start (the device writes
//! every image at the start of its region); without a layout, the whole ELF is flattened
//! (as `imgtool elf2bin` does, gaps filled with 0xff). Any other file is taken as is.

use anyhow::{bail, Context, Result};
use elf2bin::{LoadImage, Window};
use layout::{ImageId, Region};
use std::path::{Path, PathBuf};

const ELF_MAGIC: &[u8; 4] = b"\x7fELF";

/// Gap fill between segments: erased flash, the same default as `imgtool elf2bin`, so a
/// packed image equals what `elf2bin --layout` extracts for its region.
const FILL: u8 = 0xFF;

/// One input, read and converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedImage {
    /// Image id.
    pub id: ImageId,
    /// The input file as given.
    pub source: PathBuf,
    /// Whether the input was an ELF.
    pub from_elf: bool,
    /// The raw image (before padding and compression).
    pub bytes: Vec<u8>,
    /// Remarks worth printing (segments left out, ...).
    pub notes: Vec<String>,
}

/// Reads `path` and produces the raw image of `id`. `region` is the destination (with a
/// layout); an ELF's bytes must then lie in it.
pub fn load_image(id: ImageId, path: &Path, region: Option<&Region>) -> Result<LoadedImage> {
    let data = crate::output::read_input(path)?;
    let mut out = LoadedImage {
        id,
        source: path.to_path_buf(),
        from_elf: data.starts_with(ELF_MAGIC),
        bytes: Vec::new(),
        notes: Vec::new(),
    };
    if !out.from_elf {
        out.bytes = data;
        return Ok(out);
    }
    let elf = elf2bin::parse(&data).with_context(|| format!("{}", path.display()))?;
    out.bytes = match region {
        None => {
            elf.flat(FILL)
                .with_context(|| format!("{}", path.display()))?
                .bytes
        }
        Some(r) => elf_region_bytes(&elf, id, path, r, &mut out.notes)?,
    };
    Ok(out)
}

/// The bytes of the segments lying in `r`'s link range (where the ELF's load addresses of
/// this image fall; differs from the storage address on xip regions), from its start.
fn elf_region_bytes(
    elf: &LoadImage,
    id: ImageId,
    path: &Path,
    r: &Region,
    notes: &mut Vec<String>,
) -> Result<Vec<u8>> {
    let (lo, hi) = (r.link_start(), r.link_start() + r.link_size());
    let mut inside = Vec::new();
    let mut outside = 0u64;
    for s in &elf.segments {
        let (a, b) = (s.paddr, s.end());
        if a >= lo && b <= hi {
            inside.push(s.clone());
        } else if a < hi && b > lo {
            bail!(
                "{}: segment {} ({a:#010x}..{b:#010x}) straddles the edge of region {} \
                 ({lo:#010x}..{hi:#010x}), the destination of image {id}",
                path.display(),
                s.index,
                r.name()
            );
        } else {
            outside += s.data.len() as u64;
        }
    }
    if inside.is_empty() {
        bail!(
            "{}: no bytes of this ELF lie in region {} ({lo:#010x}..{hi:#010x}), the \
             destination of image {id}; its load addresses span {:#010x}..{:#010x} (wrong ELF \
             for this image id, or wrong layout?)",
            path.display(),
            r.name(),
            elf.start(),
            elf.end()
        );
    }
    if outside > 0 {
        notes.push(format!(
            "{}: {outside} bytes of segments outside {} were left out of image {id}",
            path.display(),
            r.name()
        ));
    }
    let sub = LoadImage {
        segments: inside,
        ..elf.clone()
    };
    let window = Window {
        name: r.name(),
        start: lo,
        size: r.link_size(),
    };
    let mut images = sub
        .split(&[window], FILL)
        .with_context(|| format!("{}", path.display()))?;
    // One window that holds every segment gives exactly one image.
    Ok(images.pop().map(|i| i.bytes).unwrap_or_default())
}
