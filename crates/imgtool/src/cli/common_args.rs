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
