//! `imgtool getpub`: the public key of a signing key, as PEM, raw bytes or a C array.

use super::secure::{c_array, is_rsa_key, read_small, write_all, Artifact};
use super::Outcome;
use anyhow::{bail, Result};
use secure::VerifyingKey;
use sign::{load_private_key_unlocked, KeySource, Passphrase, PublicKey};
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Examples:
  imgtool getpub keys/release.pem -o keys/release.pub.pem
  imgtool getpub keys/release.pem --format c-array --name dfu_pubkey -o src/dfu_pubkey.h
  imgtool getpub env:IMGTOOL_SIGN_KEY --format raw -o pub.bin
  imgtool getpub keys/release.pub.pem --format c-array
  IMGTOOL_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so \\
    imgtool getpub 'pkcs11:token=dfu;object=dfu-sig' --dumpsig sig -o sig_pub.pem

KEY is a private key file (PKCS#8 PEM; encrypted PKCS#8 with --passphrase-file FILE or
IMGTOOL_KEY_PASSPHRASE), env:NAME (an environment variable holding the PEM
text), a public key file (SubjectPublicKeyInfo PEM) to convert, or a pkcs11: URI of a key in
an HSM token (its public key is read from the token; a PIN only if the token hides it). Formats: pem
(SubjectPublicKeyInfo, for `imgtool verify --key`), raw (the 32 bytes of RFC 8032), c-array
(a C definition of those 32 bytes, to build into the DFU installer; --name names it).
Without -o (or with -o -) the --format output is printed on standard output: only the one
format, and raw (binary) only with -o FILE or -o -.";

/// Output format of `getpub`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`)
    Pem,
    /// The 32 raw bytes
    Raw,
    /// A C array of the 32 raw bytes
    CArray,
}

/// Arguments of `imgtool getpub`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The key: a private key file, env:NAME, a public key file, or a pkcs11: URI
    #[arg(value_name = "KEY")]
    pub key: String,

    /// Output file (`-` or none: print the --format output on stdout; raw: not without -o)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value = "pem")]
    pub format: Format,

    /// Array name for --format c-array [default: imgtool_ed25519_public_key]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
    /// RSA keys only: also write the vendor's dumpsig files STEM_pub.der (294-byte DER) and
    /// STEM_hash.bin (its SHA-256, the efuse SIG_HASH / AES-CTR nonce)
    #[arg(long, value_name = "STEM")]
    pub dumpsig: Option<String>,
    /// Module and PIN of a pkcs11: KEY
    #[command(flatten)]
    pub pkcs11: super::common_args::Pkcs11Args,
    /// The passphrase of an encrypted private key
    #[command(flatten)]
    pub passphrase: super::common_args::PassphraseArg,
}

/// Loads the public key behind KEY: a public key PEM file as is, else a private key source.
pub(crate) fn public_key_of(key: &str, passphrase: Option<&Passphrase>) -> Result<PublicKey> {
    let source = KeySource::parse(key)?;
    if let KeySource::File(path) = &source {
        let text = fsio::input::read_bounded(path, fsio::input::Limit::SMALL)?;
        if String::from_utf8_lossy(&text).contains("-----BEGIN PUBLIC KEY-----") {
            let pem = String::from_utf8_lossy(&text);
            return Ok(PublicKey::from_pem(&pem, &path.display().to_string())?);
        }
    }
    let loaded = load_private_key_unlocked(&source, fsio::input::read_small, passphrase)?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    Ok(loaded.key.public_key())
}

/// The C array name of `--format c-array` when `--name` is not given.
const DEFAULT_NAME: &str = "imgtool_ed25519_public_key";

/// Runs `imgtool getpub`.
pub fn run(args: Args) -> Result<Outcome> {
    match (&args.name, args.format) {
        (Some(name), Format::CArray) if !is_c_identifier(name) => {
            bail!("--name {name:?} is not a C identifier")
        }
        (Some(_), Format::Pem | Format::Raw) => bail!(
            "--name names the C array of --format c-array; with --format {} it does nothing: \
             add --format c-array or leave --name out",
            if args.format == Format::Pem {
                "pem"
            } else {
                "raw"
            }
        ),
        _ => {}
    }
    let source = super::common_args::Pkcs11Args::key_source(&args.key)?;
    if !matches!(source, KeySource::Pkcs11(_)) {
        args.pkcs11.refuse_unused(&args.key)?;
    }
    if let Some(why) = no_encrypted_key(&source)? {
        args.passphrase.refuse_unused(why)?;
    }
    let key_path = match &source {
        KeySource::File(p) => Some(p.as_path()),
        KeySource::Env(_) | KeySource::Pkcs11(_) => None,
    };
    let inputs: Vec<&Path> = key_path.into_iter().collect();
    let out = args
        .output
        .as_ref()
        .map(|p| fsio::output::plan_output(p, &inputs, args.force.force))
        .transpose()?;
    if let (Some(out), Some(stem)) = (&out, &args.dumpsig) {
        // --dumpsig writes STEM_pub.der and STEM_hash.bin beside -o: none may be another.
        let extra = [format!("{stem}_pub.der"), format!("{stem}_hash.bin")];
        let extra: Vec<_> = extra.iter().map(PathBuf::from).collect();
        let dests = extra
            .iter()
            .map(|p| fsio::output::plan_output(p, &inputs, args.force.force))
            .collect::<fsio::Result<Vec<_>>>()?;
        fsio::output::refuse_same_outputs([
            ("-o", out),
            ("--dumpsig's", &dests[0]),
            ("--dumpsig's", &dests[1]),
        ])?;
    }
    let passphrase = args.passphrase.passphrase()?;
    let key = match &source {
        KeySource::Pkcs11(uri) => {
            let access = args.pkcs11.key_ref(uri)?.access;
            match hsm::public_key(uri, &access)? {
                hsm::PublicHalf::Rsa(key) => return write_rsa(&args, &key, &inputs),
                hsm::PublicHalf::Ed25519(key) => key,
            }
        }
        _ => {
            if let Some(key) = rsa_key_file(&args, passphrase.as_ref())? {
                return write_rsa(&args, &key, &inputs);
            }
            public_key_of(&args.key, passphrase.as_ref())?
        }
    };
    if args.dumpsig.is_some() {
        bail!(
            "--dumpsig is for RSA keys (the vendor's secure DFU); {} is not one",
            args.key
        );
    }
    let bytes = match args.format {
        Format::Pem => key.to_pem()?.into_bytes(),
        Format::Raw => key.to_bytes().to_vec(),
        Format::CArray => key.to_c_array(array_name(&args)).into_bytes(),
    };
    match &out {
        Some(dest) => {
            fsio::output::write(dest, &bytes, fsio::output::Mode::Public)?;
            eprintln!("wrote {} (key id {})", dest.display(), key.key_id());
        }
        None if args.format == Format::Raw => {
            bail!("--format raw writes binary: give -o FILE")
        }
        None => print!("{}", String::from_utf8_lossy(&bytes)),
    }
    Ok(Outcome::Ok)
}

/// `--name`, or the default name: the array name of `--format c-array`.
fn array_name(args: &Args) -> &str {
    args.name.as_deref().unwrap_or(DEFAULT_NAME)
}

/// Why a passphrase would unlock nothing: `Some` when KEY is a token key, a public key file or
/// a private key that is not encrypted; `None` when it is encrypted (PKCS#8 or the legacy PEM
/// encryption, whose error says how to convert it) or cannot be read (loading it says why).
fn no_encrypted_key(source: &KeySource) -> Result<Option<&'static str>> {
    let text = match source {
        KeySource::Pkcs11(_) => {
            return Ok(Some(
                "KEY is a pkcs11: key, read from its token (a PIN goes in --pin-file)",
            ))
        }
        KeySource::File(path) => match read_small(path) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(_) => return Ok(None),
        },
        KeySource::Env(name) => match std::env::var(name) {
            Ok(text) => zeroize::Zeroizing::new(text.into_bytes()),
            Err(_) => return Ok(None),
        },
    };
    let has = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    Ok(if has(b"-----BEGIN PUBLIC KEY-----") {
        Some("KEY is a public key file, nothing to unlock")
    } else if has(b"ENCRYPTED") {
        None
    } else if has(b"PRIVATE KEY-----") {
        Some("KEY is a private key that is not encrypted")
    } else {
        // Not a key: loading it says what it is.
        None
    })
}

/// The RSA key of a key file; `None` when KEY is not an RSA key file (the ed25519 path then).
fn rsa_key_file(args: &Args, passphrase: Option<&Passphrase>) -> Result<Option<VerifyingKey>> {
    let path = Path::new(&args.key);
    if args.key.starts_with("env:") || !(path.is_file() || fsio::input::is_stdin(path)) {
        return Ok(None);
    }
    let text = zeroize::Zeroizing::new(read_small(path)?);
    match VerifyingKey::from_file_bytes_with(&text, &args.key, passphrase) {
        Ok(key) => Ok(Some(key)),
        // Encrypted without (the right) passphrase, or legacy-encrypted: the key type is not
        // known, and the error says what to do either way.
        Err(e @ secure::SecureError::Key(_)) => Err(e.into()),
        Err(e) if is_rsa_key(&text) => Err(e.into()),
        Err(_) => Ok(None),
    }
}

/// Writes an RSA public key as asked (and the --dumpsig files), all or none.
fn write_rsa(args: &Args, key: &VerifyingKey, inputs: &[&Path]) -> Result<Outcome> {
    let der = key.spki_der()?;
    let bytes = match args.format {
        Format::Pem => key.to_pem()?.into_bytes(),
        Format::Raw => der.clone(),
        Format::CArray => c_array(array_name(args), &der).into_bytes(),
    };
    let hash = key.sig_hash()?;
    let mut files = Vec::new();
    if let Some(stem) = &args.dumpsig {
        files.push(Artifact::new(
            PathBuf::from(format!("{stem}_pub.der")),
            "RSA public key, SPKI DER",
            None,
            der,
        ));
        files.push(Artifact::new(
            PathBuf::from(format!("{stem}_hash.bin")),
            "SHA-256 of the DER",
            None,
            hash.to_vec(),
        ));
    }
    match &args.output {
        Some(p) => files.push(Artifact::new(p.clone(), "RSA public key", None, bytes)),
        None if args.format == Format::Raw => bail!("--format raw writes binary: give -o FILE"),
        None => print!("{}", String::from_utf8_lossy(&bytes)),
    }
    write_all(&files, inputs, args.force.force)?;
    eprintln!(
        "RSA-2048 public key, sig hash {}",
        secure::record::hex(&hash)
    );
    Ok(Outcome::Ok)
}

fn is_c_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}
