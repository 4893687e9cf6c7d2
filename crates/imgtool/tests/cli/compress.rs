//! `imgtool compress` / `decompress`, run as the built binary in a temp dir.

use std::path::PathBuf;

use crate::common::{imgtool, tempdir, testdata};

/// `testdata/ezip/<name>`: the vendor's compressor vectors.
fn vector(name: &str) -> PathBuf {
    testdata(&format!("ezip/{name}"))
}

#[test]
fn decompress_vendor_vectors() {
    let dir = tempdir();
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
        assert!(out.status.success(), "{}", out.stderr);
        assert_eq!(std::fs::read(dir.path().join("out.bin")).unwrap(), expected);
        assert!(out.stdout.contains("86240 bytes"), "{}", out.stdout);
    }
}

#[test]
fn compress_then_decompress_every_mode_and_level() {
    let dir = tempdir();
    let input = vector("expected.bin");
    let expected = std::fs::read(&input).unwrap();
    for mode in ["gzip", "zlib", "lz4"] {
        // LZ4 has a single encoder: --level is refused with it (tests/cli/options_sim.rs).
        let levels: &[&[&str]] = match mode {
            "lz4" => &[&[]],
            _ => &[
                &["--level", "fast"],
                &["--level", "default"],
                &["--level", "best"],
            ],
        };
        for level in levels {
            let mut args = vec!["compress", "--mode", mode];
            args.extend_from_slice(level);
            args.extend_from_slice(&[input.to_str().unwrap(), "-o", "s.bin"]);
            let out = imgtool(dir.path(), &args);
            assert!(out.status.success(), "{}", out.stderr);
            let stdout = out.stdout;
            assert!(
                stdout.contains("86240 bytes ->") && stdout.contains('%'),
                "{stdout}"
            );
            let out = imgtool(
                dir.path(),
                &["decompress", "--mode", mode, "s.bin", "-o", "d.bin"],
            );
            assert!(out.status.success(), "{}", out.stderr);
            assert_eq!(std::fs::read(dir.path().join("d.bin")).unwrap(), expected);
        }
    }
}

#[test]
fn gzip_stream_has_the_vector_layout() {
    let dir = tempdir();
    std::fs::write(dir.path().join("in.bin"), b"hello hello hello hello").unwrap();
    let out = imgtool(
        dir.path(),
        &["compress", "--mode", "gzip", "in.bin", "-o", "s.bin"],
    );
    assert!(out.status.success(), "{}", out.stderr);
    let s = std::fs::read(dir.path().join("s.bin")).unwrap();
    assert_eq!(&s[..4], &23u32.to_le_bytes());
    assert_eq!(&s[s.len() - 4..], &23u32.to_le_bytes());
}

#[test]
fn corrupt_stream_fails_with_exit_2_and_writes_nothing() {
    let dir = tempdir();
    let mut s = std::fs::read(vector("gzip_packet.bin")).unwrap();
    let n = s.len();
    s[n - 8] ^= 0xFF; // CRC-32
    std::fs::write(dir.path().join("bad.bin"), &s).unwrap();
    let out = imgtool(
        dir.path(),
        &["decompress", "--mode", "gzip", "bad.bin", "-o", "d.bin"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = out.stderr;
    assert!(err.contains("bad.bin") && err.contains("CRC-32"), "{err}");
    assert!(!dir.path().join("d.bin").exists());
}

#[test]
fn wrong_mode_is_rejected() {
    let dir = tempdir();
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
    assert!(out.stderr.contains("gzip, zlib, lz4"), "{}", out.stderr);
}

#[test]
fn missing_input_is_named() {
    let dir = tempdir();
    let out = imgtool(
        dir.path(),
        &["compress", "--mode", "gzip", "nope.bin", "-o", "y"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.contains("nope.bin"), "{}", out.stderr);
}
