//! Dynamic-Huffman block coding: the code table (header) and the coded tokens.

use super::bits::BitWriter;
use super::huffman::{canonical_codes, limited_lengths};
use super::lengths::{hclen, lengths_code, LengthsCode};
use super::Token;
use crate::codes::{
    dist_symbol, len_symbol, CL_ORDER, DIST_BASE, DIST_CODES, DIST_EXTRA, END_OF_BLOCK, LEN_BASE,
    LEN_EXTRA, LITLEN_CODES, MAX_CODE_LEN,
};

/// Symbol frequencies of a token sequence (one end-of-block per block counted by the caller).
#[derive(Debug, Clone)]
pub(crate) struct Freqs {
    /// Lit/length symbol counts.
    pub lit: [u32; LITLEN_CODES],
    /// Distance symbol counts.
    pub dist: [u32; DIST_CODES],
}

impl Default for Freqs {
    fn default() -> Self {
        Self {
            lit: [0; LITLEN_CODES],
            dist: [0; DIST_CODES],
        }
    }
}

impl Freqs {
    /// Counts `tokens` and one end-of-block symbol.
    pub(crate) fn add_block(&mut self, tokens: &[Token]) {
        for t in tokens {
            match t.dist() {
                0 => self.lit[usize::from(t.value())] += 1,
                d => {
                    self.lit[257 + len_symbol(usize::from(t.value()))] += 1;
                    self.dist[dist_symbol(usize::from(d))] += 1;
                }
            }
        }
        self.lit[END_OF_BLOCK] += 1;
    }
}

/// A Huffman code table: lengths and LSB-first codes of both alphabets.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// Lit/length code lengths.
    pub lit_len: Vec<u8>,
    lit_code: Vec<u16>,
    /// Distance code lengths.
    pub dist_len: Vec<u8>,
    dist_code: Vec<u16>,
}

impl Table {
    /// The optimal 15-bit-limited table for `f`.
    pub(crate) fn for_freqs(f: &Freqs) -> Self {
        let lit_len = limited_lengths(&f.lit, MAX_CODE_LEN);
        let dist_len = limited_lengths(&f.dist, MAX_CODE_LEN);
        Self {
            lit_code: canonical_codes(&lit_len),
            dist_code: canonical_codes(&dist_len),
            lit_len,
            dist_len,
        }
    }

    /// Writes the table as a dynamic block header after BFINAL/BTYPE (HLIT, HDIST, HCLEN,
    /// code-length code, run-length coded lengths).
    pub(crate) fn write(&self, w: &mut BitWriter) {
        let hlit = used_prefix(&self.lit_len, 257);
        let hdist = used_prefix(&self.dist_len, 1);
        let LengthsCode { runs, cl_len } =
            lengths_code(&self.lit_len[..hlit], &self.dist_len[..hdist]);
        let cl_code = canonical_codes(&cl_len);
        let hclen = hclen(&cl_len);
        w.put((hlit - 257) as u32, 5);
        w.put((hdist - 1) as u32, 5);
        w.put((hclen - 4) as u32, 4);
        for &s in &CL_ORDER[..hclen] {
            w.put(cl_len[s].into(), 3);
        }
        for (sym, extra) in runs {
            let s = usize::from(sym);
            w.put(cl_code[s].into(), cl_len[s].into());
            match sym {
                16 => w.put(extra.into(), 2),
                17 => w.put(extra.into(), 3),
                18 => w.put(extra.into(), 7),
                _ => {}
            }
        }
    }

    /// Writes `tokens` and the end-of-block code.
    pub(crate) fn write_tokens(&self, w: &mut BitWriter, tokens: &[Token]) {
        for t in tokens {
            match t.dist() {
                0 => self.put_lit(w, usize::from(t.value())),
                d => {
                    let len = usize::from(t.value());
                    let ls = len_symbol(len);
                    self.put_lit(w, 257 + ls);
                    w.put(
                        (len - usize::from(LEN_BASE[ls])) as u32,
                        LEN_EXTRA[ls].into(),
                    );
                    let d = usize::from(d);
                    let ds = dist_symbol(d);
                    w.put(self.dist_code[ds].into(), self.dist_len[ds].into());
                    w.put(
                        (d - usize::from(DIST_BASE[ds])) as u32,
                        DIST_EXTRA[ds].into(),
                    );
                }
            }
        }
        self.put_lit(w, END_OF_BLOCK);
    }

    /// Bits the table and symbols of `f` take when coded with this table.
    pub(crate) fn bits(&self, f: &Freqs) -> usize {
        let mut w = BitWriter::default();
        self.write(&mut w);
        let mut bits = w.bit_len();
        for (s, &n) in f.lit.iter().enumerate() {
            let extra = if s > 256 { LEN_EXTRA[s - 257] } else { 0 };
            bits += n as usize * usize::from(self.lit_len[s] + extra);
        }
        for (s, &n) in f.dist.iter().enumerate() {
            bits += n as usize * usize::from(self.dist_len[s] + DIST_EXTRA[s]);
        }
        bits
    }

    fn put_lit(&self, w: &mut BitWriter, s: usize) {
        w.put(self.lit_code[s].into(), self.lit_len[s].into());
    }
}

/// Number of entries up to the last non-zero one, at least `min`.
fn used_prefix(lengths: &[u8], min: usize) -> usize {
    lengths
        .iter()
        .rposition(|&l| l != 0)
        .map_or(min, |p| (p + 1).max(min))
}
