//! `imgtool enc` / `imgtool dec`: the vendor's UART/BLE secure download image
//! (`image_sec.bin`), written and read back (decrypted, every hash and signature checked).

use super::common_args::number;
use super::secure::{load_root, load_verifier};
use super::Outcome;
use anyhow::{Context, Result};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples (the vendor's command lines):
  imgtool enc --img app.bin --eimg app_sec.bin --key=s01 --sigkey=sig --flags=3
  imgtool dec --eimg app_sec.bin --img app_plain.bin --key=s01 --sigkey=sig
  IMGTOOL_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so imgtool enc --img app.bin \\
    --eimg app_sec.bin --key=s01 --sigkey='pkcs11:token=dfu;object=dfu-sig' --pin-file pin.txt
      The signing key in an HSM token (docs/secure-dfu.md, Keys in an HSM).

enc reads STEM.bin (root key) and SIGSTEM_pri.pem (encrypted PKCS#8 with --passphrase-file
or IMGTOOL_KEY_PASSPHRASE; not read with --rsa-sign-command CMD --rsa-sign-pub PUB), pads the image to 16 bytes, encrypts it as
records with a session key (random unless --session-key) and writes SHA-256(header) ‖ the
header encrypted with the root key ‖ the records. dec checks all of it (exit 1 on a failure)
and writes the padded plaintext. The vendor's debug test.bin (plaintext header with the
session key) is not written. docs/secure-dfu.md.";

/// Arguments of `imgtool enc`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct EncArgs {
    /// The plain image
    #[arg(long, value_name = "FILE")]
    pub img: PathBuf,
    /// The secure image to write
    #[arg(long, value_name = "FILE")]
    pub eimg: PathBuf,
    /// Root key stem: STEM.bin
    #[arg(long, value_name = "STEM", default_value = "sifli01key")]
    pub key: String,
    /// Signing key stem: STEM_pri.pem; or a pkcs11: URI of an RSA-2048 key in an HSM token
    /// [default: sifli01key; not with --rsa-sign-command]
    #[arg(long, value_name = "STEM")]
    pub sigkey: Option<String>,
    /// Module and PIN of a pkcs11: --sigkey
    #[command(flatten)]
    pub pkcs11: super::common_args::Pkcs11Args,
    /// Record block size (multiple of 16)
    #[arg(long, value_name = "BYTES", default_value_t = 512, value_parser = number::<u16>)]
    pub bksize: u16,
    /// Header flags: bit 0 = stored encrypted, signature over the ciphertext
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = number::<u16>)]
    pub flags: u16,
    /// Version string, at most 20 characters (right-padded with '0')
    #[arg(long, value_name = "VER", default_value = "sifli_0.1.0")]
    pub ver: String,
    /// 32-byte session key file instead of a random one (reproducible builds)
    #[arg(long, value_name = "FILE")]
    pub session_key: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
    /// The passphrase of an encrypted SIGSTEM_pri.pem
    #[command(flatten)]
    pub passphrase: super::common_args::PassphraseArg,
    /// RSA signatures from an external command instead of SIGSTEM_pri.pem
    #[command(flatten)]
    pub rsa: super::secure::RsaCommandArgs,
}

/// Arguments of `imgtool dec`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct DecArgs {
    /// The secure image
    #[arg(long, value_name = "FILE")]
    pub eimg: PathBuf,
    /// Where to write the padded plaintext (omit to only check)
    #[arg(long, value_name = "FILE")]
    pub img: Option<PathBuf>,
    /// Root key stem: STEM.bin
    #[arg(long, value_name = "STEM", default_value = "sifli01key")]
    pub key: String,
    /// Public key stem: STEM_pub.der
    #[arg(long, value_name = "STEM", default_value = "sifli01key")]
    pub sigkey: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
}

/// The vendor tool's key stem when none is given.
const DEFAULT_STEM: &str = "sifli01key";

/// Runs `imgtool enc`.
pub fn run_enc(a: EncArgs) -> Result<Outcome> {
    let root_path = PathBuf::from(format!("{}.bin", a.key));
    a.rsa.refuse_with_key("--sigkey", a.sigkey.is_some())?;
    let sigkey = a.sigkey.as_deref().unwrap_or(DEFAULT_STEM);
    let signer_key = a.pkcs11.rsa_signer(sigkey, true)?;
    if signer_key.file().is_none() || a.rsa.rsa_sign_command.is_some() {
        a.passphrase.refuse_unused(
            "the signing key is not a file here (--rsa-sign-command, pkcs11: key)",
        )?;
    }
    // The key files are inputs too: `--eimg s01.bin --key s01` must not destroy the root key.
    let mut inputs = vec![a.img.as_path(), root_path.as_path()];
    inputs.extend(signer_key.file());
    inputs.extend(a.session_key.as_deref());
    inputs.extend(a.passphrase.path());
    inputs.extend(a.rsa.rsa_sign_pub.as_deref());
    let dest = fsio::output::plan_output(&a.eimg, &inputs, a.force.force)?;
    let image = fsio::input::read_bounded(&a.img, fsio::input::Limit::IMAGE)?;
    fsio::input::refuse_lfs_pointer(&a.img, &image)?;
    let root = load_root(&root_path)?;
    let signer = a
        .rsa
        .signer_or_key(&signer_key, a.passphrase.passphrase()?.as_ref())?;
    let session = match &a.session_key {
        Some(p) => secure::SessionKey::from_bytes(
            &super::secure::read_small(p)?,
            &p.display().to_string(),
        )?,
        None => secure::SessionKey::generate()?,
    };
    let out = secure::enc::seal_enc(&image, a.bksize, a.flags, &a.ver, &root, &*signer, &session)
        .context("nothing written")?;
    fsio::output::write(&dest, &out, fsio::output::Mode::Public)?;
    super::print::say!(
        "wrote {} ({} bytes; image {} bytes, flags {})",
        a.eimg.display(),
        out.len(),
        image.len(),
        a.flags
    );
    Ok(Outcome::Ok)
}

/// Runs `imgtool dec`.
pub fn run_dec(a: DecArgs) -> Result<Outcome> {
    let root_path = PathBuf::from(format!("{}.bin", a.key));
    let verifier_path = PathBuf::from(format!("{}_pub.der", a.sigkey));
    let inputs = [
        a.eimg.as_path(),
        root_path.as_path(),
        verifier_path.as_path(),
    ];
    let dest = a
        .img
        .as_ref()
        .map(|p| fsio::output::plan_output(p, &inputs, a.force.force))
        .transpose()?;
    let file = super::secure::read_artifact(&a.eimg)?;
    let root = load_root(&root_path)?;
    let verifier = load_verifier(&verifier_path)?;
    let name = a.eimg.display();
    let o = match secure::enc::open_enc(&file, &root, &verifier) {
        Ok(o) => o,
        Err(e) => {
            super::print::say!("FAIL {name}: {e}");
            return Ok(Outcome::VerificationFailed);
        }
    };
    for f in &o.findings.0 {
        super::print::say!("error: {name}: {f}");
    }
    if !o.findings.ok() {
        super::print::say!("FAIL {name}");
        return Ok(Outcome::VerificationFailed);
    }
    if let Some(d) = &dest {
        fsio::output::write(d, &o.plain, fsio::output::Mode::Public)?;
    }
    super::print::say!(
        "OK {name}: length {}, blksize {}, flags {}, ver {:?}",
        o.header.length,
        o.header.blksize,
        o.header.flags,
        String::from_utf8_lossy(&o.header.ver)
    );
    Ok(Outcome::Ok)
}
