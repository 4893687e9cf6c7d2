//! `imgtool device-sim`: the built binary on port 0, driven over TCP by a minimal scripted
//! sender written here from the wire format and the spec tables.

use crate::common::{crc_mpeg2, read, read_text, tempdir};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

fn spawn(dir: &std::path::Path, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_imgtool"))
        .arg("device-sim")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .trim()
        .to_string();
    (child, addr)
}

fn frame(s: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut head = [0u8; 3];
    s.read_exact(&mut head).unwrap();
    let mut v = vec![0; usize::from(u16::from_le_bytes([head[1], head[2]]))];
    s.read_exact(&mut v).unwrap();
    (head[0], v)
}

/// Writes one DFU message as serial-transmission frames at `mtu` (fragmented when long).
fn write_msg(s: &mut TcpStream, id: u16, payload: &[u8], mtu: usize) {
    let mut msg = id.to_le_bytes().to_vec();
    msg.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    msg.extend_from_slice(payload);
    let room = mtu - 3;
    let mut values = Vec::new();
    if msg.len() + 4 <= room {
        values.push([&[1u8, 0][..], &(msg.len() as u16).to_le_bytes(), &msg].concat());
    } else {
        values.push(
            [
                &[1u8, 1][..],
                &(msg.len() as u16).to_le_bytes(),
                &msg[..room - 4],
            ]
            .concat(),
        );
        let mut rest = &msg[room - 4..];
        while !rest.is_empty() {
            let n = rest.len().min(room - 2);
            let flag = if n == rest.len() { 3 } else { 2 };
            values.push([&[1u8, flag][..], &rest[..n]].concat());
            rest = &rest[n..];
        }
    }
    for v in values {
        let mut f = vec![1u8];
        f.extend_from_slice(&(v.len() as u16).to_le_bytes());
        f.extend_from_slice(&v);
        s.write_all(&f).unwrap();
    }
}

/// Reads one notification holding a whole message: `(id, payload)`.
fn read_msg(s: &mut TcpStream) -> (u16, Vec<u8>) {
    let (kind, v) = frame(s);
    assert_eq!(kind, 2, "expected a notification, got type {kind}: {v:?}");
    assert_eq!(v[..2], [1, 0], "one unfragmented DFU frame");
    let id = u16::from_le_bytes([v[4], v[5]]);
    (id, v[8..].to_vec())
}

fn image(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(seed) ^ (i >> 7) as u8)
        .collect()
}

/// offline_install.bin v2 with two raw images (id 0 and 6), by the formats doc section 2.
fn package(app: &[u8], dfu: &[u8]) -> Vec<u8> {
    let payloads = [app, dfu].concat();
    let mut p = b"FCES\x01\xff".to_vec();
    p.extend_from_slice(&2u16.to_le_bytes());
    p.extend_from_slice(&crc_mpeg2(&payloads).to_le_bytes());
    for (id, img) in [(0u8, app), (6u8, dfu)] {
        p.extend_from_slice(&[id, 0]);
        p.extend_from_slice(&(img.len() as u32).to_le_bytes());
    }
    p.extend_from_slice(&payloads);
    p
}

#[test]
fn device_sim_receives_a_package_over_tcp_installs_it_and_reports() {
    let tmp = tempdir();
    let d = tmp.path();
    let (app, dfu) = (image(7, 9000), image(13, 3000));
    let pkg = package(&app, &dfu);
    let (child, addr) = spawn(
        d,
        &[
            "--listen",
            "127.0.0.1:0",
            "--flow",
            "package",
            "--out",
            "sim",
            "--once",
            "--fault",
            "corrupt@2",
        ],
    );
    let mut s = TcpStream::connect(&addr).unwrap();
    assert_eq!(
        frame(&mut s),
        (3, 247u16.to_le_bytes().to_vec()),
        "link parameters first"
    );
    let count = pkg.len().div_ceil(2048) as u32;
    let mut start = (pkg.len() as u32).to_le_bytes().to_vec();
    start.extend_from_slice(&count.to_le_bytes());
    start.extend_from_slice(&pkg[8..12]);
    start.extend_from_slice(&[1, 0, 0, 0]);
    write_msg(&mut s, 38, &start, 247);
    assert_eq!(read_msg(&mut s), (39, vec![0; 8]));
    let mut k = 1;
    let mut retries = 0;
    while k <= count {
        let data = &pkg[(k as usize - 1) * 2048..(k as usize * 2048).min(pkg.len())];
        let mut p = k.to_le_bytes().to_vec();
        p.extend_from_slice(&(data.len() as u32).to_le_bytes());
        p.extend_from_slice(&crc_mpeg2(data).to_le_bytes());
        p.extend_from_slice(data);
        write_msg(&mut s, 40, &p, 247);
        let (id, r) = read_msg(&mut s);
        assert_eq!(id, 41);
        if r[0] == 0 {
            k += 1;
        } else {
            // corrupt@2: GENERAL_ERR, retransmission, completed 1.
            assert_eq!(r, [1, 0, 1, 0, 1, 0, 0, 0]);
            retries += 1;
        }
    }
    assert_eq!(retries, 1);
    write_msg(&mut s, 42, &[0, 0], 247);
    assert_eq!(read_msg(&mut s), (43, vec![0, 0]));
    assert_eq!(
        frame(&mut s),
        (4, vec![]),
        "the device disconnects after END"
    );
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(read(&d.join("sim/0-hcpu.bin")), app);
    assert_eq!(read(&d.join("sim/6-ota-manager.bin")), dfu);
    let report: serde_json::Value =
        serde_json::from_str(&read_text(&d.join("sim/report.json"))).unwrap();
    assert_eq!(report["flow"], "package");
    assert_eq!(report["connections"], 1);
    assert_eq!(
        report["packets"].as_array().unwrap().len(),
        count as usize + 1
    );
    assert_eq!(report["packets"][1]["fault"], "corrupt");
    assert_eq!(report["resent_after_ack"], 0);
    assert_eq!(report["round_trips"], u64::from(count) + 3);
    assert_eq!(report["installs"][0]["new_firmware_installed"], true);
    assert!(stdout.contains("fault fired: corrupt@2"), "{stdout}");
}

#[test]
fn device_sim_refuses_a_bad_fault_and_teaches_the_forms() {
    let tmp = tempdir();
    let o = crate::common::imgtool(
        tmp.path(),
        &[
            "device-sim",
            "--flow",
            "package",
            "--out",
            "x",
            "--fault",
            "boom@1",
        ],
    );
    assert_eq!(o.code(), 2);
    assert!(o.text().contains("drop@K"), "{}", o.text());
}

#[test]
fn device_sim_runs_the_secure_flow_at_mtu_23_across_the_reboot() {
    use secure::online::{build_online, BuildKeys, OnlineImage, OnlineParams};
    let tmp = tempdir();
    let d = tmp.path();
    let keys = crate::common::testdata("secure/keys/sifli02");
    let root = secure::RootKey::from_bytes(&read(&keys.join("s01.bin")), "s01").unwrap();
    let signer = secure::SigningKey::from_pem(&read(&keys.join("sig_pri.pem")), "sig").unwrap();
    let session = secure::SessionKey::from_bytes(&[9; 32], "test").unwrap();
    let res = image(5, 1200);
    let set = build_online(
        &[OnlineImage {
            img_id: 3,
            flag: 1,
            data: res.clone(),
        }],
        &OnlineParams::default(),
        &BuildKeys {
            root: &root,
            signer: &signer,
            session_key: &session,
            nonce_hash: None,
        },
    )
    .unwrap();
    let file = &set.images[0].file;
    let sig_pub = keys.join("sig_pub.der");
    let root_key = keys.join("s01.bin");
    let (child, addr) = spawn(
        d,
        &[
            "--flow",
            "secure",
            "--mtu",
            "23",
            "--out",
            "sim",
            "--once",
            "--root-key",
            root_key.to_str().unwrap(),
            "--sig-pub",
            sig_pub.to_str().unwrap(),
        ],
    );
    let mut s = TcpStream::connect(&addr).unwrap();
    assert_eq!(frame(&mut s), (3, 23u16.to_le_bytes().to_vec()));
    write_msg(&mut s, 32, &set.ctrl, 23);
    // INIT_RESPONSE_EXT {0, resume 0, restart 0, packet 0, img 0, rsp 0, is_boot 1, ver 2}.
    assert_eq!(
        read_msg(&mut s),
        (33, vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2])
    );
    write_msg(&mut s, 34, &[0], 23);
    assert_eq!(
        frame(&mut s),
        (4, vec![]),
        "the app reboots into the OTA manager"
    );
    let mut s = TcpStream::connect(&addr).unwrap();
    assert_eq!(frame(&mut s).0, 3);
    let records: Vec<&[u8]> = file.chunks(36 + 512).collect();
    let mut start = (file.len() as u32).to_le_bytes().to_vec();
    start.extend_from_slice(&(records.len() as u32).to_le_bytes());
    start.extend_from_slice(&[1, 3]);
    write_msg(&mut s, 6, &start, 23);
    assert_eq!(read_msg(&mut s), (7, vec![0, 0, 1, 0]));
    for (k, rec) in records.iter().enumerate() {
        let mut p = vec![3, 0];
        p.extend_from_slice(&(k as u16 + 1).to_le_bytes());
        p.extend_from_slice(&(rec.len() as u16).to_le_bytes());
        p.extend_from_slice(rec);
        write_msg(&mut s, 10, &p, 23);
        assert_eq!(read_msg(&mut s), (11, vec![0, 0]), "packet {}", k + 1);
    }
    write_msg(&mut s, 8, &[3, 0], 23);
    assert_eq!(read_msg(&mut s), (9, vec![0, 0]));
    write_msg(&mut s, 12, &[0], 23);
    assert_eq!(read_msg(&mut s), (13, vec![0]));
    assert_eq!(frame(&mut s), (4, vec![]));
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut want = res;
    want.resize(1200usize.next_multiple_of(16), 0);
    let written = crate::common::files_in(&d.join("sim"));
    let img = written
        .iter()
        .find(|f| f.starts_with("3-"))
        .expect("image 3 written");
    assert_eq!(
        read(&d.join("sim").join(img)),
        want,
        "decrypted, as padded by the packer"
    );
    let report: serde_json::Value =
        serde_json::from_str(&read_text(&d.join("sim/report.json"))).unwrap();
    assert_eq!(report["connections"], 2);
    assert_eq!(report["flow"], "secure");
}
