//! `imgtool inspect`: what is inside an offline package (header, table, per-image sizes,
//! compression, the signature trailer and its manifest, and with a layout where each image
//! lands).

use super::package_limit;
use super::Outcome;
use anyhow::{Context, Result};
use package::trailer::{Trailer, TrailerError, TRAILER_VERSION};
use package::verify::{check, ImageReport, RegionFill, Report};
use serde_json::{json, Value};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  imgtool inspect out/offline_install.bin
  imgtool inspect out/offline_install.bin --layout sf32lb52x-eh-lb523
      Adds each image's destination region and how full it gets.
  imgtool inspect out/offline_install.bin --json

Works on packages made by imgtool and by the vendor tool. After the table it describes the
signature trailer, if any (docs/signing.md): signed (key id) or awaiting a signature, and the
manifest it carries (format, firmware version, build id, minimum hardware/SDK, layout). A
malformed trailer is reported, not checked further.

Use `imgtool verify` for a pass/fail answer (and `verify --key` to check a signature); inspect
only describes (it still fails on a package whose structure cannot be read).";

/// Arguments of `imgtool inspect`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP,
    mut_arg("layout", |a| a.help("Board layout (file or bundled name): show destination regions and fill levels")))]
pub struct Args {
    /// The package (offline_install.bin)
    pub package: PathBuf,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub layout: super::common_args::OptionalLayoutArg,

    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,

    /// Keys and record files for the secure artifacts (docs/secure-dfu.md)
    #[command(flatten)]
    pub secure: super::secure_check::SecureCheckArgs,
}

/// Runs `imgtool inspect`.
pub fn run(args: Args) -> Result<Outcome> {
    let layout = args.layout.resolve()?;
    let bytes = fsio::input::read_bounded(&args.package, package_limit(layout.as_ref()))?;
    let kind = super::secure_check::detect(&bytes, &args.secure);
    let mut given = args.secure.given();
    if args.layout.layout.is_some() {
        given.push("--layout");
    }
    super::secure_check::refuse_unused(
        super::secure_check::Cmd::Inspect,
        kind,
        &given,
        &args.package,
    )?;
    if let Some(kind) = kind {
        return super::secure_check::inspect(&args.package, &bytes, kind, &args.secure, args.json);
    }
    let report =
        check(&bytes, layout.as_ref()).with_context(|| format!("{}", args.package.display()))?;
    // The body is well-formed here, so an error is about the trailer alone: described, as
    // inspect describes everything else (verify is what fails on it).
    let trailer = package::trailer::inspect(&bytes);
    if args.json {
        let mut v = to_json(&report);
        v["sha256"] = Value::String(super::file_sha256(&bytes));
        v["trailer"] = trailer_json(&trailer, report.trailer_len);
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("JSON value serialises")
        );
    } else {
        print_text(&report);
        println!(
            "sha256 {} (the whole file, as sha256sum prints it)",
            super::file_sha256(&bytes)
        );
        print_trailer(&trailer, report.trailer_len);
        print_findings(&report);
    }
    Ok(Outcome::Ok)
}

/// The trailer's own length; `after_body` may also hold erased flash (0xFF) after it.
fn own_len(t: &Trailer, after_body: usize) -> usize {
    t.to_bytes().map_or(after_body, |b| b.len())
}

/// The trailer as `package::trailer::inspect` read it: `null` when there is none.
fn trailer_json(t: &Result<Option<Trailer>, TrailerError>, len: usize) -> Value {
    match t {
        Ok(None) => Value::Null,
        Ok(Some(t)) => json!({
            "version": TRAILER_VERSION,
            "offset": t.body_len,
            "len": own_len(t, len),
            "erased_after": len - own_len(t, len),
            "signed": t.signature.is_some(),
            "key_id": t.signature.as_ref().map(|s| s.key_id.to_string()),
            // The same fields and names as manifest.json (one Manifest type for both).
            "manifest": serde_json::to_value(&t.manifest).expect("manifest serialises"),
        }),
        Err(e) => json!({ "len": len, "error": package::error::full_text(e) }),
    }
}

fn print_trailer(t: &Result<Option<Trailer>, TrailerError>, len: usize) {
    let t = match t {
        Ok(None) => return println!("trailer: none (no signature trailer after the last payload)"),
        Ok(Some(t)) => t,
        Err(e) => {
            let e = package::error::full_text(e);
            return println!("trailer: MALFORMED ({len} bytes after the last payload): {e}");
        }
    };
    let own = own_len(t, len);
    let erased = match len - own {
        0 => String::new(),
        n => format!(", then {n} bytes of erased flash (0xff)"),
    };
    println!(
        "trailer: {}, {own} bytes{erased}",
        super::signing::trailer_headline(t)
    );
    let m = &t.manifest;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    println!(
        "manifest: format {}, firmware version {}, build id {}, min hw {}, min sdk {}, layout {}, \
         made by {}",
        m.format_version,
        opt(&m.version),
        opt(&m.build_id),
        opt(&m.min_hw),
        opt(&m.min_sdk),
        if m.layout.is_empty() { "-" } else { &m.layout },
        m.tool
    );
}

fn ratio(payload: usize, image: Option<usize>) -> Option<f64> {
    image.filter(|&n| n > 0).map(|n| payload as f64 / n as f64)
}

fn image_json(i: &ImageReport) -> Value {
    let info = i.payload_info.as_ref();
    json!({
        "index": i.index,
        "id": i.id.0,
        "name": i.id.to_string(),
        "flag": i.flag.to_u8(),
        "entry_offset": i.entry_offset,
        "payload_offset": i.payload_offset,
        "payload_len": i.payload_len,
        "image_len": i.image_len,
        "ratio": ratio(i.payload_len, i.image_len),
        "mode": info.map(|p| p.mode.name()),
        "pksize": info.map(|p| p.pksize),
        "packets": info.map(|p| p.packets.len()),
        "trailing_bytes": info.map(|p| p.trailing),
        "region": i.region.as_ref().map(region_json),
    })
}

fn region_json(r: &RegionFill) -> Value {
    json!({ "name": r.name, "start": r.start, "size": r.size, "used": r.used })
}

fn to_json(r: &Report) -> Value {
    json!({
        "package_len": r.package_len,
        "magic": format!("{:#010x}", r.header.magic),
        "version": r.header.version,
        "install_state": r.header.install_state,
        "image_count": r.header.image_count.get(),
        "crc": format!("{:#010x}", r.header.crc),
        "crc_computed": format!("{:#010x}", r.computed_crc),
        "trailer_len": r.trailer_len,
        "images": r.images.iter().map(image_json).collect::<Vec<_>>(),
        "download_region": r.download.as_ref().map(region_json),
        "findings": r.findings,
    })
}

fn fill_text(r: Option<&RegionFill>) -> String {
    match r {
        Some(r) => format!(
            "{} {:#010x} {}/{} ({:.1}%)",
            r.name,
            r.start,
            r.used,
            r.size,
            r.used as f64 * 100.0 / r.size.max(1) as f64
        ),
        None => "-".into(),
    }
}

fn print_text(r: &Report) {
    let h = &r.header;
    println!(
        "offline package v2: {} bytes, magic {:#010x}, version {}, install_state {:#04x}, \
         {}, crc {:#010x} ({})",
        r.package_len,
        h.magic,
        h.version,
        h.install_state,
        super::count(usize::from(h.image_count), "image"),
        h.crc,
        if h.crc == r.computed_crc {
            "ok".to_string()
        } else {
            format!("MISMATCH: payloads give {:#010x}", r.computed_crc)
        }
    );
    println!(
        "{:<3} {:<16} {:<4} {:>10} {:>10} {:>10} {:>7} {:<5} {:>7} {:>7} {:>5}  region",
        "#",
        "image",
        "flag",
        "offset",
        "payload",
        "installed",
        "ratio",
        "mode",
        "pksize",
        "packets",
        "trail"
    );
    for i in &r.images {
        let info = i.payload_info.as_ref();
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        println!(
            "{:<3} {:<16} {:<4} {:>#10x} {:>10} {:>10} {:>7} {:<5} {:>7} {:>7} {:>5}  {}",
            i.index,
            format!("{} ({})", i.id, i.id.0),
            i.flag.to_u8(),
            i.payload_offset,
            i.payload_len,
            opt(i.image_len.map(|n| n.to_string())),
            opt(ratio(i.payload_len, i.image_len).map(|x| format!("{:.1}%", x * 100.0))),
            opt(info.map(|p| p.mode.name().to_string())),
            opt(info.map(|p| p.pksize.to_string())),
            opt(info.map(|p| p.packets.len().to_string())),
            opt(info.map(|p| p.trailing.to_string())),
            fill_text(i.region.as_ref())
        );
    }
    if r.images.iter().any(|i| i.payload_info.is_some()) {
        println!(
            "installed: the bytes the device writes; for a compressed image the decoded chunks, \
             zero-padded to a multiple of 16 bytes (pack shows the image's raw size)"
        );
    }
    if let Some(d) = &r.download {
        println!("download region: {}", fill_text(Some(d)));
    }
}

fn print_findings(r: &Report) {
    for f in &r.findings {
        println!("{:?}: {}", f.severity, f.message);
    }
}
