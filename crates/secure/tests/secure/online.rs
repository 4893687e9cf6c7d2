//! The online set (control packet + record files): golden bytes with the sifli02 keys and a
//! fixed session key, an independent check through openssl, every byte flip, refused sets.

use crate::common::*;
use secure::online::{build_online, open_online, OnlineDfu, OnlineImage, OnlineParams};
use secure::record::RECORD_HEADER_LEN;

/// Four images covering flags 17, 16, 0 and 1, lengths not multiples of 16 or of bksize.
pub fn images() -> Vec<OnlineImage> {
    [
        (0u8, 17u16, 2000usize),
        (1, 16, 777),
        (3, 0, 600),
        (6, 1, 1000),
    ]
    .iter()
    .map(|&(img_id, flag, len)| OnlineImage {
        img_id,
        flag,
        data: image(len, u32::from(img_id)),
    })
    .collect()
}

/// dfu_id 0 (CODE) for a device built with `OTA_NOR_OTA_MANAGER_LITE`, which takes image id 6
/// under it (`sol/dfu_ctrl_sol.c:822`); dfu_id 2 would refuse ids 0, 1, 3, encrypted images
/// and more than 2 images (`secure::rules`).
pub fn params() -> OnlineParams {
    OnlineParams {
        dfu_id: 0,
        device_build: secure::rules::DeviceBuild {
            ota_manager_lite: true,
            section_change: false,
        },
        hw_version: 1,
        sdk_version: 0,
        fw_version: 0x0001_0203,
        ..OnlineParams::default()
    }
}

pub fn build(images: &[OnlineImage]) -> OnlineDfu {
    with_keys(|k| build_online(images, &params(), k).unwrap())
}

fn opened_ok(dfu: &OnlineDfu, ids: &[u8]) -> bool {
    let recs: Vec<(u8, &[u8])> = ids
        .iter()
        .copied()
        .zip(dfu.images.iter().map(|i| i.file.as_slice()))
        .collect();
    match open_online(&dfu.ctrl, &recs, &root(), &verifier()) {
        Ok(set) => set.ok(),
        Err(_) => false,
    }
}

#[test]
fn golden_set_with_the_sdk_development_keys() {
    let dfu = build(&images());
    assert_eq!(dfu.ctrl.len(), 338 + 263 * 4);
    golden("online/ctrl_packet.bin", &dfu.ctrl);
    for (im, name) in dfu.images.iter().zip([
        "enccom_hcpu.bin",
        "outcom_lcpu.bin",
        "outres.bin",
        "encota.bin",
    ]) {
        golden(&format!("online/{name}"), &im.file);
    }
}

#[test]
fn the_set_opens_and_gives_back_the_padded_images() {
    let input = images();
    let dfu = build(&input);
    let recs: Vec<(u8, &[u8])> = input
        .iter()
        .map(|i| i.img_id)
        .zip(dfu.images.iter().map(|i| i.file.as_slice()))
        .collect();
    let set = open_online(&dfu.ctrl, &recs, &root(), &verifier()).unwrap();
    assert!(set.ok(), "{:?}", set);
    assert_eq!(set.ctrl.packet.session_key.as_bytes(), session().as_bytes());
    assert_eq!(set.ctrl.packet.blk_size, 512);
    for ((id, img), want) in set.images.iter().zip(&input) {
        assert_eq!(*id, want.img_id);
        assert_eq!(img.plain, secure::online::aligned(&want.data, true));
    }
    // 2000 bytes: 4 records (512, 512, 512, 464).
    assert_eq!(dfu.images[0].file.len(), 2000 + 4 * RECORD_HEADER_LEN);
    assert_eq!(dfu.images[0].length, 2000);
    assert_eq!(dfu.images[1].length, 784);
}

/// The control packet and an encrypted record decrypted and checked by openssl alone.
#[test]
fn openssl_decrypts_and_verifies_what_we_wrote() {
    let input = images();
    let dfu = build(&input);
    let nonce = hex(&sifli02("sig_hash.bin")[..8]);
    let body = &dfu.ctrl[32..dfu.ctrl.len() - 256];
    let iv0 = format!("{nonce}0000000000000000");
    let Some(plain) = openssl_ctr(&sifli02("s01.bin"), &iv0, body) else {
        return;
    };
    assert_eq!(plain, dfu.ctrl_plain);
    let digest = openssl(&["dgst", "-sha256", "-binary"], &plain).unwrap();
    assert_eq!(digest, &dfu.ctrl[..32]);
    assert_eq!(&plain[13..45], session().as_bytes());
    let ctrl_sig = &dfu.ctrl[dfu.ctrl.len() - 256..];
    assert_eq!(openssl_verifies(ctrl_sig, &plain), Some(true));
    // Second record of image id 6 (flag 1): offset 512, counter 32.
    let file = &dfu.images[3].file;
    let rec = &file[548..];
    assert_eq!(&rec[32..36], &512u32.to_le_bytes());
    let iv = format!("{nonce}0000000000000020");
    let block = openssl_ctr(session().as_bytes(), &iv, &rec[36..]).unwrap();
    assert_eq!(block, secure::online::aligned(&input[3].data, true)[512..]);
    assert_eq!(
        openssl(&["dgst", "-sha256", "-binary"], &block).unwrap(),
        &rec[..32]
    );
    // The image signature covers the stored (encrypted) blocks.
    let stored: Vec<u8> = [&file[36..548], &file[548 + 36..]].concat();
    let entry_sig = &plain[50 + 3 * 263..50 + 3 * 263 + 256];
    assert_eq!(openssl_verifies(entry_sig, &stored), Some(true));
}

#[test]
fn every_byte_flip_of_the_control_packet_fails() {
    let input = images();
    let dfu = build(&input[..1]);
    assert!(opened_ok(&dfu, &[0]));
    for i in 0..dfu.ctrl.len() {
        let mut bad = dfu.clone();
        bad.ctrl[i] ^= 0x01;
        assert!(
            !opened_ok(&bad, &[0]),
            "flip at control packet byte {i} was not detected"
        );
    }
}

#[test]
fn every_byte_flip_of_every_record_file_fails() {
    let input = images();
    let dfu = build(&input);
    let ids: Vec<u8> = input.iter().map(|i| i.img_id).collect();
    assert!(opened_ok(&dfu, &ids));
    for k in 0..dfu.images.len() {
        for i in 0..dfu.images[k].file.len() {
            let mut bad = dfu.clone();
            bad.images[k].file[i] ^= 0x80;
            assert!(
                !opened_ok(&bad, &ids),
                "flip at byte {i} of record file {k} was not detected"
            );
        }
    }
}

#[test]
fn a_truncated_record_file_fails() {
    let input = images();
    let mut dfu = build(&input);
    let n = dfu.images[2].file.len() - 16;
    dfu.images[2].file.truncate(n);
    assert!(!opened_ok(&dfu, &[0, 1, 3, 6]));
}

#[test]
fn the_wrong_root_key_is_reported_as_a_hash_failure() {
    let dfu = build(&images()[..1]);
    let other = secure::RootKey::from_bytes(&[7u8; 32], "other").unwrap();
    let e = open_online(&dfu.ctrl, &[], &other, &verifier())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("control packet SHA-256 mismatch") && e.contains("wrong root key"),
        "{e}"
    );
}

fn refused(images: &[OnlineImage], p: OnlineParams) -> String {
    with_keys(|k| build_online(images, &p, k).unwrap_err().to_string())
}

fn n_images(n: usize) -> Vec<OnlineImage> {
    (0..n)
        .map(|i| OnlineImage {
            img_id: i as u8,
            flag: 16,
            data: vec![1; 32],
        })
        .collect()
}

#[test]
fn sets_the_device_rejects_are_refused() {
    let p = params();
    assert!(refused(&n_images(256), p).contains("256 images: img_count is one byte"));
    assert!(refused(&n_images(12), p).contains("12 images: a control packet carries 1 to 11"));
    assert!(refused(&[], p).contains("0 images"));
    let mut two = n_images(2);
    two[1].img_id = 0;
    assert!(refused(&two, p).contains("image id 0 appears twice"));
    two[1].img_id = 10;
    assert!(refused(&two, p).contains("id 10 is not an image id"));
    two[1].img_id = 1;
    two[1].flag = 2;
    assert!(refused(&two, p).contains("flag 2"));
    let one = n_images(1);
    assert!(refused(&one, OnlineParams { bksize: 500, ..p })
        .contains("bksize 500 is not a positive multiple of 16"));
    assert!(refused(&one, OnlineParams { bksize: 1024, ..p })
        .contains("bksize 1024 is larger than 512"));
    assert!(refused(&one, OnlineParams { dfu_id: 3, ..p }).contains("dfu_id 3"));
}
