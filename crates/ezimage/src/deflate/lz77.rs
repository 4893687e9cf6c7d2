//! LZ77 match finding: hash chains over 3-byte prefixes, and zlib-style lazy matching.

use super::Token;
use crate::codes::{MAX_MATCH, MIN_MATCH};

const HASH_BITS: u32 = 15;
const NONE: u32 = u32::MAX;

/// Match-finder effort (zlib level 9's values by default).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Effort {
    /// Chain entries visited per position.
    pub max_chain: usize,
    /// A match this long ends the search.
    pub nice: usize,
    /// Once a match is this long, only a quarter of the remaining chain is searched (zlib's
    /// `good_length`).
    pub good: usize,
}

impl Default for Effort {
    fn default() -> Self {
        Self {
            max_chain: 4096,
            nice: MAX_MATCH,
            good: 32,
        }
    }
}

/// Hash chains over one row block: `prev[i]` is the previous position with the same hash.
pub(crate) struct Chains<'a> {
    data: &'a [u8],
    head: Vec<u32>,
    prev: Vec<u32>,
    max_dist: usize,
    effort: Effort,
}

fn hash3(d: &[u8], i: usize) -> usize {
    let v = u32::from(d[i]) << 16 | u32::from(d[i + 1]) << 8 | u32::from(d[i + 2]);
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

impl<'a> Chains<'a> {
    /// Empty chains over `data`; matches reach at most `max_dist` bytes back.
    pub(crate) fn new(data: &'a [u8], max_dist: usize, effort: Effort) -> Self {
        Self {
            data,
            head: vec![NONE; 1 << HASH_BITS],
            prev: vec![NONE; data.len()],
            max_dist,
            effort,
        }
    }

    /// Adds position `i` to its chain (positions must be inserted in increasing order).
    pub(crate) fn insert(&mut self, i: usize) {
        if i + MIN_MATCH <= self.data.len() {
            let h = hash3(self.data, i);
            self.prev[i] = self.head[h];
            self.head[h] = i as u32;
        }
    }

    /// Calls `f(position, length)` for each earlier match at `i` (after `insert(i)`) longer
    /// than every nearer one and than `at_least`, nearest first, until the nice length.
    pub(crate) fn for_each_longer(
        &self,
        i: usize,
        at_least: usize,
        mut f: impl FnMut(usize, usize),
    ) {
        let nice = self.effort.nice;
        self.for_each_match_quick(i, at_least, |p, len| {
            f(p, len);
            len < nice
        });
    }

    /// The longest match at `i` (after `insert(i)`): (length, distance), length 0 if none.
    pub(crate) fn longest(&self, i: usize, at_least: usize) -> (usize, usize) {
        let (mut best, mut dist) = (at_least.max(MIN_MATCH - 1), 0);
        let nice = self.effort.nice;
        self.for_each_match_quick(i, best, |p, len| {
            if len > best {
                best = len;
                dist = i - p;
            }
            best < nice
        });
        if dist == 0 {
            (0, 0)
        } else {
            (best, dist)
        }
    }

    /// Like [`Self::for_each_match`], but skips candidates that cannot beat `best` (first
    /// compares the byte at `best`, zlib's trick).
    fn for_each_match_quick(&self, i: usize, best: usize, mut f: impl FnMut(usize, usize) -> bool) {
        let data = self.data;
        let max_len = MAX_MATCH.min(data.len() - i);
        if max_len < MIN_MATCH {
            return;
        }
        let mut best = best;
        let mut j = self.prev[i];
        let mut chain = self.effort.max_chain;
        while j != NONE && chain > 0 {
            let p = j as usize;
            if i - p > self.max_dist {
                break;
            }
            if best >= max_len || data[p + best] == data[i + best] {
                let len = match_len(data, p, i, max_len);
                if len > best {
                    if best < self.effort.good && len >= self.effort.good {
                        chain = (chain / 4).max(1);
                    }
                    best = len;
                    if !f(p, len) {
                        return;
                    }
                }
            }
            j = self.prev[p];
            chain -= 1;
        }
    }
}

/// Length of the common prefix of `data[p..]` and `data[i..]`, at most `max_len` (8 bytes
/// at a time: the match search spends most of its time here).
fn match_len(data: &[u8], p: usize, i: usize, max_len: usize) -> usize {
    let a = &data[p..p + max_len];
    let b = &data[i..i + max_len];
    let mut n = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let wx = u64::from_le_bytes(x.try_into().unwrap_or_default());
        let wy = u64::from_le_bytes(y.try_into().unwrap_or_default());
        let diff = wx ^ wy;
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + a[n..]
        .iter()
        .zip(&b[n..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Tokens of `data` by zlib's lazy matching (`deflate_slow`): a match is emitted only if the
/// next position does not start a longer one.
pub(crate) fn lazy(data: &[u8], max_dist: usize, effort: Effort) -> Vec<Token> {
    let mut chains = Chains::new(data, max_dist, effort);
    let mut out = Vec::with_capacity(data.len() / 2);
    // The match found at the previous position, waiting for the next position's verdict.
    let mut pending: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < data.len() {
        chains.insert(i);
        let prev_len = pending.map_or(0, |(l, _)| l);
        let (len, dist) = if prev_len < effort.nice {
            chains.longest(i, prev_len)
        } else {
            (0, 0)
        };
        // zlib drops 3-byte matches far away: they cost more than three literals.
        let (len, dist) = if len == MIN_MATCH && dist > 4096 {
            (0, 0)
        } else {
            (len, dist)
        };
        match pending {
            Some((pl, pd)) if len <= pl => {
                out.push(Token::matched(pl, pd));
                // Positions i+1 .. i-1+pl are covered by the match; index them.
                for k in i + 1..i - 1 + pl {
                    chains.insert(k);
                }
                i = i - 1 + pl;
                pending = None;
            }
            Some(_) => {
                out.push(Token::literal(data[i - 1]));
                pending = (len >= MIN_MATCH).then_some((len, dist));
                i += 1;
            }
            None => {
                if len >= MIN_MATCH {
                    pending = Some((len, dist));
                } else {
                    out.push(Token::literal(data[i]));
                }
                i += 1;
            }
        }
    }
    if let Some((pl, pd)) = pending {
        out.push(Token::matched(pl, pd));
    }
    out
}
