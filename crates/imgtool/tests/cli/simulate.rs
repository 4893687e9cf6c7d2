//! `imgtool simulate` on packages made by `imgtool pack` (and ones made the vendor's way),
//! run through the built binary in a temp dir.

use crate::common::{imgtool, put, tempdir, testdata};
use std::path::{Path, PathBuf};

const LAYOUT: &str = r#"chip = "SF32LB52x"
description = "cli simulate test board (offsets of the SDK's eh-lb523 ptab.json)"

[[memory]]
name = "flash2"
base = "0x12000000"
kind = "nor"
erase_unit = "0x1000"

[[region]]
tags = ["FLASH_BOOT_LOADER"]
memory = "flash2"
offset = "0x10000"
size = "0x10000"

[[region]]
tags = ["HCPU_FLASH_CODE"]
memory = "flash2"
offset = "0x20000"
size = "0x300000"

[[region]]
tags = ["DFU_FLASH_CODE"]
memory = "flash2"
offset = "0x320000"
size = "0x60000"

[[region]]
tags = ["DFU_DOWNLOAD_REGION"]
memory = "flash2"
offset = "0x380000"
size = "0x120000"

[images]
hcpu = "HCPU_FLASH_CODE"
ota-manager = "DFU_FLASH_CODE"
bootloader = "FLASH_BOOT_LOADER"
"#;

/// A temp dir holding `board.toml`, with shortcuts over [`crate::common`].
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        let d = Dir(tempdir());
        put(d.0.path(), "board.toml", LAYOUT.as_bytes());
        d
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        put(self.0.path(), name, bytes);
        self.path(name)
    }

    /// Runs imgtool in the temp dir; returns (exit code, stdout, stderr).
    fn imgtool(&self, args: &[&str]) -> (i32, String, String) {
        let run = imgtool(self.0.path(), args);
        (run.code(), run.stdout, run.stderr)
    }

    /// `imgtool pack --layout board.toml --image ... -o <name>`; returns the package path.
    fn pack(&self, name: &str, images: &[&str]) -> PathBuf {
        let mut args = vec!["pack", "--layout", "board.toml", "-o", name];
        for i in images {
            args.push("--image");
            args.push(i);
        }
        let (code, out, err) = self.imgtool(&args);
        assert_eq!(code, 0, "pack failed:\n{out}\n{err}");
        self.path(name).join("offline_install.bin")
    }
}

/// Firmware-like bytes: compressible, not trivially.
fn firmware(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
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

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn app_and_installer_package_survives_every_power_cut() {
    let d = Dir::new();
    d.write("app.bin", &firmware(1, 200_000));
    d.write("dfu.bin", &firmware(6, 40_000));
    let pkg = d.pack("out", &["dfu=dfu.bin", "hcpu=app.bin"]);
    let (code, out, err) = d.imgtool(&[
        "simulate",
        "--layout",
        "board.toml",
        s(&pkg),
        "--power-cut",
        "all",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    // Ops: 40 000 B installer by the app, 10 erases + 4 chunks (0..=13); 0x7F (14);
    // 200 000 B app by the installer, 49 erases + 20 chunks (15..=83); 0x3F (84).
    // Cut before 0: nothing happened; 1..=13: installer half-written; 14: old app, new
    // installer; 15..=84: the pending install reruns and finishes.
    assert!(
        out.contains(
            "85 power cuts: 70 new firmware installed, 2 old firmware intact, 13 latent, 0 broken"
        ),
        "{out}"
    );
    assert!(
        out.contains("image 0 HCPU_FLASH_CODE at 0x12020000: 200000 bytes, identical"),
        "{out}"
    );
    assert!(
        out.contains("ops 1 to 13 (13 cuts): old app runs; DFU_FLASH_CODE half-written"),
        "{out}"
    );
    assert!(out.contains("next install, same package retried: new firmware fully installed"));
    assert!(out.contains(
        "next install, a package without the installer: BROKEN: starts the installer in DFU_FLASH_CODE"
    ));
    assert!(out.contains("no power cut bricks the device"));
}

#[test]
fn app_resumes_closes_the_installer_window() {
    let d = Dir::new();
    d.write("app.bin", &firmware(1, 200_000));
    d.write("dfu.bin", &firmware(6, 40_000));
    let pkg = d.pack("out", &["dfu=dfu.bin", "hcpu=app.bin"]);
    let (code, out, err) = d.imgtool(&[
        "simulate",
        "--layout",
        "board.toml",
        s(&pkg),
        "--power-cut",
        "all",
        "--app-resumes",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(
            "85 power cuts: 85 new firmware installed, 0 old firmware intact, 0 latent, 0 broken"
        ),
        "{out}"
    );
}

#[test]
fn old_images_from_files_and_a_single_cut_with_its_trace() {
    let d = Dir::new();
    d.write("app.bin", &firmware(1, 30_000));
    d.write("old_app.bin", &firmware(2, 10_000));
    d.write("old_dfu.bin", &firmware(3, 5_000));
    let pkg = d.pack("out", &["hcpu=app.bin"]);
    let (code, out, err) = d.imgtool(&[
        "simulate",
        "--layout",
        "board.toml",
        s(&pkg),
        "--old-app",
        "old_app.bin",
        "--old-dfu",
        "old_dfu.bin",
        "--power-cut",
        "3",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("old firmware: app old_app.bin, installer old_dfu.bin; app as the vendor's"),
        "{out}"
    );
    assert!(
        out.contains("power cut before op 3: erase 0x12022000"),
        "{out}"
    );
    assert!(
        out.contains("install-state 0x7f (installing) -> starts the installer"),
        "{out}"
    );
    assert!(out.contains("end: new firmware fully installed"), "{out}");
}

#[test]
fn bootloader_update_reports_the_brick_window_and_exits_1() {
    let d = Dir::new();
    d.write("bl.bin", &firmware(11, 20_000));
    let pkg = d.pack("out", &["bootloader:none=bl.bin"]);
    let (code, out, _) = d.imgtool(&[
        "simulate",
        "--layout",
        "board.toml",
        s(&pkg),
        "--power-cut",
        "all",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("first broken cut: power lost before op 2: erase 0x12011000"),
        "{out}"
    );
    assert!(
        out.contains("BROKEN: starts the bootloader in FLASH_BOOT_LOADER"),
        "{out}"
    );
}

#[test]
fn vendor_style_small_payload_without_the_extra_byte_fails_verification() {
    let d = Dir::new();
    d.write("app.bin", &firmware(4, 300));
    let pkg = std::fs::read(d.pack("out", &["hcpu=app.bin"])).unwrap();
    // Drop imgtool's extra byte: payload_len - 1, CRC over the shorter payload.
    let (vendor, _) = crate::common::vendor_style(&pkg);
    let p = d.write("vendor.bin", &vendor);
    let (code, out, _) = d.imgtool(&["simulate", "--layout", "board.toml", s(&p)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("its last packet is not followed by a byte"),
        "{out}"
    );
    assert!(out.contains("DIFFERS from byte 0"), "{out}");
    // imgtool's own package installs.
    let (code, out, _) = d.imgtool(&[
        "simulate",
        "--layout",
        "board.toml",
        "out/offline_install.bin",
    ]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn bad_input_is_an_error_with_exit_2() {
    let d = Dir::new();
    d.write("app.bin", &firmware(1, 1000));
    let pkg = d.pack("out", &["hcpu=app.bin"]);
    let mut bad = std::fs::read(&pkg).unwrap();
    bad[8] ^= 0xFF;
    let bad = d.write("bad.bin", &bad);
    d.write("huge_old_app.bin", &vec![0; 0x0030_0001]);
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "simulate",
                "--layout",
                "board.toml",
                s(&pkg),
                "--old-app",
                "huge_old_app.bin",
            ],
            "is larger than the 3 MiB limit for the flash region it models",
        ),
        (
            &["simulate", "--layout", "board.toml", "missing.bin"],
            "missing.bin",
        ),
        (&["simulate", "--layout", "board.toml", s(&bad)], "CRC"),
        (
            &[
                "simulate",
                "--layout",
                "board.toml",
                s(&pkg),
                "--power-cut",
                "all",
                "--max-ops",
                "3",
            ],
            "more than --max-ops 3",
        ),
        (
            &["simulate", "--layout", "no-such-board", s(&pkg)],
            "no-such-board",
        ),
        (
            &[
                "simulate",
                "--layout",
                "board.toml",
                s(&pkg),
                "--power-cut",
                "x",
            ],
            "--power-cut",
        ),
        (
            &[
                "simulate",
                "--layout",
                "board.toml",
                s(&pkg),
                "--power-cut",
                "999",
            ],
            "only",
        ),
        (
            &[
                "simulate",
                "--layout",
                "board.toml",
                s(&pkg),
                "--com-type",
                "lz4",
            ],
            "--com-type",
        ),
    ];
    for (args, needle) in cases {
        let (code, out, err) = d.imgtool(args);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// Found by the mutation test's verify-vs-device check: the example package made the vendor's
/// way (no byte after the last packet) has a 176-byte installer payload. The app decodes
/// nothing of it, leaves DFU_FLASH_CODE erased, and hands over to it: bricked on the first
/// boot, while `verify` only warns.
#[test]
fn regression_vendor_style_small_installer_payload_bricks_in_the_app_step() {
    let d = Dir::new();
    let file = testdata("regressions/simulator/vendor-style-176-byte-installer-payload.bin");
    let (code, out, err) = d.imgtool(&[
        "simulate",
        "--layout",
        "sf32lb52x-eh-lb523",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("app: payload fits one 512-byte block and its last packet is not followed by a byte: stops at 0 of 176 bytes"),
        "{out}"
    );
    assert!(
        out.contains(
            "result: BROKEN: starts the installer in DFU_FLASH_CODE, which is not fully written"
        ),
        "{out}"
    );
}
