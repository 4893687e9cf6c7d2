//! The vendor's key files: raw AES-256 root key (`<key>.bin`, 32 B), UID (16 B), per-invocation
//! session key (32 B), RSA-2048 signing key (`<sigkey>_pri.pem`, PKCS#1 or PKCS#8 PEM) and its
//! public half (`<sigkey>_pub.pem` SubjectPublicKeyInfo, `<sigkey>_pub.der` 294 B DER,
//! `<sigkey>_hash.bin` = SHA-256 of the DER, whose first 8 bytes are the AES-CTR nonce prefix).

use crate::error::{Result, SecureError};
pub use crate::raw::crypto::{NONCE_LEN, SIG_LEN, SPKI_DER_LEN};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey};
use rsa::pkcs8::der::pem;
use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
    PrivateKeyInfo,
};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::Zeroizing;

/// Size of the raw root key file (AES-256).
pub const ROOT_KEY_LEN: usize = 32;
/// Size of the UID file.
pub const UID_LEN: usize = 16;
/// Size of the session key.
pub const SESSION_KEY_LEN: usize = 32;

const RSA_BITS: usize = 2048;
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_ED25519: &str = "1.3.101.112";

fn random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(SecureError::Random)
}

fn exact<const N: usize>(
    bytes: &[u8],
    what: &'static str,
    kind: &'static str,
    file: &str,
) -> Result<Zeroizing<[u8; N]>> {
    let arr: [u8; N] = bytes.try_into().map_err(|_| SecureError::KeyLength {
        what,
        file: file.to_string(),
        kind,
        expected: N,
        found: bytes.len(),
    })?;
    Ok(Zeroizing::new(arr))
}

macro_rules! raw_key {
    ($name:ident, $len:expr, $what:literal, $kind:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone)]
        pub struct $name(Zeroizing<[u8; $len]>);

        impl $name {
            /// The key from its raw file contents; `file` names the source in errors.
            pub fn from_bytes(bytes: &[u8], file: &str) -> Result<Self> {
                exact::<$len>(bytes, $what, $kind, file).map(Self)
            }

            /// A new key from the OS random number generator.
            pub fn generate() -> Result<Self> {
                let mut k = Zeroizing::new([0u8; $len]);
                random(k.as_mut())?;
                Ok(Self(k))
            }

            /// The raw bytes (the file contents).
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "(..)"))
            }
        }
    };
}

raw_key!(
    RootKey,
    ROOT_KEY_LEN,
    "root key",
    "AES-256 key",
    "The AES-256 root key (`<key>.bin`; efuse bank at bit 768 on a secured chip)."
);
raw_key!(
    Uid,
    UID_LEN,
    "UID",
    "16-byte chip UID",
    "The chip UID (`uid.bin`): the IV of the device's session-key wrap."
);
raw_key!(
    SessionKey,
    SESSION_KEY_LEN,
    "session key",
    "AES-256 key",
    "The per-package AES-256 session key: random per build unless given (reproducible builds)."
);

/// An RSA-2048 private key that signs control packets and images (PKCS#1 v1.5, SHA-256).
#[derive(Clone)]
pub struct SigningKey {
    key: RsaPrivateKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(RSA-2048, ..)")
    }
}

/// The public half: what the device verifies with, and the source of the CTR nonce prefix
/// (unless [`VerifyingKey::with_nonce_hash`] names another).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyingKey {
    key: RsaPublicKey,
    nonce_hash: Option<NonceHash>,
}

/// A 32-byte signature-key hash (`<sigkey>_hash.bin`) whose first 8 bytes are the AES-CTR
/// nonce prefix, given explicitly instead of the one of the signing key.
///
/// A device whose efuse is not programmed takes its nonce from the SDK's development
/// signature-key hash (`g_fake_dfu_efuse_sig_hash`, `dfu_sec.c:87-90`) while SDK trees that read
/// the RSA public key from the flash table (d9313ba6 `dfu_sec.c:123-126`) verify signatures
/// with whatever key is there: files for such a device are signed with the custom key but
/// encrypted with the development hash's nonce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NonceHash([u8; 32]);

impl NonceHash {
    /// The hash from a `<sigkey>_hash.bin`-style file (exactly 32 bytes).
    pub fn from_bytes(bytes: &[u8], file: &str) -> Result<Self> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| SecureError::KeyLength {
            what: "nonce hash",
            file: file.to_string(),
            kind: "SHA-256 of a public key DER, like <sigkey>_hash.bin",
            expected: 32,
            found: bytes.len(),
        })?;
        Ok(Self(arr))
    }

    /// The hash of `key`'s DER: what the nonce is without an explicit hash.
    pub fn of_key(key: &VerifyingKey) -> Result<Self> {
        Ok(Self(key.sig_hash()?))
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The AES-CTR nonce prefix: the first 8 bytes.
    pub fn nonce(&self) -> [u8; NONCE_LEN] {
        let mut n = [0u8; NONCE_LEN];
        n.copy_from_slice(&self.0[..NONCE_LEN]);
        n
    }
}

fn bad(file: &str, reason: impl Into<String>) -> SecureError {
    SecureError::BadKey {
        file: file.to_string(),
        reason: reason.into(),
    }
}

/// id-ecPublicKey: the algorithm of every EC (ECDSA) key, whatever its curve.
const OID_EC: &str = "1.2.840.10045.2.1";

fn not_rsa(file: &str, oid: &str) -> SecureError {
    let algorithm = match oid {
        OID_ED25519 => "ed25519".to_string(),
        OID_EC => "EC (ECDSA)".to_string(),
        other => format!("OID {other}"),
    };
    SecureError::NotRsa {
        file: file.to_string(),
        algorithm,
    }
}

fn check_bits(key: &RsaPublicKey, file: &str) -> Result<()> {
    let bits = key.n().bits();
    if bits != RSA_BITS {
        return Err(SecureError::RsaBits {
            file: file.to_string(),
            bits,
        });
    }
    Ok(())
}

/// Says what a file that should be a PEM key is instead: empty, binary DER, or no PEM at all
/// (the PEM decoder's own message, e.g. "preamble contains invalid data (NUL byte)", does not).
fn not_pem(text: &[u8]) -> Option<&'static str> {
    if text.iter().all(u8::is_ascii_whitespace) {
        return Some("the file is empty; expected an RSA-2048 key in PEM form");
    }
    if text.windows(11).any(|w| w == b"-----BEGIN ") {
        return None;
    }
    Some(if text[0] == 0x30 {
        // DER is an ASN.1 SEQUENCE: 0x30, then a length.
        "this looks like a binary DER key, where a PEM key is needed; convert it with \
         `openssl pkey -inform DER -in KEY.der -out KEY.pem`"
    } else {
        "not a PEM key file: no -----BEGIN line (expected e.g. -----BEGIN RSA PRIVATE KEY-----)"
    })
}

fn decode_pem(text: &[u8], file: &str) -> Result<(String, Zeroizing<Vec<u8>>)> {
    if let Some(reason) = not_pem(text) {
        return Err(bad(file, reason));
    }
    let (label, der) =
        pem::decode_vec(text).map_err(|e| bad(file, format!("not a PEM key file ({e})")))?;
    Ok((label.to_string(), Zeroizing::new(der)))
}

fn private_from_pkcs8(der: &[u8], file: &str) -> Result<RsaPrivateKey> {
    match PrivateKeyInfo::try_from(der) {
        Ok(info) if info.algorithm.oid.to_string() != OID_RSA => {
            Err(not_rsa(file, &info.algorithm.oid.to_string()))
        }
        Ok(_) => RsaPrivateKey::from_pkcs8_der(der).map_err(|e| {
            bad(
                file,
                format!("PKCS#8 RSA private key does not decode ({e})"),
            )
        }),
        Err(_) if RsaPrivateKey::from_pkcs1_der(der).is_ok() => Err(bad(
            file,
            "PEM label says PKCS#8 (BEGIN PRIVATE KEY) but the contents are a PKCS#1 RSA key; \
             relabel it BEGIN RSA PRIVATE KEY",
        )),
        Err(e) => Err(bad(file, format!("not a PKCS#8 private key ({e})"))),
    }
}

fn private_from_pkcs1(der: &[u8], file: &str) -> Result<RsaPrivateKey> {
    match RsaPrivateKey::from_pkcs1_der(der) {
        Ok(k) => Ok(k),
        // A PKCS#8 key of another algorithm: say which, not how to relabel it.
        Err(_) => match PrivateKeyInfo::try_from(der) {
            Ok(info) if info.algorithm.oid.to_string() != OID_RSA => {
                Err(not_rsa(file, &info.algorithm.oid.to_string()))
            }
            Ok(_) => Err(bad(
                file,
                "PEM label says PKCS#1 (BEGIN RSA PRIVATE KEY) but the contents are PKCS#8; \
                 relabel it BEGIN PRIVATE KEY",
            )),
            Err(_) => Err(bad(
                file,
                "not a PKCS#1 RSA private key (the PEM body does not decode as one)",
            )),
        },
    }
}

impl SigningKey {
    /// A new RSA-2048 key from the OS random number generator.
    pub fn generate() -> Result<Self> {
        let key = RsaPrivateKey::new(&mut OsRng, RSA_BITS)
            .map_err(|e| SecureError::Encode(Box::new(e)))?;
        Ok(Self { key })
    }

    /// Reads a PEM private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`, what the vendor's `gensig`
    /// writes) or PKCS#8 (`BEGIN PRIVATE KEY`). Names label/contents mix-ups, public keys and
    /// non-RSA keys (e.g. imgtool's ed25519 keys) precisely.
    pub fn from_pem(text: &[u8], file: &str) -> Result<Self> {
        Self::from_pem_with(text, file, None)
    }

    /// Like [`Self::from_pem`], also reading an encrypted PKCS#8 key
    /// (`BEGIN ENCRYPTED PRIVATE KEY`) with `passphrase` (`sign::encrypted`); the legacy
    /// `Proc-Type: 4,ENCRYPTED` PKCS#1 form is refused with the command that converts it.
    pub fn from_pem_with(
        text: &[u8],
        file: &str,
        passphrase: Option<&sign::Passphrase>,
    ) -> Result<Self> {
        sign::encrypted::refuse_legacy(text, file)?;
        let (label, der) = decode_pem(text, file)?;
        let key = match label.as_str() {
            "RSA PRIVATE KEY" => private_from_pkcs1(&der, file)?,
            "PRIVATE KEY" => private_from_pkcs8(&der, file)?,
            sign::encrypted::ENCRYPTED_LABEL => {
                let plain = sign::encrypted::decrypt_pkcs8_der(&der, file, passphrase)?;
                private_from_pkcs8(&plain, file)?
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return Err(bad(
                    file,
                    "this is a public key; signing needs the private key (e.g. sig_pri.pem)",
                ))
            }
            "EC PRIVATE KEY" => return Err(not_rsa(file, OID_EC)),
            other => {
                return Err(bad(
                    file,
                    format!(
                        "PEM label {other:?}: expected an RSA-2048 private key \
                         (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)"
                    ),
                ))
            }
        };
        check_bits(&key.to_public_key(), file)?;
        Ok(Self { key })
    }

    /// PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), the vendor's `sig_pri.pem` format.
    pub fn to_pkcs1_pem(&self) -> Result<Zeroizing<String>> {
        self.key
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(|e| SecureError::Encode(Box::new(e)))
    }

    /// Encrypted PKCS#8 PEM (`BEGIN ENCRYPTED PRIVATE KEY`, PBES2 as `sign::encrypted` writes
    /// it): the only standard encrypted form of an RSA key OpenSSL 3 still writes by default.
    pub fn to_encrypted_pem(&self, passphrase: &sign::Passphrase) -> Result<Zeroizing<String>> {
        let der = self
            .key
            .to_pkcs8_der()
            .map_err(|e| SecureError::Encode(Box::new(e)))?;
        Ok(sign::encrypted::encrypt_pkcs8_pem(
            der.as_bytes(),
            passphrase,
        )?)
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            key: self.key.to_public_key(),
            nonce_hash: None,
        }
    }

    /// RSA PKCS#1 v1.5 signature over SHA-256(`message`), as the device verifies it.
    pub fn sign(&self, message: &[u8]) -> Result<[u8; SIG_LEN]> {
        self.sign_digest(&Sha256::digest(message).into())
    }

    /// RSA PKCS#1 v1.5 signature of an already computed SHA-256 digest.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Result<[u8; SIG_LEN]> {
        let sig = self
            .key
            .sign(Pkcs1v15Sign::new::<Sha256>(), digest)
            .map_err(SecureError::Sign)?;
        sig.try_into()
            .map_err(|_| SecureError::SignatureLength { expected: SIG_LEN })
    }
}

impl VerifyingKey {
    /// Reads a public key: SubjectPublicKeyInfo PEM (`sig_pub.pem`) or DER (`sig_pub.der`),
    /// PKCS#1 public PEM, or a private key PEM (its public half is taken).
    pub fn from_file_bytes(bytes: &[u8], file: &str) -> Result<Self> {
        Self::from_file_bytes_with(bytes, file, None)
    }

    /// Like [`Self::from_file_bytes`], decrypting an encrypted private key PEM with
    /// `passphrase` to take its public half.
    pub fn from_file_bytes_with(
        bytes: &[u8],
        file: &str,
        passphrase: Option<&sign::Passphrase>,
    ) -> Result<Self> {
        sign::encrypted::refuse_legacy(bytes, file)?;
        let key = if bytes.starts_with(b"-----") || bytes.trim_ascii_start().starts_with(b"-----") {
            let (label, der) = decode_pem(bytes, file)?;
            match label.as_str() {
                "PUBLIC KEY" => spki(&der, file)?,
                "RSA PUBLIC KEY" => RsaPublicKey::from_pkcs1_der(&der)
                    .map_err(|e| bad(file, format!("not a PKCS#1 RSA public key ({e})")))?,
                _ => SigningKey::from_pem_with(bytes, file, passphrase)?
                    .key
                    .to_public_key(),
            }
        } else {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(bad(
                    file,
                    "the file is empty; expected an RSA-2048 public key (PEM or DER)",
                ));
            }
            spki(bytes, file)?
        };
        check_bits(&key, file)?;
        Ok(Self {
            key,
            nonce_hash: None,
        })
    }

    /// The same key, with `hash` (instead of the key's own [`Self::sig_hash`]) as the source
    /// of the AES-CTR nonce: see [`NonceHash`].
    pub fn with_nonce_hash(self, hash: NonceHash) -> Self {
        Self {
            nonce_hash: Some(hash),
            ..self
        }
    }

    /// The explicit nonce hash, if one was given with [`Self::with_nonce_hash`].
    pub fn nonce_hash(&self) -> Option<&NonceHash> {
        self.nonce_hash.as_ref()
    }

    /// SubjectPublicKeyInfo DER: 294 bytes for RSA-2048 with exponent 65537 (`sig_pub.der`).
    pub fn spki_der(&self) -> Result<Vec<u8>> {
        let der = self
            .key
            .to_public_key_der()
            .map_err(|e| SecureError::Encode(Box::new(e)))?
            .into_vec();
        if der.len() != SPKI_DER_LEN {
            return Err(SecureError::SpkiLength { len: der.len() });
        }
        Ok(der)
    }

    /// SubjectPublicKeyInfo PEM (`sig_pub.pem`).
    pub fn to_pem(&self) -> Result<String> {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| SecureError::Encode(Box::new(e)))
    }

    /// SHA-256 of the DER (`sig_hash.bin`, efuse SIG_HASH on a secured chip).
    pub fn sig_hash(&self) -> Result<[u8; 32]> {
        Ok(Sha256::digest(self.spki_der()?).into())
    }

    /// The AES-CTR nonce prefix: the first 8 bytes of [`Self::sig_hash`], or of the explicit
    /// nonce hash ([`Self::with_nonce_hash`]).
    pub fn nonce(&self) -> Result<[u8; NONCE_LEN]> {
        if let Some(h) = &self.nonce_hash {
            return Ok(h.nonce());
        }
        let h = self.sig_hash()?;
        let mut n = [0u8; NONCE_LEN];
        n.copy_from_slice(&h[..NONCE_LEN]);
        Ok(n)
    }

    /// True when `sig` is a valid PKCS#1 v1.5 SHA-256 signature of `message`.
    pub fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        self.verify_digest(&Sha256::digest(message).into(), sig)
    }

    /// True when `sig` is a valid PKCS#1 v1.5 signature of the SHA-256 `digest`.
    pub fn verify_digest(&self, digest: &[u8; 32], sig: &[u8]) -> bool {
        self.key
            .verify(Pkcs1v15Sign::new::<Sha256>(), digest, sig)
            .is_ok()
    }
}

fn spki(der: &[u8], file: &str) -> Result<RsaPublicKey> {
    let info = SubjectPublicKeyInfoRef::try_from(der)
        .map_err(|e| bad(file, format!("not a SubjectPublicKeyInfo public key ({e})")))?;
    let oid = info.algorithm.oid.to_string();
    if oid != OID_RSA {
        return Err(not_rsa(file, &oid));
    }
    RsaPublicKey::from_public_key_der(der)
        .map_err(|e| bad(file, format!("RSA public key does not decode ({e})")))
}

/// The OS random number generator as the `rand_core` interface RSA key generation takes.
struct OsRng;

impl rsa::rand_core::RngCore for OsRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // Key generation cannot go on without randomness; the OS RNG failing is not an input
        // error but a broken machine.
        getrandom::fill(dest).expect("OS random number generator failed");
    }

    fn try_fill_bytes(
        &mut self,
        dest: &mut [u8],
    ) -> std::result::Result<(), rsa::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rsa::rand_core::CryptoRng for OsRng {}
