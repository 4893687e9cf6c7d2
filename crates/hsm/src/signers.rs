//! The token's two signers and the public half of a token key.

use crate::token::Opened;
use crate::{HsmError, KeyRef, TokenAccess};
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectHandle};
use rsa::pkcs8::EncodePublicKey;
use secure::keys::SIG_LEN;
use secure::{SecureError, VerifyingKey};
use sha2::{Digest, Sha256};
use sign::{Pkcs11Uri, SignError};
use std::fmt;

/// DER of the ed25519 curve OID (1.3.101.112), as `CKA_EC_PARAMS` names it (RFC 8410).
const ED25519_OID: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
/// `CKA_EC_PARAMS` naming the curve by a PrintableString, as PKCS#11 3.0 also allows.
const ED25519_NAME: &[u8] = b"\x13\x0cedwards25519";
/// The DER DigestInfo of SHA-256 before the 32-byte digest (RFC 8017 section 9.2, note 1):
/// `CKM_RSA_PKCS` pads and signs exactly these 51 bytes, which is PKCS#1 v1.5 with SHA-256.
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
const RSA_BITS: usize = 2048;

/// The public half of a token key, of either scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicHalf {
    /// An ed25519 key (package trailer).
    Ed25519(sign::PublicKey),
    /// An RSA-2048 key (secure DFU).
    Rsa(VerifyingKey),
}

/// Reads the public half of the key `uri` names (a PIN is used if given, needed only by
/// tokens that hide public objects).
pub fn public_key(uri: &Pkcs11Uri, access: &TokenAccess) -> Result<PublicHalf, HsmError> {
    let o = Opened::open(uri, access, false)?;
    match o.key_type {
        KeyType::EC_EDWARDS => Ok(PublicHalf::Ed25519(ed25519_public(&o)?)),
        KeyType::RSA => Ok(PublicHalf::Rsa(rsa_public(&o, &uri.to_string())?)),
        other => Err(o.wrong_key("an ed25519 or an RSA-2048 key", format!("a {other} key"))),
    }
}

fn bytes(o: &Opened, h: ObjectHandle, which: AttributeType) -> Result<Vec<u8>, HsmError> {
    match o.attribute(h, which)? {
        Attribute::EcParams(b)
        | Attribute::EcPoint(b)
        | Attribute::Modulus(b)
        | Attribute::PublicExponent(b) => Ok(b),
        _ => Err(o.public_error(format!("{which} has an unexpected type"))),
    }
}

fn ed25519_public(o: &Opened) -> Result<sign::PublicKey, HsmError> {
    if o.key_type != KeyType::EC_EDWARDS {
        let found = format!("a {} key", o.key_type);
        return Err(o.wrong_key("an ed25519 key (the package signature)", found));
    }
    let params = bytes(o, o.handle, AttributeType::EcParams)?;
    if params != ED25519_OID && params != ED25519_NAME {
        return Err(o.wrong_key(
            "an ed25519 key (the package signature)",
            "an EdDSA key on another curve (Ed448?)".into(),
        ));
    }
    let public = o.public.ok_or_else(|| {
        o.public_error(
            "no public key object with the same label/id; import the key pair with its public \
             key (softhsm2-util --import without --no-public-key)"
                .into(),
        )
    })?;
    let point = bytes(o, public, AttributeType::EcPoint)?;
    // CKA_EC_POINT is the DER OCTET STRING of the 32 bytes (some tokens give them bare).
    let raw = match point.as_slice() {
        [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest,
        raw => raw,
    };
    sign::PublicKey::from_bytes(raw)
        .map_err(|e| o.public_error(format!("CKA_EC_POINT is not an ed25519 public key ({e})")))
}

/// Bit length of a big-endian unsigned number.
fn bit_len(n: &[u8]) -> usize {
    let n = &n[n.iter().take_while(|&&b| b == 0).count()..];
    n.first()
        .map_or(0, |&b| n.len() * 8 - b.leading_zeros() as usize)
}

fn rsa_public(o: &Opened, name: &str) -> Result<VerifyingKey, HsmError> {
    let expected = "an RSA-2048 key (the device verifies 2048-bit PKCS#1 v1.5 signatures)";
    if o.key_type != KeyType::RSA {
        return Err(o.wrong_key(expected, format!("a {} key", o.key_type)));
    }
    let read = |which| {
        bytes(o, o.handle, which).or_else(|e| match o.public {
            Some(p) => bytes(o, p, which),
            None => Err(e),
        })
    };
    let n = read(AttributeType::Modulus)?;
    let e = read(AttributeType::PublicExponent)?;
    let bits = bit_len(&n);
    if bits != RSA_BITS {
        return Err(o.wrong_key(expected, format!("an RSA-{bits} key")));
    }
    let key = rsa::RsaPublicKey::new(
        rsa::BigUint::from_bytes_be(&n),
        rsa::BigUint::from_bytes_be(&e),
    )
    .map_err(|e| o.public_error(format!("the modulus and exponent are not an RSA key ({e})")))?;
    let der = key
        .to_public_key_der()
        .map_err(|e| o.public_error(format!("cannot encode the public key ({e})")))?;
    VerifyingKey::from_file_bytes(der.as_bytes(), name).map_err(|e| o.public_error(format!("{e}")))
}

/// Signs `data` with the private key (`Opened::open` with `private` found it: `handle`).
fn sign_with(o: &Opened, mech: &Mechanism, data: &[u8]) -> Result<Vec<u8>, HsmError> {
    o.session
        .sign(mech, o.handle, data)
        .map_err(|source| HsmError::Sign {
            token: o.token.clone(),
            object: o.object.clone(),
            source,
        })
}

/// An ed25519 key in a token, signing with `CKM_EDDSA` (pure Ed25519, RFC 8032).
pub struct TokenEd25519 {
    opened: Opened,
    public: sign::PublicKey,
}

impl TokenEd25519 {
    /// Opens the private key `key` names (logging in) and reads its public key.
    pub fn open(key: &KeyRef) -> Result<Self, HsmError> {
        let opened = Opened::open(&key.uri, &key.access, true)?;
        let public = ed25519_public(&opened)?;
        Ok(Self { opened, public })
    }
}

impl fmt::Debug for TokenEd25519 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TokenEd25519({:?}, {})",
            self.opened.token, self.opened.object
        )
    }
}

impl sign::Signer for TokenEd25519 {
    type PublicKey = sign::PublicKey;
    type Signature = sign::Signature;
    type Error = SignError;

    fn public_key(&self) -> sign::PublicKey {
        self.public
    }

    fn sign(&self, message: &[u8]) -> Result<sign::Signature, SignError> {
        let mech = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
        let sig =
            sign_with(&self.opened, &mech, message).map_err(|e| SignError::Signer(Box::new(e)))?;
        sig.as_slice().try_into().map_err(|_| SignError::BadLength {
            what: "ed25519 signature from the token",
            expected: sign::SIGNATURE_LEN,
            found: sig.len(),
        })
    }
}

/// An RSA-2048 key in a token, signing PKCS#1 v1.5 over SHA-256 with `CKM_RSA_PKCS`.
pub struct TokenRsa {
    opened: Opened,
    public: VerifyingKey,
}

impl TokenRsa {
    /// Opens the private key `key` names (logging in) and reads its public key.
    pub fn open(key: &KeyRef) -> Result<Self, HsmError> {
        let opened = Opened::open(&key.uri, &key.access, true)?;
        let public = rsa_public(&opened, &key.uri.to_string())?;
        Ok(Self { opened, public })
    }
}

impl fmt::Debug for TokenRsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TokenRsa({:?}, {})",
            self.opened.token, self.opened.object
        )
    }
}

impl sign::Signer for TokenRsa {
    type PublicKey = VerifyingKey;
    type Signature = [u8; SIG_LEN];
    type Error = SecureError;

    fn public_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIG_LEN], SecureError> {
        secure::RsaSigner::sign_digest(self, &Sha256::digest(message).into())
    }
}

impl secure::RsaSigner for TokenRsa {
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<[u8; SIG_LEN], SecureError> {
        let mut info = SHA256_DIGEST_INFO.to_vec();
        info.extend_from_slice(digest);
        let sig = sign_with(&self.opened, &Mechanism::RsaPkcs, &info)
            .map_err(|e| SecureError::Signer(Box::new(e)))?;
        sig.try_into()
            .map_err(|_| SecureError::SignatureLength { expected: SIG_LEN })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length_of_big_endian_numbers() {
        assert_eq!(bit_len(&[]), 0);
        assert_eq!(bit_len(&[0, 0]), 0);
        assert_eq!(bit_len(&[0, 1]), 1);
        assert_eq!(bit_len(&[0x80; 256]), 2048);
        assert_eq!(bit_len(&[0x7f; 256]), 2047);
        assert_eq!(bit_len(&[0, 0xff, 0]), 16);
    }

    #[test]
    fn digest_info_prefix_is_what_the_rsa_crate_signs() {
        // The same key signs SHA-256(m) through the rsa crate (file keys) and through this
        // prefix with raw PKCS#1 v1.5 padding (what CKM_RSA_PKCS computes): equal bytes.
        let pem = include_bytes!("../../../testdata/secure/keys/sifli02/sig_pri.pem");
        let key = secure::SigningKey::from_pem(pem, "sig_pri.pem").unwrap();
        let digest: [u8; 32] = Sha256::digest(b"message").into();
        let mut info = SHA256_DIGEST_INFO.to_vec();
        info.extend_from_slice(&digest);
        let pkcs1 =
            rsa::pkcs1::DecodeRsaPrivateKey::from_pkcs1_pem(std::str::from_utf8(pem).unwrap())
                .map(|k: rsa::RsaPrivateKey| {
                    k.sign(rsa::Pkcs1v15Sign::new_unprefixed(), &info).unwrap()
                })
                .unwrap();
        assert_eq!(pkcs1, key.sign(b"message").unwrap().to_vec());
    }
}
