//! inspect/verify/unpack options that did nothing for the kind of file given (an offline
//! package v2, a control packet, an offline package v1, a flash table) and were accepted:
//! now each acts or is refused (exit 2, the option named, nothing written). Every
//! `regression_` test failed before the refusal table in cli/secure_check.rs.

use crate::common::*;
use std::path::Path;

/// A directory with the SDK's development keys, the example's ota.toml and ELF files, a raw
/// image and a session key.
fn workdir() -> tempfile::TempDir {
    let d = tempdir();
    put_sdk_keys(d.path());
    for f in ["ota.toml", "app.elf", "dfu.elf"] {
        put(
            d.path(),
            f,
            &read(&testdata(&format!("examples/sf32lb52x-eh-lb523/{f}"))),
        );
    }
    let hcpu: Vec<u8> = (0..5000u32)
        .map(|i| (i * 7 % 251) as u8 ^ (i >> 8) as u8)
        .collect();
    put(d.path(), "hcpu.bin", &hcpu);
    put(d.path(), "skey.bin", &(0u8..32).collect::<Vec<_>>());
    d
}

/// v2/offline_install.bin: an offline package v2 (unsigned).
const V2: &str = "v2/offline_install.bin";
/// sec/ctrl_packet.bin and its record file.
const CTRL: &str = "sec/ctrl_packet.bin";
const RECORD: &str = "0=sec/enccom_hcpu.bin";
/// v1/offline_install.bin: an offline package v1.
const V1: &str = "v1/offline_install.bin";
/// ft.bin: a flash table holding sig_pub.pem.
const FTAB: &str = "ft.bin";

fn pack_v2(d: &Path) {
    ok(imgtool(d, &["pack", "--config", "ota.toml", "-o", "v2"]));
}

/// A control packet and its record: `img_id` under dfu_id 0, flag 17.
fn gen_ctrl(d: &Path, img_id: &str) {
    ok(imgtool(
        d,
        &[
            "gen-dfu",
            "--img_para",
            "hcpu",
            "17",
            img_id,
            "--key=s01",
            "--sigkey=sig",
            "--com_type=1",
            "--session-key",
            "skey.bin",
            "-o",
            "sec",
        ],
    ));
}

/// An offline package v1 of `img_id` (flag 16).
fn gen_v1(d: &Path, img_id: &str) {
    ok(imgtool(
        d,
        &[
            "gen-dfu",
            "--img_para",
            "hcpu",
            "16",
            img_id,
            "--key=s01",
            "--sigkey=sig",
            "--offline_img=1",
            "--com_type=1",
            "--session-key",
            "skey.bin",
            "-o",
            "v1",
        ],
    ));
}

fn build_ftab(d: &Path) {
    ok(imgtool(
        d,
        &[
            "ftab",
            "build",
            "--layout",
            "sf32lb52x-eh-lb523",
            "--sig-pub",
            "sig_pub.pem",
            "-o",
            FTAB,
        ],
    ));
}

const KEYS: &[&str] = &["--root-key", "s01.bin", "--sig-pub", "sig_pub.pem"];

/// `imgtool cmd file args...`, refused: exit 2, every needle in stderr, and (unpack) no `un`.
#[track_caller]
fn refused(d: &Path, cmd: &str, file: &str, args: &[&str], needles: &[&str]) {
    let mut all = vec![cmd, file];
    all.extend_from_slice(args);
    if cmd == "unpack" {
        all.extend_from_slice(&["-o", "un"]);
    }
    let r = imgtool(d, &all);
    assert_eq!(r.code(), 2, "{all:?}: {}", r.text());
    for n in needles {
        assert!(r.stderr.contains(n), "{all:?}: {n:?} not in: {}", r.text());
    }
    assert!(!d.join("un").exists(), "{all:?} wrote un/");
}

#[test]
fn regression_verify_of_a_secure_file_ignored_deny_warnings() {
    let t = workdir();
    let d = t.path();
    // Image id 1 (lcpu) without --chip: the 52x rule is unchecked, a warning.
    gen_ctrl(d, "1");
    gen_v1(d, "1");
    let ctrl: &[&str] = &[
        "verify",
        CTRL,
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "sig_pub.pem",
        "--record",
        "1=sec/enccom_hcpu.bin",
    ];
    let v1: &[&str] = &[
        "verify",
        V1,
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "sig_pub.pem",
    ];
    for args in [ctrl, v1] {
        let r = ok(imgtool(d, args));
        assert!(r.stderr.contains("warning:"), "{args:?}: {}", r.text());
        let denied = [args, &["--deny-warnings"]].concat();
        let r = imgtool(d, &denied);
        r.assert_exit(1);
        assert!(
            r.stderr.contains("warning:")
                && r.stdout.contains("--deny-warnings makes it a failure")
                && r.stdout.contains(&format!("FAIL {}", args[1])),
            "{denied:?}: {}",
            r.text()
        );
        // Where nothing is warned about, it changes nothing.
        ok(imgtool(
            d,
            &[&denied[..], &["--chip", "sf32lb56x"]].concat(),
        ));
    }
}

#[test]
fn regression_verify_of_a_secure_file_ignored_key_and_require_signature() {
    let t = workdir();
    let d = t.path();
    gen_ctrl(d, "0");
    gen_v1(d, "0");
    build_ftab(d);
    let ctrl = [KEYS, &["--record", RECORD]].concat();
    for (file, args) in [
        (CTRL, &ctrl[..]),
        (V1, KEYS),
        (FTAB, &["--sig-pub", "sig_pub.pem"]),
    ] {
        ok(imgtool(d, &[&["verify", file], args].concat()));
        for (extra, named) in [
            (&["--require-signature"][..], "--require-signature:"),
            (&["--key", "sig_pub.pem"][..], "--key:"),
            (
                &["--key", "sig_pub.pem", "--require-signature"][..],
                "--key, --require-signature:",
            ),
        ] {
            refused(
                d,
                "verify",
                file,
                &[args, extra].concat(),
                &[
                    named,
                    "the ed25519 signature trailer options apply to an offline package v2; \
                     a secure file is RSA-checked with --sig-pub",
                ],
            );
        }
    }
}

#[test]
fn regression_offline_package_v2_ignored_the_secure_file_options() {
    let t = workdir();
    let d = t.path();
    pack_v2(d);
    for (opt, val) in [
        ("--root-key", "s01.bin"),
        ("--sig-pub", "sig_pub.pem"),
        ("--record", "0=hcpu.bin"),
        ("--nonce-hash", "sig_hash.bin"),
    ] {
        for cmd in ["verify", "inspect", "unpack"] {
            refused(
                d,
                cmd,
                V2,
                &[opt, val],
                &[
                    &format!(
                        "{opt}: keys, record files and the nonce hash are for the secure files"
                    ),
                    &format!("{V2} is an offline package v2"),
                    "drop it",
                ],
            );
        }
    }
    refused(
        d,
        "verify",
        V2,
        &["--root-key", "s01.bin", "--sig-pub", "sig_pub.pem"],
        &["--root-key, --sig-pub: keys, record files", "drop them"],
    );
    // What acts on a v2 package still does.
    ok(imgtool(
        d,
        &["verify", V2, "--layout", "sf32lb52x-eh-lb523"],
    ));
    ok(imgtool(
        d,
        &["inspect", V2, "--layout", "sf32lb52x-eh-lb523"],
    ));
    ok(imgtool(d, &["unpack", V2, "--ignore-crc", "-o", "un"]));
}

#[test]
fn regression_flash_table_ignored_root_key_record_nonce_hash_chip_device_build_layout() {
    let t = workdir();
    let d = t.path();
    build_ftab(d);
    let ignored: [&[&str]; 4] = [
        &["--root-key", "s01.bin"],
        &["--record", "0=hcpu.bin"],
        &["--nonce-hash", "sig_hash.bin"],
        &["--sig-pub", "sig_pub.pem"],
    ];
    for opt in ignored {
        // verify compares the table's sig_pub_key with --sig-pub: that one acts.
        if opt[0] != "--sig-pub" {
            refused(
                d,
                "verify",
                FTAB,
                opt,
                &[
                    &format!("{}: {FTAB} is a flash table", opt[0]),
                    "compares its sig_pub_key with --sig-pub",
                ],
            );
        }
        refused(
            d,
            "inspect",
            FTAB,
            opt,
            &[
                &format!("{}: {FTAB} is a flash table", opt[0]),
                "inspect shows it whole without keys",
            ],
        );
    }
    for opt in [
        &["--chip", "sf32lb52x"][..],
        &["--device-build", "lite"][..],
    ] {
        refused(
            d,
            "verify",
            FTAB,
            opt,
            &[&format!(
                "{}: the device rules they select are those of a control packet or an \
                 offline package v1; {FTAB} is a flash table",
                opt[0]
            )],
        );
    }
    let layout = ["--layout", "sf32lb52x-eh-lb523"];
    refused(
        d,
        "verify",
        FTAB,
        &layout,
        &["--layout: ft.bin is a flash table, checked on its own"],
    );
    refused(
        d,
        "inspect",
        FTAB,
        &layout,
        &["--layout: inspect shows where an offline package v2's images land"],
    );
    ok(imgtool(d, &["verify", FTAB, "--sig-pub", "sig_pub.der"]));
    ok(imgtool(d, &["inspect", FTAB]));
    // unpack names the flash table, not keys it does not need.
    refused(
        d,
        "unpack",
        FTAB,
        &[],
        &["a flash table has no images to unpack; use imgtool ftab show"],
    );
}

#[test]
fn regression_offline_package_v1_ignored_record() {
    let t = workdir();
    let d = t.path();
    gen_v1(d, "0");
    for cmd in ["verify", "unpack", "inspect"] {
        refused(
            d,
            cmd,
            V1,
            &[KEYS, &["--record", "0=hcpu.bin"]].concat(),
            &[&format!(
                "--record: {V1} is an offline package v1, which carries its images"
            )],
        );
    }
    ok(imgtool(d, &[&["unpack", V1, "-o", "un"], KEYS].concat()));
}

#[test]
fn regression_inspect_ignored_record_and_sig_pub_nonce_hash_without_root_key() {
    let t = workdir();
    let d = t.path();
    gen_ctrl(d, "0");
    gen_v1(d, "0");
    refused(
        d,
        "inspect",
        CTRL,
        &[KEYS, &["--record", RECORD]].concat(),
        &["--record: inspect reads the control packet sec/ctrl_packet.bin alone"],
    );
    refused(
        d,
        "inspect",
        CTRL,
        &["--record", RECORD],
        &["--record: inspect reads the control packet"],
    );
    for file in [CTRL, V1] {
        for (args, named) in [
            (&["--sig-pub", "sig_pub.pem"][..], "--sig-pub:"),
            (&["--nonce-hash", "sig_hash.bin"][..], "--nonce-hash:"),
            (
                &["--sig-pub", "sig_pub.pem", "--nonce-hash", "sig_hash.bin"][..],
                "--sig-pub, --nonce-hash:",
            ),
        ] {
            refused(
                d,
                "inspect",
                file,
                args,
                &[named, "inspect decrypts it only with --root-key KEY.bin"],
            );
        }
        // With --root-key they act.
        let r = ok(imgtool(
            d,
            &[
                &["inspect", file, "--json"],
                KEYS,
                &["--nonce-hash", "sig_hash.bin"],
            ]
            .concat(),
        ));
        assert!(r.stdout.contains("\"failures\": []"), "{}", r.text());
    }
}

#[test]
fn regression_unpack_of_a_secure_file_ignored_ignore_crc() {
    let t = workdir();
    let d = t.path();
    gen_ctrl(d, "0");
    gen_v1(d, "0");
    let ctrl = [KEYS, &["--record", RECORD]].concat();
    for (file, args) in [(CTRL, &ctrl[..]), (V1, KEYS)] {
        refused(
            d,
            "unpack",
            file,
            &[args, &["--ignore-crc"]].concat(),
            &["--ignore-crc:", "which has no package CRC", "drop it"],
        );
        ok(imgtool(d, &[&["unpack", file, "-o", "un"], args].concat()));
        std::fs::remove_dir_all(d.join("un")).unwrap();
    }
}

#[test]
fn regression_inspect_of_a_secure_file_ignored_layout() {
    let t = workdir();
    let d = t.path();
    gen_ctrl(d, "0");
    gen_v1(d, "0");
    let layout = ["--layout", "sf32lb52x-eh-lb523"];
    for file in [CTRL, V1] {
        refused(
            d,
            "inspect",
            file,
            &[KEYS, &layout].concat(),
            &["--layout: inspect shows where an offline package v2's images land"],
        );
    }
    // verify takes the chip from it.
    ok(imgtool(
        d,
        &[&["verify", CTRL, "--record", RECORD], KEYS, &layout].concat(),
    ));
    ok(imgtool(d, &[&["verify", V1], KEYS, &layout].concat()));
}
