//! `imgtool unpack`: the bytes the device would write for each image of a package.

use super::Outcome;
use anyhow::{bail, Context, Result};
use package::v2::parse;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example:
  imgtool unpack out/offline_install.bin -o unpacked/
      Writes unpacked/0-hcpu.bin, unpacked/6-ota-manager.bin, ...

Each file holds what the installer writes to the image's region: the raw payload (flag 0) or
the decoded chunks (flag 16), which includes the zero padding to a multiple of 16 bytes.
Every image is decoded before the first file is written, so an error leaves no output.";

/// Arguments of `imgtool unpack`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The package (offline_install.bin)
    pub package: PathBuf,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: super::common_args::OutputDirArg,

    /// Unpack even if the package CRC does not match (the device would refuse the package).
    /// An offline package v2 only: a secure file has no package CRC, so it is refused there
    #[arg(long)]
    pub ignore_crc: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,

    /// Keys and record files for the secure artifacts (docs/secure-dfu.md)
    #[command(flatten)]
    pub secure: super::secure_check::SecureCheckArgs,
}

/// Runs `imgtool unpack`.
pub fn run(args: Args) -> Result<Outcome> {
    fsio::output::plan_output_dir(
        &args.output.output,
        &["one file per image"],
        &[&args.package],
        args.force.force,
    )?;
    let bytes = fsio::input::read_bounded(&args.package, fsio::input::Limit::PACKAGE)?;
    let kind = super::secure_check::detect(&bytes, &args.secure);
    let mut given = args.secure.given();
    if args.ignore_crc {
        given.push("--ignore-crc");
    }
    super::secure_check::refuse_unused(
        super::secure_check::Cmd::Unpack,
        kind,
        &given,
        &args.package,
    )?;
    if let Some(kind) = kind {
        return super::secure_check::unpack(
            &args.package,
            &bytes,
            kind,
            &args.secure,
            &args.output.output,
            args.force.force,
        );
    }
    let name = args.package.display();
    let pkg = parse(&bytes).with_context(|| format!("{name}"))?;
    if !pkg.crc_ok() && !args.ignore_crc {
        bail!(
            "{name}: crc at offset 0x00000008 is {:#010x} but the payloads give {:#010x}; the \
             device would refuse this package (--ignore-crc unpacks it anyway)",
            pkg.header.crc,
            pkg.computed_crc
        );
    }
    let mut files = Vec::with_capacity(pkg.images.len());
    for image in &pkg.images {
        let id = layout::ImageId(image.entry.image_id);
        let decoded = package::payload::decode(image.flag, image.payload).with_context(|| {
            format!(
                "{name}: image {} (id {id}, payload at {:#010x})",
                image.index, image.payload_offset
            )
        })?;
        let path =
            args.output
                .output
                .join(format!("{}-{}.bin", id.0, id.name().unwrap_or("image")));
        if files.iter().any(|(p, _)| *p == path) {
            bail!(
                "{name}: image id {id} appears twice (again at table entry {}); the device \
                 would install both into the same region",
                image.index
            );
        }
        files.push((path, decoded.image));
    }
    let mut planned = Vec::with_capacity(files.len());
    for (path, data) in &files {
        let dest = fsio::output::plan_output(path, &[&args.package], args.force.force)?;
        planned.push((dest, data.as_slice()));
    }
    // All files or none.
    fsio::output::commit(&planned, fsio::output::Mode::Public)?;
    for (dest, data) in &planned {
        println!("wrote {} ({} bytes)", dest.display(), data.len());
    }
    Ok(Outcome::Ok)
}
