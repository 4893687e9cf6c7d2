//! Errors of the `hsm` crate. Each names the module, token or key it concerns and what was
//! expected; none carries the PIN.

use std::path::PathBuf;

/// Why a token key could not be opened or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HsmError {
    /// The module could not be loaded, or is not a PKCS#11 module.
    #[error(
        "{}: cannot load it as a PKCS#11 module (expected a shared library exporting \
         C_GetFunctionList, e.g. /usr/lib/softhsm/libsofthsm2.so)",
        module.display()
    )]
    Module {
        /// The module path.
        module: PathBuf,
        /// The loader's error.
        #[source]
        source: cryptoki::error::Error,
    },
    /// A PKCS#11 call failed where no more specific error applies.
    #[error("PKCS#11 module {}: {op} failed", module.display())]
    Call {
        /// The module path.
        module: PathBuf,
        /// What was being done.
        op: &'static str,
        /// The module's return value.
        #[source]
        source: cryptoki::error::Error,
    },
    /// No initialised token matches the URI.
    #[error(
        "no initialised token matches {uri} in PKCS#11 module {}; tokens there: {found} \
         (initialise one with e.g. softhsm2-util --init-token --free --label LABEL)",
        module.display()
    )]
    NoToken {
        /// The URI.
        uri: String,
        /// The module path.
        module: PathBuf,
        /// The tokens the module has.
        found: String,
    },
    /// Several tokens match the URI.
    #[error(
        "{count} tokens match {uri} in PKCS#11 module {} ({found}); name one with token=LABEL \
         or serial=",
        module.display()
    )]
    AmbiguousToken {
        /// The URI.
        uri: String,
        /// The module path.
        module: PathBuf,
        /// How many match.
        count: usize,
        /// The matching tokens.
        found: String,
    },
    /// The token needs a login and no PIN was given.
    #[error(
        "token {token:?} needs the user PIN to sign: give --pin-file FILE or set \
         IMGTOOL_PKCS11_PIN"
    )]
    PinNeeded {
        /// The token label.
        token: String,
    },
    /// Logging in failed (wrong PIN, locked PIN).
    #[error("token {token:?}: login with the user PIN failed (wrong PIN, or the PIN is locked)")]
    Login {
        /// The token label.
        token: String,
        /// The module's return value.
        #[source]
        source: cryptoki::error::Error,
    },
    /// No private key in the token matches the URI.
    #[error(
        "token {token:?} has no {what} {object} (list its objects with e.g. \
         pkcs11-tool --module MODULE --list-objects --login)"
    )]
    NoObject {
        /// The token label.
        token: String,
        /// The URI's object/id.
        object: String,
        /// "private key" or "key".
        what: &'static str,
    },
    /// Several private keys match the URI.
    #[error(
        "token {token:?} has {count} private keys matching {object}; name one with object= and id="
    )]
    AmbiguousObject {
        /// The token label.
        token: String,
        /// The URI's object/id.
        object: String,
        /// How many match.
        count: usize,
    },
    /// The key is not of the type or size the command signs with.
    #[error("token {token:?}, key {object}: {found}, expected {expected}")]
    WrongKey {
        /// The token label.
        token: String,
        /// The URI's object/id.
        object: String,
        /// What the command signs with.
        expected: &'static str,
        /// What the key is.
        found: String,
    },
    /// The public half could not be read from the token.
    #[error("token {token:?}, key {object}: {reason}")]
    PublicKey {
        /// The token label.
        token: String,
        /// The URI's object/id.
        object: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// The token refused to sign.
    #[error("token {token:?}, key {object}: signing failed")]
    Sign {
        /// The token label.
        token: String,
        /// The URI's object/id.
        object: String,
        /// The module's return value.
        #[source]
        source: cryptoki::error::Error,
    },
}
