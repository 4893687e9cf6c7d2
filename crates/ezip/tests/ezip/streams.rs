//! Standalone streams: round trips at every level, standard inflaters, the size promises.

use crate::common::{code_like, random, repetitive};
use ezip::{compress, decompress, deflate, Level, Mode};
use std::io::Read;

const LEVELS: [Level; 3] = [Level::Fast, Level::Default, Level::Best];
const PK: usize = ezip::payload::DEFAULT_PKSIZE as usize;
const SIZES: [usize; 8] = [0, 1, 15, 16, 17, PK - 1, PK, PK + 1];

/// Decodes a gzip-mode stream with flate2's standard raw inflater (not our strict decoder).
fn standard_inflate_gzip_mode(stream: &[u8]) -> Vec<u8> {
    let body = &stream[4..stream.len() - 8];
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(body)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn standard_inflate_zlib(stream: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(stream)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn check_round_trip(data: &[u8], level: Level) {
    for mode in [Mode::Gzip, Mode::Zlib, Mode::Lz4] {
        let s = compress(mode, level, data).unwrap();
        assert_eq!(
            decompress(mode, &s).unwrap(),
            data,
            "{mode} {level} len {}",
            data.len()
        );
        match mode {
            Mode::Gzip => {
                assert_eq!(&s[..4], &(data.len() as u32).to_le_bytes());
                assert_eq!(standard_inflate_gzip_mode(&s), data);
            }
            Mode::Zlib => assert_eq!(standard_inflate_zlib(&s), data),
            Mode::Lz4 => {
                let block = &s[8..];
                assert_eq!(&s[4..8], &(block.len() as u32).to_le_bytes());
                assert_eq!(
                    lz4_flex::block::decompress(block, data.len()).unwrap(),
                    data
                );
            }
        }
    }
}

#[test]
fn round_trip_edge_sizes_every_level_random_and_repetitive() {
    for level in LEVELS {
        for &n in &SIZES {
            check_round_trip(&random(n, n as u64 + 1), level);
            check_round_trip(&repetitive(n), level);
            check_round_trip(&code_like(n, 7), level);
        }
    }
}

#[test]
fn round_trip_several_mib_fast_and_default() {
    let mut data = code_like(3 << 20, 11);
    data.extend_from_slice(&random(1 << 20, 12));
    data.extend_from_slice(&repetitive(1 << 20));
    for level in [Level::Fast, Level::Default] {
        check_round_trip(&data, level);
    }
}

#[test]
fn best_is_never_larger_than_default_per_chunk() {
    let inputs = [
        crate::common::testdata("expected.bin"),
        code_like(PK, 1),
        random(PK, 2),
        repetitive(PK),
        vec![0; PK],
        code_like(100, 3),
    ];
    for data in &inputs {
        for chunk in data.chunks(PK) {
            let default = deflate::raw(Level::Default, chunk).unwrap().len();
            let best = deflate::raw(Level::Best, chunk).unwrap().len();
            assert!(best <= default, "best {best} > default {default}");
        }
    }
}

/// `default` promises "no larger in total than zlib 9 per chunk" (measured, not per chunk):
/// here on the vendor's own EZIP example data, 9 chunks of C source.
#[test]
fn default_is_no_larger_in_total_than_zlib9_on_the_vendor_example_data() {
    let data = crate::common::testdata("expected.bin");
    let total = |enc: &dyn Fn(&[u8]) -> usize| data.chunks(PK).map(enc).sum::<usize>();
    let default = total(&|c| deflate::raw(Level::Default, c).unwrap().len());
    let vendor = total(&|c| deflate::zlib9(c).unwrap().len());
    assert!(default <= vendor, "default {default} > zlib 9 {vendor}");
}

#[test]
fn output_is_deterministic() {
    let data = code_like(50_000, 9);
    for level in LEVELS {
        for mode in [Mode::Gzip, Mode::Zlib, Mode::Lz4] {
            assert_eq!(
                compress(mode, level, &data).unwrap(),
                compress(mode, level, &data).unwrap()
            );
        }
    }
}

#[test]
fn names_parse_and_display() {
    for m in [Mode::Gzip, Mode::Zlib, Mode::Lz4] {
        assert_eq!(m.to_string().parse::<Mode>().unwrap(), m);
    }
    for l in LEVELS {
        assert_eq!(l.to_string().parse::<Level>().unwrap(), l);
    }
    let e = "zstd".parse::<Mode>().unwrap_err().to_string();
    assert!(e.contains("zstd") && e.contains("gzip, zlib, lz4"), "{e}");
    let e = "max".parse::<Level>().unwrap_err().to_string();
    assert!(
        e.contains("max") && e.contains("fast, default, best"),
        "{e}"
    );
}

/// `fast` and `default` compress into a per-thread scratch buffer and copy the stream out;
/// a stream too large for it gets a buffer of its own. Either way the stream must be exactly
/// the libdeflate output, whatever the thread compressed before (a larger stream first, so
/// stale scratch bytes would show).
#[test]
fn scratch_buffer_never_leaks_into_a_later_stream() {
    let big = random(300 << 10, 7); // above the 256 KiB scratch limit: one-off buffer
    let mid = code_like(200 << 10, 3); // fills the scratch far beyond the next stream
    let small = repetitive(100);
    for level in [Level::Fast, Level::Default] {
        for data in [&big, &mid, &small, &mid, &small] {
            let s = compress(Mode::Gzip, level, data).unwrap();
            assert_eq!(
                standard_inflate_gzip_mode(&s),
                *data,
                "{level} {}",
                data.len()
            );
            let z = compress(Mode::Zlib, level, data).unwrap();
            assert_eq!(standard_inflate_zlib(&z), *data, "{level} {}", data.len());
            let raw = deflate::raw(level, data).unwrap();
            assert_eq!(
                &s[4..s.len() - 8],
                &raw[..],
                "gzip frame holds the raw stream"
            );
            assert_eq!(
                &z[2..z.len() - 4],
                &raw[..],
                "zlib frame holds the raw stream"
            );
        }
    }
}
