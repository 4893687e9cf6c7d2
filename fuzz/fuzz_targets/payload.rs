//! Compressed image payload (`total_len`, `pksize`, packets).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ezip::payload::decode(data);
    let _ = package::payload::decode(package::Flag::Compressed, data);
});
