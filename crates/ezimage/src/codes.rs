//! DEFLATE's fixed alphabets (RFC 1951 §3.2.5, §3.2.7), shared by the encoder and the decoder.

/// Lit/length alphabet size (0-255 literals, 256 end of block, 257-285 lengths).
pub(crate) const LITLEN_CODES: usize = 286;
/// Distance alphabet size.
pub(crate) const DIST_CODES: usize = 30;
/// Code-length alphabet size.
pub(crate) const CL_CODES: usize = 19;
/// The end-of-block symbol.
pub(crate) const END_OF_BLOCK: usize = 256;
/// Longest code of the lit/length and distance alphabets.
pub(crate) const MAX_CODE_LEN: u8 = 15;
/// Longest code of the code-length alphabet (3-bit fields).
pub(crate) const MAX_CL_CODE_LEN: u8 = 7;
/// Shortest and longest match.
pub(crate) const MIN_MATCH: usize = 3;
/// Longest match.
pub(crate) const MAX_MATCH: usize = 258;

/// Order in which the code-length code lengths are sent.
pub(crate) const CL_ORDER: [usize; CL_CODES] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Base length of lit/length symbols 257..=285.
pub(crate) const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
/// Extra bits of lit/length symbols 257..=285.
pub(crate) const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Base distance of distance symbols 0..=29.
pub(crate) const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
/// Extra bits of distance symbols 0..=29.
pub(crate) const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// Lit/length symbol index (0..29, add 257) of a match length 3..=258.
pub(crate) fn len_symbol(len: usize) -> usize {
    // The last base <= len; 258 has its own symbol (284 could also code it, with 5 extra bits).
    LEN_BASE.partition_point(|&b| usize::from(b) <= len) - 1
}

/// Distance symbol of a distance 1..=32768.
pub(crate) fn dist_symbol(dist: usize) -> usize {
    DIST_BASE.partition_point(|&b| usize::from(b) <= dist) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_cover_their_ranges_exactly() {
        for len in MIN_MATCH..=MAX_MATCH {
            let s = len_symbol(len);
            let base = usize::from(LEN_BASE[s]);
            assert!(
                len >= base && len - base < 1 << LEN_EXTRA[s],
                "length {len}"
            );
        }
        assert_eq!(len_symbol(258), 28);
        assert_eq!(len_symbol(257), 27);
        for dist in 1..=32768 {
            let s = dist_symbol(dist);
            let base = usize::from(DIST_BASE[s]);
            assert!(
                dist >= base && dist - base < 1 << DIST_EXTRA[s],
                "distance {dist}"
            );
        }
    }
}
