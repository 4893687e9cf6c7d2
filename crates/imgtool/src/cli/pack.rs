//! `imgtool pack`: app ELF + DFU installer ELF (+ resources) + layout -> `offline_install.bin`
//! and `manifest.json`. The work is [`crate::pack`]; this module parses arguments and prints.

use super::Outcome;
use crate::pack::{
    plan_package, write_package, Compression, ImageSpec, LayoutRef, PackConfig, PlannedPackage,
};
use anyhow::{bail, Context, Result};
use ezip::Level;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Examples:
  imgtool pack --config testdata/examples/sf32lb52x-eh-lb523/ota.toml -o out/
      Everything from ota.toml (layout, images, compression; see docs/ota-toml.md).
  imgtool pack --layout sf32lb52x-eh-lb523 --image hcpu=build/main.elf \\
               --image ota-manager=build/dfu.elf -o out/
      App and DFU installer in one package: the app installs the new installer, which then
      installs the new app.
  imgtool pack --layout board.toml --image hcpu=build/main.elf -o out/
      App only (the installer on the device stays as it is).
  imgtool pack --layout board.toml --image dfu=build/dfu.elf --image res:none=res.bin -o out/
      Installer only, plus a resource image stored raw (flag 0).

Inputs: an ELF is converted by load address, taking the bytes that lie in the image's
destination region of the layout; any other file is taken as is. Image ids: hcpu, lcpu, patch,
res, font, ex, ota-manager (alias dfu), tiny-font, res-upgrade, bootloader, or a number.

Writes OUT/offline_install.bin (what the app downloads into DFU_DOWNLOAD_REGION) and
OUT/manifest.json (ids, sizes, SHA-256 digests, CRC), after checking that every image fits its
region, the package fits DFU_DOWNLOAD_REGION, and each ELF's bytes lie in its image's region.
Same inputs, same bytes. See docs/packages.md.";

/// Arguments of `imgtool pack`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Read layout, images and options from this ota.toml (command-line options override it)
    #[arg(long, value_name = "OTA_TOML", conflicts_with = "images")]
    pub config: Option<PathBuf>,

    /// Board layout: a layout .toml file or a bundled layout name; without one, region and
    /// size checks are skipped
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<String>,

    /// An image: ID=PATH, or ID:COMPRESS=PATH to override --compress for it
    /// (e.g. hcpu=build/main.elf, dfu=build/dfu.elf, res:none=res.bin); repeat for each image,
    /// in package order
    #[arg(long = "image", value_name = "ID=PATH", value_parser = parse_image)]
    pub images: Vec<ImageSpec>,

    /// Storage of the images: gzip (flag 16, EZIP engine, the default), zlib (flag 16) or none
    /// (flag 0, raw)
    #[arg(long, value_name = "MODE")]
    pub compress: Option<Compression>,

    /// Compression effort: fast, default (measured no larger in total than the vendor's zlib -9
    /// per chunk) or best
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<Level>,

    /// Uncompressed chunk size of compressed images (the device allocates a buffer this
    /// big; default 10240; a multiple of 2048 on NAND boards)
    #[arg(long, value_name = "BYTES")]
    pub pksize: Option<u32>,

    /// Output directory (created if missing)
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,

    /// Release information and signing (docs/signing.md)
    #[command(flatten)]
    pub signing: super::signing::PackSignArgs,
}

/// Parses `ID=PATH` or `ID:COMPRESS=PATH`.
fn parse_image(s: &str) -> Result<ImageSpec, String> {
    let (key, path) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected ID=PATH, e.g. hcpu=build/main.elf"))?;
    let (id, compression) = match key.split_once(':') {
        Some((id, c)) => (
            id,
            Some(c.parse::<Compression>().map_err(|e| e.to_string())?),
        ),
        None => (key, None),
    };
    if path.is_empty() {
        return Err(format!("{s:?}: the path after '=' is empty"));
    }
    Ok(ImageSpec {
        id: id.parse().map_err(|e| format!("{e}"))?,
        path: PathBuf::from(path),
        compression,
    })
}

fn config_from(args: &Args) -> Result<PackConfig> {
    let mut config = match &args.config {
        Some(path) => PackConfig::from_toml_file(path)?,
        None => {
            if args.images.is_empty() {
                bail!("nothing to pack: give --config ota.toml or at least one --image ID=PATH");
            }
            PackConfig {
                images: args.images.clone(),
                ..PackConfig::default()
            }
        }
    };
    if let Some(l) = &args.layout {
        config.layout = Some(LayoutRef::parse(l, Path::new("")));
    }
    if let Some(c) = args.compress {
        config.options.compression = c;
    }
    if let Some(l) = args.level {
        config.options.level = l;
    }
    if let Some(p) = args.pksize {
        config.options.pksize = p;
    }
    Ok(config)
}

/// Runs `imgtool pack`.
pub fn run(args: Args) -> Result<Outcome> {
    let config = config_from(&args)?;
    let mut planned = plan_package(&config).context("nothing written")?;
    let key = config.options.sign.as_ref();
    args.signing
        .apply(&mut planned, key)
        .context("nothing written")?;
    for note in &planned.notes {
        eprintln!("note: {note}");
    }
    let written = write_package(&planned, &args.output)?;
    print_table(&planned);
    println!(
        "wrote {} ({} bytes) and {}",
        written.package.display(),
        planned.bytes.len(),
        written.manifest.display()
    );
    Ok(Outcome::Ok)
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

fn print_table(p: &PlannedPackage) {
    println!(
        "{:<3} {:<16} {:<6} {:>10} {:>10} {:>7}  {:<24} {:>7}  source",
        "#", "image", "flag", "raw", "payload", "ratio", "region", "fill"
    );
    for (i, im) in p.images.iter().enumerate() {
        let (region, fill) = match &im.region {
            Some(r) => (r.name.clone(), percent(r.used, r.size)),
            None => ("-".into(), "-".into()),
        };
        println!(
            "{:<3} {:<16} {:<6} {:>10} {:>10} {:>7}  {:<24} {:>7}  {}",
            i,
            format!("{} ({})", im.id, im.id.0),
            format!("{}/{}", im.flag.to_u8(), im.compression),
            im.raw_len,
            im.payload_len,
            percent(im.payload_len as u64, im.raw_len as u64),
            region,
            fill,
            im.source.display()
        );
    }
    let m = &p.manifest;
    println!(
        "package: {} bytes, crc {:#010x}, sha256 {}, layout {}",
        p.bytes.len(),
        m.body_crc,
        hex(&m.body_sha256),
        p.layout_name.as_deref().unwrap_or("none")
    );
    if let Some(d) = &p.download {
        println!(
            "{}: {} of {} bytes used ({})",
            d.name,
            d.used,
            d.size,
            percent(d.used, d.size)
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use layout::ImageId;

    #[test]
    fn image_argument_forms() {
        let s = parse_image("dfu=build/dfu.elf").unwrap();
        assert_eq!(s.id, ImageId::OTA_MANAGER);
        assert_eq!(s.path, PathBuf::from("build/dfu.elf"));
        assert_eq!(s.compression, None);
        let s = parse_image("res:none=a=b.bin").unwrap();
        assert_eq!(s.id, ImageId::RES);
        assert_eq!(s.path, PathBuf::from("a=b.bin"));
        assert_eq!(s.compression, Some(Compression::None));
        assert!(parse_image("hcpu").is_err());
        assert!(parse_image("hcpu=").is_err());
        assert!(parse_image("app=x.elf").is_err());
        assert!(parse_image("hcpu:lzma=x.elf").is_err());
    }
}
