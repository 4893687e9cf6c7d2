//! Signing options shared by the package commands: `pack`'s `--sign` family and `verify`'s
//! `--key` / `--require-signature` (docs/signing.md). Flattened into those commands' `Args`.

use super::Outcome;
use anyhow::Result;
use imgtool::pack::{sign_planned_unlocked, PlannedPackage, ReleaseInfo, Signing};
use package::trailer::{inspect, verify, Trailer, TRAILER_VERSION};
use sign::{KeySource, PublicKey};
use std::path::{Path, PathBuf};

/// `pack` options: release information for the manifest, and signing.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PackSignArgs {
    /// Sign with this ed25519 private key: a PKCS#8 PEM file, env:NAME for an environment
    /// variable holding the PEM text (CI secrets), or a pkcs11: URI of a key in an HSM token
    /// (pkcs11:token=LABEL;object=KEY). Config: [package] sign
    #[arg(long, value_name = "KEY", help_heading = "Signing")]
    pub sign: Option<String>,

    /// Sign with an external command (HSM, KMS): it reads the message on stdin and writes the
    /// 64-byte raw ed25519 signature on stdout. Needs --sign-pub
    #[arg(
        long,
        value_name = "CMD",
        requires = "sign_pub",
        conflicts_with = "sign",
        help_heading = "Signing"
    )]
    pub sign_command: Option<String>,

    /// Public key (PEM) that --sign-command's signatures must verify with
    #[arg(
        long,
        value_name = "PUB.pem",
        requires = "sign_command",
        help_heading = "Signing"
    )]
    pub sign_pub: Option<PathBuf>,

    /// Append a trailer with the manifest but no signature, for external signing
    /// (then imgtool digest and imgtool attach-signature)
    #[arg(long, conflicts_with_all = ["sign", "sign_command"], help_heading = "Signing")]
    pub unsigned: bool,

    /// Firmware version recorded in the (signed) manifest, e.g. 1.4.0 (--secure: in
    /// manifest.json; the control packet's number is --fw_ver)
    #[arg(long = "version", value_name = "VERSION", help_heading = "Signing")]
    pub fw_version: Option<String>,

    /// Build id recorded in the manifest, e.g. a git commit (--secure: in manifest.json)
    #[arg(long, value_name = "ID", help_heading = "Signing")]
    pub build_id: Option<String>,

    /// Minimum hardware version recorded in the manifest
    #[arg(long, value_name = "VERSION", help_heading = "Signing")]
    pub min_hw: Option<String>,

    /// Minimum SDK version recorded in the manifest
    #[arg(long, value_name = "VERSION", help_heading = "Signing")]
    pub min_sdk: Option<String>,

    /// Module and PIN of pkcs11: keys (--sign, and --sign-key with --secure)
    #[command(flatten)]
    pub pkcs11: super::common_args::Pkcs11Args,
}

impl PackSignArgs {
    /// What to sign with; `config_key` is `ota.toml`'s `[package] sign` (the option wins).
    pub fn signing(&self, config_key: Option<&KeySource>) -> Result<Signing> {
        if self.unsigned {
            return Ok(Signing::Unsigned);
        }
        if let (Some(command), Some(public_key)) = (&self.sign_command, &self.sign_pub) {
            return Ok(Signing::Command {
                command: command.clone(),
                public_key: public_key.clone(),
            });
        }
        let source = match (&self.sign, config_key) {
            (Some(s), _) => super::common_args::Pkcs11Args::key_source(s)?,
            (None, Some(k)) => k.clone(),
            (None, None) => return Ok(Signing::None),
        };
        Ok(match source {
            KeySource::Pkcs11(uri) => Signing::Token(self.pkcs11.key_ref(&uri)?),
            other => Signing::Key(other),
        })
    }

    /// The release information for the manifest.
    pub fn release(&self) -> ReleaseInfo {
        ReleaseInfo {
            version: self.fw_version.clone(),
            build_id: self.build_id.clone(),
            min_hw: self.min_hw.clone(),
            min_sdk: self.min_sdk.clone(),
        }
    }

    /// Applies release information and signing to a planned package, printing key warnings.
    /// Returns the key id of the signature, if one was made.
    pub fn apply(
        &self,
        planned: &mut PlannedPackage,
        config_key: Option<&KeySource>,
        passphrase: Option<&sign::Passphrase>,
    ) -> Result<Option<String>> {
        let signing = self.signing(config_key)?;
        for w in sign_planned_unlocked(planned, &self.release(), &signing, passphrase)? {
            eprintln!("warning: {w}");
        }
        if signing == Signing::None {
            // No trailer was appended. Reading the package back would parse it and check its
            // CRC over every payload for nothing: 1.5% of an unsigned 8 MiB `pack`.
            return Ok(None);
        }
        let trailer = inspect(&planned.bytes).ok().flatten();
        Ok(trailer
            .and_then(|t| t.signature)
            .map(|s| s.key_id.to_string()))
    }
}

/// `verify` options about the signature trailer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct VerifySignArgs {
    /// Check the signature trailer with this public key (SubjectPublicKeyInfo PEM)
    #[arg(long, value_name = "PUB.pem", help_heading = "Signature")]
    pub key: Option<PathBuf>,

    /// Fail if the package is not signed (no trailer, or a trailer awaiting its signature)
    #[arg(long, help_heading = "Signature")]
    pub require_signature: bool,
}

impl VerifySignArgs {
    /// Reports on the trailer of `bytes` (named `name`) and checks it as asked. `layout` is
    /// the name of the layout `verify --layout` checked against: a trailer whose manifest names
    /// another layout fails (the package was made, and signed, for another board).
    pub fn check(&self, bytes: &[u8], name: &Path, layout: Option<&str>) -> Result<Outcome> {
        let name = name.display();
        let key = match &self.key {
            Some(path) => Some(load_public_key(path)?),
            None => None,
        };
        let trailer = match inspect(bytes) {
            Ok(t) => t,
            Err(e) => {
                println!("FAIL {name}: signature trailer: {e}");
                return Ok(Outcome::VerificationFailed);
            }
        };
        let must_be_signed = self.require_signature || key.is_some();
        let Some(trailer) = trailer else {
            println!("signature: none (no trailer after the last payload)");
            return Ok(fail_if(must_be_signed, &name, "the package is not signed"));
        };
        describe(&trailer);
        if let Some(layout) = layout {
            let made_for = &trailer.manifest.layout;
            // "none": packed without a layout; verify's own layout checks are all there is.
            if made_for != layout && made_for != "none" {
                println!(
                    "FAIL {name}: the manifest says the package was made for layout \
                     {made_for:?}, but --layout is {layout:?}; check it against {made_for:?}, \
                     or pack it again for {layout:?}"
                );
                return Ok(Outcome::VerificationFailed);
            }
        }
        if trailer.signature.is_none() {
            return Ok(fail_if(
                must_be_signed,
                &name,
                "the trailer has no signature yet (imgtool attach-signature)",
            ));
        }
        let Some(key) = key else {
            // Present and well-formed is all that can be said without a key.
            println!("signature: present, not checked (give --key PUB.pem to check it)");
            return Ok(Outcome::Ok);
        };
        match verify(bytes, &key) {
            Ok(_) => {
                println!("signature: OK, key id {}", key.key_id());
                Ok(Outcome::Ok)
            }
            Err(e) => {
                println!("FAIL {name}: signature: {e}");
                Ok(Outcome::VerificationFailed)
            }
        }
    }
}

fn fail_if(fail: bool, name: &impl std::fmt::Display, why: &str) -> Outcome {
    if fail {
        println!("FAIL {name}: {why}");
        Outcome::VerificationFailed
    } else {
        Outcome::Ok
    }
}

fn describe(t: &Trailer) {
    let m = &t.manifest;
    println!(
        "trailer: {}; manifest matches the body (layout {}, version {}, build id {})",
        trailer_headline(t),
        m.layout,
        m.version.as_deref().unwrap_or("-"),
        m.build_id.as_deref().unwrap_or("-"),
    );
}

/// `version 1 at 0x........, signed by key id ...` (or unsigned): how `verify` and `inspect`
/// both name a well-formed trailer. `Trailer::parse` accepts only [`TRAILER_VERSION`].
pub(super) fn trailer_headline(t: &Trailer) -> String {
    let state = match &t.signature {
        Some(s) => format!("signed by key id {}", s.key_id),
        None => "unsigned (awaiting a signature)".into(),
    };
    format!("version {TRAILER_VERSION} at {:#010x}, {state}", t.body_len)
}

/// Reads a public key PEM file.
pub fn load_public_key(path: &Path) -> Result<PublicKey> {
    Ok(imgtool::pack::load_public_key(path)?)
}
