//! Length-limited Huffman codes (package-merge) and canonical code assignment.

/// Optimal code lengths of at most `limit` bits for `freqs` (package-merge, Larmore and
/// Hirschberg). Symbols with frequency 0 get length 0. When fewer than two symbols are used,
/// one or two unused symbols are given length 1 so the code is complete (decoders such as
/// zlib's, and perhaps the engine, reject incomplete codes).
pub(crate) fn limited_lengths(freqs: &[u32], limit: u8) -> Vec<u8> {
    let mut freqs = freqs.to_vec();
    let mut used = freqs.iter().filter(|&&f| f > 0).count();
    for f in freqs.iter_mut() {
        if used >= 2 {
            break;
        }
        if *f == 0 {
            *f = 1;
            used += 1;
        }
    }
    let mut leaves: Vec<(u64, usize)> = freqs
        .iter()
        .enumerate()
        .filter(|(_, &f)| f > 0)
        .map(|(s, &f)| (u64::from(f), s))
        .collect();
    leaves.sort_unstable();
    let mut lengths = vec![0u8; freqs.len()];
    if leaves.len() < 2 {
        // Only reachable with fewer than two symbols in the alphabet.
        for &(_, s) in &leaves {
            lengths[s] = 1;
        }
        return lengths;
    }
    package_merge(&leaves, limit, &mut lengths);
    lengths
}

/// A package-merge item: a leaf (symbol) or a package of two earlier items.
#[derive(Clone, Copy)]
enum Item {
    Leaf(usize),
    Package(usize, usize),
}

fn package_merge(leaves: &[(u64, usize)], limit: u8, lengths: &mut [u8]) {
    let n = leaves.len();
    // Arena of items; `list` holds (weight, arena index) sorted by weight.
    let mut arena: Vec<Item> = leaves.iter().map(|&(_, s)| Item::Leaf(s)).collect();
    let leaf_list: Vec<(u64, usize)> = leaves
        .iter()
        .enumerate()
        .map(|(i, &(w, _))| (w, i))
        .collect();
    let mut list = leaf_list.clone();
    for _ in 1..limit {
        let mut packages = Vec::with_capacity(list.len() / 2);
        for pair in list.chunks_exact(2) {
            arena.push(Item::Package(pair[0].1, pair[1].1));
            packages.push((pair[0].0 + pair[1].0, arena.len() - 1));
        }
        list = merge(&leaf_list, &packages);
    }
    // The 2n-2 cheapest items of the last list; each leaf's length is how often it occurs.
    let mut stack: Vec<usize> = list.iter().take(2 * n - 2).map(|&(_, i)| i).collect();
    while let Some(i) = stack.pop() {
        match arena[i] {
            Item::Leaf(s) => lengths[s] += 1,
            Item::Package(a, b) => {
                stack.push(a);
                stack.push(b);
            }
        }
    }
}

/// Merges two weight-sorted lists; leaves go first on equal weights.
fn merge(a: &[(u64, usize)], b: &[(u64, usize)]) -> Vec<(u64, usize)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if j == b.len() || (i < a.len() && a[i].0 <= b[j].0) {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out
}

/// Canonical codes for `lengths` (RFC 1951 §3.2.2), bit-reversed for LSB-first writing.
pub(crate) fn canonical_codes(lengths: &[u8]) -> Vec<u16> {
    let mut count = [0u16; 16];
    for &l in lengths {
        count[usize::from(l)] += 1;
    }
    count[0] = 0;
    let mut next = [0u16; 16];
    let mut code = 0u16;
    for bits in 1..16 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    lengths
        .iter()
        .map(|&l| {
            if l == 0 {
                return 0;
            }
            let c = next[usize::from(l)];
            next[usize::from(l)] += 1;
            c.reverse_bits() >> (16 - u32::from(l))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kraft(lengths: &[u8]) -> f64 {
        lengths
            .iter()
            .filter(|&&l| l > 0)
            .map(|&l| 0.5f64.powi(i32::from(l)))
            .sum()
    }

    #[test]
    fn fibonacci_frequencies_are_limited_to_15_bits_and_complete() {
        // Fibonacci weights make an unlimited Huffman tree as deep as the alphabet is long.
        let mut f = vec![1u32, 1];
        while f.len() < 30 {
            let n = f[f.len() - 1] + f[f.len() - 2];
            f.push(n);
        }
        let l = limited_lengths(&f, 15);
        assert_eq!(*l.iter().max().unwrap(), 15);
        assert!((kraft(&l) - 1.0).abs() < 1e-12);
        // Unlimited, the rarest symbols would need 29 bits.
        let l7 = limited_lengths(&f, 7);
        assert!(*l7.iter().max().unwrap() <= 7);
        assert!((kraft(&l7) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn one_used_symbol_still_gives_a_complete_code() {
        let l = limited_lengths(&[0, 0, 5, 0], 15);
        assert_eq!(l, [1, 0, 1, 0]);
        let l = limited_lengths(&[0, 0, 0], 15);
        assert_eq!(l, [1, 1, 0]);
    }

    #[test]
    fn package_merge_is_optimal_on_a_small_case() {
        // Huffman for 1,1,2,4 gives lengths 3,3,2,1; limited to 2 bits all become 2.
        assert_eq!(limited_lengths(&[1, 1, 2, 4], 15), [3, 3, 2, 1]);
        assert_eq!(limited_lengths(&[1, 1, 2, 4], 2), [2, 2, 2, 2]);
    }

    #[test]
    fn canonical_codes_follow_rfc1951_example() {
        // RFC 1951 §3.2.2: lengths (3,3,3,3,3,2,4,4) give F=00, A=010 .. E=110, G=1110, H=1111.
        let c = canonical_codes(&[3, 3, 3, 3, 3, 2, 4, 4]);
        let msb: Vec<u16> = c
            .iter()
            .zip([3u32, 3, 3, 3, 3, 2, 4, 4])
            .map(|(&c, l)| c.reverse_bits() >> (16 - l))
            .collect();
        assert_eq!(msb, [2, 3, 4, 5, 6, 0, 14, 15]);
    }
}
