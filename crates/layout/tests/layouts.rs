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
        ("err_region_outside_memory.toml", |e| matches!(e, E::RegionOutsideMemory { end: 0x2009_0000, mem_end: 0x2008_0000, .. }), "region \"BIG\" (0x20070000 to 0x20090000) does not fit memory \"hpsys_ram\" (0x20000000 to 0x20080000)"),
        ("err_region_beyond_4gib.toml", |e| matches!(e, E::RegionOutsideMemory { mem_end: 0x1_0000_0000, .. }), "region \"TOP\" (0x100000000 to 0x100001000) does not fit memory \"hpsys_ram\" (0x20000000 to 0x100000000)"),
        ("err_flash_overlap.toml", |e| matches!(e, E::FlashOverlap { a, b, .. } if a == "A" && b == "B"), "flash regions \"A\" (0x12020000 to 0x12120000) and \"B\" (0x12100000 to 0x12140000) overlap"),
        ("err_xip_outside_flash.toml", |e| matches!(e, E::XipOutsideFlash { kind: "ram", .. }), "region \"R\": xip is only meaningful on a flash region, this one is in ram memory"),
        ("err_xip_size_without_xip.toml", |e| matches!(e, E::XipSizeWithoutXip { region } if region == "CODE"), "region \"CODE\": xip_size needs xip (the run address it is the size at)"),
        ("err_image_region_missing.toml", |e| matches!(e, E::ImageRegionMissing { image: ImageId::OTA_MANAGER, .. }), "image ota-manager maps to region \"DFU_FLASH_CODE\", which does not exist"),
        ("err_image_region_not_flash.toml", |e| matches!(e, E::ImageRegionNotFlash { image: ImageId::BOOTLOADER, kind: "ram", .. }), "image bootloader maps to region \"FLASH_BOOT_LOADER\" in ram memory; images can only be installed into flash"),
        ("err_image_not_where_installed.toml", |e| matches!(e, E::ImageNotWhereInstalled { image: ImageId::HCPU, macro_name: "HCPU_FLASH_CODE_START_ADDR", .. }), "image hcpu maps to region \"APP_COPY\", but the device's installer writes it to HCPU_FLASH_CODE_START_ADDR, the start of region \"HCPU_FLASH_CODE\": map it there"),
        ("err_unaligned_erased_region.toml", |e| matches!(e, E::UnalignedErasedRegion { erase_unit: 0x20000, .. }), "region \"DFU_DOWNLOAD_REGION\" (offset 0x00070000, size 0x00100000) is erased by the device but is not aligned to the 0x20000-byte erase unit of its memory"),
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

#[test]
fn bundled_layouts_are_the_files_in_layouts_dir_and_canonical() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("layouts"))
        .unwrap()
        .filter_map(|e| {
            e.unwrap()
                .file_name()
                .to_str()?
                .strip_suffix(".toml")
                .map(String::from)
        })
        .collect();
    on_disk.sort();
    assert_eq!(Layout::bundled_names(), on_disk);
    for name in Layout::bundled_names() {
        let l = Layout::bundled(name).unwrap_or_else(|| panic!("{name} does not load"));
        assert_eq!(&l.name, name);
        // The file is exactly what the writer emits, and the writer's output reads back equal.
        assert_eq!(l.to_toml_string(), Layout::bundled_text(name).unwrap());
        assert_eq!(Layout::from_toml_str(name, &l.to_toml_string()).unwrap(), l);
    }
    assert!(Layout::bundled("sf32lb52x-nope").is_none());
}

#[test]
fn resolve_takes_a_bundled_name_or_a_path() {
    assert_eq!(
        Layout::resolve("sf32lb52x-eh-lb523").unwrap().chip,
        "SF32LB52x"
    );
    let p = root().join("layouts/sf32lb56x-eh-lb561.toml");
    assert_eq!(
        Layout::resolve(p.to_str().unwrap()).unwrap().name,
        "sf32lb56x-eh-lb561"
    );
    let e = Layout::resolve("eh-lb523").unwrap_err();
    assert!(matches!(e, LayoutError::UnknownLayout { .. }), "{e:?}");
    assert!(e.to_string().contains("sf32lb52x-eh-lb523"), "{e}");
    let e = Layout::resolve("missing/dir/x.toml").unwrap_err();
    assert!(matches!(e, LayoutError::Io { .. }), "{e:?}");
}

/// Region starts are the SDK's `<TAG>_START_ADDR`; `link_start` is where the ELF's load
/// addresses are (the SDK's linker `CODE_START_ADDR`, from the `exec` region).
#[test]
fn image_destinations_and_link_addresses_follow_the_sdk() {
    // (layout, image, region name, start, link start, size)
    let cases: &[(&str, ImageId, &str, u64, u64, u64)] = &[
        (
            "sf32lb52x-eh-lb523",
            ImageId::HCPU,
            "HCPU_FLASH_CODE",
            0x1202_0000,
            0x1202_0000,
            0x30_0000,
        ),
        (
            "sf32lb52x-eh-lb523",
            ImageId::OTA_MANAGER,
            "DFU_FLASH_CODE",
            0x1232_0000,
            0x1232_0000,
            0x6_0000,
        ),
        (
            "sf32lb52x-eh-lb523",
            ImageId::BOOTLOADER,
            "bootloader",
            0x1201_0000,
            0x2002_0000,
            0x1_0000,
        ),
        (
            "sf32lb52x-eh-lb523",
            ImageId::EX,
            "FS_REGION",
            0x124a_0000,
            0x124a_0000,
            0x30_0000,
        ),
        (
            "sf32lb52x-eh-lb525",
            ImageId::HCPU,
            "HCPU_FLASH_CODE",
            0x6206_0000,
            0x1000_0000,
            0x38_0000,
        ),
        (
            "sf32lb52x-eh-lb525",
            ImageId::OTA_MANAGER,
            "DFU_FLASH_CODE",
            0x623e_0000,
            0x1000_0000,
            0x8_0000,
        ),
        (
            "sf32lb56x-eh-lb561",
            ImageId::HCPU,
            "HCPU_FLASH_CODE",
            0x1400_0000,
            0x1400_0000,
            0x20_0000,
        ),
        (
            "sf32lb56x-eh-lb561",
            ImageId::BOOTLOADER,
            "FLASH_BOOT_LOADER",
            0x1c02_0000,
            0x1c02_0000,
            0xc000,
        ),
        (
            "sf32lb52x-lcd_n16r8",
            ImageId::HCPU,
            "HCPU_FLASH_CODE",
            0x1202_0000,
            0x1202_0000,
            0x70_0000,
        ),
    ];
    for &(name, id, region, start, link, size) in cases {
        let l = Layout::bundled(name).unwrap();
        let r = l
            .region_for_image(id)
            .unwrap_or_else(|| panic!("{name}: no region for {id}"));
        assert_eq!(
            (r.name(), r.start(), r.link_start(), r.size),
            (region, start, link, size),
            "{name} {id}"
        );
        assert_eq!(r.end(), start + size);
        assert!(
            r.contains(start, size) && !r.contains(start, size + 1) && !r.contains(start - 1, 1)
        );
        assert!(r.link_contains(link + size - 4, 4) && !r.link_contains(link + size - 3, 4));
        let f = l.flash_region_for_load(link + 0x100, 4).map(|r| r.name());
        if name == "sf32lb52x-eh-lb525" {
            // main and dfu both run from PSRAM 0x10000000: ambiguous by address alone.
            assert_eq!(f, None, "{name}: load address {link:#x}");
        } else {
            assert_eq!(f, Some(region), "{name}: load address {link:#x}");
        }
        assert!(l.memory(&r.memory).unwrap().kind.is_flash());
    }
    // No region for an image the board has no place for, or an unnamed id.
    let l = Layout::bundled("sf32lb52x-eh-lb523").unwrap();
    assert!(l.region_for_image(ImageId::LCPU).is_none());
    assert!(l.region_for_image(ImageId(200)).is_none());
}

#[test]
fn memory_kinds_erase_units_and_download_regions() {
    let lb523 = Layout::bundled("sf32lb52x-eh-lb523").unwrap();
    let lb525 = Layout::bundled("sf32lb52x-eh-lb525").unwrap();
    let dl = lb523.download_region().unwrap();
    assert_eq!((dl.start(), dl.size), (0x1238_0000, 0x12_0000));
    assert_eq!(lb523.erase_unit_of(dl), 4096);
    assert_eq!(
        lb523.memory("flash2").unwrap().kind,
        layout::MemoryKind::Nor
    );
    assert_eq!(
        lb523.erase_unit_of(lb523.region_by_tag("HCPU_RAM_DATA").unwrap()),
        0
    );
    let dl = lb525.download_region().unwrap();
    assert_eq!(
        lb525.memory("flash2").unwrap().kind,
        layout::MemoryKind::Nand
    );
    assert_eq!(lb525.erase_unit_of(dl), 128 * 1024);
    // Flash regions only, in file order.
    let names: Vec<&str> = lb523.flash_regions().map(|r| r.name()).collect();
    assert_eq!(
        names,
        [
            "FLASH_TABLE",
            "bootloader",
            "HCPU_FLASH_CODE",
            "DFU_FLASH_CODE",
            "DFU_DOWNLOAD_REGION",
            "FS_REGION",
            "KVDB_DFU_REGION",
            "KVDB_BLE_REGION"
        ]
    );
    // Several tags per region: every tag finds it.
    let fs = lb525.region_by_tag("FS_ROOT").unwrap();
    assert_eq!(fs.name(), "FS_REGION");
    assert_eq!(
        lb525.region_for_image(ImageId::EX).unwrap().start(),
        fs.start()
    );
}

fn import(name: &str, json: &str) -> Result<Layout, ImportError> {
    ptab::import(name, json, &ImportOptions::default())
}

/// A NOR board written the way other SDK tables may be: decimal numbers, unknown keys, no
/// `tags` key, `null`s, a `custom` block.
const TOLERANT: &str = r#"[
  {"mem": "flash2", "base": 301989888, "comment": "NOR", "regions": [
    {"offset": "0x0", "max_size": "32768", "tags": ["FLASH_TABLE"], "future_key": {"x": 1}},
    {"offset": 131072, "max_size": "0x00100000", "tags": ["HCPU_FLASH_CODE"], "img": "main",
     "exec": "main", "custom": {"PSRAM_BL_MODE": 3, "PSRAM_BL_SIZE": "0x8"}},
    {"offset": "0x00120000", "max_size": "0x80000", "tags": ["DFU_DOWNLOAD_REGION"], "img": null},
    {"offset": "0x001A0000", "max_size": "0x1000"}
  ]},
  {"mem": "hpsys_ram", "base": "0x20000000"}
]"#;

#[test]
fn import_tolerates_decimal_numbers_unknown_keys_and_missing_optional_fields() {
    let l = import("sf32lb52x-test", TOLERANT).unwrap();
    assert_eq!(l.chip, "SF32LB52x");
    let code = l.region_for_image(ImageId::HCPU).unwrap();
    assert_eq!(
        (code.start(), code.size, code.xip),
        (0x1202_0000, 0x10_0000, None)
    );
    assert_eq!(code.custom.get("PSRAM_BL_SIZE"), Some(&8));
    let untagged = l.region_by_name("flash2_001a0000").unwrap();
    assert!(untagged.tags.is_empty());
    assert_eq!(l.memory("hpsys_ram").unwrap().kind, layout::MemoryKind::Ram);
    // Labels, custom macros and a description with quotes survive the writer.
    let mut l2 = l.clone();
    l2.description = Some("a \"quoted\"\nline".into());
    assert_eq!(
        Layout::from_toml_str("x", &l2.to_toml_string())
            .unwrap()
            .description,
        l2.description
    );
    assert_eq!(
        Layout::from_toml_str(&l.name, &l.to_toml_string()).unwrap(),
        l
    );
    let header = layout::export::c_header(&l);
    assert!(
        header.contains("#define PSRAM_BL_MODE                                      (3)\n"),
        "{header}"
    );
}

#[test]
fn import_errors_name_the_json_path() {
    let cases: &[(&str, &str)] = &[
        ("{\"mem\": 1}", "(top level): expected a list of memories, found {\"mem\":1}"),
        ("[{\"mem\": \"flash2\"}]", "[0]: missing required key \"base\""),
        ("[{\"mem\": 2, \"base\": \"0x0\"}]", "[0].mem: expected a string, found 2"),
        ("[{\"mem\": \"flash2\", \"base\": \"0x0\", \"regions\": [{\"offset\": \"0x0\", \"max_size\": \"0x1000\", \"tags\": []}, {\"offset\": \"0x1000\", \"max_size\": \"0xZZ\"}]}]",
         "[0].regions[1].max_size: expected a hex string like \"0x00020000\" or a non-negative integer, found \"0xZZ\""),
        ("[{\"mem\": \"flash2\", \"base\": -5}]", "[0].base: expected a hex string like \"0x00020000\" or a non-negative integer, found -5"),
        ("[{\"mem\": \"flash2\", \"base\": \"0x0\", \"regions\": [{\"max_size\": \"0x1000\"}]}]", "[0].regions[0]: missing required key \"offset\""),
        ("[{\"mem\": \"flash2\", \"base\": \"0x0\", \"regions\": [{\"offset\": 0, \"max_size\": 1, \"tags\": \"A\"}]}]", "[0].regions[0].tags: expected a list of strings, found \"A\""),
        ("[{\"mem\": \"flash2\", \"base\": \"0x0\", \"regions\": [{\"offset\": 0, \"max_size\": 1, \"tags\": [\"A\"], \"ftab\": {\"name\": \"main\", \"address\": [\"base\", \"run\"]}}]}]",
         "[0].regions[0].ftab.address[1]: expected \"base\" or \"xip\", found \"run\""),
        ("[{\"mem\": \"flash2\", \"base\": \"0x0\", \"regions\": {}}]", "[0].regions: expected a list of regions, found {}"),
        ("[{\"mem\": \"flash2\", \"base\": \"0x0\", \"regions\": [{\"offset\": 0, \"max_size\": 1, \"tags\": [\"A\"], \"custom\": {\"K\": 1.5}}]}]", "[0].regions[0].custom.K: expected an integer, found 1.5"),
    ];
    for (json, message) in cases {
        let e = import("sf32lb52x-t", json).unwrap_err();
        assert!(
            matches!(e, ImportError::Field { .. } | ImportError::Missing { .. }),
            "{e:?}"
        );
        assert_eq!(&e.to_string(), message);
    }
    let e = import("sf32lb52x-t", "[\n  {\"mem\": }\n]").unwrap_err();
    assert!(matches!(e, ImportError::Json { line: 2, .. }), "{e:?}");
}

#[test]
fn import_rejects_what_validation_rejects() {
    let json = r#"[{"mem": "flash2", "base": "0x12000000", "regions": [
        {"offset": "0x0", "max_size": "0x20000", "tags": ["A"]},
        {"offset": "0x10000", "max_size": "0x20000", "tags": ["B"]}]}]"#;
    let e = import("sf32lb52x-t", json).unwrap_err();
    assert!(
        matches!(e, ImportError::Invalid(LayoutError::FlashOverlap { .. })),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("the imported layout is invalid: flash regions \"A\""),
        "{e}"
    );
}

#[test]
fn memory_kind_is_inferred_from_names_or_overridden() {
    let json = r#"[{"mem": "mpi9", "base": "0x64000000", "regions": [
        {"offset": "0x0", "max_size": "0x40000", "tags": ["HCPU_FLASH_CODE"]}]}]"#;
    let e = import("sf32lb55x-t", json).unwrap_err();
    assert!(
        matches!(&e, ImportError::UnknownMemoryKind { memory, .. } if memory == "mpi9"),
        "{e:?}"
    );
    assert!(e.to_string().contains("--memory-kind mpi9=nor"), "{e}");
    let mut opts = ImportOptions::default();
    opts.memory_kinds
        .insert("mpi9".into(), layout::MemoryKind::Nor);
    let l = ptab::import("sf32lb55x-t", json, &opts).unwrap();
    // NOR on SF32LB55x erases in 8 KiB units.
    assert_eq!(l.memory("mpi9").unwrap().erase_unit, 8192);
    opts.memory_kinds
        .insert("mpi9".into(), layout::MemoryKind::Nand);
    opts.erase_units.insert("mpi9".into(), 256 * 1024);
    let l = ptab::import("sf32lb55x-t", json, &opts).unwrap();
    assert_eq!(l.memory("mpi9").unwrap().kind, layout::MemoryKind::Nand);
    assert_eq!(l.memory("mpi9").unwrap().erase_unit, 256 * 1024);
    assert_eq!(
        "SRAM".parse::<layout::MemoryKind>(),
        Ok(layout::MemoryKind::Ram)
    );
    let e = "eeprom".parse::<layout::MemoryKind>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown memory kind \"eeprom\": expected nor, nand, psram or ram"
    );
    for (name, kind) in [
        ("nand1", "nand"),
        ("psram_x", "psram"),
        ("lpsys_ram", "ram"),
        ("flash1", "nor"),
        ("nor_ext", "nor"),
    ] {
        let json = format!(r#"[{{"mem": "{name}", "base": "0x0"}}]"#);
        let l = import("sf32lb58x-t", &json).unwrap();
        assert_eq!(l.memories[0].kind.as_str(), kind, "{name}");
    }
}

#[test]
fn chip_family_comes_from_the_name_and_must_fit_the_table() {
    let lb561 = std::fs::read_to_string(root().join("testdata/ptab/eh-lb561.json")).unwrap();
    assert_eq!(import("eh-lb561", &lb561).unwrap().chip, "SF32LB56x");
    // Regression: the 561 board is an SF32LB56x; a 52x name for it is caught two ways.
    let e = import("sf32lb52x-eh-lb561", &lb561).unwrap_err();
    assert!(matches!(e, ImportError::ConflictingChip { .. }), "{e:?}");
    let e = import("sf32lb52x-board", &lb561).unwrap_err();
    assert!(
        matches!(&e, ImportError::ChipMismatch { memory, .. } if memory == "flash5"),
        "{e:?}"
    );
    let e = import("myboard", &lb561).unwrap_err();
    assert!(matches!(e, ImportError::UnknownChip { .. }), "{e:?}");
    let opts = ImportOptions {
        chip: Some("sf32lb58X".into()),
        ..Default::default()
    };
    assert_eq!(
        ptab::import("myboard", &lb561, &opts).unwrap().chip,
        "SF32LB58x"
    );
}

/// The SDK documents a layout where `HCPU_FLASH_CODE` is the PSRAM run region and the flash
/// copy is `HCPU_FLASH_CODE_LOAD_REGION`; the image map must pick the flash one.
#[test]
fn image_goes_to_the_flash_region_storing_it_when_the_tag_is_in_ram() {
    let json = r#"[
      {"mem": "flash4", "base": "0x18000000", "regions": [
        {"offset": "0x0", "max_size": "0x200000", "tags": ["HCPU_FLASH_CODE_LOAD_REGION"],
         "img": "main", "ftab": {"name": "main", "address": ["base"]}}]},
      {"mem": "psram1", "base": "0x60000000", "regions": [
        {"offset": "0x0", "max_size": "0x200000", "tags": [], "ftab": {"name": "main", "address": ["xip"]}}]},
      {"mem": "psram1_cbus", "base": "0x10000000", "regions": [
        {"offset": "0x0", "max_size": "0x200000", "tags": ["HCPU_FLASH_CODE"], "exec": "main"}]}
    ]"#;
    let l = import("sf32lb58x-doc", json).unwrap();
    let r = l.region_for_image(ImageId::HCPU).unwrap();
    assert_eq!(
        (r.name(), r.start(), r.link_start()),
        ("HCPU_FLASH_CODE_LOAD_REGION", 0x1800_0000, 0x1000_0000)
    );
    assert_eq!(l.region_by_name("main_xip").unwrap().start(), 0x6000_0000);
}

#[test]
fn show_and_export_match_their_golden_files() {
    let dir = root().join("testdata/layout/golden");
    for name in Layout::bundled_names() {
        let l = Layout::bundled(name).unwrap();
        golden(
            &dir.join(format!("{name}.show.txt")),
            &layout::show::render(&l),
        );
        golden(
            &dir.join(format!("{name}.h")),
            &layout::export::c_header(&l),
        );
        golden(
            &dir.join(format!("{name}.memory.x")),
            &layout::export::memory_x(&l),
        );
    }
}

#[test]
fn show_flags_overlapping_flash_regions_of_a_broken_layout() {
    let text = std::fs::read_to_string(fixture("err_flash_overlap.toml")).unwrap();
    let l = Layout::parse_unvalidated("err_flash_overlap", &text).unwrap();
    let out = layout::show::render(&l);
    golden(
        &root().join("testdata/layout/golden/err_flash_overlap.show.txt"),
        &out,
    );
    assert!(
        out.contains("A  [!! overlaps B]") && out.contains("B  [!! overlaps A]"),
        "{out}"
    );
    // RAM regions R1 and R2 overlap too, which is allowed and not flagged.
    assert_eq!(out.matches("!!").count(), 2, "{out}");
}

#[test]
fn c_header_values_match_the_sdk_ptab_h() {
    // Values the SDK's generated ptab.h has for EH-LB523 (START_ADDR = base + offset).
    let h = layout::export::c_header(&Layout::bundled("sf32lb52x-eh-lb523").unwrap());
    for (m, v) in [
        ("FLASH_TABLE_START_ADDR", "0x12000000"),
        ("HCPU_FLASH_CODE_START_ADDR", "0x12020000"),
        ("HCPU_FLASH_CODE_SIZE", "0x00300000"),
        ("HCPU_FLASH_CODE_OFFSET", "0x00020000"),
        ("DFU_DOWNLOAD_REGION_START_ADDR", "0x12380000"),
        ("FLASH_BOOT_LOADER_START_ADDR", "0x20020000"),
        ("HPSYS_MBOX_START_ADDR", "0x2007fc00"),
    ] {
        assert!(
            h.contains(&format!("#define {m:<50} ({v})\n")),
            "{m} = {v} missing:\n{h}"
        );
    }
    // Labels (untagged regions) produce no macros.
    assert!(!h.contains("bootloader_"), "{h}");
}

#[test]
fn memory_x_links_the_image_where_it_runs() {
    use layout::export::{memory_x_for, ExportError, MemoryXOptions};
    let lb525 = Layout::bundled("sf32lb52x-eh-lb525").unwrap();
    let x = layout::export::memory_x(&lb525);
    assert!(
        x.contains("FLASH : ORIGIN = 0x10000000, LENGTH = 0x00380000"),
        "{x}"
    );
    assert!(
        x.contains("PSRAM : ORIGIN = 0x60380000, LENGTH = 0x00480000"),
        "{x}"
    );
    let opts = MemoryXOptions {
        image: ImageId::BOOTLOADER,
        ram: "BOOTLOADER_RAM_DATA".into(),
        psram: None,
    };
    let x = memory_x_for(&lb525, &opts).unwrap();
    // Stored in 128 KiB of NAND, runs from 64 KiB of SRAM: the link range is the smaller.
    assert!(
        x.contains("FLASH : ORIGIN = 0x20020000, LENGTH = 0x00010000"),
        "{x}"
    );
    assert!(!x.contains("PSRAM"), "{x}");
    let opts = MemoryXOptions {
        image: ImageId::LCPU,
        ..Default::default()
    };
    assert!(matches!(
        memory_x_for(&lb525, &opts),
        Err(ExportError::NoImageRegion { .. })
    ));
    let opts = MemoryXOptions {
        ram: "NO_SUCH".into(),
        ..Default::default()
    };
    assert!(matches!(
        memory_x_for(&lb525, &opts),
        Err(ExportError::NoRegion { .. })
    ));
    // Without an hcpu region the plain memory_x fails the link with the reason.
    let mut l = Layout::from_file(&fixture("ok_minimal.toml")).unwrap();
    l.images.clear();
    let x = layout::export::memory_x(&l);
    assert!(
        x.contains(
            "ASSERT(0, \"imgtool: layout ok_minimal has no destination region for image hcpu\");"
        ),
        "{x}"
    );
}

/// Regression: absurd numbers in a layout that fails validation must not overflow in `show`.
#[test]
fn show_of_a_layout_with_huge_numbers_does_not_panic() {
    let text = r#"chip = "SF32LB52x"
[[memory]]
name = "f"
base = "0xffffffffffffffff"
kind = "nor"
erase_unit = "0x1000"
[[region]]
tags = ["A"]
memory = "f"
offset = "0xffffffffffffffff"
size = "0xffffffffffffffff"
[[region]]
tags = ["B"]
memory = "f"
offset = "0x0"
size = "0xffffffffffffffff"
"#;
    let mut l = Layout::parse_unvalidated("huge", text).unwrap();
    let out = layout::show::render(&l);
    assert!(out.contains("0xffffffffffffffff"), "{out}");
    assert!(matches!(
        l.validate(),
        Err(LayoutError::RegionOutsideMemory { .. })
    ));
    let json = r#"[{"mem": "flash2", "base": "0xffffffffffffffff", "regions": [
        {"offset": "0xffffffffffffffff", "max_size": "0xffffffffffffffff", "tags": ["A"]}]}]"#;
    let e = import("sf32lb52x-huge", json).unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::Invalid(LayoutError::RegionOutsideMemory { .. })
        ),
        "{e:?}"
    );
}

/// Where the device's installer writes each id on every bundled board, as the SDK derives it
/// (`dfu_get_download_addr_by_imgid`: one `<TAG>_START_ADDR` macro per id, from ptab.json).
#[test]
fn install_destinations_follow_the_sdk_macros_on_every_bundled_board() {
    use layout::NotInstallable as N;
    /// (image id, region, start) per installable id.
    type Ids = &'static [(u8, &'static str, u64)];
    let want: &[(&str, Ids)] = &[
        (
            "sf32lb52x-eh-lb523",
            &[
                (0, "HCPU_FLASH_CODE", 0x1202_0000),
                (6, "DFU_FLASH_CODE", 0x1232_0000),
            ],
        ),
        (
            "sf32lb52x-eh-lb525",
            &[
                (0, "HCPU_FLASH_CODE", 0x6206_0000),
                (6, "DFU_FLASH_CODE", 0x623e_0000),
            ],
        ),
        (
            "sf32lb52x-lcd_n16r8",
            &[
                (0, "HCPU_FLASH_CODE", 0x1202_0000),
                (6, "DFU_FLASH_CODE", 0x1272_0000),
            ],
        ),
        (
            "sf32lb56x-eh-lb561",
            &[
                (0, "HCPU_FLASH_CODE", 0x1400_0000),
                (6, "DFU_FLASH_CODE", 0x1420_0000),
                (11, "FLASH_BOOT_LOADER", 0x1c02_0000),
            ],
        ),
    ];
    for (name, ids) in want {
        let l = Layout::bundled(name).unwrap();
        let got: Vec<(u8, &str, u64)> = l
            .installable()
            .iter()
            .map(|(id, i)| (id.0, i.region.name(), i.region.start()))
            .collect();
        assert_eq!(&got, ids, "{name}");
        // Regression: id 5 has no address anywhere (HCPU_FS_ROOT_BURN_ADDR is defined by no
        // SDK file), though every board has an FS_REGION that [images] maps it to.
        let e = l.install_region(ImageId::EX).unwrap_err();
        assert!(
            matches!(
                e,
                N::Undefined {
                    macro_name: "HCPU_FS_ROOT_BURN_ADDR",
                    ..
                }
            ),
            "{name}: {e}"
        );
        assert!(l.region_for_image(ImageId::EX).is_some(), "{name}");
        for id in [9u8, 10, 12, 200] {
            assert!(matches!(
                l.install_region(ImageId(id)),
                Err(N::NoSdkDestination { .. })
            ));
        }
    }
    // Regression: on SF32LB52x boards the SDK's ptab tags FLASH_BOOT_LOADER on the RAM
    // address the bootloader runs at, so the installer writes nothing for id 11.
    for name in [
        "sf32lb52x-eh-lb523",
        "sf32lb52x-eh-lb525",
        "sf32lb52x-lcd_n16r8",
    ] {
        let l = Layout::bundled(name).unwrap();
        let e = l.install_region(ImageId::BOOTLOADER).unwrap_err();
        assert!(
            matches!(
                &e,
                N::NotFlash {
                    address: 0x2002_0000,
                    kind: "ram",
                    ..
                }
            ),
            "{name}: {e:?}"
        );
        assert_eq!(
            e.to_string(),
            "the device's installer writes image bootloader (11) to FLASH_BOOT_LOADER_START_ADDR \
             = 0x20020000, region FLASH_BOOT_LOADER in ram memory hpsys_ram: not flash, so it \
             silently writes nothing"
        );
        let e = l.install_region(ImageId::LCPU).unwrap_err();
        assert!(matches!(e, N::NotOnChip { .. }), "{name}: {e:?}");
        let e = l.install_region(ImageId::RES).unwrap_err().to_string();
        assert!(e.contains("(no region is tagged HCPU_FLASH2_IMG): the installer falls back to the chip's default"), "{e}");
    }
}

/// A board can give id 5 an address the SDK way: a `custom` HCPU_FS_ROOT_BURN_ADDR macro.
#[test]
fn a_custom_macro_gives_an_id_its_install_address() {
    let with = |value: &str| {
        format!(
            r#"[{{"mem": "flash2", "base": "0x12000000", "regions": [
            {{"offset": "0x0", "max_size": "0x100000", "tags": ["HCPU_FLASH_CODE"]}},
            {{"offset": "0x100000", "max_size": "0x100000", "tags": ["FS_REGION"],
              "custom": {{"HCPU_FS_ROOT_BURN_ADDR": {value}}}}}]}}]"#
        )
    };
    let l = import("sf32lb52x-t", &with("302514176")).unwrap(); // 0x12080000: inside HCPU_FLASH_CODE
    let e = l.install_region(ImageId::EX).unwrap_err();
    assert!(
        matches!(
            e,
            layout::NotInstallable::NoRegionAt {
                address: 0x1208_0000,
                ..
            }
        ),
        "{e:?}"
    );
    let l = import("sf32lb52x-t", &with("303038464")).unwrap(); // 0x12100000
    let i = l.install_region(ImageId::EX).unwrap();
    assert_eq!(
        (i.macro_name, i.region.name()),
        ("HCPU_FS_ROOT_BURN_ADDR", "FS_REGION")
    );
}

#[test]
fn regression_import_of_an_empty_table_is_an_error() {
    for json in ["[]", " [ ]\n"] {
        let e = import("sf32lb52x-t", json).unwrap_err();
        assert!(matches!(e, ImportError::NoMemories), "{e:?}");
        assert!(
            e.to_string().contains("lists no memories (it is [])"),
            "{e}"
        );
    }
}

#[test]
fn regression_overrides_for_unknown_memories_are_errors_listing_the_known_ones() {
    let json =
        r#"[{"mem": "flash2", "base": "0x12000000"}, {"mem": "hpsys_ram", "base": "0x20000000"}]"#;
    let mut opts = ImportOptions::default();
    opts.memory_kinds
        .insert("flash9".into(), layout::MemoryKind::Nand);
    let e = ptab::import("sf32lb52x-t", json, &opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--memory-kind names memory \"flash9\", which the table does not have; its memories: \
         flash2, hpsys_ram"
    );
    let mut opts = ImportOptions::default();
    opts.erase_units.insert("flash3".into(), 0x2000);
    let e = ptab::import("sf32lb52x-t", json, &opts).unwrap_err();
    assert!(
        matches!(&e, ImportError::UnknownOverride { option: "--erase-unit", memory, .. } if memory == "flash3"),
        "{e:?}"
    );
    opts.erase_units.clear();
    opts.erase_units.insert("flash2".into(), 0x2000);
    assert!(ptab::import("sf32lb52x-t", json, &opts).is_ok());
}
