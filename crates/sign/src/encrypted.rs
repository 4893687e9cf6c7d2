//! Passphrase-protected private keys: PKCS#8 `ENCRYPTED PRIVATE KEY` (PBES2), read for both of
//! imgtool's key types (ed25519 here, RSA-2048 in the `secure` crate, which calls this module)
//! and written by `keygen --passphrase-file`.
//!
//! Written keys use PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, the scheme of
//! `openssl pkcs8 -topk8 -v2 aes-256-cbc` and `openssl genpkey -aes-256-cbc`, so OpenSSL reads
//! them and imgtool reads OpenSSL's. The legacy OpenSSL encryption of PKCS#1/SEC1 PEM
//! (`Proc-Type: 4,ENCRYPTED`, an MD5-based key derivation) is refused with the command that
//! converts it.
//!
//! The passphrase lives in [`Passphrase`] (wiped on drop, never shown by `Debug`); no error
//! carries it or the key.

use crate::SignError;
use pkcs8::der::pem::LineEnding;
use pkcs8::pkcs5::{self, pbes2};
use pkcs8::{EncryptedPrivateKeyInfo, PrivateKeyInfo};
use std::fmt;
use zeroize::Zeroizing;

/// The environment variable the command line reads a passphrase from (the passphrase itself,
/// not a file name) when `--passphrase-file` is not given.
pub const PASSPHRASE_ENV: &str = "IMGTOOL_KEY_PASSPHRASE";

/// The PEM label of an encrypted PKCS#8 private key.
pub const ENCRYPTED_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// PBKDF2-HMAC-SHA256 iterations of the keys imgtool writes: OWASP's 2023 figure for
/// PBKDF2-SHA256. A key is decrypted once per run, so the cost (a fraction of a second) is
/// paid once.
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// A key passphrase: the bytes, wiped from memory on drop, never shown by `Debug`.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<Vec<u8>>);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(redacted)")
    }
}

impl Passphrase {
    /// A passphrase from its bytes, as given (an environment variable's value). `what` names
    /// the source in errors. An empty passphrase is refused: it protects nothing, and an empty
    /// file or variable is more likely a mistake.
    pub fn new(bytes: Vec<u8>, what: &str) -> Result<Self, SignError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.is_empty() {
            return Err(SignError::EmptyPassphrase {
                what: what.to_owned(),
            });
        }
        Ok(Passphrase(bytes))
    }

    /// A passphrase from a file's contents: one trailing newline (`\n` or `\r\n`), which
    /// `echo` and editors add, is not part of it; anything else is, spaces included.
    pub fn from_file_bytes(bytes: Vec<u8>, what: &str) -> Result<Self, SignError> {
        let mut bytes = Zeroizing::new(bytes);
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        Passphrase::new(std::mem::take(&mut *bytes), what)
    }

    /// The passphrase bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Refuses the legacy OpenSSL encryption (`Proc-Type: 4,ENCRYPTED` PEM headers), naming the
/// command that converts the key to encrypted PKCS#8.
pub fn refuse_legacy(text: &[u8], what: &str) -> Result<(), SignError> {
    const HEADER: &[u8] = b"Proc-Type: 4,ENCRYPTED";
    if text.windows(HEADER.len()).any(|w| w == HEADER) {
        return Err(SignError::LegacyEncrypted {
            what: what.to_owned(),
        });
    }
    Ok(())
}

/// Decrypts the DER of an `EncryptedPrivateKeyInfo` into the DER of the plain PKCS#8
/// `PrivateKeyInfo` (zeroised on drop). `what` names the key in errors.
pub fn decrypt_pkcs8_der(
    der: &[u8],
    what: &str,
    passphrase: Option<&Passphrase>,
) -> Result<Zeroizing<Vec<u8>>, SignError> {
    let info = EncryptedPrivateKeyInfo::try_from(der).map_err(|e| SignError::BadPem {
        what: what.to_owned(),
        expected: "encrypted private key (PKCS#8)",
        reason: e.to_string(),
    })?;
    let Some(passphrase) = passphrase else {
        return Err(SignError::Encrypted {
            what: what.to_owned(),
        });
    };
    let wrong = || SignError::WrongPassphrase {
        what: what.to_owned(),
    };
    let plain = match info.decrypt(passphrase.as_bytes()) {
        Ok(doc) => Zeroizing::new(doc.as_bytes().to_vec()),
        Err(pkcs8::Error::EncryptedPrivateKey(
            e @ (pkcs5::Error::UnsupportedAlgorithm { .. }
            | pkcs5::Error::NoPbes1CryptSupport
            | pkcs5::Error::AlgorithmParametersInvalid { .. }),
        )) => {
            return Err(SignError::UnsupportedEncryption {
                what: what.to_owned(),
                scheme: e.to_string(),
            })
        }
        // A wrong passphrase gives a wrong AES key: bad CBC padding, or (1 in ~256) plaintext
        // that is not DER.
        Err(_) => return Err(wrong()),
    };
    // The rare wrong key whose padding happens to be valid decrypts to noise: not a key.
    PrivateKeyInfo::try_from(plain.as_slice()).map_err(|_| wrong())?;
    Ok(plain)
}

/// If `pem` is an `ENCRYPTED PRIVATE KEY`, its decrypted PKCS#8 DER; `None` for any other PEM
/// (the caller decodes it as usual). Legacy `Proc-Type: 4,ENCRYPTED` keys are refused.
pub fn decrypt_pem(
    pem: &[u8],
    what: &str,
    passphrase: Option<&Passphrase>,
) -> Result<Option<Zeroizing<Vec<u8>>>, SignError> {
    refuse_legacy(pem, what)?;
    let Ok((label, der)) = pkcs8::der::pem::decode_vec(pem) else {
        return Ok(None);
    };
    let der = Zeroizing::new(der);
    if label != ENCRYPTED_LABEL {
        return Ok(None);
    }
    decrypt_pkcs8_der(&der, what, passphrase).map(Some)
}

/// Encrypts the plain PKCS#8 DER `der` under `passphrase` (PBES2: PBKDF2-HMAC-SHA256 with
/// [`PBKDF2_ITERATIONS`] and a random 16-byte salt, AES-256-CBC with a random IV) and returns
/// the `ENCRYPTED PRIVATE KEY` PEM (LF line endings), zeroised on drop.
pub fn encrypt_pkcs8_pem(
    der: &[u8],
    passphrase: &Passphrase,
) -> Result<Zeroizing<String>, SignError> {
    let mut salt_iv = Zeroizing::new([0u8; 32]);
    getrandom::fill(salt_iv.as_mut()).map_err(|e| SignError::Random(e.to_string()))?;
    let (salt, iv) = salt_iv.split_at(16);
    let iv: &[u8; 16] = iv.try_into().expect("16 bytes");
    let encode = |e: &dyn fmt::Display| SignError::Encode(e.to_string());
    let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, salt, iv)
        .map_err(|e| encode(&e))?;
    let info = PrivateKeyInfo::try_from(der).map_err(|e| encode(&e))?;
    let doc = info
        .encrypt_with_params(params, passphrase.as_bytes())
        .map_err(|e| encode(&e))?;
    doc.to_pem(ENCRYPTED_LABEL, LineEnding::LF)
        .map_err(|e| encode(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(s: &str) -> Passphrase {
        Passphrase::new(s.as_bytes().to_vec(), "test").unwrap()
    }

    #[test]
    fn file_passphrase_loses_one_trailing_newline_only() {
        let p = |b: &[u8]| Passphrase::from_file_bytes(b.to_vec(), "f");
        assert_eq!(p(b"abc\n").unwrap().as_bytes(), b"abc");
        assert_eq!(p(b"abc\r\n").unwrap().as_bytes(), b"abc");
        assert_eq!(p(b"abc\n\n").unwrap().as_bytes(), b"abc\n");
        assert_eq!(p(b" abc ").unwrap().as_bytes(), b" abc ");
        for empty in [&b""[..], b"\n", b"\r\n"] {
            let e = p(empty).unwrap_err();
            assert!(matches!(e, SignError::EmptyPassphrase { .. }), "{e}");
        }
    }

    #[test]
    fn debug_never_shows_the_passphrase() {
        assert_eq!(format!("{:?}", pass("hunter2")), "Passphrase(redacted)");
    }

    #[test]
    fn round_trip_missing_and_wrong_passphrase() {
        let key = crate::PrivateKey::from_seed(&[9; 32]);
        let plain = key.to_pem().unwrap();
        let (_, der) = pkcs8::der::pem::decode_vec(plain.as_bytes()).unwrap();
        let enc = encrypt_pkcs8_pem(&der, &pass("correct horse")).unwrap();
        assert!(enc.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
        assert!(crate::holds_private_key(enc.as_bytes()));
        let got = decrypt_pem(enc.as_bytes(), "k.pem", Some(&pass("correct horse")))
            .unwrap()
            .unwrap();
        assert_eq!(*got, der);
        let missing = decrypt_pem(enc.as_bytes(), "k.pem", None).unwrap_err();
        assert!(matches!(missing, SignError::Encrypted { .. }), "{missing}");
        let wrong = decrypt_pem(enc.as_bytes(), "k.pem", Some(&pass("battery"))).unwrap_err();
        assert_eq!(wrong.to_string(), "wrong passphrase for k.pem");
        // Not encrypted: left to the caller.
        assert!(decrypt_pem(plain.as_bytes(), "p", None).unwrap().is_none());
    }

    #[test]
    fn legacy_encryption_is_refused_with_the_conversion() {
        let legacy = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
                       DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n\
                       -----END RSA PRIVATE KEY-----\n";
        let e = decrypt_pem(legacy, "old.pem", Some(&pass("x"))).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.pem -out NEW.pem"),
            "{msg}"
        );
    }
}
