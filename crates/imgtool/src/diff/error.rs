//! Why a diff could not be made.

use std::path::PathBuf;

/// Why `imgtool diff` could not read a side or compare the two (exit 2, never "different").
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// A file could not be read (missing, too large, ...).
    #[error(transparent)]
    Read(#[from] fsio::Error),
    /// A file is not an offline package v2.
    #[error("{}: not an offline package v2", path.display())]
    NotAPackage {
        /// The file.
        path: PathBuf,
        /// What the reader found.
        #[source]
        source: package::PackageError,
    },
    /// A file is one secure artifact, not a whole set.
    #[error("{}: a secure DFU file ({what}); give the directory of the secure output set (with --root-key and --sig-pub) to compare sets", path.display())]
    SecureArtifact {
        /// The file.
        path: PathBuf,
        /// Which artifact it is.
        what: &'static str,
    },
    /// The bytes after the last payload are no valid signature trailer.
    #[error("{}: malformed signature trailer", path.display())]
    Trailer {
        /// The package.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: package::trailer::TrailerError,
    },
    /// A payload does not decode to what the device would install.
    #[error("{}: image {index} (id {image_id}, payload at {offset:#010x}) does not decode", path.display())]
    Payload {
        /// The package.
        path: PathBuf,
        /// Table index.
        index: usize,
        /// Image id.
        image_id: u8,
        /// Offset of the payload in the package.
        offset: usize,
        /// What the decoder found.
        #[source]
        source: package::PayloadError,
    },
    /// The two sides are not of one kind.
    #[error("cannot compare {a} with {b}: give two packages or two secure output sets")]
    MixedKinds {
        /// What A is.
        a: &'static str,
        /// What B is.
        b: &'static str,
    },
    /// A secure output set was given without its keys.
    #[error("{}: a secure output set is encrypted and RSA-signed: give --root-key KEY.bin and --sig-pub PUB", dir.display())]
    KeysNeeded {
        /// The directory.
        dir: PathBuf,
    },
    /// A directory without `ctrl_packet.bin`.
    #[error("{}: a directory without ctrl_packet.bin is no secure output set", dir.display())]
    NotASecureSet {
        /// The directory.
        dir: PathBuf,
    },
    /// The directory could not be listed.
    #[error("{}: cannot list the directory", dir.display())]
    ReadDir {
        /// The directory.
        dir: PathBuf,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// The control packet could not be opened.
    #[error("{}: cannot open the control packet", path.display())]
    Secure {
        /// `ctrl_packet.bin`.
        path: PathBuf,
        /// What the secure reader found.
        #[source]
        source: secure::SecureError,
    },
    /// The control packet opened but a hash or signature does not hold.
    #[error("{}: does not verify with the given keys (wrong --root-key or --sig-pub?): {failures}", path.display())]
    DoesNotVerify {
        /// `ctrl_packet.bin`.
        path: PathBuf,
        /// Every failed check, joined.
        failures: String,
    },
    /// No record file of the directory opens as an image entry's records.
    #[error("{}: no record file (out*.bin / enc*.bin) holds image id {img_id} (flag {flag}) of ctrl_packet.bin with a valid signature", dir.display())]
    NoRecordFile {
        /// The directory.
        dir: PathBuf,
        /// The entry's image id.
        img_id: u8,
        /// The entry's flag.
        flag: u16,
    },
    /// A compressed image's record plaintext does not decode.
    #[error("{}: image id {img_id}: the compressed image does not decode", path.display())]
    SecurePayload {
        /// The record file.
        path: PathBuf,
        /// Image id.
        img_id: u8,
        /// What the decoder found.
        #[source]
        source: ezip::Error,
    },
    /// The set's `manifest.json` is no JSON.
    #[error("{}: not valid JSON", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
}
