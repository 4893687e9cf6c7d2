//! `imgtool digest`: the exact message an external signer must sign.

use super::Outcome;
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example (external signing: HSM, KMS, offline signing machine):
  imgtool pack --config ota.toml --unsigned -o out/
  imgtool digest out/offline_install.bin -o out/tobesigned.bin
  (sign out/tobesigned.bin with ed25519, pure mode, no pre-hash: 64-byte raw signature)
  imgtool attach-signature out/offline_install.bin --sig sig.bin --pub release.pub.pem

The message is the start of the package's signature trailer: magic, version, body length,
manifest length and the manifest, which binds the package body by SHA-256 (docs/signing.md).
It does not depend on the key. Its SHA-256 is printed so that the signing operator can
check that the file they sign is the one the build produced.";

/// Arguments of `imgtool digest`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// A package with a trailer (made with `imgtool pack --unsigned`, or already signed)
    pub package: PathBuf,

    /// Where to write the message to sign (`-`: standard output)
    #[arg(short, long, value_name = "TOBESIGNED.bin")]
    pub output: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
}

/// Runs `imgtool digest`.
pub fn run(args: Args) -> Result<Outcome> {
    let out = fsio::output::plan_output(&args.output, &[&args.package], args.force.force)?;
    let bytes = fsio::input::read_bounded(&args.package, fsio::input::Limit::PACKAGE)?;
    let message = package::trailer::message_to_sign(&bytes).with_context(|| {
        format!(
            "{}: nothing written (digest needs a package made with imgtool pack --unsigned)",
            args.package.display()
        )
    })?;
    fsio::output::write(&out, &message, fsio::output::Mode::Public)?;
    let sha: String = Sha256::digest(&message)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    super::print::say_line(format_args!(
        "wrote {} ({} bytes, sha256 {sha}): sign it with ed25519 (pure, no pre-hash)",
        out.display(),
        message.len()
    ));
    Ok(Outcome::Ok)
}
