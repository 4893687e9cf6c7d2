//! Issue 17: what the device's online DFU code (`sol/dfu_ctrl_sol.c` @ d9313ba6) rejects
//! beyond the format, refused by the writer and reported by `check_device_rules`; and the
//! explicit nonce hash of a chip with an unprogrammed efuse and a custom key in its flash table.

use crate::common::*;
use secure::online::{build_online, open_online, BuildKeys, OnlineImage, OnlineParams};
use secure::rules::{check_device_rules, Chip, DeviceBuild, DeviceRule};
use secure::{NonceHash, SigningKey, VerifyingKey};

fn img(img_id: u8, flag: u16) -> OnlineImage {
    OnlineImage {
        img_id,
        flag,
        data: image(100, u32::from(img_id)),
    }
}

fn build_err(images: &[OnlineImage], p: OnlineParams) -> String {
    with_keys(|k| build_online(images, &p, k))
        .map(|_| ())
        .expect_err("the device rejects this set")
        .to_string()
}

fn builds(images: &[OnlineImage], p: OnlineParams) -> bool {
    with_keys(|k| build_online(images, &p, k)).is_ok()
}

fn dfu(dfu_id: u8) -> OnlineParams {
    OnlineParams {
        dfu_id,
        ..OnlineParams::default()
    }
}

const LITE: DeviceBuild = DeviceBuild {
    ota_manager_lite: true,
    section_change: false,
};
const SECTION: DeviceBuild = DeviceBuild {
    ota_manager_lite: false,
    section_change: true,
};

#[test]
fn issue17_1_ota_manager_refuses_encrypted_images() {
    for flag in [1, 17] {
        let e = build_err(&[img(6, flag)], dfu(2));
        assert!(
            e.contains("ota-manager-unencrypted")
                && e.contains("sol/dfu_ctrl_sol.c:2137-2212")
                && e.contains(&format!("flag {flag}")),
            "{e}"
        );
    }
    assert!(builds(&[img(6, 16), img(11, 0)], dfu(2)));
    // dfu_id 0 loads the session key: encryption is fine there.
    assert!(builds(&[img(0, 17)], dfu(0)));
    assert_eq!(
        check_device_rules(2, &[(11, 1)], DeviceBuild::default(), None),
        vec![DeviceRule::OtaManagerEncrypted {
            index: 0,
            img_id: 11,
            flag: 1
        }]
    );
}

#[test]
fn issue17_2_ota_manager_takes_only_ids_6_and_11_and_at_most_two() {
    for id in [0u8, 1, 3, 9] {
        let e = build_err(&[img(id, 16)], dfu(2));
        assert!(
            e.contains("ota-manager-ids") && e.contains(":309-316, :2140-2143"),
            "{e}"
        );
    }
    let e = build_err(&[img(6, 16), img(11, 16), img(3, 16)], dfu(2));
    assert!(
        e.contains("ota-manager-count")
            && e.contains("3 images under dfu_id 2")
            && e.contains("dfu_internal.h:83,340,473")
            && e.contains(":1050"),
        "{e}"
    );
    let rules = check_device_rules(2, &[(6, 0), (11, 0), (3, 0)], DeviceBuild::default(), None);
    assert_eq!(
        rules,
        vec![
            DeviceRule::OtaManagerCount { count: 3 },
            DeviceRule::OtaManagerImageId {
                index: 2,
                img_id: 3
            }
        ]
    );
    // The field each rule is about: img_count, then the third entry's img_id.
    assert_eq!(rules[0].plain_offset(), 49);
    assert_eq!(rules[1].plain_offset(), 50 + 2 * 263 + 262);
    // No device build option lifts the OTA-manager rules.
    assert!(!builds(
        &[img(0, 16)],
        OnlineParams {
            device_build: SECTION,
            ..dfu(2)
        }
    ));
}

#[test]
fn issue17_3_code_flow_refuses_ids_6_9_11_unless_the_device_build_takes_them() {
    for dfu_id in [0, 1] {
        for id in [6u8, 9, 11] {
            let e = build_err(&[img(0, 16), img(id, 16)], dfu(dfu_id));
            assert!(
                e.contains("code-image-ids")
                    && e.contains(&format!("image 1 has id {id}"))
                    && e.contains("DFU_ERR_PARAMETER_INVALID")
                    && e.contains(":827"),
                "{e}"
            );
        }
    }
    let lite = OnlineParams {
        device_build: LITE,
        ..dfu(0)
    };
    assert!(builds(&[img(0, 16), img(6, 16)], lite));
    assert!(build_err(&[img(11, 16)], lite).contains("--device-build section-change"));
    assert!(!builds(&[img(9, 16)], lite));
    let section = OnlineParams {
        device_build: SECTION,
        ..dfu(1)
    };
    for id in [6u8, 9, 11] {
        assert!(builds(&[img(id, 16)], section), "id {id}");
    }
    // The other ids stay accepted by default.
    for id in [0u8, 1, 2, 3, 4, 5, 7, 8] {
        assert!(builds(&[img(id, 16)], dfu(0)), "id {id}");
    }
}

#[test]
fn issue17_4_52x_refuses_lcpu_and_patch_ids() {
    let on = |chip| OnlineParams {
        chip: Some(chip),
        ..dfu(0)
    };
    for id in [1u8, 2] {
        let e = build_err(&[img(0, 16), img(id, 16)], on(Chip::Sf32lb52x));
        assert!(
            e.contains("not-on-52x") && e.contains(":774-785") && e.contains("image 1 has id"),
            "{e}"
        );
        assert!(builds(&[img(id, 16)], on(Chip::Sf32lb56x)));
        assert!(builds(&[img(id, 16)], dfu(0)), "unknown chip: not refused");
        let w = secure::rules::unchecked_chip_warning(0, &[(id, 16)], DeviceBuild::default(), None)
            .expect("a warning without a chip");
        assert!(w.contains("give --chip"), "{w}");
    }
    assert!(builds(&[img(0, 16), img(3, 16)], on(Chip::Sf32lb52x)));
    assert_eq!(Chip::from_name("SF32LB52x"), Some(Chip::Sf32lb52x));
    assert!(builds(
        &[img(1, 16)],
        OnlineParams {
            device_build: SECTION,
            ..on(Chip::Sf32lb52x)
        }
    ));
}

fn custom_signer() -> SigningKey {
    SigningKey::from_pem(&read("secure/keys/custom/sig_pri.pem"), "custom").unwrap()
}

/// A device with an unprogrammed efuse (development root key and signature-key hash) and a
/// custom RSA key in its flash table: the files are signed with the custom key, but their
/// AES-CTR nonce is the development hash's. Checked with openssl, not imgtool's CTR code.
#[test]
fn issue17_5_nonce_hash_for_an_unprogrammed_efuse_with_a_custom_key() {
    let dev_hash = NonceHash::from_bytes(&sifli02("sig_hash.bin"), "sig_hash.bin").unwrap();
    let signer = custom_signer();
    let (root, session) = (root(), session());
    let keys = BuildKeys {
        root: &root,
        signer: &signer,
        session_key: &session,
        nonce_hash: Some(&dev_hash),
    };
    let input = [img(0, 17)];
    let dfu = build_online(&input, &dfu(0), &keys).unwrap();
    let custom = signer.verifying_key();
    assert_ne!(custom.nonce().unwrap(), dev_hash.nonce());
    let recs = [(0u8, dfu.images[0].file.as_slice())];
    // Verified with the custom key and the development nonce: every check holds.
    let with = custom.clone().with_nonce_hash(dev_hash);
    let set = open_online(&dfu.ctrl, &recs, &root, &with).unwrap();
    assert!(set.ok(), "{set:?}");
    // With the custom key's own nonce the control packet does not decrypt.
    assert!(open_online(&dfu.ctrl, &recs, &root, &custom).map_or(true, |s| !s.ok()));
    // openssl: the control packet body decrypts with the development hash as nonce.
    let body = &dfu.ctrl[32..dfu.ctrl.len() - 256];
    let iv = format!("{}0000000000000000", hex(&dev_hash.nonce()));
    if let Some(plain) = openssl_ctr(&sifli02("s01.bin"), &iv, body) {
        assert_eq!(plain, dfu.ctrl_plain);
        let pubkey =
            VerifyingKey::from_file_bytes(&read("secure/keys/custom/sig_pub.pem"), "p").unwrap();
        assert!(pubkey.verify(&plain, &dfu.ctrl[dfu.ctrl.len() - 256..]));
    }
    assert!(NonceHash::from_bytes(&[0; 8], "short.bin")
        .unwrap_err()
        .to_string()
        .contains("nonce hash short.bin: expected 32 bytes"));
}
