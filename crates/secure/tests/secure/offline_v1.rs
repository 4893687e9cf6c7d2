//! Offline package v1: golden file, round trip, every byte flip, refused flags.

use crate::common::*;
use crate::online::{images, params};
use secure::offline_v1::{build_offline_v1, is_v1, open_v1, parse_v1};
use secure::online::OnlineImage;

fn v1_images() -> Vec<OnlineImage> {
    images()
        .into_iter()
        .map(|mut i| {
            i.flag = 16;
            i
        })
        .collect()
}

fn build(images: &[OnlineImage]) -> Result<Vec<u8>, String> {
    with_keys(|k| build_offline_v1(images, &params(), k))
        .map(|(_, p)| p)
        .map_err(|e| e.to_string())
}

fn verifies(pkg: &[u8]) -> bool {
    matches!(open_v1(pkg, &root(), &verifier()), Ok(o) if o.findings.ok())
}

#[test]
fn golden_v1_package_layout() {
    let input = v1_images();
    let pkg = build(&input).unwrap();
    golden("offline_v1/offline_install.bin", &pkg);
    assert!(is_v1(&pkg));
    assert_eq!(&pkg[..4], b"FCES");
    assert_eq!(pkg[4], 5);
    assert_eq!(&pkg[5..9], &25u32.to_le_bytes());
    assert_eq!(pkg[9], 10);
    let ctrl_len = 338 + 263 * 4;
    assert_eq!(&pkg[10..14], &(ctrl_len as u32).to_le_bytes());
    assert_eq!(pkg[14], 0);
    assert_eq!(&pkg[15..19], &2000u32.to_le_bytes());
    let entries = parse_v1(&pkg).unwrap();
    assert_eq!(entries.len(), 5);
    assert_eq!(entries[0].offset, 34);
    for (e, want) in entries[1..].iter().zip(&input) {
        assert_eq!(
            (e.img_id, e.data),
            (want.img_id, want.data.as_slice()),
            "payloads are the unpadded files"
        );
    }
    let opened = open_v1(&pkg, &root(), &verifier()).unwrap();
    assert!(opened.findings.ok(), "{:?}", opened.findings);
}

#[test]
fn every_byte_flip_of_a_v1_package_fails() {
    let pkg = build(&v1_images()[1..3]).unwrap();
    assert!(verifies(&pkg));
    for i in 0..pkg.len() {
        let mut bad = pkg.clone();
        bad[i] ^= 0x04;
        assert!(!verifies(&bad), "flip at byte {i} was not detected");
    }
}

#[test]
fn v1_refuses_every_flag_but_16() {
    for flag in [0u16, 1, 17] {
        let mut input = v1_images();
        input[2].flag = flag;
        let e = build(&input).unwrap_err();
        assert!(
            e.contains(&format!("flag {flag}; offline package v1")),
            "{e}"
        );
    }
}

#[test]
fn a_v2_package_is_not_taken_for_v1() {
    let v2 = read("examples/sf32lb52x-eh-lb523/golden/offline_install.bin");
    assert!(!is_v1(&v2));
}
