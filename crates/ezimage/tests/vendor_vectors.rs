//! The vendor's own streams (SDK samples, ezip 2.0.5 and 2.4.0 outputs): our decoder and a
//! plain raw inflate both give the vendor's pixels; our encoder in the vendor's mode gives a
//! stream that keeps the structure, round-trips and is never larger.

mod common;

use common::{c_array, raw_inflate_filtered, unfilter_like_png, vector};
use ezimage::{check_structure, decode, encode, EzipLayout, EzipOptions, Window};

/// (EZIP vector, its container header length, pixel vector, its header length).
const PAIRS: &[(&str, usize, &str, usize)] = &[
    (
        "ezip-2.0.5/airplane_rgb565_binfile2_default.bin",
        4,
        "ezip-2.0.5/airplane_rgb565_binfile1_default.bin",
        4,
    ),
    (
        "ezip-2.0.5/airplane_rgb565_binfile2_dpt1.bin",
        4,
        "ezip-2.0.5/airplane_rgb565_binfile1_default.bin",
        4,
    ),
    (
        "ezip-2.0.5/airplane_rgb565_binfile2_dpt4.bin",
        4,
        "ezip-2.0.5/airplane_rgb565_binfile1_default.bin",
        4,
    ),
    (
        "ezip-2.0.5/airplane_rgb565_cfile2_dpt1.c",
        0,
        "ezip-2.0.5/airplane_rgb565_binfile1_default.bin",
        4,
    ),
    (
        "ezip-2.0.5/airplane_rgb888_binfile2_default.bin",
        4,
        "ezip-2.0.5/airplane_rgb888_binfile1_default.bin",
        4,
    ),
    (
        "ezip-2.0.5/airplane_rgb888_cfile2_dpt1.c",
        0,
        "ezip-2.0.5/airplane_rgb888_binfile1_default.bin",
        4,
    ),
    (
        "ezip-2.0.5/down_arrow_rgb565_binfile2_default.bin",
        4,
        "ezip-2.0.5/down_arrow_rgb565_binfile1_default.bin",
        4,
    ),
    (
        "ezip-2.0.5/down_arrow_rgb565_cfile2_dpt1.c",
        0,
        "ezip-2.0.5/down_arrow_rgb565_binfile1_default.bin",
        4,
    ),
    (
        "ezip-2.0.5/down_arrow_rgb888_binfile2_default.bin",
        4,
        "ezip-2.0.5/down_arrow_rgb888_binfile1_default.bin",
        4,
    ),
    (
        "ezip-2.0.5/down_arrow_rgb888_cfile2_dpt1.c",
        0,
        "ezip-2.0.5/down_arrow_rgb888_binfile1_default.bin",
        4,
    ),
    (
        "ezip-2.4.0/airplane_rgb565_binfile2_default.bin",
        4,
        "ezip-2.4.0/airplane_rgb565_binfile1_lvgl9.bin",
        12,
    ),
    (
        "ezip-2.4.0/airplane_rgb565_binfile2_lvgl9.bin",
        12,
        "ezip-2.4.0/airplane_rgb565_binfile1_lvgl9.bin",
        12,
    ),
    (
        "ezip-2.4.0/airplane_rgb565_cfile2_lvgl8.c",
        0,
        "ezip-2.4.0/airplane_rgb565_binfile1_lvgl9.bin",
        12,
    ),
    (
        "ezip-2.4.0/airplane_rgb565_cfile2_lvgl9.c",
        0,
        "ezip-2.4.0/airplane_rgb565_binfile1_lvgl9.bin",
        12,
    ),
];

/// The SDK's sample pairs: (EZIP stream, pixels), both C-array text.
const SDK_PAIRS: &[(&str, &str)] = &[
    (
        "sdk/clock_mickey_shoe01_565A_s_ezip.dat",
        "sdk/clock_mickey_shoe01_565A.dat",
    ),
    (
        "sdk/img_clock_565A_s_ezip.dat",
        "sdk/img_clock_565A_s_ezip_cmp.dat",
    ),
];

fn load(name: &str, header: usize) -> Vec<u8> {
    let bytes = vector(name);
    if name.ends_with(".c") || name.ends_with(".dat") {
        c_array(&bytes)
    } else {
        bytes[header..].to_vec()
    }
}

fn all_pairs() -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut v: Vec<_> = PAIRS
        .iter()
        .map(|&(e, eh, p, ph)| (e.to_string(), load(e, eh), load(p, ph)))
        .collect();
    v.extend(
        SDK_PAIRS
            .iter()
            .map(|&(e, p)| (e.to_string(), load(e, 0), load(p, 0))),
    );
    v
}

#[test]
fn sdk_samples_decode_byte_for_byte() {
    for &(e, p) in SDK_PAIRS {
        let got = decode(&load(e, 0)).unwrap_or_else(|err| panic!("{e}: {err}"));
        assert_eq!(got.data, load(p, 0), "{e}");
    }
}

#[test]
fn every_vendor_stream_decodes_to_the_vendor_pixels() {
    for (name, stream, pixels) in all_pairs() {
        let got = decode(&stream).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got.data, pixels, "{name}");
        let report = check_structure(&stream).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            report.max_distance <= report.header.window.bytes(),
            "{name}"
        );
    }
}

#[test]
fn every_vendor_stream_raw_inflates_to_the_same_pixels() {
    for (name, stream, pixels) in all_pairs() {
        let report = check_structure(&stream).unwrap();
        let filtered = raw_inflate_filtered(&stream, &report);
        let h = report.header;
        let step = usize::from(h.bits_per_pixel).div_ceil(8);
        let got = unfilter_like_png(&filtered, h.stride(), step, report.rows_per_block);
        assert_eq!(got, pixels, "{name}");
    }
}

#[test]
fn reencoding_vendor_pixels_keeps_the_structure_and_is_never_larger() {
    for (name, stream, _) in all_pairs() {
        let vendor = check_structure(&stream).unwrap();
        let pixels = decode(&stream).unwrap();
        let o = EzipOptions {
            layout: vendor.header.layout,
            rows_per_block: vendor.rows_per_block as u16,
            window: vendor.header.window,
        };
        let ours = encode(&pixels, &o).unwrap();
        let report = check_structure(&ours).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(report.blocks.len(), vendor.blocks.len(), "{name}");
        assert_eq!(decode(&ours).unwrap(), pixels, "{name}");
        assert!(
            ours.len() <= stream.len(),
            "{name}: ours {} bytes, vendor {}",
            ours.len(),
            stream.len()
        );
        eprintln!("{name}: {} vs vendor {}", ours.len(), stream.len());
    }
}

#[test]
fn vendor_layout_4_streams_have_one_shared_table_and_blocks() {
    let s = load("ezip-2.4.0/airplane_rgb565_binfile2_default.bin", 4);
    let r = check_structure(&s).unwrap();
    assert_eq!(r.header.layout, EzipLayout::Four);
    assert_eq!(r.header.window, Window::K8);
    assert_eq!((r.rows_per_block, r.blocks.len()), (32, 2));
    assert_eq!(r.blocks.iter().map(|b| b.rows).collect::<Vec<_>>(), [32, 8]);
    assert!(r.table_len > 0);
}
