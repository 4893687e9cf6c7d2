//! Shared helpers: the sifli02 keys, golden files, the `openssl` CLI.

use secure::{RootKey, SessionKey, SigningKey, Uid, VerifyingKey};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn sifli02(name: &str) -> Vec<u8> {
    read(&format!("secure/keys/sifli02/{name}"))
}

pub fn root() -> RootKey {
    RootKey::from_bytes(&sifli02("s01.bin"), "s01.bin").unwrap()
}

pub fn uid() -> Uid {
    Uid::from_bytes(&sifli02("uid.bin"), "uid.bin").unwrap()
}

pub fn signer() -> SigningKey {
    SigningKey::from_pem(&sifli02("sig_pri.pem"), "sig_pri.pem").unwrap()
}

pub fn verifier() -> VerifyingKey {
    VerifyingKey::from_file_bytes(&sifli02("sig_pub.pem"), "sig_pub.pem").unwrap()
}

/// The fixed session key of the golden files.
pub fn session() -> SessionKey {
    let k: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(7).wrapping_add(0x40))
        .collect();
    SessionKey::from_bytes(&k, "test").unwrap()
}

/// Deterministic test image bytes (not all-zero, not periodic in 16).
pub fn image(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Compares with the golden file, or rewrites it with `IMGTOOL_BLESS=1`.
pub fn golden(rel: &str, actual: &[u8]) {
    let path = testdata(&format!("secure/golden/{rel}"));
    if std::env::var_os("IMGTOOL_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "golden file {}: {e} (IMGTOOL_BLESS=1 creates it)",
            path.display()
        )
    });
    assert!(
        want == actual,
        "{} differs from the golden file",
        path.display()
    );
}

/// Runs `openssl` with `args` and `stdin`; `None` (after printing why) if there is no openssl.
pub fn openssl(args: &[&str], stdin: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let child = Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("SKIPPED independent openssl check: cannot run openssl ({e})");
            return None;
        }
    };
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
