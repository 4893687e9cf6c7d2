//! The vendor SDK's EZIP vectors (copied to `testdata/ezip/`) decode to `expected.bin`.

use ezip::{decompress, Mode};
use std::path::PathBuf;

fn vector(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/ezip")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn vendor_gzip_packet_decodes_to_expected() {
    let out = decompress(Mode::Gzip, &vector("gzip_packet.bin")).unwrap();
    assert_eq!(out, vector("expected.bin"));
}

#[test]
fn vendor_lz4_packet_decodes_to_expected() {
    let out = decompress(Mode::Lz4, &vector("lz4_packet.bin")).unwrap();
    assert_eq!(out, vector("expected.bin"));
}
