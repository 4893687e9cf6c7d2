//! The device's crypto constructions, on RustCrypto primitives.
//!
//! AES-256-CTR: counter block = `nonce[0..8] ‖ 00 00 00 00 ‖ BE32(byte_offset / 16)`
//! (`dfu_get_counter` in the SDK's `dfu_sec.c`); the 32-bit big-endian counter is what
//! PyCryptodome's `Counter.new(32, prefix)` in the vendor packer produces.
//! AES-256-CBC session-key wrap: `AES-256-CBC(root key, IV = UID, session key)`, no padding
//! (`sifli_hw_enc` in `efuse.c`): done by the device when it stores a key, never in OTA files.

use crate::keys::{RootKey, SessionKey, Uid, NONCE_LEN};
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, StreamCipher};

use zerocopy::big_endian::U32;
use zerocopy::{Immutable, IntoBytes, KnownLayout, Unaligned};

type Aes256Ctr32 = ctr::Ctr32BE<aes::Aes256>;

/// The AES-CTR counter block as `dfu_get_counter` (SDK `dfu_sec.c`) fills it; the counter is
/// big-endian, unlike every other field of the format.
#[derive(IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct CounterBlock {
    nonce: [u8; NONCE_LEN],
    zero: [u8; 4],
    counter: U32,
}

const _: () = assert!(size_of::<CounterBlock>() == 16);

/// The 16-byte counter block the device uses for the block at `byte_offset`.
pub fn counter_block(nonce: &[u8; NONCE_LEN], byte_offset: u32) -> [u8; 16] {
    let b = CounterBlock {
        nonce: *nonce,
        zero: [0; 4],
        counter: U32::new(byte_offset / 16),
    };
    let mut out = [0u8; 16];
    out.copy_from_slice(b.as_bytes());
    out
}

/// Encrypts or decrypts (the same operation) `data` in place with AES-256-CTR, starting at
/// `byte_offset`, which callers keep a multiple of 16 as the device does.
pub fn ctr_apply(key: &[u8; 32], nonce: &[u8; NONCE_LEN], byte_offset: u32, data: &mut [u8]) {
    let iv = counter_block(nonce, byte_offset);
    let mut c = Aes256Ctr32::new(key.into(), (&iv).into());
    c.apply_keystream(data);
}

/// The session key as the device stores it (FlashDB / ftab `image_header_enc.key`).
pub fn wrap_session_key(root: &RootKey, uid: &Uid, session: &SessionKey) -> [u8; 32] {
    let mut out = *session.as_bytes();
    let enc = cbc::Encryptor::<aes::Aes256>::new(root.as_bytes().into(), uid.as_bytes().into());
    enc.encrypt_padded_mut::<cbc::cipher::block_padding::NoPadding>(&mut out, 32)
        .expect("32 bytes are two whole AES blocks");
    out
}

/// The inverse of [`wrap_session_key`].
pub fn unwrap_session_key(root: &RootKey, uid: &Uid, wrapped: &[u8; 32]) -> SessionKey {
    let mut out = *wrapped;
    let dec = cbc::Decryptor::<aes::Aes256>::new(root.as_bytes().into(), uid.as_bytes().into());
    dec.decrypt_padded_mut::<cbc::cipher::block_padding::NoPadding>(&mut out)
        .expect("32 bytes are two whole AES blocks");
    SessionKey::from_bytes(&out, "unwrapped key").expect("32 bytes")
}
