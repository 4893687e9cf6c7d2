//! `manifest.json` of a secure build (`pack --secure`): the build parameters and every file
//! with its role, size and SHA-256. The session key is never in it.

use super::config::SecureConfig;
use super::plan::{Artifact, SecurePlan};
use crate::pack::ReleaseInfo;
use secure::keys::NonceHash;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The manifest's file name.
pub const SECURE_MANIFEST_FILE: &str = "manifest.json";

/// The manifest of `plan` (made from `config`), for the layout named `layout_name` and the
/// signing key whose public DER hashes to `sig_hash`; `nonce_hash` (when the AES-CTR nonce
/// comes from another hash, `--nonce-hash`) and `release` (`version`, `build_id`) are added
/// when given.
pub fn secure_manifest(
    plan: &SecurePlan,
    config: &SecureConfig,
    layout_name: Option<&str>,
    sig_hash: &[u8],
    nonce_hash: Option<&NonceHash>,
    release: &ReleaseInfo,
) -> Vec<u8> {
    let hex = secure::record::hex;
    let list: Vec<_> = plan
        .artifacts
        .iter()
        .map(|f| {
            json!({
                "file": f.path.file_name().map(|n| n.to_string_lossy().to_string()),
                "role": f.role,
                "image_id": f.img_id,
                "size": f.bytes.len(),
                "sha256": hex(&Sha256::digest(&f.bytes)),
            })
        })
        .collect();
    let b = &config.build.params;
    let mut v = json!({
        "format": if config.offline_v1 { "sifli-secure-offline-v1" } else { "sifli-secure-online" },
        "tool": format!("imgtool {}", env!("CARGO_PKG_VERSION")),
        "layout": layout_name,
        "dfu_id": b.dfu_id, "hw_version": b.hw_version,
        "sdk_version": b.sdk_version, "fw_version": b.fw_version,
        "bksize": b.bksize,
        "sig_hash": hex(sig_hash),
        "files": list,
    });
    // Release information for whoever ships the files (the control packet has only the
    // numeric FW_version). Absent unless given, so the manifest of a build without them is
    // unchanged.
    // Whoever decrypts the files later (verify, diff, a device) needs it; absent otherwise.
    if let Some(h) = nonce_hash {
        v["nonce_hash"] = json!(hex(h.as_bytes()));
    }
    if let Some(version) = &release.version {
        v["version"] = json!(version);
    }
    if let Some(id) = &release.build_id {
        v["build_id"] = json!(id);
    }
    let mut s = serde_json::to_string_pretty(&v).expect("serialises");
    s.push('\n');
    s.into_bytes()
}

impl SecurePlan {
    /// Appends `manifest.json` ([`secure_manifest`]) listing every artifact planned so far.
    pub fn push_manifest(
        &mut self,
        config: &SecureConfig,
        layout_name: Option<&str>,
        sig_hash: &[u8],
        nonce_hash: Option<&NonceHash>,
        release: &ReleaseInfo,
    ) {
        let m = secure_manifest(self, config, layout_name, sig_hash, nonce_hash, release);
        self.artifacts
            .push(Artifact::new(SECURE_MANIFEST_FILE, "manifest", None, m));
    }
}

/// What `imgtool send` needs from a `pack --secure` manifest: the control packet's file name
/// and `(image id, record file name)` of every image, in the manifest's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineFiles {
    /// `ctrl_packet.bin` (as named in the manifest).
    pub ctrl: String,
    /// Record files by image id.
    pub records: Vec<(u8, String)>,
}

/// Reads [`OnlineFiles`] from the bytes of a `manifest.json` written by [`secure_manifest`];
/// the error says what is missing (an offline v1 build has no record files to send).
pub fn online_files(manifest: &[u8]) -> Result<OnlineFiles, String> {
    let v: serde_json::Value =
        serde_json::from_slice(manifest).map_err(|e| format!("not JSON: {e}"))?;
    if v["format"] != "sifli-secure-online" {
        return Err(format!(
            "format is {}, expected \"sifli-secure-online\" (a pack --secure build for the online flow)",
            v["format"]
        ));
    }
    let files = v["files"].as_array().ok_or("no \"files\" list")?;
    let name = |f: &serde_json::Value| f["file"].as_str().map(str::to_string);
    let ctrl = files
        .iter()
        .find(|f| f["role"] == "control packet")
        .and_then(name)
        .ok_or("no file with role \"control packet\"")?;
    let records = files
        .iter()
        .filter(|f| {
            matches!(
                f["role"].as_str(),
                Some("image records" | "encrypted image records")
            )
        })
        .map(|f| {
            let id = f["image_id"].as_u64().and_then(|i| u8::try_from(i).ok());
            match (id, name(f)) {
                (Some(id), Some(n)) => Ok((id, n)),
                _ => Err(format!(
                    "record file entry without a file name or image id: {f}"
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if records.is_empty() {
        return Err("no record files listed".into());
    }
    Ok(OnlineFiles { ctrl, records })
}

#[cfg(test)]
mod tests {
    use super::online_files;

    #[test]
    fn online_files_reads_the_control_packet_and_records_and_refuses_other_builds() {
        let m = br#"{"format": "sifli-secure-online", "files": [
            {"file": "com_hcpu.bin", "role": "compressed image (com_)", "image_id": 0},
            {"file": "enccom_hcpu.bin", "role": "encrypted image records", "image_id": 0},
            {"file": "outres.bin", "role": "image records", "image_id": 3},
            {"file": "ctrl_packet.bin", "role": "control packet", "image_id": null}]}"#;
        let f = online_files(m).unwrap();
        assert_eq!(f.ctrl, "ctrl_packet.bin");
        assert_eq!(
            f.records,
            [
                (0, "enccom_hcpu.bin".to_string()),
                (3, "outres.bin".to_string())
            ]
        );
        let v1 = br#"{"format": "sifli-secure-offline-v1", "files": []}"#;
        assert!(online_files(v1)
            .unwrap_err()
            .contains("sifli-secure-offline-v1"));
        let no_ctrl = br#"{"format": "sifli-secure-online", "files": []}"#;
        assert!(online_files(no_ctrl)
            .unwrap_err()
            .contains("control packet"));
        assert!(online_files(b"{").unwrap_err().starts_with("not JSON"));
    }
}
