//! The control packet `ctrl_packet.bin` (vendor `dfu_generation`; device
//! `dfu_ctrl_request_init_handler` and `dfu_ctrl_ctrl_header_alloc`).
//!
//! Plaintext `P` (SDK `middleware/dfu/dfu_protocol.h`: `dfu_control_packet_t`, then
//! `dfu_code_image_header_t` whose `img_header[]` are `dfu_image_header_int_t`; little-endian,
//! packed), declared once below as [`DfuControlPacket`], [`DfuCodeImageHeader`] and
//! [`DfuImageHeaderInt`]:
//!
//! ```text
//! 0   u8  dfu_ID        1   u32 HW_version   5   u32 SDK_version   9   u32 FW_version
//! 13  u8  FW_key[32]    (the session key, plain inside the encrypted body)
//! 45  u16 image_header_len = 3 + 263 n (ignored by the device, which recomputes)
//! 47  u16 blk_size      49  u8  img_count n
//! 50  n x { u8 sig[256]; u32 length; u16 flag; u8 img_id }      (263 bytes each)
//! ```
//! File: `SHA-256(P) ‖ AES-256-CTR(root key, counter 0.., P) ‖ RSA-sign(P)` (338 + 263 n bytes).

use crate::cipher::ctr_apply;
use crate::error::{Result, SecureError};
use crate::keys::{RootKey, SessionKey, VerifyingKey, NONCE_LEN, SIG_LEN};
use crate::raw::crypto::HASH_LEN;
use crate::raw::ctrl::IMAGE_HEADER_LEN_OFFSET;
pub use crate::raw::ctrl::{
    DfuCodeImageHeader, DfuControlPacket, DfuImageHeaderInt, CTRL_FILE_OVERHEAD, CTRL_HEADER_LEN,
    ENTRY_FLAG_OFFSET, ENTRY_IMG_ID_OFFSET, FLAG_COMPRESS, FLAG_ENC, IMAGE_ENTRY_LEN,
    IMG_COUNT_OFFSET, IMG_ID_CTRL, KNOWN_FLAGS, MAX_DFU_ID, MAX_IMAGES, MAX_IMG_ID,
};
use crate::report::{hash_message, Findings};
use crate::signer::{sign_checked, RsaSigner};
use sha2::{Digest, Sha256};
use zerocopy::{FromBytes, IntoBytes};
use zeroize::Zeroize;

/// `image_header_len` for `n` images: `dfu_code_image_header_t` and its entries.
fn image_header_len(n: usize) -> usize {
    size_of::<DfuCodeImageHeader>() + n * IMAGE_ENTRY_LEN
}

/// One image entry of the control packet, as values; its bytes are a [`DfuImageHeaderInt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEntry {
    /// RSA signature of SHA-256 of the stored image blocks.
    pub sig: [u8; SIG_LEN],
    /// Image length without record headers (`len(D)`).
    pub length: u32,
    /// 0, 1 (encrypted), 16 (compressed), 17.
    pub flag: u16,
    /// The image id (0 HCPU, 1 LCPU, ... 11 bootloader).
    pub img_id: u8,
}

impl From<&ImageEntry> for DfuImageHeaderInt {
    fn from(e: &ImageEntry) -> Self {
        Self {
            sig: e.sig,
            length: e.length.into(),
            flag: e.flag.into(),
            img_id: e.img_id,
        }
    }
}

impl From<&DfuImageHeaderInt> for ImageEntry {
    fn from(e: &DfuImageHeaderInt) -> Self {
        Self {
            sig: e.sig,
            length: e.length.get(),
            flag: e.flag.get(),
            img_id: e.img_id,
        }
    }
}

/// The plaintext control packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlPacket {
    /// `dfu_ID` (0 CODE, 1 CODE_MIX, 2 OTA_MANAGER).
    pub dfu_id: u8,
    /// `HW_version` (not checked by the device).
    pub hw_version: u32,
    /// `SDK_version`: must be <= the device's SIFLI_VERSION.
    pub sdk_version: u32,
    /// `FW_version`.
    pub fw_version: u32,
    /// The session key of the image blocks.
    pub session_key: SessionKey,
    /// `blk_size` of every record file.
    pub blk_size: u16,
    /// The image entries.
    pub images: Vec<ImageEntry>,
}

impl PartialEq for SessionKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl Eq for SessionKey {}

/// Refuses image sets the device rejects: count, ids, flags, `dfu_ID`.
pub fn check_policy(dfu_id: u8, images: &[(u8, u16)]) -> Result<()> {
    if images.len() > usize::from(u8::MAX) {
        return Err(SecureError::ImageCountByte {
            count: images.len(),
        });
    }
    if images.is_empty() || images.len() > MAX_IMAGES {
        return Err(SecureError::ImageCount {
            count: images.len(),
        });
    }
    if dfu_id > MAX_DFU_ID {
        return Err(SecureError::DfuId { dfu_id });
    }
    for (i, &(id, flag)) in images.iter().enumerate() {
        if id == IMG_ID_CTRL || id > MAX_IMG_ID {
            return Err(SecureError::ImageId {
                index: i,
                img_id: id,
            });
        }
        if !KNOWN_FLAGS.contains(&flag) {
            return Err(SecureError::ImageFlag {
                index: i,
                img_id: id,
                flag,
            });
        }
        if images[..i].iter().any(|&(other, _)| other == id) {
            return Err(SecureError::DuplicateImageId { img_id: id });
        }
    }
    Ok(())
}

impl ControlPacket {
    /// The plaintext `P`, after the policy checks.
    pub fn to_plain(&self) -> Result<Vec<u8>> {
        let ids: Vec<_> = self.images.iter().map(|e| (e.img_id, e.flag)).collect();
        check_policy(self.dfu_id, &ids)?;
        let n = self.images.len();
        let mut head = DfuControlPacket {
            dfu_id: self.dfu_id,
            hw_version: self.hw_version.into(),
            sdk_version: self.sdk_version.into(),
            fw_version: self.fw_version.into(),
            fw_key: *self.session_key.as_bytes(),
            image_header_len: (image_header_len(n) as u16).into(),
        };
        let code = DfuCodeImageHeader {
            blk_size: self.blk_size.into(),
            img_count: n as u8,
        };
        let mut p = Vec::with_capacity(CTRL_HEADER_LEN + n * IMAGE_ENTRY_LEN);
        p.extend_from_slice(head.as_bytes());
        head.fw_key.zeroize();
        p.extend_from_slice(code.as_bytes());
        for e in &self.images {
            p.extend_from_slice(DfuImageHeaderInt::from(e).as_bytes());
        }
        Ok(p)
    }

    /// Parses `P`; its length must be exactly `50 + 263 n` (the device asserts it).
    pub fn from_plain(p: &[u8]) -> Result<(Self, Findings)> {
        let mut findings = Findings::default();
        let Ok((mut head, rest)) = DfuControlPacket::read_from_prefix(p) else {
            return Err(SecureError::CtrlPlainShort { len: p.len() });
        };
        let Ok((code, entries)) = DfuCodeImageHeader::ref_from_prefix(rest) else {
            return Err(SecureError::CtrlPlainShort { len: p.len() });
        };
        let n = usize::from(code.img_count);
        let want = CTRL_HEADER_LEN + n * IMAGE_ENTRY_LEN;
        let entries = match <[DfuImageHeaderInt]>::ref_from_bytes(entries) {
            Ok(e) if e.len() == n => e,
            _ => {
                return Err(SecureError::CtrlPlainLength {
                    img_count: n,
                    expected: want,
                    found: p.len(),
                })
            }
        };
        let header_len = head.image_header_len.get();
        if usize::from(header_len) != image_header_len(n) {
            findings.fail(
                HASH_LEN + IMAGE_HEADER_LEN_OFFSET,
                format!(
                    "image_header_len {header_len}, expected {}",
                    image_header_len(n)
                ),
            );
        }
        let packet = Self {
            dfu_id: head.dfu_id,
            hw_version: head.hw_version.get(),
            sdk_version: head.sdk_version.get(),
            fw_version: head.fw_version.get(),
            session_key: SessionKey::from_bytes(&head.fw_key, "control packet").expect("32 bytes"),
            blk_size: code.blk_size.get(),
            images: entries.iter().map(ImageEntry::from).collect(),
        };
        head.fw_key.zeroize();
        let ids: Vec<_> = packet.images.iter().map(|e| (e.img_id, e.flag)).collect();
        if let Err(e) = check_policy(packet.dfu_id, &ids) {
            findings.fail(HASH_LEN, e.to_string());
        }
        Ok((packet, findings))
    }
}

/// Writes `ctrl_packet.bin`; also returns `P` (the vendor's `control_packet_value.txt`). The
/// signature is verified with the signer's public key before it is used.
pub fn seal_ctrl(
    packet: &ControlPacket,
    root: &RootKey,
    nonce: &[u8; NONCE_LEN],
    signer: &dyn RsaSigner,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let plain = packet.to_plain()?;
    let mut file = Vec::with_capacity(plain.len() + CTRL_FILE_OVERHEAD);
    file.extend_from_slice(&Sha256::digest(&plain));
    let start = file.len();
    file.extend_from_slice(&plain);
    ctr_apply(root.as_bytes(), nonce, 0, &mut file[start..]);
    file.extend_from_slice(&sign_checked(signer, &plain)?);
    Ok((file, plain))
}

/// The number of images a control packet file of `len` bytes holds, if the size fits.
pub fn image_count_for_len(len: usize) -> Option<usize> {
    let body = len.checked_sub(CTRL_FILE_OVERHEAD + CTRL_HEADER_LEN)?;
    (body % IMAGE_ENTRY_LEN == 0).then_some(body / IMAGE_ENTRY_LEN)
}

/// What the reader got out of `ctrl_packet.bin`.
#[derive(Debug, Clone)]
pub struct OpenedCtrl {
    /// The decrypted, parsed packet.
    pub packet: ControlPacket,
    /// The plaintext `P`.
    pub plain: Vec<u8>,
    /// Every failed check (hash, signature, header fields, policy).
    pub findings: Findings,
}

/// Decrypts and checks `ctrl_packet.bin`: the full SHA-256 (the device compares only the
/// first 8 bytes), the RSA signature over `P`, the header fields and the device's policy.
pub fn open_ctrl(file: &[u8], root: &RootKey, verifier: &VerifyingKey) -> Result<OpenedCtrl> {
    if image_count_for_len(file.len()).is_none() {
        return Err(SecureError::CtrlFileLength { len: file.len() });
    }
    let nonce = verifier.nonce()?;
    let body_end = file.len() - SIG_LEN;
    let mut plain = file[HASH_LEN..body_end].to_vec();
    ctr_apply(root.as_bytes(), &nonce, 0, &mut plain);
    let mut findings = Findings::default();
    let want: [u8; HASH_LEN] = file[..HASH_LEN].try_into().expect("HASH_LEN");
    let got: [u8; 32] = Sha256::digest(&plain).into();
    if got != want {
        findings.fail(
            0,
            hash_message("control packet", &got, &want) + " (wrong root key, or corrupted)",
        );
    }
    if !verifier.verify(&plain, &file[body_end..]) {
        findings.fail(
            body_end,
            "control packet RSA signature does not verify with the given public key",
        );
    }
    let (packet, more) = match ControlPacket::from_plain(&plain) {
        Ok(v) => v,
        Err(e) => {
            // A wrong root key gives garbage; say so with the hash failure rather than parse noise.
            findings.fail(HASH_LEN + IMG_COUNT_OFFSET, e.to_string());
            return Err(SecureError::CtrlUnreadable {
                failures: findings.0,
            });
        }
    };
    findings.extend(more);
    Ok(OpenedCtrl {
        packet,
        plain,
        findings,
    })
}
