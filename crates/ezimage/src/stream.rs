//! EZIP stream assembly and parsing: header, palette, block table, DEFLATE data, Adler-32
//! (shared doc `sifli-ezip-image.md` §1-2).

use zerocopy::big_endian::{U16, U32};
use zerocopy::{FromBytes, IntoBytes};

use crate::check::{BlockReport, StructureReport};
use crate::deflate::{self, BitWriter, Effort, Token};
use crate::filter::{self, Choice};
use crate::header::{header_bpp_byte, pixel_bpp, EzipBlockTableHead, EzipImageHeader, HeaderInfo};
use crate::inflate::{read_codes, read_table, BitReader, Limits, Padding};
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
    // Lazy matching for each filter choice ranks them; the best ones go on to optimal
    // parsing, which costs several times more.
    let mut ranked = candidate_choices()
        .into_iter()
        .map(|choice| Candidate::lazy(p, o, per_block, choice, max_dist))
        .collect::<Result<Vec<_>, _>>()?;
    ranked.sort_by_key(|c| c.stream.len());
    ranked.truncate(OPTIMIZED_CHOICES);
    let shared = o.layout == EzipLayout::Four;
    let mut best: Option<Vec<u8>> = None;
    for c in ranked {
        let tokens = deflate::optimize(&c.blocks, c.tokens, max_dist, shared);
        let s = assemble(p, o, per_block, &c.blocks, &tokens)?;
        // Once more with each row's filter chosen by what its bytes cost as literals under
        // the code just found: rows then agree with the image's statistics.
        let costs = deflate::literal_costs(&tokens);
        let again = Candidate::filtered(p, per_block, |r| costs.bits(r));
        let again_tokens = again
            .iter()
            .map(|b| deflate::tokenize(b, max_dist, CHOICE_EFFORT))
            .collect();
        let again_tokens = deflate::optimize(&again, again_tokens, max_dist, shared);
        let s2 = assemble(p, o, per_block, &again, &again_tokens)?;
        for s in [s, s2, c.stream] {
            if best.as_ref().is_none_or(|b| s.len() < b.len()) {
                best = Some(s);
            }
        }
    }
    best.ok_or(too_big(0))
}

/// How many of the best-ranked filter choices are optimally parsed (2 saved 3 bytes of 9249
/// on the vendor resources for twice the time).
const OPTIMIZED_CHOICES: usize = 1;

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

/// Filter choices tried; the smallest stream wins.
fn candidate_choices() -> Vec<Choice> {
    let mut v = vec![Choice::MinSum, Choice::MinEntropy];
    v.extend(filter::VENDOR_FILTERS.map(Choice::All));
    v
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
fn assemble(
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

/// How strictly [`parse`] judges row filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filters {
    /// PNG filters 0-4 (what a PNG decoder accepts).
    Png,
    /// Only 1-4, as the vendor tool writes.
    Vendor,
}

/// A parsed stream: its plan, the palette and the filtered rows.
pub(crate) struct Parsed {
    pub report: StructureReport,
    pub palette: Vec<[u8; 4]>,
    pub filtered: Vec<u8>,
}

/// Reads and checks every structural rule of a stream and inflates its row blocks.
pub(crate) fn parse(stream: &[u8], filters: Filters) -> Result<Parsed, Error> {
    let info = HeaderInfo::parse(stream)?;
    if info.total_len != stream.len() {
        return Err(Error::BadField {
            field: "total length",
            offset: 0,
            value: info.total_len as u64,
            expected: "the stream's length",
        });
    }
    let adler_at = stream
        .len()
        .checked_sub(4)
        .filter(|&a| a >= 16)
        .ok_or(Error::Truncated {
            field: "Adler-32",
            offset: 16,
            needed: 4,
            available: stream.len().saturating_sub(16),
        })?;
    let mut pos = size_of::<EzipImageHeader>();
    let pal_bytes = take(stream, pos, 4 * info.palette_len, adler_at, "palette")?;
    let palette: Vec<[u8; 4]> = pal_bytes
        .chunks_exact(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect();
    pos += pal_bytes.len();
    let layout_plan = plan_blocks(stream, pos, adler_at, &info)?;
    let row_bytes = 1 + info.stride();
    let mut filtered = Vec::new();
    let mut blocks = Vec::with_capacity(layout_plan.regions.len());
    let mut max_code_len = 0;
    let mut table_bits = 0;
    let shared = match &layout_plan.table {
        Some(r) => {
            let mut br = BitReader::new(&stream[r.clone()], r.start, 0);
            let t = read_table(&mut br)?;
            table_bits = br.bit_pos();
            br.expect_padding(Padding::Word)?;
            max_code_len = t.max_code_len();
            Some(t)
        }
        None => None,
    };
    let last = layout_plan.regions.len() - 1;
    for (i, r) in layout_plan.regions.iter().enumerate() {
        let rows = layout_plan
            .rows_per_block
            .min(usize::from(info.height) - i * layout_plan.rows_per_block);
        let lim = Limits {
            expected: rows * row_bytes,
            window: info.window.bytes(),
        };
        let mut br = BitReader::new(&stream[r.clone()], r.start, i);
        let bfinal = br.bits(1)? == 1;
        if br.bits(2)? != 2 {
            return Err(br.error("block is not a dynamic-Huffman block (BTYPE 2)"));
        }
        if bfinal != (i == last) {
            return Err(br.error(if bfinal {
                "BFINAL set before the last row block"
            } else {
                "BFINAL missing on the last row block"
            }));
        }
        let own;
        let t = match &shared {
            Some(t) => t,
            None => {
                own = read_table(&mut br)?;
                max_code_len = max_code_len.max(own.max_code_len());
                &own
            }
        };
        let mut out = Vec::new();
        let max_distance = read_codes(&mut br, t, &lim, &mut out)?;
        if out.len() != lim.expected {
            return Err(Error::BlockLength {
                block: i,
                expected: lim.expected,
                found: out.len(),
            });
        }
        br.expect_padding(match info.layout {
            EzipLayout::One => Padding::Byte,
            _ if i == last => Padding::ByteOrWord,
            _ => Padding::Word,
        })?;
        filtered.extend_from_slice(&out);
        blocks.push(BlockReport {
            offset: r.start,
            len: r.len(),
            rows,
            max_distance,
        });
    }
    let stored = u32::from_be_bytes([
        stream[adler_at],
        stream[adler_at + 1],
        stream[adler_at + 2],
        stream[adler_at + 3],
    ]);
    let computed = adler2::adler32_slice(&filtered);
    if stored != computed {
        return Err(Error::Adler {
            offset: adler_at,
            stored,
            computed,
        });
    }
    let mut filter_counts = [0usize; 5];
    for (row, r) in filtered.chunks_exact(row_bytes).enumerate() {
        let f = r[0];
        let ok = match filters {
            Filters::Png => f <= 4,
            Filters::Vendor => (1..=4).contains(&f),
        };
        if !ok {
            return Err(Error::BadFilter {
                row,
                filter: f,
                expected: if filters == Filters::Png {
                    "0-4"
                } else {
                    "1-4 (the vendor's)"
                },
            });
        }
        filter_counts[usize::from(f)] += 1;
    }
    let report = StructureReport {
        header: info,
        rows_per_block: layout_plan.rows_per_block,
        table_len: layout_plan.table.map_or(0, |r| r.len()),
        table_bits,
        max_code_len,
        max_distance: blocks.iter().map(|b| b.max_distance).max().unwrap_or(0),
        blocks,
        filter_counts,
        adler32: stored,
    };
    Ok(Parsed {
        report,
        palette,
        filtered,
    })
}

/// Where each row block's data lies.
struct BlockPlan {
    rows_per_block: usize,
    /// Layout 4's shared table.
    table: Option<std::ops::Range<usize>>,
    regions: Vec<std::ops::Range<usize>>,
}

fn take<'a>(
    s: &'a [u8],
    at: usize,
    n: usize,
    end: usize,
    field: &'static str,
) -> Result<&'a [u8], Error> {
    if at + n > end {
        return Err(Error::Truncated {
            field,
            offset: at,
            needed: n,
            available: end.saturating_sub(at),
        });
    }
    Ok(&s[at..at + n])
}

/// Reads the block table (layouts 2 and 4) and checks its offsets.
fn plan_blocks(s: &[u8], pos: usize, end: usize, info: &HeaderInfo) -> Result<BlockPlan, Error> {
    let height = usize::from(info.height);
    if info.layout == EzipLayout::One {
        return Ok(BlockPlan {
            rows_per_block: height,
            table: None,
            regions: std::iter::once(pos..end).collect(),
        });
    }
    let head_bytes = take(s, pos, size_of::<EzipBlockTableHead>(), end, "block table")?;
    let (th, _) =
        EzipBlockTableHead::read_from_prefix(head_bytes).map_err(|_| Error::Truncated {
            field: "block table",
            offset: pos,
            needed: 4,
            available: head_bytes.len(),
        })?;
    let per = usize::from(th.rows_per_block.get());
    if per == 0 {
        return Err(Error::BadField {
            field: "rows per block",
            offset: pos,
            value: 0,
            expected: "1 or more",
        });
    }
    let count = usize::from(th.block_count.get());
    if count != height.div_ceil(per) {
        return Err(Error::BadField {
            field: "block count",
            offset: pos + 2,
            value: count as u64,
            expected: "height / rows per block, rounded up",
        });
    }
    let offs_at = pos + 4;
    let raw = take(s, offs_at, 4 * count, end, "block offsets")?;
    let offsets: Vec<usize> = raw
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let data_start = offs_at + 4 * count;
    let mut prev = data_start;
    for (i, &o) in offsets.iter().enumerate() {
        let first_ok = info.layout == EzipLayout::Four || o == data_start;
        if o % 4 != 0 || o < prev || o > end || (i == 0 && !first_ok) || (i > 0 && o == prev) {
            return Err(Error::BadField {
                field: "block offset",
                offset: offs_at + 4 * i,
                value: o as u64,
                expected: "4-byte aligned, increasing, inside the stream",
            });
        }
        prev = o;
    }
    let mut regions = Vec::with_capacity(count);
    for i in 0..count {
        let stop = offsets.get(i + 1).copied().unwrap_or(end);
        regions.push(offsets[i]..stop);
    }
    let table = (info.layout == EzipLayout::Four).then(|| data_start..offsets[0]);
    if table.as_ref().is_some_and(|t| t.is_empty()) {
        return Err(Error::BadField {
            field: "block offset",
            offset: offs_at,
            value: offsets[0] as u64,
            expected: "after layout 4's shared table",
        });
    }
    Ok(BlockPlan {
        rows_per_block: per,
        table,
        regions,
    })
}

/// Decodes a stream back to pixels (strict and bounded: every structural rule is checked, and
/// no more memory is taken than the header's size implies; PNG filter 0 is accepted).
pub fn decode(stream: &[u8]) -> Result<Pixels, Error> {
    let parsed = parse(stream, Filters::Png)?;
    let info = parsed.report.header;
    let stride = info.stride();
    let step = usize::from(info.bits_per_pixel).div_ceil(8).max(1);
    let mut data = Vec::with_capacity(stride * usize::from(info.height));
    let per = parsed.report.rows_per_block;
    for (y, row) in parsed.filtered.chunks_exact(stride + 1).enumerate() {
        let start = data.len();
        data.extend_from_slice(&row[1..]);
        let up_start = if y % per == 0 { start } else { start - stride };
        let (done, cur) = data.split_at_mut(start);
        filter::unfilter_row(row[0], cur, &done[up_start..], step);
    }
    Ok(Pixels {
        color: info.color,
        bits_per_pixel: info.bits_per_pixel,
        width: info.width,
        height: info.height,
        palette: parsed.palette,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes `tokens` stand for (zeros where a crafted match reaches before the start).
    fn expand(tokens: &[Token]) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        for t in tokens {
            match t.dist() {
                0 => out.push(t.value() as u8),
                d => {
                    for _ in 0..t.value() {
                        let b = out.len().checked_sub(usize::from(d)).map_or(0, |i| out[i]);
                        out.push(b);
                    }
                }
            }
        }
        out
    }

    /// An RGB888 stream of `width` x `blocks.len() * rows` whose blocks hold exactly `blocks`.
    fn craft(width: u16, rows: u16, o: EzipOptions, blocks: Vec<Vec<Token>>) -> Vec<u8> {
        let height = rows * blocks.len() as u16;
        let p = Pixels {
            color: ColorType::Rgb888,
            bits_per_pixel: 24,
            width,
            height,
            palette: Vec::new(),
            data: Vec::new(),
        };
        let filtered: Vec<Vec<u8>> = blocks.iter().map(|b| expand(b)).collect();
        assemble(&p, &o, usize::from(rows), &filtered, &blocks).unwrap()
    }

    fn noise(n: usize) -> Vec<Token> {
        (0..n)
            .map(|i| Token::literal((i * 7919 % 251) as u8))
            .collect()
    }

    fn one(window: Window) -> EzipOptions {
        EzipOptions {
            layout: EzipLayout::One,
            rows_per_block: 0,
            window,
        }
    }

    #[test]
    fn distance_beyond_the_2k_window_is_refused() {
        // One 3001-byte row: filter byte, 2500 literals, a 258-byte match 2500 back, 242 more.
        let mut t = vec![Token::literal(1)];
        t.extend(noise(2500));
        t.push(Token::matched(258, 2500));
        t.extend(noise(242));
        assert_eq!(expand(&t).len(), 3001);
        let ok = craft(1000, 1, one(Window::K8), vec![t.clone()]);
        assert_eq!(check_structure_report(&ok).max_distance, 2500);
        let bad = craft(1000, 1, one(Window::K2), vec![t]);
        let e = decode(&bad).unwrap_err();
        assert_eq!(
            e,
            Error::DistanceBeyondWindow {
                block: 0,
                offset: e_offset(&e),
                distance: 2500,
                window: 2048
            }
        );
    }

    fn e_offset(e: &Error) -> usize {
        match e {
            Error::DistanceBeyondWindow { offset, .. }
            | Error::DistanceBeforeStart { offset, .. } => {
                assert!(*offset >= 16);
                *offset
            }
            _ => 0,
        }
    }

    fn check_structure_report(s: &[u8]) -> StructureReport {
        parse(s, Filters::Vendor).unwrap().report
    }

    #[test]
    fn references_into_the_previous_row_block_are_refused() {
        // Two 1-row blocks of a 2-pixel image (7 bytes a row); the second block starts with a
        // match 7 back, which only works if references did not restart at the block.
        let first = vec![Token::literal(1), Token::literal(9), Token::matched(5, 1)];
        let second = vec![Token::literal(1), Token::matched(6, 7)];
        for layout in [EzipLayout::Two, EzipLayout::Four] {
            let o = EzipOptions {
                layout,
                rows_per_block: 1,
                window: Window::K8,
            };
            let s = craft(2, 1, o, vec![first.clone(), second.clone()]);
            let e = decode(&s).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::DistanceBeforeStart {
                        block: 1,
                        distance: 7,
                        available: 1,
                        ..
                    }
                ),
                "{e}"
            );
        }
    }

    #[test]
    fn filter_0_decodes_but_fails_the_structure_check_and_filter_5_fails_both() {
        let mut zero = vec![Token::literal(0)];
        zero.extend(noise(6));
        let s = craft(2, 1, one(Window::K8), vec![zero]);
        assert!(decode(&s).is_ok());
        let e = parse(&s, Filters::Vendor).err().unwrap();
        assert_eq!(
            e,
            Error::BadFilter {
                row: 0,
                filter: 0,
                expected: "1-4 (the vendor's)"
            }
        );
        let mut five = vec![Token::literal(5)];
        five.extend(noise(6));
        let s = craft(2, 1, one(Window::K8), vec![five]);
        assert_eq!(
            decode(&s).unwrap_err(),
            Error::BadFilter {
                row: 0,
                filter: 5,
                expected: "0-4"
            }
        );
    }

    #[test]
    fn a_block_with_too_few_or_too_many_bytes_is_refused() {
        let short = craft(2, 1, one(Window::K8), vec![noise(6)]);
        assert_eq!(
            decode(&short).unwrap_err(),
            Error::BlockLength {
                block: 0,
                expected: 7,
                found: 6
            }
        );
        let long = craft(2, 1, one(Window::K8), vec![noise(8)]);
        assert_eq!(
            decode(&long).unwrap_err(),
            Error::BlockLength {
                block: 0,
                expected: 7,
                found: 8
            }
        );
    }
}
