//! `imgtool pack` of a 4 MiB app next to the vendor method, in the same run.
//!
//! Run: `cargo bench -p imgtool --bench pack` (prints the table of `docs/benchmarks.md`,
//! section "Packaging (`pack`)").
//!
//! The app: 4 MiB of Cortex-M33 machine code, the `.text` sections of newlib's and libstdc++'s
//! `v8-m.main+fp/hard` archives (Debian `libnewlib-arm-none-eabi`, `libstdc++-arm-none-eabi-newlib`)
//! repeated in order until 4 MiB; it is written to a temporary `app.bin` and never committed.
//!
//! Vendor method (baseline, spec section 3): the image zero-padded to 16, cut into 10240-byte
//! chunks, each compressed on its own with C zlib at level 9 (the vendor's setting), one after
//! the other, as gzip-mode packets, in a package v2 with the same header and table. The vendor
//! tool also starts `eZIP.exe` once per chunk; that process cost is not counted here, so the
//! baseline is faster than the real vendor tool.
//!
//! imgtool: `imgtool::pack::plan_package` on the file (read, compress in parallel on all cores,
//! CRC, manifest with SHA-256 digests), at each level; and single-threaded for a fair
//! per-core comparison. Every package is decoded and compared with the image.

use flate2::write::DeflateEncoder;
use imgtool::pack::{plan_package, Compression, ImageSpec, PackConfig, PackOptions};
use layout::ImageId;
use object::read::archive::ArchiveFile;
use object::{Object, ObjectSection, SectionKind};
use package::v2::{PackagePlan, PlannedImage};
use package::Flag;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

const APP_LEN: usize = 4 << 20;
const PKSIZE: usize = 10240;
const LIBS: &str = "/usr/lib/arm-none-eabi";
const REPS: usize = 3;

fn main() {
    let Some(app) = app() else {
        println!("skipped: no Cortex-M33 archives under {LIBS} (apt-get install libnewlib-arm-none-eabi)");
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("app.bin");
    std::fs::write(&path, &app).expect("write app.bin");

    let (vendor, vendor_s) = best_of(|| vendor_package(&app));
    check(&vendor, &app, true);
    println!("app: {} bytes of Cortex-M33 code\n", app.len());
    println!("| method | threads | time | package bytes | time vs vendor | size vs vendor |");
    println!("|---|---|---|---|---|---|");
    row(
        "vendor method: C zlib -9 per 10 KiB chunk (baseline)",
        "1",
        vendor_s,
        vendor.len(),
        vendor_s,
        vendor.len(),
    );
    for (level, threads) in [
        (ezip::Level::Fast, None),
        (ezip::Level::Default, Some(1)),
        (ezip::Level::Default, None),
        (ezip::Level::Best, None),
    ] {
        let (pkg, s) = best_of(|| imgtool_package(&path, level, threads));
        check(&pkg, &app, false);
        let t = threads.map_or_else(|| "all (2)".to_string(), |n| n.to_string());
        row(
            &format!("imgtool pack --level {}", level.name()),
            &t,
            s,
            pkg.len(),
            vendor_s,
            vendor.len(),
        );
    }
}

fn row(name: &str, threads: &str, s: f64, len: usize, base_s: f64, base_len: usize) {
    println!(
        "| {name} | {threads} | {:.0} ms | {len} | {:.2}x | {:.4}x |",
        s * 1000.0,
        s / base_s,
        len as f64 / base_len as f64
    );
}

fn best_of<T>(f: impl Fn() -> T) -> (T, f64) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..REPS {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (out.expect("REPS > 0"), best)
}

fn imgtool_package(path: &Path, level: ezip::Level, threads: Option<usize>) -> Vec<u8> {
    let config = PackConfig {
        layout: None,
        images: vec![ImageSpec::new(ImageId::HCPU, path)],
        options: PackOptions {
            compression: Compression::Gzip,
            level,
            threads,
            ..PackOptions::default()
        },
    };
    plan_package(&config).expect("pack").bytes
}

/// Section 3 exactly as the vendor packer builds it: zlib level 9 per chunk, sequentially,
/// gzip-mode packets, no byte after the last packet.
fn vendor_package(app: &[u8]) -> Vec<u8> {
    let mut image = app.to_vec();
    image.resize(app.len().div_ceil(16) * 16, 0);
    let mut payload = Vec::new();
    payload.extend_from_slice(&(image.len() as u32).to_le_bytes());
    payload.extend_from_slice(&(PKSIZE as u32).to_le_bytes());
    for chunk in image.chunks(PKSIZE) {
        let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(chunk).expect("deflate");
        let deflate = enc.finish().expect("deflate");
        let mut crc = flate2::Crc::new();
        crc.update(chunk);
        let packet_len = 4 + deflate.len() + 8;
        payload.extend_from_slice(&(packet_len as u32).to_le_bytes());
        payload.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        payload.extend_from_slice(&deflate);
        payload.extend_from_slice(&crc.sum().to_le_bytes());
        payload.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
    }
    PackagePlan::new(vec![PlannedImage {
        image_id: 0,
        flag: Flag::Compressed,
        payload,
    }])
    .expect("plan")
    .emit()
}

/// Both packages must verify and decode to the padded app.
fn check(pkg: &[u8], app: &[u8], vendor: bool) {
    let report = package::verify::check(pkg, None).expect("package parses");
    assert!(report.ok(), "{:?}", report.findings);
    let p = package::v2::parse(pkg).expect("parse");
    let d = package::payload::decode(p.images[0].flag, p.images[0].payload).expect("decode");
    assert_eq!(&d.image[..app.len()], app);
    let trailing = d.info.expect("compressed").trailing;
    assert_eq!(trailing, usize::from(!vendor));
}

/// 4 MiB of `.text` from the Cortex-M33 (v8-m.main+fp/hard) multilib archives.
fn app() -> Option<Vec<u8>> {
    let dir = Path::new(LIBS).join("newlib/thumb/v8-m.main+fp/hard");
    let mut text = Vec::new();
    for lib in ["libc.a", "libm.a", "libstdc++.a", "libsupc++.a"] {
        if let Ok(bytes) = std::fs::read(dir.join(lib)) {
            archive_text(&bytes, &mut text);
        }
    }
    if text.is_empty() {
        return None;
    }
    let mut app = Vec::with_capacity(APP_LEN);
    while app.len() < APP_LEN {
        let n = (APP_LEN - app.len()).min(text.len());
        app.extend_from_slice(&text[..n]);
    }
    Some(app)
}

fn archive_text(bytes: &[u8], out: &mut Vec<u8>) {
    let Ok(archive) = ArchiveFile::parse(bytes) else {
        return;
    };
    for member in archive.members().flatten() {
        // Members are only 2-byte aligned; copy before parsing the ELF.
        let Ok(data) = member.data(bytes).map(<[u8]>::to_vec) else {
            continue;
        };
        let Ok(obj) = object::File::parse(&*data) else {
            continue;
        };
        for s in obj.sections().filter(|s| s.kind() == SectionKind::Text) {
            if let Ok(d) = s.data() {
                out.extend_from_slice(d);
            }
        }
    }
}
