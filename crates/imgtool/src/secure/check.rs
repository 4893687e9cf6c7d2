//! Reading secure artifacts back: which one a file is, its record files (bounded by the
//! control packet), and every hash, signature and device rule, as findings.

use super::plan::CTRL_HASH_LEN;
use secure::ctrl::{image_count_for_len, open_ctrl, ControlPacket};
use secure::ftab::SEC_CONFIG_LEN;
use secure::offline_v1::{is_v1, open_v1, OpenedV1};
use secure::online::{open_online, OpenedSet};
use secure::rules::{check_device_rules, unchecked_chip_warning, Chip, DeviceBuild};
use secure::{Findings, RootKey, SecureError, VerifyingKey};
use std::path::PathBuf;

/// The magic both the flash table and the offline package v1 start with.
const FCES: &[u8; 4] = b"FCES";

/// Which secure artifact a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactKind {
    /// `struct sec_configuration` (the flash table).
    Ftab,
    /// Offline package v1.
    OfflineV1,
    /// `ctrl_packet.bin`.
    Ctrl,
}

/// Classifies `bytes`; `None` for anything else (offline package v2 among them). `keyed`:
/// keys or record files were given, so a file of any other length is taken for a control
/// packet (and then refused with its length).
pub fn detect(bytes: &[u8], keyed: bool) -> Option<ArtifactKind> {
    let fces = bytes.starts_with(FCES);
    if fces && bytes.len() >= SEC_CONFIG_LEN && bytes[FCES.len()] == 0 {
        return Some(ArtifactKind::Ftab);
    }
    if fces && is_v1(bytes) {
        return Some(ArtifactKind::OfflineV1);
    }
    (!fces && (keyed || image_count_for_len(bytes.len()).is_some())).then_some(ArtifactKind::Ctrl)
}

/// The device a secure artifact is checked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceTarget {
    /// Its DFU build options.
    pub build: DeviceBuild,
    /// Its chip, if known.
    pub chip: Option<Chip>,
}

/// Adds a finding for every device rule `packet` breaks ([`secure::rules`]), at `base` + the
/// field's offset in the plaintext; returns the warning when the 52x rule could not be
/// checked (no chip).
pub fn device_findings(
    packet: &ControlPacket,
    target: DeviceTarget,
    base: usize,
    findings: &mut Findings,
) -> Option<String> {
    let ids: Vec<(u8, u16)> = packet.images.iter().map(|e| (e.img_id, e.flag)).collect();
    for rule in check_device_rules(packet.dfu_id, &ids, target.build, target.chip) {
        findings.fail(base + rule.plain_offset(), rule.to_string());
    }
    unchecked_chip_warning(packet.dfu_id, &ids, target.build, target.chip)
}

/// Refuses what the device's DFU code rejects (the first rule `dfu_id` and the `(img_id,
/// flag)` pairs break); otherwise the warning when the 52x rule could not be checked (no
/// chip). [`plan_secure`](super::plan_secure) checks the same, this is for before any input
/// is read.
pub fn check_device(
    dfu_id: u8,
    ids: &[(u8, u16)],
    target: DeviceTarget,
) -> Result<Option<String>, super::SecureFlowError> {
    if let Some(rule) = check_device_rules(dfu_id, ids, target.build, target.chip)
        .into_iter()
        .next()
    {
        return Err(rule.into());
    }
    Ok(unchecked_chip_warning(
        dfu_id,
        ids,
        target.build,
        target.chip,
    ))
}

/// Reads the record files of the control packet `ctrl`, each bounded by what its image entry
/// allows (`36 * ceil(length / blk_size) + length`), refused from its size before a byte is
/// read. A control packet that does not open, or an id it does not have, gives an empty
/// record: [`verify_ctrl`] then reports what is wrong, as the device would.
pub fn read_records(
    ctrl: &[u8],
    records: &[(u8, PathBuf)],
    root: &RootKey,
    verifier: &VerifyingKey,
) -> Result<Vec<(u8, Vec<u8>)>, fsio::Error> {
    let packet = open_ctrl(ctrl, root, verifier).ok().map(|o| o.packet);
    records
        .iter()
        .map(|(id, p)| {
            let entry = packet
                .as_ref()
                .and_then(|c| Some((c.blk_size, c.images.iter().find(|e| e.img_id == *id)?)));
            let Some((bksize, entry)) = entry else {
                return Ok((*id, Vec::new()));
            };
            let bound = secure::record::max_record_file_len(entry.length, bksize);
            let limit = fsio::input::Limit::new(
                "the records of this image (36 x ceil(length / blk_size) + length, from the \
                 control packet)",
                bound,
            );
            Ok((*id, fsio::input::read_bounded(p, limit)?))
        })
        .collect()
}

/// Opens a control packet and its records, checking every hash and signature and the device
/// rules (as findings of the control packet); with the warning of [`device_findings`].
pub fn verify_ctrl(
    ctrl: &[u8],
    records: &[(u8, &[u8])],
    root: &RootKey,
    verifier: &VerifyingKey,
    target: DeviceTarget,
) -> Result<(OpenedSet, Option<String>), SecureError> {
    let mut set = open_online(ctrl, records, root, verifier)?;
    let packet = set.ctrl.packet.clone();
    let warning = device_findings(&packet, target, CTRL_HASH_LEN, &mut set.ctrl.findings);
    Ok((set, warning))
}

/// Opens an offline package v1, checking every hash and signature and the device rules;
/// with the warning of [`device_findings`].
pub fn verify_offline_v1<'a>(
    bytes: &'a [u8],
    root: &RootKey,
    verifier: &VerifyingKey,
    target: DeviceTarget,
) -> Result<(OpenedV1<'a>, Option<String>), SecureError> {
    let mut o = open_v1(bytes, root, verifier)?;
    // The control packet is entry 0: its plaintext starts after the hash.
    let base = o.entries[0].offset + CTRL_HASH_LEN;
    let warning = device_findings(&o.ctrl.packet, target, base, &mut o.findings);
    Ok((o, warning))
}
