//! `imgtool keygen`: make a new ed25519 signing key.

use super::Outcome;
use anyhow::{bail, Result};
use sign::PrivateKey;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  imgtool keygen -o keys/release.pem
  imgtool getpub keys/release.pem -o keys/release.pub.pem
  imgtool keygen --passphrase-file ~/.imgtool-pass -o keys/release.pem   (encrypted)

Writes an ed25519 private key as PKCS#8 PEM (encrypted PKCS#8 with --passphrase-file) with
file mode 0600 (readable by you only) and prints its key id (the first 8 bytes of SHA-256 of the public key, as stored in signed
packages). The key is never printed. Refuses to overwrite an existing file unless --force:
losing a release key means devices can no longer be updated with packages they trust.
Keep production keys off build machines: see docs/signing.md (CI secrets, HSM flow).

Vendor secure DFU keys (docs/secure-dfu.md), also mode 0600:
  imgtool keygen --type rsa2048 -o keys/sig_pri.pem   (--passphrase-file: encrypted PKCS#8)
  imgtool keygen --type root -o keys/s01.bin
  imgtool keygen --type uid -o keys/uid.bin";

/// What `keygen --type` makes. The variants carry no doc comment on purpose: clap would
/// turn them into a per-value help list, and the option's own help already says it.
#[allow(missing_docs)]
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    #[value(name = "ed25519")]
    Ed25519,
    #[value(name = "rsa2048")]
    Rsa2048,
    #[value(name = "root")]
    Root,
    #[value(name = "uid")]
    Uid,
}

/// Arguments of `imgtool keygen`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = AFTER_HELP,
    mut_arg("force", |a| a.help("Replace an existing key file")),
    mut_arg("passphrase_file", |a| a.help(
        "Encrypt the new private key with the passphrase in FILE (less one trailing newline): \
         encrypted PKCS#8 PEM, PBES2 with PBKDF2-SHA256 and AES-256-CBC, as OpenSSL reads it. \
         Without it, IMGTOOL_KEY_PASSPHRASE if set (empty counts as unset)"
    ))
)]
pub struct Args {
    /// Where to write the private key (PKCS#8 PEM, mode 0600)
    #[arg(short, long, value_name = "KEY.pem")]
    pub output: PathBuf,

    // A new key replaces no existing file at all unless forced: every file is protected here.
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,

    /// Key type: ed25519 (imgtool's package signatures, default), or for the vendor's secure
    /// DFU: rsa2048 (signing key, PKCS#1 PEM like the vendor's gensig), root (32-byte AES-256
    /// root key, `<key>.bin`), uid (16-byte UID)
    #[arg(
        long = "type",
        value_name = "TYPE",
        value_enum,
        default_value = "ed25519"
    )]
    pub key_type: KeyType,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub passphrase: super::common_args::PassphraseArg,
}

/// Runs `imgtool keygen`.
pub fn run(args: Args) -> Result<Outcome> {
    // Resolved first (`n1/../k.pem` is `k.pem`); every existing file is refused below.
    let out = fsio::output::plan_output(&args.output, &[], true)?;
    // Any existing regular file, key-like or not: a new key never replaces a file unasked.
    // (A FIFO or a device such as /dev/null is written through: it is not a key.)
    if let fsio::output::Dest::File { path, .. } = &out {
        if path.exists() && !args.force.force {
            bail!(
                "{} already exists; refusing to overwrite it with a new key (use --force to \
                 replace it)",
                args.output.display()
            );
        }
    }
    let passphrase = match args.key_type {
        KeyType::Ed25519 | KeyType::Rsa2048 => args.passphrase.passphrase()?,
        // Raw keys have no encrypted form; only an explicit file is a mistake to report (the
        // environment variable is meant for the PEM keys).
        _ if args.passphrase.passphrase_file.is_some() => bail!(
            "--passphrase-file: root and UID files are raw bytes (what the device's efuse \
             holds), with no encrypted form; keep them in a protected place instead"
        ),
        _ => None,
    };
    if args.key_type != KeyType::Ed25519 {
        return secure_keygen(args.key_type, &out, passphrase.as_ref());
    }
    let key = PrivateKey::generate()?;
    let pem = match &passphrase {
        Some(p) => key.to_encrypted_pem(p)?,
        None => key.to_pem()?,
    };
    fsio::output::write(&out, pem.as_bytes(), fsio::output::Mode::Private)?;
    super::print::say_line(format_args!(
        "wrote {} (ed25519 private key{}, key id {}); public key: imgtool getpub {} -o PUB.pem",
        out.display(),
        encrypted_note(passphrase.is_some()),
        key.public_key().key_id(),
        args.output.display()
    ));
    Ok(Outcome::Ok)
}

/// `keygen --type root|uid|rsa2048`: the vendor's secure DFU keys.
fn secure_keygen(
    kind: KeyType,
    output: &fsio::output::Dest,
    passphrase: Option<&sign::Passphrase>,
) -> Result<Outcome> {
    let (bytes, what): (zeroize::Zeroizing<Vec<u8>>, String) = match kind {
        KeyType::Root => (
            secure::RootKey::generate()?.as_bytes().to_vec().into(),
            "AES-256 root key, 32 raw bytes".into(),
        ),
        KeyType::Uid => (
            secure::Uid::generate()?.as_bytes().to_vec().into(),
            "UID, 16 raw bytes".into(),
        ),
        KeyType::Rsa2048 => {
            let k = secure::SigningKey::generate()?;
            let hash = secure::record::hex(&k.verifying_key().sig_hash()?[..8]);
            let (pem, form) = match passphrase {
                Some(p) => (k.to_encrypted_pem(p)?, "encrypted PKCS#8 PEM"),
                None => (k.to_pkcs1_pem()?, "PKCS#1 PEM"),
            };
            (
                pem.as_bytes().to_vec().into(),
                format!("RSA-2048 private key, {form}, sig hash {hash}..."),
            )
        }
        KeyType::Ed25519 => bail!("internal error: ed25519 is not a secure DFU key type"),
    };
    fsio::output::write(output, &bytes, fsio::output::Mode::Private)?;
    super::print::say!("wrote {} ({what}, mode 0600)", output.display());
    if kind == KeyType::Rsa2048 {
        super::print::say!(
            "public key and dumpsig files: imgtool getpub {} --dumpsig STEM",
            output.display()
        );
    }
    Ok(Outcome::Ok)
}

/// ", encrypted" when the key file is passphrase-protected.
fn encrypted_note(encrypted: bool) -> &'static str {
    if encrypted {
        ", encrypted with the passphrase"
    } else {
        ""
    }
}
