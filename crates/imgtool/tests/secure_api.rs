//! The secure flow as a library (`imgtool::secure`, issue 18): a control packet and its
//! record files made from code, without the CLI, are byte for byte what `imgtool gen-dfu`
//! writes for the same inputs (and the goldens its CLI test pins), and `imgtool verify`
//! passes them. Keys: the SDK's sifli02 development set, a fixed session key.

use imgtool::pack::{plan_package, Compression, ImageSpec, InputFormat, PackConfig, PackOptions};
use imgtool::secure::{
    check_device, detect, plan_secure, verify_ctrl, write_secure, ArtifactKind, DeviceTarget,
    KeyFiles, SecureBuild, SecureConfig, SecureFlowError, SecureImage, SecureKeys, SecurePlan,
};
use layout::ImageId;
use secure::ctrl::{FLAG_COMPRESS, FLAG_ENC};
use secure::online::OnlineParams;
use secure::rules::DeviceBuild;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// The inputs of the CLI test's golden set (tests/cli/secure.rs, `vendor_dir`).
fn vendor_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for f in ["s01.bin", "sig_pri.pem", "sig_pub.pem", "sig_hash.bin"] {
        std::fs::copy(
            repo(&format!("testdata/secure/keys/sifli02/{f}")),
            d.path().join(f),
        )
        .unwrap();
    }
    let hcpu: Vec<u8> = (0..5000u32)
        .map(|i| (i * 7 % 251) as u8 ^ (i >> 8) as u8)
        .collect();
    std::fs::write(d.path().join("hcpu.bin"), hcpu).unwrap();
    std::fs::copy(
        repo("testdata/examples/sf32lb52x-eh-lb523/app.c"),
        d.path().join("dfu.bin"),
    )
    .unwrap();
    std::fs::write(d.path().join("skey.bin"), (0u8..32).collect::<Vec<_>>()).unwrap();
    d
}

/// `(stem, flag, id)` of `gen-dfu --img_para hcpu 17 0 dfu 0 6`.
const IMAGES: [(&str, u16, u8); 2] = [("hcpu", FLAG_COMPRESS | FLAG_ENC, 0), ("dfu", 0, 6)];

fn key_files(dir: &Path) -> KeyFiles {
    KeyFiles {
        root: dir.join("s01.bin"),
        signer: dir.join("sig_pri.pem").into(),
        sig_hash: Some(dir.join("sig_hash.bin")),
        session: Some(dir.join("skey.bin")),
        nonce_hash: None,
        passphrase: None,
    }
}

/// The golden set planned in code: `pack` compresses (`--com_type=1`), `secure` seals.
fn plan_in_code(dir: &Path) -> SecurePlan {
    let codec = ezip::Mode::from_com_type(1).unwrap();
    let specs = IMAGES
        .iter()
        .map(|(stem, flag, id)| ImageSpec {
            id: ImageId(*id),
            path: dir.join(format!("{stem}.bin")),
            compression: Some(if flag & FLAG_COMPRESS != 0 {
                Compression::Codec(codec)
            } else {
                Compression::None
            }),
            format: InputFormat::Bin,
        })
        .collect();
    let planned = plan_package(&PackConfig {
        layout: None,
        images: specs,
        options: PackOptions {
            compression: Compression::Codec(codec),
            ..PackOptions::default()
        },
    })
    .unwrap();
    let images = IMAGES
        .iter()
        .zip(planned.plan.images())
        .map(|((stem, flag, id), p)| SecureImage {
            stem: stem.to_string(),
            flag: *flag,
            img_id: *id,
            payload: p.payload.clone(),
        })
        .collect();
    let config = SecureConfig {
        images,
        build: SecureBuild {
            params: OnlineParams {
                // Image id 6 under dfu_id 0: an OTA_NOR_OTA_MANAGER_LITE device.
                device_build: DeviceBuild {
                    ota_manager_lite: true,
                    ..DeviceBuild::default()
                },
                ..OnlineParams::default()
            },
            ..SecureBuild::default()
        },
        offline_v1: false,
    };
    let keys = SecureKeys::load(&key_files(dir)).unwrap();
    plan_secure(&config, &keys).unwrap()
}

fn imgtool(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_imgtool"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_plan_made_in_code_is_what_gen_dfu_writes_and_verifies() {
    let d = vendor_dir();
    let plan = plan_in_code(d.path());
    let names: Vec<String> = plan
        .artifacts
        .iter()
        .map(|a| a.path.display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "com_hcpu.bin",
            "enccom_hcpu.bin",
            "outdfu.bin",
            "ctrl_packet.bin",
            "enc_header.txt"
        ]
    );
    // The goldens the CLI test pins.
    let gold = repo("testdata/secure/golden/cli");
    for f in ["ctrl_packet.bin", "enccom_hcpu.bin", "outdfu.bin"] {
        let a = plan.artifacts.iter().find(|a| a.path == Path::new(f));
        assert_eq!(
            a.unwrap().bytes,
            std::fs::read(gold.join(f)).unwrap(),
            "{f}"
        );
    }
    // And every file the CLI writes for the same command line, byte for byte.
    let cli = d.path().join("cli");
    std::fs::create_dir(&cli).unwrap();
    let out = imgtool(
        d.path(),
        &[
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
            "--device-build",
            "lite",
            "-o",
            "cli",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    for a in &plan.artifacts {
        let written = std::fs::read(cli.join(&a.path)).unwrap();
        assert_eq!(written, a.bytes, "{}", a.path.display());
    }
    assert_eq!(
        std::fs::read_dir(&cli).unwrap().count(),
        plan.artifacts.len(),
        "the CLI writes exactly the planned files"
    );

    // Written by the library, then verified by the CLI.
    let lib = d.path().join("lib");
    let inputs = [d.path().join("hcpu.bin"), d.path().join("s01.bin")];
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    write_secure(&plan, &lib, &inputs, false).unwrap();
    for f in ["s01.bin", "sig_pub.pem"] {
        std::fs::copy(d.path().join(f), lib.join(f)).unwrap();
    }
    let out = imgtool(
        &lib,
        &[
            "verify",
            "ctrl_packet.bin",
            "--root-key",
            "s01.bin",
            "--sig-pub",
            "sig_pub.pem",
            "--device-build",
            "lite",
            "--record",
            "0=enccom_hcpu.bin",
            "--record",
            "dfu=outdfu.bin",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout
            .contains("OK ctrl_packet.bin: control packet with 2 images verifies; 2 record files"),
        "{stdout}"
    );
    // And verified by the library: every hash, signature and device rule.
    let bytes = |f: &str| std::fs::read(lib.join(f)).unwrap();
    let ctrl = bytes("ctrl_packet.bin");
    assert_eq!(detect(&ctrl, false), Some(ArtifactKind::Ctrl));
    let root = secure::RootKey::from_bytes(&bytes("s01.bin"), "s01.bin").unwrap();
    let verifier =
        secure::VerifyingKey::from_file_bytes(&bytes("sig_pub.pem"), "sig_pub.pem").unwrap();
    let (hcpu, dfu) = (bytes("enccom_hcpu.bin"), bytes("outdfu.bin"));
    let records: [(u8, &[u8]); 2] = [(0, &hcpu), (6, &dfu)];
    let lite = DeviceTarget {
        build: DeviceBuild {
            ota_manager_lite: true,
            ..DeviceBuild::default()
        },
        chip: Some(layout::Chip::Sf32lb52x),
    };
    let (set, warning) = verify_ctrl(&ctrl, &records, &root, &verifier, lite).unwrap();
    assert!(set.ok() && warning.is_none(), "{:?}", set.ctrl.findings.0);
    // Without the lite build, id 6 under dfu_id 0 is a finding of the control packet.
    let plain = DeviceTarget {
        chip: lite.chip,
        ..DeviceTarget::default()
    };
    let (set, _) = verify_ctrl(&ctrl, &records, &root, &verifier, plain).unwrap();
    assert!(!set.ok());
    // Same inputs, same keys: the same plan.
    assert_eq!(plan_in_code(d.path()), plan);
}

#[test]
fn library_errors_are_typed() {
    let d = vendor_dir();
    std::fs::write(d.path().join("sig_hash.bin"), [0u8; 32]).unwrap();
    let err = SecureKeys::load(&key_files(d.path())).err().unwrap();
    match &err {
        SecureFlowError::SigHashMismatch { sig_hash, expected } => {
            assert_eq!(sig_hash, &d.path().join("sig_hash.bin"));
            let want = std::fs::read(repo("testdata/secure/keys/sifli02/sig_hash.bin")).unwrap();
            assert_eq!(expected[..], want[..8]);
        }
        other => panic!("{other:?}"),
    }
    let files = KeyFiles {
        root: d.path().join("missing.bin"),
        ..key_files(d.path())
    };
    assert!(matches!(
        SecureKeys::load(&files),
        Err(SecureFlowError::File(_))
    ));
}

#[test]
fn the_device_rules_are_checked_before_any_input_is_read() {
    let ids: Vec<(u8, u16)> = IMAGES.iter().map(|(_, flag, id)| (*id, *flag)).collect();
    let chip = Some(layout::Chip::Sf32lb52x);
    let plain = DeviceTarget {
        chip,
        ..DeviceTarget::default()
    };
    assert!(matches!(
        check_device(0, &ids, plain),
        Err(SecureFlowError::DeviceRule(_))
    ));
    let lite = DeviceTarget {
        build: DeviceBuild {
            ota_manager_lite: true,
            ..DeviceBuild::default()
        },
        chip,
    };
    assert_eq!(check_device(0, &ids, lite).unwrap(), None);
}
