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

/// One measurement: wall seconds of the least disturbed run, and CPU seconds per run (all
/// threads of the process; robust to other load on the shared machine).
#[derive(Clone, Copy)]
struct Timing {
    wall: f64,
    cpu: f64,
}

/// This process's user + system CPU time, from `/proc/self/stat` (clock ticks of 10 ms).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name: state is first, utime 12th, stime 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / 100.0
}

/// Runs `f` on a pool of `threads` threads. Quick jobs are repeated (at least 3 runs and about
/// 1 CPU-second, at most 10 runs) so tick-granular CPU time is precise; jobs over 3 s run once.
fn timed<T: Send>(threads: usize, f: impl Fn() -> T + Send + Sync) -> (T, Timing) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        let mut wall = f64::INFINITY;
        let cpu0 = cpu_seconds();
        let mut runs = 0;
        loop {
            let t = Instant::now();
            let result = f();
            let secs = t.elapsed().as_secs_f64();
            wall = wall.min(secs);
            runs += 1;
            let cpu = cpu_seconds() - cpu0;
            if secs > 3.0 || runs >= 10 || (runs >= 3 && cpu >= 1.0) {
                let cpu = (cpu / runs as f64).max(0.01);
                return (result, Timing { wall, cpu });
            }
        }
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
    println!("Speed is MB per CPU-second (immune to other load on the machine).\n");
    println!("| encoder | payload bytes | vs vendor | chunks larger than vendor | MB/CPU-s | speed vs vendor |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut base: Option<(Vec<usize>, f64)> = None;
    for (name, enc) in &list {
        let (sizes, t) = timed(1, || chunk_sizes_of(corpus, enc.as_ref()));
        let speed = mbps(corpus.len(), t.cpu);
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

/// DEFLATE block statistics of a payload: how many packets are one block, and block kinds.
/// The only EZIP vector is a single dynamic-Huffman block, so this shows how far our packets
/// stray from what the engine is proven on.
mod blocks {
    /// Counts of packets and blocks.
    #[derive(Default)]
    pub struct Stats {
        pub packets: usize,
        pub single_block_packets: usize,
        pub stored: usize,
        pub fixed: usize,
        pub dynamic: usize,
    }

    struct Bits<'a> {
        data: &'a [u8],
        pos: usize, // in bits
    }

    impl Bits<'_> {
        fn bit(&mut self) -> u32 {
            let b = (self.data[self.pos / 8] >> (self.pos % 8)) & 1;
            self.pos += 1;
            u32::from(b)
        }
        fn bits(&mut self, n: u32) -> u32 {
            (0..n).fold(0, |acc, i| acc | (self.bit() << i))
        }
    }

    /// Canonical Huffman decoder: counts per length and symbols in code order.
    struct Huffman {
        counts: [u16; 16],
        symbols: Vec<u16>,
    }

    impl Huffman {
        fn new(lengths: &[u8]) -> Self {
            let mut counts = [0u16; 16];
            for &l in lengths {
                counts[l as usize] += 1;
            }
            counts[0] = 0;
            let mut offs = [0u16; 16];
            for l in 1..16 {
                offs[l] = offs[l - 1] + counts[l - 1];
            }
            let mut symbols = vec![0u16; lengths.len()];
            for (s, &l) in lengths.iter().enumerate() {
                if l != 0 {
                    symbols[offs[l as usize] as usize] = s as u16;
                    offs[l as usize] += 1;
                }
            }
            Huffman { counts, symbols }
        }
        fn decode(&self, b: &mut Bits) -> u16 {
            let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
            for len in 1..16 {
                code |= b.bit() as i32;
                let count = i32::from(self.counts[len]);
                if code - count < first {
                    return self.symbols[(index + (code - first)) as usize];
                }
                index += count;
                first = (first + count) << 1;
                code <<= 1;
            }
            panic!("bad Huffman code");
        }
    }

    const LEN_EXTRA: [u32; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    const DIST_EXTRA: [u32; 30] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
        13, 13,
    ];

    fn skip_symbols(b: &mut Bits, lit: &Huffman, dist: &Huffman) {
        loop {
            let s = lit.decode(b);
            if s == 256 {
                return;
            }
            if s > 256 {
                b.bits(LEN_EXTRA[(s - 257) as usize]);
                let d = dist.decode(b);
                b.bits(DIST_EXTRA[d as usize]);
            }
        }
    }

    /// Walks the blocks of one raw DEFLATE stream; returns the number of blocks.
    fn walk(data: &[u8], st: &mut Stats) -> usize {
        let mut b = Bits { data, pos: 0 };
        let mut n = 0;
        loop {
            let last = b.bit() == 1;
            n += 1;
            match b.bits(2) {
                0 => {
                    st.stored += 1;
                    b.pos = b.pos.div_ceil(8) * 8;
                    let len = b.bits(16) as usize;
                    b.bits(16);
                    b.pos += len * 8;
                }
                1 => {
                    st.fixed += 1;
                    let mut l = [8u8; 288];
                    l[144..256].fill(9);
                    l[256..280].fill(7);
                    skip_symbols(&mut b, &Huffman::new(&l), &Huffman::new(&[5u8; 30]));
                }
                _ => {
                    st.dynamic += 1;
                    let hlit = b.bits(5) as usize + 257;
                    let hdist = b.bits(5) as usize + 1;
                    let hclen = b.bits(4) as usize + 4;
                    const ORDER: [usize; 19] = [
                        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
                    ];
                    let mut cl = [0u8; 19];
                    for &o in &ORDER[..hclen] {
                        cl[o] = b.bits(3) as u8;
                    }
                    let clh = Huffman::new(&cl);
                    let mut lens = Vec::with_capacity(hlit + hdist);
                    while lens.len() < hlit + hdist {
                        match clh.decode(&mut b) {
                            s @ 0..=15 => lens.push(s as u8),
                            16 => {
                                let p = *lens.last().unwrap();
                                let r = 3 + b.bits(2);
                                lens.resize(lens.len() + r as usize, p);
                            }
                            17 => {
                                let r = 3 + b.bits(3);
                                lens.resize(lens.len() + r as usize, 0);
                            }
                            _ => {
                                let r = 11 + b.bits(7);
                                lens.resize(lens.len() + r as usize, 0);
                            }
                        }
                    }
                    let lit = Huffman::new(&lens[..hlit]);
                    let dist = Huffman::new(&lens[hlit..]);
                    skip_symbols(&mut b, &lit, &dist);
                }
            }
            if last {
                return n;
            }
        }
    }

    /// Block statistics of every packet of a gzip-mode or zlib payload.
    pub fn of_payload(p: &[u8]) -> Stats {
        let info = ezip::payload::parse(p).expect("our own payload");
        let mut st = Stats::default();
        for pk in &info.packets {
            let body = pk.body(p);
            // gzip mode: 4-byte length first; zlib: 2-byte header.
            let raw = match info.mode {
                ezip::Mode::Zlib => &body[2..],
                _ => &body[4..],
            };
            st.packets += 1;
            if walk(raw, &mut st) == 1 {
                st.single_block_packets += 1;
            }
        }
        st
    }
}
