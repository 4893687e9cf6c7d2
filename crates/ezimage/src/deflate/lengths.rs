//! The code lengths of a dynamic block header, run-length coded (RFC 1951 §3.2.7): greedy
//! like zlib, then cost-optimal under the code-length code the greedy runs give, and so on
//! while it gets shorter.

use super::huffman::limited_lengths;
use crate::codes::{CL_CODES, CL_ORDER, MAX_CL_CODE_LEN};

/// The run-length coded lengths and the code-length code that codes them.
pub(crate) struct LengthsCode {
    /// (symbol 0-18, extra-bits value) in order: the lit/length lengths, then the distance
    /// lengths (runs never cross from one into the other, as zlib's never do).
    pub runs: Vec<(u8, u8)>,
    /// Code-length code lengths (at most 7 bits).
    pub cl_len: Vec<u8>,
}

/// The shortest coding found for `lit` and `dist` lengths (greedy, then up to three
/// cost-optimal rounds).
pub(crate) fn lengths_code(lit: &[u8], dist: &[u8]) -> LengthsCode {
    let mut runs = rle(lit);
    runs.extend(rle(dist));
    let mut best = with_code(runs);
    for _ in 0..3 {
        let cost: Vec<u32> = best
            .cl_len
            .iter()
            .map(|&l| if l == 0 { 8 } else { u32::from(l) })
            .collect();
        let mut runs = rle_optimal(lit, &cost);
        runs.extend(rle_optimal(dist, &cost));
        let next = with_code(runs);
        if bits(&next) >= bits(&best) {
            break;
        }
        best = next;
    }
    best
}

fn with_code(runs: Vec<(u8, u8)>) -> LengthsCode {
    let mut freq = [0u32; CL_CODES];
    for &(sym, _) in &runs {
        freq[usize::from(sym)] += 1;
    }
    LengthsCode {
        cl_len: limited_lengths(&freq, MAX_CL_CODE_LEN),
        runs,
    }
}

/// HCLEN: code-length code lengths sent (trailing zeros in `CL_ORDER` are not, at least 4).
pub(crate) fn hclen(cl_len: &[u8]) -> usize {
    CL_ORDER
        .iter()
        .rposition(|&s| cl_len[s] != 0)
        .map_or(4, |p| (p + 1).max(4))
}

/// Extra bits of a code-length symbol.
fn extra_bits(sym: u8) -> u32 {
    match sym {
        16 => 2,
        17 => 3,
        18 => 7,
        _ => 0,
    }
}

/// Header bits after HLIT/HDIST/HCLEN: the code-length code lengths and the runs.
fn bits(c: &LengthsCode) -> usize {
    let runs: u32 = c
        .runs
        .iter()
        .map(|&(s, _)| u32::from(c.cl_len[usize::from(s)]) + extra_bits(s))
        .sum();
    3 * hclen(&c.cl_len) + runs as usize
}

/// The cheapest run-length coding of `lengths` when symbol `s` costs `cost[s]` bits plus its
/// extra bits (shortest path over positions).
fn rle_optimal(lengths: &[u8], cost: &[u32]) -> Vec<(u8, u8)> {
    let n = lengths.len();
    let mut best = vec![u32::MAX; n + 1];
    let mut from = vec![(0u8, 0u8, 0usize); n + 1];
    best[0] = 0;
    for i in 0..n {
        if best[i] == u32::MAX {
            continue;
        }
        let v = lengths[i];
        let same = lengths[i..].iter().take_while(|&&l| l == v).count();
        let mut relax = |to: usize, sym: u8, extra: u8| {
            let c = best[i] + cost[usize::from(sym)] + extra_bits(sym);
            if c < best[to] {
                best[to] = c;
                from[to] = (sym, extra, i);
            }
        };
        relax(i + 1, v, 0);
        if v == 0 {
            for r in 3..=same.min(10) {
                relax(i + r, 17, (r - 3) as u8);
            }
            for r in 11..=same.min(138) {
                relax(i + r, 18, (r - 11) as u8);
            }
        } else if i > 0 && lengths[i - 1] == v {
            for r in 3..=same.min(6) {
                relax(i + r, 16, (r - 3) as u8);
            }
        }
    }
    let mut out = Vec::new();
    let mut i = n;
    while i > 0 {
        let (sym, extra, prev) = from[i];
        out.push((sym, extra));
        i = prev;
    }
    out.reverse();
    out
}

/// Run-length codes (symbol 0-18, extra-bits value) of a code-length sequence.
fn rle(lengths: &[u8]) -> Vec<(u8, u8)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lengths.len() {
        let v = lengths[i];
        let run = lengths[i..].iter().take_while(|&&l| l == v).count();
        let mut left = run;
        if v == 0 {
            while left >= 11 {
                let n = left.min(138);
                out.push((18, (n - 11) as u8));
                left -= n;
            }
            if left >= 3 {
                out.push((17, (left - 3) as u8));
                left = 0;
            }
        } else {
            out.push((v, 0));
            left -= 1;
            while left >= 3 {
                let n = left.min(6);
                out.push((16, (n - 3) as u8));
                left -= n;
            }
        }
        out.extend(std::iter::repeat_n((v, 0), left));
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rle_uses_repeat_codes_and_reproduces_the_lengths() {
        let mut l = vec![0u8; 150];
        l.extend([5; 9]);
        l.extend([0; 5]);
        l.push(7);
        let runs = rle(&l);
        assert_eq!(super::optimal_tests::expand(&runs), l);
        assert_eq!(runs[0], (18, 127));
        assert_eq!(runs[1], (18, 1)); // the 12 zeros left after 138
    }
}

#[cfg(test)]
mod optimal_tests {
    use super::*;

    /// The code lengths a run list stands for (symbols 16, 17, 18 as RFC 1951 3.2.7 defines).
    pub(super) fn expand(runs: &[(u8, u8)]) -> Vec<u8> {
        let mut back: Vec<u8> = Vec::new();
        for &(s, e) in runs {
            match s {
                16 => {
                    let last = *back.last().unwrap();
                    back.extend(std::iter::repeat_n(last, usize::from(e) + 3));
                }
                17 => back.extend(std::iter::repeat_n(0, usize::from(e) + 3)),
                18 => back.extend(std::iter::repeat_n(0, usize::from(e) + 11)),
                v => back.push(v),
            }
        }
        back
    }

    #[test]
    fn optimal_runs_reproduce_the_lengths_and_never_cost_more_than_greedy() {
        let mut l = vec![8u8; 144];
        l.extend([9; 112]);
        l.extend([7, 8, 8, 8, 8, 8, 8, 8, 8, 0, 0, 0, 5, 5, 5, 5, 5, 0, 0]);
        for cost in [
            [3u32; 19],
            [1, 2, 3, 4, 5, 6, 7, 2, 2, 2, 7, 7, 7, 7, 7, 7, 5, 5, 5],
        ] {
            let opt = rle_optimal(&l, &cost);
            assert_eq!(expand(&opt), l);
            let price = |r: &[(u8, u8)]| -> u32 {
                r.iter()
                    .map(|&(s, _)| cost[usize::from(s)] + extra_bits(s))
                    .sum()
            };
            assert!(price(&opt) <= price(&rle(&l)));
        }
        let c = lengths_code(&l, &[1, 1]);
        let mut want = l.clone();
        want.extend([1, 1]);
        assert_eq!(expand(&c.runs), want);
    }
}
