//! What `image convert`, its folder mode and the vendor drop-in share: a list of
//! conversions, planned as outputs first, converted in parallel, written all or none.

use anyhow::{Context, Result};
use ezimage::cfile::CNames;
use ezimage::job::{convert_png, Job};
use fsio::input::{read_bounded, Limit};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The PNG size limit: a 2047x2047 RGBA image compresses to far less than this.
const PNG_LIMIT: Limit = Limit::new("PNG files", 64 << 20);

/// The file a conversion writes.
#[derive(Debug, Clone)]
pub enum Container {
    /// LVGL header + data.
    Bin,
    /// A C file; `section: None` writes no `SECTION(..)`.
    C {
        /// Prepended to the symbol names.
        prefix: String,
        /// Section base name.
        section: Option<String>,
    },
}

/// One PNG to convert.
#[derive(Debug, Clone)]
pub struct Task {
    /// The PNG.
    pub input: PathBuf,
    /// Where the output goes, relative to the output directory.
    pub out: PathBuf,
    /// How to convert.
    pub job: Job,
    /// What to write.
    pub container: Container,
}

/// The file stem of `p` as UTF-8 (C symbols are made from it).
pub fn stem(p: &Path) -> Result<String> {
    p.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_string)
        .with_context(|| format!("{}: the file name is not UTF-8", p.display()))
}

/// Plans every output in `outdir` (nothing is read if one is refused), converts the PNGs in
/// parallel and writes all outputs or none. Returns the number of files written.
pub fn run(tasks: &[Task], outdir: &Path, force: fsio::output::Force) -> Result<usize> {
    let names: Vec<String> = tasks
        .iter()
        .map(|t| t.out.to_string_lossy().into_owned())
        .collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let inputs: Vec<&Path> = tasks.iter().map(|t| t.input.as_path()).collect();
    let dests = fsio::output::plan_output_dir(outdir, &name_refs, &inputs, force)?;
    fsio::output::refuse_same_outputs(name_refs.iter().copied().zip(&dests))?;
    let bytes: Vec<Vec<u8>> = tasks.par_iter().map(convert_one).collect::<Result<_>>()?;
    let files: Vec<_> = dests
        .into_iter()
        .zip(bytes.iter().map(Vec::as_slice))
        .collect();
    fsio::output::commit(&files, fsio::output::Mode::Public)?;
    for (dest, data) in &files {
        super::super::print::say!("wrote {} ({} bytes)", dest.display(), data.len());
    }
    Ok(files.len())
}

/// Reads and converts one PNG into the bytes of its output file.
fn convert_one(t: &Task) -> Result<Vec<u8>> {
    let name = t.input.display();
    let png = read_bounded(&t.input, PNG_LIMIT)?;
    let c = convert_png(&png, &t.job).with_context(|| format!("{name}"))?;
    match &t.container {
        Container::Bin => c.to_bin(&t.job.quirks).with_context(|| format!("{name}")),
        Container::C { prefix, section } => {
            let names = CNames::new(prefix, &stem(&t.input)?, section.as_deref())
                .with_context(|| format!("{name}"))?;
            Ok(c.to_c(&names).into_bytes())
        }
    }
}
