//! The fixed-size headers of the EZIP streams and of the chunked payload, each declared once:
//! byte order in the field types, size checked at compile time. Encoders write them with
//! `as_bytes()`, decoders read them with `read_from_prefix`, so the two cannot disagree.

use zerocopy::little_endian::U32;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The 8-byte header of a compressed image payload (flag 16), formats doc section 3.
///
/// The device reads it as the tail of `struct image_header_compress_info`
/// (`middleware/dfu/dfu.h:234-239` of the SDK), whose 256-byte signature prefix the offline
/// package does not carry; the vendor packer writes it in `imgtoolv37.py`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct CompressedImageHeader {
    /// Raw image length after zero-padding to a multiple of 16.
    pub total_len: U32,
    /// Uncompressed chunk size (the device's decompression buffer size).
    pub pksize: U32,
}

/// The 8-byte header of an LZ4-mode stream (`lz4_packet.bin`): uncompressed length, then the
/// length of the LZ4 block that follows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub(crate) struct Lz4Header {
    /// Uncompressed length.
    pub len: U32,
    /// Length of the LZ4 block.
    pub clen: U32,
}

/// The gzip-mode trailer after the DEFLATE data (a gzip member's trailer, RFC 1952).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub(crate) struct GzipTrailer {
    /// CRC-32/ISO-HDLC of the uncompressed chunk.
    pub crc32: U32,
    /// Uncompressed length (ISIZE).
    pub len: U32,
}

// The device reads these at fixed offsets: a size change is a format break.
const _: () = assert!(size_of::<CompressedImageHeader>() == 8);
const _: () = assert!(size_of::<Lz4Header>() == 8);
const _: () = assert!(size_of::<GzipTrailer>() == 8);

/// A little-endian u32 at `offset` of `bytes`, if all four bytes are there: the one place the
/// `u32` fields of streams (length headers, `packet_len`) are read.
pub(crate) fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    let b = bytes.get(offset..)?;
    U32::read_from_prefix(b).ok().map(|(v, _)| v.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_header_is_little_endian_and_round_trips() {
        let h = CompressedImageHeader {
            total_len: U32::new(0x0102_0304),
            pksize: U32::new(10240),
        };
        assert_eq!(h.as_bytes(), [4, 3, 2, 1, 0x00, 0x28, 0, 0]);
        let (back, rest) = CompressedImageHeader::read_from_prefix(h.as_bytes()).unwrap();
        assert_eq!((back, rest.len()), (h, 0));
    }

    #[test]
    fn u32_at_reads_little_endian_and_refuses_short_input() {
        assert_eq!(u32_at(&[9, 0x78, 0x56, 0x34, 0x12], 1), Some(0x1234_5678));
        assert_eq!(u32_at(&[1, 2, 3], 0), None);
        assert_eq!(u32_at(&[1, 2, 3, 4], 5), None);
    }
}
