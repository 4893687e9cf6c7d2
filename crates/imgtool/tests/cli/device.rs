//! Packages the vendor's device routine cannot install are refused: mixed packet codecs, image
//! ids without a destination on the board, and chunk sizes the installer cannot allocate.

use crate::common::{crc_mpeg2, imgtool, put, read, tempdir};
use crate::pack::assert_refused;

/// Deterministic, somewhat compressible bytes.
fn image(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| seed.wrapping_add((i / 7) as u8)).collect()
}

/// `app.bin` and `dfu.bin` in `d`.
fn app_and_dfu(d: &std::path::Path) {
    put(d, "app.bin", &image(1, 5000));
    put(d, "dfu.bin", &image(2, 3000));
}

/// One package holding the images of several one-image packages, in order, with the CRC
/// recomputed. Written from the format (header 12 bytes, 6-byte entries), not with the crates
/// under test, so it can build what `pack` refuses.
fn combine(pkgs: &[Vec<u8>]) -> Vec<u8> {
    let (mut table, mut payloads) = (Vec::new(), Vec::new());
    for p in pkgs {
        assert_eq!(u16::from_le_bytes([p[6], p[7]]), 1);
        table.extend_from_slice(&p[12..18]);
        payloads.extend_from_slice(&p[18..]);
    }
    let mut out = b"FCES\x01\xff".to_vec();
    out.extend_from_slice(&(pkgs.len() as u16).to_le_bytes());
    out.extend_from_slice(&crc_mpeg2(&payloads).to_le_bytes());
    out.extend_from_slice(&table);
    out.extend_from_slice(&payloads);
    out
}

#[test]
fn pack_refuses_a_package_mixing_gzip_and_zlib_images() {
    let tmp = tempdir();
    let d = tmp.path();
    app_and_dfu(d);
    assert_refused(
        d,
        &[
            "--image",
            "hcpu:gzip=app.bin",
            "--image",
            "dfu:zlib=dfu.bin",
        ],
        &[
            "nothing written",
            "image 1 (image id 6) is zlib-compressed but image 0 (image id 0) is gzip-compressed",
            "never both",
        ],
    );
    // --compress zlib with one image left raw is one mode: fine.
    let o = imgtool(
        d,
        &[
            "pack",
            "--compress",
            "zlib",
            "--image",
            "hcpu=app.bin",
            "--image",
            "dfu:none=dfu.bin",
            "-o",
            "ok",
        ],
    );
    o.assert_exit(0);
}

#[test]
fn verify_fails_a_package_mixing_gzip_and_zlib_images() {
    let tmp = tempdir();
    let d = tmp.path();
    app_and_dfu(d);
    imgtool(d, &["pack", "--image", "hcpu:gzip=app.bin", "-o", "g"]).assert_exit(0);
    imgtool(d, &["pack", "--image", "dfu:zlib=dfu.bin", "-o", "z"]).assert_exit(0);
    let mixed = combine(&[
        read(&d.join("g/offline_install.bin")),
        read(&d.join("z/offline_install.bin")),
    ]);
    put(d, "mixed.bin", &mixed);
    let o = imgtool(d, &["verify", "mixed.bin"]);
    o.assert_exit(1);
    let t = o.text();
    assert!(
        t.contains(
            "error: mixed.bin: image 1 (image id 6) is zlib-compressed but image 0 (image id 0) \
             is gzip-compressed"
        ),
        "{t}"
    );
    assert!(t.contains("FAIL mixed.bin"), "{t}");
}

#[test]
fn regression_ota_toml_accepts_integer_image_ids_including_0() {
    let tmp = tempdir();
    let d = tmp.path();
    app_and_dfu(d);
    put(
        d,
        "ota.toml",
        b"[[image]]\nid = 0\npath = \"app.bin\"\n[[image]]\nid = 6\npath = \"dfu.bin\"\n",
    );
    let o = imgtool(d, &["pack", "--config", "ota.toml", "-o", "out"]);
    o.assert_exit(0);
    let pkg = read(&d.join("out/offline_install.bin"));
    assert_eq!((pkg[12], pkg[18]), (0, 6), "table image ids");
}

#[test]
fn pack_refuses_image_ids_the_device_cannot_install_on_the_board() {
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "x.bin", &image(3, 4000));
    let installable = "installable here: hcpu (0) -> HCPU_FLASH_CODE, ota-manager (6) -> \
                       DFU_FLASH_CODE";
    let cases: &[(&str, &[&str])] = &[
        // Regression: id 5 went to FS_REGION, but the device writes it to
        // HCPU_FS_ROOT_BURN_ADDR, which nothing defines: it writes nothing.
        (
            "ex=x.bin",
            &[
                "layout sf32lb52x-eh-lb523 cannot place image id ex (5): the device's installer \
                 writes image ex (5) to HCPU_FS_ROOT_BURN_ADDR",
                "it writes nothing",
                installable,
            ],
        ),
        // Regression: the SF32LB52x FLASH_BOOT_LOADER is the bootloader's RAM run address.
        (
            "bootloader:none=x.bin",
            &[
                "cannot place image id bootloader (11): the device's installer writes image \
                 bootloader (11) to FLASH_BOOT_LOADER_START_ADDR = 0x20020000, region \
                 FLASH_BOOT_LOADER in ram memory hpsys_ram: not flash, so it silently writes \
                 nothing",
                installable,
            ],
        ),
        (
            "lcpu=x.bin",
            &["on SF32LB52x: its case in dfu_get_download_addr_by_imgid is compiled out"],
        ),
        ("9=x.bin", &["has no destination for image 9 (9)"]),
        (
            "font=x.bin",
            &[
                "no region is tagged HCPU_FLASH2_FONT",
                "chip's default address",
            ],
        ),
    ];
    for (image, needles) in cases {
        assert_refused(
            d,
            &["--layout", "sf32lb52x-eh-lb523", "--image", image],
            needles,
        );
    }
}

#[test]
fn pack_warns_that_a_bootloader_update_can_brick_where_the_device_installs_it() {
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "bl.bin", &image(4, 20_000));
    let o = imgtool(
        d,
        &[
            "pack",
            "--layout",
            "sf32lb56x-eh-lb561",
            "--image",
            "bootloader=bl.bin",
            "-o",
            "out",
        ],
    );
    o.assert_exit(0);
    assert!(
        o.stderr.contains(
            "warning: image bootloader (11) is installed in place over the running bootloader \
             in FLASH_BOOT_LOADER (0x1c020000 to 0x1c02c000); the device keeps no second copy, \
             so a power cut during that install bricks it"
        ),
        "{}",
        o.text()
    );
    // No warning for an app-only package.
    put(d, "app.bin", &image(5, 20_000));
    let o = imgtool(
        d,
        &[
            "pack",
            "--layout",
            "sf32lb56x-eh-lb561",
            "--image",
            "hcpu=app.bin",
            "-o",
            "app",
        ],
    );
    o.assert_exit(0);
    assert!(!o.stderr.contains("warning"), "{}", o.text());
}

#[test]
fn layout_show_lists_the_installable_image_ids() {
    let tmp = tempdir();
    let o = imgtool(tmp.path(), &["layout", "show", "sf32lb56x-eh-lb561"]);
    o.assert_exit(0);
    let t = o.text();
    let at = t
        .find("installable image ids (where the device's DFU installer writes them):")
        .unwrap_or_else(|| panic!("{t}"));
    let list = &t[at..];
    for line in [
        "hcpu (0)           HCPU_FLASH_CODE_START_ADDR           0x14000000  HCPU_FLASH_CODE",
        "bootloader (11)    FLASH_BOOT_LOADER_START_ADDR         0x1c020000  FLASH_BOOT_LOADER",
        "ex (5): the device's installer writes image ex (5) to HCPU_FS_ROOT_BURN_ADDR",
    ] {
        assert!(list.contains(line), "{line:?} in {list}");
    }
}

#[test]
fn verify_with_a_layout_fails_an_image_the_device_cannot_install() {
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "fs.bin", &image(6, 4000));
    imgtool(d, &["pack", "--image", "ex=fs.bin", "-o", "p"]).assert_exit(0);
    let o = imgtool(
        d,
        &[
            "verify",
            "p/offline_install.bin",
            "--layout",
            "sf32lb52x-eh-lb523",
        ],
    );
    o.assert_exit(1);
    assert!(
        o.text().contains(
            "image 0 (id ex): layout sf32lb52x-eh-lb523 cannot install image id 5: the \
             device's installer writes image ex (5) to HCPU_FS_ROOT_BURN_ADDR"
        ),
        "{}",
        o.text()
    );
}

#[test]
fn regression_layout_import_of_an_empty_table_is_an_error_and_writes_nothing() {
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "ptab.json", b"[]\n");
    let o = imgtool(
        d,
        &["layout", "import", "ptab.json", "-o", "sf32lb52x-x.toml"],
    );
    o.assert_exit(2);
    assert!(
        o.stderr.contains("the table lists no memories (it is [])"),
        "{}",
        o.text()
    );
    assert!(!d.join("sf32lb52x-x.toml").exists());
}

#[test]
fn regression_layout_import_refuses_overrides_for_unknown_memories() {
    let tmp = tempdir();
    let d = tmp.path();
    let ptab = crate::common::testdata("ptab/eh-lb523.json");
    let ptab = ptab.to_str().unwrap();
    for (option, value) in [
        ("--memory-kind", "flash9=nand"),
        ("--erase-unit", "flsh2=0x2000"),
    ] {
        let o = imgtool(
            d,
            &[
                "layout",
                "import",
                ptab,
                "-o",
                "sf32lb52x-x.toml",
                option,
                value,
            ],
        );
        o.assert_exit(2);
        let memory = value.split('=').next().unwrap();
        assert!(
            o.stderr.contains(&format!(
                "{option} names memory \"{memory}\", which the table does not have; its \
                 memories: flash2, psram1, hpsys_ram, lpsys_ram"
            )),
            "{}",
            o.text()
        );
        assert!(!d.join("sf32lb52x-x.toml").exists());
    }
}

#[test]
fn pksize_above_64_kib_is_an_error_stating_the_heap_unless_allowed() {
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "hcpu.bin", &image(7, 300_000));
    let heap_needle = "the device's installer allocates pksize + 2 x the largest packet";
    // pack, from the command line and from ota.toml.
    assert_refused(
        d,
        &["--image", "hcpu=hcpu.bin", "--pksize", "65552"],
        &[
            "pksize 65552 is above 65536 bytes",
            heap_needle,
            "bytes of heap for this package",
            "--allow-large-pksize",
        ],
    );
    put(
        d,
        "ota.toml",
        b"[package]\npksize = 131072\n[[image]]\nid = 0\npath = \"hcpu.bin\"\n",
    );
    assert_refused(
        d,
        &["--config", "ota.toml"],
        &["pksize 131072 is above 65536 bytes", heap_needle],
    );
    // 64 KiB itself is fine.
    let o = imgtool(
        d,
        &[
            "pack",
            "--image",
            "hcpu=hcpu.bin",
            "--pksize",
            "65536",
            "-o",
            "ok",
        ],
    );
    o.assert_exit(0);
    assert!(!o.stderr.contains("warning"), "{}", o.text());
    // --allow-large-pksize packs and says how much heap the install takes.
    let o = imgtool(
        d,
        &[
            "pack",
            "--config",
            "ota.toml",
            "--allow-large-pksize",
            "-o",
            "forced",
        ],
    );
    o.assert_exit(0);
    assert!(
        o.stderr.contains(
            "warning: pksize 131072 is above 65536 bytes (--allow-large-pksize): the device's installer \
             needs"
        ),
        "{}",
        o.text()
    );
    // gen-dfu takes the vendor's --pksize with the same rule.
    let gen = |extra: &[&str]| {
        let mut args = vec![
            "gen-dfu",
            "--img_para",
            "hcpu",
            "16",
            "0",
            "--pksize",
            "98304",
            "-o",
            "g",
        ];
        args.extend_from_slice(extra);
        imgtool(d, &args)
    };
    let o = gen(&[]);
    o.assert_exit(2);
    assert!(
        o.stderr.contains("pksize 98304 is above 65536 bytes"),
        "{}",
        o.text()
    );
    assert!(!d.join("g/offline_install.bin").exists());
    let o = gen(&["--allow-large-pksize"]);
    o.assert_exit(0);
    let pkg = read(&d.join("g/offline_install.bin"));
    // The payload header's pksize (after the 12-byte header, one 6-byte entry, total_len).
    assert_eq!(u32::from_le_bytes(pkg[22..26].try_into().unwrap()), 98304);
}
