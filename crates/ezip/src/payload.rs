//! The chunked image payload of an offline package (formats doc, section 3):
//!
//! ```text
//! u32 total_len   image length zero-padded to a multiple of 16
//! u32 pksize      uncompressed chunk size
//! per chunk of pksize bytes (last one shorter): u32 packet_len, packet (gzip-mode or zlib)
//! ```
//!
//! Chunks are independent, so [`encode`] compresses them in parallel; the bytes never depend
//! on the thread count. [`encode`] does not append the device-pitfall byte: the package layer
//! does (and [`parse`]/[`decode`] accept and count such trailing bytes).

use crate::pipeline::{self, Chunks};
use crate::raw::u32_at;
use crate::{gzip, zlib, Error, Mode};
use rayon::prelude::*;
use zerocopy::little_endian::U32;
use zerocopy::{FromBytes, IntoBytes};

pub use crate::options::{PayloadOptions, DEFAULT_PKSIZE};
pub use crate::raw::CompressedImageHeader;

/// Above this chunk size the device's per-chunk buffer gets uncomfortably large.
pub const LARGE_PKSIZE: u32 = 64 * 1024;
/// The image is zero-padded to a multiple of this before chunking.
pub const PAD: usize = 16;
/// Size of the payload header (`total_len`, `pksize`): [`CompressedImageHeader`].
pub const HEADER_LEN: usize = size_of::<CompressedImageHeader>();

/// Checks a chunk size for encoding: non-zero and a multiple of 16.
pub fn check_pksize(pksize: u32) -> Result<(), Error> {
    if pksize == 0 {
        return Err(Error::BadPksize {
            pksize,
            reason: "must not be 0",
        });
    }
    if pksize as usize % PAD != 0 {
        return Err(Error::BadPksize {
            pksize,
            reason: "must be a multiple of 16",
        });
    }
    Ok(())
}

/// Builds the section 3 payload of `image` (without the trailing pitfall byte).
pub fn encode(image: &[u8], opts: &PayloadOptions) -> Result<Vec<u8>, Error> {
    encode_streaming(image, opts, &|_, _| ())
}

/// Smallest piece [`encode_streaming`] hands over: each is a write (and perhaps a sync) for
/// the caller, and an 8 MiB image still gives a dozen of them.
pub const STREAM_PIECE: usize = 256 << 10;

/// [`encode`], handing the payload over while it is built: `on_ready(offset, bytes)` gets
/// consecutive pieces from offset 0, each final and at least [`STREAM_PIECE`] long, on a
/// thread of its own (not a pool worker, so it may block, e.g. to write and sync a file).
/// The pieces cover a prefix of the payload, possibly none of it; the rest is only in the
/// result. Chunks are compressed on the pool in chunk order, so the prefix grows steadily.
pub fn encode_streaming(
    image: &[u8],
    opts: &PayloadOptions,
    on_ready: &(dyn Fn(usize, &[u8]) + Sync),
) -> Result<Vec<u8>, Error> {
    check_pksize(opts.pksize)?;
    if !opts.mode.installable() {
        return Err(Error::UnsupportedPayloadMode { mode: opts.mode });
    }
    let padded_len = image.len().div_ceil(PAD) * PAD;
    let total_len = u32::try_from(padded_len).map_err(|_| Error::TooLarge {
        mode: opts.mode,
        len: padded_len as u64,
    })?;
    let header = CompressedImageHeader {
        total_len: U32::new(total_len),
        pksize: U32::new(opts.pksize),
    };
    // The padding (under 16 bytes, and pksize is a multiple of 16) only ever lands in the
    // last chunk, so only that one is copied: copying a whole multi-MiB image cost more than
    // a tenth of a fast pack.
    let pk = opts.pksize as usize;
    let whole = if padded_len == image.len() {
        image.len()
    } else {
        image.len() / pk * pk
    };
    let (full, rest) = image.split_at(whole);
    let mut last = rest.to_vec();
    last.resize(padded_len - whole, 0);
    let chunks = Chunks {
        full,
        last: &last,
        pksize: pk,
    };
    run_in_pool(opts.threads, || {
        pipeline::build(header.as_bytes(), &chunks, opts, STREAM_PIECE, on_ready)
    })
}

/// Runs `f` on a pool of `threads` workers, or on the current pool (rayon's global one
/// outside any) when `None`. Public so a caller doing more work around [`encode`] can run all
/// of it on the same threads; its error only has to absorb this crate's.
pub fn run_in_pool<T: Send, E: From<Error> + Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T, E> + Send,
) -> Result<T, E> {
    match threads {
        None => f(),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| Error::ThreadPool {
                reason: e.to_string(),
            })?
            .install(f),
    }
}

/// Where one packet sits in a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketInfo {
    /// Offset of the packet's `packet_len` field in the payload (the packet follows it).
    pub offset: usize,
    /// `packet_len`: bytes of the packet after the field.
    pub len: u32,
    /// Uncompressed length of this packet's chunk (`pksize`, or less for the last one).
    pub raw_len: u32,
}

/// The structure of a payload, as [`parse`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadInfo {
    /// Declared (padded) image length.
    pub total_len: u32,
    /// Declared chunk size.
    pub pksize: u32,
    /// One entry per chunk, in order.
    pub packets: Vec<PacketInfo>,
    /// Bytes after the last packet (the package layer allows 0..=3).
    pub trailing: usize,
    /// Packet codec, detected from the packets (gzip when there are none).
    pub mode: Mode,
}

impl PacketInfo {
    /// The packet bytes inside `payload` (after the `packet_len` field).
    pub fn body<'a>(&self, payload: &'a [u8]) -> &'a [u8] {
        &payload[self.offset + 4..self.offset + 4 + self.len as usize]
    }
}

/// Offset of `pksize` in the payload (errors name it).
const PKSIZE_AT: usize = std::mem::offset_of!(CompressedImageHeader, pksize);

fn truncated(payload: &[u8], offset: usize, field: &str) -> Error {
    Error::Payload {
        offset,
        reason: format!(
            "truncated: {field} needs 4 bytes, {} available",
            payload.len().saturating_sub(offset)
        ),
    }
}

fn read_u32(payload: &[u8], offset: usize, field: &str) -> Result<u32, Error> {
    u32_at(payload, offset).ok_or_else(|| truncated(payload, offset, field))
}

/// Reads the payload's structure (header and packet framing) and detects the packet codec.
///
/// Bounded: nothing is allocated per declared byte; a header promising more packets than the
/// buffer holds fails at the first missing one.
pub fn parse(payload: &[u8]) -> Result<PayloadInfo, Error> {
    let Ok((header, _)) = CompressedImageHeader::read_from_prefix(payload) else {
        // Name the first field that is cut short.
        return Err(if payload.len() < PKSIZE_AT {
            truncated(payload, 0, "total_len")
        } else {
            truncated(payload, PKSIZE_AT, "pksize")
        });
    };
    let (total_len, pksize) = (header.total_len.get(), header.pksize.get());
    if pksize == 0 {
        return Err(Error::Payload {
            offset: PKSIZE_AT,
            reason: "pksize is 0".into(),
        });
    }
    let mut packets = Vec::new();
    let mut offset = HEADER_LEN;
    let mut remaining = total_len;
    while remaining > 0 {
        let index = packets.len();
        let len = read_u32(payload, offset, &format!("packet {index} packet_len"))?;
        let end = (offset + 4).saturating_add(len as usize);
        if end > payload.len() {
            return Err(Error::Payload {
                offset,
                reason: format!(
                    "packet {index} declares packet_len {len} but only {} bytes follow",
                    payload.len() - offset - 4
                ),
            });
        }
        let raw_len = remaining.min(pksize);
        packets.push(PacketInfo {
            offset,
            len,
            raw_len,
        });
        remaining -= raw_len;
        offset = end;
    }
    let mode = detect_mode(payload, &packets)?;
    Ok(PayloadInfo {
        total_len,
        pksize,
        packets,
        trailing: payload.len() - offset,
        mode,
    })
}

/// A package does not record gzip vs zlib: a gzip-mode packet starts with its chunk length
/// and ends with it (trailer ISIZE); a zlib packet starts with a valid zlib header. All
/// packets must agree.
fn detect_mode(payload: &[u8], packets: &[PacketInfo]) -> Result<Mode, Error> {
    let mut mode = None;
    for (index, p) in packets.iter().enumerate() {
        let found = packet_mode(p.body(payload), p.raw_len).ok_or_else(|| Error::Payload {
            offset: p.offset,
            reason: format!(
                "packet {index} is neither gzip-mode (first u32 = chunk length {}) nor zlib \
                 (valid zlib header)",
                p.raw_len
            ),
        })?;
        match mode {
            None => mode = Some(found),
            Some(m) if m != found => {
                return Err(Error::Payload {
                    offset: p.offset,
                    reason: format!("packet {index} is {found} but packet 0 is {m}"),
                })
            }
            Some(_) => {}
        }
    }
    Ok(mode.unwrap_or(Mode::Gzip))
}

fn packet_mode(body: &[u8], raw_len: u32) -> Option<Mode> {
    let gzip_like = body.len() >= 12
        && u32_at(body, 0) == Some(raw_len)
        && u32_at(body, body.len() - 4) == Some(raw_len);
    if gzip_like {
        Some(Mode::Gzip)
    } else if zlib::looks_like_zlib(body) {
        Some(Mode::Zlib)
    } else {
        None
    }
}

/// Decodes a payload into the image (`total_len` bytes, padding included), checking every
/// packet strictly. Trailing bytes after the last packet are accepted and reported in the
/// returned [`PayloadInfo`].
pub fn decode(payload: &[u8]) -> Result<(Vec<u8>, PayloadInfo), Error> {
    let info = parse(payload)?;
    let chunks = info
        .packets
        .par_iter()
        .enumerate()
        .map(|(index, p)| {
            decode_packet(info.mode, p.body(payload), p.raw_len).map_err(|e| Error::Packet {
                index,
                offset: p.offset,
                source: Box::new(e),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut image = Vec::with_capacity(info.total_len as usize);
    for c in chunks {
        image.extend_from_slice(&c);
    }
    Ok((image, info))
}

fn decode_packet(mode: Mode, body: &[u8], raw_len: u32) -> Result<Vec<u8>, Error> {
    match mode {
        Mode::Gzip => {
            let data = gzip::decode(body)?;
            // parse() already matched the header to raw_len; this keeps the check local.
            if data.len() != raw_len as usize {
                return Err(Error::LengthMismatch {
                    mode,
                    field: "chunk length",
                    expected: raw_len.into(),
                    found: data.len() as u64,
                });
            }
            Ok(data)
        }
        Mode::Zlib => zlib::decode(body, Some(raw_len as usize)),
        Mode::Lz4 => Err(Error::UnsupportedPayloadMode { mode }),
    }
}
