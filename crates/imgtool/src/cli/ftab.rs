//! `imgtool ftab`: build the flash table (`struct sec_configuration`) for a board layout, and
//! show any flash table binary (the SDK's example tables, or one read back from a device).

use super::Outcome;
use anyhow::{bail, Context, Result};
use secure::ftab::{build_ftab, SecConfiguration};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  imgtool ftab build --layout sf32lb52x-eh-lb523 --sig-pub sig_pub.pem -o ftab.bin
  imgtool ftab build --layout board.toml --length main=0x6de9b8 -o ftab.bin
  imgtool ftab show ftab.bin
  imgtool ftab show example/flash_table/ftab_qspi1_sec.bin --json

build lays the table out as the SDK build's ftab project does (docs/secure-dfu.md): the DFU
installer in ftab[2]/imgs[0] (running_imgs[LCPU]), the bootloader in ftab[3] and [7], main in
ftab[4] and [8]. imgs[].length is the region size unless --length NAME=BYTES gives the image
size (the SDK writes build-time sizes, which a larger OTA image outgrows on boards that copy
code to RAM); NAME must be an ftab entry of the layout, and BYTES from 1 to its region's size. --sig-pub writes the RSA public key's DER at 0x104 (the SDK leaves it zero).";

/// `imgtool ftab` subcommands.
#[derive(clap::Subcommand, Debug)]
#[command(after_help = AFTER_HELP)]
pub enum Command {
    /// Write the flash table for a board layout
    Build(BuildArgs),
    /// Describe a flash table binary (text, or --json)
    Show(ShowArgs),
}

/// Arguments of `ftab build`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct BuildArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub layout: super::common_args::LayoutArg,

    /// RSA-2048 public key for sig_pub_key (sig_pub.pem / sig_pub.der)
    #[arg(long, value_name = "PUB")]
    pub sig_pub: Option<PathBuf>,

    /// Image length of an ftab entry (main, dfu, bootloader, ...): NAME=BYTES; repeat
    #[arg(long = "length", value_name = "NAME=BYTES", value_parser = parse_length)]
    pub lengths: Vec<(String, u32)>,

    /// Output file
    #[arg(short, long, value_name = "FTAB.bin")]
    pub output: PathBuf,
}

/// Arguments of `ftab show`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct ShowArgs {
    /// The flash table binary
    pub ftab: PathBuf,

    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

fn parse_length(s: &str) -> Result<(String, u32), String> {
    let (name, n) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected NAME=BYTES"))?;
    let v = super::common_args::number::<u32>(n).map_err(|e| format!("{s:?}: {e}"))?;
    Ok((name.to_string(), v))
}

/// Runs `imgtool ftab`.
pub fn run(c: Command) -> Result<Outcome> {
    match c {
        Command::Build(a) => build(a),
        Command::Show(a) => show(a),
    }
}

fn build(a: BuildArgs) -> Result<Outcome> {
    let mut inputs = vec![std::path::Path::new(&a.layout.layout)];
    inputs.extend(a.sig_pub.as_deref());
    let dest = fsio::output::plan_output(&a.output, &inputs, fsio::output::Force::NotOffered)?;
    let layout = a.layout.resolve()?;
    let key = a
        .sig_pub
        .as_deref()
        .map(super::secure::load_verifier)
        .transpose()?;
    check_lengths(&layout, &a.lengths)?;
    let lengths = a.lengths.clone();
    let length_of = move |n: &str| lengths.iter().find(|(k, _)| k == n).map(|(_, v)| *v);
    let plan = build_ftab(&layout, key.as_ref(), &length_of).context("nothing written")?;
    for n in &plan.notes {
        eprintln!("note: {n}");
    }
    let bytes = plan.table.to_bytes();
    fsio::output::write(&dest, &bytes, fsio::output::Mode::Public)?;
    super::print::say!("{}", super::secure_check::ftab_text(&plan.table).trim_end());
    super::print::say!(
        "wrote {} ({} bytes, layout {})",
        a.output.display(),
        bytes.len(),
        layout.name
    );
    Ok(Outcome::Ok)
}

/// Refuses a `--length` the table cannot mean: a name that is no ftab entry of the layout, a
/// name given twice, 0, or more than the entry's region holds (the bootloader copies `length`
/// bytes from the region) or than the region it runs from holds (it copies them there).
fn check_lengths(layout: &layout::Layout, lengths: &[(String, u32)]) -> Result<()> {
    let entries: Vec<(&str, &layout::Region)> = layout
        .regions
        .iter()
        .filter_map(|r| {
            let f = r.ftab.as_ref()?;
            f.address
                .contains(&layout::FtabAddress::Base)
                .then_some((f.name.as_str(), r))
        })
        .collect();
    for (i, (name, len)) in lengths.iter().enumerate() {
        let Some((_, region)) = entries.iter().find(|(n, _)| n == name) else {
            let names: Vec<&str> = entries.iter().map(|(n, _)| *n).collect();
            bail!(
                "--length {name}={len}: layout {} has no ftab entry {name:?}; its entries: {}",
                layout.name,
                names.join(", ")
            );
        };
        if lengths[..i].iter().any(|(n, _)| n == name) {
            bail!("--length {name} is given twice; give each entry once");
        }
        if *len == 0 {
            bail!(
                "--length {name}=0: the bootloader would copy nothing; give the image size in \
                 bytes (e.g. of the .bin), or leave --length {name} out for the region size"
            );
        }
        if u64::from(*len) > region.size {
            bail!(
                "--length {name}={len} ({len:#x}) is more than region {} holds ({} bytes, \
                 {:#x}); the bootloader would copy past the end of the region",
                region.name(),
                region.size,
                region.size
            );
        }
        if let Some((run, size)) = run_region(layout, name, region) {
            if u64::from(*len) > size {
                bail!(
                    "--length {name}={len} ({len:#x}) is more than the entry's run region \
                     {run} holds ({size} bytes, {size:#x}); the image is copied there at boot \
                     and the copy would run past its end"
                );
            }
        }
    }
    Ok(())
}

/// Where the image of ftab entry `name` (stored in `base`) runs when that is another place:
/// the region marked as its `xip` address, else `base`'s own `xip_size`. Its name and size.
fn run_region(layout: &layout::Layout, name: &str, base: &layout::Region) -> Option<(String, u64)> {
    let xip = layout.regions.iter().find(|r| {
        r.ftab
            .as_ref()
            .is_some_and(|f| f.name == name && f.address.contains(&layout::FtabAddress::Xip))
            && !std::ptr::eq(*r, base)
    });
    match xip {
        Some(r) => Some((r.name().to_owned(), r.size)),
        None => base
            .xip_size
            .map(|s| (format!("{} (xip_size)", base.name()), s)),
    }
}

fn show(a: ShowArgs) -> Result<Outcome> {
    let bytes = super::secure::read_small(&a.ftab)?;
    let t = SecConfiguration::from_bytes(&bytes).with_context(|| a.ftab.display().to_string())?;
    if a.json {
        let v = super::secure_check::ftab_json(&t);
        super::print::say!("{}", serde_json::to_string_pretty(&v).expect("serialises"));
    } else {
        print!("{}", super::secure_check::ftab_text(&t));
    }
    Ok(Outcome::Ok)
}
