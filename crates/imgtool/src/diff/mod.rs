//! What changed between two packages: `imgtool diff` as a library.
//!
//! Two steps, each a value:
//! 1. a [`Snapshot`] of each side, read strictly through the format readers: an offline
//!    package v2 with [`read_package`] (crate `package`'s reader, its signature trailer and
//!    manifest), or a secure output set (the directory `pack --secure` or `gen-dfu
//!    --offline_img=0` writes) with [`read_secure_set`] (its control packet and record files
//!    opened with the keys, through crate `secure`, as `verify` does);
//! 2. [`compare`]: a [`Diff`] of the two, which tests compare and the CLI only prints (as
//!    text, or as the JSON of [`Diff`]'s `Serialize`, schema in docs/cli.md).
//!
//! Images are matched by image id and judged by the SHA-256 of the bytes the device installs
//! (after decryption and decompression): added, removed, changed or the same. Everything else
//! is a [`FieldDiff`] with a [`Category`]: header fields, the payload encoding of an image
//! whose installed bytes did not change, its codec and pksize, versions, the signature key.

mod error;
mod package_side;
mod secure_side;

pub use error::DiffError;
pub use package_side::read_package;
pub use secure_side::read_secure_set;

use serde::Serialize;
use std::path::Path;

/// The keys that open a secure output set.
#[derive(Debug, Clone, Copy)]
pub struct SetKeys<'a> {
    /// Decrypts the control packet.
    pub root: &'a secure::RootKey,
    /// Checks the signatures; its public key's hash gives the AES-CTR nonce.
    pub verifier: &'a secure::VerifyingKey,
}

/// Reads one side: a directory is a secure output set (opened with `keys`), a file an
/// offline package v2 (a single secure DFU file is refused with a hint).
pub fn read(path: &Path, keys: Option<SetKeys<'_>>) -> Result<Snapshot, DiffError> {
    if path.is_dir() {
        let Some(k) = keys else {
            return Err(DiffError::KeysNeeded {
                dir: path.to_path_buf(),
            });
        };
        return read_secure_set(path, k.root, k.verifier);
    }
    let bytes = fsio::input::read_bounded(path, fsio::input::Limit::PACKAGE)?;
    match read_package(path, &bytes) {
        // Not a package: say so, unless it is one file of a secure set (a hint then).
        Err(DiffError::NotAPackage { .. }) if crate::secure::detect(&bytes, false).is_some() => {
            let what = match crate::secure::detect(&bytes, false) {
                Some(crate::secure::ArtifactKind::Ftab) => "a flash table",
                Some(crate::secure::ArtifactKind::OfflineV1) => "an offline package v1",
                _ => "a control packet",
            };
            Err(DiffError::SecureArtifact {
                path: path.to_path_buf(),
                what,
            })
        }
        r => r,
    }
}

/// Version of the JSON schema of [`Diff`] (docs/cli.md); raised on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// What kind of thing a side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An offline package v2 (`offline_install.bin`).
    Package,
    /// A secure output set: `ctrl_packet.bin` and its record files in one directory.
    SecureSet,
}

impl Kind {
    /// How messages name it.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Package => "an offline package v2",
            Kind::SecureSet => "a secure output set",
        }
    }
}

/// What a field is about, so a reader can tell a re-signing from a version bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// A header field of the package or control packet (counts, CRC, flags, lengths).
    Header,
    /// The stored bytes of an image (the same installed bytes, encoded differently).
    Encoding,
    /// The packet codec of a compressed image (gzip, zlib, lz4).
    Codec,
    /// The chunk size of a compressed image.
    Pksize,
    /// A version or build id.
    Version,
    /// The signature: its presence, the key id or public key.
    Signature,
    /// Other manifest fields (tool, layout, source file names).
    Manifest,
    /// The files differ in a byte no other field covers.
    File,
}

impl Category {
    /// Its name in the text output and the JSON (`header`, `encoding`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Category::Header => "header",
            Category::Encoding => "encoding",
            Category::Codec => "codec",
            Category::Pksize => "pksize",
            Category::Version => "version",
            Category::Signature => "signature",
            Category::Manifest => "manifest",
            Category::File => "file",
        }
    }
}

/// One named value of a side; `None` when the side does not have it (an unsigned package's
/// key id, a version not given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its name, e.g. `crc`, `manifest.version`, `signature.key_id`.
    pub name: &'static str,
    /// What it is about.
    pub category: Category,
    /// Its value as text (numbers in decimal, hashes and CRCs in hex).
    pub value: Option<String>,
}

impl Field {
    /// A field with a value.
    pub fn new(name: &'static str, category: Category, value: impl ToString) -> Self {
        Self {
            name,
            category,
            value: Some(value.to_string()),
        }
    }

    /// A field that may be absent.
    pub fn maybe(name: &'static str, category: Category, value: Option<impl ToString>) -> Self {
        Self {
            name,
            category,
            value: value.map(|v| v.to_string()),
        }
    }
}

/// One image of a side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotImage {
    /// Image id.
    pub id: u8,
    /// Its name: the image id's name, or the secure set's file stem.
    pub name: String,
    /// What the device installs.
    pub installed: Installed,
    /// Its other fields (flag, payload hash and size, codec, pksize).
    pub fields: Vec<Field>,
}

/// The bytes the device installs for an image, by hash and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Installed {
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Length in bytes.
    pub size: u64,
}

impl Installed {
    /// The hash and size of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self {
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        }
    }
}

/// One side of a diff, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// What it is.
    pub kind: Kind,
    /// Fields of the whole package or set.
    pub fields: Vec<Field>,
    /// Its images, in table order.
    pub images: Vec<SnapshotImage>,
    /// SHA-256 of the whole file (a package): two files that differ only in bytes no field
    /// covers still compare different. `None` for a secure set, whose records change with
    /// every random session key.
    pub file_sha256: Option<String>,
}

/// How an image changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    /// In both, other installed bytes.
    Changed,
    /// In both, the same installed bytes (its encoding may still differ: see the fields).
    Same,
}

/// One image in the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageDiff {
    /// Image id.
    pub id: u8,
    /// Its name (B's when in both).
    pub name: String,
    /// What happened to it.
    pub change: Change,
    /// The installed bytes in A (`None`: added).
    pub a: Option<Installed>,
    /// The installed bytes in B (`None`: removed).
    pub b: Option<Installed>,
}

/// A field whose value differs between A and B.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDiff {
    /// The image it belongs to (`None`: the whole package or set).
    pub image: Option<u8>,
    /// The field's name.
    pub field: &'static str,
    /// What it is about.
    pub category: Category,
    /// The value in A.
    pub a: Option<String>,
    /// The value in B.
    pub b: Option<String>,
}

/// What changed from A to B. Its JSON (`imgtool diff --json`) is the stable schema of
/// docs/cli.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// What both sides are.
    pub kind: Kind,
    /// True when nothing differs.
    pub identical: bool,
    /// Every image of either side, A's order first, then those only in B.
    pub images: Vec<ImageDiff>,
    /// Every field that differs: the whole package's first, then per image.
    pub fields: Vec<FieldDiff>,
}

impl Diff {
    /// The images that are not [`Change::Same`].
    pub fn changed_images(&self) -> impl Iterator<Item = &ImageDiff> {
        self.images.iter().filter(|i| i.change != Change::Same)
    }
}

/// Compares two sides of the same kind.
pub fn compare(a: &Snapshot, b: &Snapshot) -> Result<Diff, DiffError> {
    if a.kind != b.kind {
        return Err(DiffError::MixedKinds {
            a: a.kind.describe(),
            b: b.kind.describe(),
        });
    }
    let mut fields = field_diffs(None, &a.fields, &b.fields);
    let mut images = Vec::new();
    let pairs = pair_images(&a.images, &b.images);
    for (x, y) in &pairs {
        let d = image_diff((*x, *y));
        if let (Some(x), Some(y)) = (x, y) {
            let mut f = field_diffs(Some(x.id), &x.fields, &y.fields);
            // Other installed bytes are stored as other bytes: only an unchanged image's
            // encoding is news.
            if d.change == Change::Changed {
                f.retain(|f| f.category != Category::Encoding);
            }
            fields.extend(f);
        }
        images.push(d);
    }
    let nothing_else = fields.is_empty() && images.iter().all(|i| i.change == Change::Same);
    if nothing_else && a.file_sha256 != b.file_sha256 {
        fields.push(FieldDiff {
            image: None,
            field: "file.sha256",
            category: Category::File,
            a: a.file_sha256.clone(),
            b: b.file_sha256.clone(),
        });
    }
    let identical = fields.is_empty() && images.iter().all(|i| i.change == Change::Same);
    Ok(Diff {
        schema: SCHEMA_VERSION,
        kind: a.kind,
        identical,
        images,
        fields,
    })
}

type Pair<'a> = (Option<&'a SnapshotImage>, Option<&'a SnapshotImage>);

/// Pairs images by id: the n-th image of an id in A with the n-th of that id in B (a package
/// may repeat an id; `verify` reports that). A's order first, then B's leftovers.
fn pair_images<'a>(a: &'a [SnapshotImage], b: &'a [SnapshotImage]) -> Vec<Pair<'a>> {
    let mut taken = vec![false; b.len()];
    let mut out = Vec::new();
    for x in a {
        let y = b
            .iter()
            .enumerate()
            .find(|(i, y)| !taken[*i] && y.id == x.id);
        if let Some((i, _)) = y {
            taken[i] = true;
        }
        out.push((Some(x), y.map(|(_, y)| y)));
    }
    let rest = b.iter().zip(&taken).filter(|(_, t)| !**t);
    out.extend(rest.map(|(y, _)| (None, Some(y))));
    out
}

fn image_diff((x, y): Pair<'_>) -> ImageDiff {
    let change = match (x, y) {
        (Some(x), Some(y)) if x.installed == y.installed => Change::Same,
        (Some(_), Some(_)) => Change::Changed,
        (Some(_), None) => Change::Removed,
        _ => Change::Added,
    };
    let named = y.or(x).expect("a pair has at least one side");
    ImageDiff {
        id: named.id,
        name: named.name.clone(),
        change,
        a: x.map(|i| i.installed.clone()),
        b: y.map(|i| i.installed.clone()),
    }
}

/// The fields whose values differ, by name; a field only one side has counts as absent on
/// the other.
fn field_diffs(image: Option<u8>, a: &[Field], b: &[Field]) -> Vec<FieldDiff> {
    let mut names: Vec<&Field> = a.iter().collect();
    names.extend(b.iter().filter(|f| !a.iter().any(|x| x.name == f.name)));
    let value = |side: &[Field], name| {
        side.iter()
            .find(|f| f.name == name)
            .and_then(|f| f.value.clone())
    };
    names
        .into_iter()
        .filter_map(|f| {
            let (va, vb) = (value(a, f.name), value(b, f.name));
            (va != vb).then_some(FieldDiff {
                image,
                field: f.name,
                category: f.category,
                a: va,
                b: vb,
            })
        })
        .collect()
}

/// Lower-case hex SHA-256.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    secure::record::hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(id: u8, installed: &[u8], payload: &str) -> SnapshotImage {
        SnapshotImage {
            id,
            name: format!("img{id}"),
            installed: Installed::of(installed),
            fields: vec![
                Field::new("payload_sha256", Category::Encoding, payload),
                Field::new("codec", Category::Codec, "gzip"),
            ],
        }
    }

    fn package(images: Vec<SnapshotImage>, file: &str) -> Snapshot {
        Snapshot {
            kind: Kind::Package,
            fields: vec![Field::new("crc", Category::Header, "0x1")],
            images,
            file_sha256: Some(file.into()),
        }
    }

    #[test]
    fn a_repeated_id_pairs_in_order_and_the_extra_one_is_added() {
        let a = package(vec![image(0, b"x", "p"), image(0, b"y", "q")], "f");
        let b = package(
            vec![
                image(0, b"x", "p"),
                image(0, b"y", "q"),
                image(0, b"z", "r"),
            ],
            "g",
        );
        let d = compare(&a, &b).unwrap();
        let c: Vec<_> = d.images.iter().map(|i| i.change).collect();
        assert_eq!(c, [Change::Same, Change::Same, Change::Added]);
        assert!(!d.identical);
    }

    #[test]
    fn a_changed_image_reports_no_encoding_fields_but_a_same_one_does() {
        let a = package(vec![image(0, b"x", "p"), image(6, b"y", "q")], "f");
        let b = package(vec![image(0, b"X", "P"), image(6, b"y", "Q")], "g");
        let d = compare(&a, &b).unwrap();
        let f: Vec<_> = d.fields.iter().map(|f| (f.image, f.field)).collect();
        assert_eq!(f, [(Some(6), "payload_sha256")]);
    }

    #[test]
    fn files_that_differ_in_no_field_still_differ() {
        let a = package(vec![image(0, b"x", "p")], "f");
        let b = package(vec![image(0, b"x", "p")], "g");
        let d = compare(&a, &b).unwrap();
        assert!(!d.identical);
        assert_eq!(d.fields[0].field, "file.sha256");
        assert_eq!(d.fields[0].category, Category::File);
        assert!(compare(&a, &a).unwrap().identical);
    }

    #[test]
    fn a_package_and_a_secure_set_do_not_compare() {
        let a = package(vec![], "f");
        let mut b = a.clone();
        b.kind = Kind::SecureSet;
        let e = compare(&a, &b).unwrap_err();
        assert!(matches!(e, DiffError::MixedKinds { .. }), "{e}");
    }

    #[test]
    fn category_names_are_their_json_names() {
        use Category::*;
        for c in [
            Header, Encoding, Codec, Pksize, Version, Signature, Manifest, File,
        ] {
            assert_eq!(serde_json::to_value(c).unwrap(), c.name());
        }
    }

    #[test]
    fn a_field_only_one_side_has_is_absent_on_the_other() {
        let a = package(vec![], "f");
        let mut b = a.clone();
        b.fields.push(Field::maybe(
            "manifest.version",
            Category::Version,
            Some("2"),
        ));
        let d = compare(&a, &b).unwrap();
        assert_eq!(d.fields[0].a, None);
        assert_eq!(d.fields[0].b.as_deref(), Some("2"));
    }
}
