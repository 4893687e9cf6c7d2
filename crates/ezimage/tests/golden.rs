//! Golden streams: our encoder's bytes are pinned, so a change of the encoder's output (an
//! optimisation, a refactoring, a dependency) is noticed and re-blessed on purpose with
//! `IMGTOOL_BLESS=1`. Each golden file also passes the structure check and decodes to its
//! pixels, so a blessed file can never pin a broken stream.

mod common;

use std::path::PathBuf;

use common::generate::{generated, MODES};
use common::{c_array, vector};
use ezimage::{check_structure, decode, encode, EzipLayout, EzipOptions, Pixels, Window};

fn check_golden(name: &str, pixels: &Pixels, bytes: &[u8]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/ezip-image/ours")
        .join(name);
    if std::env::var_os("IMGTOOL_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    let golden = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with IMGTOOL_BLESS=1 to create)",
            path.display()
        )
    });
    check_structure(&golden).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        decode(&golden).unwrap() == *pixels,
        "{name}: golden decodes to other pixels"
    );
    assert!(
        golden == bytes,
        "{name} differs from the golden file (IMGTOOL_BLESS=1 to accept)"
    );
}

#[test]
fn vendor_pixels_encode_to_the_golden_streams() {
    for (vendor, header, golden) in [
        (
            "ezip-2.0.5/airplane_rgb565_binfile2_dpt1.bin",
            4,
            "airplane_argb8565_layout1.ezip",
        ),
        (
            "ezip-2.0.5/airplane_rgb888_binfile2_default.bin",
            4,
            "airplane_argb8888_layout4.ezip",
        ),
        (
            "ezip-2.0.5/down_arrow_rgb565_binfile2_default.bin",
            4,
            "down_arrow_rgb565_layout4.ezip",
        ),
        (
            "ezip-2.4.0/airplane_rgb565_binfile2_default.bin",
            4,
            "airplane_argb8565_layout4_32rows.ezip",
        ),
        (
            "sdk/img_clock_565A_s_ezip.dat",
            0,
            "img_clock_argb8565_layout1.ezip",
        ),
    ] {
        let raw = vector(vendor);
        let stream = if header == 0 {
            c_array(&raw)
        } else {
            raw[header..].to_vec()
        };
        let r = check_structure(&stream).unwrap();
        let pixels = decode(&stream).unwrap();
        let o = EzipOptions {
            layout: r.header.layout,
            rows_per_block: r.rows_per_block as u16,
            window: r.header.window,
        };
        check_golden(golden, &pixels, &encode(&pixels, &o).unwrap());
    }
}

#[test]
fn generated_images_encode_to_the_golden_streams_in_the_other_modes() {
    // Palettes, RGB888, layout 2 and the 2 KiB window: the modes no vendor vector has.
    for (i, layout, window, golden) in [
        (
            4,
            EzipLayout::Two,
            Window::K2,
            "gen_palette1_layout2_2k.ezip",
        ),
        (6, EzipLayout::Four, Window::K8, "gen_palette4_layout4.ezip"),
        (
            7,
            EzipLayout::One,
            Window::K2,
            "gen_palette8_layout1_2k.ezip",
        ),
        (2, EzipLayout::Two, Window::K8, "gen_rgb888_layout2.ezip"),
    ] {
        let (color, bpp) = MODES[i];
        let pixels = generated(color, bpp, 61, 37, 11 + i as u32);
        let o = EzipOptions {
            layout,
            rows_per_block: 16,
            window,
        };
        check_golden(golden, &pixels, &encode(&pixels, &o).unwrap());
    }
}
