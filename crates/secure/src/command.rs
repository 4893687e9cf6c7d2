//! [`CommandRsaSigner`]: RSA signatures from an external command (a cloud KMS client, an HSM
//! tool, `openssl pkeyutl`), so the signing key need not be on the build machine.
//!
//! The protocol is the digest one, because that is what KMS services sign: the command runs
//! through the shell, receives the 32-byte SHA-256 digest on stdin and prints the 256-byte
//! PKCS#1 v1.5 signature on stdout, as raw bytes or as hex or base64 text (the three have
//! different lengths, so none is mistaken for another; surrounding whitespace is ignored in the
//! text forms). Every signature is verified with the given public key before it is returned,
//! and the producers check it again ([`crate::signer`]), so nothing is written with a bad one.

use crate::error::{Result, SecureError};
use crate::keys::{VerifyingKey, SIG_LEN};
use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How much of the command's stderr an error quotes.
const STDERR_HEAD: usize = 400;
/// More stdout than any signature encoding takes is not read into memory.
const STDOUT_LIMIT: u64 = 64 * 1024;

/// An [`crate::RsaSigner`] that runs a shell command per signature (see the module docs).
#[derive(Debug, Clone)]
pub struct CommandRsaSigner {
    command: String,
    public_key: VerifyingKey,
    public_key_file: String,
    timeout: Duration,
}

impl CommandRsaSigner {
    /// How long a command may take per signature unless [`Self::with_timeout`] says otherwise
    /// (a KMS round trip takes well under a second; an operator confirming on a token, longer).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// A signer running `command`, whose signatures must verify with `public_key` (read from
    /// `public_key_file`, which errors name).
    pub fn new(command: &str, public_key: VerifyingKey, public_key_file: &str) -> Self {
        CommandRsaSigner {
            command: command.to_owned(),
            public_key,
            public_key_file: public_key_file.to_owned(),
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// The same signer with another time limit per signature.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        CommandRsaSigner { timeout, ..self }
    }

    /// Runs the command on `digest` and returns its signature, checked.
    fn sign_and_check(&self, digest: &[u8; 32]) -> Result<[u8; SIG_LEN]> {
        let out = self.run(digest)?;
        let sig = decode_signature(&out.stdout).ok_or_else(|| SecureError::CommandOutput {
            command: self.command.clone(),
            found: out.stdout.len(),
            expected: SIG_LEN,
            stderr: out.stderr_head(),
        })?;
        if !self.public_key.verify_digest(digest, &sig) {
            return Err(SecureError::CommandSignature {
                command: self.command.clone(),
                public_key: self.public_key_file.clone(),
            });
        }
        Ok(sig)
    }

    fn run(&self, input: &[u8]) -> Result<Output> {
        let mut child = sign::signer::shell(&self.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| SecureError::CommandSpawn {
                command: self.command.clone(),
                source,
            })?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let input = input.to_vec();
        // From threads: a command that writes before it has read all of stdin, or fills a pipe,
        // must not deadlock against us. A command that exits without reading breaks the pipe;
        // its status and output decide, so that write error is not reported.
        thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let stdout = read_in_thread(child.stdout.take().expect("stdout is piped"));
        let stderr = read_in_thread(child.stderr.take().expect("stderr is piped"));
        let deadline = Instant::now() + self.timeout;
        let status = self.wait(&mut child, deadline)?;
        // A program the shell left running in the background may hold the pipes open: wait
        // for their end only until the deadline.
        let remaining = || deadline.saturating_duration_since(Instant::now());
        let stdout = stdout.recv_timeout(remaining()).unwrap_or_default();
        let stderr = stderr.recv_timeout(remaining()).unwrap_or_default();
        let out = Output { stdout, stderr };
        if !status.success() {
            return Err(SecureError::CommandFailed {
                command: self.command.clone(),
                status: status.to_string(),
                stderr: out.stderr_head(),
            });
        }
        Ok(out)
    }

    /// Waits for `child` until `deadline`, then kills it.
    fn wait(&self, child: &mut Child, deadline: Instant) -> Result<ExitStatus> {
        let spawn_err = |source| SecureError::CommandSpawn {
            command: self.command.clone(),
            source,
        };
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(status) = child.try_wait().map_err(spawn_err)? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                // Already gone is fine: either way it is not running.
                let _ = child.kill();
                let _ = child.wait();
                return Err(SecureError::CommandTimeout {
                    command: self.command.clone(),
                    seconds: self.timeout.as_secs_f64(),
                });
            }
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }
}

/// The command's output.
struct Output {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Output {
    /// The start of stderr as one line, for errors ("" when it printed nothing).
    fn stderr_head(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return String::new();
        }
        let head: String = text.chars().take(STDERR_HEAD).collect();
        let more = if head.len() < text.len() { " ..." } else { "" };
        format!("; its stderr: {head}{more}")
    }
}

/// Reads `from` to its end (at most [`STDOUT_LIMIT`] bytes kept, the rest drained) in a
/// thread; the bytes arrive on the returned channel.
fn read_in_thread(from: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut from = from;
        let mut kept = Vec::new();
        // A read error ends the output early; the length check then reports what arrived.
        let _ = (&mut from).take(STDOUT_LIMIT).read_to_end(&mut kept);
        let _ = std::io::copy(&mut from, &mut std::io::sink());
        let _ = tx.send(kept);
    });
    rx
}

/// The signature in a command's stdout: exactly [`SIG_LEN`] raw bytes, or hex or base64 text
/// of them (whitespace around and between lines ignored).
pub fn decode_signature(stdout: &[u8]) -> Option<[u8; SIG_LEN]> {
    if let Ok(raw) = <[u8; SIG_LEN]>::try_from(stdout) {
        return Some(raw);
    }
    let text: Vec<u8> = stdout
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let mut sig = [0u8; SIG_LEN];
    if text.len() == 2 * SIG_LEN {
        for (out, pair) in sig.iter_mut().zip(text.chunks(2)) {
            let digits = std::str::from_utf8(pair).ok()?;
            *out = u8::from_str_radix(digits, 16).ok()?;
        }
        return Some(sig);
    }
    match Base64::decode(&text, &mut sig) {
        Ok(decoded) if decoded.len() == SIG_LEN => Some(sig),
        _ => None,
    }
}

impl sign::Signer for CommandRsaSigner {
    type PublicKey = VerifyingKey;
    type Signature = [u8; SIG_LEN];
    type Error = SecureError;

    fn public_key(&self) -> VerifyingKey {
        self.public_key.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIG_LEN]> {
        self.sign_and_check(&Sha256::digest(message).into())
    }
}

impl crate::RsaSigner for CommandRsaSigner {
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<[u8; SIG_LEN]> {
        self.sign_and_check(digest)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::signer::sign_digest_checked;
    use crate::{RsaSigner, SigningKey};

    fn key() -> VerifyingKey {
        // Any RSA-2048 public key: the commands below never produce its signatures.
        SigningKey::generate().unwrap().verifying_key()
    }

    fn signer(cmd: &str) -> CommandRsaSigner {
        CommandRsaSigner::new(cmd, key(), "pub.pem")
    }

    #[test]
    fn signature_encodings_raw_hex_base64() {
        let sig: Vec<u8> = (0..=255).collect();
        assert_eq!(decode_signature(&sig).unwrap().to_vec(), sig);
        let hex: String = sig.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            decode_signature(format!("{hex}\n").as_bytes())
                .unwrap()
                .to_vec(),
            sig
        );
        let b64 = Base64::encode_string(&sig);
        assert_eq!(b64.len(), 344);
        assert_eq!(
            decode_signature(format!(" {b64}\r\n").as_bytes())
                .unwrap()
                .to_vec(),
            sig
        );
        // 255 raw bytes, 257 raw bytes, a hex digit short, base64 of 255 bytes: refused.
        assert!(decode_signature(&sig[..255]).is_none());
        assert!(decode_signature(&[sig.clone(), vec![0]].concat()).is_none());
        assert!(decode_signature(&hex.as_bytes()[..511]).is_none());
        assert!(decode_signature(Base64::encode_string(&sig[..255]).as_bytes()).is_none());
    }

    #[test]
    fn a_wrong_signature_names_the_command_and_the_key() {
        let e = signer("cat >/dev/null; head -c 256 /dev/zero")
            .sign_digest(&[1; 32])
            .unwrap_err();
        assert!(matches!(e, SecureError::CommandSignature { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("head -c 256 /dev/zero") && msg.contains("pub.pem"),
            "{msg}"
        );
        // The producers' own check refuses it too.
        assert!(sign_digest_checked(&signer("head -c 256 /dev/zero"), &[1; 32]).is_err());
    }

    #[test]
    fn wrong_length_failure_and_timeout_are_errors() {
        let e = signer("printf abc").sign_digest(&[0; 32]).unwrap_err();
        assert!(
            matches!(e, SecureError::CommandOutput { found: 3, .. }),
            "{e}"
        );
        let e = signer("echo 'token not found' >&2; exit 3")
            .sign_digest(&[0; 32])
            .unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, SecureError::CommandFailed { .. }), "{msg}");
        assert!(
            msg.contains("exit status: 3") && msg.contains("token not found"),
            "{msg}"
        );
        let slow = signer("sleep 5").with_timeout(Duration::from_millis(200));
        let start = Instant::now();
        let e = slow.sign_digest(&[0; 32]).unwrap_err();
        assert!(matches!(e, SecureError::CommandTimeout { .. }), "{e}");
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "killed at the deadline"
        );
    }

    #[test]
    fn the_digest_arrives_on_stdin() {
        // Echo the 32 input bytes back, padded to 256: the output is the digest given.
        let echo = signer("cat; head -c 224 /dev/zero");
        let digest = [7u8; 32];
        let out = echo.run(&digest).unwrap();
        assert_eq!(&out.stdout[..32], &digest);
        assert_eq!(out.stdout.len(), SIG_LEN);
    }
}
