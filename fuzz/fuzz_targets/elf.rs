//! ELF readers: in memory (`parse`, `flat`) and streaming (`ElfFile`, plan, write to a sink).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(mut file) = elf2bin::ElfFile::open(std::io::Cursor::new(data)) {
        if let Ok(plan) = file.plan_flat() {
            let _ = file.write_region(&plan, 0xFF, &mut std::io::sink());
        }
    }
    if let Ok(img) = elf2bin::parse(data) {
        let _ = img.flat(0xFF);
    }
});
