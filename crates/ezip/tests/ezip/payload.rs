//! Chunked image payloads (formats doc, section 3).

use crate::common::{allocated, code_like, random, repetitive};
use ezip::payload::{self, PayloadOptions, DEFAULT_PKSIZE};
use ezip::{Error, Level, Mode};

fn opts(mode: Mode, level: Level, pksize: u32) -> PayloadOptions {
    PayloadOptions {
        mode,
        level,
        pksize,
        threads: None,
    }
}

fn padded(image: &[u8]) -> Vec<u8> {
    let mut v = image.to_vec();
    v.resize(image.len().div_ceil(16) * 16, 0);
    v
}

/// Checks the structure against the spec: header fields, chunk sizes, packet framing.
fn check_structure(p: &[u8], image_len: usize, pksize: u32, mode: Mode) {
    let info = payload::parse(p).unwrap();
    let total = image_len.div_ceil(16) * 16;
    assert_eq!(info.total_len as usize, total);
    assert_eq!(&p[..4], &(total as u32).to_le_bytes());
    assert_eq!(&p[4..8], &pksize.to_le_bytes());
    assert_eq!(info.pksize, pksize);
    assert_eq!(info.packets.len(), total.div_ceil(pksize as usize));
    assert_eq!(info.trailing, 0);
    if !info.packets.is_empty() {
        assert_eq!(info.mode, mode);
    }
    let mut at = 8;
    for (i, pk) in info.packets.iter().enumerate() {
        assert_eq!(pk.offset, at);
        let last = i + 1 == info.packets.len();
        if !last {
            assert_eq!(pk.raw_len, pksize);
        }
        at += 4 + pk.len as usize;
    }
    assert_eq!(at, p.len());
    let sum: u64 = info.packets.iter().map(|p| u64::from(p.raw_len)).sum();
    assert_eq!(sum, total as u64);
}

fn round_trip(image: &[u8], o: &PayloadOptions) -> Vec<u8> {
    let p = payload::encode(image, o).unwrap();
    check_structure(&p, image.len(), o.pksize, o.mode);
    let (decoded, info) = payload::decode(&p).unwrap();
    assert_eq!(decoded, padded(image));
    assert_eq!(info.trailing, 0);
    // The device-style block reader agrees with `decode`.
    assert_eq!(block_reader_decode(&p), decoded);
    p
}

#[test]
fn round_trip_edge_sizes_both_modes_every_level() {
    let pk = DEFAULT_PKSIZE as usize;
    for mode in [Mode::Gzip, Mode::Zlib] {
        for level in [Level::Fast, Level::Default, Level::Best] {
            for n in [0, 1, 15, 16, 17, pk - 1, pk, pk + 1, 3 * pk + 5] {
                let o = opts(mode, level, DEFAULT_PKSIZE);
                round_trip(&code_like(n, n as u64), &o);
                round_trip(&random(n, 99), &o);
                round_trip(&repetitive(n), &o);
            }
        }
    }
}

#[test]
fn round_trip_several_mib() {
    let mut image = code_like(3 << 20, 1);
    image.extend_from_slice(&random(1 << 20, 2));
    image.extend_from_slice(&[0xFF; 12345]);
    for mode in [Mode::Gzip, Mode::Zlib] {
        round_trip(&image, &opts(mode, Level::Default, DEFAULT_PKSIZE));
    }
    round_trip(&image, &opts(Mode::Gzip, Level::Fast, 65536));
}

#[test]
fn round_trip_several_mib_best() {
    // Zopfli is slow on long matches; random data keeps this multi-MiB case quick while still
    // going through every chunk of the best-level path (stored blocks included).
    let mut image = random(2 << 20, 8);
    image.extend_from_slice(&code_like(40_000, 3));
    image.extend_from_slice(&repetitive(40_000));
    round_trip(&image, &opts(Mode::Gzip, Level::Best, DEFAULT_PKSIZE));
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let image = code_like(200_000, 4);
    for level in [Level::Fast, Level::Default] {
        let mut o = opts(Mode::Gzip, level, 4096);
        let outs: Vec<_> = [1, 2, 3, 7]
            .iter()
            .map(|&t| {
                o.threads = Some(t);
                payload::encode(&image, &o).unwrap()
            })
            .collect();
        assert!(outs.windows(2).all(|w| w[0] == w[1]));
    }
}

#[test]
fn bad_pksize_rejected() {
    for (pk, why) in [
        (0, "must not be 0"),
        (17, "multiple of 16"),
        (10000 + 8, "multiple of 16"),
    ] {
        let e = payload::encode(b"abc", &opts(Mode::Gzip, Level::Fast, pk)).unwrap_err();
        assert!(
            matches!(e, Error::BadPksize { pksize, .. } if pksize == pk),
            "{e:?}"
        );
        assert!(e.to_string().contains(why), "{e}");
    }
}

#[test]
fn lz4_payload_rejected() {
    let e = payload::encode(b"abc", &opts(Mode::Lz4, Level::Fast, 1024)).unwrap_err();
    assert_eq!(e, Error::UnsupportedPayloadMode { mode: Mode::Lz4 });
    assert!(e.to_string().contains("lz4"), "{e}");
}

#[test]
fn trailing_bytes_accepted_and_counted() {
    let image = code_like(30_000, 5);
    let p = payload::encode(&image, &PayloadOptions::default()).unwrap();
    for extra in 1..=3 {
        let mut q = p.clone();
        q.resize(q.len() + extra, 0);
        let (d, info) = payload::decode(&q).unwrap();
        assert_eq!(d, padded(&image));
        assert_eq!(info.trailing, extra);
    }
}

#[test]
fn zlib_and_gzip_packets_are_detected() {
    let image = code_like(25_000, 6);
    for mode in [Mode::Gzip, Mode::Zlib] {
        let p = payload::encode(&image, &opts(mode, Level::Fast, 8192)).unwrap();
        assert_eq!(payload::parse(&p).unwrap().mode, mode);
    }
}

#[test]
fn malformed_payloads_name_the_problem() {
    let image = code_like(30_000, 7);
    let good = payload::encode(&image, &opts(Mode::Gzip, Level::Fast, 10240)).unwrap();
    let info = payload::parse(&good).unwrap();

    // Truncated header.
    let e = payload::parse(&good[..6]).unwrap_err();
    assert!(e.to_string().contains("pksize"), "{e}");

    // pksize 0.
    let mut bad = good.clone();
    bad[4..8].copy_from_slice(&0u32.to_le_bytes());
    assert!(payload::parse(&bad)
        .unwrap_err()
        .to_string()
        .contains("pksize is 0"));

    // Last packet cut short.
    let e = payload::parse(&good[..good.len() - 1]).unwrap_err();
    let last = info.packets.last().unwrap();
    assert!(
        matches!(e, Error::Payload { offset, .. } if offset == last.offset),
        "{e:?}"
    );
    assert!(e.to_string().contains("packet 2"), "{e}");

    // A corrupt CRC in packet 1: the error names packet 1 and its offset.
    let mut bad = good.clone();
    let p1 = info.packets[1];
    let crc_at = p1.offset + 4 + p1.len as usize - 8;
    bad[crc_at] ^= 1;
    let e = payload::decode(&bad).unwrap_err();
    match &e {
        Error::Packet {
            index,
            offset,
            source,
        } => {
            assert_eq!((*index, *offset), (1, p1.offset));
            assert!(
                matches!(**source, Error::ChecksumMismatch { .. }),
                "{source:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("packet 1"), "{e}");

    // total_len larger than the packets present.
    let mut bad = good.clone();
    bad[0..4].copy_from_slice(&(info.total_len + 16).to_le_bytes());
    assert!(payload::decode(&bad).is_err());

    // A packet that is neither gzip-mode nor zlib.
    let mut bad = good.clone();
    bad[info.packets[0].offset + 4] ^= 0x5A;
    let e = payload::parse(&bad).unwrap_err();
    assert!(e.to_string().contains("neither"), "{e}");

    // Mixed gzip and zlib packets.
    let z = payload::encode(&image, &opts(Mode::Zlib, Level::Fast, 10240)).unwrap();
    let zi = payload::parse(&z).unwrap();
    let mut mixed = good[..info.packets[1].offset].to_vec();
    mixed.extend_from_slice(&z[zi.packets[1].offset..]);
    let e = payload::parse(&mixed).unwrap_err();
    assert!(e.to_string().contains("packet 1 is zlib"), "{e}");
}

#[test]
fn header_claiming_4_gib_allocates_nothing_of_the_sort() {
    let mut p = u32::MAX.to_le_bytes().to_vec();
    p.extend_from_slice(&u32::MAX.to_le_bytes()); // pksize 4 GiB: one huge chunk
    p.extend_from_slice(&12u32.to_le_bytes());
    p.extend_from_slice(&u32::MAX.to_le_bytes());
    p.extend_from_slice(&[0x03, 0x00, 0, 0, 0, 0, 0, 0]);
    assert!(payload::decode(&p).is_err());
    let mut p = u32::MAX.to_le_bytes().to_vec();
    p.extend_from_slice(&16u32.to_le_bytes()); // 268M packets promised, none present
    assert!(payload::decode(&p).is_err());
    assert!(allocated() < crate::common::ALLOCATION_CAP);
}

/// Decodes a payload the way the installer reads flash: 512-byte blocks, joining packets that
/// straddle them. Independent of `payload::parse`, so it checks the framing from another angle.
fn block_reader_decode(p: &[u8]) -> Vec<u8> {
    let mut pending: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    let mut header: Option<(usize, usize)> = None;
    for block in p.chunks(512) {
        pending.extend_from_slice(block);
        loop {
            if header.is_none() {
                if pending.len() < 8 {
                    break;
                }
                let total = u32::from_le_bytes(pending[0..4].try_into().unwrap()) as usize;
                let pk = u32::from_le_bytes(pending[4..8].try_into().unwrap()) as usize;
                header = Some((total, pk));
                pending.drain(..8);
            }
            let (total, _) = header.unwrap();
            if out.len() >= total || pending.len() < 4 {
                break;
            }
            let len = u32::from_le_bytes(pending[0..4].try_into().unwrap()) as usize;
            if pending.len() < 4 + len {
                break;
            }
            let packet: Vec<u8> = pending.drain(..4 + len).skip(4).collect();
            let mode = if ezip::decompress(Mode::Gzip, &packet).is_ok() {
                Mode::Gzip
            } else {
                Mode::Zlib
            };
            out.extend_from_slice(&ezip::decompress(mode, &packet).unwrap());
        }
    }
    out
}

/// Offsets (in the payload) where each packet ends.
fn packet_ends(p: &[u8]) -> Vec<usize> {
    payload::parse(p)
        .unwrap()
        .packets
        .iter()
        .map(|pk| pk.offset + 4 + pk.len as usize)
        .collect()
}

#[test]
fn packet_boundaries_at_around_and_inside_512_byte_blocks() {
    // Small chunks make many packets; varying the image moves their boundaries. Search for
    // images whose packet boundaries fall at, just before and just after a 512-byte boundary.
    let mut found = [false; 3]; // end % 512 == 511, 0, 1
    let mut seed = 0u64;
    while !found.iter().all(|&f| f) {
        seed += 1;
        assert!(seed < 400, "no image hit every boundary case: {found:?}");
        let image = code_like(3000 + seed as usize * 7, seed);
        let p = payload::encode(&image, &opts(Mode::Gzip, Level::Fast, 64)).unwrap();
        let mut hit = false;
        for e in packet_ends(&p) {
            let i = match e % 512 {
                511 => 0,
                0 => 1,
                1 => 2,
                _ => continue,
            };
            found[i] = true;
            hit = true;
        }
        if hit {
            let (d, _) = payload::decode(&p).unwrap();
            assert_eq!(d, padded(&image));
            assert_eq!(block_reader_decode(&p), d);
        }
    }
}

#[test]
fn many_packets_inside_one_block() {
    // 32-byte chunks of zeros: each gzip-mode packet is ~20 bytes, so a 512-byte block holds
    // more than 20 of them. (Not 16-byte chunks: libdeflate stores inputs under 18 bytes.)
    let image = vec![0u8; 4096];
    let p = round_trip(&image, &opts(Mode::Gzip, Level::Default, 32));
    let in_first_block = packet_ends(&p).iter().filter(|&&e| e <= 512).count();
    assert!(in_first_block > 20, "{in_first_block}");
    round_trip(&image, &opts(Mode::Zlib, Level::Default, 32));
}

#[test]
fn incompressible_packets_larger_than_pksize() {
    let image = random(5000, 77);
    for mode in [Mode::Gzip, Mode::Zlib] {
        let p = round_trip(&image, &opts(mode, Level::Default, 1024));
        let info = payload::parse(&p).unwrap();
        assert!(
            info.packets.iter().all(|pk| pk.len > pk.raw_len),
            "{info:?}"
        );
    }
}

/// `encode_streaming` hands over consecutive final pieces from offset 0, off the pool, and
/// returns exactly what `encode` does, whatever the thread count.
#[test]
fn streaming_pieces_are_a_prefix_of_the_payload_on_any_thread_count() {
    use std::sync::Mutex;
    let image = code_like(3 << 20, 11);
    let expected = payload::encode(&image, &opts(Mode::Gzip, Level::Fast, DEFAULT_PKSIZE)).unwrap();
    for threads in [1, 2, 3] {
        let o = PayloadOptions {
            threads: Some(threads),
            ..opts(Mode::Gzip, Level::Fast, DEFAULT_PKSIZE)
        };
        let pieces: Mutex<Vec<(usize, Vec<u8>)>> = Mutex::new(Vec::new());
        let p = payload::encode_streaming(&image, &o, &|offset, bytes| {
            assert!(
                rayon::current_thread_index().is_none(),
                "called on a pool worker"
            );
            pieces.lock().unwrap().push((offset, bytes.to_vec()));
        })
        .unwrap();
        assert_eq!(p, expected, "{threads} threads");
        let pieces = pieces.into_inner().unwrap();
        // With one worker the batches arrive in chunk order, so the pieces do not depend on
        // timing; with more, a descheduled worker can hold the prefix back to the end.
        if threads == 1 {
            assert!(pieces.len() >= 2, "{} pieces", pieces.len());
        }
        let mut at = 0;
        for (offset, bytes) in &pieces {
            assert_eq!(*offset, at, "pieces are consecutive");
            assert!(bytes.len() >= payload::STREAM_PIECE);
            assert_eq!(&p[at..at + bytes.len()], &bytes[..], "a piece is final");
            at += bytes.len();
        }
        assert!(at < p.len(), "the last packets are not handed over");
    }
}

/// A payload shorter than a piece is never handed over.
#[test]
fn streaming_a_small_image_hands_over_nothing() {
    let image = code_like(payload::STREAM_PIECE / 2, 5);
    let o = opts(Mode::Zlib, Level::Default, DEFAULT_PKSIZE);
    let p =
        payload::encode_streaming(&image, &o, &|_, _| panic!("nothing is ready early")).unwrap();
    assert_eq!(p, payload::encode(&image, &o).unwrap());
}
