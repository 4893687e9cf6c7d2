//! Layout TOML reader and validation.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = layout::Layout::from_toml_str("fuzz", text);
    }
});
