//! The secure online flow against a scripted in-process device (spec 4.3 and its
//! measurements): reconnect after the init, resume after a drop, a power cut, a corrupted or
//! lost record, a rejected control packet.

mod peer;

use dfu::flow::{Event, Options};
use dfu::{send_secure, DfuError, SecureImage, SecureJob};
use peer::secure_dev::SecureDev;
use peer::Peer;
use std::time::Duration;

/// A record file: `hash[32] ‖ u32 offset ‖ block` per block of `bksize` bytes of `len` bytes.
fn records(len: usize, bksize: usize, seed: u8) -> Vec<u8> {
    let data: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    let mut out = Vec::new();
    for (k, b) in data.chunks(bksize).enumerate() {
        out.extend([seed; 32]);
        out.extend(((k * bksize) as u32).to_le_bytes());
        out.extend(b);
    }
    out
}

const CTRL: &[u8] = &[0x5a; 338 + 263 * 2];

fn opts() -> Options {
    Options {
        timeout: Duration::from_millis(1),
        num_of_rsp: 4,
        ..Options::default()
    }
}

struct Files {
    hcpu: Vec<u8>,
    res: Vec<u8>,
}

fn files() -> Files {
    Files {
        hcpu: records(512 * 9 + 100, 512, 1),
        res: records(512 * 3, 512, 2),
    }
}

fn run(
    f: &Files,
    dev: SecureDev,
    o: &Options,
) -> (Result<dfu::Report, DfuError>, Vec<Event>, SecureDev) {
    // Given out of order: the sender sorts by id (the phone's order).
    let images = vec![
        SecureImage::new(3, &f.res, None).unwrap(),
        SecureImage::new(0, &f.hcpu, None).unwrap(),
    ];
    let job = SecureJob::new(CTRL, images).unwrap();
    let mut peer = Peer::new(dev, 247);
    let mut events = Vec::new();
    let r = send_secure(&mut peer, &job, o, &mut |e| events.push(e.clone()));
    (
        r,
        events,
        std::rc::Rc::try_unwrap(peer.dev).unwrap().into_inner(),
    )
}

fn assert_installed(f: &Files, dev: &SecureDev) {
    assert!(dev.installed && !dev.early_end);
    assert_eq!(dev.stored[&0].concat(), f.hcpu);
    assert_eq!(dev.stored[&3].concat(), f.res);
}

#[test]
fn the_block_size_comes_from_the_records_own_offsets() {
    let f = records(1000, 256, 7);
    let img = SecureImage::new(5, &f, None).unwrap();
    assert_eq!(img.records.len(), 4);
    assert_eq!(img.records[3].len(), 36 + 1000 - 768);
    assert_eq!(
        SecureImage::new(5, &records(100, 512, 1), None)
            .unwrap()
            .records
            .len(),
        1
    );
    let e = SecureImage::new(5, &f, Some(512)).unwrap_err();
    assert!(
        e.to_string().contains("record 2") && e.to_string().contains("offset"),
        "{e}"
    );
    let e = SecureImage::new(5, &[0; 20], None).unwrap_err();
    assert!(e.to_string().contains("image 5"), "{e}");
}

#[test]
fn a_whole_transfer_reconnects_to_the_ota_manager_and_sends_images_by_ascending_id() {
    let f = files();
    let (r, events, dev) = run(&f, SecureDev::new(CTRL, &[0, 3]), &opts());
    let report = r.unwrap();
    assert_installed(&f, &dev);
    assert_eq!(report.stats.connections, 2);
    assert!(dev.received.values().all(|&n| n == 1));
    assert_eq!(report.packets, 13);
    let starts: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Start { image, .. } => *image,
            _ => None,
        })
        .collect();
    assert_eq!(starts, [0, 3]);
    // init + start/end per image + a response per 4 packets and the last (4, 8, 10; 3)
    // + END_IND.
    assert_eq!(report.stats.round_trips, 1 + 2 * 2 + (3 + 1) + 1);
}

#[test]
fn a_link_dropped_after_any_record_resumes_there_without_resending_a_record() {
    let f = files();
    for (id, n) in [(0u8, 10u16), (3, 3)] {
        for k in 1..=n {
            let mut dev = SecureDev::new(CTRL, &[0, 3]);
            dev.drop_after = Some((id, k));
            let (r, _, dev) = run(&f, dev, &opts());
            r.unwrap_or_else(|e| panic!("drop after {id}/{k}: {e}"));
            assert_installed(&f, &dev);
            assert!(
                dev.received.values().all(|&n| n == 1),
                "drop after {id}/{k}: {:?}",
                dev.received
            );
        }
    }
}

#[test]
fn a_power_cut_costs_the_current_image_only() {
    let f = files();
    let mut dev = SecureDev::new(CTRL, &[0, 3]);
    // Image 0 is done; image 3 is cut after its 2nd record: it starts over, image 0 is kept.
    dev.power_cut_after = Some((3, 2));
    let (r, events, dev) = run(&f, dev, &opts());
    r.unwrap();
    assert_installed(&f, &dev);
    assert!(
        (1..=10).all(|k| dev.received[&(0, k)] == 1),
        "image 0 is not sent again"
    );
    assert_eq!([1, 2, 3].map(|k| dev.received[&(3, k)]), [2, 2, 1]);
    assert!(events.contains(&Event::Skipped { image: 0 }));
    // Within an image: the device held 8 confirmed records and reports 0 after the cut.
    let mut dev = SecureDev::new(CTRL, &[0, 3]);
    dev.power_cut_after = Some((0, 9));
    let (r, events, dev) = run(&f, dev, &opts());
    r.unwrap();
    assert_installed(&f, &dev);
    assert!(
        events.contains(&Event::DeviceRestarted {
            confirmed: 8,
            reported: 0
        }),
        "{events:?}"
    );
    assert_eq!(dev.received[&(0, 1)], 2);
    assert_eq!(dev.received[&(0, 10)], 1);
}

#[test]
fn a_rejected_record_makes_the_device_reboot_and_the_sender_resume() {
    let f = files();
    let mut dev = SecureDev::new(CTRL, &[0, 3]);
    dev.corrupt = Some((0, 6));
    let (r, events, dev) = run(&f, dev, &opts());
    r.unwrap();
    assert_installed(&f, &dev);
    assert!(dev.received.values().all(|&n| n == 1));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Reconnect { reason } if reason.contains("GENERAL_ERR"))));
}

#[test]
fn a_lost_record_draws_a_link_loss_check_and_is_sent_again() {
    let f = files();
    let mut dev = SecureDev::new(CTRL, &[0, 3]);
    dev.lose = Some((0, 2));
    let (r, events, dev) = run(&f, dev, &opts());
    r.unwrap();
    assert_installed(&f, &dev);
    assert!(dev.received.values().all(|&n| n == 1), "{:?}", dev.received);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Retransmit { from_packet: 2, .. })));
}

#[test]
fn a_control_packet_the_device_rejects_stops_with_its_code() {
    let f = files();
    let (r, _, dev) = run(&f, SecureDev::new(&[1, 2, 3], &[0, 3]), &opts());
    let e = r.unwrap_err();
    assert!(
        e.is_rejection() && e.to_string().contains("9 (CONTROL_PACKET_INVALID)"),
        "{e}"
    );
    assert!(dev.received.is_empty());
}

#[test]
fn without_resume_the_device_is_told_to_start_over() {
    let f = files();
    let mut dev = SecureDev::new(CTRL, &[0, 3]);
    dev.saved = Some((3, 1, 4));
    let (r, _, dev) = run(
        &f,
        dev,
        &Options {
            resume: false,
            ..opts()
        },
    );
    r.unwrap();
    assert_installed(&f, &dev);
    assert_eq!(dev.received[&(0, 1)], 1);
}

#[test]
fn an_abort_by_the_device_is_resumed_on_a_new_connection() {
    let f = files();
    let mut dev = SecureDev::new(CTRL, &[0, 3]);
    dev.abort = Some((0, 5));
    let (r, events, dev) = run(&f, dev, &opts());
    r.unwrap();
    assert_installed(&f, &dev);
    assert!(dev.received.values().all(|&n| n == 1), "{:?}", dev.received);
    assert!(events.iter().any(|e| matches!(e, Event::Reconnect { reason } if reason.contains("ABORT_COMMAND reason 3"))), "{events:?}");
}

#[test]
fn a_missing_packet_answer_is_asked_with_a_retransmission_request() {
    let f = files();
    for key in [(0u8, 4u16), (0, 10), (3, 3)] {
        let mut dev = SecureDev::new(CTRL, &[0, 3]);
        dev.mute = Some(key);
        let (r, _, dev) = run(&f, dev, &opts());
        r.unwrap_or_else(|e| panic!("{key:?}: {e}"));
        assert_installed(&f, &dev);
        assert_eq!(dev.retrans_asked, 1, "{key:?}");
        assert!(
            dev.received.values().all(|&n| n == 1),
            "{key:?}: {:?}",
            dev.received
        );
    }
}

#[test]
fn a_link_loss_check_while_waiting_is_answered_and_the_transfer_goes_on() {
    let f = files();
    let mut dev = SecureDev::new(CTRL, &[0, 3]);
    dev.check_on_start = true;
    let (r, _, dev) = run(&f, dev, &opts());
    r.unwrap();
    assert_installed(&f, &dev);
    assert_eq!(dev.checks_answered, 1);
    assert!(dev.received.values().all(|&n| n == 1));
}
