//! The package-flow device driven in process with ATT values built by hand from the spec
//! tables (secure-and-online-dfu doc 4.1, 4.2), not with the simulator's own structs.

mod ble_common;

use ble_common::*;
use simulator::ble::fault::Fault;
use simulator::ble::package::PackageModel;

const STOP_AND_WAIT: PackageModel = PackageModel {
    answer_every: 1,
    answer_last: true,
    preempted: false,
};

const EVERY_TEN: PackageModel = PackageModel {
    answer_every: 10,
    answer_last: true,
    preempted: false,
};

fn start_v1(pkg: &[u8]) -> Vec<u8> {
    let mut p = start_old(pkg);
    p.extend_from_slice(&[1, 0, 0, 0]);
    p
}

fn start_old(pkg: &[u8]) -> Vec<u8> {
    let mut p = le32(pkg.len() as u32);
    p.extend(le32(packet_count(pkg)));
    p.extend_from_slice(&pkg[8..12]);
    p
}

fn packet_count(pkg: &[u8]) -> u32 {
    pkg.len().div_ceil(2048) as u32
}

/// `IMAGE_PACKAGE_PACKET_REQ` payload for 1-based packet `k`.
fn packet(pkg: &[u8], k: u32) -> Vec<u8> {
    let data = &pkg[(k as usize - 1) * 2048..(k as usize * 2048).min(pkg.len())];
    let mut p = le32(k);
    p.extend(le32(data.len() as u32));
    p.extend(le32(crc32_mpeg2(data)));
    p.extend_from_slice(data);
    p
}

/// `{u16 result, u8 b2, u8 b3, u32 count}` of a start or packet response.
fn rsp8(m: &(u16, Vec<u8>)) -> (u16, u8, u8, u32) {
    assert_eq!(m.1.len(), 8, "response of message {} is {:?}", m.0, m.1);
    (
        u16::from_le_bytes([m.1[0], m.1[1]]),
        m.1[2],
        m.1[3],
        u32::from_le_bytes(m.1[4..8].try_into().unwrap()),
    )
}

fn send_packets(
    c: &mut Client,
    pkg: &[u8],
    range: std::ops::RangeInclusive<u32>,
) -> Vec<(u16, Vec<u8>)> {
    range.flat_map(|k| c.send(40, &packet(pkg, k))).collect()
}

#[test]
fn stop_and_wait_transfer_installs_both_images_exactly() {
    let (pkg, images) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[], 247);
    let r = c.send(38, &start_v1(&pkg));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, 39);
    assert_eq!(rsp8(&r[0]), (0, 0, 0, 0));
    let n = packet_count(&pkg);
    for k in 1..=n {
        let r = c.send(40, &packet(&pkg, k));
        assert_eq!(r.len(), 1, "packet {k}");
        assert_eq!(r[0].0, 41);
        // Current SDKs confirm each packet with count 0.
        assert_eq!(rsp8(&r[0]), (0, 0, 0, 0), "packet {k}");
    }
    let r = c.send(42, &[0, 0]);
    assert_eq!(r, vec![(43, vec![0, 0])]);
    assert!(
        c.disconnected,
        "the device disconnects and reboots after END"
    );
    let report = c.sim.report();
    let install = report.last_install().expect("an install ran");
    assert!(install.new_firmware_installed, "{}", install.outcome);
    for (id, bytes) in &images {
        let got = install.images.iter().find(|i| i.id == *id).unwrap();
        assert_eq!(&got.bytes, bytes, "image {id}");
    }
    assert_eq!(install.images[0].file, "0-hcpu.bin");
    assert_eq!(report.resent_after_ack, 0);
    assert_eq!(report.round_trips, u64::from(n) + 2);
}

#[test]
fn answer_every_ten_announces_ten_and_answers_the_tenth_and_the_last() {
    let (pkg, _) = package();
    let n = packet_count(&pkg);
    assert!(n > 10 && n < 20, "{n} packets");
    let model = EVERY_TEN;
    let mut c = Client::package(model, &[], 247);
    assert_eq!(rsp8(&c.send(38, &start_v1(&pkg))[0]), (0, 10, 0, 0));
    let r = send_packets(&mut c, &pkg, 1..=n);
    let got: Vec<_> = r.iter().map(rsp8).collect();
    assert_eq!(got, vec![(0, 0, 0, 10), (0, 0, 0, n)]);
    assert_eq!(c.send(42, &[0, 0]), vec![(43, vec![0, 0])]);
    assert!(
        c.sim
            .report()
            .last_install()
            .unwrap()
            .new_firmware_installed
    );
}

#[test]
fn answer_every_ten_without_the_last_answer_stays_silent_after_the_last_packet() {
    let (pkg, _) = package();
    let n = packet_count(&pkg);
    let model = PackageModel {
        answer_last: false,
        ..EVERY_TEN
    };
    let mut c = Client::package(model, &[], 247);
    c.send(38, &start_v1(&pkg));
    let r = send_packets(&mut c, &pkg, 1..=n);
    assert_eq!(r.iter().map(rsp8).collect::<Vec<_>>(), vec![(0, 0, 0, 10)]);
}

#[test]
fn the_old_12_byte_start_request_gets_an_answer_per_packet_with_the_count() {
    let (pkg, _) = package();
    let model = EVERY_TEN;
    let mut c = Client::package(model, &[], 23);
    assert_eq!(rsp8(&c.send(38, &start_old(&pkg))[0]), (0, 1, 0, 0));
    let r = send_packets(&mut c, &pkg, 1..=3);
    assert_eq!(
        r.iter().map(rsp8).collect::<Vec<_>>(),
        vec![(0, 0, 0, 1), (0, 0, 0, 2), (0, 0, 0, 3)]
    );
}

#[test]
fn a_disconnect_keeps_progress_and_the_next_start_resumes() {
    let (pkg, images) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[], 247);
    c.send(38, &start_v1(&pkg));
    send_packets(&mut c, &pkg, 1..=5);
    c.reconnect();
    assert_eq!(rsp8(&c.send(38, &start_v1(&pkg))[0]), (0, 0, 0, 5));
    send_packets(&mut c, &pkg, 6..=packet_count(&pkg));
    assert_eq!(c.send(42, &[0, 0]), vec![(43, vec![0, 0])]);
    let report = c.sim.report();
    let install = report.last_install().unwrap();
    assert!(install.new_firmware_installed);
    assert_eq!(install.images[0].bytes, images[0].1);
    assert_eq!(report.connections, 2);
}

#[test]
fn a_power_cut_mid_transfer_forgets_progress() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[Fault::PowerCut(4)], 247);
    c.send(38, &start_v1(&pkg));
    let r = send_packets(&mut c, &pkg, 1..=4);
    assert_eq!(r.len(), 3, "no answer to the packet the power cut hit");
    assert!(c.disconnected);
    c.reconnect();
    assert_eq!(rsp8(&c.send(38, &start_v1(&pkg))[0]), (0, 0, 0, 0));
    assert_eq!(c.sim.report().faults_fired.len(), 1);
}

#[test]
fn a_dropped_link_after_a_packet_loses_its_answer_and_resumes_after_it() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[Fault::DropAfter(3)], 247);
    c.send(38, &start_v1(&pkg));
    assert_eq!(send_packets(&mut c, &pkg, 1..=3).len(), 2);
    assert!(c.disconnected);
    c.reconnect();
    assert_eq!(rsp8(&c.send(38, &start_v1(&pkg))[0]), (0, 0, 0, 3));
}

#[test]
fn a_package_larger_than_the_download_region_gets_space_not_enough() {
    let mut c = Client::package(STOP_AND_WAIT, &[], 247);
    let mut p = le32(0x0100_0000);
    p.extend(le32(0x0100_0000 / 2048));
    p.extend(le32(0x1234_5678));
    assert_eq!(rsp8(&c.send(38, &p)[0]), (3, 0, 0, 0));
}

#[test]
fn a_skipped_index_gets_index_error_with_retransmission_and_the_count() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[], 247);
    c.send(38, &start_v1(&pkg));
    send_packets(&mut c, &pkg, 1..=2);
    let r = c.send(40, &packet(&pkg, 4));
    assert_eq!(rsp8(&r[0]), (13, 1, 0, 2));
    // Resending from packet 3 works.
    assert_eq!(rsp8(&c.send(40, &packet(&pkg, 3))[0]), (0, 0, 0, 0));
}

#[test]
fn a_packet_lost_on_the_way_makes_the_next_one_an_index_error() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[Fault::Skip(2)], 247);
    c.send(38, &start_v1(&pkg));
    assert!(c.send(40, &packet(&pkg, 1)).len() == 1);
    assert!(
        c.send(40, &packet(&pkg, 2)).is_empty(),
        "packet 2 never arrives"
    );
    assert_eq!(rsp8(&c.send(40, &packet(&pkg, 3))[0]), (13, 1, 0, 1));
}

#[test]
fn a_corrupted_packet_gets_general_error_and_the_resend_is_taken() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[Fault::Corrupt(2)], 247);
    c.send(38, &start_v1(&pkg));
    c.send(40, &packet(&pkg, 1));
    assert_eq!(rsp8(&c.send(40, &packet(&pkg, 2))[0]), (1, 1, 0, 1));
    assert_eq!(rsp8(&c.send(40, &packet(&pkg, 2))[0]), (0, 0, 0, 0));
    let report = c.sim.report();
    assert_eq!(report.packets[1].fault.as_deref(), Some("corrupt"));
    assert_eq!(report.packets[1].result, Some(1));
    assert_eq!(report.resent_after_ack, 0, "packet 2 was never confirmed");
}

#[test]
fn a_bad_crc_from_the_sender_gets_general_error() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[], 247);
    c.send(38, &start_v1(&pkg));
    let mut p = packet(&pkg, 1);
    p[8] ^= 1;
    assert_eq!(rsp8(&c.send(40, &p)[0]), (1, 1, 0, 0));
}

#[test]
fn end_before_the_last_packet_is_fw_invalid_then_reboot_and_start_over() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[], 247);
    c.send(38, &start_v1(&pkg));
    send_packets(&mut c, &pkg, 1..=2);
    assert_eq!(c.send(42, &[0, 0]), vec![(43, vec![8, 0])]);
    assert!(c.disconnected);
    let report = c.sim.report();
    let install = report
        .last_install()
        .expect("the install thread runs anyway");
    assert!(!install.new_firmware_installed);
    assert!(install.images.is_empty(), "{}", install.outcome);
    c.reconnect();
    assert_eq!(
        rsp8(&c.send(38, &start_v1(&pkg))[0]),
        (0, 0, 0, 0),
        "rebooted: no resume"
    );
}

#[test]
fn a_rejected_start_carries_the_given_code() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[Fault::Reject(16)], 247);
    assert_eq!(rsp8(&c.send(38, &start_v1(&pkg))[0]), (16, 0, 0, 0));
    assert_eq!(rsp8(&c.send(38, &start_v1(&pkg))[0]), (0, 0, 0, 0), "once");
}

#[test]
fn a_packet_resent_after_its_confirmation_is_recorded() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[], 247);
    c.send(38, &start_v1(&pkg));
    send_packets(&mut c, &pkg, 1..=3);
    assert_eq!(rsp8(&c.send(40, &packet(&pkg, 3))[0]), (13, 1, 0, 3));
    let report = c.sim.report();
    assert_eq!(report.resent_after_ack, 1);
    assert!(report.packets[3].resent_after_ack);
}

#[test]
fn a_power_cut_during_the_install_leaves_the_old_firmware() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[Fault::InstallCut(0)], 247);
    c.send(38, &start_v1(&pkg));
    send_packets(&mut c, &pkg, 1..=packet_count(&pkg));
    assert_eq!(c.send(42, &[0, 0]), vec![(43, vec![0, 0])]);
    let report = c.sim.report();
    let install = report.last_install().unwrap();
    assert!(!install.new_firmware_installed);
    assert!(
        install.outcome.contains("old firmware intact"),
        "{}",
        install.outcome
    );
}

#[test]
fn mtu_23_fragments_the_senders_packets_and_the_device_reassembles_them() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[], 23);
    c.send(38, &start_v1(&pkg));
    let before = c.sim.report().att_writes;
    assert_eq!(rsp8(&c.send(40, &packet(&pkg, 1))[0]), (0, 0, 0, 0));
    // 4 + 12 + 2048 bytes at 20 per value: 16 in the first, 18 in each further one.
    let writes = c.sim.report().att_writes - before;
    assert_eq!(writes, 1 + (4 + 12 + 2048 - 16u64).div_ceil(18));
}

#[test]
fn a_duplicated_and_a_delayed_notification_reach_the_link() {
    let (pkg, _) = package();
    let mut c = Client::package(
        STOP_AND_WAIT,
        &[Fault::Duplicate(1), Fault::Delay(2, 5)],
        247,
    );
    let emits = c.sim.att_write(&whole(38, &start_v1(&pkg)));
    let notifies = emits
        .iter()
        .filter(|e| matches!(e, simulator::ble::Emit::Notify(_)))
        .count();
    assert_eq!(notifies, 2);
    let emits = c.sim.att_write(&whole(40, &packet(&pkg, 1)));
    assert_eq!(
        emits[0],
        simulator::ble::Emit::Sleep(std::time::Duration::from_millis(5))
    );
}

#[test]
fn packets_and_end_before_a_start_are_not_ready() {
    let (pkg, _) = package();
    let mut c = Client::package(STOP_AND_WAIT, &[], 247);
    assert_eq!(rsp8(&c.send(40, &packet(&pkg, 1))[0]), (4, 0, 0, 0));
    assert_eq!(c.send(42, &[0, 0]), vec![(43, vec![4, 0])]);
    assert!(
        c.sim.report().installs.is_empty(),
        "nothing stored: nothing to install"
    );
}

#[test]
fn a_last_packet_whose_length_disagrees_with_file_len_is_general_error_without_retransmission() {
    let (pkg, _) = package();
    let n = packet_count(&pkg);
    let mut c = Client::package(STOP_AND_WAIT, &[], 247);
    // Announce one byte more than the package has.
    let mut start = le32(pkg.len() as u32 + 1);
    start.extend(le32(n));
    start.extend_from_slice(&pkg[8..12]);
    c.send(38, &start);
    send_packets(&mut c, &pkg, 1..=n - 1);
    assert_eq!(rsp8(&c.send(40, &packet(&pkg, n))[0]), (1, 0, 0, n - 1));
}

#[test]
fn a_preempted_newer_sdk_answers_after_1_11_21_with_the_count_before_and_not_after_the_last() {
    let (pkg, _) = package();
    let n = packet_count(&pkg);
    let model = PackageModel {
        preempted: true,
        ..EVERY_TEN
    };
    let mut c = Client::package(model, &[], 247);
    assert_eq!(rsp8(&c.send(38, &start_v1(&pkg))[0]), (0, 10, 0, 0));
    let mut answered = Vec::new();
    for k in 1..=n {
        for r in c.send(40, &packet(&pkg, k)) {
            answered.push((k, rsp8(&r)));
        }
    }
    assert_eq!(answered, vec![(1, (0, 0, 0, 0)), (11, (0, 0, 0, 10))]);
    assert_eq!(c.send(42, &[0, 0]), vec![(43, vec![0, 0])]);
    assert!(
        c.sim
            .report()
            .last_install()
            .unwrap()
            .new_firmware_installed
    );
}
