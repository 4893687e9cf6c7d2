//! The keys of a secure build: in memory, or read from the vendor's key files (the signing
//! key possibly in a PKCS#11 token).

use super::error::{Result, SecureFlowError};
use secure::{NonceHash, RootKey, RsaSigner, SessionKey, SigningKey};
use std::path::{Path, PathBuf};

/// Where the RSA-2048 signing key is: a PEM file, or a private key in a PKCS#11 token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerKey {
    /// `<sigkey>_pri.pem` (PKCS#1 or PKCS#8 PEM).
    File(PathBuf),
    /// A key in a token (`pkcs11:` URI, module and PIN); its public key is read from the token.
    Token(Box<hsm::KeyRef>),
}

impl Default for SignerKey {
    fn default() -> Self {
        SignerKey::File(PathBuf::new())
    }
}

impl From<PathBuf> for SignerKey {
    fn from(p: PathBuf) -> Self {
        SignerKey::File(p)
    }
}

impl SignerKey {
    /// Opens the signer: reads the key file (decrypted with `passphrase` if it is encrypted),
    /// or logs in to the token and finds the key.
    pub fn open(&self, passphrase: Option<&sign::Passphrase>) -> Result<Box<dyn RsaSigner>> {
        Ok(match self {
            SignerKey::File(path) => {
                let pem = zeroize::Zeroizing::new(read_small(path)?);
                Box::new(SigningKey::from_pem_with(&pem, &name(path), passphrase)?)
            }
            SignerKey::Token(key) => Box::new(hsm::TokenRsa::open(key)?),
        })
    }

    /// The key file, if the key is one (an input no output may replace).
    pub fn file(&self) -> Option<&Path> {
        match self {
            SignerKey::File(p) => Some(p),
            SignerKey::Token(_) => None,
        }
    }
}

/// The keys of a secure build.
pub struct SecureKeys {
    /// The root key (`<key>.bin`, 32 bytes) that encrypts the session key.
    pub root: RootKey,
    /// What signs the control packet and the images: the RSA-2048 key of `<sigkey>_pri.pem`
    /// ([`SecureKeys::load`]), or any other [`RsaSigner`] (an external command, a token).
    pub signer: Box<dyn RsaSigner>,
    /// The session key that encrypts the images (random unless fixed for reproducible builds).
    pub session: SessionKey,
    /// Take the AES-CTR nonce from this hash instead of the signing key's.
    pub nonce_hash: Option<NonceHash>,
}

/// The key files of a secure build.
#[derive(Debug, Clone, Default)]
pub struct KeyFiles {
    /// `<key>.bin`: the root key.
    pub root: PathBuf,
    /// The RSA signing key: `<sigkey>_pri.pem`, or a key in a token.
    pub signer: SignerKey,
    /// `<sigkey>_hash.bin` to cross-check, if it exists.
    pub sig_hash: Option<PathBuf>,
    /// A fixed 32-byte session key file; `None` makes a random one.
    pub session: Option<PathBuf>,
    /// A 32-byte nonce hash file (`--nonce-hash`).
    pub nonce_hash: Option<PathBuf>,
    /// The passphrase of an encrypted `signer` key file.
    pub passphrase: Option<sign::Passphrase>,
}

/// Reads a key file or other small input (bounded: keys are never large).
fn read_small(path: &Path) -> Result<Vec<u8>> {
    Ok(fsio::input::read_bounded(path, fsio::input::Limit::SMALL)?)
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

impl SecureKeys {
    /// Reads the key files (root, signer, nonce hash, session key in this order), and checks
    /// that `<sigkey>_hash.bin`, if it exists, agrees with the nonce the build will use.
    pub fn load(files: &KeyFiles) -> Result<SecureKeys> {
        let root = RootKey::from_bytes(&read_small(&files.root)?, &name(&files.root))?;
        let signer = files.signer.open(files.passphrase.as_ref())?;
        Self::finish(files, root, signer)
    }

    /// Like [`SecureKeys::load`], with `signer` (e.g. a [`secure::CommandRsaSigner`]) instead
    /// of `files.signer`, which is not opened.
    pub fn with_signer(files: &KeyFiles, signer: Box<dyn RsaSigner>) -> Result<SecureKeys> {
        let root = RootKey::from_bytes(&read_small(&files.root)?, &name(&files.root))?;
        Self::finish(files, root, signer)
    }

    /// The keys other than the root key and the signer, read and cross-checked.
    fn finish(files: &KeyFiles, root: RootKey, signer: Box<dyn RsaSigner>) -> Result<SecureKeys> {
        let nonce_hash = match &files.nonce_hash {
            Some(p) => Some((p, NonceHash::from_bytes(&read_small(p)?, &name(p))?)),
            None => None,
        };
        check_sig_hash(
            &*signer,
            files.sig_hash.as_deref(),
            nonce_hash.as_ref().map(|(p, h)| (p.as_path(), h)),
        )?;
        let session = match &files.session {
            Some(p) => {
                let b = zeroize::Zeroizing::new(read_small(p)?);
                SessionKey::from_bytes(&b, &name(p))?
            }
            None => SessionKey::generate()?,
        };
        Ok(SecureKeys {
            root,
            signer,
            session,
            nonce_hash: nonce_hash.map(|(_, h)| h),
        })
    }
}

fn prefix(b: &[u8]) -> [u8; 8] {
    b[..8].try_into().expect("8 bytes")
}

fn check_sig_hash(
    signer: &dyn RsaSigner,
    path: Option<&Path>,
    nonce_hash: Option<(&Path, &NonceHash)>,
) -> Result<()> {
    let Some(p) = path.filter(|p| p.exists()) else {
        return Ok(());
    };
    let file = read_small(p)?;
    if let Some((np, nh)) = nonce_hash {
        if file.len() < 8 || file[..8] != nh.as_bytes()[..8] {
            return Err(SecureFlowError::SigHashNonceMismatch {
                sig_hash: p.to_path_buf(),
                nonce_hash: np.to_path_buf(),
                expected: prefix(nh.as_bytes()),
            });
        }
        return Ok(());
    }
    let want = signer.public_key().sig_hash()?;
    if file.len() < 8 || file[..8] != want[..8] {
        return Err(SecureFlowError::SigHashMismatch {
            sig_hash: p.to_path_buf(),
            expected: prefix(&want),
        });
    }
    Ok(())
}
