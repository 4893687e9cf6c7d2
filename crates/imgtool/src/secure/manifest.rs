//! `manifest.json` of a secure build (`pack --secure`): the build parameters and every file
//! with its role, size and SHA-256. The session key is never in it.

use super::config::SecureConfig;
use super::plan::{Artifact, SecurePlan};
use crate::pack::ReleaseInfo;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The manifest's file name.
pub const SECURE_MANIFEST_FILE: &str = "manifest.json";

/// The manifest of `plan` (made from `config`), for the layout named `layout_name` and the
/// signing key whose public DER hashes to `sig_hash`; `release` adds `version` and
/// `build_id` when given.
pub fn secure_manifest(
    plan: &SecurePlan,
    config: &SecureConfig,
    layout_name: Option<&str>,
    sig_hash: &[u8],
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
    let b = &config.build;
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
        release: &ReleaseInfo,
    ) {
        let m = secure_manifest(self, config, layout_name, sig_hash, release);
        self.artifacts
            .push(Artifact::new(SECURE_MANIFEST_FILE, "manifest", None, m));
    }
}
