//! Optimal parsing: the cheapest token sequence under a bit-cost model (shortest path over
//! positions, as zopfli does), iterated with the model taken from the previous parse's
//! Huffman table. It beats lazy matching because a match is taken or split by what it costs in
//! this block's own code, not by its length.

use super::block::{Freqs, Table};
use super::lz77::{Chains, Effort};
use super::Token;
use crate::codes::{
    dist_symbol, len_symbol, DIST_CODES, DIST_EXTRA, LEN_EXTRA, MAX_MATCH, MIN_MATCH,
};

/// Bit costs of every literal, match length and distance symbol under one table.
pub(crate) struct Costs {
    lit: [f32; 256],
    len: [f32; MAX_MATCH + 1],
    dist: [f32; DIST_CODES],
}

impl Costs {
    /// Costs of `t`'s codes; symbols the table has no code for cost more than the longest.
    pub(crate) fn of(t: &Table) -> Self {
        let unused = |l: u8| if l == 0 { 17.0 } else { f32::from(l) };
        let mut c = Self {
            lit: [0.0; 256],
            len: [0.0; MAX_MATCH + 1],
            dist: [0.0; DIST_CODES],
        };
        for (b, cost) in c.lit.iter_mut().enumerate() {
            *cost = unused(t.lit_len[b]);
        }
        for l in MIN_MATCH..=MAX_MATCH {
            let s = len_symbol(l);
            c.len[l] = unused(t.lit_len[257 + s]) + f32::from(LEN_EXTRA[s]);
        }
        for (s, cost) in c.dist.iter_mut().enumerate() {
            *cost = unused(t.dist_len[s]) + f32::from(DIST_EXTRA[s]);
        }
        c
    }
}

/// Every position's useful matches, found once and reused by every round: for each position,
/// the nearest match of each new longest length, (length, distance), increasing length.
pub(crate) struct Matches {
    start: Vec<u32>,
    items: Vec<(u16, u16)>,
    /// Positions whose only match is the previous position's longest-possible match one byte
    /// shorter (inside a long repetition).
    inherited: Vec<bool>,
}

/// Effort of the optimal parser's match search: fewer chain steps than lazy matching, since
/// it searches every position instead of skipping the inside of matches.
const OPTIMAL_EFFORT: Effort = Effort {
    max_chain: 512,
    nice: MAX_MATCH,
    good: 32,
};

/// After a match longer than this (so of the longest length, 258), the next position takes the
/// same match one byte shorter instead of searching (zopfli's shortcut for long repetitions).
const LONG_MATCH: usize = 257;

impl Matches {
    /// Finds the matches of every position of `data` within `max_dist`.
    pub(crate) fn find(data: &[u8], max_dist: usize) -> Self {
        let mut chains = Chains::new(data, max_dist, OPTIMAL_EFFORT);
        let mut start = Vec::with_capacity(data.len() + 1);
        let mut items: Vec<(u16, u16)> = Vec::new();
        let mut inherited = vec![false; data.len()];
        // The longest match at the previous position.
        let mut last: (usize, usize) = (0, 0);
        for (i, inherit) in inherited.iter_mut().enumerate() {
            chains.insert(i);
            start.push(items.len() as u32);
            if last.0 > LONG_MATCH {
                last = (last.0 - 1, last.1);
                items.push((last.0 as u16, last.1 as u16));
                *inherit = true;
                continue;
            }
            last = (0, 0);
            chains.for_each_longer(i, MIN_MATCH - 1, |p, len| {
                items.push((len as u16, (i - p) as u16));
                last = (len, i - p);
            });
        }
        start.push(items.len() as u32);
        Self {
            start,
            items,
            inherited,
        }
    }

    fn at(&self, i: usize) -> &[(u16, u16)] {
        &self.items[self.start[i] as usize..self.start[i + 1] as usize]
    }
}

impl Costs {
    /// The literal costs.
    pub(crate) fn literals(&self) -> [f32; 256] {
        self.lit
    }
}

/// The cheapest tokens of `data` under `costs`, choosing among `matches`.
pub(crate) fn parse(data: &[u8], matches: &Matches, costs: &Costs) -> Vec<Token> {
    let n = data.len();
    let mut cost = vec![f32::INFINITY; n + 1];
    // How each position is best reached: (length, distance); distance 0 = literal.
    let mut from = vec![(0u16, 0u16); n + 1];
    cost[0] = 0.0;
    for i in 0..n {
        let here = cost[i];
        let lit = here + costs.lit[usize::from(data[i])];
        if lit < cost[i + 1] {
            cost[i + 1] = lit;
            from[i + 1] = (1, 0);
        }
        // Inside a long repetition the previous position's match already reached the shorter
        // lengths about as cheaply: only the longest is tried (zopfli's shortcut).
        let mut covered = if matches.inherited[i] {
            matches.at(i).first().map_or(0, |m| usize::from(m.0) - 1)
        } else {
            MIN_MATCH - 1
        };
        // Nearest first: each length is best reached by the nearest match that has it.
        for &(len, d) in matches.at(i) {
            let (len, d) = (usize::from(len), usize::from(d));
            let dc = here + costs.dist[dist_symbol(d)];
            for l in covered + 1..=len {
                let c = dc + costs.len[l];
                if c < cost[i + l] {
                    cost[i + l] = c;
                    from[i + l] = (l as u16, d as u16);
                }
            }
            covered = covered.max(len);
        }
    }
    let mut out = Vec::new();
    let mut i = n;
    while i > 0 {
        let (l, d) = from[i];
        let l = usize::from(l);
        out.push(if d == 0 {
            Token::literal(data[i - 1])
        } else {
            Token::matched(l, d.into())
        });
        i -= l;
    }
    out.reverse();
    out
}

/// Improves `blocks`' tokens by optimal parsing, `rounds` times; with `shared` one cost model
/// for all blocks (layout 4's one table), else one per block. Keeps the cheapest round.
pub(crate) fn optimize(
    data: &[Vec<u8>],
    mut tokens: Vec<Vec<Token>>,
    max_dist: usize,
    shared: bool,
    rounds: usize,
) -> Vec<Vec<Token>> {
    let matches: Vec<Matches> = data.iter().map(|d| Matches::find(d, max_dist)).collect();
    let mut best_bits = total_bits(&tokens, shared);
    for _ in 0..rounds {
        let tables: Vec<Table> = if shared {
            vec![Table::for_freqs(&freqs_of(&tokens))]
        } else {
            tokens
                .iter()
                .map(|t| Table::for_freqs(&freqs_of(std::slice::from_ref(t))))
                .collect()
        };
        let next: Vec<Vec<Token>> = data
            .iter()
            .enumerate()
            .map(|(i, d)| {
                parse(
                    d,
                    &matches[i],
                    &Costs::of(&tables[if shared { 0 } else { i }]),
                )
            })
            .collect();
        let bits = total_bits(&next, shared);
        if bits >= best_bits {
            break;
        }
        best_bits = bits;
        tokens = next;
    }
    tokens
}

fn freqs_of(blocks: &[Vec<Token>]) -> Freqs {
    let mut f = Freqs::default();
    for b in blocks {
        f.add_block(b);
    }
    f
}

/// Coded size in bits of all blocks (tables included).
fn total_bits(blocks: &[Vec<Token>], shared: bool) -> usize {
    if shared {
        Table::for_freqs(&freqs_of(blocks)).bits(&freqs_of(blocks))
    } else {
        blocks
            .iter()
            .map(|b| {
                let f = freqs_of(std::slice::from_ref(b));
                Table::for_freqs(&f).bits(&f)
            })
            .sum()
    }
}
