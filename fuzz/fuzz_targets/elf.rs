//! ELF reader and flat-image builder.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(img) = elf2bin::parse(data) {
        let _ = img.flat(0xFF);
    }
});
