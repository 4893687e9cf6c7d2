//! Integration tests of the `elf2bin` crate: golden files made by objcopy, synthetic ELFs of
//! all four classes, malformed inputs, hostile inputs with bounded cost, region splitting,
//! streaming from a file and Intel HEX.

mod bounded;
mod file;
mod golden;
mod ihex;
mod malformed;
mod split;
mod synth;
mod synth_tests;

use std::path::PathBuf;

/// `testdata/elf/<name>` in the workspace.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/elf")
        .join(name)
}

/// The bytes of `testdata/elf/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = fixture_path(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Compares `actual` with the golden file `testdata/elf/<name>`, or rewrites the golden
/// file when `IMGTOOL_BLESS=1`.
pub fn assert_golden(name: &str, actual: &[u8]) {
    let p = fixture_path(name);
    if std::env::var_os("IMGTOOL_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, actual).unwrap();
        return;
    }
    let expected = fixture(name);
    assert!(
        expected == actual,
        "{} differs from the output ({} vs {} bytes); rerun with IMGTOOL_BLESS=1 if intended",
        p.display(),
        expected.len(),
        actual.len()
    );
}

/// The flash regions of the SF32LB52x eh-lb523 layout (from its ptab.json: flash2 base
/// 0x12000000 plus each region's offset).
pub fn eh_lb523_windows() -> Vec<elf2bin::Window<'static>> {
    let w = |name, start, size| elf2bin::Window { name, start, size };
    vec![
        w("FLASH_TABLE", 0x1200_0000, 0x8000),
        w("HCPU_FLASH_CODE", 0x1202_0000, 0x30_0000),
        w("DFU_FLASH_CODE", 0x1232_0000, 0x6_0000),
        w("DFU_DOWNLOAD_REGION", 0x1238_0000, 0x12_0000),
        w("FS_REGION", 0x124A_0000, 0x30_0000),
    ]
}
