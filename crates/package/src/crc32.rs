//! CRC-32/MPEG-2, the checksum the device computes over a package's payloads.

use crc::{Algorithm, Crc, Table, CRC_32_MPEG_2};
use rayon::prelude::*;

/// CRC-32/MPEG-2: poly 0x04C11DB7, init 0xFFFFFFFF, no reflection, no final xor. Slice-by-16
/// tables: the byte-at-a-time default made this CRC a noticeable share of a whole `pack`.
const MPEG2: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&CRC_32_MPEG_2);

/// The same CRC started from a zero register: what a piece adds on its own (see [`combine`]).
const MPEG2_FROM_ZERO: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&Algorithm {
    init: 0,
    ..CRC_32_MPEG_2
});

/// Inputs at least this long are split into [`PIECE`]-byte pieces checksummed in parallel.
const PARALLEL_MIN: usize = 1 << 20;
/// Piece size of the parallel CRC.
const PIECE: usize = 256 << 10;

/// CRC-32/MPEG-2 of `bytes` (check value of `b"123456789"` is `0x0376E6E7`).
pub fn crc32_mpeg2(bytes: &[u8]) -> u32 {
    crc32_mpeg2_parts([bytes])
}

/// CRC-32/MPEG-2 of several byte slices taken back to back, without joining them. Megabytes
/// are checksummed in pieces on all threads and combined: on one thread this CRC was the
/// longest serial step between compressing and writing a package.
pub fn crc32_mpeg2_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u32 {
    let parts: Vec<&[u8]> = parts.into_iter().collect();
    if parts.iter().map(|p| p.len()).sum::<usize>() < PARALLEL_MIN {
        let mut digest = MPEG2.digest();
        for part in parts {
            digest.update(part);
        }
        return digest.finalize();
    }
    let pieces: Vec<&[u8]> = parts.iter().flat_map(|p| p.chunks(PIECE)).collect();
    let sums: Vec<(u32, usize)> = pieces
        .par_iter()
        .map(|p| (MPEG2_FROM_ZERO.checksum(p), p.len()))
        .collect();
    sums.into_iter()
        .fold(CRC_32_MPEG_2.init, |reg, (sum, len)| combine(reg, sum, len))
}

/// The register after `reg` is followed by a piece of `len` bytes whose zero-start CRC is
/// `sum`. The CRC is linear: feeding a piece to `reg` gives `reg * x^(8 len) mod P` (what
/// `len` zero bytes would do) plus the piece's own zero-start CRC.
fn combine(reg: u32, sum: u32, len: usize) -> u32 {
    mul_mod(reg, x_pow_8n(len)) ^ sum
}

/// `a * b mod P` in GF(2)[x], most significant bit = x^31, as this CRC is unreflected.
fn mul_mod(a: u32, b: u32) -> u32 {
    let poly = CRC_32_MPEG_2.poly;
    let (mut a, mut r) = (a, 0u32);
    for i in 0..32 {
        if (b >> i) & 1 == 1 {
            r ^= a;
        }
        a = if a & 0x8000_0000 != 0 {
            (a << 1) ^ poly
        } else {
            a << 1
        };
    }
    r
}

/// `x^(8 n) mod P`, by squaring.
fn x_pow_8n(n: usize) -> u32 {
    let (mut result, mut base) = (1u32, 1u32 << 8); // base = x^8
    let mut n = n;
    while n > 0 {
        if n & 1 == 1 {
            result = mul_mod(result, base);
        }
        base = mul_mod(base, base);
        n >>= 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_matches_the_spec() {
        assert_eq!(crc32_mpeg2(b"123456789"), 0x0376_E6E7);
    }

    /// The table CRC over everything, on one thread: what the pieces must agree with.
    fn sequential(parts: &[&[u8]]) -> u32 {
        let mut d = MPEG2.digest();
        parts.iter().for_each(|p| d.update(p));
        d.finalize()
    }

    #[test]
    fn parallel_pieces_equal_the_sequential_crc() {
        let data: Vec<u8> = (0..4 * PIECE as u32 + 12345)
            .map(|i| (i.wrapping_mul(0x9E37_79B1) >> 13) as u8)
            .collect();
        for cuts in [
            &[][..],
            &[1][..],
            &[PIECE - 1, PIECE + 3][..],
            &[700_001][..],
        ] {
            let mut parts = Vec::new();
            let mut at = 0;
            for &c in cuts {
                parts.push(&data[at..c]);
                at = c;
            }
            parts.push(&data[at..]);
            assert_eq!(
                crc32_mpeg2_parts(parts.clone()),
                sequential(&parts),
                "{cuts:?}"
            );
        }
        let zeros = vec![0u8; PARALLEL_MIN];
        assert_eq!(crc32_mpeg2(&zeros), sequential(&[&zeros]));
    }

    #[test]
    fn combine_appends_a_piece() {
        let (a, b) = (&b"12345"[..], &b"6789"[..]);
        let joined = combine(crc32_mpeg2(a), MPEG2_FROM_ZERO.checksum(b), b.len());
        assert_eq!(joined, 0x0376_E6E7);
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
