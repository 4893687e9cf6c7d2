//! `manifest.json` reader.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = package::manifest::Manifest::from_bytes(data);
});
