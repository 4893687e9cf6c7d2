//! Errors of the `sign` crate. None of them carries key material.

use std::path::PathBuf;

/// What went wrong while handling keys or signatures.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The OS random number generator failed.
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
    /// A PEM text is not a key of the expected kind.
    #[error("{what}: not an ed25519 {expected} in PEM form ({reason})")]
    BadPem {
        /// Where the text came from (a path or `env:NAME`).
        what: String,
        /// "private key (PKCS#8)" or "public key (SubjectPublicKeyInfo)".
        expected: &'static str,
        /// The decoder's reason (never the key text).
        reason: String,
    },
    /// A raw public key or signature has the wrong length.
    #[error("{what}: expected {expected} bytes, found {found}")]
    BadLength {
        /// Which value.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// 32 bytes that are not a valid ed25519 public key.
    #[error("not a valid ed25519 public key")]
    BadPublicKey,
    /// A signature does not verify under the given public key.
    #[error("signature does not verify with public key {key_id}")]
    BadSignature {
        /// Hex key id of the public key used.
        key_id: String,
    },
    /// Encoding a key to PEM failed.
    #[error("cannot encode the key as PEM: {0}")]
    Encode(String),
    /// Reading a key file failed.
    #[error("cannot read key file {path}: {source}")]
    ReadKey {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The environment variable named by `env:NAME` is unset or not Unicode.
    #[error("environment variable {name} is not set (or not valid UTF-8); it should hold the PEM text of the key")]
    EnvUnset {
        /// The variable name.
        name: String,
    },
    /// `env:` with no variable name.
    #[error("key source {0:?}: expected env:NAME with a variable name")]
    BadSource(String),
    /// The external signing command could not be run.
    #[error("cannot run signing command `{command}`: {source}")]
    CommandSpawn {
        /// The command line.
        command: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The external signing command exited unsuccessfully.
    #[error("signing command `{command}` failed with {status}")]
    CommandFailed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
    },
    /// The external signing command printed something other than a 64-byte signature.
    #[error("signing command `{command}` wrote {found} bytes on stdout, expected exactly a {expected}-byte raw ed25519 signature")]
    CommandOutput {
        /// The command line.
        command: String,
        /// Bytes expected.
        expected: usize,
        /// Bytes received.
        found: usize,
    },
    /// An encrypted private key and no passphrase.
    #[error("key {what} is encrypted: give --passphrase-file or IMGTOOL_KEY_PASSPHRASE")]
    Encrypted {
        /// The key (a path or `env:NAME`).
        what: String,
    },
    /// The passphrase does not decrypt the key.
    #[error("wrong passphrase for {what}")]
    WrongPassphrase {
        /// The key (a path or `env:NAME`).
        what: String,
    },
    /// A key encrypted with OpenSSL's legacy PEM encryption (`Proc-Type: 4,ENCRYPTED`).
    #[error(
        "key {what} uses OpenSSL's legacy PEM encryption (Proc-Type: 4,ENCRYPTED), which imgtool \
         does not read; convert it to encrypted PKCS#8 with \
         `openssl pkcs8 -topk8 -v2 aes-256-cbc -in {what} -out NEW.pem`"
    )]
    LegacyEncrypted {
        /// The key (a path or `env:NAME`).
        what: String,
    },
    /// An encrypted PKCS#8 key whose scheme imgtool does not implement (PBES1, SHA-1, DES).
    #[error(
        "key {what} is encrypted with a scheme imgtool does not read ({scheme}); re-encrypt it \
         with `openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -in {what} -out NEW.pem`"
    )]
    UnsupportedEncryption {
        /// The key (a path or `env:NAME`).
        what: String,
        /// The decoder's description of the scheme (an algorithm OID).
        scheme: String,
    },
    /// An empty passphrase (file or variable).
    #[error("the passphrase from {what} is empty")]
    EmptyPassphrase {
        /// Where it came from (`--passphrase-file FILE` or the variable's name).
        what: String,
    },
    /// A `pkcs11:` URI that cannot be used.
    #[error("PKCS#11 URI {uri}: {reason}")]
    BadPkcs11Uri {
        /// The URI (never one with a PIN in it).
        uri: String,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// A `pkcs11:` key given where only key files are read (the token is opened by the `hsm`
    /// crate, with a module and a PIN).
    #[error(
        "{uri} is a key in a PKCS#11 token, not a key file; it is opened with a module and a PIN"
    )]
    TokenKey {
        /// The URI.
        uri: String,
    },
    /// A signer other than a key in memory (an HSM token) failed.
    #[error("the signer failed")]
    Signer(#[source] Box<dyn std::error::Error + Send + Sync>),
}
