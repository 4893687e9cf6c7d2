//! Standalone EZIP streams, every data through every mode.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for mode in [ezip::Mode::Gzip, ezip::Mode::Zlib, ezip::Mode::Lz4] {
        let _ = ezip::decompress(mode, data);
    }
});
