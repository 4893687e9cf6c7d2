//! `sign`: ed25519 keys and signatures for imgtool's signed OTA packages.
//!
//! It owns key generation (OS random numbers), PEM key files (PKCS#8 private keys,
//! SubjectPublicKeyInfo public keys), the 8-byte key id, key sources (`PATH`, `env:NAME` or an
//! RFC 7512 `pkcs11:` URI, see [`pkcs11_uri`]; the token itself is opened by the `hsm` crate),
//! passphrase-protected (encrypted PKCS#8) key files ([`encrypted`], for the RSA keys of the
//! `secure` crate too), the [`Signer`] trait (imgtool's one signing abstraction, generic over
//! the scheme; see
//! [`signer`]) with its ed25519 in-process and external-command implementations, and
//! verification. It knows nothing about package formats: it signs and verifies byte strings.
//!
//! Secret key material never appears in `Debug` output or in errors.

pub mod encrypted;
pub mod error;
pub mod key;
pub mod keyfile;
pub mod pkcs11_uri;
pub mod signer;
pub mod source;

pub use encrypted::{Passphrase, PASSPHRASE_ENV};
pub use error::SignError;
pub use key::{
    pem_text, KeyId, PrivateKey, PublicKey, Signature, KEY_ID_LEN, PUBLIC_KEY_LEN, SIGNATURE_LEN,
};
pub use keyfile::holds_private_key;
pub use pkcs11_uri::Pkcs11Uri;
pub use signer::{sign_checked, CommandSigner, Ed25519Signer, Signer};
pub use source::{
    load_private_key, load_private_key_unlocked, load_private_key_with, KeySource, KeyWarning,
    LoadedKey,
};
