//! Errors of the `secure` crate. None of them carries key material.

/// What went wrong while reading keys or building/reading secure DFU artifacts.
#[derive(Debug, thiserror::Error)]
pub enum SecureError {
    /// The OS random number generator failed.
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
    /// A raw key file (root key, UID, session key) has the wrong size.
    #[error("{what} {file}: expected {expected} bytes (a raw {kind}), found {found}")]
    KeyLength {
        /// Which key ("root key", "UID", "session key").
        what: &'static str,
        /// The file (or other source) it came from.
        file: String,
        /// What kind of file that is, e.g. "AES-256 key".
        kind: &'static str,
        /// Expected length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A PEM/DER text is not a key of the expected kind; `reason` says what it is instead.
    #[error("{file}: {reason}")]
    BadKey {
        /// The file it came from.
        file: String,
        /// What is wrong, e.g. "PEM label says PKCS#1 ... but the contents are PKCS#8".
        reason: String,
    },
    /// A key of another algorithm (e.g. an imgtool ed25519 key) where RSA-2048 is needed.
    #[error(
        "{file}: this is an {algorithm} key; the vendor's secure DFU needs an RSA-2048 key \
         (imgtool keygen --type rsa2048, or the SDK's sig_pri.pem)"
    )]
    NotRsa {
        /// The file.
        file: String,
        /// The algorithm found ("ed25519", or an OID).
        algorithm: String,
    },
    /// An RSA key that is not 2048-bit (the device's signature field is 256 bytes and its
    /// public key field 294 bytes).
    #[error("{file}: RSA key is {bits}-bit; the device only accepts RSA-2048")]
    RsaBits {
        /// The file.
        file: String,
        /// The key size found.
        bits: usize,
    },
    /// Encoding a key failed.
    #[error("cannot encode the key: {0}")]
    Encode(String),
    /// RSA signing failed.
    #[error("RSA signing failed: {0}")]
    Sign(String),
    /// A set of images or parameters the device would reject.
    #[error("{0}")]
    Refused(String),
    /// A combination the device's DFU code rejects (see [`crate::rules`]).
    #[error("{0}")]
    Device(#[from] crate::rules::DeviceRule),
    /// A file is too short or its size does not fit the format.
    #[error("{what}: {reason}")]
    Malformed {
        /// Which artifact ("control packet", "record file", ...).
        what: String,
        /// What is wrong, with offsets.
        reason: String,
    },
}

/// Shorthand for the crate's results.
pub type Result<T> = std::result::Result<T, SecureError>;

pub(crate) fn refused(msg: impl Into<String>) -> SecureError {
    SecureError::Refused(msg.into())
}

pub(crate) fn malformed(what: impl Into<String>, reason: impl Into<String>) -> SecureError {
    SecureError::Malformed {
        what: what.into(),
        reason: reason.into(),
    }
}
