//! What opening a token needs besides the URI: the module and the user PIN.

use std::fmt;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// A token user PIN. Its `Debug` shows no digit of it; it is wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// The PIN from the contents of a PIN file or variable: one trailing line break (as
    /// `echo` writes it) is not part of the PIN.
    pub fn new(text: &str) -> Self {
        let t = text.strip_suffix('\n').unwrap_or(text);
        let t = t.strip_suffix('\r').unwrap_or(t);
        Pin(Zeroizing::new(t.to_owned()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(..)")
    }
}

/// The PKCS#11 module to load and the PIN to log in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAccess {
    /// The module (shared library), e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// The user PIN; `None` for a token that needs no login (or to read public keys only).
    pub pin: Option<Pin>,
}

/// A key in a token: the URI that names it and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    /// Which token and which key.
    pub uri: sign::Pkcs11Uri,
    /// Module and PIN.
    pub access: TokenAccess,
}
