//! End-to-end runs of the device model on packages built here from the spec (section 2/3), so
//! the simulator's tests do not depend on the packer they are meant to check.

use simulator::{
    Broken, Class, ComType, FlashMap, OldImages, Outcome, Region, Running, Scenario, SimError,
};
use std::io::Write;

const UNIT: u32 = 4096;

fn map() -> FlashMap {
    FlashMap::new(
        UNIT,
        Region::new("DFU_DOWNLOAD_REGION", 0x1238_0000, 0x0012_0000),
        [
            (0, Region::new("HCPU_FLASH_CODE", 0x1202_0000, 0x0030_0000)),
            (6, Region::new("DFU_FLASH_CODE", 0x1232_0000, 0x0006_0000)),
            (3, Region::new("HCPU_FLASH2_IMG", 0x1250_0000, 0x0010_0000)),
            (
                11,
                Region::new("FLASH_BOOT_LOADER", 0x1201_0000, 0x0001_0000),
            ),
        ],
    )
    .unwrap()
}

/// Pseudo-random firmware-like bytes: compressible but not trivially.
fn firmware(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            if i % 3 == 0 {
                (x & 0x0F) as u8
            } else {
                (i / 64) as u8
            }
        })
        .collect()
}

fn gzip_packet(chunk: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(chunk).unwrap();
    let body = enc.finish().unwrap();
    let mut p = (chunk.len() as u32).to_le_bytes().to_vec();
    p.extend_from_slice(&body);
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(chunk);
    p.extend_from_slice(&crc.to_le_bytes());
    p.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
    p
}

/// A compressed payload (section 3); `extra` appends imgtool's one safety byte.
fn payload(image: &[u8], pksize: usize, extra: bool) -> Vec<u8> {
    let mut padded = image.to_vec();
    padded.resize(image.len().div_ceil(16) * 16, 0);
    let mut p = (padded.len() as u32).to_le_bytes().to_vec();
    p.extend_from_slice(&(pksize as u32).to_le_bytes());
    for chunk in padded.chunks(pksize) {
        let packet = gzip_packet(chunk);
        p.extend_from_slice(&(packet.len() as u32).to_le_bytes());
        p.extend_from_slice(&packet);
    }
    if extra {
        p.push(0);
    }
    p
}

/// An offline v2 package of (id, flag, payload).
fn package(entries: &[(u8, u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"FCES".to_vec();
    out.push(1);
    out.push(0xFF);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    let payloads: Vec<u8> = entries.iter().flat_map(|e| e.2.clone()).collect();
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_MPEG_2).checksum(&payloads);
    out.extend_from_slice(&crc.to_le_bytes());
    for (id, flag, p) in entries {
        out.push(*id);
        out.push(*flag);
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(&payloads);
    out
}

fn app_and_installer() -> Vec<u8> {
    package(&[
        (6, 16, payload(&firmware(6, 30_000), 10240, true)),
        (0, 16, payload(&firmware(1, 70_000), 10240, true)),
    ])
}

#[test]
fn uncut_run_installs_every_image_exactly() {
    let s = Scenario::new(map(), &app_and_installer(), OldImages::default()).unwrap();
    let r = s.run();
    assert_eq!(r.outcome, Outcome::NewInstalled, "{:#?}", r.trace);
    assert!(r.passed());
    assert_eq!(r.checks.len(), 2);
    // 30_000 B installer: 8 erases + 3 chunks; 0x7F; 70_000 B app: 18 erases + 7 chunks; 0x3F.
    assert_eq!(r.ops.len(), 8 + 3 + 1 + 18 + 7 + 1);
    assert_eq!(s.com_type(), ComType::Gzip);
}

#[test]
fn power_cut_while_the_app_rewrites_the_installer_leaves_it_half_written() {
    let s = Scenario::new(map(), &app_and_installer(), OldImages::default()).unwrap();
    let sweep = s.power_cuts();
    assert_eq!(sweep.cuts.len(), 38);
    assert_eq!(sweep.count(Class::Broken), 0);
    let w = sweep.windows();
    // Before the first erase: nothing happened yet.
    assert_eq!(
        w[0].outcome,
        Outcome::OldIntact {
            already_new: vec![]
        }
    );
    assert_eq!(w[0].len(), 1);
    // Every later app operation: old app runs, installer region partial.
    assert_eq!(
        w[1].outcome,
        Outcome::Latent {
            running: Running::OldApp,
            partial: vec!["DFU_FLASH_CODE".into()],
            stale: vec![],
        }
    );
    assert_eq!((w[1].first.index, w[1].last.index), (1, 10));
    assert!(w[1].first.context.starts_with("app: image 6"));
    // Installer fully written, 0x7F not yet programmed: old app, new installer.
    assert_eq!(
        w[2].outcome,
        Outcome::OldIntact {
            already_new: vec!["DFU_FLASH_CODE".into()]
        }
    );
    assert_eq!(w[2].first.index, 11);
    // From 0x7F on, the bootloader restarts the installer until it finishes.
    assert_eq!(w[3].outcome, Outcome::NewInstalled);
    assert_eq!((w[3].first.index, w[3].last.index), (12, 37));
    assert_eq!(w.len(), 4);
    assert!(sweep.safe());
}

#[test]
fn app_only_package_never_leaves_anything_half_written() {
    let pkg = package(&[(0, 16, payload(&firmware(2, 50_000), 10240, true))]);
    let sweep = Scenario::new(map(), &pkg, OldImages::default())
        .unwrap()
        .power_cuts();
    assert_eq!(sweep.count(Class::Old), 1, "only the cut before 0x7F");
    assert_eq!(sweep.count(Class::New), sweep.cuts.len() - 1);
    assert_eq!(sweep.count(Class::Latent), 0);
}

#[test]
fn bootloader_update_is_a_brick_window() {
    let pkg = package(&[(11, 0, firmware(11, 9000))]);
    let sweep = Scenario::new(map(), &pkg, OldImages::default())
        .unwrap()
        .power_cuts();
    let first = sweep.first_broken().expect("a cut mid-bootloader bricks");
    assert_eq!(
        first.outcome,
        Outcome::Broken(Broken::StartsPartial {
            program: "bootloader",
            region: "FLASH_BOOT_LOADER".into()
        })
    );
    // Ops: 0x7F (0), 3 erases (1..=3), 18 raw 512-byte program calls (4..=21), 0x3F (22).
    // A cut before op 1 leaves the old bootloader whole and the install pending; a cut before
    // any of ops 2..=21 leaves FLASH_BOOT_LOADER partial, and the boot ROM starts it first.
    assert_eq!(first.op.index, 2);
    assert_eq!(sweep.count(Class::Broken), 3 + 18 - 1);
    assert!(!sweep.safe());
}

#[test]
fn vendor_payload_without_the_extra_byte_misinstalls_a_small_image() {
    let small = firmware(3, 400);
    let pkg = package(&[(0, 16, payload(&small, 10240, false))]);
    let r = Scenario::new(map(), &pkg, OldImages::default())
        .unwrap()
        .run();
    assert!(!r.passed());
    assert_eq!(
        r.outcome,
        Outcome::Broken(Broken::StartsPartial {
            program: "app",
            region: "HCPU_FLASH_CODE".into()
        })
    );
    assert_eq!(r.checks[0].first_difference, Some(0));
    let fixed = package(&[(0, 16, payload(&small, 10240, true))]);
    assert!(Scenario::new(map(), &fixed, OldImages::default())
        .unwrap()
        .run()
        .passed());
}

#[test]
fn installer_that_cannot_decode_loops() {
    let s = Scenario::new(map(), &app_and_installer(), OldImages::default())
        .unwrap()
        .with_com_type(ComType::Zlib);
    let r = s.run();
    // The app already fails to decode the installer image and keeps running the old firmware.
    assert_eq!(
        r.outcome,
        Outcome::Latent {
            running: Running::OldApp,
            partial: vec!["DFU_FLASH_CODE".into()],
            stale: vec![],
        }
    );
    let app_only = package(&[(0, 16, payload(&firmware(2, 5000), 10240, true))]);
    let r = Scenario::new(map(), &app_only, OldImages::default())
        .unwrap()
        .with_com_type(ComType::Zlib)
        .run();
    assert!(
        matches!(r.outcome, Outcome::Broken(Broken::Loops { .. })),
        "{}",
        r.outcome
    );
}

#[test]
fn given_old_images_are_what_old_intact_means() {
    let old_app = firmware(100, 12_345);
    let s = Scenario::new(
        map(),
        &app_and_installer(),
        OldImages {
            app: Some(old_app),
            installer: Some(firmware(106, 777)),
        },
    )
    .unwrap();
    let (outcome, trace) = s.run_with_cut(0);
    assert_eq!(
        outcome,
        Outcome::OldIntact {
            already_new: vec![]
        }
    );
    assert!(trace.iter().any(|l| l.contains("power lost")), "{trace:#?}");
}

#[test]
fn setup_refuses_what_the_device_could_not_take() {
    let big = package(&[(3, 0, vec![1; 0x0010_0001])]);
    let e = Scenario::new(map(), &big, OldImages::default()).unwrap_err();
    assert!(matches!(e, SimError::ImageTooLarge { id: 3, .. }), "{e}");
    let unknown = package(&[(4, 0, vec![1; 10])]);
    let e = Scenario::new(map(), &unknown, OldImages::default()).unwrap_err();
    assert_eq!(e, SimError::NoRegion { id: 4, index: 0 });
    let mut bad_crc = app_and_installer();
    bad_crc[8] ^= 1;
    let e = Scenario::new(map(), &bad_crc, OldImages::default()).unwrap_err();
    assert!(e.to_string().contains("CRC"), "{e}");
    let e = Scenario::new(
        map(),
        &app_and_installer(),
        OldImages {
            app: Some(vec![0; 0x0030_0001]),
            installer: None,
        },
    )
    .unwrap_err();
    assert!(matches!(e, SimError::OldImageTooLarge { .. }), "{e}");
}

#[test]
fn half_written_installer_is_repaired_by_a_retry_and_bricks_a_package_without_it() {
    let s = Scenario::new(map(), &app_and_installer(), OldImages::default()).unwrap();
    let f = s.follow_ups(5);
    assert_eq!(f.retry, Outcome::NewInstalled);
    assert_eq!(
        f.without_installer,
        Outcome::Broken(Broken::StartsPartial {
            program: "installer",
            region: "DFU_FLASH_CODE".into()
        })
    );
    // Outside the window the same follow-ups are harmless.
    let f = s.follow_ups(11);
    assert_eq!(f.retry, Outcome::NewInstalled);
    assert!(
        !matches!(f.without_installer, Outcome::Broken(_)),
        "{}",
        f.without_installer
    );
}

#[test]
fn an_app_that_resumes_the_stored_package_closes_the_installer_window() {
    let s = Scenario::new(map(), &app_and_installer(), OldImages::default())
        .unwrap()
        .with_app_resume(true);
    let sweep = s.power_cuts();
    assert_eq!(
        sweep.count(Class::New),
        sweep.cuts.len(),
        "{:#?}",
        sweep.windows()
    );
    let (_, trace) = s.run_with_cut(5);
    assert_eq!(
        trace
            .iter()
            .filter(|l| l.contains("app: install step"))
            .count(),
        2,
        "{trace:#?}"
    );
}
