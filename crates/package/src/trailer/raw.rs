//! The fixed-size parts of the signature trailer (imgtool's own format, no SDK counterpart:
//! the device never reads it), each declared once. The layout table is in the parent
//! module's docs; the `*_FIELDS` tables name the fields for errors.

use std::mem::offset_of;
use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// First bytes of every trailer.
pub const TRAILER_MAGIC: [u8; 4] = *b"IMGS";
/// The trailer version this crate writes and reads.
pub const TRAILER_VERSION: u16 = 1;
/// `sig_alg` of a trailer awaiting its signature.
pub const SIG_ALG_NONE: u8 = 0;
/// `sig_alg` of an ed25519-signed trailer.
pub const SIG_ALG_ED25519: u8 = 1;

/// The trailer's first 16 bytes: everything before the manifest (part of the signed message).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct TrailerHead {
    /// [`TRAILER_MAGIC`].
    pub magic: [u8; 4],
    /// [`TRAILER_VERSION`].
    pub trailer_version: U16,
    /// Always 0.
    pub reserved: U16,
    /// Length of the package body = offset of the trailer in the file.
    pub body_len: U32,
    /// Length of the manifest encoding that follows.
    pub manifest_len: U32,
}

/// The 4 bytes after the manifest: how the signature that follows is made.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct SigHead {
    /// [`SIG_ALG_NONE`] or [`SIG_ALG_ED25519`].
    pub sig_alg: u8,
    /// Length of the key id that follows.
    pub key_id_len: u8,
    /// Length of the signature that follows the key id.
    pub sig_len: U16,
}

impl SigHead {
    /// The head of a trailer awaiting its signature: no key id, no signature.
    pub fn unsigned() -> Self {
        SigHead {
            sig_alg: SIG_ALG_NONE,
            key_id_len: 0,
            sig_len: U16::new(0),
        }
    }

    /// The head of an ed25519 signature: an 8-byte key id, then a 64-byte signature.
    pub fn ed25519() -> Self {
        SigHead {
            sig_alg: SIG_ALG_ED25519,
            key_id_len: sign::KEY_ID_LEN as u8,
            sig_len: U16::new(sign::SIGNATURE_LEN as u16),
        }
    }
}

/// The last field of a trailer: its whole length, this field included.
pub type TrailerLen = U32;

const _: () = assert!(size_of::<TrailerHead>() == 16);
const _: () = assert!(size_of::<SigHead>() == 4);
const _: () = assert!(size_of::<TrailerLen>() == 4);

/// [`TrailerHead`]'s fields by name and offset, in order (truncation errors name the field).
pub(crate) const TRAILER_HEAD_FIELDS: [(&str, usize); 5] = [
    ("magic", offset_of!(TrailerHead, magic)),
    ("trailer_version", offset_of!(TrailerHead, trailer_version)),
    ("reserved", offset_of!(TrailerHead, reserved)),
    ("body_len", offset_of!(TrailerHead, body_len)),
    ("manifest_len", offset_of!(TrailerHead, manifest_len)),
];

/// [`SigHead`] is read and reported as one field.
pub(crate) const SIG_HEAD_FIELDS: [(&str, usize); 1] = [("sig_alg, key_id_len, sig_len", 0)];
