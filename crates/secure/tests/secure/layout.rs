//! The on-disk declarations: each struct's size and a few field offsets pinned to the spec's
//! tables (`docs/sifli-secure-and-online-dfu.md`), and bytes -> struct -> bytes identical on
//! the golden files, so reading and writing go through one declaration without loss.

use crate::common::*;
use secure::ctrl::{
    open_ctrl, ControlPacket, DfuCodeImageHeader, DfuControlPacket, DfuImageHeaderInt,
};
use secure::ftab::{FlashTable, SecConfiguration};
use secure::image_header::{ImageHeaderEnc, ENC_HEADER_LEN};
use secure::offline_v1::{DfuOfflineInstallPacket, V1ImageInfo};
use secure::record::{split_records, RecordHeader};
use std::mem::{offset_of, size_of};
use zerocopy::{FromBytes, IntoBytes};

#[test]
fn sizes_and_offsets_match_the_spec() {
    // 1.5 control packet: dfu_ID@0, FW_key@13, image_header_len@45, blk_size@47, img_count@49.
    assert_eq!(size_of::<DfuControlPacket>(), 47);
    assert_eq!(offset_of!(DfuControlPacket, hw_version), 1);
    assert_eq!(offset_of!(DfuControlPacket, fw_key), 13);
    assert_eq!(offset_of!(DfuControlPacket, image_header_len), 45);
    assert_eq!(size_of::<DfuCodeImageHeader>(), 3);
    assert_eq!(offset_of!(DfuCodeImageHeader, img_count), 2);
    // Entry: sig@0, length@256, flag@260, img_id@262.
    assert_eq!(size_of::<DfuImageHeaderInt>(), 263);
    assert_eq!(offset_of!(DfuImageHeaderInt, length), 256);
    assert_eq!(offset_of!(DfuImageHeaderInt, flag), 260);
    assert_eq!(offset_of!(DfuImageHeaderInt, img_id), 262);
    // 1.4 record: hash[32], u32 offset.
    assert_eq!(size_of::<RecordHeader>(), 36);
    assert_eq!(offset_of!(RecordHeader, offset), 32);
    // 1.6 offline v1: magic@0, image_count@4, info_len@5; entries {id, len} of 5.
    assert_eq!(size_of::<DfuOfflineInstallPacket>(), 9);
    assert_eq!(offset_of!(DfuOfflineInstallPacket, image_count), 4);
    assert_eq!(offset_of!(DfuOfflineInstallPacket, info_len), 5);
    assert_eq!(size_of::<V1ImageInfo>(), 5);
    assert_eq!(offset_of!(V1ImageInfo, len), 1);
    // 2.4 image_header_enc: blksize@4, flags@6, key@8, sig@40, ver@296, reserved@316.
    assert_eq!(size_of::<ImageHeaderEnc>(), 512);
    assert_eq!(offset_of!(ImageHeaderEnc, blksize), 4);
    assert_eq!(offset_of!(ImageHeaderEnc, flags), 6);
    assert_eq!(offset_of!(ImageHeaderEnc, key), 8);
    assert_eq!(offset_of!(ImageHeaderEnc, sig), 40);
    assert_eq!(offset_of!(ImageHeaderEnc, ver), 296);
    assert_eq!(offset_of!(ImageHeaderEnc, reserved), 316);
    assert_eq!(ENC_HEADER_LEN, 316);
    // 3.1 sec_configuration: ftab@4, sig_pub_key@0x104, reserved@0x22A, imgs@0x1000,
    // running_imgs@0x2C00, total 0x2C10.
    assert_eq!(size_of::<FlashTable>(), 16);
    assert_eq!(offset_of!(FlashTable, xip_base), 8);
    assert_eq!(size_of::<SecConfiguration>(), 0x2C10);
    assert_eq!(offset_of!(SecConfiguration, ftab), 4);
    assert_eq!(offset_of!(SecConfiguration, sig_pub_key), 0x104);
    assert_eq!(offset_of!(SecConfiguration, reserved), 0x22A);
    assert_eq!(offset_of!(SecConfiguration, imgs), 0x1000);
    assert_eq!(offset_of!(SecConfiguration, running_imgs), 0x2C00);
}

#[test]
fn flash_tables_round_trip() {
    for rel in [
        "secure/golden/ftab/sf32lb52x-eh-lb523.bin",
        "secure/golden/cli/ftab-eh-lb523.bin",
        "secure/sdk-ftab/ftab_qspi1.bin",
        "secure/sdk-ftab/ftab_qspi1_sec.bin",
        "secure/sdk-ftab/sf32lb56x-ftab_qspi1.bin",
    ] {
        let b = read(rel);
        let t = SecConfiguration::ref_from_bytes(&b).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        assert_eq!(t.as_bytes(), &b[..], "{rel}");
        assert_eq!(
            SecConfiguration::from_bytes(&b).unwrap().to_bytes(),
            b,
            "{rel}"
        );
        for h in &t.imgs {
            let back = ImageHeaderEnc::read_from_bytes(h.as_bytes()).unwrap();
            assert_eq!(back.as_bytes(), h.as_bytes(), "{rel}");
        }
    }
}

/// The golden control packet's plaintext, decrypted with the sifli02 keys.
fn golden_ctrl_plain(rel: &str) -> Vec<u8> {
    open_ctrl(&read(rel), &root(), &verifier()).unwrap().plain
}

#[test]
fn control_packets_round_trip() {
    for rel in [
        "secure/golden/online/ctrl_packet.bin",
        "secure/golden/cli/ctrl_packet.bin",
    ] {
        let p = golden_ctrl_plain(rel);
        let (head, rest) = DfuControlPacket::read_from_prefix(&p).unwrap();
        let (code, entries) = DfuCodeImageHeader::read_from_prefix(rest).unwrap();
        let entries = <[DfuImageHeaderInt]>::ref_from_bytes(entries).unwrap();
        assert_eq!(entries.len(), usize::from(code.img_count), "{rel}");
        let mut back = head.as_bytes().to_vec();
        back.extend_from_slice(code.as_bytes());
        back.extend_from_slice(entries.as_bytes());
        assert_eq!(back, p, "{rel}: raw structs");
        let (packet, findings) = ControlPacket::from_plain(&p).unwrap();
        assert!(findings.ok(), "{rel}: {findings:?}");
        assert_eq!(packet.to_plain().unwrap(), p, "{rel}: ControlPacket");
    }
}

#[test]
fn record_files_round_trip() {
    let blk_size = {
        let p = golden_ctrl_plain("secure/golden/online/ctrl_packet.bin");
        let (_, rest) = DfuControlPacket::read_from_prefix(&p).unwrap();
        DfuCodeImageHeader::read_from_prefix(rest)
            .unwrap()
            .0
            .blk_size
            .get()
    };
    for name in [
        "outres.bin",
        "outcom_lcpu.bin",
        "encota.bin",
        "enccom_hcpu.bin",
    ] {
        let file = read(&format!("secure/golden/online/{name}"));
        let records = split_records(&file, blk_size).unwrap();
        let (mut back, mut data) = (Vec::with_capacity(file.len()), 0);
        for (_, header, block) in &records {
            assert_eq!(header.offset.get(), data, "{name}: offset field");
            back.extend_from_slice(header.as_bytes());
            back.extend_from_slice(block);
            data += block.len() as u32;
        }
        assert_eq!(back, file, "{name}");
    }
}

#[test]
fn enc_header_round_trips() {
    let file = read("secure/golden/enc/image_sec.bin");
    let o = secure::enc::open_enc(&file, &root(), &verifier()).unwrap();
    assert!(o.findings.ok(), "{:?}", o.findings);
    let h = o.header.to_bytes();
    assert_eq!(h.len(), ENC_HEADER_LEN);
    let raw = ImageHeaderEnc::from_transfer_bytes(&h).unwrap();
    assert_eq!(raw.transfer_bytes(), &h[..]);
    assert_eq!(raw.length.get(), o.header.length);
    assert_eq!(raw.blksize.get(), o.header.blksize);
    // The header on disk is the encrypted form of exactly these bytes: its hash is in front.
    use sha2::Digest;
    assert_eq!(&file[..32], sha2::Sha256::digest(&h).as_slice());
}

#[test]
fn offline_v1_headers_round_trip() {
    for rel in [
        "secure/golden/offline_v1/offline_install.bin",
        "secure/golden/cli/offline_install_v1.bin",
    ] {
        let b = read(rel);
        let (h, rest) = DfuOfflineInstallPacket::read_from_prefix(&b).unwrap();
        assert_eq!(&h.magic, b"FCES", "{rel}");
        let info_len = h.info_len.get() as usize;
        let infos = <[V1ImageInfo]>::ref_from_bytes(&rest[..info_len]).unwrap();
        assert_eq!(infos.len(), usize::from(h.image_count), "{rel}");
        assert_eq!(infos[0].img_id, 10, "{rel}: the control packet first");
        let mut back = h.as_bytes().to_vec();
        back.extend_from_slice(infos.as_bytes());
        assert_eq!(back, &b[..9 + info_len], "{rel}");
        let payloads: usize = infos.iter().map(|i| i.len.get() as usize).sum();
        assert_eq!(9 + info_len + payloads, b.len(), "{rel}: lengths add up");
    }
}
