//! The strict DEFLATE decoder for EZIP row blocks: dynamic blocks only, every table and code
//! checked, every distance checked against the window and the block start, output bounded by
//! what the block's rows need. Positions in errors are byte offsets from the stream start.

use crate::codes::{
    CL_CODES, CL_ORDER, DIST_BASE, DIST_CODES, DIST_EXTRA, END_OF_BLOCK, LEN_BASE, LEN_EXTRA,
    LITLEN_CODES, MAX_CODE_LEN,
};
use crate::Error;

/// LSB-first reader over one region of the stream.
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    /// Bit position in `data`.
    pos: usize,
    /// Offset of `data` in the stream, for messages.
    base: usize,
    /// Row block, for messages.
    block: usize,
}

impl<'a> BitReader<'a> {
    /// A reader over `data`, which starts `base` bytes into the stream.
    pub(crate) fn new(data: &'a [u8], base: usize, block: usize) -> Self {
        Self {
            data,
            pos: 0,
            base,
            block,
        }
    }

    /// The next 32 bits without consuming them (zeros past the end).
    fn peek32(&self) -> u32 {
        let byte = self.pos / 8;
        let mut v = 0u64;
        for k in 0..5 {
            v |= u64::from(self.data.get(byte + k).copied().unwrap_or(0)) << (8 * k);
        }
        (v >> (self.pos % 8)) as u32
    }

    fn consume(&mut self, n: u32) -> Result<(), Error> {
        let end = self.pos + n as usize;
        if end > self.data.len() * 8 {
            return Err(self.error("data ends inside a code"));
        }
        self.pos = end;
        Ok(())
    }

    /// Reads `n <= 16` bits.
    pub(crate) fn bits(&mut self, n: u32) -> Result<u32, Error> {
        let v = self.peek32() & ((1u32 << n) - 1);
        self.consume(n)?;
        Ok(v)
    }

    /// A decoding error at the current position.
    pub(crate) fn error(&self, reason: &'static str) -> Error {
        Error::Deflate {
            block: self.block,
            offset: self.offset(),
            reason,
        }
    }

    /// Bits read so far.
    pub(crate) fn bit_pos(&self) -> usize {
        self.pos
    }

    /// Byte offset in the stream of the current position.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos / 8
    }

    /// Checks that only zero padding follows, up to the end of the region: to the next byte,
    /// and then to the next 4-byte boundary if `word` (`Padding::Word`) or if the tool may
    /// have done so (`Padding::ByteOrWord`, the last row block, which ezip 2.0.5 does not pad).
    pub(crate) fn expect_padding(&self, pad: Padding) -> Result<(), Error> {
        let used = self.pos.div_ceil(8);
        let word = used.next_multiple_of(4);
        let want = match pad {
            Padding::Byte => used,
            Padding::Word => word,
            Padding::ByteOrWord if self.data.len() == used => used,
            Padding::ByteOrWord => word,
        };
        if self.data.len() != want {
            return Err(self.error(if self.data.len() < want {
                "block padding missing before the next block"
            } else {
                "bytes follow the end of the block"
            }));
        }
        let tail_bits = self.peek32() & ((1u32 << ((8 - self.pos % 8) % 8)) - 1);
        if tail_bits != 0 || self.data[used..].iter().any(|&b| b != 0) {
            return Err(self.error("padding after the block is not zero"));
        }
        Ok(())
    }
}

/// What may follow the end of a block's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Padding {
    /// Zero bits to the next byte (layout 1).
    Byte,
    /// Zero bits and bytes to the next 4-byte boundary (every row block but the last).
    Word,
    /// Either (the last row block).
    ByteOrWord,
}

/// A canonical Huffman decoder: one lookup table indexed by the next `max_len` bits.
pub(crate) struct Decoder {
    /// (symbol, length); length 0 marks bit patterns no code starts with.
    table: Vec<(u16, u8)>,
    max_len: u8,
}

impl Decoder {
    /// Builds the decoder; rejects over-subscribed codes and incomplete ones other than zlib's
    /// exceptions (a single code of one bit, or no code at all).
    pub(crate) fn new(
        lengths: &[u8],
        br: &BitReader<'_>,
        what: &'static str,
    ) -> Result<Self, Error> {
        let mut count = [0u32; 16];
        for &l in lengths {
            count[usize::from(l)] += 1;
        }
        let max_len = (1..16).rev().find(|&l| count[l] > 0).unwrap_or(0) as u8;
        let mut left: i64 = 1;
        for &c in &count[1..] {
            left = (left << 1) - i64::from(c);
            if left < 0 {
                return Err(br.error(match what {
                    "code-length" => "over-subscribed code-length code",
                    "distance" => "over-subscribed distance code",
                    _ => "over-subscribed literal/length code",
                }));
            }
        }
        if left > 0 && max_len > 1 {
            return Err(br.error(match what {
                "code-length" => "incomplete code-length code",
                "distance" => "incomplete distance code",
                _ => "incomplete literal/length code",
            }));
        }
        let size = 1usize << max_len;
        let mut table = vec![(0u16, 0u8); size];
        let mut next = [0u32; 16];
        let mut code = 0u32;
        for bits in 1..16 {
            code = (code + count[bits - 1] * u32::from(bits > 1)) << 1;
            next[bits] = code;
        }
        for (sym, &l) in lengths.iter().enumerate() {
            if l == 0 {
                continue;
            }
            let c = next[usize::from(l)];
            next[usize::from(l)] += 1;
            let rev = (c.reverse_bits() >> (32 - u32::from(l))) as usize;
            for k in (rev..size).step_by(1 << l) {
                table[k] = (sym as u16, l);
            }
        }
        Ok(Self { table, max_len })
    }

    /// Longest code length of this decoder.
    pub(crate) fn max_len(&self) -> u8 {
        self.max_len
    }

    /// Decodes one symbol.
    pub(crate) fn decode(&self, br: &mut BitReader<'_>) -> Result<usize, Error> {
        let idx = (br.peek32() & ((1u32 << self.max_len) - 1)) as usize;
        let (sym, len) = self.table[idx];
        if len == 0 {
            return Err(br.error("bit pattern matches no code"));
        }
        br.consume(len.into())?;
        Ok(sym.into())
    }
}

/// A block's code table: both decoders.
pub(crate) struct Tables {
    /// Lit/length decoder.
    pub lit: Decoder,
    /// Distance decoder.
    pub dist: Decoder,
}

impl Tables {
    /// Longest code of both alphabets.
    pub(crate) fn max_code_len(&self) -> u8 {
        self.lit.max_len().max(self.dist.max_len())
    }
}

/// Reads a dynamic block's table (everything after BFINAL/BTYPE).
pub(crate) fn read_table(br: &mut BitReader<'_>) -> Result<Tables, Error> {
    let hlit = br.bits(5)? as usize + 257;
    let hdist = br.bits(5)? as usize + 1;
    let hclen = br.bits(4)? as usize + 4;
    if hlit > LITLEN_CODES {
        return Err(br.error("HLIT above 286 literal/length codes"));
    }
    if hdist > DIST_CODES {
        return Err(br.error("HDIST above 30 distance codes"));
    }
    let mut cl_len = [0u8; CL_CODES];
    for &s in &CL_ORDER[..hclen] {
        cl_len[s] = br.bits(3)? as u8;
    }
    let cl = Decoder::new(&cl_len, br, "code-length")?;
    let mut lengths = vec![0u8; hlit + hdist];
    let mut i = 0;
    while i < lengths.len() {
        let sym = cl.decode(br)?;
        let (value, run) = match sym {
            0..=15 => (sym as u8, 1),
            16 => {
                let prev = *lengths[..i]
                    .last()
                    .ok_or_else(|| br.error("repeat code 16 with no previous length"))?;
                (prev, 3 + br.bits(2)? as usize)
            }
            17 => (0, 3 + br.bits(3)? as usize),
            _ => (0, 11 + br.bits(7)? as usize),
        };
        if i + run > lengths.len() {
            return Err(br.error("code-length repeat runs past HLIT + HDIST"));
        }
        lengths[i..i + run].fill(value);
        i += run;
    }
    debug_assert!(lengths.iter().all(|&l| l <= MAX_CODE_LEN));
    if lengths[END_OF_BLOCK] == 0 {
        return Err(br.error("no code for end-of-block"));
    }
    Ok(Tables {
        lit: Decoder::new(&lengths[..hlit], br, "literal/length")?,
        dist: Decoder::new(&lengths[hlit..], br, "distance")?,
    })
}

/// Limits one block's decoding must respect.
pub(crate) struct Limits {
    /// Bytes the block's rows need: decoding more is an error.
    pub expected: usize,
    /// LZ77 window in bytes.
    pub window: usize,
}

/// Decodes codes up to end-of-block, appending to `out` (which holds only this block's bytes
/// so far). Returns the largest distance used.
pub(crate) fn read_codes(
    br: &mut BitReader<'_>,
    t: &Tables,
    lim: &Limits,
    out: &mut Vec<u8>,
) -> Result<usize, Error> {
    let mut max_dist = 0;
    loop {
        let at = br.offset();
        let sym = t.lit.decode(br)?;
        if sym == END_OF_BLOCK {
            return Ok(max_dist);
        }
        if sym < 256 {
            if out.len() >= lim.expected {
                return Err(too_long(br, lim, out.len() + 1));
            }
            out.push(sym as u8);
            continue;
        }
        let ls = sym - 257;
        if ls >= LEN_BASE.len() {
            return Err(br.error("invalid length symbol 286 or 287"));
        }
        let len = usize::from(LEN_BASE[ls]) + br.bits(LEN_EXTRA[ls].into())? as usize;
        let ds = t.dist.decode(br)?;
        if ds >= DIST_BASE.len() {
            return Err(br.error("invalid distance symbol 30 or 31"));
        }
        let dist = usize::from(DIST_BASE[ds]) + br.bits(DIST_EXTRA[ds].into())? as usize;
        let block = br.block;
        if dist > lim.window {
            return Err(Error::DistanceBeyondWindow {
                block,
                offset: at,
                distance: dist,
                window: lim.window,
            });
        }
        if dist > out.len() {
            return Err(Error::DistanceBeforeStart {
                block,
                offset: at,
                distance: dist,
                available: out.len(),
            });
        }
        if out.len() + len > lim.expected {
            return Err(too_long(br, lim, out.len() + len));
        }
        max_dist = max_dist.max(dist);
        let start = out.len() - dist;
        for k in 0..len {
            let b = out[start + k];
            out.push(b);
        }
    }
}

fn too_long(br: &BitReader<'_>, lim: &Limits, found: usize) -> Error {
    Error::BlockLength {
        block: br.block,
        expected: lim.expected,
        found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deflate::BitWriter;

    fn table_error(write: impl Fn(&mut BitWriter)) -> Error {
        let mut w = BitWriter::default();
        write(&mut w);
        let bytes = w.finish();
        let mut br = BitReader::new(&bytes, 100, 3);
        read_table(&mut br).err().expect("table accepted")
    }

    fn reason(e: Error) -> &'static str {
        match e {
            Error::Deflate {
                reason, block: 3, ..
            } => reason,
            e => panic!("{e}"),
        }
    }

    /// HLIT, HDIST, HCLEN, then code-length code lengths given for symbols in CL_ORDER.
    fn head(w: &mut BitWriter, hlit: u32, hdist: u32, cl: &[u32]) {
        w.put(hlit - 257, 5);
        w.put(hdist - 1, 5);
        w.put(cl.len() as u32 - 4, 4);
        for &l in cl {
            w.put(l, 3);
        }
    }

    #[test]
    fn hlit_above_286_is_refused() {
        let e = table_error(|w| head(w, 288, 1, &[1, 1, 1, 1]));
        assert_eq!(reason(e), "HLIT above 286 literal/length codes");
    }

    #[test]
    fn an_over_subscribed_code_length_code_is_refused() {
        // Three 1-bit codes cannot exist.
        let e = table_error(|w| head(w, 257, 1, &[1, 1, 1, 0]));
        assert_eq!(reason(e), "over-subscribed code-length code");
    }

    #[test]
    fn an_over_subscribed_literal_code_is_refused() {
        // Code-length code: symbols 16, 17, 18, 0 ... in order; give "1" (symbol 1) and "18"
        // two-bit codes... simpler: symbols 18 and 1 each 1 bit: every length is 1 or a zero run.
        // 257 + 1 lengths: three literals of length 1 (over-subscribed), zeros, end-of-block 1.
        let e = table_error(|w| {
            // CL_ORDER = 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1
            let mut cl = [0u32; 18];
            cl[2] = 1; // symbol 18
            cl[17] = 1; // symbol 1
            head(w, 257, 1, &cl);
            // Canonical: symbol 1 -> code 0, symbol 18 -> code 1 (1 bit each).
            for _ in 0..3 {
                w.put(0, 1); // length 1
            }
            w.put(1, 1);
            w.put(138 - 11, 7); // 138 zeros
            w.put(1, 1);
            w.put(115 - 11, 7); // 115 zeros: 3 + 253 = 256 lengths so far
            w.put(0, 1); // end-of-block length 1
            w.put(0, 1); // the one distance length 1
        });
        assert_eq!(reason(e), "over-subscribed literal/length code");
    }

    #[test]
    fn repeat_16_without_a_previous_length_is_refused() {
        let e = table_error(|w| {
            let mut cl = [0u32; 4];
            cl[0] = 1; // symbol 16
            cl[3] = 1; // symbol 0
            head(w, 257, 1, &cl);
            w.put(1, 1); // symbol 16 (code 1: 0 sorts first)
            w.put(0, 2);
        });
        assert_eq!(reason(e), "repeat code 16 with no previous length");
    }

    #[test]
    fn a_table_without_end_of_block_is_refused() {
        let e = table_error(|w| {
            let mut cl = [0u32; 18];
            cl[2] = 1; // symbol 18
            cl[17] = 1; // symbol 1
            head(w, 257, 1, &cl);
            w.put(0, 1);
            w.put(0, 1); // two literals of length 1
            w.put(1, 1);
            w.put(138 - 11, 7);
            w.put(1, 1);
            w.put(118 - 11, 7); // 2 + 256 = 258 lengths, end-of-block's is 0
        });
        assert_eq!(reason(e), "no code for end-of-block");
    }

    #[test]
    fn data_ending_inside_a_table_is_refused() {
        let e = table_error(|w| w.put(0b1_0101, 5));
        assert_eq!(reason(e), "data ends inside a code");
    }
}
