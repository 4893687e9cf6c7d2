//! The secure-flow device driven in process: control packet and record files made by the
//! `secure` crate from the SDK's development keys, messages built by hand from the tables of
//! the secure-and-online-dfu doc 4.3.

mod ble_common;

use ble_common::*;
use secure::online::{build_online, BuildKeys, OnlineImage, OnlineParams};
use secure::{RootKey, SessionKey, SigningKey};
use simulator::ble::fault::Fault;
use simulator::ble::secure::{DeviceKeys, SecureDevice};
use simulator::ble::{LinkOptions, Sim};

fn key_file(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/secure/keys/sifli02")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

struct Set {
    ctrl: Vec<u8>,
    /// `(img_id, record file, what the install must give)`.
    images: Vec<(u8, Vec<u8>, Vec<u8>)>,
}

/// Image 0: flag 17 (encrypted, compressed), 40 records of 512; image 3: flag 0, raw.
fn set() -> Set {
    let root = RootKey::from_bytes(&key_file("s01.bin"), "s01.bin").unwrap();
    let signer = SigningKey::from_pem(&key_file("sig_pri.pem"), "sig_pri.pem").unwrap();
    let session = SessionKey::from_bytes(&[0x42; 32], "test").unwrap();
    let app: Vec<u8> = (0..40_000u32)
        .map(|i| (i % 251) as u8 ^ (i / 4096) as u8)
        .collect();
    let mut rng = firmware(9, 20_000);
    rng.truncate(20_000);
    let app_img = [app, rng].concat();
    let com = ezip::payload::encode(&app_img, &ezip::payload::PayloadOptions::default()).unwrap();
    let res = firmware(4, 1500);
    let images = [
        OnlineImage {
            img_id: 0,
            flag: 17,
            data: com,
        },
        OnlineImage {
            img_id: 3,
            flag: 0,
            data: res.clone(),
        },
    ];
    let keys = BuildKeys {
        root: &root,
        signer: &signer,
        session_key: &session,
        nonce_hash: None,
    };
    let dfu = build_online(&images, &OnlineParams::default(), &keys).unwrap();
    let mut res_padded = res;
    res_padded.resize(1504, 0);
    let padded_app = {
        let mut a = app_img;
        a.resize(a.len().next_multiple_of(16), 0);
        a
    };
    Set {
        ctrl: dfu.ctrl,
        images: vec![
            (0, dfu.images[0].file.clone(), padded_app),
            (3, dfu.images[1].file.clone(), res_padded),
        ],
    }
}

fn client(faults: &[Fault]) -> Client {
    let root = RootKey::from_bytes(&key_file("s01.bin"), "s01.bin").unwrap();
    let verifier = SigningKey::from_pem(&key_file("sig_pri.pem"), "sig_pri.pem")
        .unwrap()
        .verifying_key();
    let dev = SecureDevice::new(DeviceKeys { root, verifier });
    Client::new(
        Sim::new(
            Box::new(dev),
            LinkOptions {
                mtu: 247,
                latency_us: 0,
            },
            faults,
        ),
        247,
    )
}

fn records(file: &[u8]) -> Vec<&[u8]> {
    file.chunks(36 + 512).collect()
}

/// `IMAGE_SEND_START` as phones write it: 10 bytes.
fn send_start(file: &[u8], id: u8, n_rsp: u8) -> Vec<u8> {
    let mut p = le32(file.len() as u32);
    p.extend(le32(records(file).len() as u32));
    p.extend_from_slice(&[n_rsp, id]);
    p
}

/// `IMAGE_SEND_PACKET`: `u8 img_id, pad, u16 pkt_idx, u16 size, record`.
fn packet(file: &[u8], id: u8, k: u16) -> Vec<u8> {
    let rec = records(file)[usize::from(k) - 1];
    let mut p = vec![id, 0];
    p.extend_from_slice(&k.to_le_bytes());
    p.extend_from_slice(&(rec.len() as u16).to_le_bytes());
    p.extend_from_slice(rec);
    p
}

/// `{u16 result, u8 resume, u8 restart, u32 pkt, u8 img, u8 rsp, u8 is_boot, u8 ver}`.
fn init_rsp(result: u16, resume: u8, pkt: u32, img: u8, rsp: u8, is_boot: u8) -> (u16, Vec<u8>) {
    let mut v = result.to_le_bytes().to_vec();
    v.extend_from_slice(&[resume, 0]);
    v.extend(le32(pkt));
    v.extend_from_slice(&[img, rsp, is_boot, 2]);
    (33, v)
}

/// Sends packets `range` of an image; returns the responses.
fn packets(
    c: &mut Client,
    file: &[u8],
    id: u8,
    range: std::ops::RangeInclusive<u16>,
) -> Vec<(u16, Vec<u8>)> {
    range
        .flat_map(|k| c.send(10, &packet(file, id, k)))
        .collect()
}

/// The app step of a fresh or resumed download: init, completed, the app reboots.
fn app_init(c: &mut Client, s: &Set, resume: u8) -> Vec<(u16, Vec<u8>)> {
    let r = c.send(32, &s.ctrl);
    assert!(c.send(34, &[resume]).is_empty());
    assert!(c.disconnected, "the app reboots into the OTA manager");
    c.reconnect();
    r
}

/// One whole image from packet `from`.
fn image(c: &mut Client, file: &[u8], id: u8, from: u16, more: u8) {
    let n = records(file).len() as u16;
    assert_eq!(
        c.send(6, &send_start(file, id, 20)),
        vec![(7, vec![0, 0, 1, 0])]
    );
    let r = packets(c, file, id, from..=n);
    assert!(r.iter().all(|m| *m == (11, vec![0, 0])), "{r:?}");
    assert_eq!(c.send(8, &[id, more]), vec![(9, vec![0, 0])]);
}

fn finish(c: &mut Client, s: &Set) {
    assert_eq!(c.send(12, &[0]), vec![(13, vec![0])]);
    assert!(c.disconnected);
    let report = c.sim.report();
    let install = report.last_install().unwrap();
    assert!(install.new_firmware_installed, "{}", install.outcome);
    for (id, _, want) in &s.images {
        let got = install.images.iter().find(|i| i.id == *id).unwrap();
        assert!(
            got.bytes == *want,
            "image {id}: {} bytes, want {}",
            got.bytes.len(),
            want.len()
        );
    }
}

#[test]
fn whole_secure_transfer_installs_the_decrypted_images() {
    let s = set();
    let mut c = client(&[]);
    let r = app_init(&mut c, &s, 0);
    assert_eq!(r, vec![init_rsp(0, 0, 0, 0, 0, 1)]);
    let (id0, f0, _) = &s.images[0];
    let n = records(f0).len() as u16;
    assert_eq!(
        c.send(6, &send_start(f0, *id0, 20)),
        vec![(7, vec![0, 0, 1, 0])]
    );
    let r = packets(&mut c, f0, *id0, 1..=n);
    // Every 20th packet and the last.
    assert_eq!(r.len(), usize::from(n.div_ceil(20)), "{n} packets");
    assert_eq!(c.send(8, &[*id0, 1]), vec![(9, vec![0, 0])]);
    let (id1, f1, _) = &s.images[1];
    image(&mut c, f1, *id1, 1, 0);
    finish(&mut c, &s);
    assert_eq!(c.sim.report().resent_after_ack, 0);
}

#[test]
fn a_disconnect_mid_image_resumes_through_the_app_at_the_saved_packet() {
    let s = set();
    let mut c = client(&[]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    assert_eq!(
        c.send(6, &send_start(f0, *id0, 20)),
        vec![(7, vec![0, 0, 1, 0])]
    );
    packets(&mut c, f0, *id0, 1..=30);
    c.reconnect();
    // The OTA manager saved and rebooted into the app, which offers the resume.
    let r = app_init(&mut c, &s, 1);
    assert_eq!(r, vec![init_rsp(0, 1, 30, 0, 20, 1)]);
    image(&mut c, f0, *id0, 31, 1);
    image(&mut c, &s.images[1].1, 3, 1, 0);
    finish(&mut c, &s);
}

#[test]
fn init_completed_zero_after_a_resume_offer_starts_over() {
    let s = set();
    let mut c = client(&[]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    c.send(6, &send_start(f0, *id0, 20));
    packets(&mut c, f0, *id0, 1..=30);
    c.reconnect();
    assert_eq!(app_init(&mut c, &s, 0), vec![init_rsp(0, 1, 30, 0, 20, 1)]);
    image(&mut c, f0, *id0, 1, 1);
}

#[test]
fn a_power_cut_costs_the_current_image_and_the_ota_manager_answers_the_init() {
    let s = set();
    let mut c = client(&[Fault::PowerCut(25)]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    c.send(6, &send_start(f0, *id0, 20));
    let r = packets(&mut c, f0, *id0, 1..=25);
    assert_eq!(r.len(), 1, "the answer after 20 only");
    assert!(c.disconnected);
    c.reconnect();
    assert_eq!(
        c.send(32, &s.ctrl),
        vec![init_rsp(0, 1, 0, 0, 20, 0)],
        "is_boot 0, from packet 0"
    );
    assert!(c.send(34, &[1]).is_empty());
    assert!(!c.disconnected, "the OTA manager keeps the link");
    image(&mut c, f0, *id0, 1, 1);
    image(&mut c, &s.images[1].1, 3, 1, 0);
    finish(&mut c, &s);
    assert_eq!(
        c.sim.report().resent_after_ack,
        0,
        "the device lost what it had confirmed"
    );
}

#[test]
fn a_corrupted_record_gets_result_1_then_save_and_reboot_and_resumes_at_the_last_good_one() {
    let s = set();
    let mut c = client(&[Fault::Corrupt(5)]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    c.send(6, &send_start(f0, *id0, 20));
    let r = packets(&mut c, f0, *id0, 1..=5);
    assert_eq!(r, vec![(11, vec![1, 0])]);
    assert!(c.disconnected);
    c.reconnect();
    assert_eq!(app_init(&mut c, &s, 1), vec![init_rsp(0, 1, 4, 0, 20, 1)]);
    image(&mut c, f0, *id0, 5, 1);
    let report = c.sim.report();
    assert_eq!(report.packets[4].fault.as_deref(), Some("corrupt"));
    assert_eq!(report.packets[4].result, Some(1));
}

#[test]
fn out_of_order_packets_get_link_loss_checks_with_num_of_rsp_halving_after_three() {
    let s = set();
    let mut c = client(&[]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    c.send(6, &send_start(f0, *id0, 20));
    packets(&mut c, f0, *id0, 1..=21);
    let mut got = Vec::new();
    for k in 23..=28 {
        let r = c.send(10, &packet(f0, *id0, k));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 35);
        let v = &r[0].1;
        assert_eq!(u16::from_le_bytes([v[0], v[1]]), 0);
        assert_eq!(
            u32::from_le_bytes(v[4..8].try_into().unwrap()),
            21,
            "current_index"
        );
        got.push(u16::from_le_bytes([v[2], v[3]]));
    }
    assert_eq!(got, [20, 20, 20, 10, 5, 1]);
    assert!(!c.disconnected, "no error, no reboot");
    assert!(c.send(36, &[0, 0]).is_empty());
    // Resent from current_index + 1, now answered every packet.
    assert_eq!(c.send(10, &packet(f0, *id0, 22)), vec![(11, vec![0, 0])]);
}

#[test]
fn a_retransmission_request_rewinds_to_the_last_answered_packet() {
    let s = set();
    let mut c = client(&[]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    c.send(6, &send_start(f0, *id0, 20));
    packets(&mut c, f0, *id0, 1..=25);
    let r = c.send(16, &[]);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, 17);
    // {result 0, new_num_of_rsp 20 (one success so far: no halving), packet 20}.
    assert_eq!(r[0].1, [0, 0, 20, 0, 20, 0, 0, 0]);
    let r = packets(&mut c, f0, *id0, 21..=40);
    assert_eq!(r, vec![(11, vec![0, 0])]);
    assert_eq!(c.sim.report().resent_after_ack, 0);
}

#[test]
fn a_packet_resent_after_its_answer_is_recorded() {
    let s = set();
    let mut c = client(&[]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    c.send(6, &send_start(f0, *id0, 20));
    packets(&mut c, f0, *id0, 1..=20);
    let r = c.send(10, &packet(f0, *id0, 20));
    assert_eq!(r[0].0, 35, "out of order: a link-loss check");
    assert_eq!(c.sim.report().resent_after_ack, 1);
}

#[test]
fn transmission_end_with_an_image_missing_bricks_the_device() {
    let s = set();
    let mut c = client(&[]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    image(&mut c, f0, *id0, 1, 1);
    assert!(c.send(12, &[0]).is_empty(), "no END_IND: the install halts");
    assert!(c.disconnected);
    let report = c.sim.report();
    let install = report.last_install().unwrap();
    assert!(!install.new_firmware_installed);
    assert!(install.outcome.contains("BROKEN"), "{}", install.outcome);
    c.sim.link_lost();
    let emits = c.sim.connect();
    assert_eq!(
        emits,
        vec![simulator::ble::Emit::Disconnect],
        "the device does not come back"
    );
}

#[test]
fn a_control_packet_with_a_bad_hash_gets_1_and_a_bad_signature_gets_9() {
    let s = set();
    let mut c = client(&[]);
    let mut bad = s.ctrl.clone();
    bad[40] ^= 1;
    assert_eq!(c.send(32, &bad), vec![init_rsp(1, 0, 0, 0, 0, 1)]);
    let mut bad = s.ctrl.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(c.send(32, &bad), vec![init_rsp(9, 0, 0, 0, 0, 1)]);
    assert_eq!(c.send(32, &s.ctrl[..100]), vec![init_rsp(1, 0, 0, 0, 0, 1)]);
}

#[test]
fn a_device_with_another_root_key_refuses_the_control_packet() {
    let s = set();
    let verifier = SigningKey::from_pem(&key_file("sig_pri.pem"), "sig_pri.pem")
        .unwrap()
        .verifying_key();
    let dev = SecureDevice::new(DeviceKeys {
        root: RootKey::from_bytes(&[7; 32], "other").unwrap(),
        verifier,
    });
    let mut c = Client::new(Sim::new(Box::new(dev), LinkOptions::default(), &[]), 247);
    assert_eq!(c.send(32, &s.ctrl), vec![init_rsp(1, 0, 0, 0, 0, 1)]);
}

#[test]
fn a_rejected_init_carries_the_given_code_once() {
    let s = set();
    let mut c = client(&[Fault::Reject(10)]);
    assert_eq!(c.send(32, &s.ctrl), vec![init_rsp(10, 0, 0, 0, 0, 1)]);
    assert_eq!(c.send(32, &s.ctrl), vec![init_rsp(0, 0, 0, 0, 0, 1)]);
}

#[test]
fn old_style_init_after_an_interrupted_download_is_ota_ongoing_and_force_init_restarts() {
    let s = set();
    let mut c = client(&[]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    c.send(6, &send_start(f0, *id0, 20));
    packets(&mut c, f0, *id0, 1..=3);
    c.reconnect();
    // dfu_init_response_t: {u16 result, u8 is_boot, pad}.
    assert_eq!(c.send(0, &s.ctrl), vec![(1, vec![10, 0, 1, 0])]);
    assert_eq!(c.send(14, &s.ctrl), vec![(1, vec![0, 0, 1, 0])]);
    assert!(c.send(2, &[1]).is_empty());
    assert!(c.disconnected);
}

#[test]
fn an_unanswered_link_loss_check_ends_in_save_and_reboot() {
    let s = set();
    let mut c = client(&[]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    c.send(6, &send_start(f0, *id0, 20));
    packets(&mut c, f0, *id0, 1..=7);
    let emits = c.sim.idle();
    let r = c.take(emits);
    assert_eq!(r, vec![(35, vec![0, 0, 10, 0, 7, 0, 0, 0])]);
    let emits = c.sim.idle();
    c.take(emits);
    assert!(c.disconnected, "remote lost");
    c.reconnect();
    assert_eq!(app_init(&mut c, &s, 1), vec![init_rsp(0, 1, 7, 0, 10, 1)]);
}

#[test]
fn an_app_abort_sends_abort_command_saves_and_resumes_on_retry() {
    let s = set();
    let mut c = client(&[Fault::Abort(5, 0x0102)]);
    app_init(&mut c, &s, 0);
    let (id0, f0, _) = &s.images[0];
    c.send(6, &send_start(f0, *id0, 20));
    let r = packets(&mut c, f0, *id0, 1..=5);
    assert_eq!(r, vec![(37, vec![2, 1])], "ABORT_COMMAND {{reason}}");
    assert!(c.disconnected);
    c.reconnect();
    assert_eq!(app_init(&mut c, &s, 1), vec![init_rsp(0, 1, 5, 0, 20, 1)]);
    image(&mut c, f0, *id0, 6, 1);
}

#[test]
fn an_abort_command_from_the_sender_is_ignored_as_the_sdk_has_no_handler() {
    let s = set();
    let mut c = client(&[]);
    app_init(&mut c, &s, 0);
    assert!(c.send(37, &[0, 0]).is_empty());
    assert!(!c.disconnected);
    assert_eq!(c.sim.report().protocol_errors.len(), 1);
}
