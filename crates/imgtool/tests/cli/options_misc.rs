//! Options that were accepted and did nothing: each now acts or is refused (exit 2, the
//! option named, nothing written).

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
