//! The DEFLATE encoder (RFC 1951), written for the vendor's block structure: one dynamic block
//! per row block, or one detached table shared by all row blocks (layout 4). No general-purpose
//! DEFLATE library can emit a detached table, so matching and Huffman coding are our own.

mod bits;
mod block;
mod huffman;
mod lengths;
mod lz77;
mod optimal;

pub(crate) use bits::BitWriter;
use block::{Freqs, Table};
pub(crate) use lz77::Effort;

/// One LZ77 token: a literal byte, or a match (length 3..=258, distance 1..=32768).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    /// Literal byte or match length.
    value: u16,
    /// Distance; 0 for a literal.
    dist: u16,
}

impl Token {
    /// A literal byte.
    pub(crate) fn literal(b: u8) -> Self {
        Self {
            value: b.into(),
            dist: 0,
        }
    }

    /// A match of `len` bytes `dist` back.
    pub(crate) fn matched(len: usize, dist: usize) -> Self {
        Self {
            value: len as u16,
            dist: dist as u16,
        }
    }

    /// Literal byte or match length.
    pub(crate) fn value(self) -> u16 {
        self.value
    }

    /// Distance, 0 for a literal.
    pub(crate) fn dist(self) -> u16 {
        self.dist
    }
}

/// Tokens of one row block's filtered bytes by lazy matching (fast; the first estimate);
/// matches reach at most `max_dist` back.
pub(crate) fn tokenize(data: &[u8], max_dist: usize, effort: Effort) -> Vec<Token> {
    lz77::lazy(data, max_dist, effort)
}

/// Better tokens for all row blocks by iterated optimal parsing, starting from `tokens`;
/// `shared` when the blocks share one table (layout 4).
pub(crate) fn optimize(
    data: &[Vec<u8>],
    tokens: Vec<Vec<Token>>,
    max_dist: usize,
    shared: bool,
) -> Vec<Vec<Token>> {
    optimal::optimize(data, tokens, max_dist, shared, 4)
}

/// What each byte costs as a literal under the code `blocks` would get (one code for all).
pub(crate) fn literal_costs(blocks: &[Vec<Token>]) -> LiteralCosts {
    let mut f = Freqs::default();
    for b in blocks {
        f.add_block(b);
    }
    LiteralCosts(optimal::Costs::of(&Table::for_freqs(&f)).literals())
}

/// Bits per literal byte under one code.
pub(crate) struct LiteralCosts([f32; 256]);

impl LiteralCosts {
    /// Bits of `bytes` coded as literals.
    pub(crate) fn bits(&self, bytes: &[u8]) -> f64 {
        bytes
            .iter()
            .map(|&b| f64::from(self.0[usize::from(b)]))
            .sum()
    }
}

/// Writes one complete dynamic-Huffman block (BFINAL = `last`, BTYPE 2) with its own table.
pub(crate) fn write_dynamic_block(w: &mut BitWriter, tokens: &[Token], last: bool) {
    let mut f = Freqs::default();
    f.add_block(tokens);
    let table = Table::for_freqs(&f);
    w.put(u32::from(last) | 2 << 1, 3);
    table.write(w);
    table.write_tokens(w, tokens);
}

/// Writes layout 4's data: one table for all blocks (without BFINAL/BTYPE), then each block
/// as BFINAL/BTYPE bits and codes; every part but the last zero-padded to 4 bytes. Returns each block's
/// offset from the start of the written data.
pub(crate) fn write_shared_table_blocks(w: &mut BitWriter, blocks: &[Vec<Token>]) -> Vec<usize> {
    let mut f = Freqs::default();
    for b in blocks {
        f.add_block(b);
    }
    let table = Table::for_freqs(&f);
    table.write(w);
    w.align_word();
    let mut offsets = Vec::with_capacity(blocks.len());
    for (i, b) in blocks.iter().enumerate() {
        offsets.push(w.bit_len() / 8);
        let last = i + 1 == blocks.len();
        w.put(u32::from(last) | 2 << 1, 3);
        table.write_tokens(w, b);
        // The tool pads every block but the last (the Adler-32 follows unaligned).
        if !last {
            w.align_word();
        }
    }
    offsets
}
