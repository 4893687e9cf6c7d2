//! The UART/BLE secure download image (vendor `imgtool enc`, `image_sec.bin`; device
//! `dfu_process_hdr_sec`/`dfu_process_body_sec`/`dfu_end` in the SDK's `dfu.c`).
//!
//! ```text
//! SHA-256(H) ‖ AES-256-CTR(root key, counter 0.., H) ‖ records (as record.rs, always encrypted)
//! H = struct image_header_enc's first 316 bytes:
//!     u32 length (padded) ‖ u16 blksize ‖ u16 flags ‖ u8 key[32] (session key, plain here)
//!     ‖ u8 sig[256] ‖ u8 ver[20] (ASCII, right-padded with '0')
//! ```
//! `sig` signs SHA-256 of the ciphertext blocks when `flags & 1` (the device then stores
//! ciphertext), else of the padded plaintext.

use crate::cipher::ctr_apply;
use crate::error::{Result, SecureError};
use crate::image_header::ImageHeaderEnc;
pub use crate::image_header::{ENC_HEADER_LEN, VER_LEN};
use crate::keys::{RootKey, SessionKey, VerifyingKey, SIG_LEN};
use crate::online::aligned;
use crate::record::{check_bksize, open_image, seal_image, ImageCrypto, HASH_LEN};
use crate::report::Findings;
use crate::signer::{sign_checked, RsaSigner};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

/// The plaintext header `H`: the first [`ENC_HEADER_LEN`] bytes of a
/// [`struct image_header_enc`](ImageHeaderEnc), read and written through that declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncHeader {
    /// Padded image length.
    pub length: u32,
    /// Record block size.
    pub blksize: u16,
    /// The vendor's `--flags` (1 ENC, 2 AUTO, ...).
    pub flags: u16,
    /// The session key.
    pub key: SessionKey,
    /// The image signature.
    pub sig: [u8; SIG_LEN],
    /// The version field.
    pub ver: [u8; VER_LEN],
}

impl EncHeader {
    /// The 316 bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut raw = ImageHeaderEnc {
            length: self.length.into(),
            blksize: self.blksize.into(),
            flags: self.flags.into(),
            key: *self.key.as_bytes(),
            sig: self.sig,
            ver: self.ver,
            ..ImageHeaderEnc::unused()
        };
        let h = raw.transfer_bytes().to_vec();
        raw.key.zeroize(); // the plain session key
        h
    }

    fn from_raw(raw: &ImageHeaderEnc) -> Self {
        Self {
            length: raw.length.get(),
            blksize: raw.blksize.get(),
            flags: raw.flags.get(),
            key: SessionKey::from_bytes(&raw.key, "header").expect("32 bytes"),
            sig: raw.sig,
            ver: raw.ver,
        }
    }
}

/// The version field: `ver` right-padded with ASCII '0' to 20 bytes (the vendor's `ljust`).
pub fn version_field(ver: &str) -> Result<[u8; VER_LEN]> {
    if ver.len() > VER_LEN || !ver.is_ascii() {
        return Err(SecureError::Version { ver: ver.into() });
    }
    let mut v = [b'0'; VER_LEN];
    v[..ver.len()].copy_from_slice(ver.as_bytes());
    Ok(v)
}

/// Writes the secure download image of `image` (padded to 16 here, as the vendor does); every
/// signature is verified with the signer's public key before it is used.
pub fn seal_enc(
    image: &[u8],
    bksize: u16,
    flags: u16,
    ver: &str,
    root: &RootKey,
    signer: &dyn RsaSigner,
    session_key: &SessionKey,
) -> Result<Vec<u8>> {
    check_bksize(bksize, u16::MAX - 15)?;
    let ver = version_field(ver)?;
    let d = aligned(image, true);
    let nonce = signer.public_key().nonce()?;
    let crypto = ImageCrypto { session_key, nonce };
    let sealed = seal_image(&d, bksize, true, &crypto, signer)?;
    let sig = if flags & 1 != 0 {
        sealed.sig
    } else {
        sign_checked(signer, &d)?
    };
    let header = EncHeader {
        length: sealed.length,
        blksize: bksize,
        flags,
        key: session_key.clone(),
        sig,
        ver,
    };
    let mut h = header.to_bytes();
    let mut out = Sha256::digest(&h).to_vec();
    ctr_apply(root.as_bytes(), &nonce, 0, &mut h);
    out.extend_from_slice(&h);
    out.extend_from_slice(&sealed.file);
    Ok(out)
}

/// What the reader got out of a secure download image.
#[derive(Debug, Clone)]
pub struct OpenedEnc {
    /// The decrypted header.
    pub header: EncHeader,
    /// The padded plaintext image.
    pub plain: Vec<u8>,
    /// Every failed check.
    pub findings: Findings,
}

/// Decrypts and checks a secure download image: header hash, every record, the signature.
pub fn open_enc(file: &[u8], root: &RootKey, verifier: &VerifyingKey) -> Result<OpenedEnc> {
    if file.len() <= HASH_LEN + ENC_HEADER_LEN {
        return Err(SecureError::EncFileShort {
            len: file.len(),
            header: HASH_LEN + ENC_HEADER_LEN,
        });
    }
    let nonce = verifier.nonce()?;
    let mut h = file[HASH_LEN..HASH_LEN + ENC_HEADER_LEN].to_vec();
    ctr_apply(root.as_bytes(), &nonce, 0, &mut h);
    let mut findings = Findings::default();
    let want: [u8; HASH_LEN] = file[..HASH_LEN].try_into().expect("HASH_LEN");
    let got: [u8; 32] = Sha256::digest(&h).into();
    if got != want {
        // Every header field is then noise (e.g. "blksize 6673"): stop at the cause.
        return Err(SecureError::EncHeaderHash {
            stored: want,
            computed: got,
        });
    }
    let mut raw = ImageHeaderEnc::from_transfer_bytes(&h).expect("ENC_HEADER_LEN bytes");
    let header = EncHeader::from_raw(&raw);
    raw.key.zeroize();
    if header.blksize == 0 || header.blksize % 16 != 0 {
        return Err(SecureError::EncBlksize {
            blksize: header.blksize,
        });
    }
    let crypto = ImageCrypto {
        session_key: &header.key,
        nonce,
    };
    let body = &file[HASH_LEN + ENC_HEADER_LEN..];
    // The record reader checks the signature over the stored (encrypted) blocks; for flags
    // without bit 0 it is over the plaintext instead, checked below.
    let img = open_image(
        body,
        header.blksize,
        true,
        (header.length, &header.sig),
        &crypto,
        verifier,
    )?;
    let mut img_findings = img.findings;
    if header.flags & 1 == 0 {
        img_findings
            .0
            .retain(|f| !f.message.starts_with("image signature"));
        if !verifier.verify(&img.plain, &header.sig) {
            img_findings.fail(
                HASH_LEN + std::mem::offset_of!(ImageHeaderEnc, sig),
                "image signature does not verify over the plaintext (flags without bit 0)",
            );
        }
    }
    for f in img_findings.0 {
        findings.fail(f.offset + HASH_LEN + ENC_HEADER_LEN, f.message);
    }
    Ok(OpenedEnc {
        header,
        plain: img.plain,
        findings,
    })
}
