//! The vendor tool's outputs (`testdata/ezip-image/`, README there) against ours: pixel
//! `.bin` and C files byte for byte (with the matching compat version), EZIP files with the
//! same headers, descriptors and sections except the length fields, and EZIP streams that
//! decode (our decoder and a plain raw inflate) to exactly the vendor's pixels.

use ezimage::cfile::{self, CNames};
use ezimage::compat::{Compat, Quirks};
use ezimage::convert::{ConvertOptions, Depth};
use ezimage::job::{convert_png, Converted, EzipShape, Format, Job};
use ezimage::lvgl::{Descriptor, LvglVersion};
use ezimage::{EzipLayout, Window};
use std::path::PathBuf;

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/ezip-image")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn job(format: Format, depth: Depth, compat: Option<Compat>) -> Job {
    Job {
        format,
        convert: ConvertOptions {
            depth,
            dither: true,
            palette: None,
        },
        ezip: EzipShape {
            layout: EzipLayout::One,
            rows: None,
            window: Window::K8,
        },
        lvgl: LvglVersion::V8,
        quirks: Quirks { compat },
    }
}

fn convert(png: &str, j: &Job) -> Converted {
    convert_png(&read(&format!("png/{png}.png")), j).unwrap()
}

fn depth_of(name: &str) -> Depth {
    if name.contains("rgb888") {
        Depth::Rgb888
    } else {
        Depth::Rgb565
    }
}

fn rom3(stem: &str) -> CNames {
    CNames::new("", stem, Some("ROM3_IMG")).unwrap()
}

/// Every pixel `.bin` and C vector of 2.0.5 (defaults: dither on, LVGL 8).
const PIXEL_205: [(&str, &str); 4] = [
    ("airplane", "rgb565"),
    ("airplane", "rgb888"),
    ("down_arrow", "rgb565"),
    ("down_arrow", "rgb888"),
];

#[test]
fn pixel_bins_are_byte_identical_to_ezip_2_0_5() {
    for (png, color) in PIXEL_205 {
        let want = read(&format!("ezip-2.0.5/{png}_{color}_binfile1_default.bin"));
        for compat in [None, Some(Compat::V2_0_5)] {
            let j = job(Format::Pixel, depth_of(color), compat);
            let got = convert(png, &j).to_bin(&j.quirks).unwrap();
            assert!(got == want, "{png} {color} {compat:?}");
        }
    }
}

#[test]
fn pixel_c_files_are_byte_identical_to_ezip_2_0_5_and_2_4_0() {
    for (png, color) in PIXEL_205 {
        let want = read(&format!("ezip-2.0.5/{png}_{color}_cfile1_dpt1.c"));
        let j = job(Format::Pixel, depth_of(color), None);
        let got = convert(png, &j).to_c(&rom3(png));
        assert!(got.as_bytes() == want, "{png} {color}");
    }
    for lvgl in [LvglVersion::V8, LvglVersion::V9] {
        let v = if lvgl == LvglVersion::V8 { 8 } else { 9 };
        let want = read(&format!("ezip-2.4.0/airplane_rgb565_cfile1_lvgl{v}.c"));
        let mut j = job(Format::Pixel, Depth::Rgb565, Some(Compat::V2_4_0));
        j.lvgl = lvgl;
        let got = convert("airplane", &j).to_c(&rom3("airplane"));
        assert!(got.as_bytes() == want, "lvgl {v}");
    }
}

#[test]
fn no_dither_truncates_as_ezip_2_4_0_dither0() {
    let want = read("ezip-2.4.0/airplane_rgb565_binfile1_dither0.bin");
    let mut j = job(Format::Pixel, Depth::Rgb565, None);
    j.convert.dither = false;
    assert!(convert("airplane", &j).to_bin(&j.quirks).unwrap() == want);
}

#[test]
fn v9_pixel_bin_has_the_right_cf_and_2_4_0s_0x19_only_with_compat() {
    let want = read("ezip-2.4.0/airplane_rgb565_binfile1_lvgl9.bin");
    let mut j = job(Format::Pixel, Depth::Rgb565, Some(Compat::V2_4_0));
    j.lvgl = LvglVersion::V9;
    assert!(convert("airplane", &j).to_bin(&j.quirks).unwrap() == want);
    j.quirks.compat = None;
    let ours = convert("airplane", &j).to_bin(&j.quirks).unwrap();
    assert_eq!(ours[1], 0x13, "LV_COLOR_FORMAT_ARGB8565");
    assert_eq!(ours[0], 0x19);
    assert!(ours[2..] == want[2..], "only the cf byte differs");
}

/// The C file of the vendor's own stream, as our writer makes it.
fn c_of_stream(d: Descriptor, depth: Depth, alpha: bool, stream: &[u8], stem: &str) -> String {
    let d = Descriptor {
        data_size: stream.len() as u32,
        stride: 0,
        ..d
    };
    cfile::write(&rom3(stem), &d, depth, alpha, stream)
}

/// Every EZIP C vector: (file, png, depth, lvgl).
const EZIP_C: [(&str, &str, Depth, LvglVersion); 6] = [
    (
        "ezip-2.0.5/airplane_rgb565_cfile2_dpt1.c",
        "airplane",
        Depth::Rgb565,
        LvglVersion::V8,
    ),
    (
        "ezip-2.0.5/airplane_rgb888_cfile2_dpt1.c",
        "airplane",
        Depth::Rgb888,
        LvglVersion::V8,
    ),
    (
        "ezip-2.0.5/down_arrow_rgb565_cfile2_dpt1.c",
        "down_arrow",
        Depth::Rgb565,
        LvglVersion::V8,
    ),
    (
        "ezip-2.0.5/down_arrow_rgb888_cfile2_dpt1.c",
        "down_arrow",
        Depth::Rgb888,
        LvglVersion::V8,
    ),
    (
        "ezip-2.4.0/airplane_rgb565_cfile2_lvgl8.c",
        "airplane",
        Depth::Rgb565,
        LvglVersion::V8,
    ),
    (
        "ezip-2.4.0/airplane_rgb565_cfile2_lvgl9.c",
        "airplane",
        Depth::Rgb565,
        LvglVersion::V9,
    ),
];

#[test]
fn ezip_c_files_match_the_vendors_around_the_stream() {
    for (file, png, depth, lvgl) in EZIP_C {
        let want = read(file);
        let vendor = cfile::parse(std::str::from_utf8(&want).unwrap()).unwrap();
        let mut j = job(Format::Ezip, depth, None);
        j.lvgl = lvgl;
        let ours = convert(png, &j);
        // Our descriptor with the vendor's stream in it is the vendor's file, byte for byte.
        let text = c_of_stream(ours.desc, depth, ours.alpha, &vendor.data, png);
        assert!(text.as_bytes() == want, "{file}");
        // And our whole file differs only in the data lines and data_size.
        let strip = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| !l.starts_with("    0x") && !l.contains(".data_size"))
                .map(str::to_string)
                .collect()
        };
        let got = ours.to_c(&rom3(png));
        assert_eq!(
            strip(&got),
            strip(std::str::from_utf8(&want).unwrap()),
            "{file}"
        );
        assert!(got.contains(&format!(".data_size  = {},", ours.data.len())));
    }
}

/// The pixels the vendor's EZIP files hold: its own pixel `.bin` of the same options.
fn vendor_pixels(png: &str, color: &str) -> Vec<u8> {
    read(&format!("ezip-2.0.5/{png}_{color}_binfile1_default.bin"))[4..].to_vec()
}

#[test]
fn our_ezip_streams_decode_to_the_vendors_pixels() {
    for (png, color) in PIXEL_205 {
        for layout in [EzipLayout::One, EzipLayout::Two, EzipLayout::Four] {
            let mut j = job(Format::Ezip, depth_of(color), None);
            j.ezip.layout = layout;
            j.ezip.rows = Some(8);
            let c = convert(png, &j);
            let p = ezimage::decode(&c.data).unwrap();
            assert!(
                p.data == vendor_pixels(png, color),
                "{png} {color} {layout:?}"
            );
            if layout == EzipLayout::One {
                assert!(raw_inflate_unfilter(&c.data, p.stride(), p.filter_step()) == p.data);
            }
        }
    }
}

#[test]
fn the_vendors_ezip_streams_decode_to_its_pixels() {
    for (png, color) in PIXEL_205 {
        let bin = read(&format!("ezip-2.0.5/{png}_{color}_binfile2_default.bin"));
        let p = ezimage::decode(&bin[4..]).unwrap();
        assert!(p.data == vendor_pixels(png, color), "{png} {color}");
    }
    let c = read("ezip-2.0.5/airplane_rgb565_cfile2_dpt1.c");
    let c = cfile::parse(std::str::from_utf8(&c).unwrap()).unwrap();
    let p = ezimage::decode(&c.data).unwrap();
    assert!(raw_inflate_unfilter(&c.data, p.stride(), p.filter_step()) == p.data);
    assert!(p.data == vendor_pixels("airplane", "rgb565"));
}

/// `.bin` EZIP vectors: (file, png, depth, lvgl, layout, rows, compat).
#[test]
fn ezip_bins_have_the_vendors_headers_except_lengths() {
    type Case = (
        &'static str,
        &'static str,
        Depth,
        LvglVersion,
        EzipLayout,
        Compat,
    );
    let cases: [Case; 8] = [
        (
            "ezip-2.0.5/airplane_rgb565_binfile2_default.bin",
            "airplane",
            Depth::Rgb565,
            LvglVersion::V8,
            EzipLayout::Four,
            Compat::V2_0_5,
        ),
        (
            "ezip-2.0.5/airplane_rgb565_binfile2_dpt1.bin",
            "airplane",
            Depth::Rgb565,
            LvglVersion::V8,
            EzipLayout::One,
            Compat::V2_0_5,
        ),
        (
            "ezip-2.0.5/airplane_rgb565_binfile2_dpt4.bin",
            "airplane",
            Depth::Rgb565,
            LvglVersion::V8,
            EzipLayout::Four,
            Compat::V2_0_5,
        ),
        (
            "ezip-2.0.5/airplane_rgb888_binfile2_default.bin",
            "airplane",
            Depth::Rgb888,
            LvglVersion::V8,
            EzipLayout::Four,
            Compat::V2_0_5,
        ),
        (
            "ezip-2.0.5/down_arrow_rgb565_binfile2_default.bin",
            "down_arrow",
            Depth::Rgb565,
            LvglVersion::V8,
            EzipLayout::Four,
            Compat::V2_0_5,
        ),
        (
            "ezip-2.0.5/down_arrow_rgb888_binfile2_default.bin",
            "down_arrow",
            Depth::Rgb888,
            LvglVersion::V8,
            EzipLayout::Four,
            Compat::V2_0_5,
        ),
        (
            "ezip-2.4.0/airplane_rgb565_binfile2_default.bin",
            "airplane",
            Depth::Rgb565,
            LvglVersion::V8,
            EzipLayout::Four,
            Compat::V2_4_0,
        ),
        (
            "ezip-2.4.0/airplane_rgb565_binfile2_lvgl9.bin",
            "airplane",
            Depth::Rgb565,
            LvglVersion::V9,
            EzipLayout::Four,
            Compat::V2_4_0,
        ),
    ];
    for (file, png, depth, lvgl, layout, compat) in cases {
        let want = read(file);
        let mut j = job(Format::Ezip, depth, Some(compat));
        j.lvgl = lvgl;
        j.ezip.layout = layout;
        let got = convert(png, &j).to_bin(&j.quirks).unwrap();
        let hl = if lvgl == LvglVersion::V8 { 4 } else { 12 };
        assert_eq!(got[..hl], want[..hl], "{file}: LVGL header");
        // EZIP header: all but the u32 length at 0.
        assert_eq!(
            got[hl + 4..hl + 16],
            want[hl + 4..hl + 16],
            "{file}: EZIP header"
        );
        let total = |b: &[u8]| u32::from_be_bytes(b[hl..hl + 4].try_into().unwrap()) as usize;
        assert_eq!(
            total(&got),
            got.len() - hl,
            "{file}: length field follows the stream"
        );
        if layout == EzipLayout::Four {
            // Rows per block and block count: the compat version's defaults.
            assert_eq!(
                got[hl + 16..hl + 20],
                want[hl + 16..hl + 20],
                "{file}: block table"
            );
        }
        let p = ezimage::decode(&got[hl..]).unwrap();
        let q = ezimage::decode(&want[hl..]).unwrap();
        assert!(p == q, "{file}: same pixels");
        // The same structure: header, rows per block, block count, within the window.
        let (ours, theirs) = (
            ezimage::check_structure(&got[hl..]).unwrap(),
            ezimage::check_structure(&want[hl..]).unwrap(),
        );
        assert_eq!(ours.rows_per_block, theirs.rows_per_block, "{file}");
        assert_eq!(ours.blocks.len(), theirs.blocks.len(), "{file}");
        assert_eq!(ours.header.window, theirs.header.window, "{file}");
    }
}

#[test]
fn ezip_2_0_5_argb8888_bin_cf_quirk_only_with_compat() {
    let want = read("ezip-2.0.5/airplane_rgb888_binfile2_default.bin");
    assert_eq!(want[0] & 0x1f, 1, "the vendor writes RAW");
    let mut j = job(Format::Ezip, Depth::Rgb888, None);
    j.ezip.layout = EzipLayout::Four;
    let c = convert("airplane", &j);
    assert_eq!(
        c.to_bin(&j.quirks).unwrap()[0] & 0x1f,
        2,
        "RAW_ALPHA: the image has alpha"
    );
    let q = Quirks {
        compat: Some(Compat::V2_0_5),
    };
    assert_eq!(c.to_bin(&q).unwrap()[0] & 0x1f, 1);
}

/// Plain zlib-free decoding of a layout-1 stream: raw inflate from offset 16 (flate2), then
/// PNG un-filtering; independent of the crate's decoder.
fn raw_inflate_unfilter(stream: &[u8], stride: usize, bpp: usize) -> Vec<u8> {
    use std::io::Read;
    let mut filtered = Vec::new();
    flate2::read::DeflateDecoder::new(&stream[16..])
        .read_to_end(&mut filtered)
        .unwrap();
    let mut out: Vec<u8> = Vec::new();
    for row in filtered.chunks(stride + 1) {
        let (f, data) = (row[0], &row[1..]);
        let prev: Vec<u8> = if out.is_empty() {
            vec![0; stride]
        } else {
            out[out.len() - stride..].to_vec()
        };
        let mut cur = vec![0u8; stride];
        for i in 0..stride {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            let pred = match f {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => paeth(a, b, c),
                _ => panic!("filter {f}"),
            };
            cur[i] = data[i].wrapping_add(pred);
        }
        out.extend_from_slice(&cur);
    }
    out
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[test]
fn a_header_that_disagrees_with_the_stream_is_refused() {
    let mut bin = read("ezip-2.0.5/airplane_rgb565_binfile2_dpt1.bin");
    // LVGL v8 width field (bits 20:10) 40 -> 41.
    let bits = u32::from_le_bytes(bin[..4].try_into().unwrap()) + (1 << 10);
    bin[..4].copy_from_slice(&bits.to_le_bytes());
    let e = ezimage::unpack::unpack(&bin).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the descriptor says 41x40 but the EZIP stream holds 40x40"
    );
}
