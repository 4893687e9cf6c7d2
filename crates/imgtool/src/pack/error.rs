//! The one error type of the `pack` API, so a `build.rs` can tell "image too big for its
//! region" from an unreadable file. Messages state the numbers and the fix; a cause from
//! another crate or the OS is the `source()`, not part of the message.

use layout::ImageId;
use package::rules::RuleBreak;
use std::path::PathBuf;

/// `Result` with [`PackError`].
pub type Result<T, E = PackError> = std::result::Result<T, E>;

/// Why a package could not be configured, planned, signed or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
    /// Reading an input or writing an output failed (bounds, protected files, I/O).
    #[error(transparent)]
    File(#[from] fsio::Error),
    /// The layout could not be read, or is invalid.
    #[error(transparent)]
    Layout(#[from] layout::LayoutError),
    /// A signing key could not be read or used.
    #[error(transparent)]
    Key(#[from] sign::SignError),
    /// The signing key in a PKCS#11 token could not be opened.
    #[error(transparent)]
    Token(#[from] hsm::HsmError),
    /// The package's images do not make a valid package.
    #[error(transparent)]
    Package(#[from] package::PackageError),
    /// A manifest entry could not be made.
    #[error(transparent)]
    Manifest(#[from] package::manifest::ManifestError),
    /// A compression level is not one.
    #[error(transparent)]
    Level(#[from] ezip::Error),
    /// A compression name is not one.
    #[error(
        "unknown compression {input:?}: expected {} or none",
        ezip::Mode::INSTALLABLE_NAMES
    )]
    UnknownCompression {
        /// What was given.
        input: String,
    },
    /// An input format name is not one.
    #[error("unknown input format {input:?}: expected elf, bin (or raw) or auto")]
    UnknownInputFormat {
        /// What was given.
        input: String,
    },
    /// `ota.toml` is not valid TOML of the expected shape.
    #[error("invalid ota.toml")]
    OtaToml {
        /// The parser's complaint.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A field of `ota.toml` holds a bad value.
    #[error("{field}")]
    OtaTomlField {
        /// The field, e.g. `[package] compress` or `[[image]] hcpu format`.
        field: String,
        /// What is wrong with its value.
        #[source]
        source: Box<PackError>,
    },
    /// `ota.toml` (the file) is wrong.
    #[error("in {}", path.display())]
    InConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong in it.
        #[source]
        source: Box<PackError>,
    },
    /// `ota.toml` lists no image.
    #[error("no [[image]] entries: a package needs at least one image")]
    NoImages,
    /// Two images have the same id.
    #[error(
        "image id {id} ({}) appears twice: {} and {}; a package holds each image id once",
        id.0,
        first.display(),
        second.display()
    )]
    DuplicateId {
        /// The id.
        id: ImageId,
        /// The first image with it.
        first: PathBuf,
        /// The second one.
        second: PathBuf,
    },
    /// An input file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A raw input is an OTA package.
    #[error(
        "{}: this is an OTA package (offline_install.bin), not an image; give the ELF or raw \
         image of image {id} (or format bin / :bin to pack these bytes as they are)",
        path.display()
    )]
    IsPackage {
        /// The file.
        path: PathBuf,
        /// The image id it was given for.
        id: ImageId,
    },
    /// An input that must be an ELF is not one.
    #[error(
        "{}: not an ELF file (no \\x7fELF magic at offset 0x00000000){lfs_hint}; a raw image \
         must not be named *.elf, or give format bin (ota.toml) / ID:bin=PATH (--image)",
        path.display()
    )]
    NotElf {
        /// The file.
        path: PathBuf,
        /// Whether it is a Git LFS pointer, as a hint (empty if not).
        lfs_hint: &'static str,
    },
    /// An ELF could not be read or converted.
    #[error("{}", path.display())]
    Elf {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: elf2bin::Error,
    },
    /// A raw image file is larger than its region (known from its size).
    #[error(
        "image {id} ({}) is {len} bytes but its region {region} ({start:#010x} to {end:#010x}) \
         holds {size} bytes: {} bytes too many (refused from the file size, before reading it)",
        path.display(),
        len - size
    )]
    RawTooLarge {
        /// The image id.
        id: ImageId,
        /// The file.
        path: PathBuf,
        /// Its size.
        len: u64,
        /// The region's name.
        region: String,
        /// The region's first address.
        start: u64,
        /// The region's end address.
        end: u64,
        /// The region's size.
        size: u64,
    },
    /// No byte of an ELF lies in its image's region.
    #[error(
        "{}: no bytes of this ELF lie in region {region} ({lo:#010x} to {hi:#010x}), the \
         destination of image {id}; its load addresses span {start:#010x} to {end:#010x} \
         (wrong ELF for this image id, or wrong layout?)",
        path.display()
    )]
    NoBytesInRegion {
        /// The ELF.
        path: PathBuf,
        /// The region's name.
        region: String,
        /// The region's first link address.
        lo: u64,
        /// The region's end link address.
        hi: u64,
        /// The image id.
        id: ImageId,
        /// The ELF's first load address.
        start: u64,
        /// The ELF's end load address.
        end: u64,
    },
    /// An ELF segment lies partly in its image's region.
    #[error(
        "{}: segment {segment} ({start:#010x} to {end:#010x}) straddles the edge of region \
         {region} ({lo:#010x} to {hi:#010x}), the destination of image {id}",
        path.display()
    )]
    StraddlesRegion {
        /// The ELF.
        path: PathBuf,
        /// The segment's index.
        segment: usize,
        /// The segment's first address.
        start: u64,
        /// The segment's end address.
        end: u64,
        /// The region's name.
        region: String,
        /// The region's first link address.
        lo: u64,
        /// The region's end link address.
        hi: u64,
        /// The image id.
        id: ImageId,
    },
    /// An image has no bytes.
    #[error(
        "image {id} ({}) is empty: the device cannot install 0 bytes",
        path.display()
    )]
    EmptyImage {
        /// The image id.
        id: ImageId,
        /// Its source.
        path: PathBuf,
    },
    /// An image's payload could not be built.
    #[error("image {id} ({})", path.display())]
    Payload {
        /// The image id.
        id: ImageId,
        /// Its source.
        path: PathBuf,
        /// Why.
        #[source]
        source: package::PayloadError,
    },
    /// A device rule the package breaks ([`package::rules`]: region fit, download fit with
    /// or without the signature trailer, installable id, NAND pksize), the same rule `verify`
    /// applies; `hint` says what fixes it. Match on `rule` to tell "image too big for its
    /// region" (`RuleBreak::RegionFit`) from the rest.
    #[error("{rule}{hint}")]
    Rule {
        /// The rule and its numbers (part of the sentence).
        rule: RuleBreak,
        /// What to change, appended to the message (may be empty).
        hint: String,
    },
    /// The installer would need more heap than allowed.
    #[error(
        "{reason}; use --pksize 65536 or less, or --allow-large-pksize if the installer has \
         that heap free"
    )]
    Heap {
        /// The package crate's finding (part of the sentence).
        reason: package::PackageError,
    },
    /// The trailer (signature) could not be appended.
    #[error("cannot sign the package")]
    Sign {
        /// Why.
        #[source]
        source: package::trailer::TrailerError,
    },
}

impl PackError {
    /// A broken device rule with `hint` appended to its message.
    pub fn rule(rule: RuleBreak, hint: &str) -> Self {
        PackError::Rule {
            rule,
            hint: hint.to_string(),
        }
    }
}
