//! Every mode (colour type and depth, layout, window) on generated images up to 454x454 and
//! 2047 wide: the stream keeps the vendor's structure, uses the requested layout and window,
//! and decodes back to the same pixels.

mod common;

use common::generate::{generated, MODES};
use common::{raw_inflate_filtered, unfilter_like_png};
use ezimage::{check_structure, decode, encode, EzipLayout, EzipOptions, Pixels, Window};

fn round_trip(p: &Pixels, o: EzipOptions) {
    let what = format!(
        "{:?}/{} {}x{} {o:?}",
        p.color, p.bits_per_pixel, p.width, p.height
    );
    let s = encode(p, &o).unwrap_or_else(|e| panic!("{what}: {e}"));
    let r = check_structure(&s).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(
        (r.header.layout, r.header.window),
        (o.layout, o.window),
        "{what}"
    );
    let per = if o.layout == EzipLayout::One {
        p.height
    } else {
        o.rows_per_block.min(p.height)
    };
    assert_eq!(r.rows_per_block, usize::from(per), "{what}");
    assert_eq!(
        r.blocks.len(),
        usize::from(p.height).div_ceil(usize::from(per)),
        "{what}"
    );
    assert!(r.max_distance <= o.window.bytes(), "{what}");
    assert_eq!(r.filter_counts[0], 0, "{what}");
    assert_eq!(
        &decode(&s).unwrap_or_else(|e| panic!("{what}: {e}")),
        p,
        "{what}"
    );
    // zlib reads the same bytes: our decoder is not the only judge of our encoder.
    let filtered = raw_inflate_filtered(&s, &r);
    let unfiltered = unfilter_like_png(&filtered, p.stride(), p.filter_step(), r.rows_per_block);
    assert!(unfiltered == p.data, "{what}: flate2 gives other pixels");
}

const LAYOUTS: [EzipLayout; 3] = [EzipLayout::One, EzipLayout::Two, EzipLayout::Four];
const WINDOWS: [Window; 2] = [Window::K8, Window::K2];

#[test]
fn every_mode_round_trips_on_small_images() {
    for &(color, bpp) in MODES {
        for (w, h) in [(1, 1), (3, 2), (37, 19), (64, 40)] {
            let p = generated(color, bpp, w, h, u32::from(w) * 31 + u32::from(bpp));
            for layout in LAYOUTS {
                for window in WINDOWS {
                    for rows_per_block in [1, 7, 32] {
                        round_trip(
                            &p,
                            EzipOptions {
                                layout,
                                rows_per_block,
                                window,
                            },
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn every_mode_round_trips_at_454_by_454() {
    for (i, &(color, bpp)) in MODES.iter().enumerate() {
        let p = generated(color, bpp, 454, 454, i as u32 + 1);
        let layout = LAYOUTS[i % 3];
        let window = WINDOWS[i % 2];
        round_trip(
            &p,
            EzipOptions {
                layout,
                rows_per_block: 128,
                window,
            },
        );
    }
}

#[test]
fn a_2047_wide_image_round_trips_in_every_layout() {
    // 2047 is the LVGL v8 header's widest; one ARGB8888 row (8189 bytes) is wider than the
    // 2 KiB window and nearly the 8 KiB one.
    for (i, &(color, bpp)) in [MODES[3], MODES[4], MODES[0]].iter().enumerate() {
        let p = generated(color, bpp, 2047, 9, 7 + i as u32);
        for layout in LAYOUTS {
            for window in WINDOWS {
                round_trip(
                    &p,
                    EzipOptions {
                        layout,
                        rows_per_block: 4,
                        window,
                    },
                );
            }
        }
    }
}

#[test]
fn bad_images_are_refused_with_typed_errors() {
    let mut p = generated(MODES[0].0, MODES[0].1, 8, 8, 1);
    let o = EzipOptions {
        layout: EzipLayout::Two,
        rows_per_block: 0,
        window: Window::K8,
    };
    assert!(matches!(
        encode(&p, &o),
        Err(ezimage::Error::BadImage {
            field: "rows per block",
            ..
        })
    ));
    p.data.pop();
    let o = EzipOptions {
        rows_per_block: 4,
        ..o
    };
    assert!(matches!(
        encode(&p, &o),
        Err(ezimage::Error::BadImage {
            field: "pixel data length",
            ..
        })
    ));
    let mut q = generated(MODES[7].0, MODES[7].1, 8, 8, 1);
    q.palette.clear();
    assert!(matches!(
        encode(&q, &o),
        Err(ezimage::Error::BadImage {
            field: "palette length",
            ..
        })
    ));
    let mut r = generated(MODES[2].0, MODES[2].1, 8, 8, 1);
    r.bits_per_pixel = 8;
    assert!(matches!(
        encode(&r, &o),
        Err(ezimage::Error::BadImage {
            field: "bits per pixel",
            ..
        })
    ));
}
