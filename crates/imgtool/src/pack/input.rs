//! Turning one input file into the raw image the device should end up with.
//!
//! An ELF is converted by load address (LMA): with a layout, only the segments inside the
//! image's destination region are taken, laid out from the region's start (the device writes
//! every image at the start of its region); without a layout, the whole ELF is flattened
//! (as `imgtool elf2bin` does, gaps filled with 0xff). A raw image is taken as is.
//!
//! Which of the two a file is never depends on luck: a `*.elf` name (or `format = "elf"`) must
//! hold an ELF, so a Git LFS pointer or a truncated download named `app.elf` is an error, not a
//! 130-byte "raw image"; a raw image comes from another name or an explicit `format = "bin"`.
//! An OTA package given as an image is refused too (packing a package into a package is
//! always a mistake).
//!
//! Reads are bounded: a raw image larger than its region (or [`Limit::IMAGE`] without a
//! layout) is refused from its file size; an ELF is streamed, so only its headers and the
//! loadable bytes of the image's region are read, whatever debug information it carries.

use super::error::{PackError, Result};
use elf2bin::{ElfFile, FileSegment, RegionPlan, Window};
use fsio::input::{check_size, read_bounded, Limit};
use layout::{ImageId, Region};
use std::fs::File;
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::str::FromStr;

const ELF_MAGIC: &[u8; 4] = b"\x7fELF";
/// The first bytes of an offline package v2 (magic "FCES", version 1).
const PACKAGE_MAGIC: &[u8; 5] = b"FCES\x01";

/// Gap fill between segments: erased flash, the same default as `imgtool elf2bin`, so a
/// packed image equals what `elf2bin --layout` extracts for its region.
const FILL: u8 = 0xFF;

/// How an input file is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// By its name and contents: a `*.elf` name must be an ELF; another name is an ELF if it
    /// starts with the ELF magic, else a raw image.
    #[default]
    Auto,
    /// An ELF, converted by load address.
    Elf,
    /// A raw image, taken as is (`bin`; `raw` is accepted too).
    Bin,
}

impl FromStr for InputFormat {
    type Err = PackError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(InputFormat::Auto),
            "elf" => Ok(InputFormat::Elf),
            "bin" | "raw" => Ok(InputFormat::Bin),
            _ => Err(PackError::UnknownInputFormat {
                input: s.to_string(),
            }),
        }
    }
}

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

/// Reads `path` as `format` and produces the raw image of `id`. `region` is the destination
/// (with a layout); an ELF's bytes must then lie in it, and a raw image must fit it.
pub fn load_image(
    id: ImageId,
    path: &Path,
    format: InputFormat,
    region: Option<&Region>,
) -> Result<LoadedImage> {
    let mut file = File::open(path).map_err(read_error(path))?;
    let is_elf = match format {
        InputFormat::Bin => false,
        InputFormat::Elf => true,
        InputFormat::Auto => has_elf_name(path) || starts_with(&mut file, path, ELF_MAGIC)?,
    };
    let mut out = LoadedImage {
        id,
        source: path.to_path_buf(),
        from_elf: is_elf,
        bytes: Vec::new(),
        notes: Vec::new(),
    };
    if !is_elf {
        let limit = match region {
            Some(r) => {
                check_fits_region(&file, id, path, r)?;
                Limit::new("an image in its region", r.size)
            }
            None => Limit::IMAGE,
        };
        out.bytes = read_bounded(path, limit)?;
        fsio::input::refuse_lfs_pointer(path, &out.bytes)?;
        if format == InputFormat::Auto && out.bytes.starts_with(PACKAGE_MAGIC) {
            return Err(PackError::IsPackage {
                path: path.to_path_buf(),
                id,
            });
        }
        return Ok(out);
    }
    if !starts_with(&mut file, path, ELF_MAGIC)? {
        return Err(PackError::NotElf {
            path: path.to_path_buf(),
            lfs_hint: fsio::input::lfs_hint(path),
        });
    }
    let elf = open_elf(file, path)?;
    out.bytes = match region {
        None => flat_bytes(elf, path)?,
        Some(r) => region_bytes(elf, id, path, r, &mut out.notes)?,
    };
    Ok(out)
}

/// Refuses a raw image file larger than its region from its size, before reading it, with
/// the numbers the plan's own check prints.
fn check_fits_region(file: &File, id: ImageId, path: &Path, r: &Region) -> Result<()> {
    let len = file
        .metadata()
        .map_or(0, |m| if m.is_file() { m.len() } else { 0 });
    if len > r.size {
        return Err(PackError::RawTooLarge {
            id,
            path: path.to_path_buf(),
            len,
            region: r.name().to_string(),
            start: r.start(),
            end: r.end(),
            size: r.size,
        });
    }
    Ok(())
}

fn has_elf_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("elf"))
}

/// Whether the file starts with `magic`; leaves the file at offset 0 when it can seek.
fn starts_with(file: &mut File, path: &Path, magic: &[u8]) -> Result<bool> {
    let mut head = vec![0; magic.len()];
    let n = read_up_to(file, &mut head).map_err(read_error(path))?;
    file.rewind().ok();
    Ok(n == magic.len() && head == magic)
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Something to read the ELF from: the file itself, or its bytes when it cannot seek.
trait ElfInput: Read + Seek {}
impl<T: Read + Seek> ElfInput for T {}

/// A regular file is streamed (headers and loadable bytes only); a pipe or device is read
/// into memory first, bounded by [`Limit::IMAGE`].
fn open_elf(file: File, path: &Path) -> Result<ElfFile<Box<dyn ElfInput>>> {
    let regular = file.metadata().is_ok_and(|m| m.is_file());
    let input: Box<dyn ElfInput> = if regular {
        Box::new(file)
    } else {
        Box::new(Cursor::new(read_bounded(path, Limit::IMAGE)?))
    };
    ElfFile::open(input).map_err(elf_error(path))
}

fn flat_bytes(mut elf: ElfFile<Box<dyn ElfInput>>, path: &Path) -> Result<Vec<u8>> {
    let plan = elf.plan_flat().map_err(elf_error(path))?;
    check_size(path, plan.end - plan.start, Limit::IMAGE)?;
    read_region(&mut elf, &plan, path)
}

fn read_region(
    elf: &mut ElfFile<Box<dyn ElfInput>>,
    plan: &RegionPlan,
    path: &Path,
) -> Result<Vec<u8>> {
    Ok(elf
        .region_image(plan, FILL)
        .map_err(read_error(path))?
        .bytes)
}

/// The bytes of the segments lying in `r`'s link range (where the ELF's load addresses of
/// this image fall; differs from the storage address on xip regions), from its start.
fn region_bytes(
    mut elf: ElfFile<Box<dyn ElfInput>>,
    id: ImageId,
    path: &Path,
    r: &Region,
    notes: &mut Vec<String>,
) -> Result<Vec<u8>> {
    let (lo, hi) = (r.link_start(), r.link_start() + r.link_size());
    let outside = check_segments(elf.segments(), id, path, r)?;
    let window = Window {
        name: r.name(),
        start: lo,
        size: r.link_size(),
    };
    let Some(plan) = elf.plan_window(&window).map_err(elf_error(path))? else {
        let segs = elf.segments();
        let (start, end) = match (segs.first(), segs.last()) {
            (Some(a), Some(b)) => (a.paddr, b.end()),
            _ => (0, 0),
        };
        return Err(PackError::NoBytesInRegion {
            path: path.to_path_buf(),
            region: r.name().to_string(),
            lo,
            hi,
            id,
            start,
            end,
        });
    };
    if outside > 0 {
        notes.push(format!(
            "{}: {outside} bytes of segments outside {} were left out of image {id}",
            path.display(),
            r.name()
        ));
    }
    read_region(&mut elf, &plan, path)
}

/// Refuses a segment that straddles the region's edge; returns the bytes lying outside.
fn check_segments(segs: &[FileSegment], id: ImageId, path: &Path, r: &Region) -> Result<u64> {
    let (lo, hi) = (r.link_start(), r.link_start() + r.link_size());
    let mut outside = 0u64;
    for s in segs {
        let (a, b) = (s.paddr, s.end());
        if a >= lo && b <= hi {
            continue;
        }
        if a < hi && b > lo {
            return Err(PackError::StraddlesRegion {
                path: path.to_path_buf(),
                segment: s.index,
                start: a,
                end: b,
                region: r.name().to_string(),
                lo,
                hi,
                id,
            });
        }
        outside += s.filesz;
    }
    Ok(outside)
}

/// "cannot read `path`", caused by `source`.
fn read_error(path: &Path) -> impl FnOnce(std::io::Error) -> PackError + '_ {
    move |source| PackError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// An ELF error, named by its file.
fn elf_error(path: &Path) -> impl FnOnce(elf2bin::Error) -> PackError + '_ {
    move |source| PackError::Elf {
        path: path.to_path_buf(),
        source,
    }
}
