//! The package flow against a scripted in-process device: each device behaviour of spec 4.2
//! (and its measurements) and what the sender must do about it.

mod peer;

use dfu::flow::{Event, Options};
use dfu::{send_package, DfuError};
use peer::package_dev::{Answers, PackageDev};
use peer::Peer;
use std::time::Duration;

/// An offline package header (one image) and `payload` pseudo-random bytes, CRC included.
fn package(payload: usize) -> Vec<u8> {
    let mut x = 0x1234_5678u32;
    let body: Vec<u8> = (0..payload)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let mut p = 0x5345_4346u32.to_le_bytes().to_vec();
    p.extend([1, 0xff, 1, 0]);
    p.extend(package::crc32_mpeg2(&body).to_le_bytes());
    p.extend([0, 0, 0, 0, 0, 0]);
    p.extend(body);
    p
}

fn opts() -> Options {
    Options {
        timeout: Duration::from_millis(1),
        ..Options::default()
    }
}

struct Run {
    result: Result<dfu::Report, DfuError>,
    events: Vec<Event>,
    dev: PackageDev,
}

fn run(pkg: &[u8], dev: PackageDev, o: &Options) -> Run {
    let mut peer = Peer::new(dev, 247);
    let mut events = Vec::new();
    let result = send_package(&mut peer, pkg, o, &mut |e| events.push(e.clone()));
    let dev = std::rc::Rc::try_unwrap(peer.dev).unwrap().into_inner();
    Run {
        result,
        events,
        dev,
    }
}

fn packets(pkg: &[u8]) -> u32 {
    pkg.len().div_ceil(2048) as u32
}

#[test]
fn a_whole_transfer_waits_for_every_response_of_an_sdk_that_answers_every_packet() {
    let pkg = package(20_000);
    let r = run(&pkg, PackageDev::new(Answers::EveryZero), &opts());
    let report = r.result.unwrap();
    assert_eq!(r.dev.flash, pkg);
    assert!(r.dev.received.iter().all(|&n| n == 1));
    assert_eq!(report.stats.round_trips, u64::from(packets(&pkg)) + 2);
    assert_eq!(report.stats.data_packets, u64::from(packets(&pkg)));
    assert_eq!(r.dev.seen_start_len, [16]);
    assert_eq!(r.events.last(), Some(&Event::Done));
}

#[test]
fn an_sdk_that_answers_every_ten_packets_costs_a_tenth_of_the_round_trips() {
    let pkg = package(100 * 2048 + 5);
    let r = run(&pkg, PackageDev::new(Answers::Ten), &opts());
    let report = r.result.unwrap();
    assert_eq!(r.dev.flash, pkg);
    assert!(r.dev.received.iter().all(|&n| n == 1));
    assert_eq!(report.stats.round_trips, u64::from(packets(&pkg) / 10) + 3);
}

#[test]
fn regression_no_response_after_the_last_packet_is_asked_again_not_a_failure() {
    let pkg = package(25 * 2048);
    let r = run(&pkg, PackageDev::new(Answers::TenLate), &opts());
    r.result.unwrap();
    assert_eq!(r.dev.flash, pkg);
    assert!(
        r.dev.received.iter().all(|&n| n == 1),
        "{:?}",
        r.dev.received
    );
    assert_eq!(
        r.dev.starts, 2,
        "one start, one 'ask again' after the last packet"
    );
}

#[test]
fn legacy_start_sends_the_twelve_byte_request() {
    let pkg = package(9000);
    let o = Options {
        legacy_start: true,
        ..opts()
    };
    let r = run(&pkg, PackageDev::new(Answers::Ten), &o);
    let report = r.result.unwrap();
    assert_eq!(r.dev.seen_start_len, [12]);
    assert_eq!(report.stats.round_trips, u64::from(packets(&pkg)) + 2);
    assert_eq!(r.dev.flash, pkg);
}

#[test]
fn a_link_dropped_after_any_packet_resumes_without_resending_a_stored_packet() {
    let pkg = package(7 * 2048 + 100);
    for answers in [Answers::EveryZero, Answers::Ten] {
        for k in 1..=packets(&pkg) {
            let mut dev = PackageDev::new(answers);
            dev.drop_after = Some(k);
            let r = run(&pkg, dev, &opts());
            let report = r
                .result
                .unwrap_or_else(|e| panic!("{answers:?} drop after {k}: {e}"));
            assert_eq!(r.dev.flash, pkg, "{answers:?} drop after {k}");
            assert!(
                r.dev.received.iter().all(|&n| n == 1),
                "{answers:?} drop after {k}: {:?}",
                r.dev.received
            );
            assert_eq!(report.stats.connections, 2);
            assert_eq!(report.stats.data_packets, u64::from(packets(&pkg)));
        }
    }
}

#[test]
fn a_power_cut_is_noticed_and_the_transfer_restarts_from_packet_one() {
    let pkg = package(6 * 2048 - 18);
    let mut dev = PackageDev::new(Answers::EveryZero);
    dev.power_cut_after = Some(4);
    let r = run(&pkg, dev, &opts());
    r.result.unwrap();
    assert_eq!(r.dev.flash, pkg);
    assert!(
        r.events.contains(&Event::DeviceRestarted {
            confirmed: 3,
            reported: 0
        }),
        "{:?}",
        r.events
    );
    assert_eq!(r.dev.received, [2, 2, 2, 2, 1, 1]);
}

#[test]
fn a_corrupted_packet_is_sent_again_from_the_count_the_device_reports() {
    let pkg = package(6 * 2048 - 18);
    for answers in [Answers::EveryZero, Answers::Ten] {
        let mut dev = PackageDev::new(answers);
        dev.corrupt = Some(3);
        let r = run(&pkg, dev, &opts());
        let report = r.result.unwrap();
        assert_eq!(r.dev.flash, pkg);
        assert!(r
            .events
            .iter()
            .any(|e| matches!(e, Event::Retransmit { from_packet: 3, .. })));
        // Pipelined: packets 4..6 were in flight and draw INDEX_ERRORs that must not rewind again.
        let resent = if answers == Answers::Ten { 4 } else { 1 };
        assert_eq!(packets(&pkg), 6);
        assert_eq!(
            report.stats.data_packets,
            u64::from(packets(&pkg)) + resent,
            "{answers:?}"
        );
    }
}

#[test]
fn a_lost_packet_is_recovered_by_asking_or_by_the_index_error() {
    let pkg = package(25 * 2048);
    for answers in [Answers::EveryZero, Answers::Ten] {
        let mut dev = PackageDev::new(answers);
        dev.lose = Some(3);
        let r = run(&pkg, dev, &opts());
        r.result.unwrap_or_else(|e| panic!("{answers:?}: {e}"));
        assert_eq!(r.dev.flash, pkg, "{answers:?}");
        assert!(r.dev.received.iter().all(|&n| n == 1), "{answers:?}");
    }
}

#[test]
fn fw_invalid_at_the_end_sends_everything_again_once() {
    let pkg = package(3 * 2048 - 18);
    let mut dev = PackageDev::new(Answers::EveryZero);
    dev.invalid_end = true;
    let r = run(&pkg, dev, &opts());
    let report = r.result.unwrap();
    assert_eq!(r.dev.flash, pkg);
    assert_eq!(report.stats.data_packets, 6);
    assert_eq!(r.dev.ended, 2);
}

#[test]
fn space_not_enough_stops_with_a_rejection_naming_the_code() {
    let pkg = package(3 * 2048 - 18);
    let mut dev = PackageDev::new(Answers::EveryZero);
    dev.region = 4096;
    let r = run(&pkg, dev, &opts());
    let e = r.result.unwrap_err();
    assert!(e.is_rejection());
    let text = e.to_string();
    assert!(
        text.contains("3 (SPACE_NOT_ENOUGH)") && text.contains("download region"),
        "{text}"
    );
    assert!(r.dev.received.is_empty());
}

#[test]
fn every_start_error_code_is_a_rejection_with_its_name() {
    for (code, name) in [
        (1, "GENERAL_ERR"),
        (4, "NOT_READY"),
        (12, "UNEXPECT_STATE"),
        (14, "UPDATING"),
        (0x40, "POSTPONE"),
        (77, "UNKNOWN"),
    ] {
        let mut dev = PackageDev::new(Answers::EveryZero);
        dev.start_result = code;
        let e = run(&package(100), dev, &opts()).result.unwrap_err();
        assert!(e.is_rejection() && e.to_string().contains(name), "{e}");
    }
}

#[test]
fn a_file_that_is_not_a_package_is_refused_before_connecting() {
    let e = run(
        b"not a package at all",
        PackageDev::new(Answers::EveryZero),
        &opts(),
    )
    .result
    .unwrap_err();
    assert!(
        matches!(e, DfuError::Input { .. }) && e.to_string().contains("offset 0"),
        "{e}"
    );
}

#[test]
fn regression_a_repeated_answer_is_not_a_protocol_error() {
    // Found with `device-sim --fault dup@3`: the late copy arrived while the sender waited for
    // IMAGE_PACKAGE_END_RSP, and the transfer failed.
    let pkg = package(6 * 2048 - 18);
    for (answers, k) in [
        (Answers::EveryZero, 3),
        (Answers::EveryZero, 6),
        (Answers::Ten, 6),
    ] {
        let mut dev = PackageDev::new(answers);
        dev.dup = Some(k);
        let r = run(&pkg, dev, &opts());
        r.result
            .unwrap_or_else(|e| panic!("{answers:?} dup {k}: {e}"));
        assert_eq!(r.dev.flash, pkg);
        assert!(r.dev.received.iter().all(|&n| n == 1));
    }
}
