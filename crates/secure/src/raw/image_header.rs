//! `struct image_header_enc` (SDK `middleware/dfu/dfu.h`): the per-image header of the flash
//! table ([`crate::ftab`]) whose first [`ENC_HEADER_LEN`] bytes are also the header of the
//! UART secure download image ([`crate::enc`]). Declared once here so both use one layout.

use super::crypto::SIG_LEN;
use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Size of the version field (`DFU_VERSION_LEN`).
pub const VER_LEN: usize = 20;
/// Size of one `struct image_header_enc`.
pub const IMAGE_HEADER_LEN: usize = 512;
/// Bytes of it that travel in an `enc` image and that the device writes into the flash table
/// (`length` .. `ver`; `sec_flash_update(..., 316)` in the SDK's `dfu.c`).
pub const ENC_HEADER_LEN: usize = 4 + 2 + 2 + 32 + SIG_LEN + VER_LEN;

/// `struct image_header_enc` (SDK `middleware/dfu/dfu.h`), 512 bytes, little-endian.
#[derive(Debug, Clone, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct ImageHeaderEnc {
    /// Image length the bootloader copies; `0xFFFFFFFF` for an unused flash table entry.
    pub length: U32,
    /// Record block size.
    pub blksize: U16,
    /// `DFU_FLAG_*` bits (1 ENC, 2 AUTO, 4 SINGLE, 16 COMPRESS).
    pub flags: U16,
    /// The session key: wrapped with root key + UID (AES-256-CBC) in a flash table, plain
    /// inside an `enc` image's encrypted header.
    pub key: [u8; 32],
    /// The image signature.
    pub sig: [u8; SIG_LEN],
    /// Version string (`--ver`, right-padded).
    pub ver: [u8; VER_LEN],
    /// Reserved; kept so that reading and writing back a table is lossless.
    pub reserved: [u8; IMAGE_HEADER_LEN - ENC_HEADER_LEN],
}

// The spec's offsets (docs/sifli-secure-and-online-dfu.md 2.4): key@8, sig@40, ver@296.
const _: () = assert!(size_of::<ImageHeaderEnc>() == 512);
const _: () = assert!(ENC_HEADER_LEN == 316);
const _: () = assert!(std::mem::offset_of!(ImageHeaderEnc, reserved) == ENC_HEADER_LEN);

impl ImageHeaderEnc {
    /// An unused flash table entry (`{.length = 0xFFFFFFFF}`, the rest zero).
    pub fn unused() -> Self {
        let mut h = Self::new_zeroed();
        h.length = U32::new(u32::MAX);
        h
    }

    /// The transferred part: the first [`ENC_HEADER_LEN`] bytes.
    pub fn transfer_bytes(&self) -> &[u8] {
        &self.as_bytes()[..ENC_HEADER_LEN]
    }

    /// A header from its transferred part (exactly [`ENC_HEADER_LEN`] bytes), `reserved`
    /// zero; `None` for another length.
    pub fn from_transfer_bytes(b: &[u8]) -> Option<Self> {
        if b.len() != ENC_HEADER_LEN {
            return None;
        }
        let mut h = Self::new_zeroed();
        h.as_mut_bytes()[..ENC_HEADER_LEN].copy_from_slice(b);
        Some(h)
    }
}
