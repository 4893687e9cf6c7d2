//! `imgtool inspect`: what is inside an offline package (header, table, per-image sizes,
//! compression, and with a layout where each image lands).

use super::Outcome;
use anyhow::{Context, Result};
use package::verify::{check, ImageReport, RegionFill, Report};
use serde_json::{json, Value};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  imgtool inspect out/offline_install.bin
  imgtool inspect out/offline_install.bin --layout sf32lb52x-eh-lb523
      Adds each image's destination region and how full it gets.
  imgtool inspect out/offline_install.bin --json

Works on packages made by imgtool and by the vendor tool. Use `imgtool verify` for a pass/fail
answer; inspect only describes (it still fails on a package whose structure cannot be read).";

/// Arguments of `imgtool inspect`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The package (offline_install.bin)
    pub package: PathBuf,

    /// Board layout (file or bundled name): show destination regions and fill levels
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<String>,

    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Runs `imgtool inspect`.
pub fn run(args: Args) -> Result<Outcome> {
    let bytes = crate::output::read_input(&args.package)?;
    let layout = super::layout::resolve_option(args.layout.as_deref())?;
    let report =
        check(&bytes, layout.as_ref()).with_context(|| format!("{}", args.package.display()))?;
    if args.json {
        let v = to_json(&report);
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("JSON value serialises")
        );
    } else {
        print_text(&report);
    }
    Ok(Outcome::Ok)
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
        "image_count": r.header.image_count,
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
         {} images, crc {:#010x} ({})",
        r.package_len,
        h.magic,
        h.version,
        h.install_state,
        h.image_count,
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
        "image",
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
    if let Some(d) = &r.download {
        println!("download region: {}", fill_text(Some(d)));
    }
    if r.trailer_len > 0 {
        println!("trailer: {} bytes after the last payload", r.trailer_len);
    }
    for f in &r.findings {
        println!("{:?}: {}", f.severity, f.message);
    }
}
