//! Offline package v2: structure, every payload, and the verifier with the bundled layout.
#![no_main]
use std::sync::OnceLock;

include!("fix_crc.rs");

static LAYOUT: OnceLock<Option<layout::Layout>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|raw: &[u8]| {
    let l = LAYOUT.get_or_init(|| layout::Layout::bundled("sf32lb52x-eh-lb523"));
    for data in [raw, with_fixed_crc(raw).as_slice()] {
        let _ = package::verify::check(data, l.as_ref());
        if let Ok(p) = package::v2::parse(data) {
            for img in &p.images {
                let _ = package::payload::decode(img.flag, img.payload);
            }
        }
    }
});
