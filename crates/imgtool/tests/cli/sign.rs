//! `imgtool keygen`, `getpub`, `pack --sign ...`, `verify --key`, `digest`, `attach-signature`:
//! the built binary on real files in a temp dir. The exhaustive byte-flip test is in
//! `package::trailer`; here every trailer byte and a stride of body bytes go through the CLI.

use std::path::{Path, PathBuf};

use crate::common::{golden, imgtool, imgtool_env, ok, tempdir, testdata};

/// `testdata/sign/<rel>`: test keys and the signed golden package.
pub(crate) fn sign_data(rel: &str) -> PathBuf {
    testdata(&format!("sign/{rel}"))
}

/// The OpenSSL-made test key (testdata/sign/README.md), copied with mode 0600.
fn test_key(dir: &Path) -> PathBuf {
    let p = dir.join("test-key.pem");
    std::fs::copy(sign_data("openssl-ed25519.pem"), &p).unwrap();
    chmod(&p, 0o600);
    p
}

fn test_pub() -> PathBuf {
    sign_data("openssl-ed25519.pub.pem")
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn chmod(_p: &Path, _mode: u32) {}

/// Two deterministic images (an "app" and a "DFU installer") in `dir`.
pub(crate) fn write_images(dir: &Path) {
    let mut x: u32 = 0x1234_5678;
    let app: Vec<u8> = (0..2000)
        .map(|i| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            if i % 3 == 0 {
                (x >> 24) as u8
            } else {
                (i % 251) as u8
            }
        })
        .collect();
    std::fs::write(dir.join("app.bin"), app).unwrap();
    std::fs::write(dir.join("dfu.bin"), b"dfu installer ".repeat(20)).unwrap();
}

pub(crate) const IMAGES: [&str; 4] = ["--image", "hcpu=app.bin", "--image", "dfu=dfu.bin"];

/// `imgtool pack` of the two images into `dir/out`, with `extra` options; returns the package.
pub(crate) fn pack(dir: &Path, out: &str, extra: &[&str]) -> Vec<u8> {
    let mut args = vec!["pack"];
    args.extend_from_slice(&IMAGES);
    args.extend_from_slice(&["-o", out]);
    args.extend_from_slice(extra);
    ok(imgtool(dir, &args));
    std::fs::read(dir.join(out).join("offline_install.bin")).unwrap()
}

fn body_len(pkg: &[u8]) -> usize {
    let n = u16::from_le_bytes([pkg[6], pkg[7]]) as usize;
    let lens: usize = (0..n)
        .map(|i| {
            let e = 12 + 6 * i + 2;
            u32::from_le_bytes(pkg[e..e + 4].try_into().unwrap()) as usize
        })
        .sum();
    12 + 6 * n + lens
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempdir();
    write_images(tmp.path());
    let key = test_key(tmp.path());
    (tmp, key)
}

#[cfg(unix)]
#[test]
fn keygen_writes_mode_0600_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempdir();
    let d = tmp.path();
    let o = ok(imgtool(d, &["keygen", "-o", "k.pem"]));
    let pem = std::fs::read_to_string(d.join("k.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(
        !o.text().contains(pem.lines().nth(1).unwrap()),
        "key printed"
    );
    let mode = std::fs::metadata(d.join("k.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let again = imgtool(d, &["keygen", "-o", "k.pem"]);
    assert_eq!(again.code(), 2);
    assert!(again.text().contains("already exists"), "{}", again.text());
    assert_eq!(std::fs::read_to_string(d.join("k.pem")).unwrap(), pem);
    ok(imgtool(d, &["keygen", "-o", "k.pem", "--force"]));
    assert_ne!(std::fs::read_to_string(d.join("k.pem")).unwrap(), pem);
}

#[test]
fn getpub_formats() {
    let (tmp, key) = setup();
    let d = tmp.path();
    let k = key.to_str().unwrap();
    ok(imgtool(d, &["getpub", k, "-o", "pub.pem"]));
    assert_eq!(
        std::fs::read(d.join("pub.pem")).unwrap(),
        std::fs::read(test_pub()).unwrap(),
        "same SubjectPublicKeyInfo PEM as OpenSSL"
    );
    ok(imgtool(
        d,
        &["getpub", k, "--format", "raw", "-o", "pub.bin"],
    ));
    let raw = std::fs::read(d.join("pub.bin")).unwrap();
    assert_eq!(raw.len(), 32);
    let c = ok(imgtool(
        d,
        &[
            "getpub", "pub.pem", "--format", "c-array", "--name", "dfu_key",
        ],
    ));
    let c = c.stdout;
    assert!(
        c.contains("static const unsigned char dfu_key[32] = {"),
        "{c}"
    );
    assert!(
        c.contains(&format!("0x{:02x}, 0x{:02x}", raw[0], raw[1])),
        "{c}"
    );
    let no_out = imgtool(d, &["getpub", k, "--format", "raw"]);
    assert_eq!(no_out.code(), 2);
    let bad_name = imgtool(d, &["getpub", k, "--format", "c-array", "--name", "1x"]);
    assert_eq!(bad_name.code(), 2);
}

#[test]
fn rsa_keys_are_refused_with_a_reason() {
    // getpub takes RSA keys (the vendor's secure DFU); package signing stays ed25519.
    let tmp = tempdir();
    let rsa = sign_data("rsa-not-ed25519.pem");
    crate::common::put(tmp.path(), "a.bin", &[1; 64]);
    let o = imgtool(
        tmp.path(),
        &[
            "pack",
            "--image",
            "hcpu=a.bin",
            "--sign",
            rsa.to_str().unwrap(),
            "-o",
            "o",
        ],
    );
    assert_eq!(o.code(), 2);
    assert!(o.text().contains("this is an RSA key"), "{}", o.text());
}

#[test]
fn signed_package_verifies_keeps_the_body_and_is_deterministic() {
    let (tmp, key) = setup();
    let d = tmp.path();
    let k = key.to_str().unwrap();
    let p = test_pub();
    let p = p.to_str().unwrap();
    let plain = pack(d, "plain", &[]);
    let release = [
        "--version",
        "1.4.0",
        "--build-id",
        "g1234",
        "--min-hw",
        "3",
        "--min-sdk",
        "2.4",
    ];
    let mut signed_args = vec!["--sign", k];
    signed_args.extend_from_slice(&release);
    let signed = pack(d, "signed", &signed_args);
    assert_eq!(body_len(&signed), plain.len());
    assert_eq!(
        &signed[..plain.len()],
        &plain[..],
        "payload bytes identical"
    );
    assert_eq!(pack(d, "again", &signed_args), signed, "deterministic");

    let o = ok(imgtool(
        d,
        &["verify", "signed/offline_install.bin", "--key", p],
    ));
    assert!(o.text().contains("signature: OK"), "{}", o.text());
    // Device view (no options) still passes, and says there is a trailer.
    let o = ok(imgtool(d, &["verify", "signed/offline_install.bin"]));
    assert!(o.text().contains("signed by key id"), "{}", o.text());

    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("signed/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["version"], "1.4.0");
    assert_eq!(m["build_id"], "g1234");
    assert_eq!(m["min_hw"], "3");
    assert_eq!(m["min_sdk"], "2.4");
    assert_eq!(m["body_len"], plain.len());
    assert_eq!(m["images"][1]["id"], 6);
}

#[test]
fn verify_failures_exit_1() {
    let (tmp, key) = setup();
    let d = tmp.path();
    let p = test_pub();
    let p = p.to_str().unwrap();
    pack(d, "plain", &[]);
    let signed = pack(d, "signed", &["--sign", key.to_str().unwrap()]);

    // Wrong key.
    ok(imgtool(d, &["keygen", "-o", "other.pem"]));
    ok(imgtool(d, &["getpub", "other.pem", "-o", "other.pub.pem"]));
    let o = imgtool(
        d,
        &[
            "verify",
            "signed/offline_install.bin",
            "--key",
            "other.pub.pem",
        ],
    );
    assert_eq!(o.code(), 1, "{}", o.text());
    assert!(o.text().contains("key_id"), "{}", o.text());

    // Unsigned package: fine for the device view, a failure when a signature is required.
    let o = ok(imgtool(d, &["verify", "plain/offline_install.bin"]));
    assert!(o.text().contains("signature: none"), "{}", o.text());
    for extra in [&["--require-signature"][..], &["--key", p][..]] {
        let mut args = vec!["verify", "plain/offline_install.bin"];
        args.extend_from_slice(extra);
        let o = imgtool(d, &args);
        assert_eq!(o.code(), 1, "{extra:?}: {}", o.text());
    }

    // Truncated trailer, and one extra byte: failures even without a key.
    let write = |name: &str, bytes: &[u8]| std::fs::write(d.join(name), bytes).unwrap();
    write("short.bin", &signed[..signed.len() - 1]);
    let mut long = signed.clone();
    long.push(0);
    write("long.bin", &long);
    for name in ["short.bin", "long.bin"] {
        let o = imgtool(d, &["verify", name]);
        assert_eq!(o.code(), 1, "{name}: {}", o.text());
        assert!(
            o.text().contains("signature trailer"),
            "{name}: {}",
            o.text()
        );
    }

    // A missing key file is an error (2), not a verification failure.
    let o = imgtool(
        d,
        &["verify", "signed/offline_install.bin", "--key", "nope.pem"],
    );
    assert_eq!(o.code(), 2, "{}", o.text());
}

#[test]
fn flipped_bytes_fail_verify_through_the_cli() {
    let (tmp, key) = setup();
    let d = tmp.path();
    let p = test_pub();
    let p = p.to_str().unwrap();
    let signed = pack(d, "signed", &["--sign", key.to_str().unwrap()]);
    let body = body_len(&signed);
    // Every trailer byte, and every 97th body byte (the library test flips every byte).
    let positions = (0..body).step_by(97).chain(body..signed.len());
    for i in positions {
        let mut bad = signed.clone();
        bad[i] ^= 0x01;
        std::fs::write(d.join("bad.bin"), &bad).unwrap();
        let o = imgtool(d, &["verify", "bad.bin", "--key", p]);
        assert_eq!(o.code(), 1, "byte {i} flipped still verifies: {}", o.text());
    }
}

#[test]
fn external_signing_flow_gives_the_same_bytes() {
    let (tmp, key) = setup();
    let d = tmp.path();
    let p = test_pub();
    let p = p.to_str().unwrap();
    let direct = pack(
        d,
        "signed",
        &["--sign", key.to_str().unwrap(), "--version", "2"],
    );
    let unsigned = pack(d, "uns", &["--unsigned", "--version", "2"]);
    assert_eq!(
        &unsigned[..body_len(&unsigned)],
        &direct[..body_len(&direct)]
    );
    let o = imgtool(
        d,
        &["verify", "uns/offline_install.bin", "--require-signature"],
    );
    assert_eq!(o.code(), 1, "{}", o.text());

    ok(imgtool(
        d,
        &["digest", "uns/offline_install.bin", "-o", "tbs.bin"],
    ));
    let message = std::fs::read(d.join("tbs.bin")).unwrap();
    assert_eq!(&message[..4], b"IMGS");
    let pem = std::fs::read_to_string(&key).unwrap();
    let signer = sign::PrivateKey::from_pem(&pem, "test key").unwrap();
    std::fs::write(d.join("sig.bin"), signer.sign(&message)).unwrap();

    // A bad signature is refused with exit 1 and leaves the package as it was.
    std::fs::write(d.join("bad.sig"), signer.sign(b"another message")).unwrap();
    let o = imgtool(
        d,
        &[
            "attach-signature",
            "uns/offline_install.bin",
            "--sig",
            "bad.sig",
            "--pub",
            p,
        ],
    );
    assert_eq!(o.code(), 1, "{}", o.text());
    assert_eq!(
        std::fs::read(d.join("uns/offline_install.bin")).unwrap(),
        unsigned
    );

    ok(imgtool(
        d,
        &[
            "attach-signature",
            "uns/offline_install.bin",
            "--sig",
            "sig.bin",
            "--pub",
            p,
        ],
    ));
    assert_eq!(
        std::fs::read(d.join("uns/offline_install.bin")).unwrap(),
        direct
    );
    ok(imgtool(
        d,
        &["verify", "uns/offline_install.bin", "--key", p],
    ));
    // Already signed: refused.
    let o = imgtool(
        d,
        &[
            "attach-signature",
            "uns/offline_install.bin",
            "--sig",
            "sig.bin",
            "--pub",
            p,
        ],
    );
    assert_eq!(o.code(), 2, "{}", o.text());
    assert!(o.text().contains("already signed"), "{}", o.text());

    #[cfg(unix)]
    {
        // --sign-command: the command gets the message on stdin and prints the signature.
        let cmd = "cat > msg.bin && cat sig.bin";
        let via = pack(
            d,
            "cmd",
            &["--sign-command", cmd, "--sign-pub", p, "--version", "2"],
        );
        assert_eq!(via, direct);
        assert_eq!(std::fs::read(d.join("msg.bin")).unwrap(), message);
        // A command whose output does not verify: error, nothing written.
        let mut args = vec!["pack"];
        args.extend_from_slice(&IMAGES);
        args.extend_from_slice(&["-o", "cmdbad", "--sign-pub", p, "--version", "2"]);
        args.extend_from_slice(&["--sign-command", "cat >/dev/null; cat bad.sig"]);
        let o = imgtool(d, &args);
        assert_eq!(o.code(), 2, "{}", o.text());
        assert!(!d.join("cmdbad/offline_install.bin").exists());
    }
}

#[test]
fn key_from_environment_and_config() {
    let (tmp, key) = setup();
    let d = tmp.path();
    let pem = std::fs::read_to_string(&key).unwrap();
    let from_file = pack(d, "file", &["--sign", key.to_str().unwrap()]);
    let mut args = vec!["pack"];
    args.extend_from_slice(&IMAGES);
    args.extend_from_slice(&["-o", "env", "--sign", "env:IMGTOOL_TEST_SIGN_KEY"]);
    let o = ok(imgtool_env(d, &args, &[("IMGTOOL_TEST_SIGN_KEY", &pem)]));
    assert!(
        !o.text().contains(pem.lines().nth(1).unwrap()),
        "key text printed"
    );
    assert_eq!(
        std::fs::read(d.join("env/offline_install.bin")).unwrap(),
        from_file
    );

    let o = imgtool(d, &args);
    assert_eq!(o.code(), 2);
    assert!(o.text().contains("IMGTOOL_TEST_SIGN_KEY"), "{}", o.text());

    // ota.toml's [package] sign, relative to the toml file.
    std::fs::create_dir(d.join("cfg")).unwrap();
    std::fs::copy(&key, d.join("cfg/k.pem")).unwrap();
    chmod(&d.join("cfg/k.pem"), 0o600);
    std::fs::write(
        d.join("cfg/ota.toml"),
        "[package]\nsign = \"k.pem\"\n[[image]]\nid = \"hcpu\"\npath = \"../app.bin\"\n\
         [[image]]\nid = \"dfu\"\npath = \"../dfu.bin\"\n",
    )
    .unwrap();
    ok(imgtool(
        d,
        &["pack", "--config", "cfg/ota.toml", "-o", "viacfg"],
    ));
    let via_cfg = std::fs::read(d.join("viacfg/offline_install.bin")).unwrap();
    let n = body_len(&via_cfg);
    assert_eq!(&via_cfg[..n], &from_file[..n]);
    assert!(via_cfg.len() > n, "config key signed the package");
}

#[cfg(unix)]
#[test]
fn readable_key_file_gets_a_warning() {
    let (tmp, key) = setup();
    chmod(&key, 0o644);
    let mut args = vec!["pack"];
    args.extend_from_slice(&IMAGES);
    args.extend_from_slice(&["-o", "out", "--sign", key.to_str().unwrap()]);
    let o = ok(imgtool(tmp.path(), &args));
    let err = &o.stderr;
    assert!(
        err.contains("warning: private key file") && err.contains("chmod 600"),
        "{err}"
    );
}

/// The trailer format is a contract with verifiers outside this repository: a signed package
/// of fixed raw inputs must not change by accident. `IMGTOOL_BLESS=1` rewrites the golden file.
#[test]
fn golden_signed_package() {
    let (tmp, key) = setup();
    let d = tmp.path();
    let args = [
        "--sign",
        key.to_str().unwrap(),
        "--compress",
        "none",
        "--version",
        "1.0.0",
    ];
    let pkg = pack(d, "golden", &args);
    golden(&pkg, &sign_data("golden/offline_install.signed.bin"));
}

/// What the issue promises unmodified devices: the trailer is invisible. The simulated device
/// (bootloader, app, installer; `imgtool simulate`) installs the signed package exactly, and
/// no power cut bricks it.
#[test]
fn simulated_unmodified_device_installs_the_signed_package() {
    let (tmp, key) = setup();
    let d = tmp.path();
    let layout = ["--layout", "sf32lb52x-eh-lb523"];
    let mut args = vec!["--sign", key.to_str().unwrap()];
    args.extend_from_slice(&layout);
    pack(d, "signed", &args);
    let expect = [
        ("none", "new firmware fully installed"),
        ("all", "no power cut bricks the device"),
    ];
    for (cut, says) in expect {
        let mut sim = vec!["simulate", "signed/offline_install.bin", "--power-cut", cut];
        sim.extend_from_slice(&layout);
        let o = ok(imgtool(d, &sim));
        assert!(o.text().contains(says), "{cut}: {}", o.text());
    }
}

/// `imgtool inspect PKG [--json]` on `dir/pkg`, exit 0: (text, JSON).
fn inspect(dir: &Path, pkg: &str) -> (String, serde_json::Value) {
    let text = ok(imgtool(dir, &["inspect", pkg])).stdout;
    let json = ok(imgtool(dir, &["inspect", pkg, "--json"])).stdout;
    (text, serde_json::from_str(&json).unwrap())
}

/// The key id of the test key, from the `sign` crate (not from imgtool's output).
fn test_key_id(key: &Path) -> String {
    let pem = std::fs::read_to_string(key).unwrap();
    let k = sign::PrivateKey::from_pem(&pem, "test key").unwrap();
    k.public_key().key_id().to_string()
}

#[test]
fn inspect_describes_a_signed_trailer_and_its_manifest() {
    let (tmp, key) = setup();
    let d = tmp.path();
    let release = ["--version", "1.4.0", "--build-id", "g1234"];
    let mut args = vec!["--sign", key.to_str().unwrap(), "--min-hw", "3"];
    args.extend_from_slice(&release);
    args.extend_from_slice(&["--min-sdk", "2.4", "--layout", "sf32lb52x-eh-lb523"]);
    let pkg = pack(d, "signed", &args);
    let body = body_len(&pkg);
    let kid = test_key_id(&key);
    let (text, v) = inspect(d, "signed/offline_install.bin");
    let headline = format!(
        "trailer: version 1 at {body:#010x}, signed by key id {kid}, {} bytes",
        pkg.len() - body
    );
    assert!(text.contains(&headline), "{text}");
    let manifest = "manifest: format 1, firmware version 1.4.0, build id g1234, min hw 3, \
                    min sdk 2.4, layout sf32lb52x-eh-lb523, made by imgtool ";
    assert!(text.contains(manifest), "{text}");

    let t = &v["trailer"];
    assert_eq!(t["version"], 1);
    assert_eq!(t["offset"], body);
    assert_eq!(t["len"], pkg.len() - body);
    assert_eq!(v["trailer_len"], pkg.len() - body);
    assert_eq!(t["signed"], true);
    assert_eq!(t["key_id"], kid.as_str());
    let m = &t["manifest"];
    assert_eq!(m["format_version"], 1);
    assert_eq!(m["version"], "1.4.0");
    assert_eq!(m["build_id"], "g1234");
    assert_eq!(m["min_hw"], "3");
    assert_eq!(m["min_sdk"], "2.4");
    assert_eq!(m["layout"], "sf32lb52x-eh-lb523");
    // The trailer carries the manifest pack wrote next to the package, field for field.
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("signed/manifest.json")).unwrap()).unwrap();
    assert_eq!(*m, written);
}

#[test]
fn inspect_says_an_unsigned_trailer_awaits_its_signature() {
    let (tmp, _key) = setup();
    let d = tmp.path();
    let pkg = pack(d, "uns", &["--unsigned", "--version", "2"]);
    let body = body_len(&pkg);
    let (text, v) = inspect(d, "uns/offline_install.bin");
    let headline = format!("trailer: version 1 at {body:#010x}, unsigned (awaiting a signature)");
    assert!(text.contains(&headline), "{text}");
    assert!(!text.contains("signed by"), "{text}");
    assert!(
        text.contains("manifest: format 1, firmware version 2, build id -, min hw -, min sdk -"),
        "{text}"
    );
    let t = &v["trailer"];
    assert_eq!(t["signed"], false);
    assert_eq!(t["key_id"], serde_json::Value::Null);
    assert_eq!(t["manifest"]["version"], "2");
    assert_eq!(t["manifest"]["build_id"], serde_json::Value::Null);
}

#[test]
fn inspect_without_a_trailer_says_so() {
    let (tmp, _key) = setup();
    let d = tmp.path();
    pack(d, "plain", &[]);
    let (text, v) = inspect(d, "plain/offline_install.bin");
    assert!(
        text.contains("trailer: none (no signature trailer after the last payload)"),
        "{text}"
    );
    assert!(!text.contains("manifest:"), "{text}");
    assert_eq!(v["trailer"], serde_json::Value::Null);
    assert_eq!(v["trailer_len"], 0);
}

#[test]
fn inspect_reports_a_malformed_trailer_and_still_describes_the_package() {
    let (tmp, key) = setup();
    let d = tmp.path();
    let signed = pack(d, "signed", &["--sign", key.to_str().unwrap()]);
    let body = body_len(&signed);
    let tail = signed.len() - 4;
    // (file, bytes, what the report must name)
    let cases: [(&str, Vec<u8>, String); 3] = [
        (
            "magic.bin",
            flip(&signed, body),
            format!("magic at file offset {body:#010x}"),
        ),
        (
            "len.bin",
            flip(&signed, tail + 1),
            format!("trailer_len at file offset {tail:#010x}"),
        ),
        (
            "short.bin",
            signed[..signed.len() - 1].to_vec(),
            format!(
                "trailer truncated: trailer_len at file offset {tail:#010x} needs 4 bytes, 3 left"
            ),
        ),
    ];
    for (name, bytes, says) in cases {
        std::fs::write(d.join(name), &bytes).unwrap();
        let (text, v) = inspect(d, name);
        let n = bytes.len() - body;
        let malformed = format!("trailer: MALFORMED ({n} bytes after the last payload): ");
        assert!(
            text.contains(&malformed) && text.contains(&says),
            "{name}: {text}"
        );
        // The rest of the package is still described.
        assert!(text.contains("offline package v2:"), "{name}: {text}");
        assert!(!text.contains("manifest:"), "{name}: {text}");
        let t = &v["trailer"];
        assert_eq!(t["len"], n, "{name}");
        let err = t["error"].as_str().unwrap();
        assert!(err.contains(&says), "{name}: {err}");
        assert_eq!(t["signed"], serde_json::Value::Null, "{name}");
        assert_eq!(v["image_count"], 2, "{name}");
    }
}

/// `bytes` with bit 0 of byte `i` flipped.
fn flip(bytes: &[u8], i: usize) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v[i] ^= 0x01;
    v
}
