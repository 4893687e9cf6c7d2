//! Keys in a PKCS#11 token (issue 20): every command that takes a signing key file takes a
//! `pkcs11:` URI too, signs the same bytes with the token as with the file (both schemes are
//! deterministic), and refuses a bad module, token, PIN or key with a clear message and no
//! output. Run against a real token: SoftHSM2, a fresh token directory per test.
//!
//! Without SoftHSM2 the tests print "skipped: softhsm2 not installed" and pass, unless
//! `IMGTOOL_REQUIRE_SOFTHSM=1` (set by `.ci/run`), where they fail instead.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The user PIN of every test token: distinctive, so a leak is found by searching for it.
pub(crate) const PIN: &str = "93817-pin-55410";
const SO_PIN: &str = "so-pin-1234";
const MODULE_PATHS: [&str; 4] = [
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
];

/// A SoftHSM2 installation with its own token directory (`SOFTHSM2_CONF` in a temp dir).
pub(crate) struct SoftHsm {
    dir: tempfile::TempDir,
    module: PathBuf,
}

/// SoftHSM2, or `None` (and a "skipped" line) when it is not installed.
pub(crate) fn softhsm() -> Option<SoftHsm> {
    let module = MODULE_PATHS.iter().map(PathBuf::from).find(|p| p.exists());
    let util = Command::new("softhsm2-util").arg("--version").output();
    let (Some(module), Ok(_)) = (module, util) else {
        assert!(
            std::env::var("IMGTOOL_REQUIRE_SOFTHSM").as_deref() != Ok("1"),
            "IMGTOOL_REQUIRE_SOFTHSM=1 but softhsm2 is not installed (apt-get install softhsm2)"
        );
        eprintln!("skipped: softhsm2 not installed");
        return None;
    };
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("tokens")).unwrap();
    let conf = format!(
        "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
        dir.path().join("tokens").display()
    );
    std::fs::write(dir.path().join("softhsm2.conf"), conf).unwrap();
    Some(SoftHsm { dir, module })
}

impl SoftHsm {
    pub(crate) fn conf(&self) -> String {
        self.dir.path().join("softhsm2.conf").display().to_string()
    }

    fn module(&self) -> String {
        self.module.display().to_string()
    }

    /// Runs softhsm2-util (the test's own PINs on its command line: throwaway tokens).
    fn util(&self, args: &[&str]) {
        let out = Command::new("softhsm2-util")
            .args(args)
            .env("SOFTHSM2_CONF", self.conf())
            .output()
            .expect("run softhsm2-util");
        assert!(
            out.status.success(),
            "softhsm2-util {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub(crate) fn init_token(&self, label: &str) {
        self.util(&[
            "--init-token",
            "--free",
            "--label",
            label,
            "--so-pin",
            SO_PIN,
            "--pin",
            PIN,
        ]);
    }

    /// Imports a PKCS#8 PEM key pair into token `token` as `label`, id `id` (hex).
    pub(crate) fn import(&self, token: &str, key: &Path, label: &str, id: &str) {
        let key = key.display().to_string();
        self.util(&[
            "--import", &key, "--token", token, "--label", label, "--id", id, "--pin", PIN,
        ]);
    }

    /// Imports only the private key (`--no-public-key`): the token has no public key object.
    fn import_private_only(&self, token: &str, key: &Path, label: &str, id: &str) {
        let key = key.display().to_string();
        self.util(&[
            "--import",
            &key,
            "--token",
            token,
            "--label",
            label,
            "--id",
            id,
            "--pin",
            PIN,
            "--no-public-key",
        ]);
    }

    /// Runs imgtool in `dir` with this token directory and the module in the environment.
    fn run(&self, dir: &Path, args: &[&str]) -> Run {
        self.run_env(dir, args, &[])
    }

    fn run_env(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let conf = self.conf();
        let module = self.module();
        let mut all = vec![
            ("SOFTHSM2_CONF", conf.as_str()),
            ("IMGTOOL_PKCS11_MODULE", module.as_str()),
        ];
        all.extend_from_slice(env);
        let r = imgtool_env(dir, args, &all);
        assert!(
            !r.text().contains(PIN),
            "the PIN leaked into the output: {}",
            r.text()
        );
        r
    }
}

/// A work directory with the PIN file, the sifli02 vendor key files and two images.
fn work_dir() -> tempfile::TempDir {
    let d = tempdir();
    put(d.path(), "pin.txt", format!("{PIN}\n").as_bytes());
    crate::common::put_sdk_keys(d.path());
    let hcpu: Vec<u8> = (0..5000u32)
        .map(|i| (i * 7 % 251) as u8 ^ (i >> 8) as u8)
        .collect();
    put(d.path(), "hcpu.bin", &hcpu);
    put(d.path(), "dfu.bin", &b"dfu installer ".repeat(40));
    put(d.path(), "skey.bin", &(0u8..32).collect::<Vec<_>>());
    d
}

/// A token "ci" holding the sifli02 RSA key as "dfu-sig" (id 02) and an ed25519 key made by
/// `imgtool keygen` (`ed.pem` in `dir`) as "release" (id 01).
fn token_with_keys(h: &SoftHsm, dir: &Path) {
    h.init_token("ci");
    ok(imgtool(dir, &["keygen", "-o", "ed.pem"]));
    h.import("ci", &dir.join("ed.pem"), "release", "01");
    h.import("ci", &testdata("hsm/sifli02-sig.pk8.pem"), "dfu-sig", "02");
}

const ED_URI: &str = "pkcs11:token=ci;object=release;type=private";
const RSA_URI: &str = "pkcs11:token=ci;object=dfu-sig";
const PIN_FILE: [&str; 2] = ["--pin-file", "pin.txt"];

/// Every file under `dir`, recursively, with its bytes.
fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// Asserts that `a` and `b` hold the same files with the same bytes.
#[track_caller]
fn same_dirs(a: &Path, b: &Path) {
    let (fa, fb) = (all_files(a), all_files(b));
    assert_eq!(fa.len(), fb.len(), "{fa:?} vs {fb:?}");
    for (p, bytes) in fa {
        let other = b.join(p.strip_prefix(a).unwrap());
        assert_eq!(bytes, read(&other), "{} differs", other.display());
    }
}

/// `args` with `--pin-file pin.txt` when `key` is a token key (a file key refuses it).
fn with_pin<'a>(key: &str, args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    if key.starts_with("pkcs11:") {
        v.extend(PIN_FILE);
    }
    v
}

fn pack_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "pack",
        "--image",
        "hcpu=hcpu.bin",
        "--image",
        "dfu=dfu.bin",
        "-o",
        out,
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn issue20_pack_sign_with_a_token_key_is_byte_identical_and_verifies() {
    let Some(h) = softhsm() else { return };
    let d = work_dir();
    let dir = d.path();
    token_with_keys(&h, dir);
    ok(h.run(dir, &pack_args("file", &["--sign", "ed.pem"])));
    let module = h.module();
    let r = ok(h.run(
        dir,
        &pack_args(
            "token",
            &[
                "--sign",
                ED_URI,
                "--pkcs11-module",
                &module,
                "--pin-file",
                "pin.txt",
            ],
        ),
    ));
    assert!(r.stdout.contains("signed: ed25519"), "{}", r.text());
    same_dirs(&dir.join("file"), &dir.join("token"));

    // getpub reads the public key from the token: the same PEM and raw bytes as the file's.
    ok(h.run(dir, &["getpub", "ed.pem", "-o", "file.pub.pem"]));
    ok(h.run(dir, &["getpub", ED_URI, "-o", "token.pub.pem"]));
    assert_eq!(
        read(&dir.join("file.pub.pem")),
        read(&dir.join("token.pub.pem"))
    );
    ok(h.run(
        dir,
        &["getpub", ED_URI, "--format", "raw", "-o", "token.raw"],
    ));
    ok(h.run(
        dir,
        &["getpub", "ed.pem", "--format", "raw", "-o", "file.raw"],
    ));
    assert_eq!(read(&dir.join("file.raw")), read(&dir.join("token.raw")));

    let v = ok(h.run(
        dir,
        &[
            "verify",
            "token/offline_install.bin",
            "--key",
            "token.pub.pem",
            "--require-signature",
        ],
    ));
    assert!(v.stdout.contains("signature: OK"), "{}", v.text());

    // ota.toml's [package] sign takes the URI too.
    let toml = format!(
        "[package]\nsign = \"{ED_URI}\"\n\n[[image]]\nid = \"hcpu\"\npath = \"hcpu.bin\"\n\n\
         [[image]]\nid = \"dfu\"\npath = \"dfu.bin\"\n"
    );
    put(dir, "ota.toml", toml.as_bytes());
    ok(h.run(
        dir,
        &[
            "pack",
            "--config",
            "ota.toml",
            "-o",
            "cfg",
            "--pin-file",
            "pin.txt",
        ],
    ));
    same_dirs(&dir.join("file"), &dir.join("cfg"));

    // The PIN from the environment works as well as from a file.
    let r = h.run_env(
        dir,
        &pack_args("env", &["--sign", ED_URI]),
        &[("IMGTOOL_PKCS11_PIN", PIN)],
    );
    ok(r);
    same_dirs(&dir.join("file"), &dir.join("env"));
}

#[test]
fn issue20_secure_flows_with_a_token_key_are_byte_identical_and_verify() {
    let Some(h) = softhsm() else { return };
    let d = work_dir();
    let dir = d.path();
    token_with_keys(&h, dir);
    let gen = |sigkey: &str, out: &str| {
        let sig = format!("--sigkey={sigkey}");
        let args = [
            "gen-dfu",
            "--img_para",
            "hcpu",
            "17",
            "0",
            "--key=s01",
            &sig,
            "--com_type=1",
            "--session-key",
            "skey.bin",
            "-o",
            out,
        ];
        ok(h.run(dir, &with_pin(sigkey, &args)));
    };
    gen("sig", "gen-file");
    gen(RSA_URI, "gen-token");
    same_dirs(&dir.join("gen-file"), &dir.join("gen-token"));
    let v = ok(h.run(
        dir,
        &[
            "verify",
            "gen-token/ctrl_packet.bin",
            "--root-key",
            "s01.bin",
            "--sig-pub",
            "sig_pub.pem",
            "--record",
            "0=gen-token/enccom_hcpu.bin",
        ],
    ));
    assert!(!v.text().contains("FAIL"), "{}", v.text());

    let secure = |key: &str, out: &str| {
        let extra = [
            "--secure",
            "--root-key",
            "s01.bin",
            "--sign-key",
            key,
            "--encrypt",
            "--session-key",
            "skey.bin",
        ];
        let mut args = vec!["pack", "--image", "hcpu=hcpu.bin", "-o", out];
        args.extend_from_slice(&extra);
        ok(h.run(dir, &with_pin(key, &args)));
    };
    secure("sig_pri.pem", "pk-file");
    secure(RSA_URI, "pk-token");
    same_dirs(&dir.join("pk-file"), &dir.join("pk-token"));
    let v = ok(h.run(
        dir,
        &[
            "verify",
            "pk-token/ctrl_packet.bin",
            "--root-key",
            "s01.bin",
            "--sig-pub",
            "sig_pub.pem",
            "--record",
            "0=pk-token/enccom_hcpu.bin",
        ],
    ));
    assert!(!v.text().contains("FAIL"), "{}", v.text());
    // ota.toml's [secure] sign_key takes the URI too (not a path relative to the file).
    let toml = format!(
        "[[image]]\nid = \"hcpu\"\npath = \"hcpu.bin\"\n\n[secure]\nroot_key = \"s01.bin\"\n\
         sign_key = \"{RSA_URI}\"\nsession_key = \"skey.bin\"\nencrypt = true\n"
    );
    put(dir, "ota.toml", toml.as_bytes());
    ok(h.run(
        dir,
        &[
            "pack",
            "--config",
            "ota.toml",
            "-o",
            "pk-cfg",
            "--pin-file",
            "pin.txt",
        ],
    ));
    same_dirs(&dir.join("pk-file"), &dir.join("pk-cfg"));

    let enc = |sigkey: &str, out: &str| {
        let sig = format!("--sigkey={sigkey}");
        let args = [
            "enc",
            "--img",
            "hcpu.bin",
            "--eimg",
            out,
            "--key=s01",
            &sig,
            "--flags=3",
            "--session-key",
            "skey.bin",
        ];
        ok(h.run(dir, &with_pin(sigkey, &args)));
    };
    enc("sig", "file_sec.bin");
    enc(RSA_URI, "token_sec.bin");
    assert_eq!(
        read(&dir.join("file_sec.bin")),
        read(&dir.join("token_sec.bin"))
    );
    ok(h.run(
        dir,
        &[
            "dec",
            "--eimg",
            "token_sec.bin",
            "--key=s01",
            "--sigkey=sig",
        ],
    ));

    // getpub --dumpsig of the token key: the vendor's sig_pub.der and sig_hash.bin exactly,
    // and what getpub of the key file writes.
    ok(h.run(
        dir,
        &["getpub", RSA_URI, "--dumpsig", "tok", "-o", "tok_pub.pem"],
    ));
    ok(h.run(
        dir,
        &[
            "getpub",
            "sig_pri.pem",
            "--dumpsig",
            "fil",
            "-o",
            "fil_pub.pem",
        ],
    ));
    assert_eq!(
        read(&dir.join("tok_pub.der")),
        read(&dir.join("sig_pub.der"))
    );
    assert_eq!(
        read(&dir.join("tok_hash.bin")),
        read(&dir.join("sig_hash.bin"))
    );
    assert_eq!(
        read(&dir.join("tok_pub.pem")),
        read(&dir.join("fil_pub.pem"))
    );

    // A token without the public key object: the RSA public key is read from the private key
    // (which a PIN makes visible), and the files are the same again.
    h.import_private_only(
        "ci",
        &testdata("hsm/sifli02-sig.pk8.pem"),
        "dfu-nopub",
        "04",
    );
    let nopub = "pkcs11:token=ci;object=dfu-nopub";
    let r = h.run(dir, &["getpub", nopub, "-o", "np.pem"]);
    r.assert_exit(2);
    assert!(r.stderr.contains("no key object=dfu-nopub"), "{}", r.text());
    ok(h.run(
        dir,
        &["getpub", nopub, "-o", "np.pem", "--pin-file", "pin.txt"],
    ));
    assert_eq!(read(&dir.join("np.pem")), read(&dir.join("fil_pub.pem")));
    gen(nopub, "gen-nopub");
    same_dirs(&dir.join("gen-file"), &dir.join("gen-nopub"));
}

/// Runs `args`, expects exit 2 with every needle in the message, and `out` not written.
#[track_caller]
fn refused(h: &SoftHsm, dir: &Path, args: &[&str], needles: &[&str], out: &str) {
    let r = h.run(dir, args);
    r.assert_exit(2);
    for n in needles {
        assert!(r.stderr.contains(n), "{n:?} not in: {}", r.text());
    }
    let out = dir.join(out);
    let left = if out.is_dir() {
        all_files(&out)
    } else {
        Vec::new()
    };
    assert!(left.is_empty(), "{args:?} wrote {left:?}");
    assert!(!out.is_file(), "{args:?} wrote {}", out.display());
}

#[test]
fn issue20_token_errors_name_what_is_wrong_and_write_nothing() {
    let Some(h) = softhsm() else { return };
    let d = work_dir();
    let dir = d.path();
    token_with_keys(&h, dir);
    h.import(
        "ci",
        &testdata("sign/rsa-not-ed25519.pem"),
        "small-rsa",
        "03",
    );
    put(dir, "wrong-pin.txt", b"000000\n");
    put(dir, "not-a-module.so", b"this is not a shared library\n");

    let pack = |key: &str, extra: &[&str]| {
        let mut v = pack_args("out", &["--sign"]);
        v.push(key);
        v.extend_from_slice(extra);
        v.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let check = |args: Vec<String>, needles: &[&str]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&h, dir, &args, needles, "out");
    };
    check(
        pack(ED_URI, &["--pin-file", "wrong-pin.txt"]),
        &["token \"ci\"", "login", "wrong PIN"],
    );
    check(
        pack(ED_URI, &[]),
        &["token \"ci\" needs the user PIN", "--pin-file"],
    );
    check(
        pack("pkcs11:token=ci;object=missing", &PIN_FILE),
        &["token \"ci\"", "no private key object=missing"],
    );
    check(
        pack("pkcs11:token=nosuch;object=release", &PIN_FILE),
        &[
            "no initialised token matches pkcs11:token=nosuch",
            "\"ci\"",
            "uninitialised token",
        ],
    );
    check(
        pack(
            ED_URI,
            &[
                "--pin-file",
                "pin.txt",
                "--pkcs11-module",
                "not-a-module.so",
            ],
        ),
        &[
            "not-a-module.so",
            "cannot load it as a PKCS#11 module",
            "C_GetFunctionList",
        ],
    );
    check(
        pack(
            ED_URI,
            &[
                "--pin-file",
                "pin.txt",
                "--pkcs11-module",
                "/nonexistent/lib.so",
            ],
        ),
        &["/nonexistent/lib.so", "PKCS#11 module"],
    );
    check(
        pack(RSA_URI, &PIN_FILE),
        &[
            "token \"ci\"",
            "object=dfu-sig",
            "expected an ed25519 key",
            "RSA",
        ],
    );
    check(
        pack(&format!("{ED_URI};pin-value={PIN}"), &[]),
        &["pin-value is refused", "--pin-file"],
    );

    // An ed25519 key without its public key object cannot make a trailer (key id, check).
    ok(imgtool(dir, &["keygen", "-o", "ed2.pem"]));
    h.import_private_only("ci", &dir.join("ed2.pem"), "ed-nopub", "05");
    check(
        pack("pkcs11:token=ci;object=ed-nopub", &PIN_FILE),
        &["object=ed-nopub", "no public key object", "--no-public-key"],
    );

    // The RSA path: the ed25519 key and a 1024-bit RSA key are the wrong key.
    let gen = |sigkey: &str| {
        let sig = format!("--sigkey={sigkey}");
        [
            "gen-dfu",
            "--img_para",
            "hcpu",
            "17",
            "0",
            "--key=s01",
            &sig,
            "-o",
            "out",
            "--pin-file",
            "pin.txt",
        ]
        .map(str::to_owned)
        .to_vec()
    };
    check(
        gen(ED_URI),
        &["object=release", "expected an RSA-2048 key", "EC_EDWARDS"],
    );
    check(
        gen("pkcs11:token=ci;object=small-rsa"),
        &[
            "object=small-rsa",
            "an RSA-1024 key",
            "expected an RSA-2048 key",
        ],
    );
    // enc keeps an older output as it was.
    put(dir, "old_sec.bin", b"old");
    let r = h.run(
        dir,
        &[
            "enc",
            "--img",
            "hcpu.bin",
            "--eimg",
            "old_sec.bin",
            "--key=s01",
            "--sigkey=pkcs11:token=ci;object=missing",
            "--pin-file",
            "pin.txt",
        ],
    );
    r.assert_exit(2);
    assert!(
        r.stderr.contains("no private key object=missing"),
        "{}",
        r.text()
    );
    assert_eq!(read(&dir.join("old_sec.bin")), b"old");

    // A token directory with no initialised token at all.
    let empty = softhsm().unwrap();
    let r = empty.run(dir, &["getpub", RSA_URI, "--pkcs11-module", &h.module()]);
    r.assert_exit(2);
    assert!(
        r.stderr.contains("no initialised token matches")
            && r.stderr.contains("uninitialised token in slot"),
        "{}",
        r.text()
    );
    // No module at all.
    let r = imgtool(dir, &["getpub", RSA_URI]);
    r.assert_exit(2);
    assert!(
        r.stderr.contains("--pkcs11-module") && r.stderr.contains("IMGTOOL_PKCS11_MODULE"),
        "{}",
        r.text()
    );
}

#[test]
fn issue20_the_pin_is_never_in_outputs_or_written_files() {
    let Some(h) = softhsm() else { return };
    let d = work_dir();
    let dir = d.path();
    token_with_keys(&h, dir);
    // Every run checks its stdout and stderr (SoftHsm::run); then every file written.
    ok(h.run(
        dir,
        &pack_args(
            "p",
            &[
                "--sign",
                ED_URI,
                "--pin-file",
                "pin.txt",
                "--version",
                "1.0",
            ],
        ),
    ));
    let secure = [
        "--secure",
        "--root-key",
        "s01.bin",
        "--sign-key",
        RSA_URI,
        "--pin-file",
        "pin.txt",
    ];
    let mut args = vec!["pack", "--image", "hcpu=hcpu.bin", "-o", "s"];
    args.extend_from_slice(&secure);
    ok(h.run(dir, &args));
    ok(h.run(
        dir,
        &[
            "getpub",
            RSA_URI,
            "--dumpsig",
            "g",
            "-o",
            "g.pem",
            "--pin-file",
            "pin.txt",
        ],
    ));
    h.run(
        dir,
        &pack_args(
            "bad",
            &[
                "--sign",
                "pkcs11:token=ci;object=nope",
                "--pin-file",
                "pin.txt",
            ],
        ),
    )
    .assert_exit(2);
    h.run(
        dir,
        &pack_args("bad", &["--sign", &format!("{ED_URI}?pin-value={PIN}")]),
    )
    .assert_exit(2);
    // No option takes the PIN itself (it would be in argv): --pin is unknown, and not echoed.
    let r = h.run(dir, &pack_args("bad", &["--sign", ED_URI, "--pin", PIN]));
    r.assert_exit(2);
    assert!(r.stderr.contains("--pin"), "{}", r.text());
    let pin = PIN.as_bytes();
    for (path, bytes) in all_files(dir) {
        if path.ends_with("pin.txt") {
            continue;
        }
        assert!(
            !bytes.windows(pin.len()).any(|w| w == pin),
            "{} holds the PIN",
            path.display()
        );
    }
    assert!(all_files(&dir.join("s"))
        .iter()
        .any(|(p, _)| p.ends_with("manifest.json")));
}

/// `--pkcs11-module` and `--pin-file` were accepted and ignored when the key was a file (or
/// there was none). They are refused now, naming the key, in every command that has them.
/// Needs no token.
#[test]
fn regression_pkcs11_options_without_a_token_key_are_refused() {
    let d = work_dir();
    let dir = d.path();
    put(dir, "ed.pem", &read(&testdata("sign/openssl-ed25519.pem")));
    let pack = |extra: &[&str]| {
        let mut v = vec!["pack", "--image", "hcpu=hcpu.bin", "-o", "out"];
        v.extend_from_slice(extra);
        imgtool(dir, &v)
    };
    let sigkey = ["--key=s01", "--sigkey=sig", "--session-key", "skey.bin"];
    let runs: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--pin-file", "pin.txt"],
            "(none: the package is not signed)",
        ),
        (
            vec!["--sign", "ed.pem", "--pkcs11-module", "m.so"],
            "(ed.pem)",
        ),
        (
            [
                &[
                    "--secure",
                    "--root-key",
                    "s01.bin",
                    "--sign-key",
                    "sig_pri.pem",
                ][..],
                &PIN_FILE,
            ]
            .concat(),
            "(sig_pri.pem)",
        ),
    ];
    for (extra, key) in runs {
        let r = pack(&extra);
        r.assert_exit(2);
        assert!(
            r.stderr.contains("a key in a PKCS#11 token") && r.stderr.contains(key),
            "{extra:?}: {}",
            r.text()
        );
        assert!(!dir.join("out").exists(), "{extra:?}: written");
    }
    let others: [Vec<&str>; 3] = [
        [
            &["gen-dfu", "--img_para", "hcpu", "17", "0", "-o", "g"][..],
            &sigkey,
            &PIN_FILE,
        ]
        .concat(),
        [
            &["enc", "--img", "hcpu.bin", "--eimg", "e.bin"][..],
            &sigkey,
            &PIN_FILE,
        ]
        .concat(),
        vec!["getpub", "ed.pem", "-o", "p.pem", "--pkcs11-module", "m.so"],
    ];
    for args in others {
        let r = imgtool(dir, &args);
        r.assert_exit(2);
        assert!(
            r.stderr.contains("a key in a PKCS#11 token"),
            "{args:?}: {}",
            r.text()
        );
    }
    for f in ["g", "e.bin", "p.pem"] {
        assert!(!dir.join(f).exists(), "{f} written");
    }
}
