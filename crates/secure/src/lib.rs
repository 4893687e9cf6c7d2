//! `secure`: the SiFli SDK's secure DFU artifacts, byte-compatible with the vendor packer
//! (`imgtoolv37 gen_dfu`, `offline_img` 0 and 1) and the device code that checks them.
//!
//! It owns the vendor key files ([`keys`]: raw AES-256 root key, UID, RSA-2048 signing key and
//! its `dumpsig` outputs), the exact crypto constructions ([`cipher`]: AES-256-CTR with the
//! device's counter block, the device's CBC session-key wrap), the online image record files
//! `out*`/`enc*` ([`record`]), the control packet `ctrl_packet.bin` ([`ctrl`]), the whole
//! online DFU set planned from images ([`online`]), the legacy offline package v1
//! ([`offline_v1`]), the flash table `struct sec_configuration` ([`ftab`]) and the UART
//! secure download image of the vendor's `imgtool enc` ([`enc`]).
//!
//! Every producer signs through [`RsaSigner`] (the RSA side of `sign::Signer`, see [`signer`]):
//! a key in memory ([`SigningKey`], from a plain or passphrase-protected PEM), an external
//! command ([`CommandRsaSigner`], e.g. a cloud KMS client) or any other implementation, each
//! signature verified with the signer's public key before it is used.
//!
//! Every reader decrypts and checks every hash and signature and reports each failure with the
//! file offset it concerns; writers refuse what the device would reject. No CLI concerns:
//! compression and file naming are the caller's. The byte-level specification is
//! `docs/secure-dfu.md` (and the SDK sources it cites).
//!
//! What the device rejects beyond the format (combinations of `dfu_ID`, image ids and flags
//! that depend on its build and chip) is [`rules`].
//!
//! Every on-disk struct is declared once, as the SDK's C struct of the same name in Rust case
//! (`#[repr(C)]`, `zerocopy` little-endian field types, size asserted at compile time), and is
//! both read and written through that declaration: [`ctrl::DfuControlPacket`],
//! [`ctrl::DfuCodeImageHeader`], [`ctrl::DfuImageHeaderInt`], [`record::RecordHeader`],
//! [`image_header::ImageHeaderEnc`] (flash table entry and `enc` header),
//! [`ftab::SecConfiguration`], [`ftab::FlashTable`] and
//! [`offline_v1::DfuOfflineInstallPacket`]. No byte offset is written as a number elsewhere.
//!
//! Errors are [`SecureError`] variants with the numbers in fields.
//!
//! Secret key material never appears in `Debug` output or in errors.

pub mod cipher;
pub mod command;
pub mod ctrl;
pub mod enc;
pub mod error;
pub mod ftab;
pub mod image_header;
pub mod keys;
pub mod offline_v1;
pub mod online;
mod raw;
pub mod record;
mod report;
pub mod rules;
pub mod signer;

pub use command::CommandRsaSigner;
pub use error::SecureError;
pub use keys::{NonceHash, RootKey, SessionKey, SigningKey, Uid, VerifyingKey};
pub use report::{Failure, Findings};
pub use signer::RsaSigner;
