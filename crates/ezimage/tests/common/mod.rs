//! Helpers of the ezimage tests: vector files, C-array text, an independent reference decoder.

#![allow(dead_code)]

pub mod generate;

use std::path::PathBuf;

use ezimage::{EzipLayout, StructureReport};

/// A file of `testdata/ezip-image/`.
pub fn vector(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/ezip-image")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The bytes of the first C array in `text` (`0x..` tokens between `= {` and `}`; comments
/// skipped), as the SDK's `.dat` files and the tool's C files write them.
pub fn c_array(text: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(text);
    let mut t = String::new();
    let mut rest = &text[..];
    while let Some(i) = rest.find("/*") {
        t.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    t.push_str(rest);
    let body = match t.find("= {").or_else(|| t.find("={")) {
        Some(i) => {
            let b = &t[i..];
            &b[..b.find('}').unwrap_or(b.len())]
        }
        None => &t[..],
    };
    body.split(|c: char| c == ',' || c.is_whitespace())
        .filter_map(|tok| tok.strip_prefix("0x").or_else(|| tok.strip_prefix("0X")))
        .map(|h| u8::from_str_radix(h, 16).unwrap_or_else(|e| panic!("{h}: {e}")))
        .collect()
}

/// Inflates the row blocks of a stream with flate2 (zlib), independently of our inflate.
/// Layout 4's blocks carry no table: each is rebuilt as a complete dynamic block by splicing
/// the shared table's bits (their count from `check_structure`) after the 3 header bits.
pub fn raw_inflate_filtered(stream: &[u8], r: &StructureReport) -> Vec<u8> {
    let mut out = Vec::new();
    let row_bytes = 1 + r.header.stride();
    let table = r.blocks[0].offset - r.table_len..r.blocks[0].offset;
    for b in &r.blocks {
        let data = &stream[b.offset..b.offset + b.len];
        let mut block = match r.header.layout {
            EzipLayout::Four => splice(&stream[table.clone()], r.table_bits, data),
            _ => data.to_vec(),
        };
        // BFINAL set, so that zlib stops at the block's end instead of reading its zero
        // padding as the header of a stored block.
        block[0] |= 1;
        let mut d = flate2::Decompress::new(false);
        let mut buf = vec![0u8; b.rows * row_bytes + 64];
        let st = d.decompress(&block, &mut buf, flate2::FlushDecompress::None);
        assert!(
            matches!(st, Ok(flate2::Status::StreamEnd)),
            "flate2: {st:?}"
        );
        assert_eq!(d.total_out() as usize, b.rows * row_bytes);
        out.extend_from_slice(&buf[..b.rows * row_bytes]);
    }
    out
}

/// Bits of `b` LSB first.
fn bits(b: &[u8]) -> Vec<bool> {
    b.iter()
        .flat_map(|&x| (0..8).map(move |i| x >> i & 1 == 1))
        .collect()
}

/// A final dynamic block's 3 header bits, then the shared table's `table_bits` bits, then
/// the block's codes.
fn splice(table: &[u8], table_bits: usize, block: &[u8]) -> Vec<u8> {
    let mut all: Vec<bool> = vec![true, false, true]; // BFINAL, BTYPE 2
    all.extend_from_slice(&bits(table)[..table_bits]);
    all.extend_from_slice(&bits(block)[3..]);
    all.chunks(8)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |a, (i, &v)| a | u8::from(v) << i)
        })
        .collect()
}

/// PNG unfiltering written independently of the crate (rows restart every `per_block` rows).
pub fn unfilter_like_png(filtered: &[u8], stride: usize, step: usize, per_block: usize) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    for (y, row) in filtered.chunks(stride + 1).enumerate() {
        let start = out.len();
        for x in 0..stride {
            let a = if x >= step {
                i32::from(out[start + x - step])
            } else {
                0
            };
            let first = y % per_block == 0;
            let b = if first {
                0
            } else {
                i32::from(out[start - stride + x])
            };
            let c = if first || x < step {
                0
            } else {
                i32::from(out[start - stride + x - step])
            };
            let pred = match row[0] {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => {
                    let p = a + b - c;
                    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("filter {f}"),
            };
            out.push(row[1 + x].wrapping_add(pred as u8));
        }
    }
    out
}
