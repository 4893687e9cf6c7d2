//! Options of `compress`, `simulate` and `device-sim` that were accepted and did nothing are
//! refused: exit 2, a message naming the option, nothing written (and `device-sim` never
//! listens). Each test failed on the code that ignored the option.

use crate::common::{imgtool, ok, put, read, tempdir, testdata};
use std::path::Path;

const LAYOUT: &str = "sf32lb52x-eh-lb523";

/// Asserts a refusal: exit 2, every needle in standard error, nothing listening and no
/// `out` directory.
#[track_caller]
fn refused(dir: &Path, args: &[&str], needles: &[&str]) {
    let run = imgtool(dir, args);
    run.assert_exit(2);
    assert!(
        !run.text().contains("listening on"),
        "{args:?}: {}",
        run.text()
    );
    for n in needles {
        assert!(
            run.stderr.contains(n),
            "{args:?}: no {n:?} in {}",
            run.stderr
        );
    }
    assert!(!dir.join("out").exists(), "{args:?} wrote out/");
}

#[test]
fn regression_compress_level_ignored_with_lz4() {
    let d = tempdir();
    put(d.path(), "in.bin", &[7u8; 5000]);
    for level in ["fast", "default", "best"] {
        let args = [
            "compress", "--mode", "lz4", "--level", level, "in.bin", "-o", "out",
        ];
        refused(
            d.path(),
            &args,
            &[
                "--level does not apply to --mode lz4",
                "--mode gzip or zlib",
            ],
        );
    }
    // Without --level, lz4 works and its summary claims no level.
    let run = ok(imgtool(
        d.path(),
        &["compress", "--mode", "lz4", "in.bin", "-o", "s.lz4"],
    ));
    assert!(run.stdout.contains("lz4 mode"), "{}", run.stdout);
    assert!(!run.stdout.contains("level"), "{}", run.stdout);
    // gzip still takes it, and still defaults to `default`.
    let run = ok(imgtool(
        d.path(),
        &[
            "compress", "--mode", "gzip", "--level", "best", "in.bin", "-o", "b.gz",
        ],
    ));
    assert!(run.stdout.contains("level best"), "{}", run.stdout);
    let run = ok(imgtool(
        d.path(),
        &["compress", "--mode", "gzip", "in.bin", "-o", "d.gz"],
    ));
    assert!(run.stdout.contains("level default"), "{}", run.stdout);
}

#[test]
fn regression_simulate_max_ops_ignored_without_power_cut_all() {
    let d = tempdir();
    let app = read(&testdata(&format!("examples/{LAYOUT}/app.elf")));
    put(d.path(), "app.elf", &app);
    ok(imgtool(
        d.path(),
        &[
            "pack",
            "--image",
            "hcpu=app.elf",
            "--layout",
            LAYOUT,
            "-o",
            "pk",
        ],
    ));
    let pkg = "pk/offline_install.bin";
    for cut in [
        &[][..],
        &["--power-cut", "none"][..],
        &["--power-cut", "3"][..],
    ] {
        let mut args = vec!["simulate", "--layout", LAYOUT, pkg, "--max-ops", "3"];
        args.extend_from_slice(cut);
        refused(
            d.path(),
            &args,
            &[
                "--max-ops does not apply to --power-cut",
                "use --power-cut all",
            ],
        );
    }
    // With --power-cut all it still acts.
    let run = imgtool(
        d.path(),
        &[
            "simulate",
            "--layout",
            LAYOUT,
            pkg,
            "--power-cut",
            "all",
            "--max-ops",
            "3",
        ],
    );
    run.assert_exit(2);
    assert!(
        run.stderr.contains("more than --max-ops 3"),
        "{}",
        run.stderr
    );
}

/// `device-sim --listen 127.0.0.1:0 --out out` with `args`; the idle timeout ends a device that
/// (wrongly) starts listening.
fn device_sim<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "device-sim",
        "--listen",
        "127.0.0.1:0",
        "--out",
        "out",
        "--idle-timeout-ms",
        "300",
    ];
    v.extend_from_slice(args);
    v
}

/// A temp dir holding the secure flow's device keys, `s01.bin` and `sig_pub.der`.
fn keys_dir() -> tempfile::TempDir {
    let d = tempdir();
    crate::common::put_sdk_keys(d.path());
    d
}

const SECURE: &[&str] = &[
    "--flow",
    "secure",
    "--root-key",
    "s01.bin",
    "--sig-pub",
    "sig_pub.der",
];

#[test]
fn regression_device_sim_package_flow_ignored_secure_options() {
    let d = keys_dir();
    for (opt, extra) in [
        ("--root-key", &["--root-key", "s01.bin"][..]),
        ("--sig-pub", &["--sig-pub", "sig_pub.der"][..]),
        ("--link-loss-ms", &["--link-loss-ms", "100"][..]),
    ] {
        let args = device_sim(&[&["--flow", "package"][..], extra].concat());
        refused(
            d.path(),
            &args,
            &[
                &format!("{opt} does not apply to --flow package"),
                "use --flow secure",
            ],
        );
    }
    let all = device_sim(&[
        "--flow",
        "package",
        "--root-key",
        "s01.bin",
        "--sig-pub",
        "sig_pub.der",
    ]);
    refused(
        d.path(),
        &all,
        &["--root-key and --sig-pub do not apply to --flow package"],
    );
}

#[test]
fn regression_device_sim_secure_flow_ignored_package_options() {
    let d = keys_dir();
    for (opt, extra) in [
        // Not even checked before: a board that does not exist was accepted.
        ("--layout", &["--layout", "no-such-board"][..]),
        ("--layout", &["--layout", LAYOUT][..]),
        ("--answer-every", &["--answer-every", "10"][..]),
        ("--answer-every", &["--answer-every", "1"][..]),
        ("--no-last-answer", &["--no-last-answer"][..]),
        ("--preempted", &["--preempted"][..]),
    ] {
        let args = device_sim(&[SECURE, extra].concat());
        refused(
            d.path(),
            &args,
            &[
                &format!("{opt} does not apply to --flow secure"),
                "use --flow package",
            ],
        );
    }
}

#[test]
fn regression_device_sim_answer_flags_ignored_with_answer_every_1() {
    let d = tempdir();
    for every in [&[][..], &["--answer-every", "1"][..]] {
        for flag in ["--no-last-answer", "--preempted"] {
            let args = device_sim(&[&["--flow", "package", flag][..], every].concat());
            refused(
                d.path(),
                &args,
                &[
                    &format!("{flag} does not apply to --answer-every 1"),
                    "add --answer-every 10",
                ],
            );
        }
    }
    // The preempted device never answers the last packet: --no-last-answer changes nothing.
    let args = device_sim(&[
        "--flow",
        "package",
        "--answer-every",
        "10",
        "--preempted",
        "--no-last-answer",
    ]);
    refused(
        d.path(),
        &args,
        &["--no-last-answer does not apply to --preempted"],
    );
}

#[test]
fn regression_device_sim_fault_abort_ignored_in_package_flow() {
    let d = tempdir();
    for fault in ["abort@3", "abort@2:7"] {
        let args = device_sim(&["--flow", "package", "--fault", "drop@1", "--fault", fault]);
        refused(
            d.path(),
            &args,
            &[
                "abort@",
                "does not apply to --flow package",
                // The message lists the faults the package flow takes.
                "drop@K, corrupt@K, skip@K, delay@N:MS, dup@N, reject@CODE, power-cut@K, \
                 install-cut@OP",
                "use --flow secure",
            ],
        );
    }
}

#[test]
fn regression_device_sim_fault_install_cut_ignored_in_secure_flow() {
    let d = keys_dir();
    let args = device_sim(&[SECURE, &["--fault", "install-cut@0"][..]].concat());
    refused(
        d.path(),
        &args,
        &[
            "--fault install-cut@0 does not apply to --flow secure",
            "power-cut@K, abort@K[:REASON]",
            "use --flow package",
        ],
    );
}
