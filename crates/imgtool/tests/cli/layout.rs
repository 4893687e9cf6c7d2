//! `imgtool layout import/show/export/list`, run as the built binary in a temp dir.
//!
//! Expected outputs are the golden files the `layout` crate's tests also check (and bless)
//! (`testdata/layout/golden/`) and the bundled layouts (`layouts/`).

use crate::common::{files_in, imgtool, read_text, root, tempdir};

const BOARDS: &[(&str, &str)] = &[
    ("eh-lb523.json", "sf32lb52x-eh-lb523"),
    ("eh-lb525.json", "sf32lb52x-eh-lb525"),
    ("eh-lb561.json", "sf32lb56x-eh-lb561"),
    ("sf32lb52-lcd_n16r8.json", "sf32lb52x-lcd_n16r8"),
];

#[test]
fn import_reproduces_the_bundled_layouts() {
    let dir = tempdir();
    for (file, name) in BOARDS {
        let ptab = root().join("testdata/ptab").join(file);
        let out_rel = format!("layouts/{name}.toml");
        let out = imgtool(
            dir.path(),
            &["layout", "import", ptab.to_str().unwrap(), "-o", &out_rel],
        );
        assert!(out.status.success(), "{file}: {}", out.stderr);
        assert_eq!(
            read_text(&dir.path().join(&out_rel)),
            read_text(&root().join(&out_rel)),
            "{file}"
        );
    }
}

#[test]
fn show_and_export_a_bundled_layout_from_any_directory() {
    let dir = tempdir();
    let golden = root().join("testdata/layout/golden");
    for (_, name) in BOARDS {
        let out = imgtool(dir.path(), &["layout", "show", name]);
        assert!(out.status.success(), "{name}: {}", out.stderr);
        assert_eq!(
            out.stdout,
            read_text(&golden.join(format!("{name}.show.txt")))
        );
        let out = imgtool(
            dir.path(),
            &[
                "layout",
                "export",
                name,
                "--c-header",
                "out/ptab.h",
                "--memory-x",
                "out/memory.x",
            ],
        );
        assert!(out.status.success(), "{name}: {}", out.stderr);
        assert_eq!(
            read_text(&dir.path().join("out/ptab.h")),
            read_text(&golden.join(format!("{name}.h")))
        );
        assert_eq!(
            read_text(&dir.path().join("out/memory.x")),
            read_text(&golden.join(format!("{name}.memory.x")))
        );
    }
    // A path works too, and names the same layout.
    let path = root().join("layouts/sf32lb52x-eh-lb523.toml");
    let out = imgtool(dir.path(), &["layout", "show", path.to_str().unwrap()]);
    assert_eq!(
        out.stdout,
        read_text(&golden.join("sf32lb52x-eh-lb523.show.txt"))
    );
}

#[test]
fn show_flags_overlapping_flash_regions_and_exits_1() {
    let dir = tempdir();
    let bad = root().join("testdata/layout/err_flash_overlap.toml");
    let out = imgtool(dir.path(), &["layout", "show", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert_eq!(
        out.stdout,
        read_text(&root().join("testdata/layout/golden/err_flash_overlap.show.txt"))
    );
    let err = out.stderr;
    assert!(
        err.contains("err_flash_overlap.toml") && err.contains("flash regions \"A\""),
        "{err}"
    );
}

#[test]
fn memory_x_for_another_image() {
    let dir = tempdir();
    let out = imgtool(
        dir.path(),
        &[
            "layout",
            "export",
            "sf32lb52x-eh-lb523",
            "--memory-x",
            "m.x",
            "--image",
            "dfu",
            "--no-psram",
        ],
    );
    assert!(out.status.success(), "{}", out.stderr);
    let m = read_text(&dir.path().join("m.x"));
    assert!(
        m.contains("FLASH : ORIGIN = 0x12320000, LENGTH = 0x00060000"),
        "{m}"
    );
    assert!(!m.contains("PSRAM"), "{m}");
}

#[test]
fn export_errors_write_nothing() {
    let dir = tempdir();
    // lcpu has no region on SF32LB52x: the header must not be written either.
    let out = imgtool(
        dir.path(),
        &[
            "layout",
            "export",
            "sf32lb52x-eh-lb523",
            "--c-header",
            "a.h",
            "--memory-x",
            "m.x",
            "--image",
            "lcpu",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.contains("no destination region for image lcpu"),
        "{}",
        out.stderr
    );
    let out = imgtool(dir.path(), &["layout", "export", "sf32lb52x-eh-lb523"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.contains("--c-header"), "{}", out.stderr);
    let out = imgtool(
        dir.path(),
        &["layout", "export", "no-such-board", "--c-header", "a.h"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.contains("bundled layouts: sf32lb52x-eh-lb523"),
        "{}",
        out.stderr
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
}

#[test]
fn import_errors_name_the_field_and_write_nothing() {
    let dir = tempdir();
    let bad = dir.path().join("ptab.json");
    std::fs::write(&bad, r#"[{"mem": "flash2", "base": "0x12000000", "regions": [{"offset": "0x0", "max_size": "big"}]}]"#).unwrap();
    let out = imgtool(
        dir.path(),
        &["layout", "import", "ptab.json", "-o", "sf32lb52x-x.toml"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = out.stderr;
    assert!(
        err.contains("ptab.json") && err.contains("[0].regions[0].max_size: expected a hex string"),
        "{err}"
    );
    // An override that is not NAME=KIND is refused before anything is written.
    std::fs::write(
        &bad,
        r#"[{"mem": "ext", "base": "0x12000000", "regions": []}]"#,
    )
    .unwrap();
    let out = imgtool(
        dir.path(),
        &[
            "layout",
            "import",
            "ptab.json",
            "-o",
            "sf32lb52x-x.toml",
            "--memory-kind",
            "ext:nor",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.contains("expected NAME=VALUE"), "{}", out.stderr);
    let out = imgtool(
        dir.path(),
        &["layout", "import", "ptab.json", "-o", "sf32lb52x-x.toml"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.contains("--memory-kind ext=nor"),
        "{}",
        out.stderr
    );
    assert_eq!(files_in(dir.path()), ["ptab.json"]);
    // With the override it imports.
    let out = imgtool(
        dir.path(),
        &[
            "layout",
            "import",
            "ptab.json",
            "-o",
            "sf32lb52x-x.toml",
            "--memory-kind",
            "ext=nand",
            "--erase-unit",
            "ext=0x40000",
        ],
    );
    assert!(out.status.success(), "{}", out.stderr);
    let l = read_text(&dir.path().join("sf32lb52x-x.toml"));
    assert!(
        l.contains("kind = \"nand\"\nerase_unit = \"0x00040000\""),
        "{l}"
    );
}

#[test]
fn list_prints_the_bundled_names() {
    let dir = tempdir();
    let out = imgtool(dir.path(), &["layout", "list"]);
    assert!(out.status.success());
    assert_eq!(
        out.stdout,
        "sf32lb52x-eh-lb523\nsf32lb52x-eh-lb525\nsf32lb52x-lcd_n16r8\nsf32lb56x-eh-lb561\n"
    );
}

/// Regression: `pack`, `inspect` and `verify` classified `--layout` by their own rule (an
/// existing file, else a bundled name), so a mistyped path was reported as an unknown bundled
/// layout there and as a missing file in `elf2bin` and `layout`. Every command now follows
/// `Layout::resolve`.
#[test]
fn every_command_resolves_layout_arguments_the_same_way() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(d.join("img.bin"), [7u8; 64]).unwrap();
    let pkg = root().join("testdata/examples/sf32lb52x-eh-lb523/golden/offline_install.bin");
    let pkg = pkg.to_str().unwrap();
    let elf = root().join("testdata/elf/multi.elf");
    let elf = elf.to_str().unwrap();
    for (spec, says, not) in [
        (
            "no-such-board",
            "bundled layouts: sf32lb52x-eh-lb523",
            "cannot read",
        ),
        (
            "boards/missing.toml",
            "cannot read layout boards/missing.toml",
            "bundled layout",
        ),
    ] {
        let commands: [Vec<&str>; 4] = [
            vec![
                "pack",
                "--image",
                "hcpu=img.bin",
                "-o",
                "out",
                "--layout",
                spec,
            ],
            vec!["inspect", pkg, "--layout", spec],
            vec!["verify", pkg, "--layout", spec],
            vec!["elf2bin", elf, "-o", "out", "--layout", spec],
        ];
        for args in commands {
            let out = imgtool(d, &args);
            out.assert_exit(2);
            assert!(
                out.stderr.contains(says) && !out.stderr.contains(not),
                "{args:?}: {}",
                out.stderr
            );
        }
    }
    assert_eq!(files_in(d), ["img.bin"]);
}
