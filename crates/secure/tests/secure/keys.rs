//! Vendor key files: the sifli02 set, generated keys, and every refused kind of key.

use crate::common::*;
use secure::keys::SPKI_DER_LEN;
use secure::{RootKey, SecureError, SessionKey, SigningKey, Uid, VerifyingKey};

#[test]
fn sifli02_public_key_der_and_hash_match_the_sdk_files() {
    let v = signer().verifying_key();
    assert_eq!(v, verifier());
    let der = v.spki_der().unwrap();
    assert_eq!(der.len(), SPKI_DER_LEN);
    assert_eq!(der, sifli02("sig_pub.der"));
    assert_eq!(v.sig_hash().unwrap().to_vec(), sifli02("sig_hash.bin"));
    assert_eq!(hex(&v.nonce().unwrap()), "56ce4ec4c9dcf411");
    assert_eq!(
        VerifyingKey::from_file_bytes(&der, "sig_pub.der").unwrap(),
        v
    );
    // The SDK's file lacks the final newline.
    assert_eq!(
        v.to_pem().unwrap().trim_end().as_bytes(),
        sifli02("sig_pub.pem").trim_ascii_end()
    );
}

#[test]
fn a_signature_verifies_with_openssl() {
    let msg = image(1000, 3);
    let sig = signer().sign(&msg).unwrap();
    assert!(verifier().verify(&msg, &sig));
    assert_ne!(openssl_verifies(&sig, &msg), Some(false));
    let mut other = msg.clone();
    other[0] ^= 1;
    assert_ne!(
        openssl_verifies(&sig, &other),
        Some(true),
        "openssl must reject a changed message"
    );
}

#[test]
fn pkcs8_private_keys_load_too() {
    let pem = testdata("secure/keys/sifli02/sig_pri.pem");
    let Some(pkcs8) = openssl(&["pkey", "-in", pem.to_str().unwrap()], b"") else {
        return;
    };
    assert!(pkcs8.starts_with(b"-----BEGIN PRIVATE KEY-----"));
    let k = SigningKey::from_pem(&pkcs8, "pkcs8.pem").unwrap();
    assert_eq!(k.verifying_key(), verifier());
}

fn relabel(pem: &[u8], from: &str, to: &str) -> Vec<u8> {
    String::from_utf8_lossy(pem).replace(from, to).into_bytes()
}

#[test]
fn pkcs1_contents_under_a_pkcs8_label_is_named() {
    let text = relabel(&sifli02("sig_pri.pem"), "RSA PRIVATE KEY", "PRIVATE KEY");
    let e = SigningKey::from_pem(&text, "k.pem")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("label says PKCS#8") && e.contains("contents are a PKCS#1"),
        "{e}"
    );
}

#[test]
fn pkcs8_contents_under_a_pkcs1_label_is_named() {
    let pem = testdata("secure/keys/sifli02/sig_pri.pem");
    let Some(pkcs8) = openssl(&["pkey", "-in", pem.to_str().unwrap()], b"") else {
        return;
    };
    let text = relabel(&pkcs8, "PRIVATE KEY", "RSA PRIVATE KEY");
    let e = SigningKey::from_pem(&text, "k.pem")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("label says PKCS#1") && e.contains("contents are PKCS#8"),
        "{e}"
    );
}

#[test]
fn an_ed25519_key_where_rsa_is_needed_is_named() {
    let e = SigningKey::from_pem(&read("sign/openssl-ed25519.pem"), "ed.pem").unwrap_err();
    assert!(
        matches!(&e, SecureError::NotRsa { algorithm, .. } if algorithm == "ed25519"),
        "{e}"
    );
    let e =
        VerifyingKey::from_file_bytes(&read("sign/openssl-ed25519.pub.pem"), "ed.pub").unwrap_err();
    assert!(e.to_string().contains("ed25519 key"), "{e}");
}

#[test]
fn a_public_key_where_the_private_key_is_needed_is_named() {
    let e = SigningKey::from_pem(&sifli02("sig_pub.pem"), "pub.pem")
        .unwrap_err()
        .to_string();
    assert!(e.contains("this is a public key"), "{e}");
}

#[test]
fn rsa_keys_other_than_2048_bit_are_refused() {
    let Some(k) = openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
        ],
        b"",
    ) else {
        return;
    };
    let e = SigningKey::from_pem(&k, "k1024.pem").unwrap_err();
    assert!(matches!(e, SecureError::RsaBits { bits: 1024, .. }), "{e}");
}

#[test]
fn raw_keys_of_the_wrong_size_are_refused() {
    let e = RootKey::from_bytes(&[0u8; 16], "s01.bin")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "root key s01.bin: expected 32 bytes (a raw AES-256 key), found 16"
    );
    let e = Uid::from_bytes(&[0u8; 32], "uid.bin")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("expected 16 bytes") && e.contains("found 32"),
        "{e}"
    );
    assert!(SessionKey::from_bytes(&[0u8; 33], "k").is_err());
}

#[test]
fn generated_keys_round_trip_through_their_files() {
    let k = SigningKey::generate().unwrap();
    let pem = k.to_pkcs1_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let back = SigningKey::from_pem(pem.as_bytes(), "gen.pem").unwrap();
    assert_eq!(back.verifying_key(), k.verifying_key());
    assert_eq!(k.verifying_key().spki_der().unwrap().len(), SPKI_DER_LEN);
    assert_ne!(
        RootKey::generate().unwrap().as_bytes(),
        RootKey::generate().unwrap().as_bytes()
    );
}

#[test]
fn ctr_keystream_matches_openssl_at_any_block_offset() {
    let key = *root().as_bytes();
    let nonce = verifier().nonce().unwrap();
    let plain = image(96, 9);
    let mut mine = plain.clone();
    secure::cipher::ctr_apply(&key, &nonce, 0x1230, &mut mine);
    let iv = secure::cipher::counter_block(&nonce, 0x1230);
    assert_eq!(
        hex(&iv),
        "56ce4ec4c9dcf41100000000".to_string() + "00000123"
    );
    let args = [
        "enc",
        "-aes-256-ctr",
        "-nosalt",
        "-K",
        &hex(&key),
        "-iv",
        &hex(&iv),
    ];
    if let Some(out) = openssl(&args, &plain) {
        assert_eq!(out, mine);
    }
}

#[test]
fn session_key_wrap_is_aes_cbc_with_the_uid_as_iv() {
    let wrapped = secure::cipher::wrap_session_key(&root(), &uid(), &session());
    let back = secure::cipher::unwrap_session_key(&root(), &uid(), &wrapped);
    assert_eq!(back.as_bytes(), session().as_bytes());
    let args = [
        "enc",
        "-aes-256-cbc",
        "-nopad",
        "-nosalt",
        "-K",
        &hex(root().as_bytes()),
        "-iv",
        &hex(uid().as_bytes()),
    ];
    if let Some(out) = openssl(&args, session().as_bytes()) {
        assert_eq!(out, wrapped);
    }
}
