//! The secure online DFU set (vendor `gen_dfu --offline_img=0`): one control packet and one
//! record file per image, sharing one session key; planned whole, then returned for writing.

use crate::ctrl::{
    check_policy, open_ctrl, seal_ctrl, ControlPacket, ImageEntry, OpenedCtrl, FLAG_ENC,
};
use crate::error::{Result, SecureError};
use crate::keys::{NonceHash, RootKey, SessionKey, VerifyingKey};
use crate::record::{check_bksize, open_image, seal_image, ImageCrypto, OpenedImage, SealedImage};
use crate::rules::{check_device_rules, Chip, DeviceBuild};
use crate::signer::RsaSigner;
use std::fmt;

/// Block size limit of the flash-thread path (`flash_write_t.data[512]`).
pub const MAX_BKSIZE_FLASH: u16 = 512;
/// Block size limit of NAND ping-pong builds (the SDK example uses 2048).
pub const MAX_BKSIZE_NAND: u16 = 2048;

/// One image of the set: `data` is the file the vendor packer reads (`com_<stem>.bin` for
/// flag 16, else `<stem>.bin`), before 16-byte alignment.
#[derive(Debug, Clone)]
pub struct OnlineImage {
    /// Image id (0 HCPU, ... 11 bootloader).
    pub img_id: u8,
    /// 0, 1, 16 or 17.
    pub flag: u16,
    /// The image (compressed payload for flag 16).
    pub data: Vec<u8>,
}

/// The control packet's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnlineParams {
    /// `dfu_ID`.
    pub dfu_id: u8,
    /// `HW_version`.
    pub hw_version: u32,
    /// `SDK_version` (0 always passes the device's check).
    pub sdk_version: u32,
    /// `FW_version`.
    pub fw_version: u32,
    /// Record block size.
    pub bksize: u16,
    /// Zero-pad each image to a multiple of 16 (the vendor's `--align=1`, the default).
    pub align: bool,
    /// Largest accepted block size ([`MAX_BKSIZE_FLASH`] unless the target is NAND).
    pub max_bksize: u16,
    /// The device's DFU build options ([`crate::rules`]).
    pub device_build: DeviceBuild,
    /// The device's chip, if known (the SF32LB52x rule applies only when it is).
    pub chip: Option<Chip>,
}

impl Default for OnlineParams {
    fn default() -> Self {
        Self {
            dfu_id: 0,
            hw_version: 0,
            sdk_version: 0,
            fw_version: 0,
            bksize: 512,
            align: true,
            max_bksize: MAX_BKSIZE_FLASH,
            device_build: DeviceBuild::default(),
            chip: None,
        }
    }
}

/// The keys one build uses.
#[derive(Clone)]
pub struct BuildKeys<'a> {
    /// Encrypts the control packet.
    pub root: &'a RootKey,
    /// Signs the control packet and every image; its public DER hash gives the CTR nonce.
    pub signer: &'a dyn RsaSigner,
    /// Encrypts image blocks with flag bit 0 (random per build unless given).
    pub session_key: &'a SessionKey,
    /// The nonce source instead of the signer's own hash ([`NonceHash`]: unprogrammed efuse,
    /// custom key in the flash table).
    pub nonce_hash: Option<&'a NonceHash>,
}

impl fmt::Debug for BuildKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuildKeys")
            .field("root", self.root)
            .field("signer", &format_args!("dyn RsaSigner"))
            .field("session_key", self.session_key)
            .field("nonce_hash", &self.nonce_hash)
            .finish()
    }
}

/// A planned online DFU set.
#[derive(Debug, Clone)]
pub struct OnlineDfu {
    /// `ctrl_packet.bin`.
    pub ctrl: Vec<u8>,
    /// The control packet's plaintext (`control_packet_value.txt`: contains the session key).
    pub ctrl_plain: Vec<u8>,
    /// One sealed record file per input image, in input order.
    pub images: Vec<SealedImage>,
}

/// The image as the device stores it: zero-padded to 16 when `align`.
pub fn aligned(data: &[u8], align: bool) -> Vec<u8> {
    let mut d = data.to_vec();
    if align {
        d.resize(data.len().next_multiple_of(16), 0);
    }
    d
}

/// Plans the whole set; refuses what the device would reject before computing anything.
pub fn build_online(
    images: &[OnlineImage],
    params: &OnlineParams,
    keys: &BuildKeys<'_>,
) -> Result<OnlineDfu> {
    check_bksize(params.bksize, params.max_bksize)?;
    let ids: Vec<_> = images.iter().map(|i| (i.img_id, i.flag)).collect();
    check_policy(params.dfu_id, &ids)?;
    if let Some(rule) = check_device_rules(params.dfu_id, &ids, params.device_build, params.chip)
        .into_iter()
        .next()
    {
        return Err(rule.into());
    }
    if !params.align && images.iter().any(|i| i.flag & FLAG_ENC != 0) {
        // Records past the first short block would start off a 16-byte boundary.
        for im in images.iter().filter(|i| i.flag & FLAG_ENC != 0) {
            if im.data.len() % 16 != 0 && im.data.len() > usize::from(params.bksize) {
                return Err(SecureError::UnalignedEncrypted {
                    img_id: im.img_id,
                    len: im.data.len(),
                });
            }
        }
    }
    let mut verifier = keys.signer.public_key();
    if let Some(h) = keys.nonce_hash {
        verifier = verifier.with_nonce_hash(*h);
    }
    let crypto = ImageCrypto {
        session_key: keys.session_key,
        nonce: verifier.nonce()?,
    };
    let mut sealed = Vec::with_capacity(images.len());
    for im in images {
        let d = aligned(&im.data, params.align);
        sealed.push(seal_image(
            &d,
            params.bksize,
            im.flag & FLAG_ENC != 0,
            &crypto,
            keys.signer,
        )?);
    }
    let packet = ControlPacket {
        dfu_id: params.dfu_id,
        hw_version: params.hw_version,
        sdk_version: params.sdk_version,
        fw_version: params.fw_version,
        session_key: keys.session_key.clone(),
        blk_size: params.bksize,
        images: images
            .iter()
            .zip(&sealed)
            .map(|(im, s)| ImageEntry {
                sig: s.sig,
                length: s.length,
                flag: im.flag,
                img_id: im.img_id,
            })
            .collect(),
    };
    let (ctrl, ctrl_plain) = seal_ctrl(&packet, keys.root, &crypto.nonce, keys.signer)?;
    Ok(OnlineDfu {
        ctrl,
        ctrl_plain,
        images: sealed,
    })
}

/// The reader's result for a whole set.
#[derive(Debug, Clone)]
pub struct OpenedSet {
    /// The control packet.
    pub ctrl: OpenedCtrl,
    /// Per record file given: its image id and what its check found.
    pub images: Vec<(u8, OpenedImage)>,
}

impl OpenedSet {
    /// True when every check of the control packet and of every record file held.
    pub fn ok(&self) -> bool {
        self.ctrl.findings.ok() && self.images.iter().all(|(_, i)| i.findings.ok())
    }
}

/// Opens and checks a control packet and the record files given as `(img_id, bytes)`.
pub fn open_online(
    ctrl: &[u8],
    records: &[(u8, &[u8])],
    root: &RootKey,
    verifier: &VerifyingKey,
) -> Result<OpenedSet> {
    let opened = open_ctrl(ctrl, root, verifier)?;
    let crypto = ImageCrypto {
        session_key: &opened.packet.session_key,
        nonce: verifier.nonce()?,
    };
    let mut images = Vec::new();
    for &(id, file) in records {
        let entry = opened
            .packet
            .images
            .iter()
            .find(|e| e.img_id == id)
            .ok_or(SecureError::NoSuchImage { img_id: id })?;
        let img = open_image(
            file,
            opened.packet.blk_size,
            entry.flag & FLAG_ENC != 0,
            (entry.length, &entry.sig),
            &crypto,
            verifier,
        )?;
        images.push((id, img));
    }
    Ok(OpenedSet {
        ctrl: opened,
        images,
    })
}
