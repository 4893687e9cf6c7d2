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
        let out = dir.join(name);
        let mut child = Command::new(env!("CARGO_BIN_EXE_imgtool"))
            .args([
                "device-sim",
                "--listen",
                "127.0.0.1:0",
                "--flow",
                "package",
                "--once",
                "--idle-timeout-ms",
                "20000",
            ])
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
        let floor = if name == "every10" {
            packets / 10 + 2
        } else {
            packets + 2
        };
        assert!(
            round_trips <= floor + 1,
            "{name}: {round_trips} round trips for {packets} packets"
        );
    }
}

#[test]
fn send_sweep_a_link_dropped_after_every_packet_resumes_to_the_same_install() {
    let d = tempdir();
    let pkg = package(d.path(), 6000);
    let packets = read(&pkg).len().div_ceil(2048);
    assert!(packets >= 4, "{packets} packets");
    for every in ["1", "10"] {
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
    ] {
        let name = format!("{every}-{}", fault.replace([':', '@'], "-"));
        let sim = Sim::start(
            d.path(),
            &name,
            &["--answer-every", every, "--fault", fault],
        );
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
    put(d.path(), "junk.bin", b"not a package");
    let run = imgtool(d.path(), &["send", "junk.bin", "--sim", &addr]);
    run.assert_exit(2);
    assert!(run.stderr.contains("offset 0"), "{}", run.stderr);
}
