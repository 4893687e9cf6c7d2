//! What to pack: images, layout and options, from `ota.toml` (see `docs/ota-toml.md`) or code.

use super::error::{PackError, Result};
use ezip::payload::{PayloadOptions, DEFAULT_PKSIZE};
use ezip::{Level, Mode};
use layout::{ImageId, Layout};

pub use super::input::InputFormat;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// How one image is stored: raw, or compressed with one of the codecs the installer decodes
/// ([`Mode::installable`]). Spelled `none` (or `raw`) or by the codec's own name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Flag 0: the raw bytes.
    None,
    /// Flag 16: a chunked payload of this codec's packets (its `--com_type` is
    /// [`Mode::com_type`]). Planning refuses a codec that is not [`Mode::installable`].
    Codec(Mode),
}

impl Compression {
    /// The package default: gzip-mode packets (EZIP engine, `--com_type=0`).
    pub const GZIP: Compression = Compression::Codec(Mode::Gzip);

    /// The codec, `None` for raw storage.
    pub fn codec(self) -> Option<Mode> {
        match self {
            Compression::None => None,
            Compression::Codec(m) => Some(m),
        }
    }
}

impl From<Mode> for Compression {
    fn from(m: Mode) -> Self {
        Compression::Codec(m)
    }
}

impl std::str::FromStr for Compression {
    type Err = PackError;
    fn from_str(s: &str) -> Result<Self> {
        if s.eq_ignore_ascii_case("none") || s.eq_ignore_ascii_case("raw") {
            return Ok(Compression::None);
        }
        match s.parse::<Mode>() {
            Ok(m) if m.installable() => Ok(Compression::Codec(m)),
            _ => Err(PackError::UnknownCompression {
                input: s.to_string(),
            }),
        }
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Compression::None => f.write_str("none"),
            Compression::Codec(m) => m.fmt(f),
        }
    }
}

/// Where the layout comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutRef {
    /// A layout bundled with imgtool (`sf32lb52x-eh-lb523`).
    Bundled(String),
    /// A layout TOML file.
    File(PathBuf),
}

impl LayoutRef {
    /// Classifies `s` by the rule of [`Layout::resolve`] (see [`Layout::is_file_arg`]), with
    /// a relative path taken from `base` (the directory of `ota.toml`; empty for the CLI).
    pub fn parse(s: &str, base: &Path) -> LayoutRef {
        if Layout::is_file_arg(base, s) {
            LayoutRef::File(base.join(s))
        } else {
            LayoutRef::Bundled(s.to_string())
        }
    }

    /// Loads the layout, with the errors of [`Layout::resolve`].
    pub fn load(&self) -> Result<Layout> {
        match self {
            LayoutRef::File(p) => Ok(Layout::from_file_with(p, fsio::input::read_small_text)?),
            // Not Layout::resolve(n): it would look for a file `n` in the working directory,
            // and parse already looked in `base`.
            LayoutRef::Bundled(n) => {
                Layout::bundled(n).ok_or_else(|| Layout::unknown_layout(n).into())
            }
        }
    }
}

/// Package-wide options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackOptions {
    /// Default storage of every image (an [`ImageSpec`] may override it).
    pub compression: Compression,
    /// Encoder effort.
    pub level: Level,
    /// Uncompressed chunk size of compressed payloads.
    pub pksize: u32,
    /// Compression threads (`None`: all cores). Never changes the bytes.
    pub threads: Option<usize>,
    /// Signing key (`[package] sign`: a path relative to ota.toml, or `env:NAME`).
    pub sign: Option<sign::KeySource>,
    /// Accept a `pksize` above 64 KiB (the CLI's `--allow-large-pksize`): the installer must then have
    /// the heap the planner reports.
    pub allow_large_pksize: bool,
}

impl Default for PackOptions {
    fn default() -> Self {
        PackOptions {
            compression: Compression::GZIP,
            level: Level::Default,
            pksize: DEFAULT_PKSIZE,
            threads: None,
            sign: None,
            allow_large_pksize: false,
        }
    }
}

impl PackOptions {
    /// The payload options for an image stored as `c` (`None` for raw).
    pub fn payload_options(&self, c: Compression) -> Option<PayloadOptions> {
        Some(PayloadOptions {
            mode: c.codec()?,
            level: self.level,
            pksize: self.pksize,
            threads: self.threads,
        })
    }
}

/// One image to pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// Image id (decides the destination region).
    pub id: ImageId,
    /// An ELF (converted) or any other file (taken as is).
    pub path: PathBuf,
    /// Overrides [`PackOptions::compression`] for this image.
    pub compression: Option<Compression>,
    /// How the file is read (ELF or raw); [`InputFormat::Auto`] decides by name and contents.
    pub format: InputFormat,
}

impl ImageSpec {
    /// Image `id` from `path`, with the package's compression and the format decided by the
    /// file's name and contents.
    pub fn new(id: ImageId, path: impl Into<PathBuf>) -> ImageSpec {
        ImageSpec {
            id,
            path: path.into(),
            compression: None,
            format: InputFormat::Auto,
        }
    }
}

/// Everything `pack` needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackConfig {
    /// The board layout; `None` skips every region check.
    pub layout: Option<LayoutRef>,
    /// Images, in package table order.
    pub images: Vec<ImageSpec>,
    /// Package-wide options.
    pub options: PackOptions,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OtaToml {
    layout: Option<String>,
    #[serde(default)]
    package: PackageToml,
    #[serde(default, rename = "image")]
    images: Vec<ImageToml>,
    /// `[secure]`: read by `pack --secure` (crates/imgtool/src/cli/secure_pack.rs).
    #[allow(dead_code)]
    secure: Option<toml::Table>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PackageToml {
    compress: Option<String>,
    level: Option<String>,
    pksize: Option<u32>,
    sign: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImageToml {
    /// A name (`"hcpu"`) or a number, quoted or not (`0`, `"0"`).
    id: ImageId,
    path: PathBuf,
    compress: Option<String>,
    format: Option<String>,
}

impl PackConfig {
    /// Reads `ota.toml`. Relative paths (images, layout file) are relative to its directory.
    pub fn from_toml_file(path: &Path) -> Result<PackConfig> {
        let text = fsio::input::read_text(path, fsio::input::Limit::SMALL)?;
        let base = path.parent().unwrap_or(Path::new(""));
        Self::from_toml_str(&text, base).map_err(|e| PackError::InConfig {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }

    /// Parses `ota.toml` text; relative paths are joined to `base`.
    pub fn from_toml_str(text: &str, base: &Path) -> Result<PackConfig> {
        let t: OtaToml = toml::from_str(text).map_err(|e| PackError::OtaToml {
            source: Box::new(e),
        })?;
        let mut options = PackOptions::default();
        if let Some(c) = &t.package.compress {
            options.compression = c.parse().map_err(field("[package] compress"))?;
        }
        if let Some(l) = &t.package.level {
            options.level = l
                .parse()
                .map_err(|e: ezip::Error| field("[package] level")(e.into()))?;
        }
        if let Some(p) = t.package.pksize {
            options.pksize = p;
        }
        if let Some(s) = &t.package.sign {
            // A key file is relative to ota.toml like the other paths; env:NAME is not a path.
            let source =
                sign::KeySource::parse(s).map_err(|e| field("[package] sign")(e.into()))?;
            options.sign = Some(match source {
                sign::KeySource::File(p) => sign::KeySource::File(base.join(p)),
                env => env,
            });
        }
        let mut images = Vec::with_capacity(t.images.len());
        for im in &t.images {
            let id = im.id;
            let compression = match &im.compress {
                Some(c) => Some(
                    c.parse()
                        .map_err(field(format!("[[image]] {id} compress")))?,
                ),
                None => None,
            };
            let format = match &im.format {
                Some(f) => f.parse().map_err(field(format!("[[image]] {id} format")))?,
                None => InputFormat::Auto,
            };
            images.push(ImageSpec {
                id,
                path: base.join(&im.path),
                compression,
                format,
            });
        }
        if images.is_empty() {
            return Err(PackError::NoImages);
        }
        Ok(PackConfig {
            layout: t.layout.map(|l| LayoutRef::parse(&l, base)),
            images,
            options,
        })
    }
}

/// Names the `ota.toml` field whose value is wrong.
fn field(name: impl Into<String>) -> impl FnOnce(PackError) -> PackError {
    let field = name.into();
    move |e| PackError::OtaTomlField {
        field,
        source: Box::new(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ota_toml_parses_with_defaults_and_overrides() {
        let c = PackConfig::from_toml_str(
            r#"
layout = "some-board"
[package]
compress = "zlib"
level = "best"
[[image]]
id = "hcpu"
path = "app.elf"
[[image]]
id = "dfu"
path = "dfu.bin"
compress = "none"
"#,
            Path::new("base"),
        )
        .unwrap();
        assert_eq!(c.layout, Some(LayoutRef::Bundled("some-board".into())));
        assert_eq!(c.options.compression, Compression::Codec(Mode::Zlib));
        assert_eq!(c.options.level, Level::Best);
        assert_eq!(c.options.pksize, DEFAULT_PKSIZE);
        assert_eq!(c.images[0].id, ImageId::HCPU);
        assert_eq!(c.images[0].path, Path::new("base/app.elf"));
        assert_eq!(c.images[1].id, ImageId::OTA_MANAGER);
        assert_eq!(c.images[1].compression, Some(Compression::None));
    }

    #[test]
    fn ota_toml_rejects_unknown_keys_and_bad_values() {
        let bad = [
            "[[image]]\nid = \"hcpu\"\npath = \"a\"\ncolour = 1\n",
            "[[image]]\nid = \"nope\"\npath = \"a\"\n",
            "[package]\ncompress = \"lzma\"\n[[image]]\nid = \"hcpu\"\npath = \"a\"\n",
            "layout = \"x\"\n",
        ];
        for text in bad {
            assert!(
                PackConfig::from_toml_str(text, Path::new("")).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn regression_integer_image_ids_0_and_up_are_accepted() {
        let c = PackConfig::from_toml_str(
            "[[image]]\nid = 0\npath = \"a\"\n[[image]]\nid = 6\npath = \"b\"\n\
             [[image]]\nid = 255\npath = \"c\"\n[[image]]\nid = \"11\"\npath = \"d\"\n",
            Path::new(""),
        )
        .unwrap();
        let ids: Vec<ImageId> = c.images.iter().map(|i| i.id).collect();
        assert_eq!(
            ids,
            [
                ImageId::HCPU,
                ImageId::OTA_MANAGER,
                ImageId(255),
                ImageId::BOOTLOADER
            ]
        );
        // The whole chain of causes, as the CLI prints it.
        let e = anyhow::Error::from(
            PackConfig::from_toml_str("[[image]]\nid = 256\npath = \"a\"\n", Path::new(""))
                .unwrap_err(),
        );
        assert!(
            format!("{e:#}").contains("image id 256 is not a number from 0 to 255"),
            "{e:#}"
        );
    }
}
