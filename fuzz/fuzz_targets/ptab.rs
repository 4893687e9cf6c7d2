//! SDK partition table (`ptab.json`) import.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let opts = layout::ptab::ImportOptions {
            chip: Some("SF32LB52x".into()),
            ..Default::default()
        };
        let _ = layout::ptab::import("fuzz", text, &opts);
    }
});
