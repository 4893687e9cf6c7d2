//! Folder mode of `image convert`: the SDK's resource folders (shared doc §3; the SDK's
//! `resource/images/SConscript`): `no_ezip/` pixels, `ezip/` EZIP layout 1, `large_ezip/`
//! EZIP layout 4 with LV_FB_LINE_NUM rounded up to a power of two rows per block, else 128.

use anyhow::{Context, Result};
use ezimage::job::{Format, Job};
use ezimage::EzipLayout;
use std::path::{Path, PathBuf};

/// Which resource folder a PNG is in (the nearest one among its parents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `no_ezip/`: pixels.
    NoEzip,
    /// `ezip/`: EZIP layout 1.
    Ezip,
    /// `large_ezip/`: EZIP layout 4.
    LargeEzip,
}

/// Rows per block of `large_ezip/` without --fb-line-num.
const LARGE_ROWS: u16 = 128;

/// The job of a PNG in a `kind` folder; `simu` makes pixels everywhere (the PC simulator).
pub fn job_for(kind: Kind, base: Job, simu: bool, fb_line_num: Option<u16>) -> Job {
    let mut job = base;
    match (kind, simu) {
        (_, true) | (Kind::NoEzip, false) => {
            job.format = Format::Pixel;
            // The SDK passes its palette flag for every folder: it shapes EZIP files only.
            job.convert.palette = None;
        }
        (Kind::Ezip, false) => job.ezip.layout = EzipLayout::One,
        (Kind::LargeEzip, false) => {
            job.ezip.layout = EzipLayout::Four;
            job.ezip.rows = Some(fb_line_num.map_or(LARGE_ROWS, |n| {
                n.checked_next_power_of_two().unwrap_or(1 << 15)
            }));
        }
    }
    job
}

/// Every PNG under `root` in a resource folder: (path, path relative to `root`, kind),
/// sorted by path so the output order does not depend on the file system.
pub fn walk(root: &Path) -> Result<Vec<(PathBuf, PathBuf, Kind)>> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd =
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
        for e in rd {
            let e = e.with_context(|| format!("cannot list {}", dir.display()))?;
            let path = e.path();
            let ty = e
                .file_type()
                .with_context(|| format!("{}", path.display()))?;
            if ty.is_dir() {
                stack.push(path);
            } else if is_png(&path) {
                let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                if let Some(kind) = kind_of(&rel) {
                    found.push((path, rel, kind));
                }
            }
        }
    }
    found.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(found)
}

fn is_png(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
}

/// The nearest resource folder among the parents of `rel`.
fn kind_of(rel: &Path) -> Option<Kind> {
    rel.parent()?
        .components()
        .rev()
        .find_map(|c| match c.as_os_str().to_str()? {
            "no_ezip" => Some(Kind::NoEzip),
            "ezip" => Some(Kind::Ezip),
            "large_ezip" => Some(Kind::LargeEzip),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_resource_folder_decides() {
        let k = |p: &str| kind_of(Path::new(p));
        assert_eq!(k("common/ezip/a.png"), Some(Kind::Ezip));
        assert_eq!(k("no_ezip/x/large_ezip/a.png"), Some(Kind::LargeEzip));
        assert_eq!(k("ezip/no_ezip/a.png"), Some(Kind::NoEzip));
        assert_eq!(k("other/a.png"), None);
        assert_eq!(k("a.png"), None);
    }
}
