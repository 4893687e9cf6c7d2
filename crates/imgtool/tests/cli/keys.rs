//! Issue 20 part 2: passphrase-protected (encrypted PKCS#8) private keys for both key types,
//! and RSA signatures from an external command. Fixtures: `testdata/sign/openssl-ed25519.enc.pem`
//! and `testdata/secure/keys/sifli02-encrypted/` (the plaintext test keys encrypted by OpenSSL
//! under `testdata/sign/test-passphrase.txt`). An encrypted key must sign byte for byte like its
//! plaintext twin, and a signing command like the key file it fronts.

use crate::common::*;
use crate::secure::{vendor_dir, GEN};
use std::path::Path;

/// The test passphrase file (a public test fixture).
fn pass_file() -> String {
    testdata("sign/test-passphrase.txt").display().to_string()
}

/// The test passphrase itself: the file's first line (OpenSSL's `-passout file:` rule, and
/// imgtool's: one trailing newline is not part of it).
fn passphrase() -> String {
    read_text(&testdata("sign/test-passphrase.txt"))
        .trim_end_matches('\n')
        .to_string()
}

/// A vendor directory (crate::secure) plus the encrypted and legacy-encrypted copies of the
/// signing key, by stem: `esig_pri.pem`, `lsig_pri.pem`.
fn vendor_dir_encrypted() -> tempfile::TempDir {
    let d = vendor_dir();
    let enc = |f: &str| read(&testdata(&format!("secure/keys/sifli02-encrypted/{f}")));
    put(d.path(), "esig_pri.pem", &enc("sig_pri.pem"));
    put(d.path(), "lsig_pri.pem", &enc("sig_pri.legacy.pem"));
    d
}

/// GEN with `--sigkey=sig` replaced by `sigkey` and `extra` appended.
fn gen<'a>(sigkey: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = GEN
        .iter()
        .map(|a| if *a == "--sigkey=sig" { sigkey } else { a })
        .collect();
    v.extend_from_slice(extra);
    v
}

/// Asserts that `dir/name` equals the golden CLI file of the plaintext key.
#[track_caller]
fn same_as_golden(dir: &Path, name: &str) {
    assert!(
        read(&dir.join(name)) == read(&testdata(&format!("secure/golden/cli/{name}"))),
        "{name} differs from what the plaintext key makes"
    );
}

/// The files of `dir`, by name and contents.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_in(dir)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(dir.join(&f)).unwrap_or_default();
            (f, bytes)
        })
        .collect()
}

/// Runs `args` in `dir`, expects exit 2 with every needle in the output and no file changed.
#[track_caller]
fn refused(dir: &Path, args: &[&str], env: &[(&str, &str)], needles: &[&str]) -> Run {
    let before = snapshot(dir);
    let r = imgtool_env(dir, args, env);
    r.assert_exit(2);
    for n in needles {
        assert!(r.text().contains(n), "{n:?} not in: {}", r.text());
    }
    assert!(snapshot(dir) == before, "files changed by a refused run");
    r
}

#[test]
fn encrypted_ed25519_key_signs_like_its_plaintext_twin() {
    let tmp = tempdir();
    let d = tmp.path();
    crate::sign::write_images(d);
    let enc = testdata("sign/openssl-ed25519.enc.pem");
    let enc = enc.to_str().unwrap();
    let gold = read(&testdata("sign/golden/offline_install.signed.bin"));
    let base = ["--compress", "none", "--version", "1.0.0", "--sign", enc];
    let pf = pass_file();
    let file = [&base[..], &["--passphrase-file", &pf]].concat();
    assert!(
        crate::sign::pack(d, "f", &file) == gold,
        "--passphrase-file"
    );
    let mut args = vec!["pack"];
    args.extend_from_slice(&crate::sign::IMAGES);
    args.extend_from_slice(&["-o", "e"]);
    args.extend_from_slice(&base);
    let pass = passphrase();
    ok(imgtool_env(d, &args, &[("IMGTOOL_KEY_PASSPHRASE", &pass)]));
    assert!(read(&d.join("e/offline_install.bin")) == gold, "env");
    // env:NAME holding the encrypted PEM text.
    let pem = read_text(&testdata("sign/openssl-ed25519.enc.pem"));
    let env_args: Vec<&str> = args
        .iter()
        .map(|a| if *a == enc { "env:SIGN_KEY_ENC" } else { a })
        .map(|a| if a == "e" { "v" } else { a })
        .collect();
    ok(imgtool_env(
        d,
        &env_args,
        &[("IMGTOOL_KEY_PASSPHRASE", &pass), ("SIGN_KEY_ENC", &pem)],
    ));
    assert!(read(&d.join("v/offline_install.bin")) == gold, "env:NAME");
    // getpub of the encrypted key: the plaintext twin's public key.
    let r = ok(imgtool(
        d,
        &["getpub", enc, "--passphrase-file", &pass_file()],
    ));
    assert_eq!(
        r.stdout,
        read_text(&testdata("sign/openssl-ed25519.pub.pem"))
    );
}

#[test]
fn encrypted_rsa_key_makes_the_plaintext_keys_files() {
    let d = vendor_dir_encrypted();
    let p = d.path();
    ok(imgtool(
        p,
        &gen("--sigkey=esig", &["--passphrase-file", &pass_file()]),
    ));
    for f in ["ctrl_packet.bin", "enccom_hcpu.bin", "outdfu.bin"] {
        same_as_golden(p, f);
    }
    let enc = [
        "enc",
        "--img",
        "hcpu.bin",
        "--eimg",
        "hcpu_sec.bin",
        "--key=s01",
        "--sigkey=esig",
        "--flags=3",
        "--session-key",
        "skey.bin",
    ];
    let pass = passphrase();
    ok(imgtool_env(p, &enc, &[("IMGTOOL_KEY_PASSPHRASE", &pass)]));
    same_as_golden(p, "hcpu_sec.bin");
    // pack --secure: every file equal to the plaintext key's.
    let app = format!(
        "hcpu={}",
        testdata("examples/sf32lb52x-eh-lb523/app.elf").display()
    );
    let pack = |out: &'static str, key: &'static str| {
        let pf = pass_file();
        let args = [
            "pack",
            "--layout",
            "sf32lb52x-eh-lb523",
            "--image",
            &app,
            "-o",
            out,
            "--secure",
            "--root-key",
            "s01.bin",
            "--sign-key",
            key,
            "--encrypt",
            "--session-key",
            "skey.bin",
            "--passphrase-file",
            &pf,
        ];
        ok(imgtool(p, &args));
        snapshot(&p.join(out))
    };
    let plain = pack("plain", "sig_pri.pem");
    assert!(plain.len() >= 4, "{plain:?}");
    assert!(pack("encrypted", "esig_pri.pem") == plain);
    // getpub: the same public key as the plaintext one.
    let r = ok(imgtool(
        p,
        &["getpub", "esig_pri.pem", "--passphrase-file", &pass_file()],
    ));
    assert_eq!(
        r.stdout.trim_end(),
        read_text(&p.join("sig_pub.pem")).trim_end()
    );
}

#[test]
fn missing_and_wrong_passphrases_are_refused_naming_the_key() {
    let d = vendor_dir_encrypted();
    let p = d.path();
    put(p, "wrong.txt", b"not the passphrase\n");
    let missing = "key esig_pri.pem is encrypted: give --passphrase-file or IMGTOOL_KEY_PASSPHRASE";
    let wrong = "wrong passphrase for esig_pri.pem";
    refused(
        p,
        &gen("--sigkey=esig", &[]),
        &[],
        &[missing, "nothing written"],
    );
    // An empty variable counts as unset (an unset CI secret arrives empty).
    refused(
        p,
        &gen("--sigkey=esig", &[]),
        &[("IMGTOOL_KEY_PASSPHRASE", "")],
        &[missing],
    );
    refused(
        p,
        &gen("--sigkey=esig", &["--passphrase-file", "wrong.txt"]),
        &[],
        &[wrong],
    );
    refused(
        p,
        &gen("--sigkey=esig", &[]),
        &[("IMGTOOL_KEY_PASSPHRASE", "not the passphrase")],
        &[wrong],
    );
    let enc = [
        "enc",
        "--img",
        "hcpu.bin",
        "--eimg",
        "x.bin",
        "--key=s01",
        "--sigkey=esig",
    ];
    refused(p, &enc, &[], &[missing]);
    refused(
        p,
        &["getpub", "esig_pri.pem", "-o", "x.pem"],
        &[],
        &[missing],
    );
    // An encrypted key is a private key: no output replaces it unforced.
    refused(
        p,
        &["getpub", "sig_pub.pem", "-o", "esig_pri.pem"],
        &[],
        &["esig_pri.pem holds a private key"],
    );
    // The ed25519 key in pack: same messages.
    let ed = testdata("sign/openssl-ed25519.enc.pem");
    let ed = ed.to_str().unwrap();
    crate::sign::write_images(p);
    let pack = ["pack", "--image", "hcpu=app.bin", "-o", "out", "--sign", ed];
    let r = refused(p, &pack, &[], &["is encrypted: give --passphrase-file"]);
    assert!(r.text().contains(ed), "{}", r.text());
    let pack_wrong = [&pack[..], &["--passphrase-file", "wrong.txt"]].concat();
    refused(
        p,
        &pack_wrong,
        &[],
        &[&format!("wrong passphrase for {ed}")],
    );
    // An empty passphrase file is refused, not taken as "no passphrase".
    put(p, "empty.txt", b"\n");
    refused(
        p,
        &gen("--sigkey=esig", &["--passphrase-file", "empty.txt"]),
        &[],
        &["the passphrase from --passphrase-file empty.txt is empty"],
    );
}

#[test]
fn legacy_and_unsupported_encryption_say_how_to_convert() {
    let d = vendor_dir_encrypted();
    let p = d.path();
    let convert = "openssl pkcs8 -topk8 -v2 aes-256-cbc -in lsig_pri.pem -out NEW.pem";
    let pf = pass_file();
    refused(
        p,
        &gen("--sigkey=lsig", &["--passphrase-file", &pf]),
        &[],
        &["Proc-Type: 4,ENCRYPTED", convert],
    );
    refused(p, &["getpub", "lsig_pri.pem"], &[], &[convert]);
    let sha1 = testdata("sign/openssl-ed25519.sha1prf.enc.pem");
    let sha1 = sha1.to_str().unwrap();
    refused(
        p,
        &["getpub", sha1, "--passphrase-file", &pf],
        &[],
        &[
            "encrypted with a scheme imgtool does not read",
            "-v2prf hmacWithSHA256",
        ],
    );
}

/// `openssl pkey` reads `key` with the test passphrase and prints its public key; `None`
/// (after saying why) without openssl.
fn openssl_pubkey(key: &Path) -> Option<String> {
    let out = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-passin"])
        .arg(format!("file:{}", pass_file()))
        .arg("-in")
        .arg(key)
        .output();
    match out {
        Ok(o) => {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            Some(String::from_utf8(o.stdout).unwrap())
        }
        Err(e) => {
            eprintln!("SKIPPED the openssl check: cannot run openssl ({e})");
            None
        }
    }
}

#[test]
fn keygen_passphrase_file_writes_keys_openssl_and_imgtool_read_back() {
    let tmp = tempdir();
    let d = tmp.path();
    let pf = pass_file();
    for (ty, name) in [("ed25519", "ed.pem"), ("rsa2048", "rsa.pem")] {
        let r = ok(imgtool(
            d,
            &["keygen", "--type", ty, "-o", name, "--passphrase-file", &pf],
        ));
        let pem = read_text(&d.join(name));
        assert!(
            pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
            "{ty}: {pem}"
        );
        assert!(!r.text().contains(&passphrase()), "{}", r.text());
        let ours = ok(imgtool(d, &["getpub", name, "--passphrase-file", &pf])).stdout;
        if let Some(theirs) = openssl_pubkey(&d.join(name)) {
            assert_eq!(ours, theirs, "{ty}: openssl reads the same key");
        }
        refused(
            d,
            &["getpub", name, "-o", "pub.pem"],
            &[],
            &["is encrypted"],
        );
    }
    // The encrypted RSA key signs: gen-dfu-style key file use through enc.
    put(d, "img.bin", &[0x5a; 100]);
    put(d, "root.bin", &[1; 32]);
    std::fs::copy(d.join("rsa.pem"), d.join("k_pri.pem")).unwrap();
    ok(imgtool(
        d,
        &[
            "enc",
            "--img",
            "img.bin",
            "--eimg",
            "img_sec.bin",
            "--key=root",
            "--sigkey=k",
            "--passphrase-file",
            &pf,
        ],
    ));
    // Raw keys have no encrypted form.
    refused(
        d,
        &[
            "keygen",
            "--type",
            "root",
            "-o",
            "r.bin",
            "--passphrase-file",
            &pf,
        ],
        &[],
        &["root and UID files are raw bytes"],
    );
}

/// The shell command that signs a digest on stdin with `key`, printing raw bytes.
fn openssl_sign(key: &str) -> String {
    format!("openssl pkeyutl -sign -inkey {key} -pkeyopt digest:sha256")
}

fn have_openssl() -> bool {
    let ok = std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: no openssl to sign with");
    }
    ok
}

#[test]
fn rsa_sign_command_makes_the_key_files_bytes() {
    if !have_openssl() {
        return;
    }
    let d = vendor_dir();
    let p = d.path();
    // The command's own copy of the key ("the KMS"): imgtool's STEM_pri.pem is removed below.
    put(
        p,
        "kms_pri.pem",
        &read(&testdata("secure/keys/sifli02/sig_pri.pem")),
    );
    let raw = openssl_sign("kms_pri.pem");
    // Hex and base64 text are accepted too (KMS clients print base64).
    let hex = format!("{raw} | od -An -v -tx1");
    let b64 = format!("{raw} | openssl base64");
    for cmd in [&raw, &hex, &b64] {
        // --sigkey names only STEM_hash.bin here (checked); STEM_pri.pem is not read.
        std::fs::remove_file(p.join("sig_pri.pem")).unwrap();
        let args = gen(
            "--sigkey=sig",
            &["--rsa-sign-command", cmd, "--rsa-sign-pub", "sig_pub.der"],
        );
        ok(imgtool(p, &args));
        for f in ["ctrl_packet.bin", "enccom_hcpu.bin", "outdfu.bin"] {
            same_as_golden(p, f);
        }
        put(
            p,
            "sig_pri.pem",
            &read(&testdata("secure/keys/sifli02/sig_pri.pem")),
        );
    }
    let enc = [
        "enc",
        "--img",
        "hcpu.bin",
        "--eimg",
        "hcpu_sec.bin",
        "--key=s01",
        "--flags=3",
        "--session-key",
        "skey.bin",
        "--rsa-sign-command",
        &raw,
        "--rsa-sign-pub",
        "sig_pub.pem",
    ];
    ok(imgtool(p, &enc));
    same_as_golden(p, "hcpu_sec.bin");
    let app = format!(
        "hcpu={}",
        testdata("examples/sf32lb52x-eh-lb523/app.elf").display()
    );
    let pack = |out: &'static str, how: &[&str]| {
        let mut args = vec![
            "pack",
            "--layout",
            "sf32lb52x-eh-lb523",
            "--image",
            &app,
            "-o",
            out,
            "--secure",
            "--root-key",
            "s01.bin",
            "--encrypt",
            "--session-key",
            "skey.bin",
        ];
        args.extend_from_slice(how);
        ok(imgtool(p, &args));
        snapshot(&p.join(out))
    };
    let file = pack("file", &["--sign-key", "sig_pri.pem"]);
    let cmd = pack(
        "cmd",
        &["--rsa-sign-command", &raw, "--rsa-sign-pub", "sig_pub.pem"],
    );
    assert!(file == cmd, "pack --secure: command and key file differ");
}

#[test]
fn rsa_sign_command_failures_are_clear_and_write_nothing() {
    let d = vendor_dir();
    let p = d.path();
    put(
        p,
        "other_pri.pem",
        &read(&testdata("secure/keys/custom/sig_pri.pem")),
    );
    let run = |cmd: &str, extra: &[&str], needles: &[&str]| {
        let mut args = gen(
            "--sigkey=sig",
            &["--rsa-sign-command", cmd, "--rsa-sign-pub", "sig_pub.pem"],
        );
        args.extend_from_slice(extra);
        refused(p, &args, &[], needles);
    };
    let named = |cmd: &str| format!("`{cmd}`");
    if have_openssl() {
        let other = openssl_sign("other_pri.pem");
        run(
            &other,
            &[],
            &[
                &named(&other),
                "does not verify with sig_pub.pem",
                "nothing written",
            ],
        );
    }
    let short = "cat >/dev/null; head -c 100 /dev/zero";
    run(
        short,
        &[],
        &[&named(short), "printed 100 bytes on stdout", "256-byte"],
    );
    let fail = "cat >/dev/null; echo 'KMS: permission denied' >&2; exit 7";
    run(fail, &[], &["exit status: 7", "KMS: permission denied"]);
    let slow = "sleep 30";
    let start = std::time::Instant::now();
    run(
        slow,
        &["--rsa-sign-timeout", "1"],
        &["did not finish within 1 s"],
    );
    assert!(
        start.elapsed().as_secs() < 20,
        "the command was not stopped"
    );
    // --rsa-sign-command needs its public key.
    let r = imgtool(p, &gen("--sigkey=sig", &["--rsa-sign-command", "true"]));
    r.assert_exit(2);
    assert!(r.stderr.contains("--rsa-sign-pub"), "{}", r.text());
}

/// The passphrase appears in no argument imgtool takes, no output, no file it writes, and no
/// error: the only ways in are a file and an environment variable.
#[test]
fn the_passphrase_never_shows() {
    // Structural: no option takes a passphrase value on the command line.
    fn walk(c: &clap::Command, path: &str, found: &mut Vec<String>) {
        for a in c.get_arguments() {
            if a.get_id().as_str().contains("passphrase") && a.get_id() != "passphrase_file" {
                found.push(format!("{path} --{}", a.get_id()));
            }
        }
        for s in c.get_subcommands() {
            walk(s, &format!("{path} {}", s.get_name()), found);
        }
    }
    let mut found = Vec::new();
    walk(&imgtool::cli::command(), "imgtool", &mut found);
    assert!(found.is_empty(), "passphrase options: {found:?}");
    let cmd = imgtool::cli::command();
    for name in ["pack", "gen-dfu", "enc", "getpub", "keygen"] {
        let sub = cmd.find_subcommand(name).unwrap();
        assert!(
            sub.get_arguments().any(|a| a.get_id() == "passphrase_file"),
            "{name} loads private keys but has no --passphrase-file"
        );
    }
    let r = imgtool(Path::new("."), &["pack", "--passphrase", "x"]);
    r.assert_exit(2);
    assert!(
        r.stderr.contains("unexpected argument '--passphrase'"),
        "{}",
        r.text()
    );

    // Dynamic: runs that succeed and fail, env and file, grepped for the passphrase.
    let pass = passphrase();
    let wrong = "wrong-passphrase-canary";
    let d = vendor_dir_encrypted();
    let p = d.path();
    put(p, "wrong.txt", wrong.as_bytes());
    let pf = pass_file();
    let mut texts = Vec::new();
    let env = [("IMGTOOL_KEY_PASSPHRASE", pass.as_str())];
    texts.push(ok(imgtool_env(p, &gen("--sigkey=esig", &[]), &env)).text());
    texts.push(
        ok(imgtool(
            p,
            &gen("--sigkey=esig", &["--passphrase-file", &pf]),
        ))
        .text(),
    );
    texts.push(
        imgtool(
            p,
            &gen("--sigkey=esig", &["--passphrase-file", "wrong.txt"]),
        )
        .text(),
    );
    let wrong_env = [("IMGTOOL_KEY_PASSPHRASE", wrong)];
    texts.push(imgtool_env(p, &gen("--sigkey=esig", &[]), &wrong_env).text());
    texts.push(imgtool_env(p, &["getpub", "esig_pri.pem", "--help"], &env).text());
    texts.push(
        ok(imgtool(
            p,
            &["keygen", "-o", "new.pem", "--passphrase-file", &pf],
        ))
        .text(),
    );
    let app = format!(
        "hcpu={}",
        testdata("examples/sf32lb52x-eh-lb523/app.elf").display()
    );
    let secure = [
        "pack",
        "--image",
        &app,
        "-o",
        "pk",
        "--secure",
        "--root-key",
        "s01.bin",
        "--sign-key",
        "esig_pri.pem",
        "--version",
        "1.0",
    ];
    texts.push(ok(imgtool_env(p, &secure, &env)).text());
    for t in &texts {
        assert!(
            !t.contains(&pass) && !t.contains(wrong),
            "passphrase shown: {t}"
        );
    }
    let manifest = read_text(&p.join("pk/manifest.json"));
    assert!(manifest.contains("ctrl_packet.bin") && !manifest.contains(&pass));
    for (name, bytes) in snapshot(p) {
        let hay = String::from_utf8_lossy(&bytes);
        assert!(
            !hay.contains(&pass) && (name == "wrong.txt" || !hay.contains(wrong)),
            "passphrase in {name}"
        );
    }
}

#[test]
fn rsa_sign_command_is_refused_where_it_would_do_nothing_or_clash() {
    let d = vendor_dir();
    let p = d.path();
    let cmd = [
        "--rsa-sign-command",
        "true",
        "--rsa-sign-pub",
        "sig_pub.pem",
    ];
    let no_secure = [&["pack", "--image", "hcpu=hcpu.bin", "-o", "o"][..], &cmd].concat();
    refused(p, &no_secure, &[], &["apply to the secure flow only"]);
    let both = [
        &no_secure[..],
        &[
            "--secure",
            "--root-key",
            "s01.bin",
            "--sign-key",
            "sig_pri.pem",
        ],
    ]
    .concat();
    refused(p, &both, &[], &["--sign-key and --rsa-sign-command"]);
    let v2 = [
        &[
            "gen-dfu",
            "--img_para",
            "hcpu",
            "16",
            "0",
            "--offline_img=2",
        ][..],
        &cmd,
    ]
    .concat();
    refused(p, &v2, &[], &["as does --rsa-sign-command"]);
}

/// ota.toml's `sign_key` gives way to `--rsa-sign-command` on the command line (the command
/// line wins), and the result is the key file's bytes.
#[test]
fn rsa_sign_command_wins_over_the_ota_toml_key() {
    if !have_openssl() {
        return;
    }
    let d = vendor_dir();
    let p = d.path();
    let app = testdata("examples/sf32lb52x-eh-lb523/app.elf");
    // The file's key does not exist: reading it would fail the run.
    let toml = format!(
        "layout = \"sf32lb52x-eh-lb523\"\n[[image]]\nid = \"hcpu\"\npath = \"{}\"\n\
         [secure]\nroot_key = \"s01.bin\"\nsign_key = \"absent_pri.pem\"\n\
         session_key = \"skey.bin\"\n",
        app.display()
    );
    put(p, "ota.toml", toml.as_bytes());
    let sign = openssl_sign("sig_pri.pem");
    let args = [
        "pack",
        "--config",
        "ota.toml",
        "-o",
        "cmd",
        "--rsa-sign-command",
        &sign,
        "--rsa-sign-pub",
        "sig_pub.pem",
    ];
    ok(imgtool(p, &args));
    let toml_key = toml.replace("absent_pri.pem", "sig_pri.pem");
    put(p, "ota.toml", toml_key.as_bytes());
    ok(imgtool(p, &["pack", "--config", "ota.toml", "-o", "file"]));
    assert!(snapshot(&p.join("cmd")) == snapshot(&p.join("file")));
}

/// `--passphrase-file` where no private key file is read would do nothing: refused, like every
/// option that would be ignored (docs/cli.md). An encrypted private key where a public key is
/// wanted is named as such, not answered with "give a passphrase".
#[test]
fn a_passphrase_file_that_unlocks_nothing_is_refused() {
    let d = vendor_dir_encrypted();
    let p = d.path();
    let pf = pass_file();
    let why = "--passphrase-file does nothing here";
    let pack = [
        "pack",
        "--image",
        "hcpu=hcpu.bin",
        "-o",
        "o",
        "--passphrase-file",
        &pf,
    ];
    refused(p, &pack, &[], &[why, "no private key file is read"]);
    let v2 = [
        "gen-dfu",
        "--img_para",
        "hcpu",
        "16",
        "0",
        "--passphrase-file",
        &pf,
    ];
    refused(p, &v2, &[], &[why, "offline package v2 is not signed"]);
    let cmd = [
        "--rsa-sign-command",
        "true",
        "--rsa-sign-pub",
        "sig_pub.pem",
    ];
    let gen_cmd = gen(
        "--sigkey=sig",
        &[&cmd[..], &["--passphrase-file", &pf]].concat(),
    );
    refused(p, &gen_cmd, &[], &[why, "--rsa-sign-command"]);
    let enc = [
        &["enc", "--img", "hcpu.bin", "--eimg", "x.bin", "--key=s01"][..],
        &cmd,
        &["--passphrase-file", &pf],
    ]
    .concat();
    refused(p, &enc, &[], &[why]);
    // The environment variable is not refused: it may be set for a whole CI job.
    let env = [("IMGTOOL_KEY_PASSPHRASE", "set for every job")];
    ok(imgtool_env(p, &pack[..5], &env));
    // An encrypted private key as the command's public key.
    let enc_pub = [
        "enc",
        "--img",
        "hcpu.bin",
        "--eimg",
        "x.bin",
        "--key=s01",
        "--rsa-sign-command",
        "true",
        "--rsa-sign-pub",
        "esig_pri.pem",
    ];
    refused(
        p,
        &enc_pub,
        &[],
        &["esig_pri.pem: this is an encrypted private key; give its public key"],
    );
}
