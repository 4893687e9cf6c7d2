//! Arguments shared by several commands, declared once and flattened into each command's
//! `Args` (like probe-rs's `util/common_options.rs`), and the one parser for numbers.

use anyhow::{bail, Context, Result};
use layout::{ImageId, Layout};

/// A number type a flag can take: its name in messages and its largest value.
pub trait Number: TryFrom<u64> + Copy + Send + Sync + 'static {
    /// What a value is called in a refusal ("a byte").
    const NOUN: &'static str;
    /// The largest value.
    const MAX: u64;
}

impl Number for u8 {
    const NOUN: &'static str = "byte";
    const MAX: u64 = u8::MAX as u64;
}

impl Number for u16 {
    const NOUN: &'static str = "16-bit number";
    const MAX: u64 = u16::MAX as u64;
}

impl Number for u32 {
    const NOUN: &'static str = "32-bit number";
    const MAX: u64 = u32::MAX as u64;
}

impl Number for u64 {
    const NOUN: &'static str = "number";
    const MAX: u64 = u64::MAX;
}

impl Number for usize {
    const NOUN: &'static str = "number";
    const MAX: u64 = usize::MAX as u64;
}

/// The value parser of every numeric option: decimal or `0x` hex ([`layout::parse_u64`], the
/// rule of layout files too), refused with the accepted range when it is not a `T`.
pub fn number<T: Number>(s: &str) -> Result<T, String> {
    layout::parse_u64(s)
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| {
            let range = if T::MAX == u64::MAX {
                "a decimal or 0x hex number".to_string()
            } else {
                // As many hex digits as the type has: 0x00..0xff, 0x0000..0xffff.
                let width = 2 + format!("{:x}", T::MAX).len();
                format!("0..{} or {:#0width$x}..{:#x}", T::MAX, 0, T::MAX)
            };
            format!("{s:?} is not a {}: expected {range}", T::NOUN)
        })
}

/// `--force`, flattened into every command that writes files: replace a protected output.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct ForceArg {
    /// Overwrite an output file even if it holds a private key (and nothing else: a pksize
    /// above 65536 bytes is --allow-large-pksize)
    #[arg(long)]
    pub force: bool,
}

/// `--passphrase-file`, flattened into every command that reads (or, in `keygen`, writes) a
/// private key: the passphrase of encrypted PKCS#8 keys (docs/signing.md). There is no option
/// taking the passphrase itself: command lines are visible to other users (`ps`) and end up in
/// shell histories and CI logs.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PassphraseArg {
    /// Passphrase of an encrypted private key (BEGIN ENCRYPTED PRIVATE KEY): the contents of
    /// FILE, less one trailing newline. Without it, the environment variable
    /// IMGTOOL_KEY_PASSPHRASE holds the passphrase itself (empty counts as unset)
    #[arg(long, value_name = "FILE", help_heading = "Key passphrase")]
    pub passphrase_file: Option<std::path::PathBuf>,
}

impl PassphraseArg {
    /// The passphrase: `--passphrase-file`'s, else `IMGTOOL_KEY_PASSPHRASE`'s, else none.
    pub fn passphrase(&self) -> Result<Option<sign::Passphrase>> {
        if let Some(path) = &self.passphrase_file {
            let bytes = fsio::input::read_bounded(path, fsio::input::Limit::SMALL)?;
            let what = format!("--passphrase-file {}", path.display());
            return Ok(Some(sign::Passphrase::from_file_bytes(bytes, &what)?));
        }
        match std::env::var(sign::PASSPHRASE_ENV) {
            Ok(v) if !v.is_empty() => Ok(Some(sign::Passphrase::new(
                v.into_bytes(),
                sign::PASSPHRASE_ENV,
            )?)),
            // A CI secret that is not set often arrives as an empty variable: treated as
            // unset, an encrypted key then says which passphrase it needs.
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                bail!(
                    "{} is not valid UTF-8; use --passphrase-file",
                    sign::PASSPHRASE_ENV
                )
            }
        }
    }

    /// Refuses `--passphrase-file` where no private key file is read, so it would do nothing;
    /// `why` says what signs instead. (`IMGTOOL_KEY_PASSPHRASE` is not refused: it may be set
    /// for a whole CI job.)
    pub fn refuse_unused(&self, why: &str) -> Result<()> {
        if self.passphrase_file.is_some() {
            bail!("--passphrase-file does nothing here: {why}; leave it out");
        }
        Ok(())
    }

    /// The passphrase file, if given: an input no output may replace.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.passphrase_file.as_deref()
    }
}

/// `-o DIR` of a command that writes several files into a directory (`pack`, `unpack`):
/// one rule for all of them ([`fsio::output::plan_output_dir`]).
#[derive(clap::Args, Debug, Clone)]
pub struct OutputDirArg {
    /// Output directory (created if missing)
    #[arg(short, long = "output", value_name = "DIR")]
    pub output: std::path::PathBuf,
}

/// A required `--layout`. Commands say what they use it for with
/// `#[command(mut_arg("layout", ..))]`.
#[derive(clap::Args, Debug, Clone)]
pub struct LayoutArg {
    /// Board layout: a layout file (.toml) or a bundled layout name
    #[arg(long, value_name = "LAYOUT")]
    pub layout: String,
}

impl LayoutArg {
    /// The layout, read and validated.
    pub fn resolve(&self) -> Result<Layout> {
        resolve_layout(&self.layout)
    }
}

/// An optional `--layout` (its checks are skipped without one). Commands say what they use
/// it for with `#[command(mut_arg("layout", ..))]`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OptionalLayoutArg {
    /// Board layout: a layout file (.toml) or a bundled layout name
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<String>,
}

impl OptionalLayoutArg {
    /// The layout if one was given, read and validated.
    pub fn resolve(&self) -> Result<Option<Layout>> {
        self.layout.as_deref().map(resolve_layout).transpose()
    }
}

/// Resolves the `--layout` option of any command: a layout file or a bundled layout name, by
/// the rule of [`Layout::resolve`] (which `layout show/export` and `ota.toml` follow too).
pub fn resolve_layout(spec: &str) -> Result<Layout> {
    Layout::resolve_with(spec, fsio::input::read_small_text)
        .with_context(|| format!("--layout {spec}"))
}

/// Parses a codec the device installer decodes ([`ezip::Mode::installable_modes`]) by the
/// codec's own name; clap checks and lists the names as it does a `ValueEnum`'s.
pub fn installable_codec() -> impl clap::builder::TypedValueParser<Value = ezip::Mode> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(ezip::Mode::installable_modes().map(|m| PossibleValue::new(m.name())))
        .map(|s| {
            s.parse::<ezip::Mode>()
                .expect("a name of installable_modes")
        })
}

/// The vendor's image list and codec (`imgtoolv37 gen_dfu --img_para .. --com_type N`), read
/// the same way by every vendor path (offline package v2, v1 and the secure online files).
#[derive(clap::Args, Debug, Clone)]
pub struct VendorImagesArg {
    /// Triples STEM FLAG ID, e.g. `hcpu 16 0 dfu 16 6`
    #[arg(long = "img_para", value_name = "STEM FLAG ID", num_args = 3.., required = true)]
    pub img_para: Vec<String>,

    /// Packet codec: 0 gzip mode (EZIP engine, default), 1 zlib
    #[arg(long = "com_type", value_name = "N", default_value_t = 0, value_parser = number::<u8>)]
    pub com_type: u8,
}

/// One `--img_para` triple.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorImage {
    /// The file stem: the image is STEM.bin.
    pub stem: String,
    /// The vendor flag (bit 0 encrypted, bit 4 compressed).
    pub flag: u16,
    /// The image id.
    pub id: ImageId,
}

impl VendorImagesArg {
    /// The triples of `--img_para`, each checked to be STEM, a number and an image id.
    pub fn images(&self) -> Result<Vec<VendorImage>> {
        let p = &self.img_para;
        if p.len() % 3 != 0 {
            bail!(
                "--img_para takes triples STEM FLAG ID; got {} values ({p:?})",
                p.len()
            );
        }
        p.chunks(3)
            .map(|t| {
                let stem = t[0].clone();
                let flag = number::<u16>(&t[1])
                    .map_err(|e| anyhow::anyhow!("--img_para {stem}: flag {e}"))?;
                let id: ImageId = t[2]
                    .parse()
                    .with_context(|| format!("--img_para {stem}: image id"))?;
                Ok(VendorImage { stem, flag, id })
            })
            .collect()
    }

    /// The codec of `--com_type` ([`ezip::Mode::from_com_type`]: 0 gzip mode, EZIP engine;
    /// 1 zlib).
    pub fn codec(&self) -> Result<ezip::Mode> {
        let n = self.com_type;
        ezip::Mode::from_com_type(n)
            .with_context(|| format!("--com_type={n} is not supported: {}", ezip::Mode::COM_TYPES))
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_are_decimal_or_hex_with_the_layout_files_rule() {
        assert_eq!(number::<u32>("4096"), Ok(4096));
        assert_eq!(number::<u32>("0x1000"), Ok(4096));
        assert_eq!(number::<u32>("0X1000"), Ok(4096));
        assert_eq!(number::<u32>("1_000"), Ok(1000));
        assert_eq!(number::<u8>("0xff"), Ok(255));
        for bad in ["", "0x", "-1", "+1", "1.5", "ten", "0x100"] {
            let e = number::<u8>(bad).unwrap_err();
            assert!(
                e.contains("is not a byte: expected 0..255 or 0x00..0xff"),
                "{bad}: {e}"
            );
        }
        assert!(number::<u16>("65536").is_err());
        assert_eq!(number::<u64>("0xffffffffffffffff"), Ok(u64::MAX));
    }
}

/// The PIN variable: for CI secrets, like `env:NAME` keys.
pub const PIN_ENV: &str = "IMGTOOL_PKCS11_PIN";
/// The module variable.
pub const MODULE_ENV: &str = "IMGTOOL_PKCS11_MODULE";

/// How to reach a key given as a `pkcs11:` URI (docs/signing.md, "Keys in an HSM"), flattened
/// into every command that takes a signing key. No PIN option: a PIN on the command line
/// shows in process lists and shell history.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Pkcs11Args {
    /// PKCS#11 module (shared library) that opens pkcs11: keys, e.g.
    /// /usr/lib/softhsm/libsofthsm2.so [env: IMGTOOL_PKCS11_MODULE; or the URI's
    /// ?module-path=]
    #[arg(
        long,
        value_name = "MODULE.so",
        help_heading = "HSM keys (pkcs11: URIs)"
    )]
    pub pkcs11_module: Option<std::path::PathBuf>,

    /// File holding the token's user PIN (one trailing newline is ignored)
    /// [env: IMGTOOL_PKCS11_PIN]
    #[arg(long, value_name = "FILE", help_heading = "HSM keys (pkcs11: URIs)")]
    pub pin_file: Option<std::path::PathBuf>,
}

impl Pkcs11Args {
    /// Refuses `--pkcs11-module` and `--pin-file` when the key (`key`, for the message) is not
    /// a `pkcs11:` URI: they would do nothing. (The environment variables may stay set.)
    pub fn refuse_unused(&self, key: &str) -> Result<()> {
        let given = self.given();
        if given.is_empty() {
            return Ok(());
        }
        let n = given.len();
        bail!(
            "{} {} a key in a PKCS#11 token (a pkcs11: URI); the key here ({key}) is not one: \
             leave {} out, or give the key as pkcs11:token=...;object=...",
            given.join(" and "),
            plural(n, "opens", "open"),
            plural(n, "it", "them")
        )
    }

    /// The options given, by name.
    pub fn given(&self) -> Vec<&'static str> {
        given_names(&[
            ("--pkcs11-module", self.pkcs11_module.is_some()),
            ("--pin-file", self.pin_file.is_some()),
        ])
    }

    /// The key spec (`PATH`, `env:NAME` or `pkcs11:` URI) parsed by the one parser,
    /// [`sign::KeySource::parse`].
    pub fn key_source(spec: &str) -> Result<sign::KeySource> {
        Ok(sign::KeySource::parse(spec)?)
    }

    /// The token key `uri` names, with the module and PIN from the options or variables.
    pub fn key_ref(&self, uri: &sign::Pkcs11Uri) -> Result<hsm::KeyRef> {
        let module = self
            .pkcs11_module
            .clone()
            .or_else(|| std::env::var_os(MODULE_ENV).map(Into::into))
            .or_else(|| uri.module_path.clone())
            .with_context(|| {
                format!(
                    "{uri}: which PKCS#11 module opens it? Give --pkcs11-module MODULE.so or set \
                     {MODULE_ENV} (SoftHSM: /usr/lib/softhsm/libsofthsm2.so)"
                )
            })?;
        let pin = match &self.pin_file {
            Some(p) => {
                let bytes = zeroize::Zeroizing::new(fsio::input::read_bounded(
                    p,
                    fsio::input::Limit::SMALL,
                )?);
                let text = std::str::from_utf8(&bytes)
                    .ok()
                    .with_context(|| format!("--pin-file {}: not UTF-8 text", p.display()))?;
                Some(hsm::Pin::new(text))
            }
            None => std::env::var(PIN_ENV)
                .ok()
                .map(zeroize::Zeroizing::new)
                .map(|t| hsm::Pin::new(&t)),
        };
        Ok(hsm::KeyRef {
            uri: uri.clone(),
            access: hsm::TokenAccess { module, pin },
        })
    }

    /// The RSA signing key of the secure flow from a key spec (`--sign-key`) or a vendor
    /// stem (`--sigkey STEM`, `STEM_pri.pem`): a `pkcs11:` URI is a token key either way.
    pub fn rsa_signer(&self, spec: &str, stem: bool) -> Result<imgtool::secure::SignerKey> {
        if !spec.starts_with(sign::pkcs11_uri::SCHEME) {
            self.refuse_unused(spec)?;
        }
        if stem && !spec.starts_with(sign::pkcs11_uri::SCHEME) {
            return Ok(std::path::PathBuf::from(format!("{spec}_pri.pem")).into());
        }
        match Self::key_source(spec)? {
            sign::KeySource::File(p) => Ok(p.into()),
            sign::KeySource::Pkcs11(uri) => Ok(imgtool::secure::SignerKey::Token(Box::new(
                self.key_ref(&uri)?,
            ))),
            sign::KeySource::Env(_) => bail!(
                "{spec}: the RSA signing key is a PEM file or a pkcs11: URI; env: holds \
                 ed25519 keys only"
            ),
        }
    }
}

/// The names of the options whose flag is `true` (given on the command line), in order: the
/// one way every "options given" list is made.
pub fn given_names<'a>(opts: &[(&'a str, bool)]) -> Vec<&'a str> {
    opts.iter().filter(|o| o.1).map(|o| o.0).collect()
}

/// `one` for a single option named in a message, else `many` ("applies"/"apply", "it"/"them").
pub fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Refuses the options of `given` that were given (`true`): they would do nothing in
/// `context`. The error names them, says `why` and what to do: leave them out, or `instead`.
/// (One rule for every "given but does not apply here".)
pub fn refuse_inapplicable(
    given: &[(&str, bool)],
    context: &str,
    why: &str,
    instead: &str,
) -> Result<()> {
    let names = given_names(given);
    let n = names.len();
    let names = match names.as_slice() {
        [] => return Ok(()),
        [name] => name.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    bail!(
        "{names} {} not apply to {context}: {why}; leave {} out, or {instead}",
        plural(n, "does", "do"),
        plural(n, "it", "them")
    )
}
