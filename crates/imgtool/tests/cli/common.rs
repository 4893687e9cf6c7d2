//! What every CLI test needs: the built binary run in a directory, temp dirs, repository paths
//! and golden files. One copy, so a change to how the binary is run reaches every test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// What one run of `imgtool` did.
pub struct Run {
    /// Exit status (0 ok, 1 verification failed, 2 error).
    pub status: ExitStatus,
    /// Standard output. imgtool prints text only, so it must be UTF-8.
    pub stdout: String,
    /// Standard error, UTF-8 like stdout.
    pub stderr: String,
}

impl Run {
    /// The exit code; a run killed by a signal fails the test.
    #[track_caller]
    pub fn code(&self) -> i32 {
        let code = self.status.code();
        code.unwrap_or_else(|| panic!("imgtool killed by a signal: {}", self.text()))
    }

    /// stdout then stderr: for searches that do not care which stream, and failure messages.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Asserts the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn assert_exit(&self, code: i32) {
        assert_eq!(self.status.code(), Some(code), "{}", self.text());
    }
}

/// Asserts that `run` succeeded (exit 0) and hands it back.
#[track_caller]
pub fn ok(run: Run) -> Run {
    run.assert_exit(0);
    run
}

/// Runs `imgtool <args>` in `dir`.
pub fn imgtool(dir: &Path, args: &[&str]) -> Run {
    imgtool_with(dir, args, &[], None)
}

/// Runs `imgtool <args>` in `dir` with extra environment variables.
pub fn imgtool_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    imgtool_with(dir, args, env, None)
}

/// Runs `imgtool <args>` in `dir` with `input` on its stdin (a pipe, which cannot seek).
pub fn imgtool_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    imgtool_with(dir, args, &[], Some(input))
}

fn imgtool_with(dir: &Path, args: &[&str], env: &[(&str, &str)], input: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_imgtool"));
    // A passphrase in the developer's environment must not decide a test: only `env` sets it.
    cmd.args(args)
        .current_dir(dir)
        .env_remove("IMGTOOL_KEY_PASSPHRASE")
        .envs(env.iter().copied());
    // Without an input, stdin is closed rather than inherited: a test must never hang on it.
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run imgtool");
    if let Some(bytes) = input {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    let out = child.wait_with_output().expect("wait for imgtool");
    let utf8 = |b: Vec<u8>, stream: &str| {
        String::from_utf8(b)
            .unwrap_or_else(|e| panic!("imgtool printed non-UTF-8 on {stream}: {e}"))
    };
    Run {
        status: out.status,
        stdout: utf8(out.stdout, "stdout"),
        stderr: utf8(out.stderr, "stderr"),
    }
}

/// A fresh temporary directory, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temp dir")
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `testdata/<rel>` in the repository.
pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

/// The bytes of `p`; a missing file names itself.
#[track_caller]
pub fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// The text of `p`; a missing file names itself.
#[track_caller]
pub fn read_text(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Writes `name` with `data` in `dir`.
pub fn put(dir: &Path, name: &str, data: &[u8]) {
    std::fs::write(dir.join(name), data).unwrap();
}

/// Names of the files in `dir`, sorted (empty when it does not exist).
pub fn files_in(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<String> = rd
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Compares `actual` with the golden file, or rewrites it with `IMGTOOL_BLESS=1`.
#[track_caller]
pub fn golden(actual: &[u8], file: &Path) {
    if std::env::var_os("IMGTOOL_BLESS").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, actual).unwrap();
        return;
    }
    let want = std::fs::read(file).unwrap_or_else(|e| {
        panic!(
            "golden file {}: {e} (IMGTOOL_BLESS=1 creates it)",
            file.display()
        )
    });
    // Not assert_eq!: a byte-by-byte dump of a package helps nobody.
    assert!(
        want == actual,
        "{} differs ({} bytes, now {}; IMGTOOL_BLESS=1 regenerates it after a deliberate change)",
        file.display(),
        want.len(),
        actual.len()
    );
}

/// CRC-32/MPEG-2, bit by bit (independent of the crate under test).
pub fn crc_mpeg2(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// An imgtool package rebuilt the way the vendor tool makes it: the byte after each compressed
/// payload's last packet dropped, lengths and CRC fixed up. Returns the package and the new
/// payload lengths. Written from the format, not with the crates under test.
pub fn vendor_style(pkg: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let count = usize::from(u16::from_le_bytes([pkg[6], pkg[7]]));
    let mut table = Vec::new();
    let mut payloads = Vec::new();
    let mut lens = Vec::new();
    let mut at = 12 + 6 * count;
    for i in 0..count {
        let e = &pkg[12 + 6 * i..18 + 6 * i];
        let len = u32::from_le_bytes(e[2..6].try_into().unwrap()) as usize;
        // Flag 16 payloads end with imgtool's extra byte; raw ones are kept whole.
        let keep = if e[1] == 16 { len - 1 } else { len };
        payloads.extend_from_slice(&pkg[at..at + keep]);
        at += len;
        lens.push(keep);
        table.extend_from_slice(&[e[0], e[1]]);
        table.extend_from_slice(&(keep as u32).to_le_bytes());
    }
    let mut vendor = pkg[..8].to_vec();
    vendor.extend_from_slice(&crc_mpeg2(&payloads).to_le_bytes());
    vendor.extend_from_slice(&table);
    vendor.extend_from_slice(&payloads);
    (vendor, lens)
}

#[test]
fn independent_crc_matches_the_check_value() {
    assert_eq!(crc_mpeg2(b"123456789"), 0x0376_E6E7);
}

/// The SDK's development keys (`testdata/secure/keys/sifli02`: root key, RSA pair, hash) copied
/// into `dir`, as the vendor's secure commands find them (`--key=s01 --sigkey=sig`).
pub fn put_sdk_keys(dir: &Path) {
    for f in [
        "s01.bin",
        "sig_pri.pem",
        "sig_pub.pem",
        "sig_pub.der",
        "sig_hash.bin",
    ] {
        put(
            dir,
            f,
            &read(&testdata(&format!("secure/keys/sifli02/{f}"))),
        );
    }
}
