//! Signers: anything that turns a message into a signature for a known public key.
//!
//! [`Signer`] is the one signing abstraction of imgtool, generic over the scheme through its
//! associated types (public key, signature, error). Two schemes use it:
//!
//! - ed25519 (offline package v2 trailer, `pack`, `sign`): [`Ed25519Signer`], implemented by
//!   [`PrivateKey`] (in-process, from a key file or `env:NAME`) and [`CommandSigner`] (an
//!   external program: HSM, KMS client, offline signing station wrapper, that reads the
//!   message on stdin and writes the 64-byte raw signature on stdout).
//! - RSA-2048 PKCS#1 v1.5 over SHA-256 (the vendor's secure DFU: control packet, image
//!   records, `enc`): `secure::RsaSigner`, a sub-trait of [`Signer`] that also signs a
//!   precomputed SHA-256 digest, implemented by `secure::SigningKey`.
//!
//! A new signer (a PKCS#11 token, a KMS, another command protocol) is one type implementing
//! [`Signer`] with the scheme's associated types (and, for RSA, `secure::RsaSigner`); every
//! producer takes the trait object (`&dyn Ed25519Signer`, `&dyn secure::RsaSigner`), so nothing
//! else changes.
//!
//! A signature is never trusted: producers sign through [`sign_checked`] (ed25519) or the
//! secure crate's checked helpers (RSA), which verify it with the signer's public key before
//! anything is written, so a misconfigured external signer (wrong key, wrong algorithm, wrong
//! hash) fails at signing time.

use crate::{PrivateKey, PublicKey, SignError, Signature, SIGNATURE_LEN};
use std::io::Write;
use std::process::{Command, Stdio};

/// Produces signatures of one scheme for one public key.
pub trait Signer {
    /// The public key the signatures verify with.
    type PublicKey;
    /// A signature (`[u8; 64]` for ed25519, `[u8; 256]` for RSA-2048).
    type Signature: AsRef<[u8]>;
    /// Why signing failed.
    type Error;

    /// The public key the signatures verify with.
    fn public_key(&self) -> Self::PublicKey;
    /// Signs `message`: the exact bytes, hashed as the scheme defines (ed25519 signs the
    /// message itself; RSA PKCS#1 v1.5 signs its SHA-256).
    fn sign(&self, message: &[u8]) -> Result<Self::Signature, Self::Error>;
}

/// An ed25519 signer: what the package trailer and `pack` take (as `&dyn Ed25519Signer`).
///
/// Implemented for every [`Signer`] with ed25519's associated types; implement [`Signer`], not
/// this trait.
pub trait Ed25519Signer:
    Signer<PublicKey = PublicKey, Signature = Signature, Error = SignError>
{
}

impl<T> Ed25519Signer for T where
    T: Signer<PublicKey = PublicKey, Signature = Signature, Error = SignError> + ?Sized
{
}

impl Signer for PrivateKey {
    type PublicKey = PublicKey;
    type Signature = Signature;
    type Error = SignError;

    fn public_key(&self) -> PublicKey {
        PrivateKey::public_key(self)
    }

    fn sign(&self, message: &[u8]) -> Result<Signature, SignError> {
        Ok(PrivateKey::sign(self, message))
    }
}

/// Signs `message` with `signer` and verifies the result with the signer's public key.
pub fn sign_checked(signer: &dyn Ed25519Signer, message: &[u8]) -> Result<Signature, SignError> {
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
        shell(&self.command)
    }
}

/// `command` run through the platform shell (`sh -c`, `cmd /C` on Windows): how every external
/// signer (this crate's [`CommandSigner`], the `secure` crate's RSA command signer) runs.
pub fn shell(command: &str) -> Command {
    if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(command);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        c
    }
}

impl Signer for CommandSigner {
    type PublicKey = PublicKey;
    type Signature = Signature;
    type Error = SignError;

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
