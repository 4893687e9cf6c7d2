//! Options that were accepted and did nothing (getpub, layout export/import, the vendor `ezip`
//! drop-in): each now acts or is refused (exit 2, the option named, nothing written), or in
//! the drop-in draws a `warning:` naming it while the output stays byte for byte the same.

use crate::common::{files_in, imgtool, ok, put, read, tempdir, testdata};
use std::path::Path;

const LAYOUT: &str = "sf32lb52x-eh-lb523";

fn key() -> String {
    testdata("sign/openssl-ed25519.pem").display().to_string()
}

fn pub_key() -> String {
    testdata("sign/openssl-ed25519.pub.pem")
        .display()
        .to_string()
}

/// Asserts exit 2 with an error naming every one of `needles`, and that `dir` still holds
/// only `before` (nothing written).
#[track_caller]
fn refused(dir: &Path, args: &[&str], needles: &[&str], before: &[&str]) {
    let r = imgtool(dir, args);
    r.assert_exit(2);
    for n in needles {
        assert!(r.stderr.contains(n), "{args:?}: no {n:?} in {}", r.stderr);
    }
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert_eq!(files_in(dir), before, "{args:?} wrote something");
}

#[test]
fn regression_getpub_name_without_c_array() {
    let t = tempdir();
    let d = t.path();
    let k = key();
    for format in ["pem", "raw"] {
        refused(
            d,
            &[
                "getpub", &k, "--format", format, "--name", "dfu_key", "-o", "pub.out",
            ],
            &["--name", "--format c-array", &format!("--format {format}")],
            &[],
        );
    }
    refused(
        d,
        &["getpub", &k, "--name", "dfu_key", "-o", "pub.out"],
        &["--name", "--format c-array"],
        &[],
    );
    // Where it acts: the name given, else the default.
    let c = ok(imgtool(
        d,
        &["getpub", &k, "--format", "c-array", "--name", "dfu_key"],
    ));
    assert!(
        c.stdout.contains("unsigned char dfu_key[32]"),
        "{}",
        c.stdout
    );
    let c = ok(imgtool(d, &["getpub", &k, "--format", "c-array"]));
    assert!(
        c.stdout
            .contains("unsigned char imgtool_ed25519_public_key[32]"),
        "{}",
        c.stdout
    );
}

#[test]
fn regression_getpub_passphrase_file_without_encrypted_key() {
    let t = tempdir();
    let d = t.path();
    put(d, "pass.txt", b"correct horse\n");
    let before = ["pass.txt"];
    let pf = ["--passphrase-file", "pass.txt"];
    let (k, p) = (key(), pub_key());
    for (what, key) in [
        ("public key file", p.as_str()),
        ("private key that is not encrypted", k.as_str()),
        ("pkcs11: key", "pkcs11:token=dfu;object=dfu-sig"),
    ] {
        let mut args = vec!["getpub", key, "-o", "pub.pem"];
        args.extend(pf);
        refused(
            d,
            &args,
            &["--passphrase-file does nothing here", what, "leave it out"],
            &before,
        );
    }
    // An encrypted key still takes it.
    ok(imgtool(
        d,
        &["keygen", "-o", "enc.pem", "--passphrase-file", "pass.txt"],
    ));
    let r = ok(imgtool(
        d,
        &["getpub", "enc.pem", "--passphrase-file", "pass.txt"],
    ));
    assert!(
        r.stdout.starts_with("-----BEGIN PUBLIC KEY-----"),
        "{}",
        r.text()
    );
}

#[test]
fn regression_getpub_help_said_pem_and_c_array_are_printed() {
    let r = ok(imgtool(Path::new("."), &["getpub", "--help"]));
    assert!(!r.stdout.contains("print pem and c-array"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("pem and\nc-array are printed"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("print the --format output"),
        "{}",
        r.stdout
    );
}

#[test]
fn regression_layout_export_image_ram_psram_without_memory_x() {
    let t = tempdir();
    let d = t.path();
    for given in [
        &["--image", "hcpu"][..],
        &["--ram", "HCPU_RAM_DATA"],
        &["--psram", "PSRAM_DATA"],
        &["--no-psram"],
    ] {
        let flag = given[0];
        let mut args = vec!["layout", "export", LAYOUT, "--c-header", "ptab.h"];
        args.extend(given);
        refused(
            d,
            &args,
            &[flag, "--memory-x FILE", &format!("leave {flag} out")],
            &[],
        );
    }
    ok(imgtool(
        d,
        &["layout", "export", LAYOUT, "--c-header", "ptab.h"],
    ));
}

#[test]
fn regression_layout_export_psram_tag_the_layout_lacks() {
    let t = tempdir();
    let d = t.path();
    let minimal = testdata("layout/ok_minimal.toml").display().to_string();
    // Given, the tag must be in the layout (it was left out of memory.x without a word).
    refused(
        d,
        &[
            "layout",
            "export",
            &minimal,
            "--memory-x",
            "memory.x",
            "--psram",
            "PSRAM_DATA",
        ],
        &[
            "--psram PSRAM_DATA",
            "no region tagged PSRAM_DATA",
            "give one of its tags (--no-psram leaves PSRAM out): HCPU_FLASH_CODE, \
             DFU_DOWNLOAD_REGION, HCPU_RAM_DATA, HPSYS_MBOX",
        ],
        &[],
    );
    refused(
        d,
        &[
            "layout",
            "export",
            LAYOUT,
            "--memory-x",
            "memory.x",
            "--psram",
            "PSRAM",
        ],
        &["--psram PSRAM", "of its tags", "PSRAM_DATA"],
        &[],
    );
    refused(
        d,
        &[
            "layout",
            "export",
            LAYOUT,
            "--memory-x",
            "memory.x",
            "--ram",
            "RAM",
        ],
        &["--ram RAM", "of its tags", "HCPU_RAM_DATA"],
        &[],
    );
    // The default PSRAM tag stays optional.
    ok(imgtool(
        d,
        &["layout", "export", &minimal, "--memory-x", "memory.x"],
    ));
    let m = String::from_utf8(read(&d.join("memory.x"))).unwrap();
    assert!(m.contains("RAM   : ORIGIN") && !m.contains("PSRAM"), "{m}");
}

#[test]
fn regression_layout_import_override_given_twice() {
    let t = tempdir();
    let d = t.path();
    put(d, "ptab.json", &read(&testdata("ptab/eh-lb523.json")));
    for (flag, a, b) in [
        ("--memory-kind", "flash2=nor", "flash2=nand"),
        ("--erase-unit", "flash2=0x1000", "flash2=0x2000"),
        ("--erase-unit", "flash2=0x1000", "flash2=0x1000"),
    ] {
        refused(
            d,
            &[
                "layout",
                "import",
                "ptab.json",
                "-o",
                "sf32lb52x-x.toml",
                flag,
                a,
                flag,
                b,
            ],
            &[&format!("{flag} flash2 is given twice; give each once")],
            &["ptab.json"],
        );
    }
    ok(imgtool(
        d,
        &[
            "layout",
            "import",
            "ptab.json",
            "-o",
            "sf32lb52x-x.toml",
            "--memory-kind",
            "flash2=nor",
        ],
    ));
}

/// Runs the drop-in twice in a fresh dir holding the vendor PNGs: `base` into `a/`, `base`
/// plus `extra` into `b/`; asserts both succeed with the same file `out`, and hands back the
/// second run's stderr.
#[track_caller]
fn same_output_with(base: &[&str], extra: &[&str], out: &str) -> String {
    let t = tempdir();
    let d = t.path();
    for p in ["airplane", "down_arrow"] {
        put(
            d,
            &format!("{p}.png"),
            &read(&testdata(&format!("ezip-image/png/{p}.png"))),
        );
    }
    let run = |dir: &str, extra: &[&str]| {
        let mut args = vec!["ezip"];
        args.extend(base);
        args.extend(extra);
        args.extend(["-outdir", dir]);
        ok(imgtool(d, &args))
    };
    let plain = run("a", &[]);
    assert!(!plain.stderr.contains("warning"), "{}", plain.stderr);
    let with = run("b", extra);
    assert_eq!(files_in(&d.join("b")), [out], "{}", with.stderr);
    assert!(
        read(&d.join("a").join(out)) == read(&d.join("b").join(out)),
        "{extra:?} changed {out}"
    );
    with.stderr
}

#[track_caller]
fn warns(stderr: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with("warning: ") && l.contains(n)),
            "no warning with {n:?} in {stderr}"
        );
    }
}

#[test]
fn regression_ezip_section_prefix_simu_with_binfile() {
    for format in ["1", "2"] {
        let e = same_output_with(
            &["-convert", "airplane.png", "-binfile", format],
            &["-section", "ROM3_IMG", "-prefix", "p_", "-simu"],
            "airplane.bin",
        );
        warns(
            &e,
            &[
                "-section is ignored",
                "-prefix is ignored",
                "-simu is ignored",
                &format!("-binfile {format} writes no C file"),
            ],
        );
        assert_eq!(e.matches("warning: ").count(), 3, "{e}");
    }
}

#[test]
fn regression_ezip_binext_with_cfile() {
    let e = same_output_with(
        &["-convert", "airplane.png", "-cfile", "2"],
        &["-binext", ".ezip"],
        "airplane.c",
    );
    warns(&e, &["-binext is ignored: it names -binfile outputs"]);
}

#[test]
fn regression_ezip_dpt_ers_winsize_with_pixel_output() {
    for out in ["-binfile", "-cfile"] {
        let e = same_output_with(
            &["-convert", "airplane.png", out, "1"],
            &["-dpt", "1", "-ers", "16", "-winsize", "2048"],
            if out == "-cfile" {
                "airplane.c"
            } else {
                "airplane.bin"
            },
        );
        warns(
            &e,
            &[
                "-dpt is ignored",
                "-ers is ignored",
                "-winsize is ignored",
                "writes pixels",
            ],
        );
    }
}

#[test]
fn regression_ezip_dither_with_rgb888() {
    for dither in ["0", "1"] {
        let e = same_output_with(
            &["-convert", "down_arrow.png", "-rgb888", "-binfile", "1"],
            &["-dither", dither],
            "down_arrow.bin",
        );
        warns(&e, &["-dither is ignored", "-rgb888"]);
    }
}

#[test]
fn regression_ezip_section_with_simu_and_ers_with_dpt_1() {
    let e = same_output_with(
        &["-convert", "airplane.png", "-cfile", "2", "-simu"],
        &["-section", "ROM3_IMG"],
        "airplane.c",
    );
    warns(
        &e,
        &["-section is ignored: -simu writes C files without sections"],
    );
    let e = same_output_with(
        &["-convert", "airplane.png", "-binfile", "2", "-dpt", "1"],
        &["-ers", "16"],
        "airplane.bin",
    );
    warns(&e, &["-ers is ignored", "-dpt 1"]);
}

#[test]
fn regression_ezip_repeated_option_last_wins() {
    // The output is the last value's; the warning names both.
    let e = same_output_with(
        &["-convert", "airplane.png", "-binfile", "2"],
        &["-dpt", "1", "-dpt", "4"],
        "airplane.bin",
    );
    warns(&e, &["-dpt 1 and -dpt 4 are both given", "-dpt 4, is used"]);
    let e = same_output_with(
        &["-convert", "airplane.png", "-binfile", "1", "-rgb888"],
        &["-rgb565", "-rgb888"],
        "airplane.bin",
    );
    warns(&e, &["-rgb565 and -rgb888 are both given"]);
    // The same value twice changes nothing: no warning.
    let e = same_output_with(
        &["-convert", "airplane.png", "-binfile", "2"],
        &["-dpt", "4", "-dpt", "4"],
        "airplane.bin",
    );
    assert!(!e.contains("warning"), "{e}");
}
