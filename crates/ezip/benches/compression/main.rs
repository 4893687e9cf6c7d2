//! Compression benchmark: the levels against the vendor method on four corpora.
//!
//! Run: `cargo bench -p ezip --bench compression` (prints the markdown tables of
//! `docs/benchmarks.md`, section "Compression (`ezip`)"). Corpora: see [`corpus`].
//!
//! The vendor baseline (C zlib level 9 per 10 KiB chunk) is measured in the same run and every
//! number is also given as a ratio against it. First, per corpus, the libdeflate levels that
//! `default` could be (6..=10) and the shipped levels, and which level is the fastest no larger
//! in total than the vendor on every corpus; then, on the Thumb code corpus only, the encoders
//! `best` is built from, the levels on 1 and 2 threads, the block structure and the chunk size.

mod blocks;
mod choice;
mod corpus;
mod timing;

use ezip::payload::{self, PayloadOptions};
use ezip::{deflate, Level, Mode};
use rayon::prelude::*;
use timing::{mbps, timed, Timing};

const CHUNK: usize = payload::DEFAULT_PKSIZE as usize;
/// gzip-mode framing per packet: packet_len, length header, CRC-32, ISIZE.
const GZIP_FRAMING: usize = 4 + 4 + 8;

fn main() {
    let Some(corpora) = corpus::all() else {
        println!(
            "skipped: no newlib/libstdc++ Thumb code found \
             (apt-get install libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib)"
        );
        return;
    };
    for (n, c) in corpora.iter().enumerate() {
        let mib = c.len() as f64 / (1 << 20) as f64;
        println!(
            "corpus {}: {}: {} bytes ({mib:.2} MiB) in {} image(s)",
            n + 1,
            c.name,
            c.len(),
            c.images.len()
        );
    }
    println!();
    if std::env::var_os("EZIP_BENCH_CORPUS_ONLY").is_some() {
        return;
    }
    choice::default_level(&corpora);
    let code = &corpora[0].images[0];
    encoders(code);
    levels(code);
    chunk_sizes(code);
}

/// Per-chunk raw DEFLATE sizes of one encoder, as a gzip-mode payload size would count them.
fn chunk_sizes_of(corpus: &[u8], enc: &(dyn Fn(&[u8]) -> Vec<u8> + Sync)) -> Vec<usize> {
    corpus.par_chunks(CHUNK).map(|c| enc(c).len()).collect()
}

/// gzip-mode payload bytes of `images` payloads whose chunks deflate to `sizes`.
fn payload_bytes_of(images: usize, sizes: &[usize]) -> usize {
    8 * images + sizes.iter().map(|s| s + GZIP_FRAMING).sum::<usize>()
}

fn payload_bytes(sizes: &[usize]) -> usize {
    payload_bytes_of(1, sizes)
}

/// How many of `sizes` are larger than the vendor's size of the same chunk.
fn larger_chunks(sizes: &[usize], vendor: &[usize]) -> usize {
    sizes.iter().zip(vendor).filter(|(a, b)| a > b).count()
}

type Encoder = Box<dyn Fn(&[u8]) -> Vec<u8> + Sync>;

/// The raw encoders `best` could be built from, each against zlib 9 per 10 KiB chunk.
fn encoders(corpus: &[u8]) {
    let mut list: Vec<(String, Encoder)> = vec![(
        "C zlib 9 (vendor method)".into(),
        Box::new(|c: &[u8]| deflate::zlib9(c).unwrap()),
    )];
    for lvl in [9, 10, 11, 12] {
        list.push((
            format!("libdeflate {lvl}"),
            Box::new(move |c: &[u8]| deflate::libdeflate(lvl, c).unwrap()),
        ));
    }
    list.push((
        format!("zopfli, {} iterations", deflate::BEST_ZOPFLI_ITERATIONS),
        Box::new(|c: &[u8]| deflate::zopfli(deflate::BEST_ZOPFLI_ITERATIONS, c).unwrap()),
    ));
    list.push((
        format!(
            "zopfli, {} iterations, one block",
            deflate::BEST_ZOPFLI_ITERATIONS
        ),
        Box::new(|c: &[u8]| {
            deflate::zopfli_blocks(
                deflate::BEST_ZOPFLI_ITERATIONS,
                deflate::BEST_ZOPFLI_MAX_BLOCKS,
                c,
            )
            .unwrap()
        }),
    ));
    println!("### Encoders for `best` (Thumb code), gzip-mode payload at pksize 10240, 1 thread\n");
    println!("Speed is MB per CPU-second (immune to other load on the machine).\n");
    println!("| encoder | payload bytes | vs vendor | chunks larger than vendor | MB/CPU-s | speed vs vendor |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut base: Option<(Vec<usize>, f64)> = None;
    for (name, enc) in &list {
        let (sizes, t) = timed(1, || chunk_sizes_of(corpus, enc.as_ref()));
        let speed = mbps(corpus.len(), t.cpu);
        let (bsizes, bspeed) = base.get_or_insert_with(|| (sizes.clone(), speed));
        let worse = larger_chunks(&sizes, bsizes);
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

/// Vendor figures every row of the levels table is compared with.
struct Baseline {
    bytes: usize,
    cpu_speed: f64,
    wall1_speed: f64,
}

fn level_row(
    corpus_len: usize,
    base: &Baseline,
    label: &str,
    bytes: usize,
    t1: Timing,
    t2: Timing,
) {
    let cpu = mbps(corpus_len, t1.cpu);
    let (w1, w2) = (mbps(corpus_len, t1.wall), mbps(corpus_len, t2.wall));
    println!(
        "| {label} | {bytes} | {:+.2}% | {cpu:.1} | {:.2}x | {w1:.1} | {w2:.1} | {:.2}x |",
        pct(bytes, base.bytes),
        cpu / base.cpu_speed,
        w2 / base.wall1_speed
    );
}

/// The shipped levels through the real payload encoder, 1 and 2 threads, against the vendor
/// method measured the same way.
fn levels(corpus: &[u8]) {
    let vendor_run = || chunk_sizes_of(corpus, &|c: &[u8]| deflate::zlib9(c).unwrap());
    let (vsizes, v1) = timed(1, vendor_run);
    let (_, v2) = timed(2, vendor_run);
    let base = Baseline {
        bytes: payload_bytes(&vsizes),
        cpu_speed: mbps(corpus.len(), v1.cpu),
        wall1_speed: mbps(corpus.len(), v1.wall),
    };
    println!("### Levels: whole payload (`payload::encode`), pksize 10240\n");
    println!("| mode, level | payload bytes | vs vendor | MB/CPU-s | CPU speed vs vendor | MB/s wall, 1 thread | MB/s wall, 2 threads | 2 threads vs vendor on 1 thread (wall) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    level_row(
        corpus.len(),
        &base,
        "vendor: C zlib 9 per chunk (gzip)",
        base.bytes,
        v1,
        v2,
    );
    let mut block_rows = Vec::new();
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
            let (p1, t1) = run(1);
            let (p2, t2) = run(2);
            assert_eq!(p1, p2, "output must not depend on the thread count");
            level_row(
                corpus.len(),
                &base,
                &format!("{mode}, {level}"),
                p1.len(),
                t1,
                t2,
            );
            if mode == Mode::Gzip {
                block_rows.push((level, blocks::of_payload(&p1)));
            }
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
    let ((l1, t1), (_, t2)) = (lz4(1), lz4(2));
    level_row(
        corpus.len(),
        &base,
        "lz4 (per-chunk streams, reference)",
        l1,
        t1,
        t2,
    );
    println!();
    print_block_table(corpus, block_rows);
}

/// The vendor method as a payload: zlib 9 per chunk in gzip-mode framing (CRC not needed here).
fn vendor_payload(corpus: &[u8]) -> Vec<u8> {
    let mut p = (corpus.len() as u32).to_le_bytes().to_vec();
    p.extend_from_slice(&payload::DEFAULT_PKSIZE.to_le_bytes());
    for c in corpus.chunks(CHUNK) {
        let mut pk = (c.len() as u32).to_le_bytes().to_vec();
        pk.extend_from_slice(&deflate::zlib9(c).unwrap());
        pk.extend_from_slice(&[0; 4]);
        pk.extend_from_slice(&(c.len() as u32).to_le_bytes());
        p.extend_from_slice(&(pk.len() as u32).to_le_bytes());
        p.extend_from_slice(&pk);
    }
    p
}

fn print_block_table(corpus: &[u8], rows: Vec<(Level, blocks::Stats)>) {
    println!("### DEFLATE blocks per packet (gzip mode, pksize 10240)\n");
    println!("| encoder | packets | single-block packets | stored blocks | fixed blocks | dynamic blocks |");
    println!("|---|---:|---:|---:|---:|---:|");
    let vendor = (
        "vendor (zlib 9)".to_string(),
        blocks::of_payload(&vendor_payload(corpus)),
    );
    let rows = rows.into_iter().map(|(l, st)| (l.to_string(), st));
    for (name, st) in std::iter::once(vendor).chain(rows) {
        println!(
            "| {name} | {} | {} | {} | {} | {} |",
            st.packets, st.single_block_packets, st.stored, st.fixed, st.dynamic
        );
    }
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
