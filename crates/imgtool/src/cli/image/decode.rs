//! `imgtool image decode`: an LVGL `.bin` or C file (EZIP or pixels) back to a PNG.

use crate::cli::common_args::ForceArg;
use crate::cli::Outcome;
use anyhow::{Context, Result};
use fsio::input::{read_bounded, Limit};
use fsio::output::{plan_output, write, Mode};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  imgtool image decode out/logo.bin -o logo.png
  imgtool image decode out/logo.c -o logo.png

Reads what `image convert` and the vendor's ezip tool write: a .bin with an LVGL 8 or 9
header, or a C file (detected by its text), holding an EZIP stream (any layout) or pixels.
RGB565 is widened to 8 bits by bit replication; 888 formats come back exactly.";

/// Arguments of `imgtool image decode`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The .bin or .c file
    pub input: PathBuf,
    /// Where to write the PNG (`-`: standard output)
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: ForceArg,
}

/// Text C files of a 2047x2047 ARGB8888 image are about 80 MiB.
const LIMIT: Limit = Limit::new("image .bin and C files", 128 << 20);

/// Runs `imgtool image decode`.
pub fn run(a: Args) -> Result<Outcome> {
    let out = plan_output(&a.output, &[&a.input], a.force.force)?;
    let bytes = read_bounded(&a.input, LIMIT)?;
    let name = a.input.display();
    let (desc, pixels) = ezimage::unpack::unpack(&bytes).with_context(|| format!("{name}"))?;
    let png = ezimage::png_out::write_png(&pixels).with_context(|| format!("{name}"))?;
    write(&out, &png, Mode::Public)?;
    crate::cli::print::say!(
        "{}: {}x{} {:?} ({:?}, LVGL {:?}) -> {} ({} bytes)",
        name,
        pixels.width,
        pixels.height,
        pixels.color,
        desc.cf,
        desc.version,
        out.display(),
        png.len()
    );
    Ok(Outcome::Ok)
}
