//! Step 2½ of packing: release information into the manifest, then the signature trailer
//! (`package::trailer`) after the last payload. Runs between [`super::plan_package`] and
//! [`super::write_package`]; the package body is never changed.

use super::error::{PackError, Result};
use super::plan::PlannedPackage;
use package::trailer::append_trailer;
use sign::{
    load_private_key_unlocked, CommandSigner, Ed25519Signer, KeySource, KeyWarning, Passphrase,
    PublicKey,
};
use std::path::{Path, PathBuf};

/// Release information given by the user; it goes into the manifest (and so is signed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseInfo {
    /// Firmware version (`--version`).
    pub version: Option<String>,
    /// Build id (`--build-id`).
    pub build_id: Option<String>,
    /// Minimum hardware version (`--min-hw`).
    pub min_hw: Option<String>,
    /// Minimum SDK version (`--min-sdk`).
    pub min_sdk: Option<String>,
}

/// Whether and how to sign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Signing {
    /// No trailer: the vendor's format, byte for byte.
    #[default]
    None,
    /// A trailer with the manifest and no signature, for external signing
    /// (`imgtool digest`, then `imgtool attach-signature`).
    Unsigned,
    /// Sign with a private key from a file or `env:NAME`.
    Key(KeySource),
    /// Sign with an ed25519 key in a PKCS#11 token (`CKM_EDDSA`).
    Token(hsm::KeyRef),
    /// Sign with an external command (message on stdin, 64-byte signature on stdout) whose
    /// signatures must verify with this public key file.
    Command {
        /// The shell command.
        command: String,
        /// Its public key (SubjectPublicKeyInfo PEM).
        public_key: PathBuf,
    },
}

/// Reads a public key PEM file (SubjectPublicKeyInfo), bounded like every key file; the
/// error says what the file is instead (empty, DER, a private key, an RSA key).
pub fn load_public_key(path: &Path) -> Result<PublicKey> {
    let what = path.display().to_string();
    let bytes = fsio::input::read_bounded(path, fsio::input::Limit::SMALL)?;
    let pem = sign::pem_text(&bytes, &what, "public key (SubjectPublicKeyInfo)")?;
    Ok(PublicKey::from_pem(pem, &what)?)
}

/// Writes `release` into the manifest, then appends the trailer `signing` asks for. Returns
/// warnings about the key (e.g. a private key file readable by others) for the caller to show.
pub fn sign_planned(
    planned: &mut PlannedPackage,
    release: &ReleaseInfo,
    signing: &Signing,
) -> Result<Vec<KeyWarning>> {
    sign_planned_unlocked(planned, release, signing, None)
}

/// Like [`sign_planned`], decrypting an encrypted key file (`Signing::Key`) with `passphrase`.
pub fn sign_planned_unlocked(
    planned: &mut PlannedPackage,
    release: &ReleaseInfo,
    signing: &Signing,
    passphrase: Option<&Passphrase>,
) -> Result<Vec<KeyWarning>> {
    let m = &mut planned.manifest;
    m.version.clone_from(&release.version);
    m.build_id.clone_from(&release.build_id);
    m.min_hw.clone_from(&release.min_hw);
    m.min_sdk.clone_from(&release.min_sdk);
    let mut warnings = Vec::new();
    let signer: Option<Box<dyn Ed25519Signer>> = match signing {
        Signing::None => return Ok(warnings),
        Signing::Unsigned => None,
        Signing::Key(source) => {
            let loaded = load_private_key_unlocked(source, fsio::input::read_small, passphrase)?;
            warnings = loaded.warnings;
            Some(Box::new(loaded.key))
        }
        Signing::Token(key) => Some(Box::new(hsm::TokenEd25519::open(key)?)),
        Signing::Command {
            command,
            public_key,
        } => {
            let key = load_public_key(public_key)?;
            Some(Box::new(CommandSigner::new(command, key)))
        }
    };
    planned.bytes = append_trailer(&planned.bytes, &planned.manifest, signer.as_deref())
        .map_err(|source| PackError::Sign { source })?;
    check_signed_fit(planned)?;
    Ok(warnings)
}

/// The download region must hold the package as written, the signature trailer included
/// (the plan checked the body alone, before signing): the same rule as planning and
/// `verify`, [`package::rules::download_fit`].
fn check_signed_fit(p: &mut PlannedPackage) -> Result<()> {
    let Some(d) = &mut p.download else {
        return Ok(());
    };
    let len = p.bytes.len() as u64;
    let body = std::mem::replace(&mut d.used, len);
    package::rules::download_fit(d, len, Some(len - body)).map_err(|rule| PackError::rule(rule, ""))
}
