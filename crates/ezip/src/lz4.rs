//! EZIP LZ4 mode: `u32 len | u32 compressed len | one LZ4 block` (the `lz4_packet.bin` layout).

use crate::raw::Lz4Header;
use crate::{Error, Mode};
use zerocopy::little_endian::U32;
use zerocopy::{FromBytes, IntoBytes};

const HEADER: usize = size_of::<Lz4Header>();

/// Largest expansion an LZ4 block allows (one token, then 255-valued length bytes): ~255:1.
const MAX_RATIO: usize = 255;

/// Encodes one LZ4-mode stream.
pub(crate) fn encode(data: &[u8]) -> Result<Vec<u8>, Error> {
    let too_large = |len: usize| Error::TooLarge {
        mode: Mode::Lz4,
        len: len as u64,
    };
    let len = u32::try_from(data.len()).map_err(|_| too_large(data.len()))?;
    let block = lz4_flex::block::compress(data);
    let clen = u32::try_from(block.len()).map_err(|_| too_large(block.len()))?;
    let mut out = Vec::with_capacity(HEADER + block.len());
    let header = Lz4Header {
        len: U32::new(len),
        clen: U32::new(clen),
    };
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&block);
    Ok(out)
}

/// Decodes one LZ4-mode stream strictly.
pub(crate) fn decode(stream: &[u8]) -> Result<Vec<u8>, Error> {
    let Ok((header, block)) = Lz4Header::read_from_prefix(stream) else {
        return Err(Error::Truncated {
            mode: Mode::Lz4,
            field: "length header",
            offset: 0,
            needed: HEADER,
            available: stream.len(),
        });
    };
    let (len, clen) = (header.len.get() as usize, header.clen.get() as usize);
    if block.len() < clen {
        return Err(Error::Truncated {
            mode: Mode::Lz4,
            field: "LZ4 block",
            offset: HEADER,
            needed: clen,
            available: block.len(),
        });
    }
    if block.len() > clen {
        return Err(Error::TrailingBytes {
            mode: Mode::Lz4,
            offset: HEADER + clen,
            count: block.len() - clen,
        });
    }
    // Bounded: a block of `clen` bytes cannot produce more than ~255 x clen bytes, so a lying
    // length header never makes us allocate more than the input could justify.
    let max = clen.saturating_mul(MAX_RATIO).saturating_add(16);
    if len > max {
        return Err(Error::Corrupt {
            mode: Mode::Lz4,
            reason: format!(
                "length header declares {len} bytes but a {clen}-byte LZ4 block can produce \
                 at most {max}"
            ),
        });
    }
    let mut out = vec![0u8; len];
    let n = lz4_flex::block::decompress_into(block, &mut out).map_err(|e| match e {
        lz4_flex::block::DecompressError::OutputTooSmall { .. } => Error::LengthMismatch {
            mode: Mode::Lz4,
            field: "length header",
            expected: len as u64,
            found: len as u64 + 1,
        },
        e => Error::Corrupt {
            mode: Mode::Lz4,
            reason: format!("invalid LZ4 block: {e}"),
        },
    })?;
    if n != len {
        return Err(Error::LengthMismatch {
            mode: Mode::Lz4,
            field: "length header",
            expected: len as u64,
            found: n as u64,
        });
    }
    Ok(out)
}
