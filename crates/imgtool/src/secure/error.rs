//! The one error type of the secure flow's API. Messages state the numbers and the fix; a
//! cause from another crate or the OS keeps its own message and chain.

use std::path::PathBuf;

/// `Result` with [`SecureFlowError`].
pub type Result<T, E = SecureFlowError> = std::result::Result<T, E>;

fn hex(bytes: &[u8]) -> String {
    secure::record::hex(bytes)
}

/// Why a secure build could not be planned or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecureFlowError {
    /// A key could not be read or used, or the images break a format rule.
    #[error(transparent)]
    Secure(#[from] secure::SecureError),
    /// The signing key in a PKCS#11 token could not be opened or used.
    #[error(transparent)]
    Token(#[from] hsm::HsmError),
    /// The device's DFU code would reject the control packet ([`secure::rules`]).
    #[error(transparent)]
    DeviceRule(#[from] secure::rules::DeviceRule),
    /// Reading an input or writing an output failed (bounds, protected files, I/O).
    #[error(transparent)]
    File(#[from] fsio::Error),
    /// The images could not be planned (the `pack` step before the secure one).
    #[error(transparent)]
    Pack(#[from] crate::pack::PackError),
    /// An `ota.toml` is not UTF-8 text.
    #[error("{} is not UTF-8", path.display())]
    OtaTomlUtf8 {
        /// The file.
        path: PathBuf,
        /// Where the text breaks.
        #[source]
        source: std::string::FromUtf8Error,
    },
    /// The `[secure]` table of an `ota.toml` is not what the secure flow reads.
    #[error("{}: [secure]", path.display())]
    OtaToml {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// The signing key's `<sigkey>_hash.bin` does not start with the nonce hash given.
    #[error(
        "{}: does not start with the nonce hash of --nonce-hash {} ({}...); the vendor \
         packer would take its AES-CTR nonce from {0}: make the two files agree",
        sig_hash.display(),
        nonce_hash.display(),
        hex(expected)
    )]
    SigHashNonceMismatch {
        /// The `<sigkey>_hash.bin` file.
        sig_hash: PathBuf,
        /// The `--nonce-hash` file.
        nonce_hash: PathBuf,
        /// The first 8 bytes the hash file should start with.
        expected: [u8; 8],
    },
    /// `<sigkey>_hash.bin` does not start with the SHA-256 of the signing key's public DER.
    #[error(
        "{}: does not start with the SHA-256 of the signing key's public DER ({}...); the \
         vendor packer takes its AES-CTR nonce from this file, the device from its efuse: \
         regenerate it (imgtool getpub KEY --dumpsig STEM), or, for a chip with an \
         unprogrammed efuse and this key in its flash table, give --nonce-hash {0}",
        sig_hash.display(),
        hex(expected)
    )]
    SigHashMismatch {
        /// The `<sigkey>_hash.bin` file.
        sig_hash: PathBuf,
        /// The first 8 bytes the hash file should start with.
        expected: [u8; 8],
    },
}
