//! The vendor's secure DFU from the command line: gen-dfu --offline_img 0/1 with the vendor's
//! arguments and file names, pack --secure, keygen/getpub of RSA keys, ftab, and
//! inspect/verify/unpack of each artifact. Keys: the SDK's sifli02 development set.

use crate::common::*;

/// A directory set up as the vendor's gen_dfu expects: key files by stem, STEM.bin inputs.
pub(crate) fn vendor_dir() -> tempfile::TempDir {
    let d = tempdir();
    crate::common::put_sdk_keys(d.path());
    put(
        d.path(),
        "uid.bin",
        &read(&testdata("secure/keys/sifli02/uid.bin")),
    );
    let hcpu: Vec<u8> = (0..5000u32)
        .map(|i| (i * 7 % 251) as u8 ^ (i >> 8) as u8)
        .collect();
    put(d.path(), "hcpu.bin", &hcpu);
    put(
        d.path(),
        "dfu.bin",
        &read(&testdata("examples/sf32lb52x-eh-lb523/app.c")),
    );
    put(d.path(), "skey.bin", &(0u8..32).collect::<Vec<_>>());
    d
}

pub(crate) const GEN: &[&str] = &[
    "gen-dfu",
    "--img_para",
    "hcpu",
    "17",
    "0",
    "dfu",
    "0",
    "6",
    "--key=s01",
    "--sigkey=sig",
    "--com_type=1",
    "--session-key",
    "skey.bin",
    // Image id 6 under dfu_id 0: only an OTA_NOR_OTA_MANAGER_LITE device takes it (issue 17).
    "--device-build",
    "lite",
];

/// Runs imgtool, expects exit `code` and `needle` in its output.
#[track_caller]
fn fails(dir: &std::path::Path, args: &[&str], code: i32, needle: &str) {
    let r = imgtool(dir, args);
    r.assert_exit(code);
    assert!(r.text().contains(needle), "{needle:?} not in: {}", r.text());
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// The golden gen-dfu command line with `extra` appended.
fn gen_with(extra: &[&str]) -> Vec<String> {
    strings(&[GEN, extra].concat())
}

fn verify_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "verify",
        "ctrl_packet.bin",
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "sig_pub.pem",
        "--device-build",
        "lite",
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn gen_dfu_vendor_command_line_writes_the_vendor_files_reproducibly() {
    let d = vendor_dir();
    ok(imgtool(d.path(), GEN));
    let names = files_in(d.path());
    for f in [
        "com_hcpu.bin",
        "enccom_hcpu.bin",
        "outdfu.bin",
        "ctrl_packet.bin",
        "enc_header.txt",
    ] {
        assert!(names.contains(&f.to_string()), "{f} missing: {names:?}");
    }
    assert!(
        !names.contains(&"control_packet_value.txt".to_string()),
        "plaintext written without --debug-plaintext"
    );
    let gold = testdata("secure/golden/cli");
    for f in ["ctrl_packet.bin", "enccom_hcpu.bin", "outdfu.bin"] {
        golden(&read(&d.path().join(f)), &gold.join(f));
    }
    let first = read(&d.path().join("ctrl_packet.bin"));
    ok(imgtool(d.path(), GEN));
    assert_eq!(
        read(&d.path().join("ctrl_packet.bin")),
        first,
        "same session key, same bytes"
    );
    let random: Vec<&str> = GEN.iter().copied().filter(|a| *a != "skey.bin").collect();
    let random: Vec<&str> = random
        .into_iter()
        .filter(|a| *a != "--session-key")
        .collect();
    ok(imgtool(d.path(), &random));
    assert_ne!(
        read(&d.path().join("ctrl_packet.bin")),
        first,
        "the default session key is random"
    );
}

#[test]
fn verify_checks_the_control_packet_and_every_record_file() {
    let d = vendor_dir();
    ok(imgtool(d.path(), GEN));
    let recs = [
        "--record",
        "0=enccom_hcpu.bin",
        "--record",
        "dfu=outdfu.bin",
    ];
    let r = ok(imgtool(d.path(), &verify_args(&recs)));
    assert!(
        r.stdout
            .contains("OK ctrl_packet.bin: control packet with 2 images verifies; 2 record files"),
        "{}",
        r.text()
    );
    let mut bad = read(&d.path().join("enccom_hcpu.bin"));
    bad[600] ^= 1;
    put(d.path(), "enccom_hcpu.bin", &bad);
    let r = imgtool(d.path(), &verify_args(&recs));
    r.assert_exit(1);
    assert!(
        r.stdout
            .contains("error: enccom_hcpu.bin: at 0x00000224: record SHA-256 mismatch"),
        "{}",
        r.text()
    );
    let mut ctrl = read(&d.path().join("ctrl_packet.bin"));
    let last = ctrl.len() - 1;
    ctrl[last] ^= 1;
    put(d.path(), "ctrl_packet.bin", &ctrl);
    fails(
        d.path(),
        &verify_args(&[]),
        1,
        "RSA signature does not verify",
    );
    let r = imgtool(d.path(), &["verify", "ctrl_packet.bin"]);
    r.assert_exit(2);
    assert!(
        r.stderr
            .contains("give --root-key KEY.bin and --sig-pub PUB"),
        "{}",
        r.text()
    );
}

#[test]
fn unpack_decrypts_and_decompresses_the_records() {
    let d = vendor_dir();
    ok(imgtool(d.path(), GEN));
    let args = [
        "unpack",
        "ctrl_packet.bin",
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "sig_pub.der",
        "--record",
        "0=enccom_hcpu.bin",
        "--record",
        "6=outdfu.bin",
        "-o",
        "un",
    ];
    ok(imgtool(d.path(), &args));
    let mut hcpu = read(&d.path().join("hcpu.bin"));
    hcpu.resize(hcpu.len().next_multiple_of(16), 0);
    assert_eq!(read(&d.path().join("un/0-hcpu.bin")), hcpu);
    assert_eq!(read(&d.path().join("un/0-hcpu.stored.bin")), {
        let mut c = read(&d.path().join("com_hcpu.bin"));
        c.resize(c.len().next_multiple_of(16), 0);
        c
    });
    let mut dfu = read(&d.path().join("dfu.bin"));
    dfu.resize(dfu.len().next_multiple_of(16), 0);
    assert_eq!(read(&d.path().join("un/6-ota-manager.stored.bin")), dfu);
}

#[cfg(unix)]
#[test]
fn debug_plaintext_is_the_only_way_to_the_plaintext_control_packet() {
    use std::os::unix::fs::PermissionsExt;
    let d = vendor_dir();
    let mut args = GEN.to_vec();
    args.push("--debug-plaintext");
    ok(imgtool(d.path(), &args));
    let p = d.path().join("control_packet_value.txt");
    let plain = read(&p);
    assert_eq!(plain.len(), 50 + 2 * 263);
    assert_eq!(
        &plain[13..45],
        (0u8..32).collect::<Vec<_>>().as_slice(),
        "holds the session key"
    );
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn dst_dir_selects_the_newest_packer_names() {
    let d = vendor_dir();
    let mut args = GEN.to_vec();
    args.extend_from_slice(&["--dst_dir", "out"]);
    ok(imgtool(d.path(), &args));
    assert_eq!(
        files_in(&d.path().join("out")),
        [
            "com_hcpu.bin",
            "ctrl_packet.bin",
            "enc_com_hcpu.bin",
            "enc_header.txt",
            "out_dfu.bin"
        ]
    );
}

#[test]
fn offline_v1_package_verifies_and_refuses_other_flags() {
    let d = vendor_dir();
    let args = [
        "gen-dfu",
        "--img_para",
        "hcpu",
        "16",
        "0",
        "--key=s01",
        "--sigkey=sig",
        "--offline_img=1",
        "--com_type=1",
        "--session-key",
        "skey.bin",
        "-o",
        "v1",
    ];
    ok(imgtool(d.path(), &args));
    golden(
        &read(&d.path().join("v1/offline_install.bin")),
        &testdata("secure/golden/cli/offline_install_v1.bin"),
    );
    let r = ok(imgtool(
        d.path(),
        &[
            "verify",
            "v1/offline_install.bin",
            "--root-key",
            "s01.bin",
            "--sig-pub",
            "sig_pub.pem",
        ],
    ));
    assert!(
        r.stdout.contains("offline package v1, 1 image,"),
        "{}",
        r.text()
    );
    let r = ok(imgtool(
        d.path(),
        &["inspect", "v1/offline_install.bin", "--json"],
    ));
    assert!(r.stdout.contains("\"offline package v1\""), "{}", r.text());
    let mut bad = args.to_vec();
    bad[3] = "17";
    let last = bad.len() - 1;
    bad[last] = "v1bad";
    let r = imgtool(d.path(), &bad);
    r.assert_exit(2);
    assert!(
        r.stderr
            .contains("flag 17; --offline_img=1 packs the compressed plaintext"),
        "{}",
        r.text()
    );
    assert!(!d.path().join("v1bad").exists(), "nothing written");
}

/// Every refused input: exit 2, a message naming the problem, nothing written.
#[test]
fn refused_inputs_write_nothing() {
    let d = vendor_dir();
    let many = |n: usize| -> Vec<String> {
        let mut v: Vec<String> = vec!["gen-dfu".into(), "--img_para".into()];
        for i in 0..n {
            v.extend([String::from("hcpu"), "16".into(), (i % 12).to_string()]);
        }
        v.extend([
            "--key=s01".into(),
            "--sigkey=sig".into(),
            "-o".into(),
            "out".into(),
        ]);
        v
    };
    put(d.path(), "short.bin", &[0u8; 16]);
    put(
        d.path(),
        "ed_pri.pem",
        &read(&testdata("sign/openssl-ed25519.pem")),
    );
    let cases: Vec<(Vec<String>, &str)> = vec![
        (many(256), "256 images: img_count is one byte"),
        (many(12), "12 images: a control packet carries 1 to 11"),
        (
            gen_with(&["--bksize", "500", "-o", "out"]),
            "bksize 500 is not a positive multiple of 16",
        ),
        (
            gen_with(&["--bksize", "1024", "-o", "out"]),
            "bksize 1024 is larger than 512",
        ),
        (
            gen_with(&["--dfu_id", "4", "-o", "out"]),
            "dfu_id 4: the device accepts 0",
        ),
        (
            gen_with(&["--flags=0", "-o", "out"]),
            "--flags=0: signatures over the plaintext",
        ),
        (
            strings(&[
                "gen-dfu",
                "--img_para",
                "hcpu",
                "2",
                "0",
                "--key=s01",
                "--sigkey=sig",
                "-o",
                "out",
            ]),
            "flag 2",
        ),
        (
            strings(&[
                "gen-dfu",
                "--img_para",
                "hcpu",
                "16",
                "10",
                "--key=s01",
                "--sigkey=sig",
                "-o",
                "out",
            ]),
            "id 10 is not an image id",
        ),
        (
            strings(&[
                "gen-dfu",
                "--img_para",
                "hcpu",
                "16",
                "0",
                "--key=short",
                "--sigkey=sig",
                "-o",
                "out",
            ]),
            "root key short.bin: expected 32 bytes",
        ),
        (
            strings(&[
                "gen-dfu",
                "--img_para",
                "hcpu",
                "16",
                "0",
                "--key=s01",
                "--sigkey=ed",
                "-o",
                "out",
            ]),
            "this is an ed25519 key; the vendor's secure DFU needs an RSA-2048 key",
        ),
        (
            strings(&[
                "gen-dfu",
                "--img_para",
                "hcpu",
                "16",
                "0",
                "--key=s01",
                "--sigkey=sig",
                "--session-key",
                "short.bin",
                "-o",
                "out",
            ]),
            "session key short.bin: expected 32 bytes",
        ),
    ];
    for (args, want) in cases {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = imgtool(d.path(), &refs);
        r.assert_exit(2);
        assert!(r.stderr.contains(want), "{want:?} not in: {}", r.text());
        assert!(
            !d.path().join("out").exists(),
            "{want}: something was written"
        );
    }
}

#[test]
fn a_mismatched_sig_hash_file_is_refused() {
    let d = vendor_dir();
    put(d.path(), "sig_hash.bin", &[0u8; 32]);
    let r = imgtool(d.path(), GEN);
    r.assert_exit(2);
    assert!(
        r.stderr
            .contains("sig_hash.bin: does not start with the SHA-256"),
        "{}",
        r.text()
    );
}

#[test]
fn pack_secure_writes_verifiable_files_and_a_manifest() {
    let d = vendor_dir();
    let ex = testdata("examples/sf32lb52x-eh-lb523");
    let app = format!("hcpu={}", ex.join("app.elf").display());
    let args = [
        "pack",
        "--layout",
        "sf32lb52x-eh-lb523",
        "--image",
        &app,
        "-o",
        "pk",
        "--secure",
        "--root-key",
        "s01.bin",
        "--sign-key",
        "sig_pri.pem",
        "--encrypt",
        "--session-key",
        "skey.bin",
    ];
    ok(imgtool(d.path(), &args));
    let m = read_text(&d.path().join("pk/manifest.json"));
    for f in [
        "ctrl_packet.bin",
        "enccom_hcpu.bin",
        "com_hcpu.bin",
        "\"sifli-secure-online\"",
        "56ce4ec4c9dcf411",
    ] {
        assert!(m.contains(f), "{f} not in manifest: {m}");
    }
    assert!(
        !m.contains("000102030405060708"),
        "the session key must not be in the manifest"
    );
    let v = [
        "verify",
        "pk/ctrl_packet.bin",
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "sig_pub.pem",
        "--record",
        "0=pk/enccom_hcpu.bin",
    ];
    ok(imgtool(d.path(), &v));
    fails(
        d.path(),
        &["pack", "--image", &app, "-o", "pk2", "--secure"],
        2,
        "pack --secure needs --root-key",
    );
}

#[test]
fn pack_secure_from_ota_toml() {
    let d = vendor_dir();
    let ex = testdata("examples/sf32lb52x-eh-lb523");
    let toml = format!(
        "layout = \"sf32lb52x-eh-lb523\"\n[[image]]\nid = \"hcpu\"\npath = \"{}\"\n\
         [secure]\nroot_key = \"s01.bin\"\nsign_key = \"sig_pri.pem\"\nfw_ver = 7\n",
        ex.join("app.elf").display()
    );
    put(d.path(), "ota.toml", toml.as_bytes());
    ok(imgtool(
        d.path(),
        &["pack", "--config", "ota.toml", "-o", "pk"],
    ));
    let m = read_text(&d.path().join("pk/manifest.json"));
    assert!(
        m.contains("\"fw_version\": 7") && m.contains("outcom_hcpu.bin"),
        "{m}"
    );
    let r = ok(imgtool(
        d.path(),
        &[
            "inspect",
            "pk/ctrl_packet.bin",
            "--root-key",
            "s01.bin",
            "--sig-pub",
            "sig_pub.pem",
            "--json",
        ],
    ));
    assert!(r.stdout.contains("\"fw_version\": 7"), "{}", r.text());
}

#[test]
fn rsa_keygen_and_getpub_write_the_vendor_key_files() {
    let d = vendor_dir();
    ok(imgtool(
        d.path(),
        &[
            "getpub",
            "sig_pri.pem",
            "--dumpsig",
            "mine",
            "-o",
            "mine_pub.pem",
        ],
    ));
    assert_eq!(
        read(&d.path().join("mine_pub.der")),
        read(&d.path().join("sig_pub.der"))
    );
    assert_eq!(
        read(&d.path().join("mine_hash.bin")),
        read(&d.path().join("sig_hash.bin"))
    );
    ok(imgtool(
        d.path(),
        &["keygen", "--type", "rsa2048", "-o", "new_pri.pem"],
    ));
    assert!(read_text(&d.path().join("new_pri.pem")).starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    ok(imgtool(
        d.path(),
        &["getpub", "new_pri.pem", "--format", "raw", "-o", "new.der"],
    ));
    assert_eq!(read(&d.path().join("new.der")).len(), 294);
    ok(imgtool(
        d.path(),
        &["keygen", "--type", "root", "-o", "r.bin"],
    ));
    ok(imgtool(
        d.path(),
        &["keygen", "--type", "uid", "-o", "u.bin"],
    ));
    assert_eq!(
        (
            read(&d.path().join("r.bin")).len(),
            read(&d.path().join("u.bin")).len()
        ),
        (32, 16)
    );
    let r = imgtool(d.path(), &["keygen", "--type", "root", "-o", "r.bin"]);
    r.assert_exit(2);
}

#[test]
fn ftab_build_show_and_verify() {
    let d = vendor_dir();
    ok(imgtool(
        d.path(),
        &[
            "ftab",
            "build",
            "--layout",
            "sf32lb52x-eh-lb523",
            "--sig-pub",
            "sig_pub.pem",
            "-o",
            "ftab.bin",
        ],
    ));
    golden(
        &read(&d.path().join("ftab.bin")),
        &testdata("secure/golden/cli/ftab-eh-lb523.bin"),
    );
    let r = ok(imgtool(d.path(), &["ftab", "show", "ftab.bin"]));
    assert!(
        r.stdout
            .contains("running_imgs[LCPU] = 0x12001000 -> flash id 2 (IMG_LCPU)"),
        "{}",
        r.text()
    );
    let sdk = testdata("secure/sdk-ftab/ftab_qspi1_sec.bin");
    let r = ok(imgtool(
        d.path(),
        &["ftab", "show", sdk.to_str().unwrap(), "--json"],
    ));
    assert!(
        r.stdout
            .contains("56ce4ec4c9dcf41161df98c24965aa5804c1556dcaf59edf6c75d5cab17db3ec"),
        "{}",
        r.text()
    );
    ok(imgtool(
        d.path(),
        &["verify", "ftab.bin", "--sig-pub", "sig_pub.der"],
    ));
    ok(imgtool(
        d.path(),
        &["keygen", "--type", "rsa2048", "-o", "other.pem"],
    ));
    fails(
        d.path(),
        &["verify", "ftab.bin", "--sig-pub", "other.pem"],
        1,
        "sig_pub_key is not the key in other.pem",
    );
    fails(
        d.path(),
        &["ftab", "show", "hcpu.bin"],
        2,
        "struct sec_configuration is 11280",
    );
}

#[test]
fn enc_and_dec_round_trip_with_the_vendor_arguments() {
    let d = vendor_dir();
    let enc = [
        "enc",
        "--img",
        "hcpu.bin",
        "--eimg",
        "hcpu_sec.bin",
        "--key=s01",
        "--sigkey=sig",
        "--flags=3",
        "--session-key",
        "skey.bin",
    ];
    ok(imgtool(d.path(), &enc));
    golden(
        &read(&d.path().join("hcpu_sec.bin")),
        &testdata("secure/golden/cli/hcpu_sec.bin"),
    );
    ok(imgtool(
        d.path(),
        &[
            "dec",
            "--eimg",
            "hcpu_sec.bin",
            "--img",
            "back.bin",
            "--key=s01",
            "--sigkey=sig",
        ],
    ));
    let mut want = read(&d.path().join("hcpu.bin"));
    want.resize(want.len().next_multiple_of(16), 0);
    assert_eq!(read(&d.path().join("back.bin")), want);
    let mut bad = read(&d.path().join("hcpu_sec.bin"));
    bad[40] ^= 1;
    put(d.path(), "bad_sec.bin", &bad);
    fails(
        d.path(),
        &["dec", "--eimg", "bad_sec.bin", "--key=s01", "--sigkey=sig"],
        1,
        "header SHA-256 mismatch",
    );
}

// Issue 17: what the device's sol/dfu_ctrl_sol.c rejects (SDK d9313ba6), refused by gen-dfu and
// pack --secure and failed by verify naming the rule; and --nonce-hash.

/// Writes `name`: a control packet as the vendor's packer writes it for `dfu_id` and
/// `(img_id, flag)` entries (it checks none of the device rules), with the sifli02 keys.
fn vendor_ctrl(dir: &std::path::Path, name: &str, dfu_id: u8, entries: &[(u8, u16)]) {
    use secure::ctrl::{seal_ctrl, ControlPacket, ImageEntry};
    let keys = testdata("secure/keys/sifli02");
    let root = secure::RootKey::from_bytes(&read(&keys.join("s01.bin")), "s01").unwrap();
    let signer = secure::SigningKey::from_pem(&read(&keys.join("sig_pri.pem")), "sig").unwrap();
    let packet = ControlPacket {
        dfu_id,
        hw_version: 0,
        sdk_version: 0,
        fw_version: 0,
        session_key: secure::SessionKey::from_bytes(&[9; 32], "k").unwrap(),
        blk_size: 512,
        images: entries
            .iter()
            .map(|&(img_id, flag)| ImageEntry {
                sig: [0; 256],
                length: 1024,
                flag,
                img_id,
            })
            .collect(),
    };
    let nonce = signer.verifying_key().nonce().unwrap();
    let (file, _) = seal_ctrl(&packet, &root, &nonce, &signer).unwrap();
    put(dir, name, &file);
}

fn verify_ctrl(dir: &std::path::Path, name: &str, extra: &[&str]) -> Run {
    let mut v = vec![
        "verify",
        name,
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "sig_pub.pem",
    ];
    v.extend_from_slice(extra);
    imgtool(dir, &v)
}

fn gen_set(img_para: &[&str], extra: &[&str]) -> Vec<String> {
    let mut v = strings(&["gen-dfu", "--img_para"]);
    v.extend(strings(img_para));
    v.extend(strings(&[
        "--key=s01",
        "--sigkey=sig",
        "--com_type=1",
        "-o",
        "out",
    ]));
    v.extend(strings(extra));
    v
}

/// gen-dfu refuses with exit 2, `needles` in stderr, and writes nothing.
#[track_caller]
fn gen_refused(dir: &std::path::Path, args: &[String], needles: &[&str]) {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = imgtool(dir, &refs);
    r.assert_exit(2);
    for n in needles {
        assert!(r.stderr.contains(n), "{n:?} not in: {}", r.text());
    }
    assert!(!dir.join("out").exists(), "something was written: {args:?}");
}

#[track_caller]
fn gen_ok(dir: &std::path::Path, args: &[String]) -> Run {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = ok(imgtool(dir, &refs));
    std::fs::remove_dir_all(dir.join("out")).unwrap();
    r
}

#[test]
fn issue17_1_ota_manager_refuses_encrypted_images() {
    let d = vendor_dir();
    for flag in ["1", "17"] {
        gen_refused(
            d.path(),
            &gen_set(&["dfu", flag, "6"], &["--dfu_id", "2"]),
            &[
                "ota-manager-unencrypted (sol/dfu_ctrl_sol.c:2137-2212)",
                &format!("flag {flag} (encrypted) under dfu_id 2"),
                "nothing written",
            ],
        );
    }
    gen_ok(d.path(), &gen_set(&["dfu", "16", "6"], &["--dfu_id", "2"]));
    // What the vendor packer writes for the same command line: verify names the rule.
    vendor_ctrl(d.path(), "om17.bin", 2, &[(6, 17)]);
    let r = verify_ctrl(d.path(), "om17.bin", &[]);
    r.assert_exit(1);
    assert!(
        r.stdout.contains(
            "error: om17.bin: at 0x00000156: device rule ota-manager-unencrypted \
             (sol/dfu_ctrl_sol.c:2137-2212)"
        ),
        "{}",
        r.text()
    );
    vendor_ctrl(d.path(), "om16.bin", 2, &[(6, 16)]);
    ok(verify_ctrl(d.path(), "om16.bin", &[]));
}

#[test]
fn issue17_2_ota_manager_takes_only_ids_6_and_11_and_at_most_two() {
    let d = vendor_dir();
    gen_refused(
        d.path(),
        &gen_set(&["hcpu", "16", "0"], &["--dfu_id", "2"]),
        &[
            "ota-manager-ids (sol/dfu_ctrl_sol.c:309-316, :2140-2143)",
            "image 0 has id 0 (hcpu)",
        ],
    );
    gen_refused(
        d.path(),
        &gen_set(
            &["dfu", "16", "6", "hcpu", "0", "11", "dfu", "0", "3"],
            &["--dfu_id", "2"],
        ),
        &[
            "ota-manager-count (sol/dfu_ctrl_sol.c:1050, dfu_internal.h:83,340,473)",
            "3 images under dfu_id 2",
        ],
    );
    gen_ok(
        d.path(),
        &gen_set(&["dfu", "16", "6", "hcpu", "0", "11"], &["--dfu_id", "2"]),
    );
    vendor_ctrl(d.path(), "three.bin", 2, &[(6, 16), (11, 0), (3, 16)]);
    let r = verify_ctrl(d.path(), "three.bin", &[]);
    r.assert_exit(1);
    for want in [
        "error: three.bin: at 0x00000051: device rule ota-manager-count",
        "error: three.bin: at 0x00000366: device rule ota-manager-ids",
        "FAIL three.bin",
    ] {
        assert!(r.stdout.contains(want), "{want:?} not in: {}", r.text());
    }
}

#[test]
fn issue17_3_code_flow_refuses_ids_6_9_11_unless_the_device_build_takes_them() {
    let d = vendor_dir();
    for id in ["6", "9", "11"] {
        gen_refused(
            d.path(),
            &gen_set(&["hcpu", "16", "0", "dfu", "16", id], &[]),
            &[
                "code-image-ids (sol/dfu_ctrl_sol.c:822, :827)",
                &format!("image 1 has id {id}"),
                "DFU_ERR_PARAMETER_INVALID",
            ],
        );
    }
    let lite = gen_set(
        &["hcpu", "16", "0", "dfu", "16", "6"],
        &["--device-build", "lite"],
    );
    gen_ok(d.path(), &lite);
    gen_refused(
        d.path(),
        &gen_set(&["dfu", "16", "11"], &["--device-build", "lite"]),
        &["--device-build section-change"],
    );
    gen_ok(
        d.path(),
        &gen_set(
            &["dfu", "16", "11", "hcpu", "16", "9"],
            &["--device-build=lite,section-change", "--dfu_id=1"],
        ),
    );
    // The golden set (dfu_id 0, ids 0 and 6) fails verify unless the device is a lite build.
    ok(imgtool(d.path(), GEN));
    let r = verify_ctrl(d.path(), "ctrl_packet.bin", &[]);
    r.assert_exit(1);
    assert!(
        r.stdout.contains("device rule code-image-ids") && r.stdout.contains("--device-build lite"),
        "{}",
        r.text()
    );
    ok(verify_ctrl(
        d.path(),
        "ctrl_packet.bin",
        &["--device-build", "lite"],
    ));
    ok(verify_ctrl(
        d.path(),
        "ctrl_packet.bin",
        &["--device-build", "section-change"],
    ));
}

#[test]
fn issue17_4_52x_refuses_lcpu_and_patch_ids() {
    let d = vendor_dir();
    for id in ["1", "2"] {
        gen_refused(
            d.path(),
            &gen_set(&["hcpu", "16", id], &["--chip", "sf32lb52x"]),
            &[
                "not-on-52x (sol/dfu_ctrl_sol.c:774-785)",
                &format!("image 0 has id {id}"),
            ],
        );
        let r = gen_ok(d.path(), &gen_set(&["hcpu", "16", id], &[]));
        assert!(
            r.stderr.contains("warning: image id") && r.stderr.contains("give --chip"),
            "{}",
            r.text()
        );
        let r = gen_ok(
            d.path(),
            &gen_set(&["hcpu", "16", id], &["--chip", "sf32lb56x"]),
        );
        assert!(!r.stderr.contains("warning"), "{}", r.text());
    }
    vendor_ctrl(d.path(), "lcpu.bin", 0, &[(0, 16), (1, 16)]);
    for extra in [
        &["--chip", "sf32lb52x"][..],
        &["--layout", "sf32lb52x-eh-lb523"][..],
    ] {
        let r = verify_ctrl(d.path(), "lcpu.bin", extra);
        r.assert_exit(1);
        assert!(
            r.stdout
                .contains("error: lcpu.bin: at 0x0000025f: device rule not-on-52x"),
            "{extra:?}: {}",
            r.text()
        );
    }
    let r = ok(verify_ctrl(d.path(), "lcpu.bin", &[]));
    assert!(r.stderr.contains("give --chip"), "{}", r.text());
    ok(verify_ctrl(d.path(), "lcpu.bin", &["--chip", "sf32lb58x"]));
}

/// A chip with an unprogrammed efuse (the SDK's development root key and signature-key hash)
/// and a custom RSA key in its flash table: files signed with the custom key, encrypted with
/// the development hash's nonce.
#[test]
fn issue17_5_nonce_hash_for_an_unprogrammed_efuse_with_a_custom_key() {
    let d = vendor_dir();
    let custom = testdata("secure/keys/custom");
    put(d.path(), "my_pri.pem", &read(&custom.join("sig_pri.pem")));
    put(d.path(), "my_pub.pem", &read(&custom.join("sig_pub.pem")));
    let gen = |extra: &[&str]| {
        let mut v = strings(&[
            "gen-dfu",
            "--img_para",
            "hcpu",
            "17",
            "0",
            "--key=s01",
            "--sigkey=my",
            "--com_type=1",
            "--session-key",
            "skey.bin",
            "-o",
            "out",
        ]);
        v.extend(strings(extra));
        v
    };
    // The vendor set-up: my_hash.bin holds the development hash (what the device's efuse
    // hook returns), not the hash of my_pub.der.
    put(
        d.path(),
        "my_hash.bin",
        &read(&d.path().join("sig_hash.bin")),
    );
    gen_refused(
        d.path(),
        &gen(&[]),
        &["my_hash.bin: does not start with", "--nonce-hash"],
    );
    let args = gen(&["--nonce-hash", "sig_hash.bin"]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(imgtool(d.path(), &refs));
    let ctrl = read(&d.path().join("out/ctrl_packet.bin"));
    // Independently of the readers: the body decrypts with the development nonce and the
    // SHA-256 in front matches; the signature is the custom key's.
    let mut plain = ctrl[32..ctrl.len() - 256].to_vec();
    let dev = read(&d.path().join("sig_hash.bin"));
    secure::cipher::ctr_apply(
        read(&d.path().join("s01.bin"))
            .as_slice()
            .try_into()
            .unwrap(),
        dev[..8].try_into().unwrap(),
        0,
        &mut plain,
    );
    {
        use sha2::Digest;
        assert_eq!(sha2::Sha256::digest(&plain).as_slice(), &ctrl[..32]);
    }
    let custom_key =
        secure::VerifyingKey::from_file_bytes(&read(&custom.join("sig_pub.pem")), "my").unwrap();
    assert!(custom_key.verify(&plain, &ctrl[ctrl.len() - 256..]));
    let check = |cmd: &str, extra: &[&str]| {
        let mut v = vec![
            cmd,
            "out/ctrl_packet.bin",
            "--root-key",
            "s01.bin",
            "--sig-pub",
            "my_pub.pem",
            "--record",
            "0=out/enccom_hcpu.bin",
        ];
        v.extend_from_slice(extra);
        imgtool(d.path(), &v)
    };
    ok(check("verify", &["--nonce-hash", "sig_hash.bin"]));
    let r = check("verify", &[]);
    r.assert_exit(1);
    assert!(r.stdout.contains("SHA-256 mismatch"), "{}", r.text());
    ok(check(
        "unpack",
        &["--nonce-hash", "sig_hash.bin", "-o", "un"],
    ));
    let mut hcpu = read(&d.path().join("hcpu.bin"));
    hcpu.resize(hcpu.len().next_multiple_of(16), 0);
    assert_eq!(read(&d.path().join("un/0-hcpu.bin")), hcpu);
    // inspect reads the control packet alone: no --record (refused, options_secure.rs).
    let r = ok(imgtool(
        d.path(),
        &[
            "inspect",
            "out/ctrl_packet.bin",
            "--root-key",
            "s01.bin",
            "--sig-pub",
            "my_pub.pem",
            "--nonce-hash",
            "sig_hash.bin",
            "--json",
        ],
    ));
    assert!(r.stdout.contains("\"failures\": []"), "{}", r.text());
    put(d.path(), "short.bin", &[0; 8]);
    let r = check("verify", &["--nonce-hash", "short.bin"]);
    r.assert_exit(2);
    assert!(
        r.stderr.contains("nonce hash short.bin: expected 32 bytes"),
        "{}",
        r.text()
    );
    // A my_hash.bin that disagrees with --nonce-hash is refused (the vendor packer reads it).
    put(d.path(), "other_hash.bin", &[0x55; 32]);
    std::fs::remove_dir_all(d.path().join("out")).unwrap();
    gen_refused(
        d.path(),
        &gen(&["--nonce-hash", "other_hash.bin"]),
        &["my_hash.bin: does not start with the nonce hash of --nonce-hash other_hash.bin"],
    );
    // pack --secure takes it too.
    let app = format!(
        "hcpu={}",
        testdata("examples/sf32lb52x-eh-lb523/app.elf").display()
    );
    ok(imgtool(
        d.path(),
        &[
            "pack",
            "--layout",
            "sf32lb52x-eh-lb523",
            "--image",
            &app,
            "-o",
            "pk",
            "--secure",
            "--root-key",
            "s01.bin",
            "--sign-key",
            "my_pri.pem",
            "--nonce-hash",
            "sig_hash.bin",
        ],
    ));
    let v = [
        "verify",
        "pk/ctrl_packet.bin",
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "my_pub.pem",
        "--nonce-hash",
        "sig_hash.bin",
        "--record",
        "0=pk/outcom_hcpu.bin",
    ];
    ok(imgtool(d.path(), &v));
}
