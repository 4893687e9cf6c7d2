//! `imgtool attach-signature`: put an externally made signature into an unsigned package.

use super::Outcome;
use anyhow::{Context, Result};
use package::trailer::{attach_signature, TrailerError};
use sign::SignError;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example:
  imgtool attach-signature out/offline_install.bin --sig sig.bin --pub release.pub.pem

SIG.bin is the 64-byte raw ed25519 signature of the message written by `imgtool digest`.
The signature is checked with PUB.pem before anything is written; a signature that does not
verify leaves the package untouched and exits with status 1. The package is rewritten in
place (atomically) unless -o is given. manifest.json does not change: the manifest is signed
as it is.";

/// Arguments of `imgtool attach-signature`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The package made with `imgtool pack --unsigned`
    pub package: PathBuf,

    /// The raw 64-byte ed25519 signature
    #[arg(long, value_name = "SIG.bin")]
    pub sig: PathBuf,

    /// The signer's public key (SubjectPublicKeyInfo PEM)
    #[arg(long = "pub", value_name = "PUB.pem")]
    pub public_key: PathBuf,

    /// Write the signed package here instead of replacing PACKAGE
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
}

/// Runs `imgtool attach-signature`.
pub fn run(args: Args) -> Result<Outcome> {
    // In place (no -o) is this command's documented default; an explicit -o must name
    // another file than any input, like every other command's.
    let out = match &args.output {
        Some(o) => fsio::output::plan_output(
            o,
            &[&args.package, &args.sig, &args.public_key],
            args.force.force,
        )?,
        None => fsio::output::plan_output(
            &args.package,
            &[&args.sig, &args.public_key],
            args.force.force,
        )?,
    };
    let bytes = fsio::input::read_bounded(&args.package, fsio::input::Limit::PACKAGE)?;
    let sig = fsio::input::read_bounded(&args.sig, fsio::input::Limit::SMALL)?;
    let key = super::signing::load_public_key(&args.public_key)?;
    let signed = match attach_signature(&bytes, &key, &sig) {
        Ok(s) => s,
        Err(TrailerError::Sign(e @ SignError::BadSignature { .. })) => {
            eprintln!(
                "FAIL {}: {e}; the signature in {} was not made over this package's message \
                 (imgtool digest) with this key; nothing written",
                args.package.display(),
                args.sig.display()
            );
            return Ok(Outcome::VerificationFailed);
        }
        Err(e) => {
            return Err(e).with_context(|| format!("{}: nothing written", args.package.display()))
        }
    };
    fsio::output::write(&out, &signed, fsio::output::Mode::Public)?;
    super::print::say_line(format_args!(
        "wrote {} (signed, key id {})",
        out.display(),
        key.key_id()
    ));
    Ok(Outcome::Ok)
}
