//! Planning a secure build: every file it writes, as a value.

use super::config::{input_name, record_name, SecureConfig};
use super::error::Result;
use super::keys::SecureKeys;
use secure::ctrl::{CTRL_FILE_OVERHEAD, FLAG_COMPRESS, FLAG_ENC};
use secure::keys::SIG_LEN;
use secure::online::{BuildKeys, OnlineDfu, OnlineImage};

/// The SHA-256 in front of `ctrl_packet.bin`'s encrypted body (its signature follows it).
pub const CTRL_HASH_LEN: usize = CTRL_FILE_OVERHEAD - SIG_LEN;

/// One output file, planned before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Its file name in the output directory (or a whole path, for
    /// [`write_artifacts`](super::write_artifacts)).
    pub path: std::path::PathBuf,
    /// What it is (for the manifest and the printout).
    pub role: &'static str,
    /// The image id it belongs to.
    pub img_id: Option<u8>,
    /// Contents.
    pub bytes: Vec<u8>,
    /// Holds secrets: written with mode 0600.
    pub private: bool,
}

impl Artifact {
    /// A public artifact (mode 0644).
    pub fn new(
        path: impl Into<std::path::PathBuf>,
        role: &'static str,
        img_id: Option<u8>,
        bytes: Vec<u8>,
    ) -> Self {
        Self {
            path: path.into(),
            role,
            img_id,
            bytes,
            private: false,
        }
    }
}

/// A planned secure build. Two plans are equal when they write the same files and their
/// control packets have the same plaintext.
#[derive(Debug, Clone)]
pub struct SecurePlan {
    /// The control packet, its plaintext and the record files.
    pub dfu: OnlineDfu,
    /// The offline package v1, if asked for.
    pub offline_v1: Option<Vec<u8>>,
    /// Every file, under its vendor name (relative to the output directory), in write order.
    pub artifacts: Vec<Artifact>,
}

impl PartialEq for SecurePlan {
    fn eq(&self, other: &Self) -> bool {
        self.artifacts == other.artifacts
            && self.offline_v1 == other.offline_v1
            && self.dfu.ctrl == other.dfu.ctrl
            && self.dfu.ctrl_plain == other.dfu.ctrl_plain
    }
}

impl Eq for SecurePlan {}

/// Seals the images of `config` with `keys` and plans every file of the build.
pub fn plan_secure(config: &SecureConfig, keys: &SecureKeys) -> Result<SecurePlan> {
    let params = config.build.params;
    let images: Vec<OnlineImage> = config.images.iter().map(|i| i.online()).collect();
    let k = BuildKeys {
        root: &keys.root,
        signer: &*keys.signer,
        session_key: &keys.session,
        nonce_hash: keys.nonce_hash.as_ref(),
    };
    let (dfu, offline_v1) = if config.offline_v1 {
        let (dfu, pkg) = secure::offline_v1::build_offline_v1(&images, &params, &k)?;
        (dfu, Some(pkg))
    } else {
        (secure::online::build_online(&images, &params, &k)?, None)
    };
    let artifacts = artifacts(config, &dfu, offline_v1.as_ref());
    Ok(SecurePlan {
        dfu,
        offline_v1,
        artifacts,
    })
}

/// The files of a sealed build, named the vendor's way.
fn artifacts(config: &SecureConfig, dfu: &OnlineDfu, v1: Option<&Vec<u8>>) -> Vec<Artifact> {
    let naming = config.build.naming;
    let mut out = Vec::new();
    for (img, sealed) in config.images.iter().zip(&dfu.images) {
        let (id, flag) = (Some(img.img_id), img.flag);
        if flag & FLAG_COMPRESS != 0 {
            out.push(Artifact::new(
                input_name(&img.stem, flag),
                "compressed image (com_)",
                id,
                img.payload.clone(),
            ));
        }
        let role = if flag & FLAG_ENC != 0 {
            "encrypted image records"
        } else {
            "image records"
        };
        let name = record_name(&img.stem, flag, naming);
        out.push(Artifact::new(name, role, id, sealed.file.clone()));
    }
    out.push(Artifact::new(
        "ctrl_packet.bin",
        "control packet",
        None,
        dfu.ctrl.clone(),
    ));
    // enc_header.txt: the encrypted body, between the hash and the signature.
    let body = dfu.ctrl[CTRL_HASH_LEN..dfu.ctrl.len() - SIG_LEN].to_vec();
    out.push(Artifact::new(
        "enc_header.txt",
        "encrypted control packet body",
        None,
        body,
    ));
    if config.build.debug_plaintext {
        let mut a = Artifact::new(
            "control_packet_value.txt",
            "PLAINTEXT control packet with the session key (debug only)",
            None,
            dfu.ctrl_plain.clone(),
        );
        a.private = true;
        out.push(a);
    }
    if let Some(pkg) = v1 {
        out.push(Artifact::new(
            "offline_install.bin",
            "offline package v1",
            None,
            pkg.clone(),
        ));
    }
    out
}
