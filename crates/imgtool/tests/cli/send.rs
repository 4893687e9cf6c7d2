//! `imgtool send` end to end: `imgtool device-sim` and `imgtool send` as separate processes
//! over the TCP socket; the images the simulated device installed must equal what
//! `imgtool unpack` writes from the same package, and the device's report must show no packet
//! sent again after the device had confirmed it.

use crate::common::{imgtool, put, read, read_text, tempdir};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const LAYOUT: &str = "sf32lb52x-eh-lb523";

/// Incompressible bytes (a multi-packet package from small images).
fn noise(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// `dir/out/offline_install.bin` of an app of `app` bytes and an installer, and what `unpack`
/// makes of it in `dir/unpacked`.
fn package(dir: &Path, app: usize) -> PathBuf {
    put(dir, "app.bin", &noise(1, app));
    put(dir, "dfu.bin", &noise(2, 3000));
    let args = [
        "pack",
        "--layout",
        LAYOUT,
        "--image",
        "hcpu=app.bin",
        "--image",
        "dfu=dfu.bin",
        "-o",
        "out",
    ];
    imgtool(dir, &args).assert_exit(0);
    imgtool(
        dir,
        &["unpack", "out/offline_install.bin", "-o", "unpacked"],
    )
    .assert_exit(0);
    dir.join("out/offline_install.bin")
}

/// A running `imgtool device-sim` (killed if the test ends first).
struct Sim {
    child: Child,
    addr: String,
    out: PathBuf,
}

impl Sim {
    fn start(dir: &Path, name: &str, args: &[&str]) -> Sim {
        Sim::start_flow(dir, name, &["--flow", "package"], args)
    }

    fn start_flow(dir: &Path, name: &str, flow: &[&str], args: &[&str]) -> Sim {
        let out = dir.join(name);
        let mut child = Command::new(env!("CARGO_BIN_EXE_imgtool"))
            .args([
                "device-sim",
                "--listen",
                "127.0.0.1:0",
                "--once",
                "--idle-timeout-ms",
                "20000",
            ])
            .args(flow)
            .arg("--out")
            .arg(&out)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start device-sim");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("device-sim said {line:?}"))
            .trim()
            .to_string();
        Sim { child, addr, out }
    }

    /// Waits for the device to stop; its report.
    fn report(mut self) -> Value {
        let status = self.child.wait().unwrap();
        assert!(status.code().is_some(), "device-sim was killed");
        serde_json::from_str(&read_text(&self.out.join("report.json"))).unwrap()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn send(dir: &Path, sim: &Sim, extra: &[&str]) -> crate::common::Run {
    let mut args = vec![
        "send",
        "out/offline_install.bin",
        "--sim",
        &sim.addr,
        "--timeout",
        "5",
    ];
    args.extend_from_slice(extra);
    imgtool(dir, &args)
}

/// The images the device installed equal `unpack`'s, file for file.
fn assert_installed(dir: &Path, sim_out: &Path) {
    let mut names: Vec<_> = std::fs::read_dir(dir.join("unpacked"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for n in names {
        let want = read(&dir.join("unpacked").join(&n));
        let got = read(&sim_out.join(&n));
        assert!(
            want == got,
            "{n:?}: the device installed {} bytes that differ from unpack's {}",
            got.len(),
            want.len()
        );
    }
}

fn assert_no_resend(report: &Value, what: &str) {
    assert_eq!(report["resent_after_ack"], 0, "{what}: {report}");
    assert_eq!(
        report["installs"].as_array().unwrap().last().unwrap()["new_firmware_installed"],
        true,
        "{what}"
    );
}

#[test]
fn send_package_end_to_end_installs_what_unpack_writes() {
    let d = tempdir();
    let pkg = package(d.path(), 30_000);
    let packets = read(&pkg).len().div_ceil(2048) as u64;
    for (name, sim_args) in [
        ("every1", &[][..]),
        ("every10", &["--answer-every", "10"][..]),
        ("mtu23", &["--mtu", "23"][..]),
        // The newer SDK when its flash thread preempts the BLE thread: answers after packets
        // 1, 11, 21 with the count before, none after the last (asked again).
        ("preempted", &["--answer-every", "10", "--preempted"][..]),
    ] {
        let sim = Sim::start(d.path(), name, sim_args);
        let run = send(d.path(), &sim, &[]);
        run.assert_exit(0);
        assert!(
            run.stdout.starts_with("OK sent out/offline_install.bin"),
            "{}",
            run.stdout
        );
        let out = sim.out.clone();
        let report = sim.report();
        assert_installed(d.path(), &out);
        assert_no_resend(&report, name);
        assert_eq!(
            report["packets"].as_array().unwrap().len() as u64,
            packets,
            "{name}"
        );
        let round_trips = report["round_trips"].as_u64().unwrap();
        // Answers the device sent: start, packet answers, end. Stop-and-wait: one per packet.
        // Every 10: after 10, 20, ... and the last. Preempted: after 1, 11, 21, ..., then the
        // sender's second start request (asking again) gets one more.
        let expected = match name {
            "every10" => 2 + packets.div_ceil(10),
            "preempted" => 3 + 1 + (packets - 1) / 10,
            _ => 2 + packets,
        };
        assert_eq!(round_trips, expected, "{name}: {packets} packets");
    }
}

#[test]
fn send_sweep_a_link_dropped_after_every_packet_resumes_to_the_same_install() {
    let d = tempdir();
    let pkg = package(d.path(), 6000);
    let packets = read(&pkg).len().div_ceil(2048);
    assert!(packets >= 4, "{packets} packets");
    for every in ["1", "10"] {
        // The same transfer without a fault: what it costs on the wire.
        let sim = Sim::start(
            d.path(),
            &format!("clean{every}"),
            &["--answer-every", every],
        );
        send(d.path(), &sim, &[]).assert_exit(0);
        let clean = sim.report();
        let (clean_bytes, clean_trips) = (
            clean["att_write_bytes"].as_u64().unwrap(),
            clean["round_trips"].as_u64().unwrap(),
        );
        for k in 1..=packets {
            let name = format!("drop{every}-{k}");
            let fault = format!("drop@{k}");
            let sim = Sim::start(
                d.path(),
                &name,
                &["--answer-every", every, "--fault", &fault],
            );
            let run = send(d.path(), &sim, &["--json"]);
            run.assert_exit(0);
            let out = sim.out.clone();
            let report = sim.report();
            assert_installed(d.path(), &out);
            assert_no_resend(&report, &name);
            assert_eq!(report["connections"], 2, "{name}");
            // Every packet arrived once: none re-sent at all, confirmed or not.
            assert_eq!(
                report["packets"].as_array().unwrap().len(),
                packets,
                "{name}: {report}"
            );
            let events: Vec<Value> = run
                .stdout
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert!(events.iter().any(|e| e["event"] == "reconnect"), "{name}");
            // The drop costs one more start request (4 + 16 bytes and a 4-byte serial head) and
            // at most one more answer: nothing else was written twice.
            assert_eq!(
                report["att_write_bytes"].as_u64().unwrap(),
                clean_bytes + 24,
                "{name}"
            );
            assert!(
                report["round_trips"].as_u64().unwrap() <= clean_trips + 1,
                "{name}: {report}"
            );
            assert_eq!(events.last().unwrap()["event"], "result");
            assert_eq!(events.last().unwrap()["ok"], true);
        }
    }
}

#[test]
fn send_recovers_from_each_fault_as_the_device_code_dictates() {
    let d = tempdir();
    package(d.path(), 12_000);
    for (every, fault) in [
        ("1", "corrupt@3"),
        ("1", "skip@3"),
        ("1", "dup@3"),
        ("1", "delay@3:300"),
        ("1", "power-cut@4"),
        ("10", "corrupt@3"),
        ("10", "skip@3"),
        ("10", "dup@1"),
        ("10", "power-cut@4"),
        ("preempted", "corrupt@3"),
        ("preempted", "drop@5"),
    ] {
        let name = format!("{every}-{}", fault.replace([':', '@'], "-"));
        let model: &[&str] = match every {
            "preempted" => &["--answer-every", "10", "--preempted"],
            _ => &["--answer-every", every],
        };
        let sim = Sim::start(d.path(), &name, &[model, &["--fault", fault]].concat());
        let run = send(d.path(), &sim, &[]);
        assert_eq!(run.code(), 0, "{name}: {}{}", run.stdout, run.stderr);
        let out = sim.out.clone();
        let report = sim.report();
        assert_installed(d.path(), &out);
        assert_no_resend(&report, &name);
        assert_eq!(
            report["faults_fired"].as_array().unwrap().len(),
            1,
            "{name}"
        );
    }
}

#[test]
fn send_power_cut_is_reported_and_everything_is_sent_again() {
    let d = tempdir();
    package(d.path(), 12_000);
    let sim = Sim::start(d.path(), "cut", &["--fault", "power-cut@4"]);
    let run = send(d.path(), &sim, &["--json"]);
    run.assert_exit(0);
    assert!(
        run.stdout.contains(r#""event":"device_restarted""#),
        "{}",
        run.stdout
    );
    let out = sim.out.clone();
    let report = sim.report();
    assert_installed(d.path(), &out);
    assert_no_resend(&report, "power cut");
}

#[test]
fn send_exits_1_naming_the_device_code_when_the_device_rejects() {
    let d = tempdir();
    package(d.path(), 3000);
    for (code, name) in [
        ("3", "SPACE_NOT_ENOUGH"),
        ("4", "NOT_READY"),
        ("14", "UPDATING"),
        ("64", "POSTPONE"),
    ] {
        let sim = Sim::start(
            d.path(),
            &format!("reject{code}"),
            &["--fault", &format!("reject@{code}")],
        );
        let run = send(d.path(), &sim, &[]);
        run.assert_exit(1);
        assert!(
            run.stderr.contains(&format!("result {code} ({name})")),
            "{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
}

#[test]
fn send_without_a_device_or_a_ble_build_is_an_error_that_says_why() {
    let d = tempdir();
    package(d.path(), 3000);
    // A port nobody listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let run = imgtool(
        d.path(),
        &[
            "send",
            "out/offline_install.bin",
            "--sim",
            &addr,
            "--timeout",
            "1",
        ],
    );
    run.assert_exit(2);
    assert!(
        run.stderr.contains(&addr) && run.stderr.contains("cannot connect"),
        "{}",
        run.stderr
    );
    if !cfg!(feature = "ble") {
        let run = imgtool(
            d.path(),
            &["send", "out/offline_install.bin", "--ble", "SIFLI_APP-1"],
        );
        run.assert_exit(2);
        assert!(run.stderr.contains("--features ble"), "{}", run.stderr);
    }
    // No option is silently ignored: each flow refuses the other's.
    for (opt, val) in [
        ("--no-resume", None),
        ("--bksize", Some("512")),
        ("--num-of-rsp", Some("4")),
    ] {
        let mut args = vec!["send", "out/offline_install.bin", "--sim", &addr, opt];
        args.extend(val);
        let run = imgtool(d.path(), &args);
        run.assert_exit(2);
        assert!(
            run.stderr
                .contains(&format!("{opt} is not an option of the package flow")),
            "{}",
            run.stderr
        );
    }
    put(d.path(), "junk.bin", b"not a package");
    let run = imgtool(d.path(), &["send", "junk.bin", "--sim", &addr]);
    run.assert_exit(2);
    assert!(run.stderr.contains("offset 0"), "{}", run.stderr);
}

/// `dir` with the SDK's sifli02 keys, and a secure build by `gen-dfu` (image 0 encrypted and
/// compressed, image 3 raw; small: 7 + 2 records of 512 bytes) plus the same by `pack --secure`
/// into `pk/`. Returns the images the device must end up with, by output file name.
fn secure_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    crate::common::put_sdk_keys(dir);
    let hcpu = noise(7, 3300);
    let mut res = noise(8, 700);
    put(dir, "hcpu.bin", &hcpu);
    put(dir, "res.bin", &res);
    let gen = [
        "gen-dfu",
        "--img_para",
        "hcpu",
        "17",
        "0",
        "res",
        "0",
        "3",
        "--key=s01",
        "--sigkey=sig",
        "--com_type=1",
    ];
    imgtool(dir, &gen).assert_exit(0);
    // Images are padded to 16 bytes before they are sealed (--align 1, the default).
    res.resize(res.len().next_multiple_of(16), 0);
    let mut hcpu = hcpu;
    hcpu.resize(hcpu.len().next_multiple_of(16), 0);
    vec![("0-hcpu.bin".into(), hcpu), ("3-res.bin".into(), res)]
}

const SECURE_KEYS: &[&str] = &[
    "--flow",
    "secure",
    "--root-key",
    "s01.bin",
    "--sig-pub",
    "sig_pub.der",
];
const RECORDS: &[&str] = &[
    "--ctrl",
    "ctrl_packet.bin",
    "--record",
    "0=enccom_hcpu.bin",
    "--record",
    "3=outres.bin",
];

fn send_secure(dir: &Path, sim: &Sim, extra: &[&str]) -> crate::common::Run {
    let mut args = vec!["send", "--sim", &sim.addr, "--timeout", "5"];
    args.extend_from_slice(RECORDS);
    args.extend_from_slice(extra);
    imgtool(dir, &args)
}

fn assert_secure_installed(images: &[(String, Vec<u8>)], sim_out: &Path, what: &str) {
    for (name, want) in images {
        assert!(
            &read(&sim_out.join(name)) == want,
            "{what}: {name} differs from the input"
        );
    }
}

#[test]
fn send_secure_end_to_end_installs_the_decrypted_decompressed_inputs() {
    let d = tempdir();
    let images = secure_files(d.path());
    for (name, mtu) in [("s247", "247"), ("s23", "23")] {
        let sim = Sim::start_flow(d.path(), name, SECURE_KEYS, &["--mtu", mtu]);
        let run = send_secure(d.path(), &sim, &[]);
        assert_eq!(run.code(), 0, "{}{}", run.stdout, run.stderr);
        let out = sim.out.clone();
        let report = sim.report();
        assert_secure_installed(&images, &out, name);
        assert_no_resend(&report, name);
        // The app reboots into the OTA manager: two connections.
        assert_eq!(report["connections"], 2, "{name}");
    }
}

#[test]
fn send_secure_sweep_a_link_dropped_after_every_record_resumes_to_the_same_install() {
    let d = tempdir();
    let images = secure_files(d.path());
    let total = 7 + 2;
    let sim = Sim::start_flow(d.path(), "sclean", SECURE_KEYS, &[]);
    send_secure(d.path(), &sim, &[]).assert_exit(0);
    let clean = sim.report()["att_write_bytes"].as_u64().unwrap();
    let ctrl = read(&d.path().join("ctrl_packet.bin")).len() as u64;
    for k in 1..=total {
        let name = format!("sdrop-{k}");
        let fault = format!("drop@{k}");
        let sim = Sim::start_flow(d.path(), &name, SECURE_KEYS, &["--fault", &fault]);
        let run = send_secure(d.path(), &sim, &[]);
        assert_eq!(run.code(), 0, "{name}: {}{}", run.stdout, run.stderr);
        let out = sim.out.clone();
        let report = sim.report();
        assert_secure_installed(&images, &out, &name);
        assert_no_resend(&report, &name);
        assert_eq!(
            report["packets"].as_array().unwrap().len(),
            total,
            "{name}: every record arrived once"
        );
        // The drop costs one more INIT_REQUEST_EXT (the control packet), INIT_COMPLETED and the
        // IMAGE_SEND_START of the interrupted image, with their heads: no record twice.
        let bytes = report["att_write_bytes"].as_u64().unwrap();
        assert!(
            bytes <= clean + ctrl + 64,
            "{name}: {bytes} bytes, {clean} without the drop"
        );
    }
}

#[test]
fn send_secure_handles_faults_and_a_pack_secure_directory() {
    let d = tempdir();
    let images = secure_files(d.path());
    for fault in [
        "corrupt@3",
        "skip@2",
        "dup@3",
        "power-cut@8",
        "abort@4:7",
        "delay@4:300",
    ] {
        let sim = Sim::start_flow(d.path(), fault, SECURE_KEYS, &["--fault", fault]);
        let run = send_secure(d.path(), &sim, &[]);
        assert_eq!(run.code(), 0, "{fault}: {}{}", run.stdout, run.stderr);
        let out = sim.out.clone();
        let report = sim.report();
        assert_secure_installed(&images, &out, fault);
        assert_no_resend(&report, fault);
    }
    let sim = Sim::start_flow(d.path(), "reject", SECURE_KEYS, &["--fault", "reject@9"]);
    let run = send_secure(d.path(), &sim, &[]);
    run.assert_exit(1);
    assert!(
        run.stderr.contains("9 (CONTROL_PACKET_INVALID)"),
        "{}",
        run.stderr
    );
    drop(sim);
    let mut args = vec!["send", "--sim", "127.0.0.1:9", "--legacy-start"];
    args.extend_from_slice(RECORDS);
    let run = imgtool(d.path(), &args);
    run.assert_exit(2);
    assert!(
        run.stderr
            .contains("--legacy-start is not an option of the secure online flow"),
        "{}",
        run.stderr
    );
    // The directory `pack --secure` wrote: its manifest names the control packet and records.
    let pack = [
        "pack",
        "--layout",
        LAYOUT,
        "--image",
        "hcpu=hcpu.bin",
        "-o",
        "pk",
        "--secure",
        "--root-key",
        "s01.bin",
        "--sign-key",
        "sig_pri.pem",
        "--encrypt",
    ];
    imgtool(d.path(), &pack).assert_exit(0);
    let sim = Sim::start_flow(d.path(), "pk-sim", SECURE_KEYS, &[]);
    let run = imgtool(
        d.path(),
        &["send", "pk", "--sim", &sim.addr, "--timeout", "5"],
    );
    assert_eq!(run.code(), 0, "{}{}", run.stdout, run.stderr);
    let out = sim.out.clone();
    assert_no_resend(&sim.report(), "pack --secure directory");
    assert!(read(&out.join("0-hcpu.bin")).starts_with(&images[0].1[..3300]));
}
