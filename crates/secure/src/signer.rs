//! RSA-2048 signers: [`RsaSigner`], the secure flow's side of [`sign::Signer`].
//!
//! The device verifies RSA PKCS#1 v1.5 signatures over SHA-256. Every secure producer
//! ([`crate::ctrl::seal_ctrl`], [`crate::record::seal_image`], [`crate::enc::seal_enc`],
//! [`crate::online::build_online`]) takes a `&dyn RsaSigner`, so a key in memory
//! ([`SigningKey`]), an external command or an HSM token are interchangeable; a `&SigningKey`
//! coerces to it.
//!
//! Record files are hashed while they are built (the signed bytes are the stored blocks, never
//! contiguous in memory), so an RSA signer also signs a precomputed SHA-256 digest
//! ([`RsaSigner::sign_digest`]): the form an HSM or an external command that signs a 32-byte
//! digest takes anyway.
//!
//! Producers sign through [`sign_checked`] and [`sign_digest_checked`]: a signature that does
//! not verify with the signer's [`public_key`](sign::Signer::public_key) is refused
//! ([`SecureError::BadSignature`]) before anything is returned.

use crate::error::{Result, SecureError};
use crate::keys::{SigningKey, VerifyingKey, SIG_LEN};
use sha2::{Digest, Sha256};

/// An RSA-2048 signer (PKCS#1 v1.5 over SHA-256, as the device verifies).
///
/// Implement [`sign::Signer`] with these associated types, its `sign(message)` returning the
/// signature of SHA-256(`message`), and [`RsaSigner::sign_digest`] for a precomputed digest:
/// `sign(m)` and `sign_digest(&SHA-256(m))` must be the same signature.
pub trait RsaSigner:
    sign::Signer<PublicKey = VerifyingKey, Signature = [u8; SIG_LEN], Error = SecureError>
{
    /// The signature of an already computed SHA-256 `digest`.
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<[u8; SIG_LEN]>;
}

impl sign::Signer for SigningKey {
    type PublicKey = VerifyingKey;
    type Signature = [u8; SIG_LEN];
    type Error = SecureError;

    fn public_key(&self) -> VerifyingKey {
        self.verifying_key()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIG_LEN]> {
        SigningKey::sign(self, message)
    }
}

impl RsaSigner for SigningKey {
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<[u8; SIG_LEN]> {
        SigningKey::sign_digest(self, digest)
    }
}

/// Signs `message` with `signer` and verifies the result with the signer's public key.
pub fn sign_checked(signer: &dyn RsaSigner, message: &[u8]) -> Result<[u8; SIG_LEN]> {
    sign_digest_checked_with(signer, &Sha256::digest(message).into(), |s| s.sign(message))
}

/// Signs the SHA-256 `digest` with `signer` and verifies the result with the signer's public
/// key.
pub fn sign_digest_checked(signer: &dyn RsaSigner, digest: &[u8; 32]) -> Result<[u8; SIG_LEN]> {
    sign_digest_checked_with(signer, digest, |s| s.sign_digest(digest))
}

fn sign_digest_checked_with(
    signer: &dyn RsaSigner,
    digest: &[u8; 32],
    sign: impl FnOnce(&dyn RsaSigner) -> Result<[u8; SIG_LEN]>,
) -> Result<[u8; SIG_LEN]> {
    let sig = sign(signer)?;
    if !signer.public_key().verify_digest(digest, &sig) {
        return Err(SecureError::BadSignature);
    }
    Ok(sig)
}
