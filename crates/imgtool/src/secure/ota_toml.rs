//! The `[secure]` table of an `ota.toml`: the secure flow's settings in the same file as the
//! images (docs/ota-toml.md), read here so a release tool gets them without the command line.

use super::error::{Result, SecureFlowError};
use std::path::{Path, PathBuf};

/// `[secure]` of an `ota.toml`. Key paths are relative to the file's directory in the file and
/// resolved against it by [`SecureToml::from_ota_toml`]. A caller with its own settings (the
/// command line) lets them win over these.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecureToml {
    /// Root key file (32 raw bytes).
    pub root_key: Option<PathBuf>,
    /// RSA-2048 signing key file (PEM).
    pub sign_key: Option<PathBuf>,
    /// Session key file (32 raw bytes), for reproducible builds.
    pub session_key: Option<PathBuf>,
    /// Encrypt every image with the session key.
    #[serde(default)]
    pub encrypt: bool,
    /// Also write the offline package v1.
    #[serde(default)]
    pub offline_v1: bool,
    /// Control packet `dfu_ID`.
    pub dfu_id: Option<u8>,
    /// Control packet `HW_version`.
    pub hw_ver: Option<u32>,
    /// Control packet `SDK_version`.
    pub sdk_ver: Option<u32>,
    /// Control packet `FW_version`.
    pub fw_ver: Option<u32>,
    /// Record block size.
    pub bksize: Option<u16>,
    /// Options of the device's DFU build that change which image ids it accepts
    /// (`--device-build`): `"lite"`, `"section-change"`.
    #[serde(default)]
    pub device_build: Vec<DeviceBuildName>,
    /// The chip family the device's DFU code is built for (`--chip`), e.g. `"sf32lb52x"`.
    #[serde(default, deserialize_with = "chip")]
    pub chip: Option<layout::Chip>,
    /// 32-byte file whose hash gives the AES-CTR nonce instead of the signing key's
    /// (`--nonce-hash`).
    pub nonce_hash: Option<PathBuf>,
}

/// A `device_build` entry of `[secure]`, spelled like `--device-build`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceBuildName {
    /// `OTA_NOR_OTA_MANAGER_LITE`.
    Lite,
    /// `OTA_SECTION_CHANGE`.
    SectionChange,
}

/// `chip = "..."`: a family name, case-insensitive (`sf32lb52x`, `SF32LB52x`).
fn chip<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<layout::Chip>, D::Error> {
    let name: String = serde::Deserialize::deserialize(d)?;
    match layout::Chip::from_name(&name) {
        Some(c) => Ok(Some(c)),
        None => {
            let known: Vec<&str> = layout::Chip::ALL.iter().map(|c| c.name()).collect();
            Err(serde::de::Error::custom(format!(
                "unknown chip {name:?}: expected one of {}",
                known.join(", ")
            )))
        }
    }
}

#[derive(serde::Deserialize)]
struct OtaSecure {
    secure: Option<SecureToml>,
}

impl SecureToml {
    /// The `[secure]` table of the `ota.toml` at `path`, its key paths joined to the file's
    /// directory; `None` when the file has none (the offline package v2 flow). Other tables
    /// are `pack`'s ([`crate::pack::PackConfig::from_toml_file`]) and ignored here.
    pub fn from_ota_toml(path: &Path) -> Result<Option<SecureToml>> {
        let bytes = fsio::input::read_bounded(path, fsio::input::Limit::SMALL)?;
        let text = String::from_utf8(bytes).map_err(|source| SecureFlowError::OtaTomlUtf8 {
            path: path.to_path_buf(),
            source,
        })?;
        let t: OtaSecure = toml::from_str(&text).map_err(|source| SecureFlowError::OtaToml {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        Ok(t.secure.map(|mut s| {
            for key in [
                &mut s.root_key,
                &mut s.sign_key,
                &mut s.session_key,
                &mut s.nonce_hash,
            ] {
                // A pkcs11: URI (sign_key) is not a path relative to the file.
                let uri = |p: &PathBuf| p.to_str().is_some_and(|t| t.starts_with("pkcs11:"));
                *key = key.take().map(|p| if uri(&p) { p } else { base.join(p) });
            }
            s
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secure_table_is_read_with_paths_from_the_files_directory() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ota.toml");
        std::fs::write(
            &p,
            "[[image]]\nid = \"hcpu\"\npath = \"app.elf\"\n\n[secure]\nroot_key = \"keys/s01.bin\"\n\
             sign_key = \"keys/sig_pri.pem\"\ndfu_id = 2\nencrypt = true\n",
        )
        .unwrap();
        let t = SecureToml::from_ota_toml(&p).unwrap().unwrap();
        assert_eq!(t.root_key, Some(dir.path().join("keys/s01.bin")));
        assert_eq!(t.sign_key, Some(dir.path().join("keys/sig_pri.pem")));
        assert_eq!((t.dfu_id, t.encrypt, t.offline_v1), (Some(2), true, false));
        std::fs::write(&p, "[[image]]\nid = \"hcpu\"\npath = \"app.elf\"\n").unwrap();
        assert_eq!(SecureToml::from_ota_toml(&p).unwrap(), None);
        std::fs::write(&p, "[secure]\nroot = \"x\"\n").unwrap();
        let e = SecureToml::from_ota_toml(&p).unwrap_err();
        assert!(matches!(e, SecureFlowError::OtaToml { .. }), "{e:?}");
        assert_eq!(e.to_string(), format!("{}: [secure]", p.display()));
    }

    #[test]
    fn device_build_chip_and_nonce_hash_are_read_and_a_wrong_chip_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ota.toml");
        let text = "[secure]\ndevice_build = [\"lite\", \"section-change\"]\n\
                    chip = \"sf32lb52x\"\nnonce_hash = \"keys/sig_hash.bin\"\n";
        std::fs::write(&p, text).unwrap();
        let t = SecureToml::from_ota_toml(&p).unwrap().unwrap();
        let both = [DeviceBuildName::Lite, DeviceBuildName::SectionChange];
        assert_eq!(t.device_build, both);
        assert_eq!(t.chip, Some(layout::Chip::Sf32lb52x));
        assert_eq!(t.nonce_hash, Some(dir.path().join("keys/sig_hash.bin")));
        std::fs::write(&p, "[secure]\nchip = \"sf32lb99x\"\n").unwrap();
        let e = SecureToml::from_ota_toml(&p).unwrap_err();
        let full = package::error::full_text(&e);
        assert!(
            full.contains("unknown chip \"sf32lb99x\": expected one of SF32LB52x"),
            "{full}"
        );
        std::fs::write(&p, "[secure]\ndevice_build = [\"full\"]\n").unwrap();
        assert!(SecureToml::from_ota_toml(&p).is_err());
    }

    #[test]
    fn issue20_a_pkcs11_sign_key_is_not_joined_to_the_files_directory() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ota.toml");
        let uri = "pkcs11:token=dfu;object=dfu-sig";
        std::fs::write(&p, format!("[secure]\nsign_key = \"{uri}\"\n")).unwrap();
        let t = SecureToml::from_ota_toml(&p).unwrap().unwrap();
        assert_eq!(t.sign_key, Some(PathBuf::from(uri)));
    }
}
