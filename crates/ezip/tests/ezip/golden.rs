//! Golden outputs: our encoders' bytes for the vendor example data are pinned, so a dependency
//! upgrade that changes them is noticed (and re-blessed on purpose with `IMGTOOL_BLESS=1`).
//! `fast` and `default` are pinned: both are libdeflate alone (vendored by `libdeflate-sys` at
//! the locked version). `best` is not: Zopfli is slow in an unoptimised test build.

use crate::common::testdata;
use ezip::payload::{self, PayloadOptions};
use ezip::{Level, Mode};
use std::path::PathBuf;

fn check_golden(name: &str, bytes: &[u8]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/ezip")
        .join(name);
    if std::env::var_os("IMGTOOL_BLESS").is_some() {
        std::fs::write(&path, bytes).unwrap();
    }
    let golden = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with IMGTOOL_BLESS=1 to create)",
            path.display()
        )
    });
    assert!(
        golden == bytes,
        "{name} differs from the golden file (IMGTOOL_BLESS=1 to accept)"
    );
}

#[test]
fn golden_gzip_fast_stream() {
    let s = ezip::compress(Mode::Gzip, Level::Fast, &testdata("expected.bin")).unwrap();
    check_golden("expected.fast.gzip", &s);
}

#[test]
fn golden_gzip_default_stream() {
    let s = ezip::compress(Mode::Gzip, Level::Default, &testdata("expected.bin")).unwrap();
    check_golden("expected.default.gzip", &s);
    assert_eq!(
        ezip::decompress(Mode::Gzip, &s).unwrap(),
        testdata("expected.bin")
    );
}

#[test]
fn golden_zlib_fast_payload() {
    let opts = PayloadOptions {
        mode: Mode::Zlib,
        level: Level::Fast,
        ..PayloadOptions::default()
    };
    let p = payload::encode(&testdata("expected.bin"), &opts).unwrap();
    check_golden("expected.fast.zlib.payload", &p);
    let (image, info) = payload::decode(&p).unwrap();
    assert_eq!(image, testdata("expected.bin")); // 86240 is a multiple of 16: no padding
    assert_eq!(info.packets.len(), 9);
}
