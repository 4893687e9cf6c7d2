//! `imgtool elf2bin`: ELF -> one flat image, or one image per flash region of a layout.
//!
//! The extraction is the `elf2bin` crate; this module opens the ELF, turns layout regions
//! into `elf2bin::Window`s, prints what went where and writes the outputs atomically. Every
//! output is planned (and so every check made) before the first file is written, so a bad
//! ELF leaves no output. Binary images are then streamed from the ELF file to the output
//! file ([`elf2bin::ElfFile`]): a 60 MB image is never held in memory, which makes this as
//! fast as objcopy (docs/benchmarks.md).

use super::Outcome;
use anyhow::{bail, Context, Result};
use elf2bin::{ElfFile, RegionPlan, Window};
use fsio::input::{read_bounded, Limit};
use fsio::output::{plan_output, plan_output_dir, write, write_with, Dest, Mode};
use layout::Layout;
use std::fs::File;
use std::io::{Cursor, Read, Seek};
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
#[command(after_help = AFTER_HELP,
    mut_arg("layout", |a| a.help("Split by this layout's flash regions: a layout file (.toml) or a bundled layout name (e.g. sf32lb52x-eh-lb523); each image starts at its region's start")))]
pub struct Args {
    /// The ELF file (ELF32 or ELF64, little- or big-endian; GCC, LLVM or ARM Compiler output)
    pub elf: PathBuf,

    /// Output: a file without --layout (`-`: standard output), a directory with --layout
    /// (created if missing)
    #[arg(short, long, value_name = "PATH")]
    pub output: PathBuf,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub layout: super::common_args::OptionalLayoutArg,

    /// Byte written into gaps between segments (and before the first segment of a region)
    #[arg(long, value_name = "BYTE", default_value = "0xff", value_parser = super::common_args::number::<u8>)]
    pub fill: u8,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Bin)]
    pub format: Format,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
}

/// Runs `imgtool elf2bin`.
pub fn run(args: Args) -> Result<Outcome> {
    // Refuse a wrong output before reading anything: the ELF itself, or with --layout a
    // file where the directory goes.
    let layout = match &args.layout.layout {
        None => {
            plan_output(&args.output, &[&args.elf], args.force.force)?;
            None
        }
        Some(spec) => {
            plan_output_dir(
                &args.output,
                &["one image per region"],
                &[&args.elf],
                args.force.force,
            )?;
            Some(super::common_args::resolve_layout(spec)?)
        }
    };
    let mut elf = open_elf(&args.elf)?;
    let mut log = Vec::new();
    let outputs = match &layout {
        None => vec![flat(&args, &elf, &mut log)?],
        Some(l) => split(&args, &elf, l, &mut log)?,
    };
    for out in &outputs {
        check_format(args.format, out)?;
    }
    // Printed after planning, on stderr when the image itself goes to standard output.
    let stdout = outputs.iter().any(|o| o.dest.is_stdout());
    for line in &log {
        if stdout {
            eprintln!("{line}");
        } else {
            super::print::say!("{line}");
        }
    }
    // Everything is checked: from here only an I/O error can stop the writing.
    for out in &outputs {
        write_output(&args, &mut elf, out)?;
    }
    Ok(Outcome::Ok)
}

/// Something to read the ELF from: the file itself, or its bytes when it cannot seek.
trait ElfInput: Read + Seek {}
impl<T: Read + Seek> ElfInput for T {}

/// Opens the ELF and reads its headers. A regular file is read as needed (its contents are
/// copied straight to the outputs); anything else (a pipe) is read into memory first.
fn open_elf(path: &Path) -> Result<ElfFile<Box<dyn ElfInput>>> {
    let cannot_read = || format!("cannot read {}", path.display());
    let file = match fsio::input::is_stdin(path) {
        true => None,
        false => Some(File::open(path).with_context(cannot_read)?),
    };
    let input: Box<dyn ElfInput> =
        if let Some(file) = file.filter(|f| f.metadata().is_ok_and(|m| m.is_file())) {
            Box::new(file)
        } else {
            // A pipe or a device: read into memory, no more than an image can be.
            Box::new(Cursor::new(read_bounded(path, Limit::IMAGE)?))
        };
    ElfFile::open(input).with_context(|| {
        format!(
            "{}{}: cannot extract the loadable bytes",
            path.display(),
            fsio::input::lfs_hint(path)
        )
    })
}

/// One file to write: the plan of its bytes and the address its image is stored at.
struct Output {
    dest: Dest,
    plan: RegionPlan,
    /// Where the image is stored (Intel HEX addresses): differs from `plan.start` for a
    /// region matched at its xip address.
    stored_start: u64,
}

fn flat<R: Read + Seek>(args: &Args, elf: &ElfFile<R>, log: &mut Vec<String>) -> Result<Output> {
    let plan = elf.plan_flat().map_err(|e| match e {
        elf2bin::Error::SpanTooLarge { .. } => anyhow::anyhow!(
            "{}: {e}; an image this large usually means some load addresses lie outside flash \
             (e.g. .data without `AT > FLASH`): check them, or write one image per flash \
             region with --layout",
            args.elf.display()
        ),
        other => anyhow::Error::new(other).context(format!("{}", args.elf.display())),
    })?;
    let out = Output {
        dest: plan_output(&args.output, &[&args.elf], args.force.force)?,
        stored_start: plan.start,
        plan,
    };
    print_region(&out, log);
    print_segments(elf, |_| true, log);
    Ok(out)
}

fn split<R: Read + Seek>(
    args: &Args,
    elf: &ElfFile<R>,
    layout: &Layout,
    log: &mut Vec<String>,
) -> Result<Vec<Output>> {
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
    let plan = elf.plan_split(&windows).with_context(|| {
        format!(
            "{}: does not fit layout {}",
            args.elf.display(),
            layout.name
        )
    })?;
    let mut out = Vec::new();
    for p in plan.regions {
        let path = args
            .output
            .join(format!("{}.{}", p.name, args.format.extension()));
        // Report (and write Intel HEX at) the address where the image is stored, which for
        // a region with an xip address differs from the address it was matched at.
        let stored = layout.flash_regions().find(|x| region_name(x) == p.name);
        let stored_start = match stored.filter(|x| x.start() != p.start) {
            Some(stored) => {
                log.push(format!(
                    "{}: linked at {:#010x}, stored at {:#010x}",
                    p.name,
                    p.start,
                    stored.start()
                ));
                stored.start()
            }
            None => p.start,
        };
        let o = Output {
            dest: plan_output(&path, &[&args.elf], args.force.force)?,
            plan: p,
            stored_start,
        };
        print_region(&o, log);
        print_segments(
            elf,
            |index| o.plan.placements.iter().any(|x| x.segment == index),
            log,
        );
        out.push(o);
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

/// Refuses what the format cannot express, before any file is written.
fn check_format(format: Format, out: &Output) -> Result<()> {
    let end = out
        .stored_start
        .saturating_add(out.plan.end.saturating_sub(out.plan.start));
    if format == Format::Hex && end > 1 << 32 {
        bail!(
            "{}: {:#010x} to {end:#x} lies above 4 GiB, which Intel HEX cannot address; use --format bin",
            out.plan.name,
            out.stored_start
        );
    }
    Ok(())
}

/// Writes one output atomically: a binary image streamed from the ELF, or Intel HEX.
fn write_output<R: Read + Seek>(args: &Args, elf: &mut ElfFile<R>, out: &Output) -> Result<()> {
    match args.format {
        Format::Bin => Ok(write_with(&out.dest, Mode::Public, |file| {
            let mut file = file;
            elf.write_region(&out.plan, args.fill, &mut file)
        })?),
        Format::Hex => {
            let image = elf
                .region_image(&out.plan, args.fill)
                .with_context(|| format!("{}", args.elf.display()))?;
            let hex = elf2bin::ihex::to_intel_hex(out.stored_start, &image.bytes);
            Ok(write(&out.dest, hex.as_bytes(), Mode::Public)?)
        }
    }
}

fn print_segments<R>(elf: &ElfFile<R>, include: impl Fn(usize) -> bool, log: &mut Vec<String>) {
    for s in elf.segments().iter().filter(|s| include(s.index)) {
        let bss = s.memsz.saturating_sub(s.filesz);
        log.push(format!(
            "  segment {:<2} {:#010x} to {:#010x} {:>9} bytes  (runs at {:#010x}{})",
            s.index,
            s.paddr,
            s.end(),
            s.filesz,
            s.vaddr,
            if bss > 0 {
                format!(", +{bss} bytes .bss not written")
            } else {
                String::new()
            }
        ));
    }
}

fn print_region(out: &Output, log: &mut Vec<String>) {
    let p = &out.plan;
    let len = p.end.saturating_sub(p.start);
    log.push(format!(
        "{} {:#010x} to {:#010x} {} bytes ({} fill) -> {}",
        p.name,
        out.stored_start,
        out.stored_start.saturating_add(len),
        len,
        p.fill_bytes,
        out.dest.display()
    ));
}
