//! CRC-32/MPEG-2, the checksum the device computes over a package's payloads.

use crc::{Crc, Table, CRC_32_MPEG_2};

/// CRC-32/MPEG-2: poly 0x04C11DB7, init 0xFFFFFFFF, no reflection, no final xor. Slice-by-16
/// tables: the byte-at-a-time default made this CRC a noticeable share of a whole `pack`.
const MPEG2: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&CRC_32_MPEG_2);

/// CRC-32/MPEG-2 of `bytes` (check value of `b"123456789"` is `0x0376E6E7`).
pub fn crc32_mpeg2(bytes: &[u8]) -> u32 {
    MPEG2.checksum(bytes)
}

/// CRC-32/MPEG-2 of several byte slices taken back to back, without joining them.
pub fn crc32_mpeg2_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u32 {
    let mut digest = MPEG2.digest();
    for part in parts {
        digest.update(part);
    }
    digest.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_matches_the_spec() {
        assert_eq!(crc32_mpeg2(b"123456789"), 0x0376_E6E7);
    }

    #[test]
    fn parts_equal_the_whole() {
        assert_eq!(
            crc32_mpeg2_parts([&b"1234"[..], &b""[..], &b"56789"[..]]),
            0x0376_E6E7
        );
    }

    #[test]
    fn empty_input_is_the_init_value() {
        // No final xor: the CRC of nothing is the initial register.
        assert_eq!(crc32_mpeg2(b""), 0xFFFF_FFFF);
    }
}
