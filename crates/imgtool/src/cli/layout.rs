//! `imgtool layout`: import the SDK's `ptab.json`, show a layout, export C header / memory.x.

use super::Outcome;
use anyhow::{bail, Context, Result};
use fsio::input::{read_text, Limit};
use fsio::output::{commit, plan_output, plan_outputs, write, Mode};
use layout::export::{self, MemoryXOptions};
use layout::ptab::{self, ImportOptions};
use layout::{ImageId, Layout, MemoryKind};
use std::path::{Path, PathBuf};

const LAYOUT_HELP: &str = "LAYOUT is a path to a layout file (.toml) or the name of a bundled \
layout; `imgtool layout list` prints the bundled names.";

/// Subcommands of `imgtool layout`.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Convert an SDK partition table (ptab.json) into a layout file
    #[command(
        after_help = "Example:\n  imgtool layout import boards/eh-lb523/ptab.json -o layouts/sf32lb52x-eh-lb523.toml\n\n\
The layout name is the output file's stem; the chip family is read from it (\"lb52\" -> \
SF32LB52x) unless --chip is given. Memory kinds come from the memory names (flash* -> nor, \
*nand* -> nand, *psram* -> psram, *ram* -> ram; a flash memory holding DFU_INFO_REGION -> nand); \
override with --memory-kind. Format: docs/layouts.md."
    )]
    Import(ImportArgs),
    /// Print a layout's memories and regions sorted by address; flags overlapping flash regions
    #[command(after_help = "Example:\n  imgtool layout show sf32lb52x-eh-lb523\n\n\
Exit status 1 if the layout breaks a rule (the listing is printed first, the problem after it).")]
    Show(ShowArgs),
    /// Write a C header (<TAG>_START_ADDR/_SIZE/_OFFSET) and/or a cortex-m-rt memory.x
    #[command(
        after_help = "Example:\n  imgtool layout export sf32lb52x-eh-lb523 --c-header ptab.h --memory-x memory.x\n\n\
The same output is available to build.rs scripts as layout::export::{c_header, memory_x}; \
see docs/build-rs.md."
    )]
    Export(ExportArgs),
    /// List the bundled layout names
    List,
}

/// Arguments of `imgtool layout import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The SDK's ptab.json
    pub ptab: PathBuf,
    /// Layout file to write (its stem is the layout name, e.g. sf32lb52x-eh-lb523.toml;
    /// `-`: standard output)
    #[arg(short, long)]
    pub output: PathBuf,
    /// Chip family (SF32LB52x, SF32LB55x, SF32LB56x, SF32LB58x) when the name does not say it
    #[arg(long)]
    pub chip: Option<String>,
    /// Memory kind override, NAME=KIND with KIND one of nor, nand, psram, ram (repeatable)
    #[arg(long = "memory-kind", value_name = "NAME=KIND")]
    pub memory_kinds: Vec<String>,
    /// Erase unit override in bytes, NAME=SIZE, e.g. flash2=0x2000 (repeatable)
    #[arg(long = "erase-unit", value_name = "NAME=SIZE")]
    pub erase_units: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
}

/// Arguments of `imgtool layout show`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = LAYOUT_HELP)]
pub struct ShowArgs {
    /// Layout file or bundled layout name
    pub layout: String,
}

/// Arguments of `imgtool layout export`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = LAYOUT_HELP)]
pub struct ExportArgs {
    /// Layout file or bundled layout name
    pub layout: String,
    /// Write a C header with the SDK's ptab.h macros to FILE
    #[arg(long, value_name = "FILE")]
    pub c_header: Option<PathBuf>,
    /// Write a cortex-m-rt memory.x to FILE
    #[arg(long, value_name = "FILE")]
    pub memory_x: Option<PathBuf>,
    /// Image whose region becomes FLASH in memory.x (hcpu, ota-manager, bootloader, or a
    /// number) [default: hcpu]
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<ImageId>,
    /// Region tag that becomes RAM in memory.x [default: HCPU_RAM_DATA]
    #[arg(long, value_name = "TAG")]
    pub ram: Option<String>,
    /// Region tag that becomes PSRAM in memory.x [default: PSRAM_DATA, left out if the layout
    /// lacks it; a TAG given must be in the layout]
    #[arg(long, value_name = "TAG")]
    pub psram: Option<String>,
    /// Leave PSRAM out of memory.x, even if the layout has a PSRAM region
    #[arg(long, conflicts_with = "psram")]
    pub no_psram: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
}

/// Runs one `imgtool layout` subcommand.
pub fn run(c: Command) -> Result<Outcome> {
    match c {
        Command::Import(a) => import(a),
        Command::Show(a) => show(a),
        Command::Export(a) => export_files(a),
        Command::List => {
            for n in Layout::bundled_names() {
                super::print::say!("{n}");
            }
            Ok(Outcome::Ok)
        }
    }
}

fn import(a: ImportArgs) -> Result<Outcome> {
    let out = plan_output(&a.output, &[&a.ptab], a.force.force)?;
    let text = read_text(&a.ptab, Limit::SMALL)?;
    // The layout is named after its file; on standard output, after the ptab file.
    let named_after = if out.is_stdout() { &a.ptab } else { &a.output };
    let name = named_after
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .with_context(|| format!("output path {} has no file name", a.output.display()))?;
    let opts = ImportOptions {
        chip: a.chip,
        memory_kinds: parse_pairs(&a.memory_kinds, "--memory-kind", |v| {
            Ok(v.parse::<MemoryKind>()?)
        })?,
        erase_units: parse_pairs(&a.erase_units, "--erase-unit", parse_size)?,
        description: Some(import_description(&a.ptab)),
    };
    let layout = ptab::import(&name, &text, &opts)
        .with_context(|| format!("cannot import {}", a.ptab.display()))?;
    write(&out, layout.to_toml_string().as_bytes(), Mode::Public)?;
    super::print::say_line(format_args!(
        "wrote {} ({} memories, {} regions)",
        out.display(),
        layout.memories.len(),
        layout.regions.len()
    ));
    Ok(Outcome::Ok)
}

/// The description an imported layout carries: the source file name (no directory, so the
/// output does not depend on where the command ran).
pub fn import_description(ptab: &Path) -> String {
    let file = ptab.file_name().map_or_else(
        || ptab.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    ptab::source_description(&file)
}

fn parse_pairs<T>(
    items: &[String],
    flag: &str,
    parse: impl Fn(&str) -> Result<T>,
) -> Result<std::collections::BTreeMap<String, T>> {
    let mut out = std::collections::BTreeMap::new();
    for item in items {
        let Some((name, value)) = item.split_once('=') else {
            bail!("{flag} {item:?}: expected NAME=VALUE");
        };
        let v = parse(value).with_context(|| format!("{flag} {item:?}"))?;
        if out.insert(name.to_string(), v).is_some() {
            bail!("{flag} {name} is given twice; give each once");
        }
    }
    Ok(out)
}

fn parse_size(s: &str) -> Result<u32> {
    super::common_args::number::<u32>(s).map_err(anyhow::Error::msg)
}

fn show(a: ShowArgs) -> Result<Outcome> {
    let mut layout = Layout::resolve_unvalidated_with(&a.layout, fsio::input::read_small_text)?;
    print!("{}", layout::show::render(&layout));
    match layout.validate() {
        Ok(()) => Ok(Outcome::Ok),
        Err(e) => {
            eprintln!("error: {}: {e}", a.layout);
            Ok(Outcome::VerificationFailed)
        }
    }
}

fn export_files(a: ExportArgs) -> Result<Outcome> {
    if a.c_header.is_none() && a.memory_x.is_none() {
        bail!("nothing to export: give --c-header FILE and/or --memory-x FILE");
    }
    if a.memory_x.is_none() {
        let given = [
            ("--image", a.image.is_some()),
            ("--ram", a.ram.is_some()),
            ("--psram", a.psram.is_some()),
            ("--no-psram", a.no_psram),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
            bail!(
                "{flag} shapes the memory.x, and no --memory-x FILE is given (the C \
                 header lists every region): add --memory-x FILE or leave {flag} out"
            );
        }
    }
    let named: Vec<(&str, &Path)> = [("--c-header", &a.c_header), ("--memory-x", &a.memory_x)]
        .into_iter()
        .filter_map(|(flag, p)| Some((flag, p.as_deref()?)))
        .collect();
    let planned = plan_outputs(&named, &[Path::new(&a.layout)], a.force.force)?;
    let mut planned = planned.into_iter();
    let dests = [
        a.c_header.as_ref().and_then(|_| planned.next()),
        a.memory_x.as_ref().and_then(|_| planned.next()),
    ];
    let layout = Layout::resolve_with(&a.layout, fsio::input::read_small_text)?;
    // Build every output before writing any, so an error leaves no partial set of files.
    let header = a.c_header.as_ref().map(|_| export::c_header(&layout));
    let memx = match &a.memory_x {
        Some(_) => {
            let defaults = MemoryXOptions::default();
            // The default PSRAM tag is left out when the layout lacks it; a tag given is not.
            for (flag, tag) in [("--ram", &a.ram), ("--psram", &a.psram)] {
                if let Some(tag) = tag.as_deref() {
                    refuse_missing_tag(&layout, flag, tag)?;
                }
            }
            let opts = MemoryXOptions {
                image: a.image.unwrap_or(defaults.image),
                ram: a.ram.unwrap_or(defaults.ram),
                psram: if a.no_psram {
                    None
                } else {
                    a.psram.or(defaults.psram)
                },
            };
            Some(export::memory_x_for(&layout, &opts)?)
        }
        None => None,
    };
    // Both or neither (a file and a FIFO: the FIFO first, nothing replaced if it fails).
    let files: Vec<_> = [(&dests[0], header), (&dests[1], memx)]
        .into_iter()
        .filter_map(|(d, text)| Some((d.clone()?, text?)))
        .collect();
    let files: Vec<_> = files
        .iter()
        .map(|(d, t)| (d.clone(), t.as_bytes()))
        .collect();
    commit(&files, Mode::Public)?;
    Ok(Outcome::Ok)
}

/// Refuses `flag TAG` when no region of the layout has that tag, naming the tags it has.
fn refuse_missing_tag(layout: &Layout, flag: &str, tag: &str) -> Result<()> {
    if layout.region_by_tag(tag).is_some() {
        return Ok(());
    }
    let mut tags: Vec<&str> = Vec::new();
    for t in layout.regions.iter().flat_map(|r| &r.tags) {
        if !tags.contains(&t.as_str()) {
            tags.push(t);
        }
    }
    let hint = if flag == "--psram" {
        " (--no-psram leaves PSRAM out)"
    } else {
        ""
    };
    bail!(
        "{flag} {tag}: layout {} has no region tagged {tag}; give one of its tags{hint}: {}",
        layout.name,
        if tags.is_empty() {
            "none".to_string()
        } else {
            tags.join(", ")
        }
    )
}
