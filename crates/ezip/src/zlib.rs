//! zlib mode: a plain zlib stream (RFC 1950), as the device's `uncompress2` reads it.

use crate::deflate::{self, Wrapper};
use crate::{Error, Level, Mode};

/// zlib header: deflate, 32 KiB window, FLEVEL 3 ("maximum compression"), no dictionary.
/// 0x78DA is a multiple of 31, as RFC 1950 requires.
const HEADER: [u8; 2] = [0x78, 0xDA];

/// Encodes one zlib stream.
pub(crate) fn encode(level: Level, data: &[u8]) -> Result<Vec<u8>, Error> {
    // RFC 1950 stores Adler-32 big-endian.
    let trailer = libdeflater::adler32(data).to_be_bytes();
    deflate::framed(level, data, &HEADER, &trailer)
}

/// True when `b` starts with a valid zlib header (deflate method, window <= 32 KiB, the %31
/// check, no preset dictionary).
pub(crate) fn looks_like_zlib(b: &[u8]) -> bool {
    match b {
        [cmf, flg, ..] => {
            cmf & 0x0F == 8
                && cmf >> 4 <= 7
                && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
                && flg & 0x20 == 0
        }
        _ => false,
    }
}

/// Decodes one zlib stream strictly. With `expected_len` (a payload chunk), the output must
/// have exactly that length and nothing more is ever allocated; without it the output is bounded
/// by DEFLATE's maximum expansion of the input.
pub(crate) fn decode(stream: &[u8], expected_len: Option<usize>) -> Result<Vec<u8>, Error> {
    if stream.len() < 2 {
        return Err(Error::Truncated {
            mode: Mode::Zlib,
            field: "zlib header",
            offset: 0,
            needed: 2,
            available: stream.len(),
        });
    }
    if !looks_like_zlib(stream) {
        return Err(Error::Corrupt {
            mode: Mode::Zlib,
            reason: format!(
                "invalid zlib header {:02x} {:02x} (need method 8, window <= 32 KiB, \
                 header % 31 == 0, no preset dictionary)",
                stream[0], stream[1]
            ),
        });
    }
    let limit = expected_len.unwrap_or(usize::MAX - 1);
    let (data, used) = deflate::inflate(Mode::Zlib, Wrapper::Zlib, stream, limit, "chunk length")?;
    if let Some(n) = expected_len {
        if data.len() != n {
            return Err(Error::LengthMismatch {
                mode: Mode::Zlib,
                field: "chunk length",
                expected: n as u64,
                found: data.len() as u64,
            });
        }
    }
    if used != stream.len() {
        return Err(Error::TrailingBytes {
            mode: Mode::Zlib,
            offset: used,
            count: stream.len() - used,
        });
    }
    Ok(data)
}
