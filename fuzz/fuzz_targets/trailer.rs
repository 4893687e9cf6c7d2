//! Signature trailer after the payloads: inspection and verification.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = package::trailer::inspect(data);
    let key = sign::PrivateKey::from_seed(&[7; 32]).public_key();
    let _ = package::trailer::verify(data, &key);
});
