//! `imgtool simulate`: install a package on a simulated device, optionally cutting power before
//! every flash operation, and report whether any cut bricks it.
//!
//! The device model is the `simulator` crate; this module loads the inputs, turns a layout into
//! the simulator's flash map and prints the reports.

use super::Outcome;
use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use fsio::input::Limit;
use layout::{ImageId, Layout};
use simulator::{Class, FlashMap, OldImages, PowerCutReport, RunReport, Scenario};
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Examples:
  imgtool simulate --layout sf32lb52x-eh-lb523 out/offline_install.bin
  imgtool simulate --layout board.toml pkg.bin --power-cut all
  imgtool simulate --layout board.toml pkg.bin --old-app v1/hcpu.bin --power-cut 17
  imgtool simulate --layout board.toml pkg.bin --power-cut all --app-resumes

What is modelled: NOR flash (erase sets a whole erase unit to 0xFF, programming only clears
bits), the force-mode register (survives a reset, lost on power loss), the bootloader (force
mode first, else install-state 0x7F starts the installer), the app's install step (CRC check,
writes the installer image if the package has one, force mode -> installer, reset) and the
installer (CRC check, state 0x7F, every other image in table order decoded chunk by chunk,
state 0x3F, force mode -> user, reset).

--power-cut all re-runs the flow once per flash operation (each erase unit erased, each program
call), losing power just before it, then lets the device boot until it settles. Each cut ends
as: new firmware installed, old firmware intact, latent (an app runs but a region nothing
starts right now is half-written; the report says what the next install does to it), or
broken (the bootloader starts a program that is not fully written, or the device loops).

Exit codes: 0 every outcome safe and the uncut run installs exactly what `unpack` gives,
1 a cut ends broken or the uncut run does not install exactly, 2 error.";

/// Arguments of `imgtool simulate`.
#[derive(ClapArgs, Debug)]
#[command(after_help = AFTER_HELP,
    mut_arg("layout", |a| a.help("Flash layout: a layout file (.toml) or a bundled layout name")))]
pub struct Args {
    /// The package (offline_install.bin) as the app stored it in DFU_DOWNLOAD_REGION
    pub package: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub layout: super::common_args::LayoutArg,
    /// Raw image the device runs in HCPU_FLASH_CODE before the update (default: synthetic)
    #[arg(long, value_name = "FILE")]
    pub old_app: Option<PathBuf>,
    /// Raw installer in DFU_FLASH_CODE before the update (default: synthetic)
    #[arg(long, value_name = "FILE")]
    pub old_dfu: Option<PathBuf>,
    /// Power cuts: `none`, `all` (one run per flash operation) or an operation number (one
    /// run, with its full trace)
    #[arg(long, default_value = "none", value_name = "none|all|N")]
    pub power_cut: String,
    /// Compression the installer was built for (default: detected from the package)
    #[arg(
        long,
        value_name = "gzip|zlib",
        value_parser = super::common_args::installable_codec(),
        hide_possible_values = true
    )]
    pub com_type: Option<ezip::Mode>,
    /// Model an app with the mitigation for the installer window: at each boot it re-runs the
    /// install step for a stored package that was never installed (state 0xFF). The vendor
    /// app does not; compare the two sweeps.
    #[arg(long)]
    pub app_resumes: bool,
    /// Refuse --power-cut all when the flow has more flash operations than this: the sweep
    /// re-runs the flow once per operation, so its time grows with the square (a full 3 MiB
    /// app region is about 1100 operations; a tiny --pksize makes many more). Only with
    /// --power-cut all [default: 4000]
    #[arg(long, value_name = "N", value_parser = super::common_args::number::<usize>)]
    pub max_ops: Option<usize>,
}

/// `--max-ops` when it is not given.
const DEFAULT_MAX_OPS: usize = 4_000;

enum Cuts {
    None,
    All,
    One(u64),
}

/// Runs `imgtool simulate`.
pub fn run(args: Args) -> Result<Outcome> {
    let cuts = match args.power_cut.as_str() {
        "none" => Cuts::None,
        "all" => Cuts::All,
        n => Cuts::One(super::common_args::number::<u64>(n).map_err(|e| {
            anyhow::anyhow!("--power-cut {n:?}: expected none, all or an operation number ({e})")
        })?),
    };
    if !matches!(cuts, Cuts::All) {
        super::common_args::refuse_inapplicable(
            &[("--max-ops", args.max_ops.is_some())],
            &format!("--power-cut {}", args.power_cut),
            "it limits the sweep of --power-cut all, and no sweep runs",
            "use --power-cut all",
        )?;
    }
    let layout = args.layout.resolve()?;
    let map = FlashMap::from_layout(&layout)?;
    let limit = |id: u8| map.region_for(id).map_or(0, |r| r.size);
    let package = read_bounded(&args.package, map.download().size)?;
    let old = OldImages {
        app: read_optional(args.old_app.as_deref(), limit(simulator::map::ID_APP))?,
        installer: read_optional(args.old_dfu.as_deref(), limit(simulator::map::ID_INSTALLER))?,
    };
    let mut scenario = Scenario::new(map, &package, old)
        .with_context(|| format!("{}: cannot simulate", args.package.display()))?;
    if let Some(c) = args.com_type {
        scenario = scenario.with_com_type(c);
    }
    scenario = scenario.with_app_resume(args.app_resumes);
    print_setup(&args, &layout, &scenario);
    match cuts {
        Cuts::None => Ok(verdict(print_run(&scenario.run()))),
        Cuts::One(op) => print_one_cut(&scenario, op),
        Cuts::All => {
            let ops = scenario.run().ops.len();
            let max_ops = args.max_ops.unwrap_or(DEFAULT_MAX_OPS);
            if ops > max_ops {
                bail!(
                    "the flow has {ops} flash operations, more than --max-ops {max_ops}: a full \
                     sweep re-runs it {ops} times; raise --max-ops, pick single cuts with \
                     --power-cut N, or pack with a larger --pksize"
                );
            }
            let sweep = scenario.power_cuts();
            let ok = print_run(&sweep.reference);
            let safe = print_sweep(&scenario, &sweep);
            Ok(verdict(ok && safe))
        }
    }
}

/// Reads a file no larger than the flash region it models, checking the size before reading.
fn read_bounded(path: &Path, limit: u32) -> Result<Vec<u8>> {
    let limit = Limit::new("the flash region it models", u64::from(limit));
    Ok(fsio::input::read_bounded(path, limit)?)
}

/// Reads an old firmware image: the raw bytes of its region, as `imgtool elf2bin --layout`
/// writes them. An ELF here would be installed as garbage.
fn read_optional(path: Option<&Path>, limit: u32) -> Result<Option<Vec<u8>>> {
    let Some(p) = path else {
        return Ok(None);
    };
    let bytes = read_bounded(p, limit)?;
    if bytes.starts_with(b"\x7fELF") {
        bail!(
            "{}: this is an ELF file; --old-app and --old-dfu take the raw image of the region \
             (make it with: imgtool elf2bin {} --layout LAYOUT -o DIR)",
            p.display(),
            p.display()
        );
    }
    Ok(Some(bytes))
}

fn verdict(ok: bool) -> Outcome {
    if ok {
        Outcome::Ok
    } else {
        Outcome::VerificationFailed
    }
}

fn print_setup(args: &Args, layout: &Layout, s: &Scenario) {
    let map = s.map();
    let dl = map.download();
    println!(
        "layout {}: NOR erase unit {} bytes; package stored in {} at {:#010x} ({} bytes)",
        layout.name,
        map.erase_unit(),
        dl.name,
        dl.start,
        dl.size
    );
    println!(
        "package {}: {}, installer decodes {} packets",
        args.package.display(),
        super::count(s.images().len(), "image"),
        s.com_type().name()
    );
    for img in s.images() {
        let r = map.region_for(img.id).expect("checked by Scenario::new");
        println!(
            "  [{}] image {} ({}) -> {} at {:#010x}: {} bytes",
            img.index,
            img.id,
            ImageId(img.id),
            r.name,
            r.start,
            img.bytes.len()
        );
    }
    let source = |p: &Option<PathBuf>| {
        p.as_ref()
            .map_or("synthetic".to_string(), |p| p.display().to_string())
    };
    println!(
        "old firmware: app {}, installer {}; app {}",
        source(&args.old_app),
        source(&args.old_dfu),
        if args.app_resumes {
            "resumes a stored, never-installed package at boot (--app-resumes)"
        } else {
            "as the vendor's (installs only when told to)"
        }
    );
}

/// Prints the uncut run; true when it installed exactly what `unpack` gives.
fn print_run(r: &RunReport) -> bool {
    let erases = r
        .ops
        .iter()
        .filter(|o| o.kind == simulator::OpKind::Erase)
        .count();
    println!(
        "\nrun without power cut ({} flash operations: {erases} erases, {} program calls):",
        r.ops.len(),
        r.ops.len() - erases
    );
    for line in &r.trace {
        println!("  {line}");
    }
    println!("final regions against unpack:");
    for c in &r.checks {
        match c.first_difference {
            None => println!(
                "  image {} {} at {:#010x}: {} bytes, identical",
                c.id, c.region, c.start, c.len
            ),
            Some(at) => println!(
                "  image {} {} at {:#010x}: DIFFERS from byte {at} (address {:#010x}) of {}",
                c.id,
                c.region,
                c.start,
                u64::from(c.start) + at as u64,
                c.len
            ),
        }
    }
    println!("result: {}", r.outcome);
    r.passed()
}

fn print_one_cut(s: &Scenario, op: u64) -> Result<Outcome> {
    let reference = s.run();
    let Some(cut) = reference.ops.get(op as usize) else {
        bail!(
            "--power-cut {op}: the flow has only {} flash operations (0..={})",
            reference.ops.len(),
            reference.ops.len().saturating_sub(1)
        );
    };
    println!("\npower cut before {cut}");
    let (outcome, trace) = s.run_with_cut(op);
    for line in &trace {
        println!("  {line}");
    }
    Ok(verdict(!matches!(outcome, simulator::Outcome::Broken(_))))
}

/// Prints counts, windows and the first broken trace; true when no cut ends broken.
fn print_sweep(s: &Scenario, sweep: &PowerCutReport) -> bool {
    println!(
        "\n{} power cuts: {} new firmware installed, {} old firmware intact, {} latent, {} broken",
        sweep.cuts.len(),
        sweep.count(Class::New),
        sweep.count(Class::Old),
        sweep.count(Class::Latent),
        sweep.count(Class::Broken)
    );
    println!("windows (consecutive cuts with the same end state):");
    for w in sweep.windows() {
        println!(
            "  ops {} to {} ({} cut{}): {}",
            w.first.index,
            w.last.index,
            w.len(),
            if w.len() == 1 { "" } else { "s" },
            w.outcome
        );
        println!("    from {}", w.first);
        if w.len() > 1 {
            println!("    to   {}", w.last);
        }
        if w.outcome.class() == Class::Latent {
            let f = s.follow_ups(w.first.index);
            println!("    next install, same package retried: {}", f.retry);
            println!(
                "    next install, a package without the installer: {}",
                f.without_installer
            );
        }
    }
    match sweep.first_broken() {
        None => {
            println!("no power cut bricks the device");
            true
        }
        Some(b) => {
            println!("\nfirst broken cut: power lost before {}", b.op);
            for line in &b.trace {
                println!("  {line}");
            }
            false
        }
    }
}
