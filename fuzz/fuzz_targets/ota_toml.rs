//! `ota.toml` reader.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = imgtool::pack::PackConfig::from_toml_str(text, std::path::Path::new("."));
    }
});
