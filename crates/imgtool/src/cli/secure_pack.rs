//! `imgtool pack --secure` (or a `[secure]` table in ota.toml): the images `pack` planned
//! (converted, layout-checked, compressed) become the vendor's secure online files, or an
//! offline package v1, plus a manifest.json listing every file.

use super::common_args::{given_names, plural};
use super::secure::{write_all, Naming, SecureBuildArgs};
use super::Outcome;
use anyhow::{bail, Context, Result};
use imgtool::pack::PlannedPackage;
use imgtool::secure::{in_dir, plan_secure, SecureConfig, SecureImage};
use secure::ctrl::check_policy;
use std::path::{Path, PathBuf};

/// `pack` options of the secure flow.
#[derive(clap::Args, Debug, Clone)]
pub struct PackSecureArgs {
    /// Write the vendor's secure online DFU files (ctrl_packet.bin + record files) instead of
    /// the offline package v2; ota.toml: a [secure] table
    #[arg(long, help_heading = "Secure DFU")]
    pub secure: bool,

    /// Root key (32 raw bytes, e.g. the SDK's sifli02/s01.bin); ota.toml: [secure] root_key
    #[arg(long, value_name = "KEY.bin", help_heading = "Secure DFU")]
    pub root_key: Option<PathBuf>,

    /// RSA-2048 signing key: PKCS#1 or PKCS#8 PEM, or a pkcs11: URI of a key in an HSM token
    /// (--pkcs11-module, --pin-file); ota.toml: [secure] sign_key
    #[arg(long, value_name = "RSA.pem", help_heading = "Secure DFU")]
    pub sign_key: Option<PathBuf>,

    /// Encrypt every image with the session key (flag bit 0: 17 or 1). Secure boot must then
    /// decrypt at boot, which current SDKs do not set up after an OTA (docs/secure-dfu.md)
    #[arg(long, conflicts_with = "no_encrypt", help_heading = "Secure DFU")]
    pub encrypt: bool,

    /// Do not encrypt, even if ota.toml's [secure] says encrypt = true
    #[arg(long, help_heading = "Secure DFU")]
    pub no_encrypt: bool,

    /// Write the legacy offline package v1 (compressed images only) with the files
    #[arg(long, conflicts_with = "no_offline_v1", help_heading = "Secure DFU")]
    pub offline_v1: bool,

    /// Do not write the offline package v1, even if ota.toml's [secure] says offline_v1 = true
    #[arg(long, help_heading = "Secure DFU")]
    pub no_offline_v1: bool,

    /// Control packet and record options
    #[command(flatten)]
    pub build: SecureBuildArgs,
}

/// The secure-flow options given on the command line, by name.
fn given(args: &PackSecureArgs) -> Vec<&'static str> {
    let mut v = given_names(&[
        ("--root-key", args.root_key.is_some()),
        ("--sign-key", args.sign_key.is_some()),
        ("--encrypt", args.encrypt),
        ("--no-encrypt", args.no_encrypt),
        ("--offline-v1", args.offline_v1),
        ("--no-offline-v1", args.no_offline_v1),
    ]);
    v.extend(args.build.given());
    v
}

/// Refuses, before anything is read, options that would be silently ignored: secure-flow
/// options without the secure flow, and offline-package-v2 signing and release options with
/// it. `secure` is whether the flow is on (--secure or a [secure] table in ota.toml).
pub fn check_options(
    args: &PackSecureArgs,
    secure: bool,
    signing: &super::signing::PackSignArgs,
) -> Result<()> {
    if !secure {
        let given = given(args);
        if !given.is_empty() {
            bail!(
                "{} {} to the secure flow only: add --secure (or a [secure] table in \
                 ota.toml), or leave {} out for an offline package v2",
                given.join(", "),
                plural(given.len(), "applies", "apply"),
                plural(given.len(), "it", "them")
            );
        }
        return Ok(());
    }
    args.build
        .rsa
        .refuse_with_key("--sign-key", args.sign_key.is_some())?;
    let v2_only = [
        (signing.sign.is_some(), "--sign"),
        (signing.sign_command.is_some(), "--sign-command"),
        (signing.sign_pub.is_some(), "--sign-pub"),
        (signing.unsigned, "--unsigned"),
    ];
    if let Some((_, name)) = v2_only.iter().find(|(g, _)| *g) {
        bail!(
            "{name} is the ed25519 signature of an offline package v2; the secure flow signs \
             with RSA (--sign-key RSA.pem): leave {name} out, or drop --secure"
        );
    }
    if signing.min_hw.is_some() || signing.min_sdk.is_some() {
        bail!(
            "--min-hw/--min-sdk are manifest fields of an offline package v2; the secure \
             control packet has numbers instead: --hw_ver N and --sdk_ver N (the device accepts \
             a packet whose SDK_version is at most its own)"
        );
    }
    Ok(())
}

/// Whether the secure flow of `a` (resolved) reads a private key file, which
/// `--passphrase-file` may unlock: not with a signing command or a token key.
pub fn reads_key_file(a: &PackSecureArgs) -> bool {
    a.build.rsa.rsa_sign_command.is_none()
        && a.sign_key
            .as_ref()
            .is_some_and(|k| !k.to_string_lossy().starts_with(sign::pkcs11_uri::SCHEME))
}

/// Merges ota.toml's `[secure]` (paths relative to it) under the command line; `None` when
/// neither asks for the secure flow.
pub fn resolve(args: &PackSecureArgs, config: Option<&Path>) -> Result<Option<PackSecureArgs>> {
    let mut a = args.clone();
    let toml = config
        .map(imgtool::secure::SecureToml::from_ota_toml)
        .transpose()?
        .flatten();
    if let Some(t) = toml {
        a.secure = true;
        a.root_key = a.root_key.or(t.root_key);
        if a.build.rsa.rsa_sign_command.is_none() {
            // --rsa-sign-command on the command line wins over the file's key.
            a.sign_key = a.sign_key.or(t.sign_key);
        }
        a.build.session_key = a.build.session_key.or(t.session_key);
        // The command line wins: a value given there, even one equal to the default, and
        // --no-encrypt / --no-offline-v1 over the file's true.
        a.encrypt = !a.no_encrypt && (a.encrypt || t.encrypt);
        a.offline_v1 = !a.no_offline_v1 && (a.offline_v1 || t.offline_v1);
        a.build.dfu_id = a.build.dfu_id.or(t.dfu_id);
        a.build.hw_ver = a.build.hw_ver.or(t.hw_ver);
        a.build.sdk_ver = a.build.sdk_ver.or(t.sdk_ver);
        a.build.fw_ver = a.build.fw_ver.or(t.fw_ver);
        a.build.bksize = a.build.bksize.or(t.bksize);
        let device = &mut a.build.device;
        if device.device_build.is_empty() {
            device.device_build = t.device_build.iter().map(|&d| d.into()).collect();
        }
        device.chip = device.chip.or(t.chip.map(Into::into));
        a.build.nonce_hash = a.build.nonce_hash.or(t.nonce_hash);
    }
    Ok(a.secure.then_some(a))
}

/// Writes the secure files of `planned` into `out`; `release` (--version, --build-id) goes
/// into manifest.json.
pub fn run(
    a: &PackSecureArgs,
    pkcs11: &super::common_args::Pkcs11Args,
    release: &imgtool::pack::ReleaseInfo,
    planned: &PlannedPackage,
    out: &Path,
    force: bool,
    passphrase: Option<sign::Passphrase>,
) -> Result<Outcome> {
    // With a command, its public key stands where the key file would (an input, the name
    // in messages).
    let sign = a.sign_key.as_ref().or(a.build.rsa.rsa_sign_pub.as_ref());
    let (Some(root), Some(sign)) = (&a.root_key, sign) else {
        bail!("pack --secure needs --root-key KEY.bin and --sign-key RSA.pem (or --rsa-sign-command CMD --rsa-sign-pub PUB; or root_key and sign_key in [secure] of ota.toml)");
    };
    let images = SecureImage::from_planned_package(planned, a.encrypt);
    let ids: Vec<_> = images.iter().map(|i| (i.img_id, i.flag)).collect();
    check_policy(a.build.dfu_id(), &ids).context("nothing written")?;
    // The device rules as gen-dfu checks them, with the warning when the chip is unknown.
    super::secure::check_rules(&a.build, &ids, planned.layout_chip)?;
    let config = SecureConfig {
        images,
        build: a
            .build
            .to_build(Naming::Classic, planned.layout_chip)
            .context("nothing written")?,
        offline_v1: a.offline_v1,
    };
    let signer = pkcs11.rsa_signer(&sign.to_string_lossy(), false)?;
    let files = a.build.key_files(root, signer.clone(), None, passphrase);
    let keys = a.build.keys(&files).context("nothing written")?;
    let mut plan = plan_secure(&config, &keys).context("nothing written")?;
    let sig_hash = keys.signer.public_key().sig_hash()?;
    let layout = planned.layout_name.as_deref();
    let nonce_hash = keys.nonce_hash.as_ref();
    plan.push_manifest(&config, layout, &sig_hash, nonce_hash, release);
    let files = in_dir(&plan, out);
    let mut inputs: Vec<&Path> = planned.images.iter().map(|i| i.source.as_path()).collect();
    inputs.push(root.as_path());
    inputs.extend(signer.file());
    write_all(&files, &inputs, force)?;
    Ok(Outcome::Ok)
}
