//! `imgtool keygen`: make a new ed25519 signing key.

use super::Outcome;
use anyhow::{bail, Result};
use sign::PrivateKey;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  imgtool keygen -o keys/release.pem
  imgtool getpub keys/release.pem -o keys/release.pub.pem

Writes an ed25519 private key as PKCS#8 PEM with file mode 0600 (readable by you only) and
prints its key id (the first 8 bytes of SHA-256 of the public key, as stored in signed
packages). The key is never printed. Refuses to overwrite an existing file unless --force:
losing a release key means devices can no longer be updated with packages they trust.
Keep production keys off build machines: see docs/signing.md (CI secrets, HSM flow).

Vendor secure DFU keys (docs/secure-dfu.md), also mode 0600:
  imgtool keygen --type rsa2048 -o keys/sig_pri.pem
  imgtool keygen --type root -o keys/s01.bin
  imgtool keygen --type uid -o keys/uid.bin";

/// Arguments of `imgtool keygen`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Where to write the private key (PKCS#8 PEM, mode 0600)
    #[arg(short, long, value_name = "KEY.pem")]
    pub output: PathBuf,

    /// Replace an existing key file
    #[arg(long)]
    pub force: bool,

    /// Key type: ed25519 (imgtool's package signatures, default), or for the vendor's secure
    /// DFU: rsa2048 (signing key, PKCS#1 PEM like the vendor's gensig), root (32-byte AES-256
    /// root key, `<key>.bin`), uid (16-byte UID)
    #[arg(long = "type", value_name = "TYPE", default_value = "ed25519",
          value_parser = ["ed25519", "rsa2048", "root", "uid"])]
    pub key_type: String,
}

/// Runs `imgtool keygen`.
pub fn run(args: Args) -> Result<Outcome> {
    // Resolved first (`n1/../k.pem` is `k.pem`); every existing file is refused below.
    let out = fsio::output::plan_output(&args.output, &[], true)?;
    // Any existing regular file, key-like or not: a new key never replaces a file unasked.
    // (A FIFO or a device such as /dev/null is written through: it is not a key.)
    if let fsio::output::Dest::File { path, .. } = &out {
        if path.exists() && !args.force {
            bail!(
                "{} already exists; refusing to overwrite it with a new key (use --force to \
                 replace it)",
                args.output.display()
            );
        }
    }
    if args.key_type != "ed25519" {
        return super::secure::keygen(&args.key_type, &out);
    }
    let key = PrivateKey::generate()?;
    let pem = key.to_pem()?;
    fsio::output::write(&out, pem.as_bytes(), fsio::output::Mode::Private)?;
    super::print::status(
        &out,
        format_args!(
            "wrote {} (ed25519 private key, key id {}); public key: imgtool getpub {} -o PUB.pem",
            out.display(),
            key.public_key().key_id(),
            args.output.display()
        ),
    );
    Ok(Outcome::Ok)
}
