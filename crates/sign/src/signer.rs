//! Signers: anything that turns a message into an ed25519 signature for a known public key.
//!
//! - [`PrivateKey`]: in-process, from a key file or `env:NAME`.
//! - [`CommandSigner`]: an external program (HSM, KMS client, offline signing station wrapper)
//!   that reads the message on stdin and writes the 64-byte raw signature on stdout.
//!
//! Always sign through [`sign_checked`]: it verifies the signature before anyone uses it, so a
//! misconfigured external signer (wrong key, wrong algorithm) fails at signing time.

use crate::{PrivateKey, PublicKey, SignError, Signature, SIGNATURE_LEN};
use std::io::Write;
use std::process::{Command, Stdio};

/// Produces ed25519 signatures for one public key.
pub trait Signer {
    /// The public key the signatures verify with.
    fn public_key(&self) -> PublicKey;
    /// Signs `message` (the exact bytes; no pre-hashing).
    fn sign(&self, message: &[u8]) -> Result<Signature, SignError>;
}

impl Signer for PrivateKey {
    fn public_key(&self) -> PublicKey {
        PrivateKey::public_key(self)
    }

    fn sign(&self, message: &[u8]) -> Result<Signature, SignError> {
        Ok(PrivateKey::sign(self, message))
    }
}

/// Signs `message` with `signer` and verifies the result with the signer's public key.
pub fn sign_checked(signer: &dyn Signer, message: &[u8]) -> Result<Signature, SignError> {
    let sig = signer.sign(message)?;
    signer.public_key().verify(message, &sig)?;
    Ok(sig)
}

/// An external signing command, run through the platform shell (`sh -c` / `cmd /C`).
///
/// The message goes to its stdin; its stdout must be exactly the 64-byte raw signature. Its
/// stderr is passed through so that the program can prompt or report.
#[derive(Debug, Clone)]
pub struct CommandSigner {
    command: String,
    public_key: PublicKey,
}

impl CommandSigner {
    /// A signer running `command`, whose signatures must verify with `public_key`.
    pub fn new(command: &str, public_key: PublicKey) -> Self {
        CommandSigner {
            command: command.to_owned(),
            public_key,
        }
    }

    fn shell(&self) -> Command {
        if cfg!(windows) {
            let mut c = Command::new("cmd");
            c.arg("/C").arg(&self.command);
            c
        } else {
            let mut c = Command::new("sh");
            c.arg("-c").arg(&self.command);
            c
        }
    }
}

impl Signer for CommandSigner {
    fn public_key(&self) -> PublicKey {
        self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Signature, SignError> {
        let spawn_err = |source| SignError::CommandSpawn {
            command: self.command.clone(),
            source,
        };
        let mut child = self
            .shell()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(spawn_err)?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        // Write from another thread: a command that writes before reading all of stdin must not
        // deadlock against us.
        let msg = message.to_vec();
        let writer = std::thread::spawn(move || {
            // A command that exits without reading stdin breaks the pipe; its exit status and
            // output decide the result, so this error is deliberately not reported.
            let _ = stdin.write_all(&msg);
        });
        let out = child.wait_with_output().map_err(spawn_err)?;
        let _ = writer.join();
        if !out.status.success() {
            return Err(SignError::CommandFailed {
                command: self.command.clone(),
                status: out.status.to_string(),
            });
        }
        out.stdout
            .as_slice()
            .try_into()
            .map_err(|_| SignError::CommandOutput {
                command: self.command.clone(),
                expected: SIGNATURE_LEN,
                found: out.stdout.len(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_key_signer_is_checked() {
        let k = PrivateKey::from_seed(&[1; 32]);
        let sig = sign_checked(&k, b"hello").unwrap();
        k.public_key().verify(b"hello", &sig).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn command_signer_output_rules() {
        let k = PrivateKey::from_seed(&[1; 32]);
        // A command that prints a fixed 64-byte string: the right length, a wrong signature.
        let bad = CommandSigner::new("head -c 64 /dev/zero", k.public_key());
        assert_eq!(bad.sign(b"m").unwrap(), [0u8; 64]);
        let err = sign_checked(&bad, b"m").unwrap_err();
        assert!(matches!(err, SignError::BadSignature { .. }), "{err}");

        let short = CommandSigner::new("printf abc", k.public_key());
        assert!(matches!(
            short.sign(b"m"),
            Err(SignError::CommandOutput { found: 3, .. })
        ));
        let failing = CommandSigner::new("cat >/dev/null; exit 3", k.public_key());
        assert!(matches!(
            failing.sign(b"m"),
            Err(SignError::CommandFailed { .. })
        ));
        // The message really arrives on stdin: echo it back padded to 64 bytes.
        let echo = CommandSigner::new("cat; head -c 61 /dev/zero", k.public_key());
        let out = echo.sign(b"abc").unwrap();
        assert_eq!(&out[..3], b"abc");
    }
}
