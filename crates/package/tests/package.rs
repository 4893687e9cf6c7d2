//! Integration tests of the package crate: round trips for every flag and codec, an
//! independent device model that must agree with the crate's decoder, and corrupted packages.

mod device;

use device::Codec;
use ezip::payload::PayloadOptions;
use ezip::{Level, Mode};
use package::payload::{self, DEVICE_BLOCK};
use package::v2::{parse, PackagePlan, PlannedImage};
use package::verify::{check, Severity};
use package::{Flag, PackageError};

/// Deterministic pseudo-random bytes (xorshift), compressible by `runs`: each random byte is
/// repeated `runs` times so the data is neither trivial nor incompressible.
fn bytes(seed: u64, len: usize, runs: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for _ in 0..runs {
            out.push(x as u8);
        }
    }
    out.truncate(len);
    out
}

fn opts(mode: Mode, level: Level, pksize: u32) -> PayloadOptions {
    PayloadOptions {
        mode,
        level,
        pksize,
        threads: Some(1),
    }
}

fn padded(image: &[u8]) -> Vec<u8> {
    let mut v = image.to_vec();
    v.resize(image.len().div_ceil(16) * 16, 0);
    v
}

fn codec(mode: Mode) -> Codec {
    match mode {
        Mode::Gzip => Codec::Gzip,
        Mode::Zlib => Codec::Zlib,
        Mode::Lz4 => unreachable!("no LZ4 in packages"),
    }
}

/// Packs `image` as one compressed image, then checks: the crate's decoder, the device model
/// and verify all agree and give the padded image.
fn assert_round_trip(image: &[u8], o: &PayloadOptions) {
    let (flag, p) = payload::build(image, Some(o)).unwrap();
    assert_eq!(flag, Flag::Compressed);
    assert_eq!(p.last(), Some(&0), "the pitfall byte");
    let pkg = PackagePlan::new(vec![PlannedImage {
        image_id: 0,
        flag,
        payload: p.clone(),
    }])
    .unwrap()
    .emit();
    let parsed = parse(&pkg).unwrap();
    let decoded = payload::decode(parsed.images[0].flag, parsed.images[0].payload).unwrap();
    let want = padded(image);
    assert_eq!(decoded.image, want, "crate decoder, len {}", image.len());
    let device = device::install(codec(o.mode), parsed.images[0].payload).unwrap();
    assert_eq!(device, want, "device model, len {}", image.len());
    let report = check(&pkg, None).unwrap();
    assert!(report.ok(), "{:?}", report.findings);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn every_size_from_1_to_600_round_trips_in_both_codecs() {
    for mode in [Mode::Gzip, Mode::Zlib] {
        for len in 1..=600 {
            assert_round_trip(&bytes(len as u64, len, 3), &opts(mode, Level::Fast, 10240));
        }
    }
}

#[test]
fn small_pksize_many_packets_round_trip_at_every_level() {
    for mode in [Mode::Gzip, Mode::Zlib] {
        for level in [Level::Fast, Level::Default, Level::Best] {
            for len in [1, 15, 16, 17, 479, 480, 512, 513, 4096, 20_000] {
                assert_round_trip(&bytes(7, len, 2), &opts(mode, level, 256));
            }
        }
    }
}

#[test]
fn large_all_zero_and_random_images_round_trip() {
    for mode in [Mode::Gzip, Mode::Zlib] {
        for len in [40 * 1024, 1024 * 1024 + 3] {
            assert_round_trip(&vec![0u8; len], &opts(mode, Level::Default, 10240));
        }
        // Incompressible: stored DEFLATE blocks.
        assert_round_trip(&bytes(99, 100_000, 1), &opts(mode, Level::Default, 10240));
    }
}

#[test]
fn raw_images_round_trip_unchanged() {
    for len in [1usize, 2, 511, 512, 513, 600, 70_001] {
        let image = bytes(len as u64, len, 1);
        let (flag, p) = payload::build(&image, None).unwrap();
        assert_eq!(flag, Flag::Raw);
        let pkg = PackagePlan::new(vec![PlannedImage {
            image_id: 6,
            flag,
            payload: p,
        }])
        .unwrap()
        .emit();
        let parsed = parse(&pkg).unwrap();
        assert_eq!(parsed.images[0].payload, image.as_slice());
        assert_eq!(
            payload::decode(Flag::Raw, parsed.images[0].payload)
                .unwrap()
                .image,
            image
        );
        assert!(check(&pkg, None).unwrap().findings.is_empty());
    }
}

/// The pitfall as the device model sees it, and verify's "silent mis-install" error, must match: a
/// payload without the trailing byte mis-installs exactly when it fits in one block.
#[test]
fn regression_pitfall_byte_model_and_verify_agree() {
    let mut at_risk_seen = 0;
    for mode in [Mode::Gzip, Mode::Zlib] {
        for (len, runs) in [
            (16, 1),
            (300, 1),
            (480, 4),
            (600, 1),
            (40 * 1024, 40 * 1024),
        ] {
            let image = bytes(len as u64, len, runs);
            let (_, mut p) = payload::build(&image, Some(&opts(mode, Level::Best, 10240))).unwrap();
            p.pop(); // what the vendor tool writes
            let device = device::install(codec(mode), &p).unwrap();
            let model_fails = device != padded(&image);
            let pkg = PackagePlan::new(vec![PlannedImage {
                image_id: 0,
                flag: Flag::Compressed,
                payload: p.clone(),
            }])
            .unwrap()
            .emit();
            let report = check(&pkg, None).unwrap();
            let finding = report
                .findings
                .iter()
                .find(|f| f.severity >= Severity::Warning)
                .expect("verify reports a missing trailing byte");
            // A certain mis-install fails verify; a longer payload only gets a warning.
            let flagged = finding.severity == Severity::Error;
            assert_eq!(
                model_fails, flagged,
                "len {len} {mode}: {}",
                finding.message
            );
            assert_eq!(flagged, p.len() <= DEVICE_BLOCK);
            assert_eq!(report.ok(), !flagged, "{}", finding.message);
            assert_eq!(finding.message.contains("silent mis-install"), flagged);
            at_risk_seen += usize::from(flagged);
        }
    }
    assert!(
        at_risk_seen >= 6,
        "the sample must include at-risk payloads"
    );
}

#[test]
fn one_to_three_trailing_bytes_all_install_on_the_model() {
    for extra in 1..=3usize {
        let image = bytes(5, 200, 2);
        let (_, mut p) =
            payload::build(&image, Some(&opts(Mode::Gzip, Level::Default, 10240))).unwrap();
        p.resize(p.len() - 1 + extra, 0);
        assert_eq!(device::install(Codec::Gzip, &p).unwrap(), padded(&image));
        assert!(payload::decode(Flag::Compressed, &p).is_ok());
    }
}

fn sample_package() -> Vec<u8> {
    let o = opts(Mode::Gzip, Level::Default, 1024);
    let (f0, p0) = payload::build(&bytes(1, 5000, 4), Some(&o)).unwrap();
    let (f1, p1) = payload::build(&bytes(2, 300, 1), None).unwrap();
    PackagePlan::new(vec![
        PlannedImage {
            image_id: 0,
            flag: f0,
            payload: p0,
        },
        PlannedImage {
            image_id: 6,
            flag: f1,
            payload: p1,
        },
    ])
    .unwrap()
    .emit()
}

fn errors(pkg: &[u8]) -> Vec<String> {
    match check(pkg, None) {
        Err(e) => vec![e.to_string()],
        Ok(r) => r
            .findings
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.message)
            .collect(),
    }
}

fn assert_fails(pkg: &[u8], needle: &str) {
    let e = errors(pkg);
    assert!(
        e.iter().any(|m| m.contains(needle)),
        "expected an error containing {needle:?}, got {e:?}"
    );
}

#[test]
fn corrupted_header_fields_fail_with_the_field_named() {
    let good = sample_package();
    assert!(errors(&good).is_empty());
    let cases: &[(usize, u8, &str)] = &[
        (0, b'X', "magic at offset 0x00000000"),
        (3, 0, "magic at offset 0x00000000"),
        (4, 2, "version at offset 0x00000004"),
        (5, 0x7F, "install_state at offset 0x00000005"),
        (6, 0, "image_count at offset 0x00000006"),
        (6, 3, "table entry 2"),
        (8, 0x55, "crc at offset 0x00000008"),
        (11, 0x55, "crc at offset 0x00000008"),
    ];
    for &(at, value, needle) in cases {
        let mut b = good.clone();
        b[at] = value;
        assert_fails(&b, needle);
    }
    // image_count 1: the second image's payload falls outside the CRC.
    let mut b = good.clone();
    b[6] = 1;
    assert_fails(&b, "crc at offset 0x00000008");
}

#[test]
fn corrupted_table_entries_fail() {
    let good = sample_package();
    let mut b = good.clone();
    b[12 + 1] = 1; // flag of entry 0
    assert_fails(&b, "table entry 0 (offset 0x0000000c, image id 0): flag 1");
    let mut b = good.clone();
    b[18] = 0; // id of entry 1 = id of entry 0
    assert_fails(&b, "image id hcpu already used by image 0");
    let mut b = good.clone();
    b[12 + 2] = b[12 + 2].wrapping_add(1); // payload_len of entry 0
    assert!(!errors(&b).is_empty());
    let mut b = good.clone();
    b[12 + 5] = 0x7F; // payload_len of entry 0 far beyond the file
    assert_fails(&b, "truncated: payload of table entry 0");
    let mut b = good;
    b[12 + 1] = 0; // compressed payload declared raw: CRC still holds, sizes no longer do
    assert!(parse(&b).is_ok());
}

#[test]
fn corrupted_payload_bytes_fail() {
    let good = sample_package();
    let start = parse(&good).unwrap().images[0].payload_offset;
    // Any payload byte: the CRC catches it.
    for at in [start, start + 9, good.len() - 1] {
        let mut b = good.clone();
        b[at] ^= 0x10;
        assert_fails(&b, "crc at offset 0x00000008");
    }
    // A packet corrupted with a CRC recomputed to match: the packet check catches it.
    let mut b = good.clone();
    b[start + 8 + 4 + 4 + 10] ^= 0xFF;
    let crc = {
        let p = parse(&b).unwrap();
        package::crc32_mpeg2(&b[p.payloads_start..p.payloads_end])
    };
    b[8..12].copy_from_slice(&crc.to_le_bytes());
    assert_fails(&b, "image 0 (id hcpu");
}

#[test]
fn truncation_at_every_length_fails() {
    let good = sample_package();
    for len in 0..good.len() {
        let e = errors(&good[..len]);
        assert!(!e.is_empty(), "length {len}");
        assert!(
            e[0].contains("truncated") || e[0].contains("crc"),
            "{len}: {e:?}"
        );
    }
}

#[test]
fn four_trailing_bytes_are_refused_by_verify() {
    let o = opts(Mode::Zlib, Level::Fast, 10240);
    let (f, mut p) = payload::build(&bytes(3, 100, 2), Some(&o)).unwrap();
    p.extend_from_slice(&[0, 0, 0]);
    let pkg = PackagePlan::new(vec![PlannedImage {
        image_id: 3,
        flag: f,
        payload: p,
    }])
    .unwrap()
    .emit();
    assert_fails(&pkg, "4 bytes follow the last packet");
}

#[test]
fn plan_refusals_are_typed() {
    let img = |id| PlannedImage {
        image_id: id,
        flag: Flag::Raw,
        payload: vec![1],
    };
    assert!(matches!(
        PackagePlan::new(vec![img(0), img(6), img(0)]),
        Err(PackageError::DuplicateImageId {
            image_id: 0,
            first: 0,
            second: 2
        })
    ));
}

#[test]
fn verify_refuses_a_package_mixing_gzip_and_zlib_images() {
    let image = bytes(3, 3000, 3);
    let (_, g) = payload::build(&image, Some(&opts(Mode::Gzip, Level::Fast, 1024))).unwrap();
    let (_, z) = payload::build(&image, Some(&opts(Mode::Zlib, Level::Fast, 1024))).unwrap();
    // The planner refuses mixed codecs, so plan the zlib payload as raw and flip its table
    // flag to 16 afterwards (the CRC covers the payloads only, so it stays right).
    let mut pkg = PackagePlan::new(vec![
        PlannedImage {
            image_id: 0,
            flag: Flag::Compressed,
            payload: g,
        },
        PlannedImage {
            image_id: 6,
            flag: Flag::Raw,
            payload: z,
        },
    ])
    .unwrap()
    .emit();
    assert!(errors(&pkg).is_empty(), "{:?}", errors(&pkg));
    pkg[12 + 6 + 1] = 16;
    assert_fails(
        &pkg,
        "image 1 (image id 6) is zlib-compressed but image 0 (image id 0) is gzip-compressed",
    );
    let report = check(&pkg, None).unwrap();
    let f = report
        .findings
        .iter()
        .find(|f| f.message.contains("never both"));
    assert_eq!(
        f.map(|f| (f.severity, f.image)),
        Some((Severity::Error, Some(1)))
    );
}
