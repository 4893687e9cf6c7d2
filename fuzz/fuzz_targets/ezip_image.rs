//! EZIP image streams: `ezimage::decode` and `check_structure` on any bytes; a stream that
//! passes the structure check must decode, and re-encoding its pixels must give a stream that
//! passes the check and decodes to the same pixels (panics otherwise).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let decoded = ezimage::decode(data);
    let Ok(report) = ezimage::check_structure(data) else {
        return;
    };
    let pixels = decoded.expect("a stream that passes check_structure must decode");
    let o = ezimage::EzipOptions {
        layout: report.header.layout,
        rows_per_block: report.rows_per_block as u16,
        window: report.header.window,
    };
    // Keep the re-encode cheap: libFuzzer inputs can declare large images.
    if pixels.data.len() <= 1 << 16 {
        let again = ezimage::encode(&pixels, &o).expect("re-encode");
        ezimage::check_structure(&again).expect("re-encoded stream keeps the structure");
        assert_eq!(ezimage::decode(&again).expect("re-encoded stream decodes"), pixels);
    }
});
