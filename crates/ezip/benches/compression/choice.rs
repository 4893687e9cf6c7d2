//! Which libdeflate level `default` is: per corpus, each candidate level and each shipped
//! level against the vendor method on one thread; then the fastest candidate that is no
//! larger in total than the vendor on every corpus.

use crate::corpus::Corpus;
use crate::timing::{mbps, timed, Timing};
use crate::{larger_chunks, payload_bytes_of, pct, CHUNK, GZIP_FRAMING};
use ezip::payload::{self, PayloadOptions};
use ezip::{deflate, Level};
use rayon::prelude::*;

/// The libdeflate levels `default` could use.
const CANDIDATES: [i32; 5] = [6, 7, 8, 9, 10];

/// One encoder's result on one corpus.
struct Measured {
    sizes: Vec<usize>,
    time: Timing,
}

/// What a candidate level did across the corpora.
struct Verdict {
    level: i32,
    within_everywhere: bool,
    /// CPU speed against the vendor's on corpus 1 (the Thumb code).
    speed_on_code: f64,
}

fn raw(corpus: &Corpus, enc: impl Fn(&[u8]) -> Vec<u8> + Sync) -> Measured {
    let chunks = corpus.chunks(CHUNK);
    let (sizes, time) = timed(1, || {
        chunks.par_iter().map(|c| enc(c).len()).collect::<Vec<_>>()
    });
    Measured { sizes, time }
}

/// A shipped level through the real payload encoder; sizes are the DEFLATE part of each packet.
fn shipped(corpus: &Corpus, level: Level) -> Measured {
    let opts = PayloadOptions {
        level,
        threads: Some(1),
        ..PayloadOptions::default()
    };
    let (payloads, time) = timed(1, || {
        corpus
            .images
            .iter()
            .map(|i| payload::encode(i, &opts).unwrap())
            .collect::<Vec<_>>()
    });
    let sizes = payloads
        .iter()
        .flat_map(|p| payload::parse(p).unwrap().packets)
        .map(|pk| pk.len as usize + 4 - GZIP_FRAMING)
        .collect();
    Measured { sizes, time }
}

/// Prints one row; returns (payload bytes, CPU speed vs vendor).
fn row(corpus: &Corpus, name: &str, m: &Measured, vendor: &Measured) -> (usize, f64) {
    let images = corpus.images.len();
    let (bytes, vbytes) = (
        payload_bytes_of(images, &m.sizes),
        payload_bytes_of(images, &vendor.sizes),
    );
    let cpu = mbps(corpus.len(), m.time.cpu);
    let cpu_ratio = cpu / mbps(corpus.len(), vendor.time.cpu);
    println!(
        "| {name} | {bytes} | {:+.3}% | {} of {} | {cpu:.1} | {cpu_ratio:.2}x | {:.2}x |",
        pct(bytes, vbytes),
        larger_chunks(&m.sizes, &vendor.sizes),
        m.sizes.len(),
        vendor.time.wall / m.time.wall
    );
    (bytes, cpu_ratio)
}

fn corpus_table(n: usize, corpus: &Corpus, verdicts: &mut [Verdict]) {
    println!(
        "### Corpus {n}: {} ({} bytes, {} chunks), pksize 10240, 1 thread\n",
        corpus.name,
        corpus.len(),
        corpus.chunks(CHUNK).len()
    );
    println!("| encoder | payload bytes | vs vendor | chunks larger than vendor | MB/CPU-s | CPU speed vs vendor | wall speed vs vendor |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let vendor = raw(corpus, |c| deflate::zlib9(c).unwrap());
    let (vbytes, _) = row(corpus, "C zlib 9 (vendor method)", &vendor, &vendor);
    for v in verdicts.iter_mut() {
        let m = raw(corpus, |c| deflate::libdeflate(v.level, c).unwrap());
        let (bytes, speed) = row(corpus, &format!("libdeflate {}", v.level), &m, &vendor);
        v.within_everywhere &= bytes <= vbytes;
        if n == 1 {
            v.speed_on_code = speed;
        }
    }
    for level in [Level::Fast, Level::Default, Level::Best] {
        let m = shipped(corpus, level);
        row(corpus, &format!("level `{level}`"), &m, &vendor);
    }
    println!();
}

/// The per-corpus tables and the level they select for `default`.
pub fn default_level(corpora: &[Corpus]) {
    let mut verdicts: Vec<Verdict> = CANDIDATES
        .iter()
        .map(|&level| Verdict {
            level,
            within_everywhere: true,
            speed_on_code: 0.0,
        })
        .collect();
    for (i, c) in corpora.iter().enumerate() {
        corpus_table(i + 1, c, &mut verdicts);
    }
    let chosen = verdicts
        .iter()
        .filter(|v| v.within_everywhere)
        .max_by(|a, b| a.speed_on_code.total_cmp(&b.speed_on_code));
    match chosen {
        Some(v) => println!(
            "Fastest of libdeflate {:?} no larger in total than the vendor method on every \
             corpus: level {} ({:.2}x the vendor's CPU speed on corpus 1). `default` uses \
             level {}{}.\n",
            CANDIDATES,
            v.level,
            v.speed_on_code,
            deflate::DEFAULT_LIBDEFLATE_LEVEL,
            if v.level == deflate::DEFAULT_LIBDEFLATE_LEVEL {
                ""
            } else {
                " (DIFFERENT: revisit DEFAULT_LIBDEFLATE_LEVEL)"
            }
        ),
        None => println!(
            "No libdeflate level of {CANDIDATES:?} is no larger in total than the vendor \
             method on every corpus.\n"
        ),
    }
}
