//! A secure output set as a [`Snapshot`]: the control packet opened with the keys, each image
//! entry's record file found in the directory and opened through crate `secure`, the image
//! decompressed to what the device installs.

use super::{Category, DiffError, Field, Installed, Kind, Snapshot, SnapshotImage};
use secure::ctrl::{open_ctrl, ImageEntry, OpenedCtrl, FLAG_COMPRESS, FLAG_ENC};
use secure::record::{max_record_file_len, open_image, ImageCrypto};
use secure::{RootKey, VerifyingKey};
use std::path::Path;

/// The control packet's file name in a set.
pub const CTRL_FILE: &str = "ctrl_packet.bin";

/// Reads the secure set in `dir` (`pack --secure -o DIR`, `gen-dfu --offline_img=0`): its
/// `ctrl_packet.bin` decrypted with `root` and checked with `verifier` (which also gives the
/// AES-CTR nonce, as in `verify`), and for each image entry the record file of the directory
/// that opens with the entry's length and signature. A set that does not verify is refused:
/// a diff of unchecked bytes would be meaningless (`imgtool verify` says what is wrong).
pub fn read_secure_set(
    dir: &Path,
    root: &RootKey,
    verifier: &VerifyingKey,
) -> Result<Snapshot, DiffError> {
    let ctrl_path = dir.join(CTRL_FILE);
    if !ctrl_path.is_file() {
        return Err(DiffError::NotASecureSet {
            dir: dir.to_path_buf(),
        });
    }
    let ctrl = fsio::input::read_bounded(&ctrl_path, fsio::input::Limit::SMALL)?;
    let opened = open_ctrl(&ctrl, root, verifier).map_err(|source| DiffError::Secure {
        path: ctrl_path.clone(),
        source,
    })?;
    if !opened.findings.ok() {
        return Err(DiffError::DoesNotVerify {
            path: ctrl_path,
            failures: failures(&opened.findings),
        });
    }
    let candidates = record_candidates(dir)?;
    let images = opened
        .packet
        .images
        .iter()
        .map(|e| image(dir, &opened, e, &candidates, verifier))
        .collect::<Result<_, _>>()?;
    Ok(Snapshot {
        kind: Kind::SecureSet,
        fields: set_fields(dir, &opened, verifier)?,
        images,
        file_sha256: None,
    })
}

fn failures(f: &secure::Findings) -> String {
    f.0.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn set_fields(
    dir: &Path,
    opened: &OpenedCtrl,
    verifier: &VerifyingKey,
) -> Result<Vec<Field>, DiffError> {
    use Category::*;
    let p = &opened.packet;
    let key = verifier.sig_hash().map_err(|source| DiffError::Secure {
        path: dir.join(CTRL_FILE),
        source,
    })?;
    let (version, build_id) = manifest_versions(dir)?;
    Ok(vec![
        Field::new("image_count", Header, p.images.len()),
        Field::new("dfu_id", Header, p.dfu_id),
        Field::new("blk_size", Header, p.blk_size),
        Field::new("hw_version", Version, p.hw_version),
        Field::new("sdk_version", Version, p.sdk_version),
        Field::new("fw_version", Version, p.fw_version),
        Field::maybe("manifest.version", Version, version),
        Field::maybe("manifest.build_id", Version, build_id),
        Field::new(
            "signature.public_key_sha256",
            Signature,
            secure::record::hex(&key),
        ),
    ])
}

/// `version` and `build_id` of the set's `manifest.json` (`pack --secure` writes one; a
/// gen-dfu set has none).
fn manifest_versions(dir: &Path) -> Result<(Option<String>, Option<String>), DiffError> {
    let path = dir.join(crate::secure::SECURE_MANIFEST_FILE);
    if !path.is_file() {
        return Ok((None, None));
    }
    let bytes = fsio::input::read_bounded(&path, fsio::input::Limit::SMALL)?;
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|source| DiffError::Manifest {
            path: path.clone(),
            source,
        })?;
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    Ok((text("version"), text("build_id")))
}

/// The files of `dir` that may hold records: `out*.bin` / `enc*.bin` (both vendor namings),
/// sorted so the choice does not depend on the directory's order.
fn record_candidates(dir: &Path) -> Result<Vec<String>, DiffError> {
    let read = std::fs::read_dir(dir).map_err(|source| DiffError::ReadDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let mut names: Vec<String> = read
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".bin") && (n.starts_with("out") || n.starts_with("enc")))
        .collect();
    names.sort();
    Ok(names)
}

/// The stem of `name` when it is a record file name for `flag` (`enccom_app.bin`,
/// `out_app.bin`, ...): the inverse of [`crate::secure::record_name`].
fn stem_for(name: &str, flag: u16) -> Option<&str> {
    let prefix = if flag & FLAG_ENC != 0 { "enc" } else { "out" };
    let rest = name.strip_prefix(prefix)?.strip_suffix(".bin")?;
    let rest = rest.strip_prefix('_').unwrap_or(rest);
    if flag & FLAG_COMPRESS != 0 {
        rest.strip_prefix("com_")
    } else {
        Some(rest)
    }
}

fn image(
    dir: &Path,
    opened: &OpenedCtrl,
    entry: &ImageEntry,
    candidates: &[String],
    verifier: &VerifyingKey,
) -> Result<SnapshotImage, DiffError> {
    let p = &opened.packet;
    let nonce = verifier.nonce().map_err(|source| DiffError::Secure {
        path: dir.join(CTRL_FILE),
        source,
    })?;
    let crypto = ImageCrypto {
        session_key: &p.session_key,
        nonce,
    };
    let limit = fsio::input::Limit::new(
        "the records of this image (36 x ceil(length / blk_size) + length, from the control packet)",
        max_record_file_len(entry.length, p.blk_size),
    );
    for name in candidates {
        let Some(stem) = stem_for(name, entry.flag) else {
            continue;
        };
        let path = dir.join(name);
        // Another image's file, or one over this image's bound: not this image's records.
        let Ok(file) = fsio::input::read_bounded(&path, limit) else {
            continue;
        };
        let encrypted = entry.flag & FLAG_ENC != 0;
        let expected = (entry.length, &entry.sig);
        let Ok(img) = open_image(&file, p.blk_size, encrypted, expected, &crypto, verifier) else {
            continue;
        };
        if img.findings.ok() {
            return snapshot_image(&path, entry, stem, &img.plain);
        }
    }
    Err(DiffError::NoRecordFile {
        dir: dir.to_path_buf(),
        img_id: entry.img_id,
        flag: entry.flag,
    })
}

fn snapshot_image(
    path: &Path,
    entry: &ImageEntry,
    stem: &str,
    plain: &[u8],
) -> Result<SnapshotImage, DiffError> {
    use Category::*;
    let mut fields = vec![
        Field::new("flag", Header, entry.flag),
        Field::new("length", Header, entry.length),
        Field::new("payload_sha256", Encoding, super::sha256_hex(plain)),
    ];
    let installed = if entry.flag & FLAG_COMPRESS != 0 {
        // The record plaintext is the compressed payload, zero-padded to 16 bytes.
        let (image, info) =
            ezip::payload::decode(plain).map_err(|source| DiffError::SecurePayload {
                path: path.to_path_buf(),
                img_id: entry.img_id,
                source,
            })?;
        fields.push(Field::new("codec", Codec, info.mode.name()));
        fields.push(Field::new("pksize", Pksize, info.pksize));
        Installed::of(&image)
    } else {
        Installed::of(plain)
    };
    Ok(SnapshotImage {
        id: entry.img_id,
        name: stem.to_owned(),
        installed,
        fields,
    })
}
