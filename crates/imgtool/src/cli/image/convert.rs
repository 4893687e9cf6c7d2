//! `imgtool image convert`: PNG files -> EZIP or pixel images as LVGL `.bin` or C files; a
//! folder converts its `no_ezip/`, `ezip/` and `large_ezip/` PNGs as the SDK build does.

use super::folder;
use super::tasks::{self, Container, Task};
use crate::cli::common_args::{number, ForceArg, OutputDirArg};
use crate::cli::Outcome;
use anyhow::{bail, Result};
use clap::ValueEnum;
use ezimage::compat::{Compat, Quirks};
use ezimage::convert::{ConvertOptions, Depth, PaletteIndices};
use ezimage::job::{EzipShape, Format, Job};
use ezimage::lvgl::LvglVersion;
use ezimage::{EzipLayout, Window};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  imgtool image convert logo.png --format ezip --out-bin -o out/        # out/logo.bin
  imgtool image convert a.png b.png --format pixel --color rgb888 --out-c --section ROM3_IMG -o out/
  imgtool image convert icon.png --format ezip --ezip-layout 4 --rows 64 --out-c -o out/
  imgtool image convert images/ --section ROM3_IMG -o out/                # folder mode

Folder mode (an input that is a folder): every PNG under a folder named no_ezip/ becomes a
pixel C file, under ezip/ an EZIP layout-1 C file, under large_ezip/ an EZIP layout-4 C file
with --fb-line-num rounded up to a power of two rows per block (128 without it), mirrored
into the output folder; other PNGs are skipped. --simu makes every file pixels without
sections, like the SDK's PC simulator build.

Defaults: --color rgb565 with the vendor's ordered dither, EZIP layout 1, 32 rows per block
for layouts 2/4, an 8 KiB window, LVGL 8. The alpha channel is kept exactly when the PNG has
one. --compat 2.0.5|2.4.0 reproduces that vendor release's output bugs byte for byte and
takes its defaults. All files are converted before any is written; an error writes nothing.
Docs: docs/images.md.";

/// Arguments of `imgtool image convert`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// PNG files, or folders for folder mode
    #[arg(required = true, value_name = "IN")]
    pub inputs: Vec<PathBuf>,
    /// EZIP stream or plain pixels (required for files; folder mode decides by folder)
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Colour depth; the alpha channel is added when the PNG has one
    #[arg(long, value_enum, default_value = "rgb565")]
    pub color: ColorArg,
    /// Write C files (`<stem>.c`)
    #[arg(long, conflicts_with = "out_bin")]
    pub out_c: bool,
    /// Write LVGL .bin files (`<stem>.bin`)
    #[arg(long)]
    pub out_bin: bool,
    /// EZIP layout: 1 one stream, 2 or 4 blocks of --rows rows (default 1)
    #[arg(long, value_enum)]
    pub ezip_layout: Option<LayoutArg>,
    /// Rows per block of EZIP layouts 2 and 4 (default 32, or the --compat version's)
    #[arg(long, value_parser = number::<u16>)]
    pub rows: Option<u16>,
    /// EZIP LZ77 window in bytes, 8192 by default (2048 is required on SF32LB57)
    #[arg(long, value_enum)]
    pub window: Option<WindowArg>,
    /// LVGL version of the header or descriptor
    #[arg(long, value_enum, default_value = "8")]
    pub lvgl: LvglArg,
    /// EZIP palette image (at most 256 colours): `--palette` packs 1/2/4/8-bit indices (SF32LB52x), `--palette=byte` 8-bit ones (SF32LB56x/58x)
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "packed")]
    pub palette: Option<PaletteArg>,
    /// Linker section base name of C files (`ROM3_IMG` gives `.ROM3_IMG_EZIP.<name>` / `.ROM3_IMG_PIXEL.<name>` and their `_HEADER` twins)
    #[arg(long)]
    pub section: Option<String>,
    /// Prefix of the C symbol names
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// C files for the PC simulator: no sections (folder mode: pixels for every folder)
    #[arg(long)]
    pub simu: bool,
    /// Truncate to RGB565 instead of the vendor's ordered dither
    #[arg(long)]
    pub no_dither: bool,
    /// Reproduce a vendor release's output bugs byte for byte and take its defaults
    #[arg(long, value_enum)]
    pub compat: Option<CompatArg>,
    /// Folder mode: the project's LV_FB_LINE_NUM (large_ezip/ rows per block, rounded up to a power of two)
    #[arg(long, value_parser = number::<u16>)]
    pub fb_line_num: Option<u16>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputDirArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: ForceArg,
}

/// `--format`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// An EZIP stream (hardware-decoded)
    Ezip,
    /// Uncompressed pixels
    Pixel,
}

/// `--color`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorArg {
    /// RGB565 (ARGB8565 with alpha)
    Rgb565,
    /// RGB888 (ARGB8888 with alpha)
    Rgb888,
}

/// `--ezip-layout`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutArg {
    /// One DEFLATE stream
    #[value(name = "1")]
    One,
    /// Blocks with their own Huffman tables
    #[value(name = "2")]
    Two,
    /// Blocks sharing one Huffman table
    #[value(name = "4")]
    Four,
}

/// `--window`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowArg {
    /// 2 KiB
    #[value(name = "2048")]
    K2,
    /// 8 KiB
    #[value(name = "8192")]
    K8,
}

/// `--lvgl`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LvglArg {
    /// LVGL 8 (4-byte header, lv_img_dsc_t; at most 2047x2047)
    #[value(name = "8")]
    V8,
    /// LVGL 9 (12-byte header, lv_image_dsc_t)
    #[value(name = "9")]
    V9,
}

/// `--palette`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaletteArg {
    /// The smallest of 1, 2, 4, 8 bits per index
    Packed,
    /// Always 8 bits per index
    Byte,
}

/// `--compat`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompatArg {
    /// ezip 2.0.5 (2024-02-18)
    #[value(name = "2.0.5")]
    V2_0_5,
    /// ezip 2.4.0 (2025-08-11)
    #[value(name = "2.4.0")]
    V2_4_0,
}

impl From<LayoutArg> for EzipLayout {
    fn from(l: LayoutArg) -> Self {
        match l {
            LayoutArg::One => EzipLayout::One,
            LayoutArg::Two => EzipLayout::Two,
            LayoutArg::Four => EzipLayout::Four,
        }
    }
}

impl From<CompatArg> for Compat {
    fn from(c: CompatArg) -> Self {
        match c {
            CompatArg::V2_0_5 => Compat::V2_0_5,
            CompatArg::V2_4_0 => Compat::V2_4_0,
        }
    }
}

/// The job every file of this run shares (folder mode overrides format and layout).
fn base_job(a: &Args, format: Format) -> Result<Job> {
    let compat = a.compat.map(Compat::from);
    let lvgl = match a.lvgl {
        LvglArg::V8 => LvglVersion::V8,
        LvglArg::V9 => LvglVersion::V9,
    };
    if let Some(c) = compat.filter(|c| lvgl == LvglVersion::V9 && !c.has_lvgl9()) {
        bail!(
            "--compat {} predates LVGL 9 output: use --lvgl 8 or --compat 2.4.0",
            c.name()
        );
    }
    Ok(Job {
        format,
        convert: ConvertOptions {
            depth: match a.color {
                ColorArg::Rgb565 => Depth::Rgb565,
                ColorArg::Rgb888 => Depth::Rgb888,
            },
            dither: !a.no_dither,
            palette: a.palette.map(|p| match p {
                PaletteArg::Packed => PaletteIndices::Packed,
                PaletteArg::Byte => PaletteIndices::Byte,
            }),
        },
        ezip: EzipShape {
            layout: a.ezip_layout.map_or(EzipLayout::One, EzipLayout::from),
            rows: a.rows,
            window: match a.window {
                Some(WindowArg::K2) => Window::K2,
                Some(WindowArg::K8) | None => Window::K8,
            },
        },
        lvgl,
        quirks: Quirks { compat },
    })
}

fn container(a: &Args, c: bool) -> Container {
    if c {
        Container::C {
            prefix: a.prefix.clone(),
            section: a.section.clone().filter(|_| !a.simu),
        }
    } else {
        Container::Bin
    }
}

/// Runs `imgtool image convert`.
pub fn run(a: Args) -> Result<Outcome> {
    let dirs = a.inputs.iter().filter(|p| p.is_dir()).count();
    let tasks = if dirs == 0 {
        file_tasks(&a)?
    } else if dirs == a.inputs.len() {
        folder_tasks(&a)?
    } else {
        bail!("give PNG files or folders (folder mode), not both");
    };
    if tasks.is_empty() {
        bail!(
            "no PNG found under no_ezip/, ezip/ or large_ezip/ in {:?}",
            a.inputs
        );
    }
    tasks::run(&tasks, &a.output.output, a.force.force.into())?;
    Ok(Outcome::Ok)
}

/// The options given that do nothing with these others: refused, never ignored.
fn refuse_unused(a: &Args, format: Option<FormatArg>, c_file: bool) -> Result<()> {
    let pixel = format == Some(FormatArg::Pixel);
    let layout1 = a.ezip_layout.is_none_or(|l| l == LayoutArg::One);
    let unused = [
        (a.section.is_some() && !c_file, "--section (C files only)"),
        (!a.prefix.is_empty() && !c_file, "--prefix (C files only)"),
        (a.simu && !c_file, "--simu (C files only)"),
        (
            a.simu && a.section.is_some(),
            "--section with --simu (which drops sections)",
        ),
        (
            pixel && a.ezip_layout.is_some(),
            "--ezip-layout with --format pixel",
        ),
        (pixel && a.window.is_some(), "--window with --format pixel"),
        (
            a.rows.is_some() && layout1,
            "--rows without --ezip-layout 2|4",
        ),
        (
            a.no_dither && a.color == ColorArg::Rgb888,
            "--no-dither with --color rgb888 (never dithered)",
        ),
        (
            a.fb_line_num.is_some() && format.is_some(),
            "--fb-line-num outside folder mode",
        ),
    ];
    match unused.iter().find(|(given, _)| *given) {
        Some((_, what)) => bail!("{what} would do nothing: drop it"),
        None => Ok(()),
    }
}

fn file_tasks(a: &Args) -> Result<Vec<Task>> {
    let Some(format) = a.format else {
        bail!("--format ezip|pixel is required for PNG files (folder mode decides by folder)");
    };
    if !a.out_c && !a.out_bin {
        bail!("say what to write: --out-c (C files) or --out-bin (LVGL .bin files)");
    }
    refuse_unused(a, Some(format), a.out_c)?;
    let format = match format {
        FormatArg::Ezip => Format::Ezip,
        FormatArg::Pixel => Format::Pixel,
    };
    let job = base_job(a, format)?;
    let ext = if a.out_c { "c" } else { "bin" };
    a.inputs
        .iter()
        .map(|input| {
            Ok(Task {
                input: input.clone(),
                out: PathBuf::from(format!("{}.{ext}", tasks::stem(input)?)),
                job,
                container: container(a, a.out_c),
            })
        })
        .collect()
}

fn folder_tasks(a: &Args) -> Result<Vec<Task>> {
    if a.format.is_some() || a.out_bin || a.ezip_layout.is_some() || a.rows.is_some() {
        bail!("folder mode decides the format by folder and writes C files: drop --format, --out-bin, --ezip-layout and --rows");
    }
    refuse_unused(a, None, true)?;
    let base = base_job(a, Format::Ezip)?;
    let mut tasks = Vec::new();
    for root in &a.inputs {
        for (png, rel, kind) in folder::walk(root)? {
            let job = folder::job_for(kind, base, a.simu, a.fb_line_num);
            let out = rel.with_extension("c");
            tasks.push(Task {
                input: png,
                out,
                job,
                container: container(a, true),
            });
        }
    }
    Ok(tasks)
}
