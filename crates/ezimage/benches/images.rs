//! EZIP image benchmark: our encoder against the vendor tool's outputs and against C zlib
//! level 9 of the same filtered rows, measured in the same run.
//!
//! Run: `cargo bench -p ezimage --bench images` (prints the tables of `docs/benchmarks.md`,
//! section "EZIP images (`ezimage`)"). Resources: the pixels of every distinct vendor stream in
//! `testdata/ezip-image/` (encoded in the vendor's own mode), the three SDK PNGs there (RGB565
//! dithered and RGB888, layouts 1 and 4) and generated images (gradients, noise, flat areas) of
//! every colour type up to 454x454 (layouts 1 and 4, 8 KiB window).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::generate::{generated, MODES};
use common::{c_array, raw_inflate_filtered, vector};
use ezimage::convert::{to_pixels, ConvertOptions, Depth};
use ezimage::png_in::read_png;
use ezimage::{
    check_structure, decode, encode, EzipLayout, EzipOptions, Pixels, StructureReport, Window,
};
use flate2::{Compress, Compression, FlushCompress};

/// One resource: its pixels, the mode to encode it in, and the vendor's stream if any.
struct Resource {
    name: String,
    pixels: Pixels,
    options: EzipOptions,
    vendor: Option<Vec<u8>>,
}

/// The distinct vendor streams (the `.c` and LVGL 9 files hold the same bytes as these).
const VENDOR: &[(&str, usize)] = &[
    ("ezip-2.0.5/airplane_rgb565_binfile2_default.bin", 4),
    ("ezip-2.0.5/airplane_rgb565_binfile2_dpt1.bin", 4),
    ("ezip-2.0.5/airplane_rgb888_binfile2_default.bin", 4),
    ("ezip-2.0.5/airplane_rgb888_cfile2_dpt1.c", 0),
    ("ezip-2.0.5/down_arrow_rgb565_binfile2_default.bin", 4),
    ("ezip-2.0.5/down_arrow_rgb565_cfile2_dpt1.c", 0),
    ("ezip-2.0.5/down_arrow_rgb888_binfile2_default.bin", 4),
    ("ezip-2.0.5/down_arrow_rgb888_cfile2_dpt1.c", 0),
    ("ezip-2.4.0/airplane_rgb565_binfile2_default.bin", 4),
    ("sdk/clock_mickey_shoe01_565A_s_ezip.dat", 0),
    ("sdk/img_clock_565A_s_ezip.dat", 0),
];

fn resources() -> Vec<Resource> {
    let mut v = Vec::new();
    for &(name, header) in VENDOR {
        let raw = vector(name);
        let stream = if header == 0 {
            c_array(&raw)
        } else {
            raw[header..].to_vec()
        };
        let r = check_structure(&stream).expect("vendor stream");
        let options = EzipOptions {
            layout: r.header.layout,
            rows_per_block: r.rows_per_block as u16,
            window: r.header.window,
        };
        let pixels = decode(&stream).expect("vendor stream");
        v.push(Resource {
            name: name.into(),
            pixels,
            options,
            vendor: Some(stream),
        });
    }
    for png in ["airplane", "down_arrow", "img_clock"] {
        let rgba = read_png(&vector(&format!("png/{png}.png"))).expect("SDK PNG");
        for depth in [Depth::Rgb565, Depth::Rgb888] {
            let convert = ConvertOptions {
                depth,
                dither: true,
                palette: None,
            };
            let pixels = to_pixels(&rgba, &convert).expect("SDK PNG");
            for layout in [EzipLayout::One, EzipLayout::Four] {
                v.push(Resource {
                    name: format!("png {png} {depth:?} layout {}", layout.nibble()),
                    pixels: pixels.clone(),
                    options: EzipOptions {
                        layout,
                        rows_per_block: 32,
                        window: Window::K8,
                    },
                    vendor: None,
                });
            }
        }
    }
    for (i, &(color, bpp)) in MODES.iter().enumerate() {
        for (w, h) in [(64, 64), (200, 120), (454, 454)] {
            for layout in [EzipLayout::One, EzipLayout::Four] {
                let options = EzipOptions {
                    layout,
                    rows_per_block: 128,
                    window: Window::K8,
                };
                v.push(Resource {
                    name: format!("gen {color:?}/{bpp} {w}x{h} layout {}", layout.nibble()),
                    pixels: generated(color, bpp, w, h, i as u32 * 3 + u32::from(w)),
                    options,
                    vendor: None,
                });
            }
        }
    }
    v
}

/// Raw DEFLATE of C zlib level 9 with the stream's window (2^13 or 2^11 bytes).
fn zlib9(data: &[u8], window: Window) -> Vec<u8> {
    let bits = if window == Window::K8 { 13 } else { 11 };
    let mut c = Compress::new_with_window_bits(Compression::best(), false, bits);
    let mut out = Vec::with_capacity(data.len() + 1024);
    c.compress_vec(data, &mut out, FlushCompress::Finish)
        .expect("zlib");
    out
}

/// The filtered rows of each row block of `stream`.
fn filtered_blocks(stream: &[u8], r: &StructureReport) -> Vec<Vec<u8>> {
    let all = raw_inflate_filtered(stream, r);
    let row = 1 + r.header.stride();
    all.chunks(r.rows_per_block * row)
        .map(<[u8]>::to_vec)
        .collect()
}

/// Bytes of DEFLATE data in a stream (shared table, blocks, padding).
fn deflate_bytes(r: &StructureReport) -> usize {
    r.table_len + r.blocks.iter().map(|b| b.len).sum::<usize>()
}

fn main() {
    let res = resources();
    let ours: Vec<Vec<u8>> = res
        .iter()
        .map(|r| encode(&r.pixels, &r.options).expect("encode"))
        .collect();
    println!("| resource | ours | vendor | ours / vendor |");
    println!("|---|---:|---:|---:|");
    let (mut to, mut tv) = (0, 0);
    for (r, o) in res.iter().zip(&ours) {
        if let Some(v) = &r.vendor {
            println!(
                "| {} | {} | {} | {:.3} |",
                r.name,
                o.len(),
                v.len(),
                o.len() as f64 / v.len() as f64
            );
            assert!(o.len() <= v.len(), "{}: larger than the vendor's", r.name);
            to += o.len();
            tv += v.len();
        }
    }
    println!(
        "| **total** | {to} | {tv} | **{:.3}** |\n",
        to as f64 / tv as f64
    );

    // Against zlib 9 of our own filtered rows, row block by row block.
    let blocks: Vec<(Vec<Vec<u8>>, Window)> = ours
        .iter()
        .map(|s| {
            let r = check_structure(s).expect("our stream");
            (filtered_blocks(s, &r), r.header.window)
        })
        .collect();
    println!("| resources | count | ours (DEFLATE bytes) | zlib 9 | ours / zlib 9 | worst |");
    println!("|---|---:|---:|---:|---:|---:|");
    for group in ["ezip-", "sdk/", "png ", "gen ", ""] {
        let (mut n, mut ours_t, mut z_t) = (0, 0, 0);
        let mut worst: (f64, &str) = (0.0, "");
        for ((r, s), (b, w)) in res.iter().zip(&ours).zip(&blocks) {
            if !r.name.starts_with(group) {
                continue;
            }
            let ours_d = deflate_bytes(&check_structure(s).expect("our stream"));
            let z: usize = b.iter().map(|x| zlib9(x, *w).len()).sum();
            let ratio = ours_d as f64 / z as f64;
            if ratio > worst.0 {
                worst = (ratio, &r.name);
            }
            n += 1;
            ours_t += ours_d;
            z_t += z;
        }
        let label = if group.is_empty() {
            "**all**"
        } else {
            group.trim()
        };
        println!(
            "| {label} | {n} | {ours_t} | {z_t} | {:.3} | {:.3} ({}) |",
            ours_t as f64 / z_t as f64,
            worst.0,
            worst.1
        );
    }
    println!();

    // Speed: whole encodes (filter choice, matching, coding) against zlib 9 of the rows only.
    let t = Instant::now();
    let mut runs = 0;
    while runs < 2 || t.elapsed().as_secs_f64() < 3.0 {
        for r in &res {
            std::hint::black_box(encode(&r.pixels, &r.options).expect("encode"));
        }
        runs += 1;
    }
    let ours_ips = (runs * res.len()) as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut zruns = 0;
    while zruns < 2 || t.elapsed().as_secs_f64() < 3.0 {
        for (b, w) in &blocks {
            for x in b {
                std::hint::black_box(zlib9(x, *w));
            }
        }
        zruns += 1;
    }
    let z_ips = (zruns * res.len()) as f64 / t.elapsed().as_secs_f64();
    println!(
        "images/s: ours {ours_ips:.1}, zlib 9 {z_ips:.1}, ratio {:.3}",
        ours_ips / z_ips
    );
}
