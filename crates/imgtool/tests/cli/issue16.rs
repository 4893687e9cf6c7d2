//! Issue 16, items 9 to 17: every option acts or is refused, the command line wins over
//! ota.toml, checks that said OK (or failed) wrongly, and messages that misled. One test per
//! item, named after it; each failed on b6442ca.

use crate::common::*;
use std::path::Path;

/// A directory with the SDK's development keys, the example app and a raw image.
fn workdir() -> tempfile::TempDir {
    let d = tempdir();
    crate::common::put_sdk_keys(d.path());
    put(
        d.path(),
        "app.elf",
        &read(&testdata("examples/sf32lb52x-eh-lb523/app.elf")),
    );
    let hcpu: Vec<u8> = (0..5000u32)
        .map(|i| (i * 7 % 251) as u8 ^ (i >> 8) as u8)
        .collect();
    put(d.path(), "hcpu.bin", &hcpu);
    put(d.path(), "skey.bin", &(0u8..32).collect::<Vec<_>>());
    d
}

/// Runs imgtool, expects exit `code` and every needle in its output.
#[track_caller]
fn expect(dir: &Path, args: &[&str], code: i32, needles: &[&str]) -> Run {
    let r = imgtool(dir, args);
    r.assert_exit(code);
    for n in needles {
        assert!(r.text().contains(n), "{n:?} not in: {}", r.text());
    }
    r
}

/// The JSON `imgtool inspect --json` prints for `args`.
fn inspect_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    all.push("--json");
    let r = ok(imgtool(dir, &all));
    serde_json::from_str(&r.stdout).expect("inspect --json prints JSON")
}

const SECURE: &[&str] = &[
    "--secure",
    "--root-key",
    "s01.bin",
    "--sign-key",
    "sig_pri.pem",
    "--session-key",
    "skey.bin",
];

fn pack_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "pack",
        "--layout",
        "sf32lb52x-eh-lb523",
        "--image",
        "hcpu=app.elf",
        "-o",
        out,
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn issue16_09_secure_options_without_secure_are_refused() {
    let t = workdir();
    let d = t.path();
    for (extra, named) in [
        (
            &["--encrypt"][..],
            "--encrypt applies to the secure flow only",
        ),
        (&["--offline-v1"][..], "--offline-v1 applies"),
        (&["--root-key", "s01.bin"][..], "--root-key applies"),
        (&["--sign-key", "sig_pri.pem"][..], "--sign-key applies"),
        (&["--dfu_id", "1"][..], "--dfu_id applies"),
        (&["--bksize", "256"][..], "--bksize applies"),
        (&["--session-key", "skey.bin"][..], "--session-key applies"),
        (
            &["--encrypt", "--root-key", "s01.bin"][..],
            "--root-key, --encrypt apply to the secure flow only: add --secure",
        ),
    ] {
        expect(d, &pack_args("out", extra), 2, &[named]);
        assert!(!d.join("out").exists(), "{extra:?}: something was written");
    }
    // Under --secure, the offline package v2's ed25519 signing options are refused...
    let mut secure = SECURE.to_vec();
    secure.push("--unsigned");
    expect(
        d,
        &pack_args("out", &secure),
        2,
        &["--unsigned is the ed25519 signature of an offline package v2"],
    );
    let mut secure = SECURE.to_vec();
    secure.extend(["--min-sdk", "1.0"]);
    expect(d, &pack_args("out", &secure), 2, &["--sdk_ver N"]);
    assert!(!d.join("out").exists());
    // ...and --version / --build-id act: they are recorded in the secure manifest.json.
    let mut secure = SECURE.to_vec();
    secure.extend(["--version", "1.4.0", "--build-id", "abc123"]);
    ok(imgtool(d, &pack_args("out", &secure)));
    let m: serde_json::Value =
        serde_json::from_str(&read_text(&d.join("out/manifest.json"))).unwrap();
    assert_eq!(m["version"], "1.4.0", "{m}");
    assert_eq!(m["build_id"], "abc123", "{m}");
    // Without them the manifest has no such keys (unchanged from before).
    ok(imgtool(d, &pack_args("plain", SECURE)));
    let m: serde_json::Value =
        serde_json::from_str(&read_text(&d.join("plain/manifest.json"))).unwrap();
    assert!(
        m.get("version").is_none() && m.get("build_id").is_none(),
        "{m}"
    );
}

/// `pack` without `--secure` took `--chip`, `--device-build` and `--nonce-hash` and did nothing
/// with them. Walks every option under pack's secure help headings, so an option added there
/// later is refused too or this test names it.
#[test]
fn regression_every_secure_option_of_pack_is_refused_without_secure() {
    let t = workdir();
    let d = t.path();
    let cmd = imgtool::cli::command();
    let pack = cmd.find_subcommand("pack").unwrap();
    let secure_heading = |a: &clap::Arg| {
        a.get_help_heading()
            .is_some_and(|h| h.starts_with("Secure DFU") || h == "RSA signing command")
    };
    let mut checked = 0;
    for a in pack.get_arguments().filter(|a| secure_heading(a)) {
        let long = a.get_long().unwrap();
        if long == "secure" {
            continue;
        }
        let value = |a: &clap::Arg| -> Vec<String> {
            let flag = format!("--{}", a.get_long().unwrap());
            if !a.get_action().takes_values() {
                return vec![flag];
            }
            let v = a
                .get_possible_values()
                .first()
                .map_or("1".to_owned(), |p| p.get_name().to_owned());
            vec![flag, v]
        };
        // The RSA command's options require each other: give the three together.
        let mut extra = value(a);
        if long.starts_with("rsa-sign") {
            extra = pack
                .get_arguments()
                .filter(|b| b.get_long().is_some_and(|l| l.starts_with("rsa-sign")))
                .flat_map(value)
                .collect();
        }
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let r = imgtool(d, &pack_args("out", &extra));
        r.assert_exit(2);
        assert!(
            r.stderr.contains(&format!("--{long}")) && r.stderr.contains("to the secure flow only"),
            "pack --{long} without --secure: {}",
            r.text()
        );
        assert!(!d.join("out").exists(), "--{long}: something was written");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} secure options found");
}

#[test]
fn issue16_10_verify_layout_b_of_a_package_signed_for_layout_a_fails() {
    let t = workdir();
    let d = t.path();
    ok(imgtool(d, &["keygen", "-o", "ed.pem"]));
    ok(imgtool(d, &pack_args("out", &["--sign", "ed.pem"])));
    let pkg = "out/offline_install.bin";
    ok(imgtool(
        d,
        &["verify", pkg, "--layout", "sf32lb52x-eh-lb523"],
    ));
    expect(
        d,
        &["verify", pkg, "--layout", "sf32lb52x-eh-lb525"],
        1,
        &[
            "FAIL out/offline_install.bin",
            "made for layout \"sf32lb52x-eh-lb523\"",
            "--layout is \"sf32lb52x-eh-lb525\"",
        ],
    );
    // Without --layout there is nothing to compare with.
    ok(imgtool(d, &["verify", pkg]));
}

fn ftab_build<'a>(length: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "ftab",
        "build",
        "--layout",
        "sf32lb52x-eh-lb523",
        "-o",
        "ft.bin",
    ];
    for l in length {
        v.extend(["--length", l]);
    }
    v
}

#[test]
fn issue16_11_ftab_build_length_refuses_unknown_names_zero_and_oversize() {
    let t = workdir();
    let d = t.path();
    for (length, needles) in [
        (
            &["mian=1000"][..],
            &[
                "has no ftab entry \"mian\"",
                "its entries: bootloader, main, dfu",
            ][..],
        ),
        (&["main=0"][..], &["--length main=0", "copy nothing"][..]),
        (
            &["dfu=0x60001"][..],
            &[
                "--length dfu=393217 (0x60001) is more than region DFU_FLASH_CODE holds \
                 (393216 bytes",
            ][..],
        ),
        (
            &["main=4096", "main=8192"][..],
            &["--length main is given twice"][..],
        ),
    ] {
        expect(d, &ftab_build(length), 2, needles);
        assert!(!d.join("ft.bin").exists(), "{length:?}: written");
    }
    // The region size itself is accepted and lands in the table.
    ok(imgtool(d, &ftab_build(&["dfu=0x60000"])));
    let t = read(&d.join("ft.bin"));
    assert_eq!(t.len(), 11280);
}

/// `ftab build --length` was checked against the entry's storage region only: on the EH-LB525
/// the bootloader is stored in 128 KiB of flash but runs from 64 KiB of RAM, so a length
/// between the two passed and the boot copy would overrun the RAM region.
#[test]
fn regression_ftab_length_must_fit_the_region_the_image_runs_from() {
    let t = workdir();
    let d = t.path();
    let build = |len: &str| {
        let args = [
            "ftab",
            "build",
            "--layout",
            "sf32lb52x-eh-lb525",
            "--length",
            len,
            "-o",
            "ft.bin",
        ];
        imgtool(d, &args)
    };
    let r = build("bootloader=0x10001");
    r.assert_exit(2);
    assert!(
        r.stderr.contains(
            "--length bootloader=65537 (0x10001) is more than the entry's run region \
             FLASH_BOOT_LOADER holds (65536 bytes, 0x10000)"
        ),
        "{}",
        r.text()
    );
    assert!(!d.join("ft.bin").exists());
    ok(build("bootloader=0x10000"));
    // Where the run region is as large as the storage (main), the storage region decides.
    ok(build("main=0x380000"));
}

#[test]
fn issue16_12_cli_compress_overrides_per_image_compress() {
    let t = workdir();
    let d = t.path();
    put(
        d,
        "ota.toml",
        b"[package]\ncompress = \"none\"\n[[image]]\nid = \"hcpu\"\npath = \"hcpu.bin\"\n\
          compress = \"none\"\n",
    );
    ok(imgtool(
        d,
        &[
            "pack",
            "--config",
            "ota.toml",
            "--compress",
            "gzip",
            "-o",
            "out",
        ],
    ));
    let v = inspect_json(d, &["out/offline_install.bin"]);
    assert_eq!(v["images"][0]["flag"], 16, "{v}");
    assert_eq!(v["images"][0]["mode"], "gzip", "{v}");
    // Without --compress the file's per-image choice holds.
    ok(imgtool(d, &["pack", "--config", "ota.toml", "-o", "raw"]));
    let v = inspect_json(d, &["raw/offline_install.bin"]);
    assert_eq!(v["images"][0]["flag"], 0, "{v}");
}

/// ota.toml for `pack --secure` whose [secure] table holds `secure` (after the keys).
fn secure_toml(d: &Path, secure: &str) {
    let toml = format!(
        "layout = \"sf32lb52x-eh-lb523\"\n[[image]]\nid = \"hcpu\"\npath = \"app.elf\"\n\
         [secure]\nroot_key = \"s01.bin\"\nsign_key = \"sig_pri.pem\"\n\
         session_key = \"skey.bin\"\n{secure}"
    );
    put(d, "ota.toml", toml.as_bytes());
}

/// ota.toml's `[secure]` had no way to say what `--device-build`, `--chip` and `--nonce-hash`
/// say, so a project that needed them could not keep its build in the file. Now it has the same
/// keys, relative paths from the file, the command line winning.
#[test]
fn regression_ota_toml_secure_has_device_build_chip_and_nonce_hash() {
    let t = workdir();
    let d = t.path();
    put(d, "dfu.bin", &[0x5A; 700]);
    std::fs::create_dir(d.join("keys")).unwrap();
    put(d, "keys/other_hash.bin", &[0x42; 32]);
    let toml = |images: &str, secure: &str| {
        let text = format!(
            "{images}[secure]\nroot_key = \"s01.bin\"\nsign_key = \"sig_pri.pem\"\n\
             session_key = \"skey.bin\"\n{secure}"
        );
        put(d, "ota.toml", text.as_bytes());
    };
    let with_installer = "layout = \"sf32lb52x-eh-lb523\"\n\
        [[image]]\nid = \"hcpu\"\npath = \"app.elf\"\n\
        [[image]]\nid = \"ota-manager\"\npath = \"dfu.bin\"\n";
    let pack = |out: &str| imgtool(d, &["pack", "--config", "ota.toml", "-o", out]);
    // dfu_id 0 with the installer (id 6): only a lite build takes it.
    toml(with_installer, "");
    let r = pack("a");
    r.assert_exit(2);
    assert!(r.stderr.contains("code-image-ids"), "{}", r.text());
    toml(with_installer, "device_build = [\"lite\"]\n");
    ok(pack("a"));
    let v = [
        "verify",
        "a/ctrl_packet.bin",
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "sig_pub.pem",
    ];
    expect(d, &v, 1, &["device rule code-image-ids"]);
    ok(imgtool(d, &[&v[..], &["--device-build", "lite"]].concat()));
    // chip: id 1 (LCPU) cannot be installed by a 52x build's DFU code.
    let lcpu = "[[image]]\nid = \"lcpu\"\npath = \"hcpu.bin\"\n";
    toml(lcpu, "");
    let r = ok(pack("b"));
    assert!(r.stderr.contains("give --chip"), "{}", r.text());
    toml(lcpu, "chip = \"sf32lb52x\"\n");
    let r = pack("c");
    r.assert_exit(2);
    assert!(r.stderr.contains("not-on-52x"), "{}", r.text());
    let r = ok(imgtool(
        d,
        &[
            "pack",
            "--config",
            "ota.toml",
            "-o",
            "c",
            "--chip",
            "sf32lb56x",
        ],
    ));
    assert!(
        !r.stderr.contains("warning"),
        "the command line wins: {}",
        r.text()
    );
    toml(lcpu, "chip = \"sf32lb99x\"\n");
    expect(
        d,
        &["pack", "--config", "ota.toml", "-o", "e"],
        2,
        &["unknown chip \"sf32lb99x\""],
    );
    // nonce_hash: the nonce comes from that file (relative to ota.toml), so the packet opens
    // with it and not without it.
    toml(
        lcpu,
        "encrypt = true\nnonce_hash = \"keys/other_hash.bin\"\n",
    );
    ok(pack("n"));
    let v = [
        "verify",
        "n/ctrl_packet.bin",
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "sig_pub.pem",
    ];
    ok(imgtool(
        d,
        &[&v[..], &["--nonce-hash", "keys/other_hash.bin"]].concat(),
    ));
    assert_eq!(imgtool(d, &v).code(), 1);
    // The manifest says which hash the nonce came from (and only when it is not the key's).
    let m: serde_json::Value =
        serde_json::from_str(&read_text(&d.join("n/manifest.json"))).unwrap();
    assert_eq!(m["nonce_hash"], "42".repeat(32), "{m}");
    let m: serde_json::Value =
        serde_json::from_str(&read_text(&d.join("a/manifest.json"))).unwrap();
    assert!(m.get("nonce_hash").is_none(), "{m}");
    for out in ["a", "b", "c", "n"] {
        assert!(d.join(out).join("ctrl_packet.bin").exists(), "{out}");
    }
    assert!(!d.join("e").exists());
}

fn ctrl_json(d: &Path, dir: &str) -> serde_json::Value {
    inspect_json(
        d,
        &[
            &format!("{dir}/ctrl_packet.bin"),
            "--root-key",
            "s01.bin",
            "--sig-pub",
            "sig_pub.pem",
        ],
    )
}

#[test]
fn issue16_12_cli_values_equal_to_the_default_override_ota_toml_secure() {
    let t = workdir();
    let d = t.path();
    secure_toml(d, "dfu_id = 1\nbksize = 256\nfw_ver = 9\n");
    ok(imgtool(
        d,
        &[
            "pack", "--config", "ota.toml", "-o", "out", "--dfu_id", "0", "--bksize", "512",
            "--fw_ver", "0",
        ],
    ));
    let m: serde_json::Value =
        serde_json::from_str(&read_text(&d.join("out/manifest.json"))).unwrap();
    assert_eq!(
        (&m["dfu_id"], &m["bksize"], &m["fw_version"]),
        (&0.into(), &512.into(), &0.into()),
        "{m}"
    );
    // The control packet itself says so, not only the manifest.
    let text = ctrl_json(d, "out").to_string();
    assert!(text.contains("\"dfu_id\":0"), "{text}");
    assert!(text.contains("\"fw_version\":0"), "{text}");
    // Not given: the file's values.
    ok(imgtool(d, &["pack", "--config", "ota.toml", "-o", "file"]));
    let text = ctrl_json(d, "file").to_string();
    assert!(text.contains("\"dfu_id\":1"), "{text}");
    assert!(text.contains("\"fw_version\":9"), "{text}");
}

#[test]
fn issue16_12_no_encrypt_and_no_offline_v1_override_ota_toml() {
    let t = workdir();
    let d = t.path();
    // encrypt = true in the file: encrypted records, unless --no-encrypt.
    secure_toml(d, "encrypt = true\n");
    ok(imgtool(d, &["pack", "--config", "ota.toml", "-o", "enc"]));
    let files = files_in(&d.join("enc"));
    assert!(files.contains(&"enccom_hcpu.bin".to_string()), "{files:?}");
    ok(imgtool(
        d,
        &[
            "pack",
            "--config",
            "ota.toml",
            "-o",
            "plain",
            "--no-encrypt",
        ],
    ));
    let files = files_in(&d.join("plain"));
    assert!(files.contains(&"outcom_hcpu.bin".to_string()), "{files:?}");
    assert!(!files.contains(&"enccom_hcpu.bin".to_string()), "{files:?}");
    let text = ctrl_json(d, "plain").to_string();
    assert!(!text.contains("\"flag\":17"), "{text}");
    // Both spellings at once is a contradiction, refused by the parser.
    expect(
        d,
        &[
            "pack",
            "--config",
            "ota.toml",
            "-o",
            "x",
            "--encrypt",
            "--no-encrypt",
        ],
        2,
        &["cannot be used with"],
    );
    // offline_v1 = true in the file: the v1 package too, unless --no-offline-v1.
    secure_toml(d, "offline_v1 = true\n");
    ok(imgtool(d, &["pack", "--config", "ota.toml", "-o", "v1"]));
    assert!(d.join("v1/offline_install.bin").exists());
    ok(imgtool(
        d,
        &[
            "pack",
            "--config",
            "ota.toml",
            "-o",
            "online",
            "--no-offline-v1",
        ],
    ));
    assert!(!d.join("online/offline_install.bin").exists());
    let m = read_text(&d.join("online/manifest.json"));
    assert!(m.contains("\"sifli-secure-online\""), "{m}");
}

#[test]
fn issue16_13_gen_dfu_refuses_a_repeated_stem() {
    let t = workdir();
    let d = t.path();
    expect(
        d,
        &[
            "gen-dfu",
            "--img_para",
            "hcpu",
            "16",
            "0",
            "hcpu",
            "16",
            "1",
            "--key=s01",
            "--sigkey=sig",
            "--session-key",
            "skey.bin",
            "-o",
            "out",
        ],
        2,
        &[
            "stem \"hcpu\" is given twice (triples 1 and 2)",
            "nothing written",
        ],
    );
    assert!(!d.join("out").exists());
    assert!(!d.join("com_hcpu.bin").exists());
}

#[test]
fn issue16_14_bootloader_warning_without_a_layout() {
    let t = workdir();
    let d = t.path();
    std::fs::copy(d.join("hcpu.bin"), d.join("bl.bin")).unwrap();
    let warning = "warning: image bootloader (11) is installed in place over the running \
                   bootloader; the device keeps no second copy, so a power cut during that \
                   install bricks it";
    let runs: [&[&str]; 4] = [
        &["pack", "--image", "bootloader=bl.bin", "-o", "p"],
        &["gen-dfu", "--img_para", "bl", "16", "11", "-o", "g"],
        &[
            "gen-dfu",
            "--img_para",
            "bl",
            "16",
            "11",
            "--key=s01",
            "--sigkey=sig",
            "--session-key",
            "skey.bin",
            "--dfu_id",
            "2",
            "-o",
            "gs",
        ],
        &[
            "pack",
            "--image",
            "bootloader=bl.bin",
            "-o",
            "ps",
            "--secure",
            "--root-key",
            "s01.bin",
            "--sign-key",
            "sig_pri.pem",
            "--dfu_id",
            "2",
        ],
    ];
    for args in runs {
        let r = ok(imgtool(d, args));
        assert!(r.stderr.contains(warning), "{args:?}: {}", r.text());
    }
    // No warning for an app.
    let r = ok(imgtool(
        d,
        &["gen-dfu", "--img_para", "hcpu", "16", "0", "-o", "a"],
    ));
    assert!(!r.stderr.contains("warning"), "{}", r.text());
}

#[test]
fn issue16_15_verify_accepts_a_package_followed_by_erased_flash() {
    let t = workdir();
    let d = t.path();
    ok(imgtool(d, &pack_args("out", &[])));
    let mut flash = read(&d.join("out/offline_install.bin"));
    flash.resize(flash.len() + 4096, 0xFF);
    put(d, "flash.bin", &flash);
    let r = expect(
        d,
        &["verify", "flash.bin", "--layout", "sf32lb52x-eh-lb523"],
        0,
        &["OK flash.bin", "signature: none", "all 0xff (erased flash)"],
    );
    assert!(!r.text().contains("FAIL"), "{}", r.text());
    let v = inspect_json(d, &["flash.bin"]);
    assert!(v["trailer"].is_null(), "{}", v["trailer"]);
    // The device agrees: simulate installs it.
    ok(imgtool(
        d,
        &["simulate", "flash.bin", "--layout", "sf32lb52x-eh-lb523"],
    ));
    // Other bytes there are still a malformed trailer.
    let mut other = read(&d.join("out/offline_install.bin"));
    other.extend_from_slice(&[0xFF, 0xFF, 0x00, 0xFF]);
    put(d, "other.bin", &other);
    expect(d, &["verify", "other.bin"], 1, &["signature trailer"]);
}

/// Item 15 covered an unsigned package; a signed one read back from flash still failed verify
/// ("N more bytes" after trailer_len), though the device reads only the body.
#[test]
fn regression_verify_accepts_a_signed_package_followed_by_erased_flash() {
    let t = workdir();
    let d = t.path();
    let key = read(&testdata("sign/openssl-ed25519.pem"));
    put(d, "k.pem", &key);
    std::fs::copy(
        testdata("sign/openssl-ed25519.pub.pem"),
        d.join("k.pub.pem"),
    )
    .unwrap();
    ok(imgtool(d, &pack_args("out", &["--sign", "k.pem"])));
    let pkg = read(&d.join("out/offline_install.bin"));
    let mut flash = pkg.clone();
    flash.resize(pkg.len() + 4096, 0xFF);
    put(d, "flash.bin", &flash);
    let verify = [
        "verify",
        "flash.bin",
        "--key",
        "k.pub.pem",
        "--require-signature",
    ];
    let r = expect(d, &verify, 0, &["OK flash.bin", "signature: OK"]);
    assert!(!r.text().contains("FAIL"), "{}", r.text());
    let v = inspect_json(d, &["flash.bin"]);
    let own = v["trailer"]["len"].as_u64().unwrap();
    assert_eq!(v["trailer"]["erased_after"], 4096, "{}", v["trailer"]);
    assert_eq!(
        v["trailer"]["offset"].as_u64().unwrap() + own,
        pkg.len() as u64
    );
    let r = ok(imgtool(d, &["inspect", "flash.bin"]));
    assert!(
        r.stdout.contains("then 4096 bytes of erased flash (0xff)"),
        "{}",
        r.stdout
    );
    // A byte other than 0xFF after the trailer is still refused.
    let mut other = pkg.clone();
    other.extend_from_slice(&[0x00, 0xFF]);
    put(d, "other.bin", &other);
    expect(
        d,
        &["verify", "other.bin", "--key", "k.pub.pem"],
        1,
        &["1 more bytes"],
    );
}

#[test]
fn issue16_16_rsa_key_errors_say_what_the_file_is() {
    let t = workdir();
    let d = t.path();
    put(d, "empty.pem", b"");
    put(d, "garbage.pem", &[0u8, 1, 2, 3, 0xFF, 0x80, 7]);
    // An ed25519 key (PKCS#8) under an RSA label, and an EC key (SEC1).
    let ed = read(&testdata("sign/openssl-ed25519.pem"));
    let ed = String::from_utf8(ed).unwrap();
    put(
        d,
        "ed_as_rsa.pem",
        ed.replace("PRIVATE KEY", "RSA PRIVATE KEY").as_bytes(),
    );
    put(
        d,
        "ec.pem",
        // A throwaway P-256 key made for this test (openssl ecparam -genkey).
        b"-----BEGIN EC PRIVATE KEY-----\n\
MHcCAQEEIMtGfD77ZQkgwEONryLDKblWK6lXWlDJa335AXDyxqTUoAoGCCqGSM49\n\
AwEHoUQDQgAEVht1U/iAf+VxBL4biFtb0tf3E8nOlC2iiSbLbJjmz9MmquuuyIoo\n\
taZq+i74EBdD1gHUoqqHWjvHnAdJokP65g==\n\
-----END EC PRIVATE KEY-----\n",
    );
    let pack = |key: &'static str| {
        let mut v = pack_args("out", &["--secure", "--root-key", "s01.bin", "--sign-key"]);
        v.push(key);
        v
    };
    for (key, says, never) in [
        ("empty.pem", "empty.pem: the file is empty", "PEM preamble"),
        (
            "garbage.pem",
            "garbage.pem: not a PEM key file: no -----BEGIN line",
            "NUL byte",
        ),
        (
            "ed_as_rsa.pem",
            "ed_as_rsa.pem: this is an ed25519 key",
            "relabel",
        ),
        (
            "ec.pem",
            "ec.pem: this is an EC (ECDSA) key",
            "is not a private key",
        ),
    ] {
        let r = expect(d, &pack(key), 2, &[says]);
        assert!(!r.text().contains(never), "{key}: {}", r.text());
    }
    // The ed25519 path names the label mix-up instead of calling it an RSA key.
    let r = expect(
        d,
        &pack_args("out", &["--sign", "ed_as_rsa.pem"]),
        2,
        &[
            "contents are an ed25519 key",
            "relabel it -----BEGIN PRIVATE KEY-----",
        ],
    );
    assert!(!r.text().contains("this is an RSA key"), "{}", r.text());
    assert!(!d.join("out").exists());
}

#[test]
fn issue16_16_dec_with_the_wrong_key_names_the_key_not_the_blksize() {
    let t = workdir();
    let d = t.path();
    put(d, "other.bin", &[0x5Au8; 32]);
    ok(imgtool(
        d,
        &[
            "enc",
            "--img",
            "hcpu.bin",
            "--eimg",
            "sec.bin",
            "--key=s01",
            "--sigkey=sig",
            "--session-key",
            "skey.bin",
        ],
    ));
    let r = expect(
        d,
        &["dec", "--eimg", "sec.bin", "--key=other", "--sigkey=sig"],
        1,
        &[
            "header SHA-256 mismatch",
            "does not decrypt with this root key (--key) and public key (--sigkey",
        ],
    );
    assert!(!r.text().contains("blksize"), "{}", r.text());
}

#[test]
fn issue16_16_commands_that_suggest_force_have_it() {
    let t = workdir();
    let d = t.path();
    ok(imgtool(d, &["keygen", "-o", "ed.pem"]));
    let key = read(&d.join("ed.pem"));
    // enc: --eimg over a key is refused with the hint, and --force does what the hint says.
    let enc = |extra: &[&'static str]| {
        let mut v = vec![
            "enc",
            "--img",
            "hcpu.bin",
            "--eimg",
            "ed.pem",
            "--key=s01",
            "--sigkey=sig",
        ];
        v.extend_from_slice(extra);
        v
    };
    expect(d, &enc(&[]), 2, &["holds a private key", "--force"]);
    assert_eq!(read(&d.join("ed.pem")), key);
    ok(imgtool(d, &enc(&["--force"])));
    assert_ne!(read(&d.join("ed.pem")), key);
    // dec --img and unpack's files accept --force too.
    ok(imgtool(d, &["keygen", "-o", "ed.pem", "--force"]));
    let args = [
        "dec",
        "--eimg",
        "ed.pem",
        "--img",
        "x",
        "--key=s01",
        "--sigkey=sig",
    ];
    let r = imgtool(d, &args);
    assert!(!r.text().contains("unexpected argument"), "{}", r.text());
    let mut forced = args.to_vec();
    forced.push("--force");
    let r = imgtool(d, &forced);
    assert!(
        !r.text().contains("unexpected argument '--force'"),
        "{}",
        r.text()
    );
    ok(imgtool(d, &pack_args("pk", &[])));
    std::fs::create_dir(d.join("un")).unwrap();
    std::fs::copy(d.join("ed.pem"), d.join("un/0-hcpu.bin")).unwrap();
    // getpub of an RSA key honours its --force (it refused even with it).
    std::fs::copy(d.join("ed.pem"), d.join("victim.pem")).unwrap();
    let gp = ["getpub", "sig_pri.pem", "-o", "victim.pem"];
    expect(d, &gp, 2, &["holds a private key", "--force"]);
    let mut forced = gp.to_vec();
    forced.push("--force");
    ok(imgtool(d, &forced));
    assert!(read_text(&d.join("victim.pem")).starts_with("-----BEGIN PUBLIC KEY-----"));
    let un = ["unpack", "pk/offline_install.bin", "-o", "un"];
    expect(d, &un, 2, &["holds a private key", "--force"]);
    let mut forced = un.to_vec();
    forced.push("--force");
    ok(imgtool(d, &forced));
}

#[cfg(unix)]
#[test]
fn issue16_16_non_utf8_image_argument_is_named() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let t = workdir();
    let d = t.path();
    let run = |image: &[u8]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_imgtool"))
            .current_dir(d)
            .args([OsStr::new("pack"), OsStr::new("--image")])
            .arg(OsStr::from_bytes(image))
            .args(["-o", "out"])
            .output()
            .unwrap()
    };
    // A non-UTF-8 ID: refused, naming --image.
    let o = run(b"hcpu\xff=hcpu.bin");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("for '--image <ID=PATH>'") && err.contains("is not valid UTF-8"),
        "{err}"
    );
    // A non-UTF-8 file name is a file name: packed.
    std::fs::copy(
        d.join("hcpu.bin"),
        d.join(OsStr::from_bytes(b"hcpu\xff.bin")),
    )
    .unwrap();
    let o = run(b"hcpu=hcpu\xff.bin");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn issue16_16_pack_and_inspect_say_which_size_is_which() {
    let t = workdir();
    let d = t.path();
    put(d, "dfu.bin", &[0x42u8; 172]);
    let r = ok(imgtool(
        d,
        &[
            "pack",
            "--image",
            "hcpu=hcpu.bin",
            "--image",
            "dfu=dfu.bin",
            "-o",
            "out",
        ],
    ));
    assert!(
        r.stdout
            .contains("ota-manager (6) 172 bytes raw, 176 installed"),
        "{}",
        r.stdout
    );
    let r = ok(imgtool(d, &["inspect", "out/offline_install.bin"]));
    assert!(r.stdout.contains(" installed "), "{}", r.stdout);
    assert!(
        r.stdout.contains("installed: the bytes the device writes"),
        "{}",
        r.stdout
    );
    let row = r
        .stdout
        .lines()
        .find(|l| l.starts_with("1 "))
        .expect("row of image 1");
    assert!(row.split_whitespace().any(|w| w == "176"), "{row}");
}

#[test]
fn issue16_17_force_overwrites_keys_and_allow_large_pksize_allows_pksize() {
    let t = workdir();
    let d = t.path();
    put(d, "big.bin", &vec![0x11u8; 300_000]);
    // --force no longer accepts a large pksize...
    expect(
        d,
        &[
            "pack",
            "--image",
            "hcpu=big.bin",
            "--pksize",
            "98304",
            "--force",
            "-o",
            "a",
        ],
        2,
        &["pksize 98304 is above 65536 bytes", "--allow-large-pksize"],
    );
    assert!(!d.join("a").exists());
    // ...--allow-large-pksize does, with the heap warning naming it...
    expect(
        d,
        &[
            "pack",
            "--image",
            "hcpu=big.bin",
            "--pksize",
            "98304",
            "--allow-large-pksize",
            "-o",
            "b",
        ],
        0,
        &["(--allow-large-pksize): the device's installer needs"],
    );
    // ...and does not allow replacing a key.
    ok(imgtool(d, &["keygen", "-o", "key.pem"]));
    std::fs::create_dir(d.join("k")).unwrap();
    std::fs::copy(d.join("key.pem"), d.join("k/manifest.json")).unwrap();
    let key = read(&d.join("key.pem"));
    expect(
        d,
        &[
            "pack",
            "--image",
            "hcpu=big.bin",
            "--pksize",
            "98304",
            "--allow-large-pksize",
            "-o",
            "k",
        ],
        2,
        &["holds a private key"],
    );
    assert_eq!(read(&d.join("k/manifest.json")), key);
    // gen-dfu: the same option.
    expect(
        d,
        &[
            "gen-dfu",
            "--img_para",
            "big",
            "16",
            "0",
            "--pksize",
            "98304",
            "--allow-large-pksize",
            "-o",
            "g",
        ],
        0,
        &[],
    );
}

/// `--chip` and `--device-build` were taken by inspect and unpack, and by verify of an offline
/// package v2, and did nothing there. They are now options only where they act.
#[test]
fn regression_device_target_options_exist_only_where_they_act() {
    let t = workdir();
    let d = t.path();
    ok(imgtool(d, &pack_args("out", &[])));
    let pkg = "out/offline_install.bin";
    for cmd in ["inspect", "unpack"] {
        for opt in [
            &["--chip", "sf32lb52x"][..],
            &["--device-build", "lite"][..],
        ] {
            let r = imgtool(d, &[&[cmd, pkg][..], opt].concat());
            r.assert_exit(2);
            assert!(
                r.stderr.contains("unexpected argument"),
                "{cmd} {opt:?}: {}",
                r.text()
            );
        }
    }
    expect(
        d,
        &["verify", pkg, "--chip", "sf32lb52x"],
        2,
        &["--chip: the device rules they select are those of the secure flow"],
    );
    // Where they act, they still do: verify of a control packet.
    ok(imgtool(d, &pack_args("sec", SECURE)));
    let v = [
        "verify",
        "sec/ctrl_packet.bin",
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "sig_pub.pem",
    ];
    ok(imgtool(
        d,
        &[&v[..], &["--chip", "sf32lb52x", "--device-build", "lite"]].concat(),
    ));
}

/// `pack --secure` checked the 52x rule only with `--chip`, so with a layout naming its chip it
/// still warned "give --chip"; it takes the layout's chip now (as verify does), `--chip` wins.
#[test]
fn regression_pack_secure_takes_the_layout_chip() {
    let t = workdir();
    let d = t.path();
    // A 56x board with an LCPU region (id 1 is installable there and legal on that chip).
    let mut board = read_text(&root().join("layouts/sf32lb56x-eh-lb561.toml"));
    board.push_str(
        "\n[[region]]\ntags = [\"LCPU_FLASH_CODE\"]\nmemory = \"flash3\"\n\
         offset = \"0x00608000\"\nsize = \"0x00080000\"\n",
    );
    put(d, "board56.toml", board.as_bytes());
    let pack = |out: &str, extra: &[&str]| {
        let base = [
            "pack",
            "--image",
            "lcpu=hcpu.bin",
            "--layout",
            "board56.toml",
            "-o",
            out,
        ];
        imgtool(d, &[&base[..], SECURE, extra].concat())
    };
    let r = ok(pack("a", &[]));
    assert!(!r.stderr.contains("warning"), "{}", r.text());
    let r = pack("b", &["--chip", "sf32lb52x"]);
    r.assert_exit(2);
    assert!(r.stderr.contains("device rule not-on-52x"), "{}", r.text());
    assert!(!d.join("b").exists());
}
