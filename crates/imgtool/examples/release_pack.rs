//! Packing from a release pipeline written in Rust, without the CLI: the bundled example app
//! and DFU installer for the EH-LB523 board, configured in code.
//!
//! Run from the repository root:
//! `cargo run -p imgtool --example release_pack -- out/` (writes `out/offline_install.bin` and
//! `out/manifest.json`, the same bytes as `imgtool pack --config
//! testdata/examples/sf32lb52x-eh-lb523/ota.toml` with `level = "default"`).

use imgtool::pack::{plan_package, write_package, ImageSpec, LayoutRef, PackConfig, PackOptions};
use layout::ImageId;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "out".into()));
    let firmware = PathBuf::from("testdata/examples/sf32lb52x-eh-lb523");
    let config = PackConfig {
        layout: Some(LayoutRef::Bundled("sf32lb52x-eh-lb523".into())),
        images: vec![
            // The package default compression (gzip); the format from the .elf name.
            ImageSpec::new(ImageId::HCPU, firmware.join("app.elf")),
            ImageSpec::new(ImageId::OTA_MANAGER, firmware.join("dfu.elf")),
        ],
        options: PackOptions::default(),
    };
    // Every check (regions, download region size, ids) happens here, before anything is written.
    let planned = plan_package(&config)?;
    for image in &planned.images {
        let region = image.region.as_ref().map_or("-", |r| r.name.as_str());
        println!(
            "{:<12} {:>8} -> {:>8} bytes  {region}",
            image.id.to_string(),
            image.raw_len,
            image.payload_len
        );
    }
    let written = write_package(&planned, &out)?;
    println!(
        "wrote {} ({} bytes) and {}",
        written.package.display(),
        planned.bytes.len(),
        written.manifest.display()
    );
    Ok(())
}
