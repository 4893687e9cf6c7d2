//! Options that were accepted and did nothing: each now acts or is refused (exit 2, the
//! option named, nothing written).

use crate::common::{files_in, imgtool, ok, put, tempdir, testdata};
use std::path::Path;

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
