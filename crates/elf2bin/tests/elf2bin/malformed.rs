//! Malformed inputs: each gets its own typed error with the numbers, never a panic.

use super::fixture;
use super::synth::{elf, load, Ph, ALL_KINDS, PT_NOTE};
use elf2bin::Error;

#[test]
fn not_elf() {
    let err = elf2bin::parse(b"hello world").unwrap_err();
    assert_eq!(
        err,
        Error::NotElf {
            found: b"hell".to_vec()
        }
    );
    assert!(err.to_string().contains("7f 45 4c 46"), "{err}");
    assert_eq!(
        elf2bin::parse(b"").unwrap_err(),
        Error::NotElf { found: vec![] }
    );
}

#[test]
fn bad_class_and_encoding() {
    let mut bytes = fixture("multi.elf");
    bytes[4] = 3;
    assert_eq!(
        elf2bin::parse(&bytes).unwrap_err(),
        Error::BadClass { found: 3 }
    );
    bytes[4] = 1;
    bytes[5] = 0;
    assert_eq!(
        elf2bin::parse(&bytes).unwrap_err(),
        Error::BadEncoding { found: 0 }
    );
}

#[test]
fn truncated_file_header() {
    let bytes = fixture("multi.elf");
    let err = elf2bin::parse(&bytes[..20]).unwrap_err();
    assert_eq!(
        err,
        Error::Truncated {
            what: "ELF header",
            offset: 0,
            needed: 52,
            file_len: 20
        }
    );
    let bytes = fixture("multi_le64.elf");
    let err = elf2bin::parse(&bytes[..60]).unwrap_err();
    assert_eq!(
        err,
        Error::Truncated {
            what: "ELF header",
            offset: 0,
            needed: 64,
            file_len: 60
        }
    );
}

#[test]
fn truncated_program_header_table() {
    let bytes = fixture("multi.elf");
    // 4 program headers of 32 bytes at offset 52.
    let err = elf2bin::parse(&bytes[..100]).unwrap_err();
    assert_eq!(
        err,
        Error::Truncated {
            what: "program header table",
            offset: 52,
            needed: 128,
            file_len: 100
        }
    );
    assert!(err.to_string().contains("offset 0x34"), "{err}");
}

#[test]
fn segment_data_past_end_of_file() {
    // multi.elf's segment 1 (.data) is 9 bytes at file offset 0x2000.
    let bytes = fixture("multi.elf");
    let err = elf2bin::parse(&bytes[..0x2004]).unwrap_err();
    assert_eq!(
        err,
        Error::SegmentPastEof {
            index: 1,
            offset: 0x2000,
            filesz: 9,
            file_len: 0x2004
        }
    );
    // A p_filesz that claims more than the file has, in every class.
    for kind in ALL_KINDS {
        let phs = [Ph {
            filesz: Some(0x1_0000),
            ..load(0x100, b"abc")
        }];
        let bytes = elf(kind, &phs);
        assert!(
            matches!(
                elf2bin::parse(&bytes),
                Err(Error::SegmentPastEof {
                    index: 0,
                    filesz: 0x1_0000,
                    ..
                })
            ),
            "{kind:?}"
        );
    }
    // An offset near u64::MAX must not wrap around.
    let phs = [Ph {
        offset: Some(u64::MAX - 1),
        ..load(0x100, b"abc")
    }];
    let err = elf2bin::parse(&elf(ALL_KINDS[2], &phs)).unwrap_err();
    assert!(
        matches!(err, Error::SegmentPastEof { index: 0, .. }),
        "{err}"
    );
}

#[test]
fn overlapping_segments() {
    for kind in ALL_KINDS {
        let phs = [
            load(0x1000, &[1; 0x20]),
            load(0x2000, b"x"),
            load(0x1010, &[2; 4]),
        ];
        let err = elf2bin::parse(&elf(kind, &phs)).unwrap_err();
        assert_eq!(
            err,
            Error::Overlap {
                first: 0,
                first_start: 0x1000,
                first_end: 0x1020,
                second: 2,
                second_start: 0x1010,
                second_end: 0x1014,
            },
            "{kind:?}"
        );
        assert!(
            err.to_string().contains("0x00001000 to 0x00001020"),
            "{err}"
        );
    }
}

#[test]
fn no_loadable_segment() {
    let phs = [
        Ph {
            memsz: 0x400,
            ..load(0x2000_0000, b"")
        },
        Ph {
            p_type: PT_NOTE,
            ..load(0, b"note")
        },
    ];
    let err = elf2bin::parse(&elf(ALL_KINDS[3], &phs)).unwrap_err();
    assert_eq!(err, Error::NoLoadable { load_segments: 1 });
    let err = elf2bin::parse(&elf(ALL_KINDS[0], &[])).unwrap_err();
    assert_eq!(err, Error::NoLoadable { load_segments: 0 });
}

#[test]
fn program_header_entry_size_too_small() {
    let mut bytes = elf(ALL_KINDS[0], &[load(0x100, b"a")]);
    bytes[42] = 16; // e_phentsize (ELF32, little-endian)
    let err = elf2bin::parse(&bytes).unwrap_err();
    assert_eq!(
        err,
        Error::BadPhEntSize {
            found: 16,
            expected: 32
        }
    );
}

#[test]
fn load_address_overflow() {
    let phs = [load(u64::MAX - 1, b"abc")];
    let err = elf2bin::parse(&elf(ALL_KINDS[2], &phs)).unwrap_err();
    assert_eq!(
        err,
        Error::AddressOverflow {
            index: 0,
            paddr: u64::MAX - 1,
            filesz: 3
        }
    );
}

#[test]
fn extended_program_header_count_points_past_the_file() {
    // e_phnum == PN_XNUM sends the reader to section header 0, which is not there.
    let mut bytes = elf(ALL_KINDS[0], &[load(0x100, b"a")]);
    bytes[44..46].copy_from_slice(&0xffffu16.to_le_bytes());
    bytes[32..36].copy_from_slice(&0x1000u32.to_le_bytes()); // e_shoff
    let err = elf2bin::parse(&bytes).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Truncated {
                offset: 0x1000,
                needed: 40,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn every_prefix_of_every_fixture_errors_without_panicking() {
    for name in [
        "multi.elf",
        "multi_be32.elf",
        "multi_le64.elf",
        "multi_be64.elf",
    ] {
        let bytes = fixture(name);
        let full = elf2bin::parse(&bytes).unwrap();
        for len in 0..bytes.len() {
            // Prefixes that still hold every segment parse to the same image.
            if let Ok(img) = elf2bin::parse(&bytes[..len]) {
                assert_eq!(img, full, "{name} cut at {len}");
            }
        }
    }
}

#[test]
fn flipped_header_bytes_never_panic() {
    let base = elf(ALL_KINDS[1], &[load(0x100, b"abcdef"), load(0x200, b"gh")]);
    for at in 0..base.len() {
        for v in [0x00, 0x01, 0x7f, 0x80, 0xff] {
            let mut bytes = base.clone();
            bytes[at] = v;
            let _ = elf2bin::parse(&bytes).and_then(|i| i.flat(0));
        }
    }
}

#[test]
fn no_program_headers_with_a_stray_table_offset_is_no_loadable_not_truncated() {
    // A relocatable object (gcc -c) has e_phnum 0; its e_phoff need not point into the file.
    let mut bytes = elf(ALL_KINDS[0], &[]);
    bytes[28..32].copy_from_slice(&0xdead_beefu32.to_le_bytes()); // e_phoff
    let err = elf2bin::parse(&bytes).unwrap_err();
    assert_eq!(err, Error::NoLoadable { load_segments: 0 });
}

#[test]
fn relocatable_object_is_refused_with_a_hint() {
    let mut bytes = elf(ALL_KINDS[1], &[load(0x100, b"a")]);
    bytes[16..18].copy_from_slice(&1u16.to_be_bytes()); // e_type = ET_REL
    let err = elf2bin::parse(&bytes).unwrap_err();
    assert_eq!(err, Error::Relocatable);
    assert!(err.to_string().contains("link it"), "{err}");
}
