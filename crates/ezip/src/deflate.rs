//! Raw DEFLATE encoders behind the three [`Level`]s, and the bounded inflater every decoder uses.
//!
//! Public so the benchmark (and curious users) can run each encoder on its own; the stream
//! formats in the crate root wrap these.

use crate::{Error, Level, Mode};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use libdeflater::{CompressionLvl, Compressor};
use std::cell::RefCell;
use std::num::NonZeroU64;

/// libdeflate level used by [`Level::Fast`].
pub const FAST_LIBDEFLATE_LEVEL: i32 = 6;
/// libdeflate level used by [`Level::Default`]: of levels 6..=10, the fastest that is no larger
/// in total than the vendor method (C zlib 9 per 10 KiB chunk) on every benchmark corpus
/// (`docs/benchmarks.md`). A measured property of whole payloads, not a per-chunk guarantee.
pub const DEFAULT_LIBDEFLATE_LEVEL: i32 = 9;
/// libdeflate level raced against Zopfli by [`Level::Best`] (its strongest).
pub const BEST_LIBDEFLATE_LEVEL: i32 = 12;
/// Zopfli iterations used by [`Level::Best`].
pub const BEST_ZOPFLI_ITERATIONS: u64 = 5;
/// Zopfli block limit used by [`Level::Best`]: one block per chunk, like zlib 9 on a 10 KiB
/// chunk and like the EZIP vector. On ARM code it costs 0.02% and halves the time.
pub const BEST_ZOPFLI_MAX_BLOCKS: u16 = 1;

/// Raw DEFLATE of `data` at `level` (no header, no trailer).
///
/// - `Fast`: libdeflate level [`FAST_LIBDEFLATE_LEVEL`].
/// - `Default`: libdeflate level [`DEFAULT_LIBDEFLATE_LEVEL`] alone. C zlib 9 (the vendor's
///   method) does not run: on some chunks it is smaller, but over a whole payload `default`
///   was no larger on every benchmark corpus.
/// - `Best`: the smallest of single-block Zopfli, libdeflate level [`BEST_LIBDEFLATE_LEVEL`]
///   and the `Default` result (cheap next to Zopfli), so it is never larger than `default` on
///   any chunk. Zopfli and the libdeflate encoders run in parallel.
pub fn raw(level: Level, data: &[u8]) -> Result<Vec<u8>, Error> {
    match level {
        Level::Fast => libdeflate(FAST_LIBDEFLATE_LEVEL, data),
        Level::Default => libdeflate(DEFAULT_LIBDEFLATE_LEVEL, data),
        Level::Best => {
            let (zopfli, others) = rayon::join(
                || zopfli_blocks(BEST_ZOPFLI_ITERATIONS, BEST_ZOPFLI_MAX_BLOCKS, data),
                || -> Result<_, Error> {
                    let strongest = libdeflate(BEST_LIBDEFLATE_LEVEL, data)?;
                    Ok(smaller(strongest, raw(Level::Default, data)?))
                },
            );
            Ok(smaller(zopfli?, others?))
        }
    }
}

/// Picks the shorter stream; on a tie the first, so the choice is deterministic.
fn smaller(a: Vec<u8>, b: Vec<u8>) -> Vec<u8> {
    if b.len() < a.len() {
        b
    } else {
        a
    }
}

fn encoder_error(reason: impl ToString) -> Error {
    Error::Encoder {
        mode: Mode::Gzip,
        reason: reason.to_string(),
    }
}

/// `prefix`, the raw DEFLATE of `data` at `level`, then `suffix`: a whole packet in one
/// allocation of its exact size. `fast` and `default` compress into a per-thread scratch
/// buffer first: a zeroed worst-case buffer per chunk, truncated and kept by the packet, cost
/// 3% of encoding a payload and nearly doubled the memory its packets held.
pub(crate) fn framed(
    level: Level,
    data: &[u8],
    prefix: &[u8],
    suffix: &[u8],
) -> Result<Vec<u8>, Error> {
    let join = |body: &[u8]| {
        let mut out = Vec::with_capacity(prefix.len() + body.len() + suffix.len());
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
        out.extend_from_slice(suffix);
        out
    };
    match level {
        Level::Fast => with_libdeflate(FAST_LIBDEFLATE_LEVEL, data, join),
        Level::Default => with_libdeflate(DEFAULT_LIBDEFLATE_LEVEL, data, join),
        Level::Best => Ok(join(&raw(level, data)?)),
    }
}

/// Per-thread libdeflate state.
#[derive(Default)]
struct Libdeflate {
    /// libdeflate compressors are costly to set up (hash tables): one per level used.
    compressors: Vec<(i32, Compressor)>,
    /// Output buffer reused by every call with a worst case up to [`SCRATCH_MAX`].
    scratch: Vec<u8>,
}

/// Largest scratch buffer a thread keeps (chunks are at most a few dozen KiB; a one-off
/// multi-MiB stream gets a buffer of its own instead of pinning that much per thread).
const SCRATCH_MAX: usize = 256 << 10;

thread_local! {
    static LIBDEFLATE: RefCell<Libdeflate> = RefCell::new(Libdeflate::default());
}

/// Raw DEFLATE with libdeflate at `lvl` (1..=12).
pub fn libdeflate(lvl: i32, data: &[u8]) -> Result<Vec<u8>, Error> {
    with_libdeflate(lvl, data, <[u8]>::to_vec)
}

/// Compresses `data` with libdeflate at `lvl` and hands the stream to `f`, borrowed from
/// the thread's scratch buffer.
fn with_libdeflate<R>(lvl: i32, data: &[u8], f: impl FnOnce(&[u8]) -> R) -> Result<R, Error> {
    let level = CompressionLvl::new(lvl).map_err(|_| encoder_error("bad libdeflate level"))?;
    LIBDEFLATE.with(|cell| {
        let mut state = cell.borrow_mut();
        let Libdeflate {
            compressors,
            scratch,
        } = &mut *state;
        let idx = match compressors.iter().position(|(l, _)| *l == lvl) {
            Some(i) => i,
            None => {
                compressors.push((lvl, Compressor::new(level)));
                compressors.len() - 1
            }
        };
        let c = &mut compressors[idx].1;
        let bound = c.deflate_compress_bound(data.len());
        let mut own = Vec::new();
        let out = if bound <= SCRATCH_MAX {
            if scratch.len() < bound {
                scratch.resize(bound, 0);
            }
            &mut scratch[..bound]
        } else {
            own.resize(bound, 0);
            &mut own[..]
        };
        let n = c.deflate_compress(data, out).map_err(encoder_error)?;
        Ok(f(&out[..n]))
    })
}

/// Raw DEFLATE with C zlib at level 9, window 32 KiB, memLevel 8: the vendor packer's method.
/// No level uses it; it is the reference the levels are measured against (tests, benchmarks).
pub fn zlib9(data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut c = Compress::new(Compression::new(9), false);
    // zlib's deflateBound for raw streams: len + len/4096*5 + some slack; be generous.
    let mut out = Vec::with_capacity(data.len() + data.len() / 1000 + 64);
    loop {
        let before_in = c.total_in() as usize;
        let status = c
            .compress_vec(&data[before_in..], &mut out, FlushCompress::Finish)
            .map_err(encoder_error)?;
        match status {
            Status::StreamEnd => return Ok(out),
            Status::Ok | Status::BufError => out.reserve(out.capacity().max(64)),
        }
    }
}

/// Raw DEFLATE with Zopfli (`iterations` rounds of its optimal-parse search), letting it split
/// the data into up to 15 blocks.
pub fn zopfli(iterations: u64, data: &[u8]) -> Result<Vec<u8>, Error> {
    zopfli_blocks(iterations, 15, data)
}

/// Raw DEFLATE with Zopfli limited to `max_blocks` blocks (1: never split).
pub fn zopfli_blocks(iterations: u64, max_blocks: u16, data: &[u8]) -> Result<Vec<u8>, Error> {
    let options = zopfli::Options {
        iteration_count: NonZeroU64::new(iterations.max(1)).unwrap_or(NonZeroU64::MIN),
        maximum_block_splits: max_blocks,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    zopfli::compress(options, zopfli::Format::Deflate, data, &mut out).map_err(encoder_error)?;
    Ok(out)
}

/// What [`inflate`] expects around the DEFLATE data.
#[derive(Clone, Copy)]
pub(crate) enum Wrapper {
    /// Raw DEFLATE (gzip mode: the caller handles header and trailer).
    Raw,
    /// zlib header and Adler-32 trailer, checked by zlib itself.
    Zlib,
}

/// Largest expansion DEFLATE allows (a 258-byte match can cost as little as 2 bits; zlib
/// documents 1032:1). Caps allocations when the declared length cannot be trusted.
const MAX_RATIO: usize = 1032;

/// Inflates `input`, producing at most `limit` bytes and never allocating more than
/// `limit + 1` (nor more than `input` could expand to). Returns the output and how many input
/// bytes the stream used. Output longer than `limit` is reported as
/// [`Error::LengthMismatch`] with `found = limit + 1` (decoding stops there).
pub(crate) fn inflate(
    mode: Mode,
    wrapper: Wrapper,
    input: &[u8],
    limit: usize,
    field: &'static str,
) -> Result<(Vec<u8>, usize), Error> {
    let mut d = Decompress::new(matches!(wrapper, Wrapper::Zlib));
    // One byte beyond the limit detects "decodes to more than declared" without allocating it.
    let cap = limit
        .saturating_add(1)
        .min(input.len().saturating_mul(MAX_RATIO).saturating_add(64));
    let mut out = Vec::with_capacity(cap.min(1 << 20));
    loop {
        let consumed = d.total_in() as usize;
        if out.len() == out.capacity() {
            if out.len() >= cap {
                return Err(Error::LengthMismatch {
                    mode,
                    field,
                    expected: limit as u64,
                    found: out.len() as u64,
                });
            }
            let grow = out.capacity().max(4096).min(cap - out.len());
            out.reserve_exact(grow);
        }
        let before_out = out.len();
        let status = d
            .decompress_vec(&input[consumed..], &mut out, FlushDecompress::None)
            .map_err(|e| Error::Corrupt {
                mode,
                reason: format!("invalid DEFLATE data: {e}"),
            })?;
        if out.len() > limit {
            return Err(Error::LengthMismatch {
                mode,
                field,
                expected: limit as u64,
                found: out.len() as u64,
            });
        }
        match status {
            Status::StreamEnd => return Ok((out, d.total_in() as usize)),
            _ if d.total_in() as usize == input.len()
                && out.len() == before_out
                && out.len() < out.capacity() =>
            {
                return Err(Error::Corrupt {
                    mode,
                    reason: format!(
                        "DEFLATE data ends early: input exhausted after {} bytes of output",
                        out.len()
                    ),
                });
            }
            _ => {}
        }
    }
}
