//! The vendor SDK's EZIP vectors (copied to `testdata/ezip/`) decode to `expected.bin`.

use crate::common::testdata;
use ezip::{decompress, Mode};

#[test]
fn vendor_gzip_packet_decodes_to_expected() {
    let out = decompress(Mode::Gzip, &testdata("gzip_packet.bin")).unwrap();
    assert_eq!(out, testdata("expected.bin"));
}

#[test]
fn vendor_lz4_packet_decodes_to_expected() {
    let out = decompress(Mode::Lz4, &testdata("lz4_packet.bin")).unwrap();
    assert_eq!(out, testdata("expected.bin"));
}

#[test]
fn vendor_gzip_packet_layout_matches_readme() {
    let v = testdata("gzip_packet.bin");
    let u32_at = |i: usize| u32::from_le_bytes(v[i..i + 4].try_into().unwrap());
    assert_eq!(u32_at(0), 86240);
    assert_eq!(u32_at(v.len() - 8), 0x19AF_0CAD);
    assert_eq!(u32_at(v.len() - 4), 86240);
}

#[test]
fn our_streams_of_the_vector_data_are_smaller_than_the_vendors() {
    // The vendor example's stream, re-encoded: every level must still decode, and default
    // must not lose to the vendor's own gzip packet.
    let data = testdata("expected.bin");
    let vendor = testdata("gzip_packet.bin");
    for level in [ezip::Level::Fast, ezip::Level::Default] {
        let ours = ezip::compress(Mode::Gzip, level, &data).unwrap();
        assert_eq!(decompress(Mode::Gzip, &ours).unwrap(), data);
        if level == ezip::Level::Default {
            assert!(
                ours.len() <= vendor.len(),
                "{} > {}",
                ours.len(),
                vendor.len()
            );
        }
    }
}
