//! `imgtool compress` / `decompress`, run as the built binary in a temp dir.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn imgtool(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imgtool"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run imgtool")
}

fn vector(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/ezip")
        .join(name)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn decompress_vendor_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let expected = std::fs::read(vector("expected.bin")).unwrap();
    for (mode, file) in [("gzip", "gzip_packet.bin"), ("lz4", "lz4_packet.bin")] {
        let input = vector(file);
        let out = imgtool(
            dir.path(),
            &[
                "decompress",
                "--mode",
                mode,
                input.to_str().unwrap(),
                "-o",
                "out.bin",
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(std::fs::read(dir.path().join("out.bin")).unwrap(), expected);
        assert!(
            text(&out.stdout).contains("86240 bytes"),
            "{}",
            text(&out.stdout)
        );
    }
}

#[test]
fn compress_then_decompress_every_mode_and_level() {
    let dir = tempfile::tempdir().unwrap();
    let input = vector("expected.bin");
    let expected = std::fs::read(&input).unwrap();
    for mode in ["gzip", "zlib", "lz4"] {
        for level in ["fast", "default", "best"] {
            let out = imgtool(
                dir.path(),
                &[
                    "compress",
                    "--mode",
                    mode,
                    "--level",
                    level,
                    input.to_str().unwrap(),
                    "-o",
                    "s.bin",
                ],
            );
            assert!(out.status.success(), "{}", text(&out.stderr));
            let stdout = text(&out.stdout);
            assert!(
                stdout.contains("86240 bytes ->") && stdout.contains('%'),
                "{stdout}"
            );
            let out = imgtool(
                dir.path(),
                &["decompress", "--mode", mode, "s.bin", "-o", "d.bin"],
            );
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert_eq!(std::fs::read(dir.path().join("d.bin")).unwrap(), expected);
        }
    }
}

#[test]
fn gzip_stream_has_the_vector_layout() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.bin"), b"hello hello hello hello").unwrap();
    let out = imgtool(
        dir.path(),
        &["compress", "--mode", "gzip", "in.bin", "-o", "s.bin"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = std::fs::read(dir.path().join("s.bin")).unwrap();
    assert_eq!(&s[..4], &23u32.to_le_bytes());
    assert_eq!(&s[s.len() - 4..], &23u32.to_le_bytes());
}

#[test]
fn corrupt_stream_fails_with_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = std::fs::read(vector("gzip_packet.bin")).unwrap();
    let n = s.len();
    s[n - 8] ^= 0xFF; // CRC-32
    std::fs::write(dir.path().join("bad.bin"), &s).unwrap();
    let out = imgtool(
        dir.path(),
        &["decompress", "--mode", "gzip", "bad.bin", "-o", "d.bin"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("bad.bin") && err.contains("CRC-32"), "{err}");
    assert!(!dir.path().join("d.bin").exists());
}

#[test]
fn wrong_mode_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let input = vector("lz4_packet.bin");
    let out = imgtool(
        dir.path(),
        &[
            "decompress",
            "--mode",
            "gzip",
            input.to_str().unwrap(),
            "-o",
            "d.bin",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("d.bin").exists());
    let out = imgtool(dir.path(), &["compress", "--mode", "zstd", "x", "-o", "y"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("gzip, zlib, lz4"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn missing_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = imgtool(
        dir.path(),
        &["compress", "--mode", "gzip", "nope.bin", "-o", "y"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nope.bin"),
        "{}",
        text(&out.stderr)
    );
}
