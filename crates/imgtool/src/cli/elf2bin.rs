//! `imgtool elf2bin`: ELF -> one flat image, or one image per flash region of a layout.
//!
//! The extraction is the `elf2bin` crate; this module reads the files, turns layout regions
//! into `elf2bin::Window`s, prints what went where and writes the outputs atomically (all
//! images are built before the first file is written, so an error leaves no output).

use super::Outcome;
use anyhow::{bail, Context, Result};
use elf2bin::{LoadImage, RegionImage, Window};
use layout::Layout;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Examples:
  imgtool elf2bin app.elf -o app.bin
      One image from the lowest to the highest load address, gaps filled with 0xff.
      With --fill 0 it is byte-identical to `arm-none-eabi-objcopy -O binary app.elf app.bin`.
  imgtool elf2bin app.elf --layout sf32lb52x-eh-lb523 -o out/
      One file per flash region that receives bytes: out/HCPU_FLASH_CODE.bin, ...
  imgtool elf2bin app.elf --layout board.toml --format hex -o out/
      The same as Intel HEX files (out/HCPU_FLASH_CODE.hex, ...).

Bytes are placed at their load address (LMA, the ELF's p_paddr): initialised data that runs
in RAM is stored in flash right after the code, where the startup code copies it from.
.bss (memory-only) is never written. See docs/elf2bin.md.";

/// Output file format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Raw binary (`.bin`).
    Bin,
    /// Intel HEX with extended linear address records (`.hex`).
    Hex,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Bin => "bin",
            Format::Hex => "hex",
        }
    }
}

/// Arguments of `imgtool elf2bin`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The ELF file (ELF32 or ELF64, little- or big-endian; GCC, LLVM or ARM Compiler output)
    pub elf: PathBuf,

    /// Output: a file without --layout, a directory with --layout (created if missing)
    #[arg(short, long, value_name = "PATH")]
    pub output: PathBuf,

    /// Split by this layout's flash regions: a layout file (.toml) or a bundled layout name
    /// (e.g. sf32lb52x-eh-lb523); each image starts at its region's start
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<String>,

    /// Byte written into gaps between segments (and before the first segment of a region)
    #[arg(long, value_name = "BYTE", default_value = "0xff", value_parser = parse_byte)]
    pub fill: u8,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Bin)]
    pub format: Format,
}

/// Parses a byte given as decimal or `0x` hex.
fn parse_byte(s: &str) -> Result<u8, String> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u8::from_str_radix(hex, 16),
        None => s.parse::<u8>(),
    };
    parsed.map_err(|_| format!("{s:?} is not a byte: expected 0..255 or 0x00..0xff"))
}

/// Runs `imgtool elf2bin`.
pub fn run(args: Args) -> Result<Outcome> {
    let bytes = crate::output::read_input(&args.elf)?;
    let image = elf2bin::parse(&bytes)
        .with_context(|| format!("{}: cannot extract the loadable bytes", args.elf.display()))?;
    let outputs = match &args.layout {
        None => vec![(args.output.clone(), flat(&args, &image)?)],
        Some(spec) => split(&args, &image, &load_layout(spec)?)?,
    };
    let encoded = outputs
        .iter()
        .map(|(path, r)| Ok((path, encode(args.format, r)?)))
        .collect::<Result<Vec<_>>>()?;
    for (path, data) in &encoded {
        crate::output::write_atomic(path, data)?;
    }
    Ok(Outcome::Ok)
}

fn flat(args: &Args, image: &LoadImage) -> Result<RegionImage> {
    let region = image.flat(args.fill).map_err(|e| match e {
        elf2bin::Error::SpanTooLarge { .. } => anyhow::anyhow!(
            "{}: {e}; an image this large usually means some load addresses lie outside flash \
             (e.g. .data without `AT > FLASH`): check them, or write one image per flash \
             region with --layout",
            args.elf.display()
        ),
        other => anyhow::Error::new(other).context(format!("{}", args.elf.display())),
    })?;
    print_region(&region, &args.output);
    print_segments(image, |_| true);
    Ok(region)
}

fn split(args: &Args, image: &LoadImage, layout: &Layout) -> Result<Vec<(PathBuf, RegionImage)>> {
    let names: Vec<String> = layout.flash_regions().map(region_name).collect();
    let windows: Vec<Window<'_>> = layout
        .flash_regions()
        .zip(&names)
        .map(|(r, name)| Window {
            name,
            // A region whose image does not run in place is linked at its xip address, and
            // must fit both where it is stored and where it runs: the layout's link range.
            start: r.link_start(),
            size: r.link_size(),
        })
        .collect();
    let plan = image.plan_split(&windows).with_context(|| {
        format!(
            "{}: does not fit layout {}",
            args.elf.display(),
            layout.name
        )
    })?;
    let regions = image.emit(&plan, args.fill);
    let mut out = Vec::new();
    for (mut r, p) in regions.into_iter().zip(&plan.regions) {
        let path = args
            .output
            .join(format!("{}.{}", r.name, args.format.extension()));
        // Report (and write Intel HEX at) the address where the image is stored, which for
        // a region with an xip address differs from the address it was matched at.
        let stored = layout.flash_regions().find(|x| region_name(x) == r.name);
        if let Some(stored) = stored.filter(|x| x.start() != r.start) {
            println!(
                "{}: linked at {:#010x}, stored at {:#010x}",
                r.name,
                r.start,
                stored.start()
            );
            r.start = stored.start();
        }
        print_region(&r, &path);
        print_segments(image, |index| {
            p.placements.iter().any(|x| x.segment == index)
        });
        out.push((path, r));
    }
    Ok(out)
}

/// The region's name (first tag or label), or its start address when it has neither.
fn region_name(r: &layout::Region) -> String {
    match r.name() {
        "" => format!("region_{:08x}", r.start()),
        n => n.to_string(),
    }
}

/// A layout file or a bundled layout name, resolved as every command does.
fn load_layout(spec: &str) -> Result<Layout> {
    Layout::resolve(spec).with_context(|| format!("--layout {spec}"))
}

/// The file contents for `r`: the image itself (borrowed, images can be tens of MiB) or HEX.
fn encode(format: Format, r: &RegionImage) -> Result<Cow<'_, [u8]>> {
    match format {
        Format::Bin => Ok(Cow::Borrowed(&r.bytes)),
        Format::Hex => {
            let end = r.start + r.bytes.len() as u64;
            if end > 1 << 32 {
                bail!(
                    "{}: {:#010x}..{end:#x} lies above 4 GiB, which Intel HEX cannot address; use --format bin",
                    r.name,
                    r.start
                );
            }
            Ok(Cow::Owned(
                elf2bin::ihex::to_intel_hex(r.start, &r.bytes).into_bytes(),
            ))
        }
    }
}

fn print_segments(image: &LoadImage, include: impl Fn(usize) -> bool) {
    for s in image.segments.iter().filter(|s| include(s.index)) {
        let bss = s.memsz.saturating_sub(s.data.len() as u64);
        println!(
            "  segment {:<2} {:#010x}..{:#010x} {:>9} bytes  (runs at {:#010x}{})",
            s.index,
            s.paddr,
            s.end(),
            s.data.len(),
            s.vaddr,
            if bss > 0 {
                format!(", +{bss} bytes .bss not written")
            } else {
                String::new()
            }
        );
    }
}

fn print_region(r: &RegionImage, path: &Path) {
    println!(
        "{} {:#010x}..{:#010x} {} bytes ({} fill) -> {}",
        r.name,
        r.start,
        r.start + r.bytes.len() as u64,
        r.bytes.len(),
        r.fill_bytes,
        path.display()
    );
}
