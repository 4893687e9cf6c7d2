//! Compression benchmark on real Cortex-M machine code.
//!
//! Run: `cargo bench -p ezip --bench compression` (prints the markdown tables of
//! `docs/benchmarks.md`, section "Compression (`ezip`)").
//!
//! Corpus: the executable sections of every object in Debian's `libnewlib-arm-none-eabi`
//! `libc.a` and `libm.a` for the Cortex-M multilibs (`thumb/v6-m`, `v7-m`, `v7e-m*`, `v8-m*`,
//! `v8.1-m*`), concatenated in path order. It is built here, in memory, and never committed.
//! The vendor baseline (C zlib level 9 per 10 KiB chunk) is measured in the same run and every
//! number is also given as a ratio against it.

use ezip::payload::{self, PayloadOptions};
use ezip::{deflate, Level, Mode};
use object::read::archive::ArchiveFile;
use object::{Object, ObjectSection, SectionKind};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

const NEWLIB: &str = "/usr/lib/arm-none-eabi/newlib/thumb";
const CHUNK: usize = payload::DEFAULT_PKSIZE as usize;
/// gzip-mode framing per packet: packet_len, length header, CRC-32, ISIZE.
const GZIP_FRAMING: usize = 4 + 4 + 8;

fn main() {
    let Some(corpus) = corpus() else {
        println!("skipped: {NEWLIB} not found (apt-get install libnewlib-arm-none-eabi)");
        return;
    };
    let mib = corpus.len() as f64 / (1 << 20) as f64;
    println!(
        "corpus: {} bytes ({mib:.2} MiB) of Cortex-M .text\n",
        corpus.len()
    );
    if std::env::var_os("EZIP_BENCH_CORPUS_ONLY").is_some() {
        return;
    }
    encoders(&corpus);
    levels(&corpus);
    chunk_sizes(&corpus);
}

/// Cortex-M multilib directories, sorted so the corpus is the same on every run.
fn multilib_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let Ok(top) = std::fs::read_dir(NEWLIB) else {
        return dirs;
    };
    for arch in top.flatten() {
        let name = arch.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("v6-m")
            || name.contains("-m.")
            || name.starts_with("v7-m")
            || name.starts_with("v7e-m")
            || name.starts_with("v8-m"))
        {
            continue;
        }
        // Either libc.a directly (nofp) or one level down (hard/softfp/nofp).
        for sub in std::iter::once(arch.path()).chain(
            std::fs::read_dir(arch.path())
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path()),
        ) {
            if sub.join("libc.a").is_file() {
                dirs.push(sub);
            }
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

fn corpus() -> Option<Vec<u8>> {
    let mut text = Vec::new();
    for dir in multilib_dirs() {
        for lib in ["libc.a", "libm.a"] {
            append_text(&dir.join(lib), &mut text);
        }
    }
    // libc + libm of all Cortex-M multilibs is ~1.2 MiB; the C++ library of the SF32LB5x's
    // own multilib (Cortex-M33: v8-m.main+fp/hard) brings it to several MiB.
    for lib in ["libstdc++.a", "libsupc++.a"] {
        append_text(
            &Path::new(NEWLIB).join("v8-m.main+fp/hard").join(lib),
            &mut text,
        );
    }
    (!text.is_empty()).then_some(text)
}

/// Appends the executable sections of every ELF member of the archive at `path`.
fn append_text(path: &Path, out: &mut Vec<u8>) {
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let archive = match ArchiveFile::parse(&*bytes) {
        Ok(a) => a,
        Err(e) => return eprintln!("{}: {e}", path.display()),
    };
    for member in archive.members() {
        let member = match member {
            Ok(m) => m,
            Err(e) => return eprintln!("{}: {e}", path.display()),
        };
        let Ok(data) = member.data(&*bytes) else {
            continue;
        };
        // Archive members are only 2-byte aligned; ELF parsing wants the header aligned.
        let data = data.to_vec();
        let obj = match object::File::parse(&*data) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("{}: member: {e}", path.display());
                continue;
            }
        };
        for s in obj.sections() {
            if s.kind() == SectionKind::Text {
                if let Ok(d) = s.data() {
                    out.extend_from_slice(d);
                }
            }
        }
    }
}

/// Runs `f` on a pool of `threads` threads and returns its result and the elapsed seconds.
fn timed<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> (T, f64) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        let t = Instant::now();
        let r = f();
        (r, t.elapsed().as_secs_f64())
    })
}

fn mbps(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / 1e6 / secs
}

/// Per-chunk raw DEFLATE sizes of one encoder, as a gzip-mode payload size would count them.
fn chunk_sizes_of(corpus: &[u8], enc: &(dyn Fn(&[u8]) -> Vec<u8> + Sync)) -> Vec<usize> {
    corpus.par_chunks(CHUNK).map(|c| enc(c).len()).collect()
}

fn payload_bytes(sizes: &[usize]) -> usize {
    8 + sizes.iter().map(|s| s + GZIP_FRAMING).sum::<usize>()
}

type Encoder = Box<dyn Fn(&[u8]) -> Vec<u8> + Sync>;

/// The raw encoders a level could be built from, each against zlib 9 per 10 KiB chunk.
fn encoders(corpus: &[u8]) {
    let mut list: Vec<(String, Encoder)> = vec![(
        "C zlib 9 (vendor method)".into(),
        Box::new(|c: &[u8]| deflate::zlib9(c).unwrap()),
    )];
    for lvl in [6, 9, 10, 11, 12] {
        list.push((
            format!("libdeflate {lvl}"),
            Box::new(move |c: &[u8]| deflate::libdeflate(lvl, c).unwrap()),
        ));
    }
    list.push((
        format!("zopfli, {} iterations", deflate::BEST_ZOPFLI_ITERATIONS),
        Box::new(|c: &[u8]| deflate::zopfli(deflate::BEST_ZOPFLI_ITERATIONS, c).unwrap()),
    ));
    // The per-chunk guarantee of `default` needs zlib 9's size, so zlib 9 always runs: these
    // are the candidates for `default` (smaller of the two per chunk).
    for lvl in [6, 9, 10] {
        list.push((
            format!("min(libdeflate {lvl}, zlib 9)"),
            Box::new(move |c: &[u8]| {
                let a = deflate::libdeflate(lvl, c).unwrap();
                let b = deflate::zlib9(c).unwrap();
                if b.len() < a.len() {
                    b
                } else {
                    a
                }
            }),
        ));
    }
    println!("### Raw DEFLATE encoders, gzip-mode payload at pksize 10240, 1 thread\n");
    println!("| encoder | payload bytes | vs vendor | chunks larger than vendor | MB/s | speed vs vendor |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut base: Option<(Vec<usize>, f64)> = None;
    for (name, enc) in &list {
        let (sizes, secs) = timed(1, || chunk_sizes_of(corpus, enc.as_ref()));
        let speed = mbps(corpus.len(), secs);
        let (bsizes, bspeed) = base.get_or_insert_with(|| (sizes.clone(), speed));
        let worse = sizes
            .iter()
            .zip(bsizes.iter())
            .filter(|(a, b)| a > b)
            .count();
        let total = payload_bytes(&sizes);
        let btotal = payload_bytes(bsizes);
        println!(
            "| {name} | {total} | {:+.2}% | {worse} of {} | {speed:.1} | {:.2}x |",
            pct(total, btotal),
            sizes.len(),
            speed / *bspeed
        );
    }
    println!();
}

fn pct(a: usize, b: usize) -> f64 {
    (a as f64 / b as f64 - 1.0) * 100.0
}

/// The shipped levels through the real payload encoder, 1 and 2 threads, against the vendor
/// method measured the same way.
fn levels(corpus: &[u8]) {
    let (vsizes, v1) = timed(1, || {
        chunk_sizes_of(corpus, &|c: &[u8]| deflate::zlib9(c).unwrap())
    });
    let (_, v2) = timed(2, || {
        chunk_sizes_of(corpus, &|c: &[u8]| deflate::zlib9(c).unwrap())
    });
    let vendor = payload_bytes(&vsizes);
    let v1 = mbps(corpus.len(), v1);
    println!("### Levels: whole payload (`payload::encode`), pksize 10240\n");
    println!("| mode | level | payload bytes | vs vendor | MB/s 1 thread | MB/s 2 threads | 2 threads vs vendor 1 thread |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    println!(
        "| gzip | vendor (C zlib 9) | {vendor} | 0.00% | {v1:.1} | {:.1} | {:.2}x |",
        mbps(corpus.len(), v2),
        mbps(corpus.len(), v2) / v1
    );
    for mode in [Mode::Gzip, Mode::Zlib] {
        for level in [Level::Fast, Level::Default, Level::Best] {
            let run = |threads| {
                let opts = PayloadOptions {
                    mode,
                    level,
                    threads: Some(threads),
                    ..PayloadOptions::default()
                };
                timed(threads, || payload::encode(corpus, &opts).unwrap())
            };
            let (p1, s1) = run(1);
            let (p2, s2) = run(2);
            assert_eq!(p1, p2, "output must not depend on the thread count");
            let (m1, m2) = (mbps(corpus.len(), s1), mbps(corpus.len(), s2));
            println!(
                "| {mode} | {level} | {} | {:+.2}% | {m1:.1} | {m2:.1} | {:.2}x |",
                p1.len(),
                pct(p1.len(), vendor),
                m2 / v1
            );
        }
    }
    // LZ4 is not a payload codec; for reference, one standalone stream per 10 KiB chunk.
    let lz4 = |threads| {
        timed(threads, || {
            corpus
                .par_chunks(CHUNK)
                .map(|c| ezip::compress(Mode::Lz4, Level::Default, c).unwrap().len() + 4)
                .sum::<usize>()
                + 8
        })
    };
    let ((l1, s1), (_, s2)) = (lz4(1), lz4(2));
    let (m1, m2) = (mbps(corpus.len(), s1), mbps(corpus.len(), s2));
    println!(
        "| lz4 (per-chunk streams) | - | {l1} | {:+.2}% | {m1:.1} | {m2:.1} | {:.2}x |",
        pct(l1, vendor),
        m2 / v1
    );
    println!();
}

/// Payload size against device RAM for a range of chunk sizes.
fn chunk_sizes(corpus: &[u8]) {
    println!("### Chunk size (pksize): payload bytes vs device RAM, gzip mode, 2 threads\n");
    println!("| pksize | vendor (zlib 9) bytes | default bytes | default vs default@10K | default vs vendor@same pksize | largest packet | device heap ~ 2K + pksize + 2 x largest |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let mut rows = Vec::new();
    for kib in [4usize, 10, 16, 32, 64] {
        let pk = kib * 1024;
        let vendor: usize = 8 + timed(2, || {
            corpus
                .par_chunks(pk)
                .map(|c| deflate::zlib9(c).unwrap().len() + GZIP_FRAMING)
                .sum::<usize>()
        })
        .0;
        let enc = |level| {
            let opts = PayloadOptions {
                level,
                pksize: pk as u32,
                threads: Some(2),
                ..PayloadOptions::default()
            };
            payload::encode(corpus, &opts).unwrap()
        };
        let d = enc(Level::Default);
        let info = payload::parse(&d).unwrap();
        let largest = info
            .packets
            .iter()
            .map(|p| p.len as usize + 4)
            .max()
            .unwrap_or(0);
        rows.push((kib, vendor, d.len(), largest));
    }
    let ref10 = rows.iter().find(|r| r.0 == 10).map_or(1, |r| r.2);
    for (kib, vendor, d, largest) in rows {
        let heap = 2048 + kib * 1024 + 2 * largest;
        println!(
            "| {kib} KiB | {vendor} | {d} | {:+.2}% | {:+.2}% | {largest} | {:.1} KiB |",
            pct(d, ref10),
            pct(d, vendor),
            heap as f64 / 1024.0
        );
    }
}
