//! `imgtool verify`: does this package install correctly on the device (and fit the layout)?

use super::package_limit;
use super::Outcome;
use anyhow::Result;
use package::verify::{check, Severity};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  imgtool verify out/offline_install.bin
  imgtool verify out/offline_install.bin --layout sf32lb52x-eh-lb523

Checks: header (magic, version, image count, fresh install_state 0xff), the CRC-32/MPEG-2 over
the payloads, every table flag (0 or 16), that every payload lies in the file, that every
compressed packet decodes to its declared length, at most 3 bytes after the last packet, no
repeated image id, one codec (gzip or zlib) for all compressed images; with --layout, that
every image fits its region, the package fits DFU_DOWNLOAD_REGION, and a signed package's
manifest names that layout. Bytes after the last payload that are all 0xff are erased flash,
not a trailer. A compressed payload of 512 bytes or less without a byte after its last packet
(vendor-made packages) fails: the device always leaves its last chunk unwritten while
reporting success. A longer one only gets a warning.

Exit status: 0 all checks hold, 1 a check failed (the message says what and where),
2 the file could not be read or the arguments are wrong.";

/// Arguments of `imgtool verify`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP,
    mut_arg("layout", |a| a.help("Board layout (file or bundled name): also check that everything fits")))]
pub struct Args {
    /// The package (offline_install.bin)
    pub package: PathBuf,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub layout: super::common_args::OptionalLayoutArg,

    /// Treat warnings as failures (exit 1)
    #[arg(long)]
    pub deny_warnings: bool,

    /// Signature trailer checks (docs/signing.md)
    #[command(flatten)]
    pub signature: super::signing::VerifySignArgs,

    /// Keys and record files for the secure artifacts (docs/secure-dfu.md)
    #[command(flatten)]
    pub secure: super::secure_check::SecureCheckArgs,

    /// The device a secure artifact is checked for (its DFU build options and chip)
    #[command(flatten)]
    pub device: super::secure::DeviceTargetArgs,
}

fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| if m.is_file() { m.len() } else { 0 })
}

/// Runs `imgtool verify`.
pub fn run(args: Args) -> Result<Outcome> {
    let layout = args.layout.resolve()?;
    let name = args.package.display();
    let limit = package_limit(layout.as_ref());
    // A package the download region cannot hold is a failed check, not an unreadable file.
    if let Err(e) = fsio::input::check_size(&args.package, file_len(&args.package), limit) {
        println!("FAIL {e:#}: the device cannot store it");
        return Ok(Outcome::VerificationFailed);
    }
    let bytes = fsio::input::read_bounded(&args.package, limit)?;
    let kind = super::secure_check::detect(&bytes, &args.secure);
    let mut given = args.device.given();
    given.extend(args.secure.given());
    if args.signature.key.is_some() {
        given.push("--key");
    }
    if args.signature.require_signature {
        given.push("--require-signature");
    }
    if args.layout.layout.is_some() {
        given.push("--layout");
    }
    super::secure_check::refuse_unused(
        super::secure_check::Cmd::Verify,
        kind,
        &given,
        &args.package,
    )?;
    if let Some(kind) = kind {
        let chip = layout.as_ref().and_then(layout::Layout::family);
        let target = args.device.target(chip);
        return super::secure_check::verify(
            &args.package,
            &bytes,
            kind,
            &args.secure,
            target,
            args.deny_warnings,
        );
    }
    let report = match check(&bytes, layout.as_ref()) {
        Ok(r) => r,
        Err(e) => {
            println!("FAIL {name}: {e}");
            return Ok(Outcome::VerificationFailed);
        }
    };
    for f in &report.findings {
        let tag = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        println!("{tag}: {name}: {}", f.message);
    }
    let warned = report
        .findings
        .iter()
        .any(|f| f.severity == Severity::Warning);
    if !report.ok() || (args.deny_warnings && warned) {
        println!("FAIL {name}");
        return Ok(Outcome::VerificationFailed);
    }
    let layout_name = layout.as_ref().map(|l| l.name.as_str());
    if args.signature.check(&bytes, &args.package, layout_name)? == Outcome::VerificationFailed {
        return Ok(Outcome::VerificationFailed);
    }
    println!(
        "OK {name}: {}, {} bytes, sha256 {}, crc {:#010x}{}",
        super::count(report.images.len(), "image"),
        report.package_len,
        super::file_sha256(&bytes),
        report.header.crc,
        match &layout {
            Some(l) => format!(", fits layout {}", l.name),
            None => String::new(),
        }
    );
    Ok(Outcome::Ok)
}
