//! Key readers: PEM private and public keys, raw public keys.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = sign::PublicKey::from_bytes(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sign::PrivateKey::from_pem(text, "fuzz");
        let _ = sign::PublicKey::from_pem(text, "fuzz");
    }
});
