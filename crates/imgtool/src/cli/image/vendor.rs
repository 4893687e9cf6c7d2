//! `imgtool ezip -convert X.png ...`: a drop-in for the vendor's `ezip` image tool, also run
//! when the binary is called `ezip`, `ezip_linux`, `ezip_mac` or `ezip.exe` (so a copy at the
//! SDK's `tools/png2ezip/` serves `building.py`). Same options and output names as the
//! vendor's; unlike it, an unknown option or a failed conversion is an error (exit 2) and
//! the bugs it writes are not reproduced (docs/images.md).

use super::tasks::{self, Container, Task};
use crate::cli::Outcome;
use anyhow::{bail, Context, Result};
use ezimage::compat::Quirks;
use ezimage::convert::{ConvertOptions, Depth, PaletteIndices};
use ezimage::job::{EzipShape, Format, Job};
use ezimage::lvgl::LvglVersion;
use ezimage::{EzipLayout, Window};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Vendor options (one dash, as the vendor's ezip tool):
  -convert X.png          the PNG to convert
  -rgb565 | -rgb888       colour depth (default -rgb565); alpha is kept when the PNG has it
  -binfile 1|2            write <stem>.bin: 1 pixels, 2 EZIP (LVGL header first)
  -cfile 1|2              write <stem>.c: 1 pixels, 2 EZIP
  -section S              C sections .S_IMG_EZIP.<stem> / .S_IMG_PIXEL.<stem> (+ _HEADER)
  -dpt 1|2|4              EZIP layout (default 4, as the vendor's)
  -ers N                  rows per block of layouts 2/4 (default 32)
  -winsize 2048|8192      LZ77 window (default 8192; 2048 for SF32LB57)
  -lvgl_version 8|9       LVGL header/descriptor version (default 8)
  -pal_support [1]        palette EZIP: with 1 packed 1/2/4/8-bit indices, without 8-bit
  -dither 0|1             ordered dither for RGB565 (default 1)
  -simu                   C files without sections (PC simulator)
  -prefix P               prefix of the C symbol names
  -outdir DIR             output folder (default: the current folder)
  -binext .EXT            extension of -binfile outputs (default .bin)

Examples:
  imgtool ezip -convert logo.png -rgb565 -cfile 2 -section ROM3_IMG -dpt 1 -outdir out
  ezip_linux -convert logo.png -rgb565 -binfile 2 -binext .ezip      (a renamed copy)";

/// Arguments of `imgtool ezip`: the vendor's options, parsed by [`parse`].
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The vendor tool's options, e.g. `-convert X.png -rgb565 -cfile 2 -section ROM3_IMG`
    #[arg(allow_hyphen_values = true, trailing_var_arg = true, num_args = 0.., value_name = "OPTION")]
    pub args: Vec<String>,
}

/// The vendor options of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Vendor {
    input: PathBuf,
    format: Format,
    c: bool,
    job: Job,
    section: Option<String>,
    simu: bool,
    prefix: String,
    outdir: PathBuf,
    binext: String,
    /// Options given that do nothing here, or given twice: one line each, printed as
    /// `warning: ...` (the vendor tool takes them silently; SDK builds must keep working).
    warnings: Vec<String>,
}

/// Runs `imgtool ezip` / a renamed binary with the vendor's arguments.
pub fn run(a: Args) -> Result<Outcome> {
    let v = parse(&a.args)?;
    for w in &v.warnings {
        eprintln!("warning: {w}");
    }
    let stem = tasks::stem(&v.input)?;
    let (out, container) = if v.c {
        let section = v.section.clone().filter(|_| !v.simu);
        let prefix = v.prefix.clone();
        (format!("{stem}.c"), Container::C { prefix, section })
    } else {
        (format!("{stem}{}", v.binext), Container::Bin)
    };
    let task = Task {
        input: v.input.clone(),
        out: PathBuf::from(out),
        job: Job {
            format: v.format,
            ..v.job
        },
        container,
    };
    // The vendor tool has no --force: an existing key is never replaced.
    tasks::run(&[task], &v.outdir, fsio::output::Force::NotOffered)?;
    Ok(Outcome::Ok)
}

/// The value after option `opt`.
fn value<'a>(
    it: &mut std::iter::Peekable<std::slice::Iter<'a, String>>,
    opt: &str,
) -> Result<&'a str> {
    it.next()
        .map(String::as_str)
        .with_context(|| format!("vendor option {opt} needs a value"))
}

/// The optional `0`/`1` after a flag (`-simu`, `-pal_support`): consumed when present.
fn optional_bit<'a>(it: &mut std::iter::Peekable<std::slice::Iter<'a, String>>) -> Option<&'a str> {
    it.next_if(|s| s.as_str() == "0" || s.as_str() == "1")
        .map(String::as_str)
}

fn bad(opt: &str, v: &str, want: &str) -> anyhow::Error {
    anyhow::anyhow!("vendor option {opt} {v}: expected {want}")
}

/// Parses the vendor's options; anything unknown is an error.
fn parse(args: &[String]) -> Result<Vendor> {
    let mut input = None;
    let mut kinds: Vec<(bool, Format)> = Vec::new();
    let mut depth = Depth::Rgb565;
    let (mut layout, mut rows, mut window) = (EzipLayout::Four, None, Window::K8);
    let (mut lvgl, mut palette, mut dither, mut simu) = (LvglVersion::V8, None, true, false);
    let (mut section, mut prefix, mut outdir, mut binext) =
        (None, String::new(), PathBuf::from("."), ".bin".to_string());
    // Every option given, as (option, value): what is ignored is found from it afterwards.
    let mut given: Vec<(&str, String)> = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(opt) = it.next() {
        let o = opt.as_str();
        let start = it.clone();
        match o {
            "-convert" => input = Some(PathBuf::from(value(&mut it, o)?)),
            "-rgb565" => depth = Depth::Rgb565,
            "-rgb888" => depth = Depth::Rgb888,
            "-binfile" | "-cfile" => {
                let v = value(&mut it, o)?;
                let f = match v {
                    "1" => Format::Pixel,
                    "2" => Format::Ezip,
                    _ => return Err(bad(o, v, "1 (pixels) or 2 (EZIP)")),
                };
                kinds.push((o == "-cfile", f));
            }
            "-section" => section = Some(value(&mut it, o)?.to_string()),
            "-dpt" => {
                let v = value(&mut it, o)?;
                layout = match v {
                    "1" => EzipLayout::One,
                    "2" => EzipLayout::Two,
                    "4" => EzipLayout::Four,
                    _ => return Err(bad(o, v, "1, 2 or 4")),
                }
            }
            "-ers" => {
                let v = value(&mut it, o)?;
                let n = crate::cli::common_args::number::<u16>(v).map_err(|e| bad(o, v, &e))?;
                rows = Some(n);
            }
            "-winsize" => {
                let v = value(&mut it, o)?;
                window = match v {
                    "2048" => Window::K2,
                    "8192" => Window::K8,
                    _ => return Err(bad(o, v, "2048 or 8192")),
                }
            }
            "-lvgl_version" => {
                let v = value(&mut it, o)?;
                lvgl = match v {
                    "8" => LvglVersion::V8,
                    "9" => LvglVersion::V9,
                    _ => return Err(bad(o, v, "8 or 9")),
                }
            }
            "-dither" => {
                let v = value(&mut it, o)?;
                dither = match v {
                    "0" => false,
                    "1" => true,
                    _ => return Err(bad(o, v, "0 or 1")),
                }
            }
            "-prefix" => prefix = value(&mut it, o)?.to_string(),
            "-outdir" => outdir = PathBuf::from(value(&mut it, o)?),
            "-binext" => binext = bin_ext(value(&mut it, o)?)?,
            "-pal_support" => {
                palette = match optional_bit(&mut it) {
                    Some("1") => Some(PaletteIndices::Packed),
                    Some(_) => None,
                    None => Some(PaletteIndices::Byte),
                }
            }
            "-simu" => simu = optional_bit(&mut it) != Some("0"),
            _ => bail!(
                "unknown vendor option {o:?} (accepted: -convert -rgb565 -rgb888 -binfile -cfile \
                 -section -dpt -ers -winsize -lvgl_version -pal_support -dither -simu -prefix \
                 -outdir -binext; see `imgtool ezip --help`)"
            ),
        }
        // The values this option took: the arguments `it` moved past.
        let took = start.len() - it.len();
        let value: Vec<&str> = start.take(took).map(String::as_str).collect();
        given.push((o, value.join(" ")));
    }
    let input = input.context("no -convert X.png given")?;
    let (c, format) = match kinds.as_slice() {
        [k] => *k,
        [] => bail!("say what to write: -binfile 1|2 or -cfile 1|2"),
        _ => bail!("give one of -binfile and -cfile, once"),
    };
    let warnings = ignored(&given, c, format, depth, layout, simu);
    // The vendor tool keeps pixel files true colour; the palette applies to EZIP only.
    let palette = palette.filter(|_| format == Format::Ezip);
    let job = Job {
        format,
        convert: ConvertOptions {
            depth,
            dither,
            palette,
        },
        ezip: EzipShape {
            layout,
            rows,
            window,
        },
        lvgl,
        quirks: Quirks::default(),
    };
    Ok(Vendor {
        input,
        format,
        c,
        job,
        section,
        simu,
        prefix,
        outdir,
        binext,
        warnings,
    })
}

/// The options of `given` that do nothing with the others, and those given twice with
/// different values (the last wins), one warning line each, in the order given.
fn ignored(
    given: &[(&str, String)],
    c: bool,
    format: Format,
    depth: Depth,
    layout: EzipLayout,
    simu: bool,
) -> Vec<String> {
    let out = match (c, format) {
        (false, Format::Pixel) => "-binfile 1",
        (false, Format::Ezip) => "-binfile 2",
        (true, Format::Pixel) => "-cfile 1",
        (true, Format::Ezip) => "-cfile 2",
    };
    let mut warnings = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, (opt, _)) in given.iter().enumerate() {
        if seen.contains(&key(opt)) {
            continue;
        }
        seen.push(key(opt));
        let why = match *opt {
            "-section" if !c => Some(format!(
                "it names the C sections, and {out} writes no C file"
            )),
            "-section" if simu => Some("-simu writes C files without sections".to_string()),
            "-prefix" if !c => Some(format!(
                "it prefixes the C symbol names, and {out} writes no C file"
            )),
            "-simu" if !c => Some(format!(
                "it shapes C files (no sections), and {out} writes no C file"
            )),
            "-binext" if c => Some(format!(
                "it names -binfile outputs, and {out} writes a .c file"
            )),
            "-dpt" | "-ers" | "-winsize" if format == Format::Pixel => {
                Some(format!("it shapes EZIP data, and {out} writes pixels"))
            }
            "-ers" if layout == EzipLayout::One => {
                Some("layout 1 (-dpt 1) is one block of every row".to_string())
            }
            "-dither" if depth == Depth::Rgb888 => {
                Some("it dithers RGB565 output, and -rgb888 keeps every colour bit".to_string())
            }
            _ => None,
        };
        if let Some(why) = why {
            warnings.push(format!("{opt} is ignored: {why}; leave it out"));
        }
        // Given again with another value: the last one wins.
        let mut values: Vec<String> = Vec::new();
        for (o, v) in &given[i..] {
            if key(o) == key(opt) {
                let shown = match (*o, v.as_str()) {
                    ("-simu", "" | "1") => "-simu".to_string(),
                    (_, "") => o.to_string(),
                    _ => format!("{o} {v}"),
                };
                // In the order last given, so the last is the one used.
                values.retain(|x| *x != shown);
                values.push(shown);
            }
        }
        if let [earlier @ .., last] = values.as_slice() {
            if earlier.is_empty() {
                continue;
            }
            warnings.push(format!(
                "{} and {last} are both given: the last one, {last}, is used; give one",
                earlier.join(", ")
            ));
        }
    }
    warnings
}

/// The option an option sets: -rgb565 and -rgb888 set one thing, the colour depth.
fn key(o: &str) -> &str {
    if o == "-rgb888" {
        "-rgb565"
    } else {
        o
    }
}

/// `-binext`: `.ezip` or `ezip` (a dot is added), at most 20 characters (the vendor's limit),
/// no path separator.
fn bin_ext(v: &str) -> Result<String> {
    let ext = if v.starts_with('.') {
        v.to_string()
    } else {
        format!(".{v}")
    };
    if ext.len() > 21 || ext.contains(['/', '\\']) || ext == "." {
        return Err(bad(
            "-binext",
            v,
            "an extension such as .bin or .ezip, at most 20 characters",
        ));
    }
    Ok(ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Vendor> {
        parse(&s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
    }

    #[test]
    fn the_sdk_build_command_lines_parse() {
        let v = p("-convert a.png -rgb565 -cfile 2 -section ROM3_IMG -dpt 4 -ers 64 -pal_support 1 -outdir o").unwrap();
        assert!(v.c);
        assert_eq!(v.format, Format::Ezip);
        assert_eq!(v.job.ezip.layout, EzipLayout::Four);
        assert_eq!(v.job.ezip.rows, Some(64));
        assert_eq!(v.job.convert.palette, Some(PaletteIndices::Packed));
        assert_eq!(v.section.as_deref(), Some("ROM3_IMG"));
        let v = p("-convert a.png -rgb888 -cfile 1 -simu -pal_support").unwrap();
        assert!(v.simu);
        assert_eq!(v.format, Format::Pixel);
        assert_eq!(v.job.convert.palette, None, "pixel files stay true colour");
        assert_eq!(v.job.convert.depth, Depth::Rgb888);
        let v = p("-convert a.png -binfile 2 -binext .ezip -lvgl_version 9 -winsize 2048").unwrap();
        assert_eq!(v.binext, ".ezip");
        assert_eq!(v.job.lvgl, LvglVersion::V9);
        assert_eq!(v.job.ezip.window, Window::K2);
    }

    #[test]
    fn unknown_or_incomplete_vendor_options_are_errors() {
        for bad in [
            "-convert a.png -binfile 2 -detailcf",
            "-convert a.png -binfile 3",
            "-convert a.png -binfile 2 -cfile 2",
            "-convert a.png",
            "-binfile 2",
            "-convert a.png -binfile 2 -dpt 3",
            "-convert a.png -binfile 2 -winsize 4096",
            "-convert a.png -binfile 2 -outdir",
            "-convert a.png -binfile 2 -binext a/b",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
