//! PNG row filters (PNG spec §9): the step is the bytes per pixel (1 for palettes); the row
//! above the first row of every row block counts as zeros, since filters restart there.

/// Filter types the vendor tool writes (1 Sub, 2 Up, 3 Average, 4 Paeth; never 0 None).
pub(crate) const VENDOR_FILTERS: [u8; 4] = [1, 2, 3, 4];

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// The predictor of filter `kind` for byte `i` of `out` (already reconstructed bytes on the
/// left in `cur`, the row above in `up`, zeros when absent).
#[inline]
fn predict(kind: u8, cur: &[u8], up: &[u8], i: usize, step: usize) -> u8 {
    let a = if i >= step { cur[i - step] } else { 0 };
    let b = up.get(i).copied().unwrap_or(0);
    match kind {
        1 => a,
        2 => b,
        3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
        4 => paeth(
            a,
            b,
            if i >= step {
                up.get(i - step).copied().unwrap_or(0)
            } else {
                0
            },
        ),
        _ => 0,
    }
}

/// Appends the filter byte and `row` filtered with `kind` to `out`; `up` is the row above
/// (empty at a block's first row).
pub(crate) fn filter_row(kind: u8, row: &[u8], up: &[u8], step: usize, out: &mut Vec<u8>) {
    out.push(kind);
    for i in 0..row.len() {
        out.push(row[i].wrapping_sub(predict(kind, row, up, i, step)));
    }
}

/// Reverses the filter in place (`kind` 0-4, checked by the caller).
pub(crate) fn unfilter_row(kind: u8, row: &mut [u8], up: &[u8], step: usize) {
    for i in 0..row.len() {
        let p = predict(kind, row, up, i, step);
        row[i] = row[i].wrapping_add(p);
    }
}

/// How rows pick their filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    /// Every row the same filter.
    All(u8),
    /// Per row, the filter with the smallest sum of absolute (signed) residuals (libpng's
    /// heuristic).
    MinSum,
    /// Per row, the filter whose residual bytes have the smallest Shannon entropy (fewest
    /// bits if coded alone; favours rows of few distinct bytes).
    MinEntropy,
}

/// Sum of absolute signed residuals of a filtered row (without its filter byte).
fn abs_sum(filtered: &[u8]) -> f64 {
    filtered
        .iter()
        .map(|&b| f64::from((b as i8).unsigned_abs()))
        .sum()
}

/// Bits of a filtered row coded alone with ideal codes for its own byte histogram.
fn entropy_bits(filtered: &[u8]) -> f64 {
    let mut hist = [0u32; 256];
    for &b in filtered {
        hist[usize::from(b)] += 1;
    }
    let n = filtered.len() as f64;
    hist.iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let c = f64::from(c);
            -c * (c / n).log2()
        })
        .sum()
}

/// Filters `rows` (each `stride` bytes) of one row block by `choice`.
pub(crate) fn filter_block(rows: &[u8], stride: usize, step: usize, choice: Choice) -> Vec<u8> {
    match choice {
        Choice::All(k) => {
            let mut out = Vec::with_capacity(rows.len() + rows.len() / stride.max(1));
            let mut up: &[u8] = &[];
            for row in rows.chunks_exact(stride) {
                filter_row(k, row, up, step, &mut out);
                up = row;
            }
            out
        }
        Choice::MinSum => filter_block_by(rows, stride, step, abs_sum),
        Choice::MinEntropy => filter_block_by(rows, stride, step, entropy_bits),
    }
}

/// Filters `rows` choosing per row the filter whose residuals `score` lowest.
pub(crate) fn filter_block_by(
    rows: &[u8],
    stride: usize,
    step: usize,
    score: impl Fn(&[u8]) -> f64,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() + rows.len() / stride.max(1));
    let mut trial = Vec::with_capacity(stride + 1);
    let mut up: &[u8] = &[];
    for row in rows.chunks_exact(stride) {
        let mut best = (f64::INFINITY, 1);
        for k in VENDOR_FILTERS {
            trial.clear();
            filter_row(k, row, up, step, &mut trial);
            let cost = score(&trial[1..]);
            if cost < best.0 {
                best = (cost, k);
            }
        }
        filter_row(best.1, row, up, step, &mut out);
        up = row;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_round_trips_with_and_without_a_row_above() {
        let up: Vec<u8> = (0..24u8).map(|i| i.wrapping_mul(37)).collect();
        let row: Vec<u8> = (0..24u8).map(|i| i.wrapping_mul(91) ^ 0x5a).collect();
        for kind in 0..=4 {
            for step in [1, 2, 3, 4] {
                for above in [&up[..], &[][..]] {
                    let mut out = Vec::new();
                    filter_row(kind, &row, above, step, &mut out);
                    assert_eq!(out[0], kind);
                    let mut back = out[1..].to_vec();
                    unfilter_row(kind, &mut back, above, step);
                    assert_eq!(back, row, "filter {kind} step {step}");
                }
            }
        }
    }

    #[test]
    fn heuristics_pick_sub_for_a_ramp_and_up_for_a_repeated_row() {
        // Row 0: a ramp (Sub leaves all 3s; Paeth ties with Sub without a row above and loses
        // the tie). Row 1: row 0 again (Up leaves zeros).
        let ramp: Vec<u8> = (0..16u8).map(|i| i * 3 + 7).collect();
        let rows = [ramp.clone(), ramp].concat();
        for choice in [Choice::MinSum, Choice::MinEntropy] {
            let out = filter_block(&rows, 16, 1, choice);
            assert_eq!((out[0], out[17]), (1, 2), "{choice:?}");
            assert!(out[18..].iter().all(|&b| b == 0));
        }
        let out = filter_block_by(&rows, 16, 1, |r| -abs_sum(r));
        assert_ne!(out[17], 2, "the score decides, lowest wins");
    }

    #[test]
    fn paeth_matches_the_png_spec_tie_breaks() {
        assert_eq!(paeth(10, 10, 10), 10);
        assert_eq!(paeth(1, 5, 1), 5);
        assert_eq!(paeth(5, 1, 1), 5);
        assert_eq!(paeth(3, 7, 9), 3);
    }
}
