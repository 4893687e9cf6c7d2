//! Online image record files (`out<img>` / `enc<img>`, vendor `dfu_packed_bin`).
//!
//! The image `D` (the compressed `com_` file for flag 16) is cut into blocks of `bksize`
//! bytes (the last one shorter); each block becomes one record, the payload of one BLE
//! `IMAGE_SEND_PACKET`:
//!
//! ```text
//! struct record { u8 hash[32] = SHA-256(plaintext block); u32 offset (LE) = block's offset in D;
//!                 u8 block[] = AES-256-CTR(session key, counter offset/16) if flag & 1, else plain }
//! ```
//! The control packet's image entry then carries `length = len(D)` and the RSA signature of
//! SHA-256 of the stored blocks concatenated (ciphertext for flag 1), which the device
//! recomputes over what it stored (`dfu_img_verification`).

use crate::cipher::ctr_apply;
use crate::error::{Result, SecureError};
use crate::keys::{SessionKey, VerifyingKey, NONCE_LEN, SIG_LEN};
pub use crate::raw::crypto::{DEVICE_HASH_CMP_LEN, HASH_LEN};
use crate::raw::record::OFFSET_FIELD;
pub use crate::raw::record::{RecordHeader, RECORD_HEADER_LEN};
pub use crate::report::hex;
use crate::report::{hash_message, Findings};
use crate::signer::{sign_digest_checked, RsaSigner};
use sha2::{Digest, Sha256};
use zerocopy::{FromBytes, IntoBytes};

/// The crypto context shared by every image of one package.
#[derive(Debug, Clone)]
pub struct ImageCrypto<'a> {
    /// The session key (image blocks with flag bit 0).
    pub session_key: &'a SessionKey,
    /// CTR nonce prefix: first 8 bytes of SHA-256 of the public key's DER.
    pub nonce: [u8; NONCE_LEN],
}

/// One image sealed into its record file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedImage {
    /// The `out*`/`enc*` file contents.
    pub file: Vec<u8>,
    /// `len(D)`: the control packet's `length` (without the record headers).
    pub length: u32,
    /// The control packet's `sig`: RSA over SHA-256 of the stored blocks.
    pub sig: [u8; SIG_LEN],
}

/// Checks the block size: a multiple of 16 (CTR alignment; each block starts a new counter)
/// and at most `max` (512 on the flash-thread path: `flash_write_t.data[512]`).
pub fn check_bksize(bksize: u16, max: u16) -> Result<()> {
    if bksize == 0 || bksize % 16 != 0 {
        return Err(SecureError::Bksize { bksize });
    }
    if bksize > max {
        return Err(SecureError::BksizeTooLarge { bksize, max });
    }
    Ok(())
}

/// Builds the record file of image `data` (already padded if the caller wants `--align=1`);
/// the signature is verified with the signer's public key before it is used.
pub fn seal_image(
    data: &[u8],
    bksize: u16,
    encrypt: bool,
    crypto: &ImageCrypto<'_>,
    signer: &dyn RsaSigner,
) -> Result<SealedImage> {
    let length =
        u32::try_from(data.len()).map_err(|_| SecureError::ImageTooLarge { len: data.len() })?;
    if data.is_empty() {
        return Err(SecureError::EmptyImage);
    }
    let bk = usize::from(bksize);
    let mut file = Vec::with_capacity(data.len() + data.len().div_ceil(bk) * RECORD_HEADER_LEN);
    let mut stored = Sha256::new();
    for (i, block) in data.chunks(bk).enumerate() {
        let offset = (i * bk) as u32;
        let header = RecordHeader {
            hash: Sha256::digest(block).into(),
            offset: offset.into(),
        };
        file.extend_from_slice(header.as_bytes());
        let start = file.len();
        file.extend_from_slice(block);
        if encrypt {
            ctr_apply(
                crypto.session_key.as_bytes(),
                &crypto.nonce,
                offset,
                &mut file[start..],
            );
        }
        stored.update(&file[start..]);
    }
    let sig = sign_digest_checked(signer, &stored.finalize().into())?;
    Ok(SealedImage { file, length, sig })
}

/// What the reader got out of a record file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedImage {
    /// The plaintext image `D`.
    pub plain: Vec<u8>,
    /// Number of records.
    pub records: usize,
    /// Every check that failed (empty: the device would accept the image).
    pub findings: Findings,
}

/// The longest record file an image of `image_len` bytes can have with blocks of `bksize`:
/// one 36-byte header per block plus the image itself. A reader bounds a record file by it
/// before reading (the control packet gives both numbers), so a wrong or huge file costs
/// nothing. `bksize` 0 (a malformed control packet) counts as 1.
pub fn max_record_file_len(image_len: u32, bksize: u16) -> u64 {
    let blocks = u64::from(image_len).div_ceil(u64::from(bksize.max(1)));
    RECORD_HEADER_LEN as u64 * blocks + u64::from(image_len)
}

/// Splits a record file into `(file offset, header, stored block)`.
pub fn split_records(file: &[u8], bksize: u16) -> Result<Vec<(usize, RecordHeader, &[u8])>> {
    let step = RECORD_HEADER_LEN + usize::from(bksize);
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < file.len() {
        let rec = &file[pos..(pos + step).min(file.len())];
        let (header, block) = match RecordHeader::read_from_prefix(rec) {
            Ok((h, b)) if !b.is_empty() => (h, b),
            _ => {
                return Err(SecureError::RecordShort {
                    offset: pos,
                    len: rec.len(),
                })
            }
        };
        out.push((pos, header, block));
        pos += rec.len();
    }
    Ok(out)
}

/// Decrypts (if `encrypted`) and checks a record file against its control-packet entry:
/// every record's offset and full SHA-256 (the device compares 8 bytes), the total length
/// and the RSA signature over the stored bytes.
pub fn open_image(
    file: &[u8],
    bksize: u16,
    encrypted: bool,
    expected: (u32, &[u8; SIG_LEN]),
    crypto: &ImageCrypto<'_>,
    verifier: &VerifyingKey,
) -> Result<OpenedImage> {
    let records = split_records(file, bksize)?;
    let mut findings = Findings::default();
    let mut plain = Vec::with_capacity(file.len());
    let mut stored = Sha256::new();
    for (pos, header, block) in &records {
        let want = plain.len() as u32;
        if header.offset != want {
            findings.fail(
                pos + OFFSET_FIELD,
                format!(
                    "record offset is {:#010x}, expected {want:#010x}",
                    header.offset
                ),
            );
        }
        stored.update(block);
        let mut b = block.to_vec();
        if encrypted {
            ctr_apply(
                crypto.session_key.as_bytes(),
                &crypto.nonce,
                header.offset.get(),
                &mut b,
            );
        }
        let got: [u8; 32] = Sha256::digest(&b).into();
        if got != header.hash {
            findings.fail(*pos, hash_message("record", &got, &header.hash));
        }
        plain.extend_from_slice(&b);
    }
    let (length, sig) = expected;
    if plain.len() != length as usize {
        findings.fail(
            0,
            format!(
                "the records hold {} bytes but the control packet says length {length}",
                plain.len()
            ),
        );
    }
    if !verifier.verify_digest(&stored.finalize().into(), sig) {
        findings.fail(
            0,
            "image signature (control packet entry) does not verify over the stored blocks",
        );
    }
    Ok(OpenedImage {
        plain,
        records: records.len(),
        findings,
    })
}
