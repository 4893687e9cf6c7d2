//! `hsm`: signing with keys that stay in a PKCS#11 token (an HSM, a smart card, SoftHSM).
//!
//! It owns opening a token named by an RFC 7512 URI ([`sign::Pkcs11Uri`]: the module is loaded
//! at run time, the token chosen by its label/serial/slot, the user logged in with a PIN
//! that is never printed), and the two signers imgtool needs, each one type implementing the
//! workspace's one signing abstraction [`sign::Signer`]:
//!
//! - [`TokenEd25519`]: ed25519 with `CKM_EDDSA` (the package trailer, `pack --sign`); a
//!   [`sign::Ed25519Signer`].
//! - [`TokenRsa`]: RSA-2048 PKCS#1 v1.5 over SHA-256 with `CKM_RSA_PKCS` over the
//!   DigestInfo-prefixed digest (the secure DFU); a [`secure::RsaSigner`]. The raw mechanism,
//!   not `CKM_SHA256_RSA_PKCS`, because record files are hashed while they are sealed: only
//!   their digest exists, and one mechanism then serves both `sign` and `sign_digest`.
//!
//! It sits above `sign` and `secure` (whose traits it implements) and below `imgtool`.
//! Both schemes are deterministic, so a token signs the same bytes as the key file it was
//! imported from; producers still verify every signature with the token's public key
//! (read from the token) before anything is written.

mod access;
mod error;
mod signers;
mod token;

pub use access::{KeyRef, Pin, TokenAccess};
pub use error::HsmError;
pub use signers::{public_key, PublicHalf, TokenEd25519, TokenRsa};
