//! `imgtool pack` of an 8 MiB app next to the vendor method, in the same run.
//!
//! Run: `cargo bench -p imgtool --bench pack` (prints the table of `docs/benchmarks.md`,
//! section "Packaging (`pack`)").
//!
//! The app: 8 MiB of Cortex-M33 machine code, the `.text` sections of newlib's and libstdc++'s
//! `v8-m.main+fp/hard` archives (Debian `libnewlib-arm-none-eabi`, `libstdc++-arm-none-eabi-newlib`)
//! repeated in order until 8 MiB; it is written to a temporary `app.bin` and never committed.
//!
//! Vendor method (baseline, spec section 3): the image zero-padded to 16, cut into 10240-byte
//! chunks, each compressed on its own with C zlib at level 9 (the vendor's setting), one after
//! the other, as gzip-mode packets, in a package v2 with the same header and table. The vendor
//! tool also starts `eZIP.exe` once per chunk; that process cost is not counted here, so the
//! baseline is faster than the real vendor tool.
//!
//! imgtool, two ways: the whole process, `imgtool pack --image hcpu=app.bin --level L -o DIR`
//! started as a child with `RAYON_NUM_THREADS=2` (start-up, read, compress, CRC, manifest,
//! atomic writes with fsync), which is what the target is about; and in process,
//! `imgtool::pack::plan_package` on the file, on all cores and on one for a per-core
//! comparison. Every package is decoded and compared with the image.
//!
//! Target (issue 10): the whole-process `default` pack on 2 threads makes a package no larger
//! than the vendor method's, at least 2.5x as fast as the vendor method on one thread.

use flate2::write::DeflateEncoder;
use imgtool::pack::{plan_package, Compression, ImageSpec, PackConfig, PackOptions};
use layout::ImageId;
use object::read::archive::ArchiveFile;
use object::{Object, ObjectSection, SectionKind};
use package::v2::{PackagePlan, PlannedImage};
use package::Flag;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const APP_LEN: usize = 8 << 20;
/// The speed target of `default` against the vendor method (issue 10).
const TARGET_SPEEDUP: f64 = 2.5;
const PKSIZE: usize = 10240;
const LIBS: &str = "/usr/lib/arm-none-eabi";
const REPS: usize = 3;
/// Alternating rounds of the target check. The whole process varies far more from round to
/// round (70-90 ms here: fsync and unlink latency, host noise) than the in-process vendor
/// method (180-190 ms), so its best of 9 sometimes caught no quiet round.
const TARGET_ROUNDS: usize = 15;

fn main() {
    let Some(app) = app() else {
        println!("skipped: no Cortex-M33 archives under {LIBS} (apt-get install libnewlib-arm-none-eabi)");
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("app.bin");
    std::fs::write(&path, &app).expect("write app.bin");
    // IMGTOOL_BENCH_APP=FILE: also keep the app there, to profile `imgtool pack` on it.
    if let Some(keep) = std::env::var_os("IMGTOOL_BENCH_APP") {
        std::fs::write(&keep, &app).expect("write IMGTOOL_BENCH_APP");
    }

    let (vendor, vendor_s) = best_of(|| vendor_package(&app));
    check(&vendor, &app, true);
    // IMGTOOL_BENCH_TARGET_ONLY=1: only the target line (seconds, not a minute).
    if std::env::var_os("IMGTOOL_BENCH_TARGET_ONLY").is_some() {
        return target_check(&app, &path, &tmp.path().join("out-target"), vendor.len());
    }
    println!("app: {} bytes of Cortex-M33 code\n", app.len());
    println!("| method | threads | time | package bytes | speed vs vendor | size vs vendor |");
    println!("|---|---|---|---|---|---|");
    let base = (vendor_s, vendor.len());
    row(
        "vendor method: C zlib -9 per 10 KiB chunk (baseline, in process)",
        "1",
        (vendor_s, vendor.len()),
        base,
    );
    for level in [ezip::Level::Fast, ezip::Level::Default, ezip::Level::Best] {
        let out = tmp.path().join(format!("out-{}", level.name()));
        let (pkg, s) = best_of(|| whole_process(&path, level, &out));
        check(&pkg, &app, false);
        let name = format!("`imgtool pack --level {}`, whole process", level.name());
        row(&name, "2", (s, pkg.len()), base);
    }
    for (level, threads) in [
        (ezip::Level::Fast, None),
        (ezip::Level::Default, Some(1)),
        (ezip::Level::Default, None),
        (ezip::Level::Best, None),
    ] {
        let (pkg, s) = best_of(|| imgtool_package(&path, level, threads));
        check(&pkg, &app, false);
        let t = threads.map_or_else(|| "all (2)".to_string(), |n| n.to_string());
        let name = format!("`plan_package`, level {}, in process", level.name());
        row(&name, &t, (s, pkg.len()), base);
    }
    target_check(&app, &path, &tmp.path().join("out-target"), vendor.len());
}

/// The target, measured so that load from other jobs on the shared machine hits both
/// sides alike: vendor method and whole-process `default` alternate, best of
/// [`TARGET_ROUNDS`] each.
fn target_check(app: &[u8], path: &Path, out: &Path, vendor_len: usize) {
    let (mut vendor_s, mut ours_s, mut ours_len) = (f64::MAX, f64::MAX, 0);
    for _ in 0..TARGET_ROUNDS {
        let t = Instant::now();
        std::hint::black_box(vendor_package(app));
        vendor_s = vendor_s.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        ours_len = whole_process(path, ezip::Level::Default, out).len();
        ours_s = ours_s.min(t.elapsed().as_secs_f64());
    }
    let speedup = vendor_s / ours_s;
    println!(
        "\ntarget, whole-process `default` on 2 threads (alternating with the vendor method, \
         best of {TARGET_ROUNDS}: {:.0} ms vs {:.0} ms): package no larger than the vendor \
         method's: {}; speed {speedup:.2}x the vendor method's on 1 thread (target \
         {TARGET_SPEEDUP}x): {}",
        ours_s * 1000.0,
        vendor_s * 1000.0,
        if ours_len <= vendor_len {
            "met"
        } else {
            "NOT met"
        },
        if speedup >= TARGET_SPEEDUP {
            "met"
        } else {
            "NOT met"
        }
    );
}

/// Prints one row of the table; `run` and `base` are (seconds, package bytes).
fn row(name: &str, threads: &str, run: (f64, usize), base: (f64, usize)) {
    println!(
        "| {name} | {threads} | {:.0} ms | {} | {:.2}x | {:.4}x |",
        run.0 * 1000.0,
        run.1,
        base.0 / run.0,
        run.1 as f64 / base.1 as f64
    );
}

/// `imgtool pack` as a child process on 2 threads; returns the package it wrote.
fn whole_process(app: &Path, level: ezip::Level, out: &Path) -> Vec<u8> {
    let image = format!("hcpu={}", app.display());
    let status = Command::new(env!("CARGO_BIN_EXE_imgtool"))
        .args(["pack", "--image", &image, "--level", level.name(), "-o"])
        .arg(out)
        .env("RAYON_NUM_THREADS", "2")
        .stdout(Stdio::null())
        .status()
        .expect("run imgtool");
    assert!(status.success(), "imgtool pack failed: {status}");
    std::fs::read(out.join("offline_install.bin")).expect("read the package")
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
            compression: Compression::GZIP,
            level,
            threads,
            ..PackOptions::default()
        },
    };
    plan_package(&config).expect("pack").bytes
}

/// Section 3 exactly as the vendor packer builds it: zlib level 9 per chunk, sequentially,
/// gzip-mode packets, no byte after the last packet. On one thread throughout: the package
/// crate's CRC would otherwise run on the global pool.
fn vendor_package(app: &[u8]) -> Vec<u8> {
    static ONE: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    let one = ONE.get_or_init(|| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
        pool.expect("a one-thread pool")
    });
    one.install(|| vendor_package_here(app))
}

fn vendor_package_here(app: &[u8]) -> Vec<u8> {
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
