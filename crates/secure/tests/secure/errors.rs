//! The typed errors: each refusal is its variant with the numbers in fields, and its message
//! is the text the CLI has always printed (users and scripts grep it).

use secure::ctrl::{check_policy, ControlPacket};
use secure::enc::version_field;
use secure::ftab::SecConfiguration;
use secure::offline_v1::parse_v1;
use secure::record::{check_bksize, split_records};
use secure::SecureError as E;

fn text(e: E) -> String {
    assert!(
        std::error::Error::source(&e).is_none(),
        "a refusal has no cause: {e}"
    );
    e.to_string()
}

#[test]
fn control_packet_refusals_keep_their_numbers_and_texts() {
    let e = check_policy(3, &[(0, 16)]).unwrap_err();
    assert!(matches!(e, E::DfuId { dfu_id: 3 }), "{e:?}");
    assert_eq!(
        text(e),
        "dfu_id 3: the device accepts 0 (CODE), 1 (CODE_MIX) and 2 (OTA_MANAGER); the SDK \
         answers every other id with an error"
    );
    let e = check_policy(0, &[(0, 16), (4, 2)]).unwrap_err();
    assert!(
        matches!(
            e,
            E::ImageFlag {
                index: 1,
                img_id: 4,
                flag: 2
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        text(e),
        "image 1 (id 4): flag 2; the online flow knows 0, 1 (encrypted), 16 (compressed) and \
         17 (both)"
    );
    let e = check_policy(0, &[(0, 16), (0, 0)]).unwrap_err();
    assert!(matches!(e, E::DuplicateImageId { img_id: 0 }), "{e:?}");
    let e = ControlPacket::from_plain(&[0; 49]).unwrap_err();
    assert_eq!(
        text(e),
        "control packet: plaintext is 49 bytes, less than 50"
    );
    let mut p = vec![0u8; 50 + 263];
    p[49] = 2;
    let e = ControlPacket::from_plain(&p).unwrap_err();
    assert!(
        matches!(
            e,
            E::CtrlPlainLength {
                img_count: 2,
                expected: 576,
                found: 313
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        text(e),
        "control packet: img_count 2 needs a 576-byte plaintext, found 313"
    );
}

#[test]
fn record_and_version_refusals() {
    let e = check_bksize(1024, 512).unwrap_err();
    assert!(
        matches!(
            e,
            E::BksizeTooLarge {
                bksize: 1024,
                max: 512
            }
        ),
        "{e:?}"
    );
    assert!(text(e).starts_with("bksize 1024 is larger than 512: the device's flash-write"));
    // A whole record of 548 bytes, then a header without data.
    let e = split_records(&[0; 548 + 36], 512).unwrap_err();
    assert!(
        matches!(
            e,
            E::RecordShort {
                offset: 548,
                len: 36
            }
        ),
        "{e:?}"
    );
    let e = split_records(&[0; 36], 512).unwrap_err();
    assert_eq!(
        text(e),
        "record file: record at 0x00000000 has 36 bytes; a record is a 36-byte header and at \
         least one data byte"
    );
    let e = version_field("123456789012345678901").unwrap_err();
    assert_eq!(
        text(e),
        "--ver \"123456789012345678901\": at most 20 ASCII characters (the header's ver[20])"
    );
}

#[test]
fn flash_table_and_offline_v1_refusals() {
    let e = SecConfiguration::from_bytes(&[0; 100]).unwrap_err();
    assert!(matches!(e, E::FtabShort { len: 100 }), "{e:?}");
    assert_eq!(
        text(e),
        "flash table: 100 bytes; struct sec_configuration is 11280"
    );
    let e = SecConfiguration::from_bytes(&[0; 11280]).unwrap_err();
    assert_eq!(
        text(e),
        "flash table: magic at 0x00000000 is 0x00000000, expected 0x53454346"
    );
    let e = parse_v1(b"FCES\x01\x06\0\0\0").unwrap_err();
    assert!(
        matches!(
            e,
            E::V1InfoLen {
                info_len: 6,
                count: 1
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        text(e),
        "offline package v1: info_len 6 at 0x00000005 does not match image_count 1 (5 bytes each)"
    );
    let e = parse_v1(b"FCES\x01\x05\0\0\0\x0a\x09\0\0\0abc").unwrap_err();
    assert_eq!(
        text(e),
        "offline package v1: entry 0 at 0x00000009: 9 bytes at 0x0000000e run past the end \
         (17 bytes)"
    );
    let e = parse_v1(b"FCES\x01\x05\0\0\0\x00\x01\0\0\0a").unwrap_err();
    assert_eq!(
        text(e),
        "offline package v1: entry 0 at 0x00000009 has id 0, the control packet's is 10"
    );
    let e = parse_v1(b"FCES\x01\x05\0\0\0\x0a\x01\0\0\0ab").unwrap_err();
    assert_eq!(
        text(e),
        "offline package v1: 1 bytes after the last payload at 0x0000000f"
    );
}

#[test]
fn texts_whose_numbers_come_from_the_declarations() {
    use crate::common::{root, verifier};
    let e = secure::ctrl::open_ctrl(&[0; 10], &root(), &verifier()).unwrap_err();
    assert!(matches!(e, E::CtrlFileLength { len: 10 }), "{e:?}");
    assert_eq!(
        text(e),
        "control packet: 10 bytes; a control packet is 338 + 263 n bytes"
    );
    let e = parse_v1(b"SECF\x01\x05\0\0\0").unwrap_err();
    assert!(matches!(e, E::V1Magic), "{e:?}");
    assert_eq!(text(e), "offline package v1: no FCES magic at 0x00000000");
}
