//! `imgtool pack`: app ELF + DFU installer ELF (+ resources) + layout -> `offline_install.bin`
//! and `manifest.json`. The work is [`imgtool::pack`]; this module parses arguments and prints.

use super::Outcome;
use anyhow::{bail, Context, Result};
use clap::builder::TypedValueParser as _;
use ezip::Level;
use imgtool::pack::{
    plan_package_outputs, plan_package_streaming, write_planned_staged, Compression, ImageSpec,
    InputFormat, LayoutRef, PackConfig, PackageStage, PlannedPackage, Signing, MANIFEST_FILE,
    PACKAGE_FILE,
};
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
destination region of the layout; a raw image is taken as is. A *.elf name must hold an ELF
(a Git LFS pointer is an error); another name is an ELF if it starts with the ELF magic, else
raw; ID:bin=PATH or ID:elf=PATH says it explicitly. An OTA package is refused as an image.
Image ids: hcpu, lcpu, patch, res, font, ex, ota-manager (alias dfu), tiny-font, res-upgrade,
bootloader, or a number.
With a layout, an id the device's installer cannot install on that board is refused with the
reason (`imgtool layout show LAYOUT` lists the installable ids). A bootloader update gets a
warning, with or without a layout.

Writes OUT/offline_install.bin (what the app downloads into DFU_DOWNLOAD_REGION) and
OUT/manifest.json (ids, sizes, SHA-256 digests, CRC) together (if either cannot be written,
neither replaces the old one), after checking that every image fits its
region, the package fits DFU_DOWNLOAD_REGION, and each ELF's bytes lie in its image's region.
Same inputs, same bytes. See docs/packages.md.

The vendor's secure online flow (docs/secure-dfu.md):
  imgtool pack --layout sf32lb52x-eh-lb523 --image hcpu=build/main.elf -o out/ \\
               --secure --root-key keys/s01.bin --sign-key keys/sig_pri.pem
      Writes out/ctrl_packet.bin, out/outcom_hcpu.bin (records), out/com_hcpu.bin,
      out/enc_header.txt and out/manifest.json (every file with its SHA-256). --encrypt adds
      flag bit 0, --offline-v1 also writes the legacy offline package v1.
Keys in an HSM token (docs/signing.md): --sign / --sign-key take a pkcs11: URI, e.g.
  imgtool pack --config ota.toml -o out/ --sign 'pkcs11:token=release;object=fw-sign' \\
               --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin-file pin.txt
The command line wins over ota.toml, also with a value equal to the default; --no-encrypt and
--no-offline-v1 turn off the file's encrypt/offline_v1. Secure options without the secure
flow, and --sign/--unsigned/--min-hw/--min-sdk with it, are refused.";

/// Arguments of `imgtool pack`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP,
    mut_arg("layout", |a| a.help("Board layout: a layout .toml file or a bundled layout name; without one, region and size checks are skipped")),
    mut_arg("output", |a| a.help("Output directory (created if missing); it receives offline_install.bin and manifest.json")))]
pub struct Args {
    /// Read layout, images and options from this ota.toml (command-line options override it)
    #[arg(long, value_name = "OTA_TOML", conflicts_with = "images")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub layout: super::common_args::OptionalLayoutArg,

    /// An image: ID=PATH, or ID:OPT[:OPT]=PATH with OPT a storage overriding --compress
    /// (gzip, zlib, none) or an input format (elf, bin), e.g. hcpu=build/main.elf,
    /// dfu=build/dfu.elf, res:none:bin=res.bin; repeat for each image, in package order
    #[arg(long = "image", value_name = "ID=PATH", value_parser = image_parser())]
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
    /// big plus two packets; default 10240; a multiple of 2048 on NAND boards; above 65536
    /// only with --allow-large-pksize)
    #[arg(long, value_name = "BYTES", value_parser = super::common_args::number::<u32>)]
    pub pksize: Option<u32>,

    /// Accept a --pksize (or ota.toml pksize) above 65536 bytes: the device's installer must
    /// then have the heap pack reports free (pksize + 2 x the largest packet)
    #[arg(long)]
    pub allow_large_pksize: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: super::common_args::OutputDirArg,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,

    /// Release information and signing (docs/signing.md)
    #[command(flatten)]
    pub signing: super::signing::PackSignArgs,

    /// The vendor's secure online flow instead of offline package v2 (docs/secure-dfu.md)
    #[command(flatten)]
    pub secure: super::secure_pack::PackSecureArgs,

    /// The passphrase of an encrypted --sign or --sign-key key
    #[command(flatten)]
    pub passphrase: super::common_args::PassphraseArg,
}

/// `--image` from the raw argument: a PATH need not be UTF-8 (file names on Unix are bytes),
/// the ID and options must be; clap's own "invalid UTF-8" error would not say which argument.
fn image_parser() -> impl clap::builder::TypedValueParser<Value = ImageSpec> {
    clap::builder::OsStringValueParser::new().try_map(|arg| {
        if let Some(s) = arg.to_str() {
            return parse_image(s);
        }
        let shown = arg.to_string_lossy();
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let bytes = arg.as_bytes();
            if let Some(eq) = bytes.iter().position(|&b| b == b'=') {
                if let Ok(key) = std::str::from_utf8(&bytes[..eq]) {
                    let path = std::ffi::OsStr::from_bytes(&bytes[eq + 1..]);
                    let mut spec = parse_image(&format!("{key}=x"))?;
                    spec.path = PathBuf::from(path);
                    return Ok(spec);
                }
            }
        }
        Err(format!(
            "{shown:?} is not valid UTF-8 (shown with U+FFFD for the bad bytes); the ID and \
             options before '=' must be UTF-8 text, e.g. hcpu=build/main.elf"
        ))
    })
}

/// Parses `ID=PATH` or `ID:OPT[:OPT]=PATH`, each OPT a storage (gzip, zlib, none) or an
/// input format (elf, bin).
fn parse_image(s: &str) -> Result<ImageSpec, String> {
    let (key, path) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected ID=PATH, e.g. hcpu=build/main.elf"))?;
    let mut parts = key.split(':');
    let id = parts.next().unwrap_or_default();
    let (mut compression, mut format) = (None, InputFormat::Auto);
    for opt in parts {
        if let Ok(c) = opt.parse::<Compression>() {
            compression = Some(c);
        } else if let Ok(f) = opt.parse::<InputFormat>() {
            format = f;
        } else {
            return Err(format!(
                "{s:?}: {opt:?} is neither a storage (gzip, zlib, none) nor an input format \
                 (elf, bin)"
            ));
        }
    }
    if path.is_empty() {
        return Err(format!("{s:?}: the path after '=' is empty"));
    }
    Ok(ImageSpec {
        id: id.parse().map_err(|e| format!("{e}"))?,
        path: PathBuf::from(path),
        compression,
        format,
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
    if let Some(l) = &args.layout.layout {
        config.layout = Some(LayoutRef::parse(l, Path::new("")));
    }
    if let Some(c) = args.compress {
        config.options.compression = c;
        // The command line wins over ota.toml, per-image `compress` included. (With --image,
        // an ID:OPT storage is itself on the command line and stays more specific.)
        if args.config.is_some() {
            for image in &mut config.images {
                image.compression = None;
            }
        }
    }
    if let Some(l) = args.level {
        config.options.level = l;
    }
    if let Some(p) = args.pksize {
        config.options.pksize = p;
    }
    config.options.allow_large_pksize = args.allow_large_pksize;
    refuse_unused_compression_options(args, &config)?;
    Ok(config)
}

/// Refuses compression options that would change nothing: `--level`, `--pksize` and
/// `--allow-large-pksize` when every image is stored raw, and `--compress` when every
/// `--image` names its own storage (`ID:gzip=...`).
fn refuse_unused_compression_options(args: &Args, config: &PackConfig) -> Result<()> {
    let storage = |i: &ImageSpec| i.compression.unwrap_or(config.options.compression);
    if config
        .images
        .iter()
        .all(|i| storage(i) == Compression::None)
    {
        super::common_args::refuse_inapplicable(
            &[
                ("--level", args.level.is_some()),
                ("--pksize", args.pksize.is_some()),
                ("--allow-large-pksize", args.allow_large_pksize),
            ],
            "a package of raw images",
            "every image is stored raw (flag 0), so there is nothing to compress",
            "compress an image (--compress gzip, ID:gzip=PATH)",
        )?;
    }
    if args.config.is_none()
        && args.compress.is_some()
        && config.images.iter().all(|i| i.compression.is_some())
    {
        bail!(
            "--compress: every --image names its own storage (ID:gzip, ID:zlib or ID:none), \
             which wins; leave --compress out or drop the per-image storage"
        );
    }
    Ok(())
}

/// Every file `pack` reads, for the output == input check.
fn input_paths<'a>(args: &'a Args, config: &'a PackConfig) -> Vec<&'a Path> {
    let mut inputs: Vec<&Path> = config.images.iter().map(|i| i.path.as_path()).collect();
    inputs.extend(args.config.as_deref());
    if let Some(LayoutRef::File(p)) = &config.layout {
        inputs.push(p);
    }
    if let Some(sign::KeySource::File(p)) = &config.options.sign {
        inputs.push(p);
    }
    inputs.extend(args.signing.sign.as_deref().map(Path::new));
    inputs.extend(args.signing.sign_pub.as_deref());
    inputs.extend(args.passphrase.path());
    inputs
}

/// Runs `imgtool pack`.
pub fn run(args: Args) -> Result<Outcome> {
    let config = config_from(&args)?;
    let passphrase = args.passphrase.passphrase()?;
    let secure = super::secure_pack::resolve(&args.secure, args.config.as_deref())?;
    super::secure_pack::check_options(&args.secure, secure.is_some(), &args.signing)?;
    let dests = plan_package_outputs(
        &args.output.output,
        &input_paths(&args, &config),
        args.force.force,
    )?;
    // An unsigned package's file is its body: write and sync it while it is compressed.
    // Signed and secure packages are written whole, after signing.
    let key = config.options.sign.as_ref();
    let signing = args.signing.signing(key)?;
    if secure.is_none() && !matches!(signing, Signing::Token(_)) {
        let key = match &signing {
            Signing::Key(k) => k.to_string(),
            Signing::Command { .. } => "--sign-command".to_owned(),
            _ => "none: the package is not signed".to_owned(),
        };
        args.signing.pkcs11.refuse_unused(&key)?;
    }
    let reads_key = match &secure {
        Some(s) => super::secure_pack::reads_key_file(s),
        None => matches!(signing, Signing::Key(_)),
    };
    if !reads_key {
        args.passphrase.refuse_unused(
            "no private key file is read (it unlocks a --sign or --sign-key key file)",
        )?;
    }
    let body_is_file = secure.is_none() && signing == Signing::None;
    let stage = PackageStage::new(&dests[0], body_is_file);
    let (mut planned, early) =
        plan_package_streaming(&config, &stage).context("nothing written")?;
    let early = early.context("nothing written")?;
    if let Some(s) = &secure {
        if args.signing.sign.is_some() || config.options.sign.is_some() {
            anyhow::bail!("--secure signs with RSA (--sign-key); the ed25519 --sign is for offline package v2");
        }
        print_notes(&planned);
        let release = args.signing.release();
        return super::secure_pack::run(
            s,
            &args.signing.pkcs11,
            &release,
            &planned,
            &args.output.output,
            args.force.force,
            passphrase,
        );
    }
    let signed = args
        .signing
        .apply(&mut planned, key, passphrase.as_ref())
        .context("nothing written")?;
    print_notes(&planned);
    write_planned_staged(&planned, &dests, early)?;
    print_table(&planned);
    if let Some(key_id) = signed {
        println!("signed: ed25519, key id {key_id}");
    }
    println!(
        "wrote {} ({} bytes) and {}",
        args.output.output.join(PACKAGE_FILE).display(),
        planned.bytes.len(),
        args.output.output.join(MANIFEST_FILE).display()
    );
    // The process exits next: unmapping megabytes of payloads first would only add time
    // (compilers skip these frees the same way, e.g. clang's -disable-free).
    std::mem::forget(planned);
    Ok(Outcome::Ok)
}

/// The plan's notes and warnings (e.g. a bootloader update, a large pksize), on stderr.
fn print_notes(planned: &PlannedPackage) {
    for note in &planned.notes {
        eprintln!("note: {note}");
    }
    for warning in &planned.warnings {
        eprintln!("warning: {warning}");
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// SHA-256 of the package file as `sha256sum` prints it. An unsigned fresh package is its
/// body, whose digest the manifest already holds (install-state byte hashed as 0xFF, which
/// it is): hashing 4 MiB again cost 3% of a whole `pack`.
fn package_sha256(p: &PlannedPackage) -> String {
    let fresh = p.bytes.get(package::manifest::INSTALL_STATE_OFFSET)
        == Some(&package::v2::raw::INSTALL_STATE_FRESH);
    if fresh && p.bytes.len() == p.plan.total_len {
        hex(&p.manifest.body_sha256)
    } else {
        super::file_sha256(&p.bytes)
    }
}

fn print_table(p: &PlannedPackage) {
    println!(
        "{:<3} {:<16} {:<6} {:>10} {:>10} {:>7}  {:<24} {:>7}  source",
        "#", "image", "flag", "raw", "payload", "ratio", "region", "fill"
    );
    let mut padded = Vec::new();
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
        if im.written_len != im.raw_len {
            padded.push(format!(
                "{} ({}) {} bytes raw, {} installed",
                im.id, im.id.0, im.raw_len, im.written_len
            ));
        }
    }
    if !padded.is_empty() {
        // `inspect` and `unpack` see the installed size: say why the two differ.
        println!(
            "raw: the image's bytes; the device installs a compressed image zero-padded to a \
             multiple of 16 bytes, the size inspect and unpack show: {}",
            padded.join(", ")
        );
    }
    let m = &p.manifest;
    let body = if p.bytes.len() == p.plan.total_len {
        String::new()
    } else {
        format!(
            " (body {} bytes, body sha256 {})",
            p.plan.total_len,
            hex(&m.body_sha256)
        )
    };
    println!(
        "package: {} bytes, sha256 {}, crc {:#010x}, layout {}{body}",
        p.bytes.len(),
        package_sha256(p),
        m.body_crc,
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
