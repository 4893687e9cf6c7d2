//! EZIP stream parsing: every structural rule checked, row blocks inflated, rows unfiltered
//! (shared doc `sifli-ezip-image.md` §1-2). [`decode`] and `check_structure` share it.

use std::ops::Range;

use zerocopy::big_endian::U32;
use zerocopy::FromBytes;

use crate::filter;
use crate::header::{EzipBlockTableHead, EzipImageHeader, HeaderInfo};
use crate::inflate::{read_codes, read_table, BitReader, Limits, Padding, Tables};
use crate::{Error, EzipLayout, Pixels};

/// One row block as found in a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockReport {
    /// Offset of the block's data from the stream start.
    pub offset: usize,
    /// Bytes up to the next block (or the Adler-32), padding included.
    pub len: usize,
    /// Rows in the block.
    pub rows: usize,
    /// Largest LZ77 distance used in the block (0 if none).
    pub max_distance: usize,
}

/// What [`crate::check_structure`] found in a stream that keeps every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureReport {
    /// The header.
    pub header: HeaderInfo,
    /// Rows per block (the height for layout 1).
    pub rows_per_block: usize,
    /// Bytes of layout 4's shared Huffman table, padding included (0 for other layouts).
    pub table_len: usize,
    /// Bits of layout 4's shared Huffman table without its padding (0 for other layouts).
    pub table_bits: usize,
    /// Row blocks (one for layout 1).
    pub blocks: Vec<BlockReport>,
    /// Longest Huffman code (DEFLATE cannot express more than 15; reported for completeness).
    pub max_code_len: u8,
    /// Largest LZ77 distance (never above the header's window).
    pub max_distance: usize,
    /// Rows per filter type 0-4 (0 is always zero in a report).
    pub filter_counts: [usize; 5],
    /// The stream's Adler-32 (equal to the filtered rows').
    pub adler32: u32,
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
        .filter(|&a| a >= size_of::<EzipImageHeader>())
        .ok_or(Error::Truncated {
            field: "Adler-32",
            offset: 16,
            needed: 4,
            available: stream.len().saturating_sub(16),
        })?;
    let pos = size_of::<EzipImageHeader>();
    let pal_bytes = take(stream, pos, 4 * info.palette_len, adler_at, "palette")?;
    let palette: Vec<[u8; 4]> = pal_bytes
        .chunks_exact(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect();
    let plan = plan_blocks(stream, pos + pal_bytes.len(), adler_at, &info)?;
    let (shared, table_bits) = match &plan.table {
        Some(r) => {
            let mut br = BitReader::new(&stream[r.clone()], r.start, 0);
            let t = read_table(&mut br)?;
            let bits = br.bit_pos();
            br.expect_padding(Padding::Word)?;
            (Some(t), bits)
        }
        None => (None, 0),
    };
    let mut max_code_len = shared.as_ref().map_or(0, Tables::max_code_len);
    let mut filtered = Vec::new();
    let mut blocks = Vec::with_capacity(plan.regions.len());
    for (i, r) in plan.regions.iter().enumerate() {
        let rows = plan
            .rows_per_block
            .min(usize::from(info.height) - i * plan.rows_per_block);
        let block = Block {
            stream,
            region: r.clone(),
            index: i,
            last: i + 1 == plan.regions.len(),
            rows,
        };
        let (out, max_distance, code_len) = block.inflate(&info, shared.as_ref())?;
        max_code_len = max_code_len.max(code_len);
        filtered.extend_from_slice(&out);
        blocks.push(BlockReport {
            offset: r.start,
            len: r.len(),
            rows,
            max_distance,
        });
    }
    let adler32 = check_adler(stream, adler_at, &filtered)?;
    let filter_counts = count_filters(&filtered, 1 + info.stride(), filters)?;
    let report = StructureReport {
        header: info,
        rows_per_block: plan.rows_per_block,
        table_len: plan.table.map_or(0, |r| r.len()),
        table_bits,
        max_code_len,
        max_distance: blocks.iter().map(|b| b.max_distance).max().unwrap_or(0),
        blocks,
        filter_counts,
        adler32,
    };
    Ok(Parsed {
        report,
        palette,
        filtered,
    })
}

/// One row block's data in the stream.
struct Block<'a> {
    stream: &'a [u8],
    region: Range<usize>,
    index: usize,
    last: bool,
    rows: usize,
}

impl Block<'_> {
    /// Inflates the block (its own table, or layout 4's `shared` one): its filtered rows, the
    /// largest distance and the longest code it used.
    fn inflate(
        &self,
        info: &HeaderInfo,
        shared: Option<&Tables>,
    ) -> Result<(Vec<u8>, usize, u8), Error> {
        let i = self.index;
        let lim = Limits {
            expected: self.rows * (1 + info.stride()),
            window: info.window.bytes(),
        };
        let mut br = BitReader::new(&self.stream[self.region.clone()], self.region.start, i);
        let bfinal = br.bits(1)? == 1;
        if br.bits(2)? != 2 {
            return Err(br.error("block is not a dynamic-Huffman block (BTYPE 2)"));
        }
        if bfinal != self.last {
            return Err(br.error(if bfinal {
                "BFINAL set before the last row block"
            } else {
                "BFINAL missing on the last row block"
            }));
        }
        let own;
        let t = match shared {
            Some(t) => t,
            None => {
                own = read_table(&mut br)?;
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
            _ if self.last => Padding::ByteOrWord,
            _ => Padding::Word,
        })?;
        Ok((out, max_distance, t.max_code_len()))
    }
}

/// The stored Adler-32, if it is the filtered rows'.
fn check_adler(stream: &[u8], at: usize, filtered: &[u8]) -> Result<u32, Error> {
    let (stored, _) = U32::read_from_prefix(&stream[at..]).map_err(|_| Error::Truncated {
        field: "Adler-32",
        offset: at,
        needed: 4,
        available: stream.len() - at,
    })?;
    let (stored, computed) = (stored.get(), adler2::adler32_slice(filtered));
    if stored != computed {
        return Err(Error::Adler {
            offset: at,
            stored,
            computed,
        });
    }
    Ok(stored)
}

/// Rows per filter type, if every row's filter is allowed.
fn count_filters(filtered: &[u8], row_bytes: usize, filters: Filters) -> Result<[usize; 5], Error> {
    let mut counts = [0usize; 5];
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
        counts[usize::from(f)] += 1;
    }
    Ok(counts)
}

/// Where each row block's data lies.
struct BlockPlan {
    rows_per_block: usize,
    /// Layout 4's shared table.
    table: Option<Range<usize>>,
    regions: Vec<Range<usize>>,
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
    let offsets: Vec<usize> = <[U32]>::ref_from_bytes(raw)
        .map_err(|_| Error::Truncated {
            field: "block offsets",
            offset: offs_at,
            needed: 4 * count,
            available: raw.len(),
        })?
        .iter()
        .map(|o| o.get() as usize)
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
    use crate::deflate::Token;
    use crate::stream::assemble;
    use crate::{ColorType, EzipOptions, Window};

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
