//! Where a private key comes from: a PEM file, an environment variable holding the PEM text
//! (`env:NAME`, for CI secrets), or a key in a PKCS#11 token (`pkcs11:` URI). [`KeySource::parse`]
//! is the one parser of such a key spec, for every scheme and command.

use crate::{Pkcs11Uri, PrivateKey, SignError};
use std::fmt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A private key source as written on the command line or in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A PKCS#8 PEM file.
    File(PathBuf),
    /// An environment variable holding the PEM text (`env:NAME`).
    Env(String),
    /// A private key object in a PKCS#11 token (RFC 7512 `pkcs11:` URI).
    Pkcs11(Pkcs11Uri),
}

impl KeySource {
    /// Parses `env:NAME`, a `pkcs11:` URI or a path.
    pub fn parse(s: &str) -> Result<Self, SignError> {
        if s.starts_with(crate::pkcs11_uri::SCHEME) {
            return Pkcs11Uri::parse(s).map(KeySource::Pkcs11);
        }
        match s.strip_prefix("env:") {
            Some("") => Err(SignError::BadSource(s.to_owned())),
            Some(name) => Ok(KeySource::Env(name.to_owned())),
            None => Ok(KeySource::File(PathBuf::from(s))),
        }
    }
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::File(p) => write!(f, "{}", p.display()),
            KeySource::Env(n) => write!(f, "env:{n}"),
            KeySource::Pkcs11(u) => write!(f, "{u}"),
        }
    }
}

/// Something the caller should tell the user about a key that was loaded anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyWarning {
    /// The private key file can be read by its group or by others.
    Permissive {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
}

impl fmt::Display for KeyWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyWarning::Permissive { path, mode } => write!(
                f,
                "private key file {} is accessible by group or others (mode {:04o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o7777,
                path.display()
            ),
        }
    }
}

/// A loaded private key and the warnings found while loading it.
#[derive(Debug)]
pub struct LoadedKey {
    /// The key.
    pub key: PrivateKey,
    /// Warnings for the user (the library never prints).
    pub warnings: Vec<KeyWarning>,
}

/// Loads a private key from a file or an environment variable.
pub fn load_private_key(source: &KeySource) -> Result<LoadedKey, SignError> {
    load_private_key_with(source, |p: &Path| std::fs::read(p))
}

/// Like [`load_private_key`], with a key file read by `read` (imgtool passes a reader that
/// refuses files larger than a limit).
pub fn load_private_key_with(
    source: &KeySource,
    read: impl FnOnce(&Path) -> std::io::Result<Vec<u8>>,
) -> Result<LoadedKey, SignError> {
    load_private_key_unlocked(source, read, None)
}

/// Like [`load_private_key_with`], decrypting an encrypted PKCS#8 key with `passphrase`
/// (an encrypted key without one is [`SignError::Encrypted`]).
pub fn load_private_key_unlocked(
    source: &KeySource,
    read: impl FnOnce(&Path) -> std::io::Result<Vec<u8>>,
    passphrase: Option<&crate::Passphrase>,
) -> Result<LoadedKey, SignError> {
    let what = source.to_string();
    match source {
        KeySource::File(path) => {
            let bytes = Zeroizing::new(read(path).map_err(|e| SignError::ReadKey {
                path: path.clone(),
                source: e,
            })?);
            let pem = crate::key::pem_text(&bytes, &what, "private key (PKCS#8)")?;
            let key = PrivateKey::from_pem_with(pem, &what, passphrase)?;
            Ok(LoadedKey {
                key,
                warnings: permission_warnings(path),
            })
        }
        KeySource::Env(name) => {
            let pem = Zeroizing::new(
                std::env::var(name).map_err(|_| SignError::EnvUnset { name: name.clone() })?,
            );
            let key = PrivateKey::from_pem_with(&pem, &what, passphrase)?;
            Ok(LoadedKey {
                key,
                warnings: Vec::new(),
            })
        }
        KeySource::Pkcs11(uri) => Err(SignError::TokenKey {
            uri: uri.to_string(),
        }),
    }
}

#[cfg(unix)]
fn permission_warnings(path: &Path) -> Vec<KeyWarning> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(m) if m.permissions().mode() & 0o077 != 0 => vec![KeyWarning::Permissive {
            path: path.to_owned(),
            mode: m.permissions().mode(),
        }],
        _ => Vec::new(),
    }
}

#[cfg(not(unix))]
fn permission_warnings(_path: &Path) -> Vec<KeyWarning> {
    // No group/other mode bits to check; ACLs are out of scope.
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_env_and_paths() {
        assert_eq!(
            KeySource::parse("env:SIGN_KEY").unwrap(),
            KeySource::Env("SIGN_KEY".into())
        );
        assert_eq!(
            KeySource::parse("keys/a.pem").unwrap(),
            KeySource::File("keys/a.pem".into())
        );
        assert!(KeySource::parse("env:").is_err());
        let KeySource::Pkcs11(u) = KeySource::parse("pkcs11:token=ci;object=release").unwrap()
        else {
            panic!("not a pkcs11 source");
        };
        assert_eq!(u.object.as_deref(), Some("release"));
        assert!(KeySource::parse("pkcs11:token=ci").is_err());
    }

    #[test]
    fn loads_from_env_var() {
        let k = PrivateKey::from_seed(&[3; 32]);
        // A name no other test uses: tests run in parallel threads of one process.
        std::env::set_var("IMGTOOL_SIGN_TEST_KEY_3", k.to_pem().unwrap().as_str());
        let src = KeySource::parse("env:IMGTOOL_SIGN_TEST_KEY_3").unwrap();
        let loaded = load_private_key(&src).unwrap();
        assert_eq!(loaded.key.public_key(), k.public_key());
        assert!(loaded.warnings.is_empty());
        let missing = KeySource::Env("IMGTOOL_SIGN_TEST_UNSET".into());
        let err = load_private_key(&missing).unwrap_err().to_string();
        assert!(err.contains("IMGTOOL_SIGN_TEST_UNSET"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn warns_about_readable_key_files_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pem");
        let k = PrivateKey::from_seed(&[4; 32]);
        std::fs::write(&path, k.to_pem().unwrap().as_bytes()).unwrap();
        let src = KeySource::File(path.clone());
        for (mode, warns) in [(0o600, false), (0o400, false), (0o640, true), (0o604, true)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let loaded = load_private_key(&src).unwrap();
            assert_eq!(!loaded.warnings.is_empty(), warns, "mode {mode:o}");
        }
    }

    #[test]
    fn bad_key_text_names_the_source_not_the_text() {
        std::env::set_var(
            "IMGTOOL_SIGN_TEST_BAD",
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
        );
        let err = load_private_key(&KeySource::Env("IMGTOOL_SIGN_TEST_BAD".into()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("env:IMGTOOL_SIGN_TEST_BAD"), "{err}");
        assert!(!err.contains("c2VjcmV0"), "{err}");
    }
}
