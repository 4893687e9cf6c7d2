//! `imgtool gen-dfu`: the vendor packer's command line (`imgtoolv37 gen_dfu`), so existing
//! build scripts switch by changing the program name. Produces the same offline package v2,
//! with imgtool's compressor and the device-safe byte after each compressed payload.

mod args;
mod vendor_secure;

pub use args::Args;

use super::common_args::plural;
use super::Outcome;
use anyhow::{bail, Context, Result};
use imgtool::pack::{plan_package, Compression, ImageSpec, PackConfig, PackOptions};
use package::Flag;
use std::path::{Path, PathBuf};

/// The images of `--img_para` for offline package v2: flag 0 raw, 16 compressed with `codec`.
fn image_specs(args: &Args, dir: &Path, codec: ezip::Mode) -> Result<Vec<ImageSpec>> {
    let mut specs = Vec::new();
    for image in args.images.images()? {
        let (stem, flag) = (&image.stem, image.flag);
        let compression = match u8::try_from(flag).ok().and_then(Flag::from_u8) {
            Some(Flag::Raw) => Compression::None,
            Some(Flag::Compressed) => Compression::Codec(codec),
            None if flag & 1 != 0 => bail!(
                "--img_para {stem}: flag {flag} asks for encryption, which offline package v2 \
                 does not have; the secure online files need --offline_img=0 with --key/--sigkey"
            ),
            None => bail!(
                "--img_para {stem}: flag {flag} is not supported; offline package v2 flags are \
                 0 (raw) and 16 (compressed) (the device would decompress any other non-zero flag)"
            ),
        };
        specs.push(ImageSpec {
            id: image.id,
            path: dir.join(format!("{stem}.bin")),
            compression: Some(compression),
            // The vendor tool packs STEM.bin files as they are.
            format: imgtool::pack::InputFormat::Bin,
        });
    }
    Ok(specs)
}

/// Where offline package v2 reads its STEM.bin files and writes offline_install.bin. The
/// newest vendor packer reads them from `--dst_dir` and writes to the current directory
/// (shared doc, gen_dfu output naming); without it, `--dir` and `-o` (default: `--dir`).
fn package_v2_dirs(args: &Args) -> Result<(PathBuf, PathBuf)> {
    let Some(dst) = &args.vendor.dst_dir else {
        let out = args.output.clone().unwrap_or_else(|| args.dir.clone());
        return Ok((args.dir.clone(), out));
    };
    if args.dir != Path::new(".") {
        bail!(
            "--dst_dir {} and --dir {}: with --offline_img 2 both name the input directory \
             (--dst_dir as the newest vendor packer reads it); give one",
            dst.display(),
            args.dir.display()
        );
    }
    let out = args.output.clone().unwrap_or_else(|| PathBuf::from("."));
    Ok((dst.clone(), out))
}

/// Runs `imgtool gen-dfu`.
pub fn run(args: Args) -> Result<Outcome> {
    let offline = args
        .offline_img
        .unwrap_or(if args.vendor.any_key() { 0 } else { 2 });
    if offline != 2 {
        return vendor_secure::run(&args, offline);
    }
    args.passphrase.refuse_unused(
        "an offline package v2 is not signed (it unlocks --sigkey's STEM_pri.pem)",
    )?;
    if args.vendor.any_key() {
        bail!("--key/--sigkey apply to --offline_img 0 and 1 (as does --rsa-sign-command); offline package v2 is not encrypted or RSA-signed");
    }
    let (vendor, own) = args.vendor.unused_by_package_v2();
    if !own.is_empty() {
        bail!(
            "{} {} to the secure online files (--offline_img 0 or 1); an offline package v2 has \
             no control packet or records: leave {} out",
            own.join(", "),
            plural(own.len(), "applies", "apply"),
            plural(own.len(), "it", "them")
        );
    }
    if !vendor.is_empty() {
        // Warn rather than refuse: the vendor packer takes and ignores them, and build scripts
        // that pass them must keep working.
        eprintln!(
            "warning: {} do nothing with --offline_img 2: an offline package v2 has no control \
             packet or records (the vendor packer ignores them too)",
            vendor.join(", ")
        );
    }
    let (in_dir, out_dir) = package_v2_dirs(&args)?;
    let codec = args.images.codec()?;
    let config = PackConfig {
        layout: None,
        images: image_specs(&args, &in_dir, codec)?,
        options: PackOptions {
            compression: Compression::Codec(codec),
            pksize: args.pksize,
            allow_large_pksize: args.allow_large_pksize,
            ..PackOptions::default()
        },
    };
    let inputs: Vec<&std::path::Path> = config.images.iter().map(|i| i.path.as_path()).collect();
    let dest = fsio::output::plan_output_dir(
        &out_dir,
        &[imgtool::pack::PACKAGE_FILE],
        &inputs,
        args.force.force,
    )?
    .remove(0);
    let planned = plan_package(&config).context("nothing written")?;
    for warning in &planned.warnings {
        eprintln!("warning: {warning}");
    }
    fsio::output::write(&dest, &planned.bytes, fsio::output::Mode::Public)?;
    let out = out_dir.join(imgtool::pack::PACKAGE_FILE);
    for (i, im) in planned.images.iter().enumerate() {
        println!(
            "{i}: {} -> image {} ({}), flag {}, {} -> {} bytes",
            im.source.display(),
            im.id.0,
            im.id,
            im.flag.to_u8(),
            im.raw_len,
            im.payload_len
        );
    }
    println!("wrote {} ({} bytes)", out.display(), planned.bytes.len());
    Ok(Outcome::Ok)
}
