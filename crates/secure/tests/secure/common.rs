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

/// openssl's AES-256-CTR decryption of `data` with `key` and the 16-byte counter block `iv`.
pub fn openssl_ctr(key: &[u8], iv: &str, data: &[u8]) -> Option<Vec<u8>> {
    let k = hex(key);
    openssl(
        &["enc", "-d", "-aes-256-ctr", "-nosalt", "-K", &k, "-iv", iv],
        data,
    )
}

/// Whether openssl verifies `sig` (RSA PKCS#1 v1.5 SHA-256) over `msg` with sifli02's key.
pub fn openssl_verifies(sig: &[u8], msg: &[u8]) -> Option<bool> {
    let dir = tempfile::tempdir().unwrap();
    let sig_path = dir.path().join("sig.bin");
    std::fs::write(&sig_path, sig).unwrap();
    let pubk = testdata("secure/keys/sifli02/sig_pub.pem");
    let args = [
        "dgst",
        "-sha256",
        "-verify",
        pubk.to_str().unwrap(),
        "-signature",
        sig_path.to_str().unwrap(),
    ];
    let msg_path = dir.path().join("msg.bin");
    std::fs::write(&msg_path, msg).unwrap();
    let out = Command::new("openssl").args(args).arg(&msg_path).output();
    match out {
        // "Verified OK" with exit 0; "Verification failure" with exit 1.
        Ok(o) => {
            Some(o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "Verified OK")
        }
        Err(e) => {
            eprintln!("SKIPPED independent openssl check: cannot run openssl ({e})");
            None
        }
    }
}

/// Runs `f` with the sifli02 build keys and the fixed session key.
pub fn with_keys<T>(f: impl FnOnce(&secure::online::BuildKeys<'_>) -> T) -> T {
    let (root, signer, session) = (root(), signer(), session());
    f(&secure::online::BuildKeys {
        root: &root,
        signer: &signer,
        session_key: &session,
        nonce_hash: None,
    })
}
