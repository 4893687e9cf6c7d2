//! Layout crate integration tests: ptab import goldens (the bundled layouts), error fixtures,
//! show/export goldens, round trips. `IMGTOOL_BLESS=1` regenerates the golden files.

use layout::ptab::{self, ImportError, ImportOptions};
use layout::{ImageId, Layout, LayoutError};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bless() -> bool {
    std::env::var_os("IMGTOOL_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the golden file, or rewrites it under `IMGTOOL_BLESS=1`.
fn golden(path: &Path, actual: &str) {
    if bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with IMGTOOL_BLESS=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{} differs (IMGTOOL_BLESS=1 regenerates it)",
        path.display()
    );
}

/// (ptab file in testdata/ptab, bundled layout name)
const BOARDS: &[(&str, &str)] = &[
    ("eh-lb523.json", "sf32lb52x-eh-lb523"),
    ("eh-lb525.json", "sf32lb52x-eh-lb525"),
    ("eh-lb561.json", "sf32lb56x-eh-lb561"),
    ("sf32lb52-lcd_n16r8.json", "sf32lb52x-lcd_n16r8"),
];

fn import_board(file: &str, name: &str) -> Layout {
    let json = std::fs::read_to_string(root().join("testdata/ptab").join(file)).unwrap();
    let opts = ImportOptions {
        description: Some(ptab::source_description(file)),
        ..Default::default()
    };
    ptab::import(name, &json, &opts).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn importing_each_vendored_ptab_equals_the_bundled_layout() {
    for (file, name) in BOARDS {
        let l = import_board(file, name);
        golden(
            &root().join("layouts").join(format!("{name}.toml")),
            &l.to_toml_string(),
        );
    }
}

fn fixture(name: &str) -> PathBuf {
    root().join("testdata/layout").join(name)
}

/// Every `err_*.toml` with the error it must produce: a variant check and the exact message.
#[test]
fn each_err_fixture_produces_exactly_its_error() {
    use LayoutError as E;
    type Check = fn(&LayoutError) -> bool;
    let cases: &[(&str, Check, &str)] = &[
        ("err_unknown_key.toml", |e| matches!(e, E::Syntax { .. }), "unknown field `sise`"),
        ("err_bad_hex.toml", |e| matches!(e, E::Syntax { .. }), "invalid value: string \"0x12zz\", expected a hex string like \"0x12020000\" or a non-negative integer"),
        ("err_unknown_image_id.toml", |e| matches!(e, E::Syntax { .. }), "unknown image id \"app\""),
        ("err_unknown_chip.toml", |e| matches!(e, E::UnknownChip { chip } if chip == "SF32LB99x"), "unknown chip family \"SF32LB99x\": expected one of SF32LB52x, SF32LB55x, SF32LB56x, SF32LB58x"),
        ("err_duplicate_memory.toml", |e| matches!(e, E::DuplicateMemory { name } if name == "flash2"), "memory \"flash2\" is defined twice"),
        ("err_erase_unit.toml", |e| matches!(e, E::BadEraseUnit { erase_unit: 0xc00, .. }), "memory \"flash2\": erase_unit 0xc00 must be a power of two for flash and 0 for RAM/PSRAM"),
        ("err_unknown_memory.toml", |e| matches!(e, E::UnknownMemory { memory, .. } if memory == "flash9"), "region \"A\": unknown memory \"flash9\""),
        ("err_unnamed_region.toml", |e| matches!(e, E::UnnamedRegion { offset: 0x10000, .. }), "region at offset 0x00010000 of memory \"flash2\" has no tags and no label"),
        ("err_bad_tag.toml", |e| matches!(e, E::BadTag { .. }), "region tag or label \"HCPU-CODE\" is not a C identifier (letters, digits, '_', not starting with a digit)"),
        ("err_duplicate_tag.toml", |e| matches!(e, E::DuplicateTag { tag } if tag == "A"), "tag \"A\" is used by more than one region"),
        ("err_region_outside_memory.toml", |e| matches!(e, E::RegionOutsideMemory { end: 0x2009_0000, mem_end: 0x2008_0000, .. }), "region \"BIG\" (0x20070000..0x20090000) does not fit memory \"hpsys_ram\" (0x20000000..0x20080000)"),
        ("err_region_beyond_4gib.toml", |e| matches!(e, E::RegionOutsideMemory { mem_end: 0x1_0000_0000, .. }), "region \"TOP\" (0x100000000..0x100001000) does not fit memory \"hpsys_ram\" (0x20000000..0x100000000)"),
        ("err_flash_overlap.toml", |e| matches!(e, E::FlashOverlap { a, b, .. } if a == "A" && b == "B"), "flash regions \"A\" (0x12020000..0x12120000) and \"B\" (0x12100000..0x12140000) overlap"),
        ("err_xip_outside_flash.toml", |e| matches!(e, E::XipOutsideFlash { kind: "ram", .. }), "region \"R\": xip is only meaningful on a flash region, this one is in ram memory"),
        ("err_image_region_missing.toml", |e| matches!(e, E::ImageRegionMissing { image: ImageId::OTA_MANAGER, .. }), "image ota-manager maps to region \"DFU_FLASH_CODE\", which does not exist"),
        ("err_image_region_not_flash.toml", |e| matches!(e, E::ImageRegionNotFlash { image: ImageId::BOOTLOADER, kind: "ram", .. }), "image bootloader maps to region \"FLASH_BOOT_LOADER\" in ram memory; images can only be installed into flash"),
    ];
    for (file, check, message) in cases {
        let path = fixture(file);
        let err = Layout::from_file(&path).expect_err(file);
        let LayoutError::InFile { path: p, source } = &err else {
            panic!("{file}: not InFile: {err:?}")
        };
        assert_eq!(p, &path, "{file}: error names the file");
        assert!(check(source), "{file}: wrong error {source:?}");
        let text = source.to_string();
        if matches!(**source, E::Syntax { .. }) {
            // The TOML parser's message also quotes the line; check the part we own.
            assert!(text.contains(message), "{file}: {text}");
            assert!(
                text.starts_with(&format!("layout {}: ", file.trim_end_matches(".toml"))),
                "{text}"
            );
        } else {
            assert_eq!(&text, message, "{file}");
        }
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
    }
    // Every fixture on disk is covered, so none is left untested.
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("testdata/layout"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("err_") && n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let mut covered: Vec<String> = cases.iter().map(|c| c.0.to_string()).collect();
    covered.sort();
    assert_eq!(on_disk, covered);
}

#[test]
fn minimal_fixture_is_valid_and_ram_regions_may_overlap() {
    let l = Layout::from_file(&fixture("ok_minimal.toml")).unwrap();
    assert_eq!(l.name, "ok_minimal");
    let ram = l.region_by_tag("HCPU_RAM_DATA").unwrap();
    let mbox = l.region_by_tag("HPSYS_MBOX").unwrap();
    assert!(
        mbox.start() < ram.end(),
        "the fixture's RAM regions overlap on purpose"
    );
    assert_eq!(
        l.region_for_image(ImageId::HCPU).unwrap().start(),
        0x1202_0000
    );
    assert_eq!(l.download_region().unwrap().end(), 0x121a_0000);
}
