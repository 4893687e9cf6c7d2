//! ed25519 key pairs, PEM encodings, key ids and signature verification.

use crate::SignError;
use ed25519_dalek::ed25519::pkcs8::KeypairBytes;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// Length of a raw ed25519 public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of an ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length of a key id.
pub const KEY_ID_LEN: usize = 8;

/// A raw ed25519 signature (R || S).
pub type Signature = [u8; SIGNATURE_LEN];

/// Names a public key: the first 8 bytes of SHA-256 over its 32 raw bytes.
///
/// It lets a verifier pick the right key among several; it is not a security boundary (the
/// signature check is).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; KEY_ID_LEN]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// An ed25519 private key. Its bytes are wiped from memory on drop and never shown by `Debug`.
pub struct PrivateKey {
    key: SigningKey,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PrivateKey(key id {}, secret redacted)",
            self.public_key().key_id()
        )
    }
}

impl PrivateKey {
    /// Generates a new key from the operating system's random number generator.
    pub fn generate() -> Result<Self, SignError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| SignError::Random(e.to_string()))?;
        Ok(Self::from_seed(&seed))
    }

    /// The key whose 32-byte secret seed is `seed` (RFC 8032). For tests and key import.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        PrivateKey {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// Parses a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`). `what` names the source
    /// in errors (a path or `env:NAME`).
    pub fn from_pem(pem: &str, what: &str) -> Result<Self, SignError> {
        Self::from_pem_with(pem, what, None)
    }

    /// Like [`Self::from_pem`], also reading an encrypted PKCS#8 key
    /// (`-----BEGIN ENCRYPTED PRIVATE KEY-----`) with `passphrase` ([`crate::encrypted`]).
    pub fn from_pem_with(
        pem: &str,
        what: &str,
        passphrase: Option<&crate::Passphrase>,
    ) -> Result<Self, SignError> {
        if let Some(der) = crate::encrypted::decrypt_pem(pem.as_bytes(), what, passphrase)? {
            let key = SigningKey::from_pkcs8_der(&der).map_err(|e| SignError::BadPem {
                what: what.to_owned(),
                expected: "private key (PKCS#8)",
                reason: der_key_hint("PRIVATE KEY", &der).unwrap_or_else(|| e.to_string()),
            })?;
            return Ok(PrivateKey { key });
        }
        let key = SigningKey::from_pkcs8_pem(pem).map_err(|e| SignError::BadPem {
            what: what.to_owned(),
            expected: "private key (PKCS#8)",
            reason: foreign_key_hint(pem).unwrap_or_else(|| e.to_string()),
        })?;
        Ok(PrivateKey { key })
    }

    /// The PKCS#8 PEM encrypted under `passphrase` (`-----BEGIN ENCRYPTED PRIVATE KEY-----`,
    /// PBES2 as [`crate::encrypted::encrypt_pkcs8_pem`] writes it), zeroised when dropped.
    pub fn to_encrypted_pem(
        &self,
        passphrase: &crate::Passphrase,
    ) -> Result<Zeroizing<String>, SignError> {
        let pem = self.to_pem()?;
        let (_, der) = ed25519_dalek::pkcs8::spki::der::pem::decode_vec(pem.as_bytes())
            .map_err(|e| SignError::Encode(e.to_string()))?;
        crate::encrypted::encrypt_pkcs8_pem(&Zeroizing::new(der), passphrase)
    }

    /// The PKCS#8 PEM text (LF line endings), zeroised when dropped. Written as PKCS#8 v1
    /// (seed only, like `openssl genpkey`): OpenSSL 3.0 cannot read the v2 form with the
    /// public key that `SigningKey::to_pkcs8_pem` writes.
    pub fn to_pem(&self) -> Result<Zeroizing<String>, SignError> {
        let mut bytes = KeypairBytes {
            secret_key: self.key.to_bytes(),
            public_key: None,
        };
        let pem = bytes.to_pkcs8_pem(LineEnding::LF);
        // KeypairBytes wipes itself only with a feature of the `ed25519` crate we do not enable.
        bytes.secret_key.zeroize();
        pem.map_err(|e| SignError::Encode(e.to_string()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key: self.key.verifying_key(),
        }
    }

    /// Signs `message` (pure ed25519, deterministic: same key and message, same signature).
    pub fn sign(&self, message: &[u8]) -> Signature {
        use ed25519_dalek::Signer as _;
        self.key.sign(message).to_bytes()
    }
}

/// DER of the rsaEncryption and id-ecPublicKey algorithm OIDs.
const RSA_OID: &[u8] = &[
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01,
];
const EC_OID: &[u8] = &[0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// DER of the id-Ed25519 OID (1.3.101.112).
const ED25519_OID: &[u8] = &[0x06, 0x03, 0x2B, 0x65, 0x70];

/// Names the key type when a PEM holds a valid key of another algorithm: the decoder's own
/// message ("unknown OID 1.3.101.112", the ed25519 OID it wanted) does not say what to do.
/// The PEM text in `bytes`, or an error that says what the file is instead: empty, binary
/// DER (with the command that converts it), or text without a `-----BEGIN` line.
/// `expected` is "private key (PKCS#8)" or "public key (SubjectPublicKeyInfo)".
pub fn pem_text<'a>(
    bytes: &'a [u8],
    what: &str,
    expected: &'static str,
) -> Result<&'a str, SignError> {
    let reason = match std::str::from_utf8(bytes) {
        Ok(t) if t.contains("-----BEGIN ") => return Ok(t),
        _ if bytes.iter().all(u8::is_ascii_whitespace) => "not a PEM key: the file is empty",
        // DER is an ASN.1 SEQUENCE: 0x30, then a length.
        _ if bytes[0] == 0x30 => {
            "not a PEM key: this looks like a binary DER key; convert it with \
             `openssl pkey -inform DER -in KEY.der -out KEY.pem` (add -pubin for a public key)"
        }
        _ => "not a PEM key: no -----BEGIN line",
    };
    Err(SignError::BadPem {
        what: what.to_owned(),
        expected,
        reason: reason.to_owned(),
    })
}

fn foreign_key_hint(pem: &str) -> Option<String> {
    let (label, der) = ed25519_dalek::pkcs8::spki::der::pem::decode_vec(pem.as_bytes()).ok()?;
    der_key_hint(label, &Zeroizing::new(der))
}

/// [`foreign_key_hint`] of a PEM's label and decoded contents.
fn der_key_hint(label: &str, der: &[u8]) -> Option<String> {
    let has = |oid: &[u8]| der.windows(oid.len()).any(|w| w == oid);
    // The contents decide, the label only when they name no algorithm (PKCS#1 RSA, SEC1 EC).
    if has(ED25519_OID) {
        // An ed25519 key the decoder refused: the label does not match the contents.
        let right = if label.contains("PUBLIC") {
            "PUBLIC KEY"
        } else {
            "PRIVATE KEY"
        };
        return Some(format!(
            "the PEM label says {label:?} but the contents are an ed25519 key; relabel it \
             -----BEGIN {right}----- (and -----END {right}-----)"
        ));
    }
    let kind = if has(RSA_OID) || (label.starts_with("RSA") && !has(EC_OID)) {
        "an RSA key"
    } else if label.starts_with("EC") || has(EC_OID) {
        "an ECDSA key"
    } else {
        return None;
    };
    Some(format!(
        "this is {kind}; imgtool signs packages with ed25519 keys (make one with `imgtool keygen`). \
         RSA keys such as the SDK's sifli02 development keys belong to the vendor's secure-boot path"
    ))
}

/// An ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(key id {})", self.key_id())
    }
}

impl PublicKey {
    /// Parses a SubjectPublicKeyInfo PEM public key (`-----BEGIN PUBLIC KEY-----`). `what`
    /// names the source in errors.
    pub fn from_pem(pem: &str, what: &str) -> Result<Self, SignError> {
        let reason = if pem.contains("PRIVATE KEY-----") {
            // Say what to do instead of a DER error.
            "this is a private key; make the public key with `imgtool getpub`".to_owned()
        } else {
            match VerifyingKey::from_public_key_pem(pem) {
                Ok(key) => return Ok(PublicKey { key }),
                Err(e) => foreign_key_hint(pem).unwrap_or_else(|| e.to_string()),
            }
        };
        Err(SignError::BadPem {
            what: what.to_owned(),
            expected: "public key (SubjectPublicKeyInfo)",
            reason,
        })
    }

    /// The SubjectPublicKeyInfo PEM text (LF line endings).
    pub fn to_pem(&self) -> Result<String, SignError> {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| SignError::Encode(e.to_string()))
    }

    /// A key from its 32 raw bytes (RFC 8032 encoding).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignError> {
        let raw: &[u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| SignError::BadLength {
            what: "raw ed25519 public key",
            expected: PUBLIC_KEY_LEN,
            found: bytes.len(),
        })?;
        let key = VerifyingKey::from_bytes(raw).map_err(|_| SignError::BadPublicKey)?;
        Ok(PublicKey { key })
    }

    /// The 32 raw bytes (RFC 8032 encoding), as firmware embeds them.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.key.to_bytes()
    }

    /// The key id: first 8 bytes of SHA-256 over the 32 raw bytes.
    pub fn key_id(&self) -> KeyId {
        let d = Sha256::digest(self.key.as_bytes());
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&d[..KEY_ID_LEN]);
        KeyId(id)
    }

    /// Checks `signature` over `message`. Uses the strict check (rejects non-canonical
    /// signatures and weak keys), so one message and key admit one valid signature encoding.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignError> {
        let bad = || SignError::BadSignature {
            key_id: self.key_id().to_string(),
        };
        let sig: &[u8; SIGNATURE_LEN] = signature.try_into().map_err(|_| SignError::BadLength {
            what: "ed25519 signature",
            expected: SIGNATURE_LEN,
            found: signature.len(),
        })?;
        let sig = ed25519_dalek::Signature::from_bytes(sig);
        self.key.verify_strict(message, &sig).map_err(|_| bad())
    }

    /// A C source fragment defining the raw key as a byte array named `name`, for firmware
    /// (e.g. the DFU installer) that verifies packages.
    pub fn to_c_array(&self, name: &str) -> String {
        let mut s = format!(
            "/* ed25519 public key, key id {} (imgtool getpub --format c-array) */\n\
             static const unsigned char {name}[{PUBLIC_KEY_LEN}] = {{\n",
            self.key_id()
        );
        for row in self.to_bytes().chunks(8) {
            let cells: Vec<String> = row.iter().map(|b| format!("0x{b:02x}")).collect();
            s.push_str("    ");
            s.push_str(&cells.join(", "));
            s.push_str(",\n");
        }
        s.push_str("};\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032 section 7.1, TEST 1: secret key, public key and signature of the empty message.
    const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const PUB: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const SIG: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
                       5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn rfc_key() -> PrivateKey {
        PrivateKey::from_seed(&hex(SEED).try_into().unwrap())
    }

    #[test]
    fn rfc8032_test_1() {
        let k = rfc_key();
        assert_eq!(k.public_key().to_bytes().to_vec(), hex(PUB));
        assert_eq!(k.sign(b"").to_vec(), hex(SIG));
        k.public_key().verify(b"", &hex(SIG)).unwrap();
    }

    #[test]
    fn pem_round_trips() {
        let k = rfc_key();
        let pem = k.to_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let back = PrivateKey::from_pem(&pem, "t").unwrap();
        assert_eq!(back.public_key(), k.public_key());
        let pubpem = k.public_key().to_pem().unwrap();
        assert!(pubpem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(PublicKey::from_pem(&pubpem, "t").unwrap(), k.public_key());
    }

    #[test]
    fn private_pem_given_as_public_key_says_what_to_do() {
        let pem = rfc_key().to_pem().unwrap();
        let err = PublicKey::from_pem(&pem, "k.pem").unwrap_err().to_string();
        assert!(err.contains("imgtool getpub"), "{err}");
        assert!(!err.contains("MC4CAQ"), "no key text in errors: {err}");
    }

    #[test]
    fn garbage_pem_is_an_error() {
        assert!(PrivateKey::from_pem("hello", "x").is_err());
        assert!(PublicKey::from_pem(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            "x"
        )
        .is_err());
    }

    #[test]
    fn keys_of_other_algorithms_are_named() {
        let rsa = include_str!("../../../testdata/sign/rsa-not-ed25519.pem");
        let err = PrivateKey::from_pem(rsa, "rsa.pem")
            .unwrap_err()
            .to_string();
        assert!(err.contains("this is an RSA key"), "{err}");
        let rsa_pub = include_str!("../../../testdata/sign/rsa-not-ed25519.pub.pem");
        let err = PublicKey::from_pem(rsa_pub, "rsa.pub.pem")
            .unwrap_err()
            .to_string();
        assert!(err.contains("this is an RSA key"), "{err}");
    }

    #[test]
    fn issue16_16_an_ed25519_key_under_an_rsa_label_is_named_as_such() {
        let pem = rfc_key().to_pem().unwrap();
        let relabelled = pem.replace("PRIVATE KEY", "RSA PRIVATE KEY");
        let err = PrivateKey::from_pem(&relabelled, "k.pem")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("this is an RSA key"), "{err}");
        assert!(
            err.contains("contents are an ed25519 key")
                && err.contains("relabel it -----BEGIN PRIVATE KEY-----"),
            "{err}"
        );
    }

    #[test]
    fn openssl_keys_load() {
        let k = include_str!("../../../testdata/sign/openssl-ed25519.pem");
        let p = include_str!("../../../testdata/sign/openssl-ed25519.pub.pem");
        let k = PrivateKey::from_pem(k, "openssl-ed25519.pem").unwrap();
        assert_eq!(PublicKey::from_pem(p, "pub").unwrap(), k.public_key());
        assert_eq!(k.public_key().to_pem().unwrap(), p);
        // imgtool writes what OpenSSL wrote (PKCS#8 v1, no public key): OpenSSL 3.0 reads it.
        assert_eq!(
            k.to_pem().unwrap().as_str(),
            include_str!("../../../testdata/sign/openssl-ed25519.pem")
        );
    }

    #[test]
    fn debug_redacts_the_secret() {
        let k = rfc_key();
        let dbg = format!("{k:?}");
        assert!(dbg.contains("redacted"));
        assert!(!dbg.to_lowercase().contains(&SEED[..16]));
    }

    #[test]
    fn key_id_is_sha256_prefix_of_raw_key() {
        // sha256(d75a98...511a) starts with these 8 bytes (computed with python hashlib).
        assert_eq!(rfc_key().public_key().key_id().to_string(), KEY_ID_RFC1);
    }
    const KEY_ID_RFC1: &str = "21fe31dfa154a261";

    #[test]
    fn wrong_key_and_tampered_message_fail() {
        let k = rfc_key();
        let other = PrivateKey::from_seed(&[7; 32]);
        let sig = k.sign(b"msg");
        assert!(other.public_key().verify(b"msg", &sig).is_err());
        assert!(k.public_key().verify(b"msh", &sig).is_err());
        assert!(k.public_key().verify(b"msg", &sig[..63]).is_err());
    }

    #[test]
    fn generated_keys_differ_and_work() {
        let a = PrivateKey::generate().unwrap();
        let b = PrivateKey::generate().unwrap();
        assert_ne!(a.public_key(), b.public_key());
        a.public_key().verify(b"m", &a.sign(b"m")).unwrap();
    }

    #[test]
    fn c_array_lists_the_raw_bytes() {
        let c = rfc_key().public_key().to_c_array("pubkey");
        assert!(c.contains("static const unsigned char pubkey[32] = {"));
        assert!(c.contains("0xd7, 0x5a, 0x98, 0x01"));
        assert_eq!(c.matches("0x").count(), 32);
    }
}
