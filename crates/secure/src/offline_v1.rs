//! Offline package v1 (vendor `gen_dfu --offline_img=1`; device `dfu_offline_header_alloc`).
//!
//! ```text
//! 0  u8 magic[4] = "FCES"     4  u8 image_count = n + 1 (the control packet counts)
//! 5  u32 info_len = 5 (n + 1)
//! 9  { u8 img_id = 10 (control packet); u32 len }, then n x { u8 img_id; u32 len }
//! 9 + info_len: ctrl_packet.bin, then each com_<stem>.bin (unpadded), back to back
//! ```
//! The payloads are the compressed, unencrypted files, so every image flag must be 16. The
//! device checks only the control packet; images are not signature-checked offline, so
//! [`open_v1`] checks them against the control packet's signatures itself.

use crate::ctrl::{open_ctrl, OpenedCtrl, FLAG_COMPRESS, IMG_ID_CTRL};
use crate::error::{Result, SecureError};
use crate::keys::{RootKey, VerifyingKey};
use crate::online::{aligned, build_online, BuildKeys, OnlineDfu, OnlineImage, OnlineParams};
pub use crate::raw::offline_v1::{
    DfuOfflineInstallPacket, V1ImageInfo, ENTRY_LEN, HEADER_LEN, MAGIC,
};
use crate::report::Findings;
use sha2::{Digest, Sha256};
use zerocopy::{FromBytes, IntoBytes};

/// Writes the package: `ctrl` (ctrl_packet.bin) then the compressed images `(id, com file)`.
pub fn write_v1(ctrl: &[u8], images: &[(u8, &[u8])]) -> Result<Vec<u8>> {
    let count = images.len() + 1;
    let count_u8 = u8::try_from(count).map_err(|_| SecureError::V1Count {
        images: images.len(),
    })?;
    let mut entries = vec![(IMG_ID_CTRL, ctrl)];
    entries.extend(images.iter().copied());
    let header = DfuOfflineInstallPacket {
        magic: MAGIC,
        image_count: count_u8,
        info_len: ((ENTRY_LEN * count) as u32).into(),
    };
    let mut out = header.as_bytes().to_vec();
    for (id, data) in &entries {
        let len = u32::try_from(data.len()).map_err(|_| SecureError::V1TooLarge { img_id: *id })?;
        let info = V1ImageInfo {
            img_id: *id,
            len: len.into(),
        };
        out.extend_from_slice(info.as_bytes());
    }
    for (_, data) in &entries {
        out.extend_from_slice(data);
    }
    Ok(out)
}

/// Plans the control packet for `images` (every flag must be 16) and the v1 package around
/// it; also returns the online set (the vendor writes its record files too).
pub fn build_offline_v1(
    images: &[OnlineImage],
    params: &OnlineParams,
    keys: &BuildKeys<'_>,
) -> Result<(OnlineDfu, Vec<u8>)> {
    if let Some(im) = images.iter().find(|i| i.flag != FLAG_COMPRESS) {
        return Err(SecureError::V1Flag {
            img_id: im.img_id,
            flag: im.flag,
        });
    }
    let dfu = build_online(images, params, keys)?;
    let payloads: Vec<(u8, &[u8])> = images
        .iter()
        .map(|i| (i.img_id, i.data.as_slice()))
        .collect();
    let pkg = write_v1(&dfu.ctrl, &payloads)?;
    Ok((dfu, pkg))
}

/// One entry of a parsed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Entry<'a> {
    /// Image id (10 for the control packet).
    pub img_id: u8,
    /// File offset of the payload.
    pub offset: usize,
    /// The payload.
    pub data: &'a [u8],
}

/// True when `bytes` look like an offline package v1 (not v2: v2 has version 1 and an
/// install-state byte where v1 has its count and info_len).
pub fn is_v1(bytes: &[u8]) -> bool {
    DfuOfflineInstallPacket::ref_from_prefix(bytes).is_ok_and(|(h, _)| {
        h.magic == MAGIC && h.info_len.get() == ENTRY_LEN as u32 * u32::from(h.image_count)
    })
}

/// Parses the header and entries; the first entry must be the control packet.
pub fn parse_v1(bytes: &[u8]) -> Result<Vec<V1Entry<'_>>> {
    let header = match DfuOfflineInstallPacket::ref_from_prefix(bytes) {
        Ok((h, _)) if h.magic == MAGIC => h,
        _ => return Err(SecureError::V1Magic),
    };
    let count = usize::from(header.image_count);
    let info_len = header.info_len.get() as usize;
    if info_len != ENTRY_LEN * count || count == 0 {
        return Err(SecureError::V1InfoLen { info_len, count });
    }
    let mut pos = HEADER_LEN + info_len;
    if bytes.len() < pos {
        return Err(SecureError::V1Short {
            len: bytes.len(),
            needed: pos,
        });
    }
    let infos = <[V1ImageInfo]>::ref_from_bytes(&bytes[HEADER_LEN..pos])
        .expect("info_len is count whole entries");
    let mut out = Vec::with_capacity(count);
    for (i, info) in infos.iter().enumerate() {
        let e = HEADER_LEN + i * ENTRY_LEN;
        let len = info.len.get() as usize;
        let end = pos
            .checked_add(len)
            .filter(|&end| end <= bytes.len())
            .ok_or(SecureError::V1PastEnd {
                index: i,
                entry_offset: e,
                len,
                offset: pos,
                file_len: bytes.len(),
            })?;
        out.push(V1Entry {
            img_id: info.img_id,
            offset: pos,
            data: &bytes[pos..end],
        });
        pos = end;
    }
    if out[0].img_id != IMG_ID_CTRL {
        return Err(SecureError::V1FirstNotCtrl {
            img_id: out[0].img_id,
        });
    }
    if pos != bytes.len() {
        return Err(SecureError::V1Trailing {
            extra: bytes.len() - pos,
            offset: pos,
        });
    }
    Ok(out)
}

/// A checked v1 package.
#[derive(Debug, Clone)]
pub struct OpenedV1<'a> {
    /// The package entries (entry 0 is the control packet).
    pub entries: Vec<V1Entry<'a>>,
    /// The control packet inside.
    pub ctrl: OpenedCtrl,
    /// Failed checks of the images against the control packet.
    pub findings: Findings,
}

/// Parses and checks a v1 package: its control packet (hash, signature, policy) and each
/// image against its entry there (flag 16, length, RSA signature of the padded file).
pub fn open_v1<'a>(
    bytes: &'a [u8],
    root: &RootKey,
    verifier: &VerifyingKey,
) -> Result<OpenedV1<'a>> {
    let entries = parse_v1(bytes)?;
    let ctrl = open_ctrl(entries[0].data, root, verifier)?;
    let mut findings = Findings::default();
    let shift = |f: crate::report::Failure| crate::report::Failure {
        offset: f.offset + entries[0].offset,
        ..f
    };
    let ctrl_f: Vec<_> = ctrl.findings.0.iter().cloned().map(shift).collect();
    findings.0.extend(ctrl_f);
    if entries.len() - 1 != ctrl.packet.images.len() {
        findings.fail(
            std::mem::offset_of!(DfuOfflineInstallPacket, image_count),
            format!(
                "{} images in the package, {} in its control packet",
                entries.len() - 1,
                ctrl.packet.images.len()
            ),
        );
    }
    for e in &entries[1..] {
        let Some(want) = ctrl.packet.images.iter().find(|w| w.img_id == e.img_id) else {
            findings.fail(
                e.offset,
                format!("image id {} is not in the control packet", e.img_id),
            );
            continue;
        };
        if want.flag != FLAG_COMPRESS {
            findings.fail(e.offset, format!("image id {}: control packet flag {}; offline v1 carries compressed plaintext, so the flag must be 16", e.img_id, want.flag));
        }
        let d = aligned(e.data, true);
        if d.len() != want.length as usize {
            findings.fail(
                e.offset,
                format!(
                    "image id {}: {} bytes padded, control packet says {}",
                    e.img_id,
                    d.len(),
                    want.length
                ),
            );
        }
        if !verifier.verify_digest(&Sha256::digest(&d).into(), &want.sig) {
            findings.fail(
                e.offset,
                format!(
                    "image id {}: signature in the control packet does not verify",
                    e.img_id
                ),
            );
        }
    }
    Ok(OpenedV1 {
        entries,
        ctrl,
        findings,
    })
}
