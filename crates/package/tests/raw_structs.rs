//! Each on-disk struct read from a golden file and written back gives the same bytes: the one
//! declaration reads and writes real packages, not just the hand-made bytes of unit tests.

use package::manifest::raw::ManifestHead;
use package::manifest::Manifest;
use package::trailer::raw::{SigHead, TrailerHead, TrailerLen};
use package::v2::raw::{header_offset, CompressedImageHeader, OfflineHeader, OfflineImageEntry};
use package::Flag;
use std::path::PathBuf;
use zerocopy::{FromBytes, IntoBytes};

fn golden(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads `T` at the start of `bytes` and checks that writing it back gives those bytes.
fn round_trip<T: FromBytes + IntoBytes + zerocopy::KnownLayout + zerocopy::Immutable>(
    bytes: &[u8],
) -> T {
    let (value, _) = T::read_from_prefix(bytes).expect("long enough");
    assert_eq!(value.as_bytes(), &bytes[..size_of::<T>()]);
    value
}

/// Header, table entries and payload headers of a package; returns where the body ends.
fn check_package(bytes: &[u8]) -> usize {
    let header: OfflineHeader = round_trip(bytes);
    let pkg = package::v2::parse(bytes).unwrap();
    assert_eq!(header, pkg.header);
    assert_eq!(bytes[header_offset::INSTALL_STATE], header.install_state);
    assert_eq!(header.crc.get(), pkg.computed_crc);
    for image in &pkg.images {
        let entry: OfflineImageEntry = round_trip(&bytes[image.entry_offset..]);
        assert_eq!(entry, image.entry);
        assert_eq!(entry.payload_len.get() as usize, image.payload.len());
        if image.flag == Flag::Compressed {
            let h: CompressedImageHeader = round_trip(image.payload);
            let info = ezip::payload::parse(image.payload).unwrap();
            assert_eq!(
                (h.total_len.get(), h.pksize.get()),
                (info.total_len, info.pksize)
            );
        }
    }
    pkg.payloads_end
}

#[test]
fn example_package_structs_round_trip() {
    let bytes = golden("examples/sf32lb52x-eh-lb523/golden/offline_install.bin");
    assert_eq!(
        check_package(&bytes),
        bytes.len(),
        "no trailer in this golden"
    );
    let pkg = package::v2::parse(&bytes).unwrap();
    assert!(pkg.images.iter().any(|i| i.flag == Flag::Compressed));
}

#[test]
fn signed_package_trailer_structs_round_trip() {
    let bytes = golden("sign/golden/offline_install.signed.bin");
    let body_len = check_package(&bytes);
    let t = &bytes[body_len..];
    let head: TrailerHead = round_trip(t);
    assert_eq!(head.body_len.get() as usize, body_len);
    let manifest = &t[size_of::<TrailerHead>()..][..head.manifest_len.get() as usize];
    let m: ManifestHead = round_trip(manifest);
    assert_eq!(m.body_len.get() as usize, body_len);
    // The whole canonical encoding, image records included, round-trips too.
    assert_eq!(
        Manifest::from_bytes(manifest).unwrap().to_bytes().unwrap(),
        manifest
    );
    let sig_at = size_of::<TrailerHead>() + head.manifest_len.get() as usize;
    let sig: SigHead = round_trip(&t[sig_at..]);
    assert_eq!(sig, SigHead::ed25519());
    let len: TrailerLen = round_trip(&t[t.len() - size_of::<TrailerLen>()..]);
    assert_eq!(len.get() as usize, t.len());
    let parsed = package::trailer::Trailer::parse(t, body_len).unwrap();
    assert_eq!(parsed.body_len as usize, body_len);
}
