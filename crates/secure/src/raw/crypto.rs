//! Sizes of the crypto fields the device's structs embed.

/// Size of an RSA-2048 signature (`DFU_SIG_SIZE`).
pub const SIG_LEN: usize = 256;
/// Size of the RSA-2048 SubjectPublicKeyInfo DER the device stores (`DFU_SIG_KEY_SIZE`).
pub const SPKI_DER_LEN: usize = 294;
/// Bytes of the signature-key hash used as the AES-CTR nonce prefix (`DFU_SIG_HASH_SIZE`).
pub const NONCE_LEN: usize = 8;
/// Size of the SHA-256 in front of a control packet, an `enc` header and each record block.
pub const HASH_LEN: usize = 32;
/// Bytes of such a hash the device compares (`DFU_SIG_HASH_SIZE`).
pub const DEVICE_HASH_CMP_LEN: usize = 8;
