//! The decoder never allocates what a header merely claims: streams whose header declares up
//! to 65535 x 65535 ARGB8888 (17 GB of rows) are refused under a 64 MiB allocation cap.

use std::alloc::System;

use ezimage::{decode, encode, ColorType, Error, EzipLayout, EzipOptions, Pixels, Window};

/// A decoder that sized its output from the header would abort the test binary here.
#[global_allocator]
static ALLOC: cap::Cap<System> = cap::Cap::new(System, 64 << 20);

fn stream_claiming(width: u16, height: u16) -> Vec<u8> {
    // 2047 x 64 ARGB8888 zeros: 524,352 filtered bytes in a stream of a few hundred bytes.
    let p = Pixels {
        color: ColorType::Argb8888,
        bits_per_pixel: 32,
        width: 2047,
        height: 64,
        palette: Vec::new(),
        data: vec![0; 2047 * 4 * 64],
    };
    let o = EzipOptions {
        layout: EzipLayout::One,
        rows_per_block: 0,
        window: Window::K8,
    };
    let mut s = encode(&p, &o).unwrap();
    assert!(s.len() < 4096);
    s[8..10].copy_from_slice(&width.to_be_bytes());
    s[10..12].copy_from_slice(&height.to_be_bytes());
    s
}

#[test]
fn lying_dimensions_are_refused_without_allocating_them() {
    for (w, h) in [(2047, 65535), (65535, 65535), (65535, 1)] {
        let e = decode(&stream_claiming(w, h)).unwrap_err();
        assert!(matches!(e, Error::BlockLength { .. }), "{w}x{h}: {e}");
        assert!(
            ALLOC.allocated() < 8 << 20,
            "{w}x{h}: {} bytes held",
            ALLOC.allocated()
        );
    }
}
