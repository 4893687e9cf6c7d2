//! The secure download image (`imgtool enc`): golden, openssl, byte flips, both flag kinds.

use crate::common::*;
use secure::enc::{open_enc, seal_enc};

fn make(flags: u16) -> Vec<u8> {
    seal_enc(
        &image(1500, 77),
        512,
        flags,
        "sifli_0.1.0",
        &root(),
        &signer(),
        &session(),
    )
    .unwrap()
}

#[test]
fn golden_secure_image_and_header_through_openssl() {
    let f = make(3);
    golden("enc/image_sec.bin", &f);
    assert_eq!(f.len(), 32 + 316 + 1504 + 3 * 36);
    let nonce = hex(&sifli02("sig_hash.bin")[..8]);
    let iv = format!("{nonce}0000000000000000");
    let Some(h) = openssl_ctr(&sifli02("s01.bin"), &iv, &f[32..348]) else {
        return;
    };
    assert_eq!(
        openssl(&["dgst", "-sha256", "-binary"], &h).unwrap(),
        &f[..32]
    );
    assert_eq!(
        &h[0..8],
        &[0xe0, 0x05, 0, 0, 0, 2, 3, 0],
        "length 1504, blksize 512, flags 3"
    );
    assert_eq!(&h[8..40], session().as_bytes());
    assert_eq!(&h[296..316], b"sifli_0.1.0000000000");
}

#[test]
fn both_signature_kinds_verify_and_every_flip_fails() {
    for flags in [1u16, 2] {
        let f = make(flags);
        let o = open_enc(&f, &root(), &verifier()).unwrap();
        assert!(o.findings.ok(), "flags {flags}: {:?}", o.findings);
        assert_eq!(o.plain[..1500], image(1500, 77)[..]);
        for i in (0..f.len()).step_by(if flags == 1 { 1 } else { 7 }) {
            let mut bad = f.clone();
            bad[i] ^= 0x10;
            let failed = open_enc(&bad, &root(), &verifier()).map_or(true, |o| !o.findings.ok());
            assert!(failed, "flags {flags}: flip at {i} not detected");
        }
    }
}

#[test]
fn a_version_longer_than_20_is_refused() {
    let e = seal_enc(
        &[1; 16],
        512,
        1,
        "v1.2.3-this-is-too-long",
        &root(),
        &signer(),
        &session(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("at most 20 ASCII characters"), "{e}");
}
