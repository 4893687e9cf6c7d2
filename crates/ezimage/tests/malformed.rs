//! Malformed streams give typed errors naming the field or offset, never a panic and never
//! pixels: truncation, every header field, block table, Adler-32, corrupted data.

mod common;

use common::generate::{generated, MODES};
use ezimage::{check_structure, decode, encode, Error, EzipLayout, EzipOptions, Window};

fn stream(layout: EzipLayout) -> Vec<u8> {
    let p = generated(MODES[1].0, MODES[1].1, 23, 17, 5);
    encode(
        &p,
        &EzipOptions {
            layout,
            rows_per_block: 5,
            window: Window::K8,
        },
    )
    .unwrap()
}

fn with_total_len(mut s: Vec<u8>) -> Vec<u8> {
    let n = s.len() as u32;
    s[..4].copy_from_slice(&n.to_be_bytes());
    s
}

#[test]
fn every_truncation_is_an_error() {
    for layout in [EzipLayout::One, EzipLayout::Two, EzipLayout::Four] {
        let s = stream(layout);
        for n in 0..s.len() {
            let cut = &s[..n];
            let e = decode(cut).expect_err("truncated stream decoded");
            if n < 16 {
                assert!(
                    matches!(
                        e,
                        Error::Truncated {
                            field: "header",
                            ..
                        }
                    ),
                    "{n}: {e}"
                );
            } else {
                assert!(
                    matches!(
                        e,
                        Error::BadField {
                            field: "total length",
                            ..
                        }
                    ),
                    "{n}: {e}"
                );
            }
            // With the length field fixed up, the missing data itself is found.
            if n >= 16 {
                let fixed = with_total_len(cut.to_vec());
                assert!(decode(&fixed).is_err(), "{layout:?} cut at {n} decoded");
                assert!(check_structure(&fixed).is_err());
            }
        }
    }
}

#[test]
fn every_bad_header_field_is_named() {
    let s = stream(EzipLayout::One);
    let cases: &[(usize, u8, &str)] = &[
        (4, 0x15, "colour type"),
        (4, 0x3c, "layout"),
        (5, 16, "bits per pixel"),
        (6, 0x10, "window"),
        (7, 1, "reserved byte"),
        (8, 0, "width"),
        (11, 18, "total length"), // height 18: more rows than the data holds is caught later
        (13, 4, "palette count"),
        (15, 1, "reserved field"),
    ];
    for &(at, value, field) in cases {
        let mut bad = s.clone();
        bad[at] = value;
        if at == 8 {
            bad[9] = 0;
        }
        if at == 11 {
            // Height is checked by decoding: the data holds 17 rows, not 18.
            let e = decode(&bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::BlockLength {
                        expected: 1260,
                        found: 1190,
                        ..
                    }
                ),
                "{e}"
            );
            continue;
        }
        let e = decode(&bad).unwrap_err();
        assert!(
            matches!(e, Error::BadField { field: f, .. } if f == field),
            "{field}: {e}"
        );
    }
    let mut longer = s.clone();
    longer.push(0);
    assert!(matches!(
        decode(&longer),
        Err(Error::BadField {
            field: "total length",
            ..
        })
    ));
}

#[test]
fn a_wrong_adler32_is_reported_with_both_values() {
    for layout in [EzipLayout::One, EzipLayout::Two, EzipLayout::Four] {
        let mut s = stream(layout);
        let n = s.len();
        s[n - 1] ^= 0x40;
        let e = decode(&s).unwrap_err();
        match e {
            Error::Adler {
                offset,
                stored,
                computed,
            } => {
                assert_eq!(offset, n - 4);
                assert_eq!(stored ^ computed, 0x40);
            }
            e => panic!("{e}"),
        }
    }
}

#[test]
fn bad_block_tables_are_named() {
    let s = stream(EzipLayout::Two);
    // Header 16, then rows per block (u16), block count (u16), offsets.
    let mut zero_rows = s.clone();
    zero_rows[16..18].copy_from_slice(&[0, 0]);
    assert!(matches!(
        decode(&zero_rows),
        Err(Error::BadField {
            field: "rows per block",
            ..
        })
    ));
    let mut count = s.clone();
    count[19] += 1;
    assert!(matches!(
        decode(&count),
        Err(Error::BadField {
            field: "block count",
            ..
        })
    ));
    let mut misaligned = s.clone();
    misaligned[20 + 4 + 3] += 1;
    assert!(matches!(
        decode(&misaligned),
        Err(Error::BadField {
            field: "block offset",
            offset: 24,
            ..
        })
    ));
}

#[test]
fn corrupted_data_never_panics_and_never_decodes_silently() {
    for layout in [EzipLayout::One, EzipLayout::Two, EzipLayout::Four] {
        let s = stream(layout);
        for at in 16..s.len() - 4 {
            for bit in [0x01, 0x10, 0x80] {
                let mut bad = s.clone();
                bad[at] ^= bit;
                // A flip inside zero padding or the table may still decode, but never to other
                // pixels (the Adler-32 is checked).
                if let Ok(p) = decode(&bad) {
                    assert_eq!(p, decode(&s).unwrap(), "{layout:?} byte {at} bit {bit}");
                }
            }
        }
    }
}
