//! Every malformed stream is rejected with a message naming what was wrong.

use crate::common::{allocated, code_like};
use ezip::{compress, decompress, Error, Level, Mode};

fn sample(mode: Mode) -> (Vec<u8>, Vec<u8>) {
    let data = code_like(5000, 21);
    let s = compress(mode, Level::Fast, &data).unwrap();
    (data, s)
}

fn err(mode: Mode, stream: &[u8]) -> (Error, String) {
    let e = decompress(mode, stream).expect_err("must be rejected");
    let msg = e.to_string();
    (e, msg)
}

fn set_u32(v: &mut [u8], at: usize, x: u32) {
    v[at..at + 4].copy_from_slice(&x.to_le_bytes());
}

#[test]
fn gzip_truncated_header() {
    let (e, msg) = err(Mode::Gzip, &[1, 2]);
    assert!(matches!(e, Error::Truncated { .. }), "{e:?}");
    assert!(msg.contains("length header"), "{msg}");
}

#[test]
fn gzip_length_header_too_large_and_too_small() {
    let (data, s) = sample(Mode::Gzip);
    for declared in [data.len() as u32 + 1, data.len() as u32 - 1] {
        let mut bad = s.clone();
        set_u32(&mut bad, 0, declared);
        let (e, msg) = err(Mode::Gzip, &bad);
        assert!(matches!(e, Error::LengthMismatch { .. }), "{e:?}");
        assert!(
            msg.contains("length header") && msg.contains(&declared.to_string()),
            "{msg}"
        );
    }
}

#[test]
fn gzip_bad_crc() {
    let (_, mut s) = sample(Mode::Gzip);
    let n = s.len();
    s[n - 8] ^= 1;
    let (e, msg) = err(Mode::Gzip, &s);
    assert!(matches!(e, Error::ChecksumMismatch { .. }), "{e:?}");
    assert!(msg.contains("CRC-32"), "{msg}");
}

#[test]
fn gzip_bad_trailer_length() {
    let (data, mut s) = sample(Mode::Gzip);
    let n = s.len();
    set_u32(&mut s, n - 4, data.len() as u32 + 16);
    let (e, msg) = err(Mode::Gzip, &s);
    assert!(matches!(e, Error::LengthMismatch { .. }), "{e:?}");
    assert!(msg.contains("trailer length"), "{msg}");
}

#[test]
fn gzip_trailing_garbage() {
    let (_, mut s) = sample(Mode::Gzip);
    let n = s.len();
    s.push(0);
    let (e, msg) = err(Mode::Gzip, &s);
    assert_eq!(
        e,
        Error::TrailingBytes {
            mode: Mode::Gzip,
            offset: n,
            count: 1
        }
    );
    assert!(msg.contains("trailing"), "{msg}");
}

#[test]
fn gzip_missing_trailer() {
    let (_, s) = sample(Mode::Gzip);
    let (e, msg) = err(Mode::Gzip, &s[..s.len() - 3]);
    assert!(matches!(e, Error::Truncated { .. }), "{e:?}");
    assert!(msg.contains("trailer"), "{msg}");
}

#[test]
fn gzip_corrupt_and_truncated_deflate() {
    let (_, s) = sample(Mode::Gzip);
    // Block type 3 is invalid DEFLATE.
    let mut bad = s.clone();
    bad[4] |= 0b110;
    let (e, msg) = err(Mode::Gzip, &bad);
    assert!(matches!(e, Error::Corrupt { .. }), "{e:?}");
    assert!(msg.contains("DEFLATE"), "{msg}");
    // Cut in the middle of the DEFLATE data (keeping 8 bytes so the trailer check is reached).
    let cut = &s[..s.len() / 2];
    let (e, _) = err(Mode::Gzip, cut);
    assert!(
        matches!(e, Error::Corrupt { .. } | Error::Truncated { .. }),
        "{e:?}"
    );
}

#[test]
fn gzip_header_claiming_4_gib_allocates_nothing_of_the_sort() {
    let (_, mut s) = sample(Mode::Gzip);
    set_u32(&mut s, 0, u32::MAX);
    let (e, _) = err(Mode::Gzip, &s);
    assert!(matches!(e, Error::LengthMismatch { .. }), "{e:?}");
    // A bare 4-byte header + 8 zero bytes too.
    let mut tiny = u32::MAX.to_le_bytes().to_vec();
    tiny.extend_from_slice(&[0x03, 0x00, 0, 0, 0, 0, 0, 0]);
    let _ = decompress(Mode::Gzip, &tiny).expect_err("claims 4 GiB");
    assert!(allocated() < crate::common::ALLOCATION_CAP);
}

#[test]
fn zlib_bad_header_check() {
    let (_, mut s) = sample(Mode::Zlib);
    s[1] ^= 1; // breaks the % 31 check
    let (e, msg) = err(Mode::Zlib, &s);
    assert!(matches!(e, Error::Corrupt { .. }), "{e:?}");
    assert!(msg.contains("zlib header"), "{msg}");
}

#[test]
fn zlib_bad_adler_truncated_and_trailing() {
    let (_, s) = sample(Mode::Zlib);
    let mut bad = s.clone();
    let n = bad.len();
    bad[n - 1] ^= 0x55;
    let (e, msg) = err(Mode::Zlib, &bad);
    assert!(matches!(e, Error::Corrupt { .. }), "{e:?}");
    assert!(
        msg.to_lowercase().contains("check") || msg.contains("DEFLATE"),
        "{msg}"
    );

    let (e, _) = err(Mode::Zlib, &s[..s.len() - 2]);
    assert!(matches!(e, Error::Corrupt { .. }), "{e:?}");

    let mut long = s.clone();
    long.extend_from_slice(b"xyz");
    let (e, msg) = err(Mode::Zlib, &long);
    assert!(matches!(e, Error::TrailingBytes { count: 3, .. }), "{e:?}");
    assert!(msg.contains("trailing"), "{msg}");

    let (e, _) = err(Mode::Zlib, &[0x78]);
    assert!(matches!(e, Error::Truncated { .. }), "{e:?}");
}

#[test]
fn lz4_truncated_header_and_block() {
    let (e, msg) = err(Mode::Lz4, &[0; 7]);
    assert!(matches!(e, Error::Truncated { .. }), "{e:?}");
    assert!(msg.contains("length header"), "{msg}");
    let (_, s) = sample(Mode::Lz4);
    let (e, msg) = err(Mode::Lz4, &s[..s.len() - 1]);
    assert!(matches!(e, Error::Truncated { .. }), "{e:?}");
    assert!(msg.contains("LZ4 block"), "{msg}");
}

#[test]
fn lz4_trailing_garbage() {
    let (_, mut s) = sample(Mode::Lz4);
    s.push(9);
    let (e, _) = err(Mode::Lz4, &s);
    assert!(matches!(e, Error::TrailingBytes { count: 1, .. }), "{e:?}");
}

#[test]
fn lz4_length_header_wrong() {
    let (data, s) = sample(Mode::Lz4);
    for declared in [data.len() as u32 - 1, data.len() as u32 + 1] {
        let mut bad = s.clone();
        set_u32(&mut bad, 0, declared);
        let (e, msg) = err(Mode::Lz4, &bad);
        assert!(
            matches!(e, Error::LengthMismatch { .. } | Error::Corrupt { .. }),
            "{e:?}"
        );
        assert!(
            msg.contains("length header") || msg.contains("LZ4"),
            "{msg}"
        );
    }
}

#[test]
fn lz4_header_claiming_4_gib_is_refused_before_allocating() {
    let (_, mut s) = sample(Mode::Lz4);
    set_u32(&mut s, 0, u32::MAX);
    let (e, msg) = err(Mode::Lz4, &s);
    assert!(matches!(e, Error::Corrupt { .. }), "{e:?}");
    assert!(msg.contains("4294967295"), "{msg}");
    assert!(allocated() < crate::common::ALLOCATION_CAP);
}

#[test]
fn lz4_corrupt_block() {
    // A token promising a match with offset 0 (invalid) right away.
    let mut s = 100u32.to_le_bytes().to_vec();
    s.extend_from_slice(&3u32.to_le_bytes());
    s.extend_from_slice(&[0x0F, 0x00, 0x00]);
    let (e, _) = err(Mode::Lz4, &s);
    assert!(
        matches!(e, Error::Corrupt { .. } | Error::LengthMismatch { .. }),
        "{e:?}"
    );
}

#[test]
fn single_byte_mutations_and_truncations_never_panic() {
    // Decoders must turn any damage into an error (or, rarely, a still-valid stream), never a
    // panic or a huge allocation.
    let data = code_like(600, 33);
    let mut inputs = Vec::new();
    for mode in [Mode::Gzip, Mode::Zlib, Mode::Lz4] {
        inputs.push((Some(mode), compress(mode, Level::Default, &data).unwrap()));
    }
    let opts = ezip::payload::PayloadOptions {
        pksize: 256,
        ..Default::default()
    };
    inputs.push((None, ezip::payload::encode(&data, &opts).unwrap()));
    for (mode, good) in &inputs {
        let decode = |b: &[u8]| match mode {
            Some(m) => decompress(*m, b).map(|_| ()),
            None => ezip::payload::decode(b).map(|_| ()),
        };
        decode(good).unwrap();
        for i in 0..good.len() {
            for x in [0x01, 0x80, 0xFF] {
                let mut bad = good.clone();
                bad[i] ^= x;
                let _ = decode(&bad);
            }
            assert!(
                decode(&good[..i]).is_err(),
                "{mode:?} truncated to {i} accepted"
            );
        }
    }
    assert!(allocated() < crate::common::ALLOCATION_CAP);
}
