//! EZIP stream encoding: filter choices, matching and coding, and the assembly of header,
//! palette, block table, DEFLATE data and Adler-32 (shared doc `sifli-ezip-image.md` §1-2).

use zerocopy::big_endian::{U16, U32};
use zerocopy::IntoBytes;

use crate::deflate::{self, BitWriter, Effort, Token};
use crate::filter::{self, Choice};
use crate::header::{header_bpp_byte, pixel_bpp, EzipBlockTableHead, EzipImageHeader, HeaderInfo};
use crate::{ColorType, Error, EzipLayout, Pixels, Window};

/// How to encode: the vendor tool's `-dpt`, `-ers` and `-winsize` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EzipOptions {
    /// Stream layout.
    pub layout: EzipLayout,
    /// Rows per block for layouts 2 and 4 (at least 1; ignored for layout 1).
    pub rows_per_block: u16,
    /// LZ77 window.
    pub window: Window,
}

/// Our encoder never reaches further back than zlib does in a window of this size (zlib keeps
/// 262 bytes of lookahead): the engine is only known to accept what zlib-made streams use.
const LOOKAHEAD_MARGIN: usize = 262;

/// Encodes `p` as a complete EZIP stream (header, palette, block table, data, Adler-32).
pub fn encode(p: &Pixels, o: &EzipOptions) -> Result<Vec<u8>, Error> {
    check_pixels(p)?;
    let rows = usize::from(p.height);
    let per_block = match o.layout {
        EzipLayout::One => rows,
        _ if o.rows_per_block == 0 => {
            return Err(Error::BadImage {
                field: "rows per block",
                value: 0,
                expected: "1 or more",
            })
        }
        _ => usize::from(o.rows_per_block).min(rows),
    };
    let max_dist = o.window.bytes() - LOOKAHEAD_MARGIN;
    // A lazy pass ranks the filter choices; only the best goes on to optimal parsing, which
    // costs several times more (parsing the best two saved 3 bytes of 9249 on the vendor
    // resources, for twice the time).
    let mut best = Candidate::lazy(p, o, per_block, FIRST_CHOICE, max_dist)?;
    for choice in other_choices() {
        let c = Candidate::lazy(p, o, per_block, choice, max_dist)?;
        if c.stream.len() < best.stream.len() {
            best = c;
        }
    }
    refine(p, o, per_block, best, max_dist)
}

/// The smallest of a candidate's lazy stream, its optimal parse, and the optimal parse of
/// rows re-filtered by what their bytes cost as literals under the code that parse found (so
/// rows agree with the image's statistics).
fn refine(
    p: &Pixels,
    o: &EzipOptions,
    per_block: usize,
    c: Candidate,
    max_dist: usize,
) -> Result<Vec<u8>, Error> {
    let shared = o.layout == EzipLayout::Four;
    let tokens = deflate::optimize(&c.blocks, c.tokens, max_dist, shared);
    let first = assemble(p, o, per_block, &c.blocks, &tokens)?;
    let costs = deflate::literal_costs(&tokens);
    let again = Candidate::filtered(p, per_block, |r| costs.bits(r));
    let again_tokens = again
        .iter()
        .map(|b| deflate::tokenize(b, max_dist, CHOICE_EFFORT))
        .collect();
    let again_tokens = deflate::optimize(&again, again_tokens, max_dist, shared);
    let second = assemble(p, o, per_block, &again, &again_tokens)?;
    let mut best = c.stream;
    for s in [first, second] {
        if s.len() < best.len() {
            best = s;
        }
    }
    Ok(best)
}

/// Match search effort while comparing filter choices: enough to rank them (optimal parsing
/// of the winner does the real work), at a fraction of zlib level 9's cost.
const CHOICE_EFFORT: Effort = Effort {
    max_chain: 128,
    nice: 128,
    good: 32,
};

/// One filter choice's filtered row blocks, tokens and stream.
struct Candidate {
    blocks: Vec<Vec<u8>>,
    tokens: Vec<Vec<Token>>,
    stream: Vec<u8>,
}

impl Candidate {
    /// Row blocks filtered with per-row choices by `score` (lower is better).
    fn filtered(p: &Pixels, per_block: usize, score: impl Fn(&[u8]) -> f64) -> Vec<Vec<u8>> {
        let stride = p.stride();
        p.data
            .chunks(per_block * stride)
            .map(|rows| filter::filter_block_by(rows, stride, p.filter_step(), &score))
            .collect()
    }

    fn lazy(
        p: &Pixels,
        o: &EzipOptions,
        per_block: usize,
        choice: Choice,
        max_dist: usize,
    ) -> Result<Self, Error> {
        let stride = p.stride();
        let blocks: Vec<Vec<u8>> = p
            .data
            .chunks(per_block * stride)
            .map(|rows| filter::filter_block(rows, stride, p.filter_step(), choice))
            .collect();
        let tokens: Vec<Vec<Token>> = blocks
            .iter()
            .map(|b| deflate::tokenize(b, max_dist, CHOICE_EFFORT))
            .collect();
        let stream = assemble(p, o, per_block, &blocks, &tokens)?;
        Ok(Self {
            blocks,
            tokens,
            stream,
        })
    }
}

/// The first filter choice tried (libpng's heuristic).
const FIRST_CHOICE: Choice = Choice::MinSum;

/// The other filter choices tried; the smallest stream wins.
fn other_choices() -> impl Iterator<Item = Choice> {
    std::iter::once(Choice::MinEntropy).chain(filter::VENDOR_FILTERS.map(Choice::All))
}

fn check_pixels(p: &Pixels) -> Result<(), Error> {
    let bad = |field, value: usize, expected| Error::BadImage {
        field,
        value: value as u64,
        expected,
    };
    if p.width == 0 || p.height == 0 {
        return Err(bad("width or height", 0, "1 or more"));
    }
    if pixel_bpp(p.color, header_bpp_byte(p.color, p.bits_per_pixel)) != Some(p.bits_per_pixel) {
        return Err(bad(
            "bits per pixel",
            p.bits_per_pixel.into(),
            "16 RGB565, 24 ARGB8565/RGB888, 32 ARGB8888, 1/2/4/8 palette",
        ));
    }
    let want = usize::from(p.height) * p.stride();
    if p.data.len() != want {
        return Err(bad(
            "pixel data length",
            p.data.len(),
            "height * stride bytes",
        ));
    }
    match (p.color, p.palette.len()) {
        (ColorType::Palette, 1..=256)
        | (ColorType::Rgb565 | ColorType::Argb8565 | ColorType::Rgb888 | ColorType::Argb8888, 0) => {
            Ok(())
        }
        (ColorType::Palette, n) => Err(bad("palette length", n, "1..=256 entries")),
        (_, n) => Err(bad(
            "palette length",
            n,
            "0 for a colour type without palette",
        )),
    }
}

/// Serialises the stream from filtered row blocks and their tokens.
pub(crate) fn assemble(
    p: &Pixels,
    o: &EzipOptions,
    per_block: usize,
    blocks: &[Vec<u8>],
    tokens: &[Vec<Token>],
) -> Result<Vec<u8>, Error> {
    let mut adler = adler2::Adler32::new();
    for b in blocks {
        adler.write_slice(b);
    }
    let mut head = Vec::new();
    for e in &p.palette {
        head.extend_from_slice(e);
    }
    let mut w = BitWriter::default();
    let prefix = size_of::<EzipImageHeader>() + head.len();
    match o.layout {
        EzipLayout::One => deflate::write_dynamic_block(&mut w, &tokens[0], true),
        layout => {
            let table_len = size_of::<EzipBlockTableHead>() + 4 * blocks.len();
            let offsets = if layout == EzipLayout::Two {
                let mut offs = Vec::new();
                for (i, t) in tokens.iter().enumerate() {
                    offs.push(w.bit_len() / 8);
                    let last = i + 1 == tokens.len();
                    deflate::write_dynamic_block(&mut w, t, last);
                    // The tool pads every block but the last (the Adler-32 follows unaligned).
                    if !last {
                        w.align_word();
                    }
                }
                offs
            } else {
                deflate::write_shared_table_blocks(&mut w, tokens)
            };
            let th = EzipBlockTableHead {
                rows_per_block: U16::new(per_block as u16),
                block_count: U16::new(blocks.len() as u16),
            };
            head.extend_from_slice(th.as_bytes());
            for off in offsets {
                let abs = u32::try_from(prefix + table_len + off).map_err(|_| too_big(off))?;
                head.extend_from_slice(U32::new(abs).as_bytes());
            }
        }
    }
    let data = w.finish();
    let total = size_of::<EzipImageHeader>() + head.len() + data.len() + 4;
    let info = HeaderInfo {
        total_len: total,
        color: p.color,
        bits_per_pixel: p.bits_per_pixel,
        layout: o.layout,
        window: o.window,
        width: p.width,
        height: p.height,
        palette_len: p.palette.len(),
    };
    if u32::try_from(total).is_err() || blocks.len() > usize::from(u16::MAX) {
        return Err(too_big(total));
    }
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(info.to_raw().as_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&data);
    out.extend_from_slice(&adler.checksum().to_be_bytes());
    Ok(out)
}

fn too_big(n: usize) -> Error {
    Error::BadImage {
        field: "stream length",
        value: n as u64,
        expected: "under 4 GiB",
    }
}
