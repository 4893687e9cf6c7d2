//! `imgtool diff`: real pairs made by imgtool from testdata (one changed byte in one image, a
//! version bump, an added image, a re-signing with another key, a codec change, two secure
//! sets), in text and JSON, and the errors (exit 2, never 1).

use crate::common::{golden, imgtool, ok, put, read, tempdir, testdata, Run};
use serde_json::Value;
use std::path::Path;

const LAYOUT: &str = "sf32lb52x-eh-lb523";

/// A temp dir with `app.bin` (from the example's app.elf), `changed/app.bin` (one byte
/// flipped), `dfu.elf`, the two test keys and the vendor's secure development keys.
fn fixture() -> tempfile::TempDir {
    let d = tempdir();
    let ex = testdata("examples/sf32lb52x-eh-lb523");
    std::fs::copy(ex.join("dfu.elf"), d.path().join("dfu.elf")).unwrap();
    let elf = ex.join("app.elf");
    ok(imgtool(
        d.path(),
        &["elf2bin", elf.to_str().unwrap(), "-o", "app.bin"],
    ));
    let mut app = read(&d.path().join("app.bin"));
    app[100] ^= 1;
    std::fs::create_dir(d.path().join("changed")).unwrap();
    put(&d.path().join("changed"), "app.bin", &app);
    for (from, to) in [
        ("sign/openssl-ed25519.pem", "k1.pem"),
        ("sign/openssl-ed25519-b.pem", "k2.pem"),
        ("secure/keys/sifli02/s01.bin", "s01.bin"),
        ("secure/keys/sifli02/sig_pri.pem", "sig_pri.pem"),
        ("secure/keys/sifli02/sig_pub.pem", "sig_pub.pem"),
        ("secure/keys/sifli02/sig_pub.der", "sig_pub.der"),
        ("secure/keys/sifli02/sig_hash.bin", "sig_hash.bin"),
    ] {
        std::fs::copy(testdata(from), d.path().join(to)).unwrap();
    }
    d
}

/// `pack` of hcpu=app.bin with `extra` options, signed with k1 and version 1.0.0 unless
/// `extra` gives `--sign` / `--version`; returns the package path relative to the fixture.
fn pack(d: &Path, out: &str, extra: &[&str]) -> String {
    pack_image(d, out, "hcpu=app.bin", extra)
}

/// [`pack`] of another `--image`.
fn pack_image(d: &Path, out: &str, image: &str, extra: &[&str]) -> String {
    let mut args = vec!["pack", "--layout", LAYOUT, "--image", image, "-o", out];
    for (flag, default) in [("--sign", "k1.pem"), ("--version", "1.0.0")] {
        if !extra.contains(&flag) {
            args.extend_from_slice(&[flag, default]);
        }
    }
    args.extend_from_slice(extra);
    ok(imgtool(d, &args));
    format!("{out}/offline_install.bin")
}

fn diff(d: &Path, a: &str, b: &str, extra: &[&str]) -> Run {
    let mut args = vec!["diff", a, b];
    args.extend_from_slice(extra);
    imgtool(d, &args)
}

fn json(d: &Path, a: &str, b: &str) -> Value {
    let r = diff(d, a, b, &["--json"]);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
}

fn diff_golden(name: &str) -> std::path::PathBuf {
    testdata(&format!("diff/{name}"))
}

/// The fields that differ, as `category field` strings (image fields as `category
/// image N field`).
fn field_names(v: &Value) -> Vec<String> {
    v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| match f["image"].as_u64() {
            Some(i) => format!(
                "{} image {i} {}",
                f["category"].as_str().unwrap(),
                f["field"].as_str().unwrap()
            ),
            None => format!(
                "{} {}",
                f["category"].as_str().unwrap(),
                f["field"].as_str().unwrap()
            ),
        })
        .collect()
}

fn changes(v: &Value) -> Vec<(u64, String)> {
    v["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_u64().unwrap(),
                i["change"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// SHA-256 of what `unpack` writes for image `file` of `pkg`: the installed bytes, found by
/// another command than diff.
fn unpacked_sha256(d: &Path, pkg: &str, file: &str) -> String {
    use sha2::{Digest, Sha256};
    let out = format!("unpacked-{}", pkg.replace('/', "-"));
    ok(imgtool(d, &["unpack", pkg, "-o", &out]));
    let bytes = read(&d.join(&out).join(file));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn diff_of_two_builds_of_the_same_inputs_is_identical_exit_0() {
    let d = fixture();
    let a = pack(d.path(), "a", &[]);
    let b = pack(d.path(), "b", &[]);
    let r = ok(diff(d.path(), &a, &b, &[]));
    assert_eq!(r.stdout, format!("identical: {a} and {b}\n"));
    let v = json(d.path(), &a, &b);
    assert_eq!(v["identical"], true);
    assert_eq!(v["fields"], serde_json::json!([]));
    assert_eq!(changes(&v), [(0, "same".to_owned())]);
}

#[test]
fn one_changed_byte_in_one_image_is_a_changed_image_exit_1() {
    let d = fixture();
    let a = pack(d.path(), "a", &[]);
    let b = &pack_image(d.path(), "b", "hcpu=changed/app.bin", &[]);
    let r = diff(d.path(), &a, b, &[]);
    r.assert_exit(1);
    golden(r.stdout.as_bytes(), &diff_golden("one-byte.txt"));
    let v = json(d.path(), &a, b);
    golden(
        serde_json::to_string_pretty(&v).unwrap().as_bytes(),
        &diff_golden("one-byte.json"),
    );
    assert_eq!(v["identical"], false);
    assert_eq!(changes(&v), [(0, "changed".to_owned())]);
    // The hashes are of the installed bytes, the ones `unpack` writes.
    let img = &v["images"][0];
    assert_eq!(
        img["a"]["sha256"],
        unpacked_sha256(d.path(), &a, "0-hcpu.bin")
    );
    assert_eq!(
        img["b"]["sha256"],
        unpacked_sha256(d.path(), b, "0-hcpu.bin")
    );
    // A changed image's payload bytes changed too: not reported as a re-encoding.
    let names = field_names(&v);
    assert!(
        !names.iter().any(|n| n.starts_with("encoding")),
        "{names:?}"
    );
    assert!(names.contains(&"header crc".to_owned()), "{names:?}");
}

#[test]
fn a_version_bump_is_one_version_field() {
    let d = fixture();
    let a = pack(d.path(), "a", &[]);
    let b = pack(d.path(), "b", &["--version", "1.1.0"]);
    let r = diff(d.path(), &a, &b, &[]);
    r.assert_exit(1);
    assert!(
        r.stdout
            .starts_with("version   manifest.version: 1.0.0 -> 1.1.0\n"),
        "{}",
        r.stdout
    );
    let v = json(d.path(), &a, &b);
    assert_eq!(field_names(&v), ["version manifest.version"]);
    assert_eq!(v["fields"][0]["a"], "1.0.0");
    assert_eq!(v["fields"][0]["b"], "1.1.0");
    assert_eq!(changes(&v), [(0, "same".to_owned())]);
}

#[test]
fn an_added_image_is_added_with_its_installed_bytes() {
    let d = fixture();
    let a = pack(d.path(), "a", &[]);
    let b = pack(d.path(), "b", &["--image", "ota-manager=dfu.elf"]);
    let r = diff(d.path(), &a, &b, &[]);
    r.assert_exit(1);
    assert!(
        r.stdout.contains("added    image 6 (ota-manager): "),
        "{}",
        r.stdout
    );
    let v = json(d.path(), &a, &b);
    assert_eq!(
        changes(&v),
        [(0, "same".to_owned()), (6, "added".to_owned())]
    );
    assert_eq!(v["images"][1]["a"], Value::Null);
    let sha = unpacked_sha256(d.path(), &b, "6-ota-manager.bin");
    assert_eq!(v["images"][1]["b"]["sha256"], sha);
    assert!(field_names(&v).contains(&"header image_count".to_owned()));
    // And the other way round it is removed.
    let back = json(d.path(), &b, &a);
    assert_eq!(
        changes(&back),
        [(0, "same".to_owned()), (6, "removed".to_owned())]
    );
}

#[test]
fn a_package_re_signed_with_another_key_differs_only_in_the_key_id() {
    let d = fixture();
    let a = pack(d.path(), "a", &[]);
    let b = pack(d.path(), "b", &["--sign", "k2.pem"]);
    let r = diff(d.path(), &a, &b, &[]);
    r.assert_exit(1);
    golden(r.stdout.as_bytes(), &diff_golden("re-signed.txt"));
    let v = json(d.path(), &a, &b);
    assert_eq!(field_names(&v), ["signature signature.key_id"]);
    // The key ids `inspect` shows.
    for (side, pkg) in [("a", &a), ("b", &b)] {
        let r = ok(imgtool(d.path(), &["inspect", pkg, "--json"]));
        let key_id = v["fields"][0][side].as_str().unwrap();
        assert!(r.stdout.contains(key_id), "{key_id} not in {}", r.stdout);
    }
    // Unsigned against signed: the signature itself differs.
    let c = "unsigned/offline_install.bin";
    let args = [
        "pack",
        "--layout",
        LAYOUT,
        "--image",
        "hcpu=app.bin",
        "-o",
        "unsigned",
    ];
    ok(imgtool(d.path(), &args));
    let names = field_names(&json(d.path(), &a, c));
    assert!(
        names.contains(&"signature signature".to_owned()),
        "{names:?}"
    );
}

#[test]
fn a_codec_change_is_the_same_image_in_another_encoding() {
    let d = fixture();
    let a = pack(d.path(), "a", &[]);
    let b = pack(d.path(), "b", &["--compress", "zlib"]);
    let r = diff(d.path(), &a, &b, &[]);
    r.assert_exit(1);
    golden(r.stdout.as_bytes(), &diff_golden("codec.txt"));
    let v = json(d.path(), &a, &b);
    assert_eq!(changes(&v), [(0, "same".to_owned())]);
    let names = field_names(&v);
    for n in [
        "codec image 0 codec",
        "encoding image 0 payload_sha256",
        "header crc",
    ] {
        assert!(names.contains(&n.to_owned()), "{n} not in {names:?}");
    }
    let codec = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "codec")
        .unwrap();
    assert_eq!((&codec["a"], &codec["b"]), (&"gzip".into(), &"zlib".into()));
}

#[test]
fn a_pksize_change_is_reported_as_pksize() {
    let d = fixture();
    let a = pack(d.path(), "a", &[]);
    let b = pack(d.path(), "b", &["--pksize", "4096"]);
    let v = json(d.path(), &a, &b);
    assert!(
        field_names(&v).contains(&"pksize image 0 pksize".to_owned()),
        "{v}"
    );
}

/// `pack --secure` of `image` into `out`: records encrypted with a fresh random session key.
fn pack_secure(d: &Path, image: &str, out: &str, extra: &[&str]) {
    let mut args = vec![
        "pack", "--layout", LAYOUT, "--image", image, "-o", out, "--secure",
    ];
    args.extend_from_slice(&[
        "--root-key",
        "s01.bin",
        "--sign-key",
        "sig_pri.pem",
        "--encrypt",
    ]);
    args.extend_from_slice(extra);
    ok(imgtool(d, &args));
}

const KEYS: [&str; 4] = ["--root-key", "s01.bin", "--sig-pub", "sig_pub.pem"];

#[test]
fn secure_sets_compare_by_their_decrypted_images() {
    let d = fixture();
    pack_secure(d.path(), "hcpu=app.bin", "s1", &[]);
    // Another random session key: every record byte differs, the images do not.
    pack_secure(d.path(), "hcpu=app.bin", "s2", &[]);
    assert_ne!(
        read(&d.path().join("s1/enccom_hcpu.bin")),
        read(&d.path().join("s2/enccom_hcpu.bin"))
    );
    let r = ok(diff(d.path(), "s1", "s2", &KEYS));
    assert_eq!(r.stdout, "identical: s1 and s2\n");
    // The nonce source given explicitly (here the key's own hash) is taken.
    let nonce = [&KEYS[..], &["--nonce-hash", "sig_hash.bin"]].concat();
    ok(diff(d.path(), "s1", "s2", &nonce));
    pack_secure(d.path(), "hcpu=changed/app.bin", "s3", &["--fw-ver", "3"]);
    let r = diff(d.path(), "s1", "s3", &KEYS);
    r.assert_exit(1);
    golden(r.stdout.as_bytes(), &diff_golden("secure.txt"));
    let r = diff(d.path(), "s1", "s3", &[&KEYS[..], &["--json"]].concat());
    r.assert_exit(1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["kind"], "secure-set");
    assert_eq!(changes(&v), [(0, "changed".to_owned())]);
    assert_eq!(field_names(&v), ["version fw_version"]);
    // The installed bytes are the package's: the same app in an offline package v2.
    let pkg = pack(d.path(), "p", &[]);
    let sha = unpacked_sha256(d.path(), &pkg, "0-hcpu.bin");
    assert_eq!(v["images"][0]["a"]["sha256"], sha);
}

/// `gen-dfu` of hcpu (flag 17: compressed, encrypted records) and dfu (flag 0: plain records)
/// from `hcpu.bin` and `dfu.bin`, the vendor's key stems in the fixture.
fn gen_dfu(d: &Path, out: &[&str]) {
    let args = ["gen-dfu", "--img_para", "hcpu", "17", "0", "dfu", "0", "6"];
    let keys = [
        "--key=s01",
        "--sigkey=sig",
        "--com_type=1",
        "--device-build",
        "lite",
    ];
    ok(imgtool(d, &[&args[..], &keys, out].concat()));
}

#[test]
fn gen_dfu_sets_in_either_vendor_naming_compare_by_image() {
    let d = fixture();
    let p = d.path();
    std::fs::copy(p.join("app.bin"), p.join("hcpu.bin")).unwrap();
    put(p, "dfu.bin", &[0x5a; 700]);
    gen_dfu(p, &["-o", "g1"]);
    put(p, "dfu.bin", &[0x5b; 700]);
    // --dst_dir: the newest vendor names (enc_com_hcpu.bin, out_dfu.bin).
    gen_dfu(p, &["--dst_dir", "g2"]);
    assert!(p.join("g1/outdfu.bin").is_file() && p.join("g2/out_dfu.bin").is_file());
    let r = diff(p, "g1", "g2", &[&KEYS[..], &["--json"]].concat());
    r.assert_exit(1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        changes(&v),
        [(0, "same".to_owned()), (6, "changed".to_owned())]
    );
    assert_eq!(v["images"][1]["name"], "dfu");
    // The raw image's installed bytes: the input zero-padded to 16, as the device stores it.
    let mut padded = vec![0x5b; 700];
    padded.resize(704, 0);
    let sha = {
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(&padded);
        h.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    assert_eq!(v["images"][1]["b"]["sha256"], sha);
    assert_eq!(v["fields"], serde_json::json!([]));
}

#[test]
fn the_cli_json_is_the_library_diff() {
    let d = fixture();
    let a = pack(d.path(), "a", &[]);
    let b = pack(d.path(), "b", &["--compress", "zlib", "--version", "2"]);
    let side = |p: &str| imgtool::diff::read(&d.path().join(p), None).unwrap();
    let lib = imgtool::diff::compare(&side(&a), &side(&b)).unwrap();
    assert_eq!(serde_json::to_value(&lib).unwrap(), json(d.path(), &a, &b));
}

fn fails(d: &Path, args: &[&str], needle: &str) {
    let r = imgtool(d, args);
    r.assert_exit(2);
    assert!(r.stderr.contains(needle), "{needle:?} not in: {}", r.text());
    assert_eq!(r.stdout, "", "an error prints no diff");
}

#[test]
fn diff_errors_exit_2_not_1() {
    let d = fixture();
    let a = pack(d.path(), "a", &[]);
    fails(d.path(), &["diff", &a, "nosuch.bin"], "nosuch.bin");
    put(d.path(), "notes.txt", b"release notes, not a package\n");
    fails(
        d.path(),
        &["diff", &a, "notes.txt"],
        "notes.txt: not an offline package v2",
    );
    // Keys for two packages would do nothing: refused, not ignored.
    let keyed = [&["diff", &a, &a][..], &KEYS].concat();
    fails(d.path(), &keyed, "open secure output sets (directories)");
    let nonce = ["diff", &a, &a, "--nonce-hash", "sig_hash.bin"];
    fails(
        d.path(),
        &nonce,
        "--nonce-hash needs --root-key and --sig-pub",
    );
    pack_secure(d.path(), "hcpu=app.bin", "s1", &[]);
    let mixed = [&["diff", "s1", &a][..], &KEYS].concat();
    fails(
        d.path(),
        &mixed,
        "cannot compare a secure output set with an offline package v2",
    );
    fails(
        d.path(),
        &["diff", "s1", "s1"],
        "give --root-key KEY.bin and --sig-pub PUB",
    );
    fails(
        d.path(),
        &["diff", "s1/ctrl_packet.bin", &a],
        "give the directory of the secure output set",
    );
    std::fs::create_dir(d.path().join("empty")).unwrap();
    fails(
        d.path(),
        &[&["diff", "empty", "s1"][..], &KEYS].concat(),
        "empty: a directory without ctrl_packet.bin",
    );
    // Another root key: the control packet does not verify, which is no "difference".
    put(d.path(), "other.bin", &[7; 32]);
    let wrong = [
        "diff",
        "s1",
        "s1",
        "--root-key",
        "other.bin",
        "--sig-pub",
        "sig_pub.pem",
    ];
    fails(d.path(), &wrong, "(wrong root key, or corrupted)");
    // A missing record file.
    std::fs::remove_file(d.path().join("s1/enccom_hcpu.bin")).unwrap();
    pack_secure(d.path(), "hcpu=app.bin", "s2", &[]);
    fails(
        d.path(),
        &[&["diff", "s2", "s1"][..], &KEYS].concat(),
        "no record file (out*.bin / enc*.bin) holds image id 0",
    );
}

#[test]
fn diff_help_documents_its_exit_codes() {
    let r = ok(imgtool(Path::new("."), &["diff", "--help"]));
    assert!(
        r.stdout.contains("0 identical, 1 different, 2 error"),
        "{}",
        r.stdout
    );
}
