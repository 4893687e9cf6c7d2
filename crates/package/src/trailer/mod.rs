//! The signature trailer: authenticity for an offline package v2 without changing what the
//! device reads.
//!
//! The device reads exactly `12 + 6n + sum(payload_len)` bytes (the *body*) and ignores the
//! rest, so imgtool appends a trailer there. It carries the [`Manifest`] (which binds the body
//! by length, CRC and SHA-256, and every payload by size and SHA-256), a key id and an ed25519
//! signature. Layout, trailer version 1 (all integers little-endian; offsets from the start of
//! the trailer, which starts at offset `body_len` of the file):
//!
//! ```text
//! offset       size  field
//! 0            4     magic "IMGS" (49 4D 47 53)
//! 4            2     trailer_version = 1
//! 6            2     reserved = 0
//! 8            4     body_len: length of the body = offset of this trailer in the file
//! 12           4     manifest_len M
//! 16           M     manifest, canonical encoding (crate::manifest)
//! ---- the signed message is exactly bytes [0, 16 + M) ----
//! 16+M         1     sig_alg: 0 = unsigned (awaiting an external signature), 1 = ed25519
//! 17+M         1     key_id_len K: 0 if unsigned, 8 for ed25519
//! 18+M         2     sig_len S: 0 if unsigned, 64 for ed25519
//! 20+M         K     key_id: first 8 bytes of SHA-256 of the raw 32-byte public key
//! 20+M+K       S     signature: ed25519 (RFC 8032, pure) over the signed message
//! 20+M+K+S     4     trailer_len = 24 + M + K + S (this field included); the file ends here
//! ```
//!
//! The signed message does not depend on the key, so an unsigned package (`sig_alg` 0) can be
//! signed elsewhere and the signature attached later without changing a signed byte. The key
//! id, the lengths and `trailer_len` are outside the signature but fully determined by the
//! signature scheme, the key and the message, so the verifier recomputes and compares them:
//! no byte of the body, the manifest or the trailer can change without failing verification.
//! The one exception is the body's install-state byte (offset 5), which the device itself
//! programs in flash: the body digest hashes it as 0xFF, and [`verify`] separately requires
//! 0xFF in a package file (a fresh package).

pub mod raw;

use crate::le_reader::{LeReader, Short};
use crate::manifest::{body_sha256, Manifest, ManifestError};
use crate::v2::raw::{header_offset, OfflineHeader, INSTALL_STATE_FRESH};
use raw::{SigHead, TrailerHead, TrailerLen, SIG_HEAD_FIELDS, TRAILER_HEAD_FIELDS};
pub use raw::{SIG_ALG_ED25519, SIG_ALG_NONE, TRAILER_MAGIC, TRAILER_VERSION};
use sha2::{Digest, Sha256};
use sign::{Ed25519Signer, KeyId, PublicKey, SignError, KEY_ID_LEN, SIGNATURE_LEN};
use std::mem::offset_of;
use zerocopy::little_endian::{U16, U32};
use zerocopy::IntoBytes;

/// Bytes before the manifest.
const HEAD_LEN: usize = size_of::<TrailerHead>();
/// `sig_alg`, `key_id_len`, `sig_len`.
const SIG_HEAD_LEN: usize = size_of::<SigHead>();
/// `trailer_len`.
const TAIL_LEN: usize = size_of::<TrailerLen>();

/// Why a package's trailer is missing, malformed or does not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrailerError {
    /// The package body (header, table, payloads) is malformed or cut short.
    #[error("package body")]
    Body(#[source] crate::error::PackageError),
    /// A trailer was to be appended to a body that already has bytes after its last payload.
    #[error("package body: {extra} bytes follow the last payload; expected a bare body")]
    NotBare {
        /// Bytes after the last payload.
        extra: usize,
    },
    /// No trailer follows the body.
    #[error("the package has no signature trailer (it ends right after the last payload at {body_len:#010x})")]
    Missing {
        /// Body length.
        body_len: usize,
    },
    /// The trailer has no signature yet (made by `pack --unsigned`).
    #[error("the trailer at {body_len:#010x} is unsigned (awaiting an external signature: imgtool digest, then imgtool attach-signature)")]
    Unsigned {
        /// Body length.
        body_len: usize,
    },
    /// A trailer field does not hold what it must.
    #[error(
        "trailer field {field} at file offset {offset:#010x}: expected {expected}, found {found}"
    )]
    Field {
        /// Field name.
        field: &'static str,
        /// Offset of the field in the package file.
        offset: usize,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// The trailer ends before one of its fields is complete.
    #[error("trailer truncated: {field} at file offset {offset:#010x} needs {needed} bytes, {available} left")]
    Truncated {
        /// Field name.
        field: &'static str,
        /// Offset of the field in the package file.
        offset: usize,
        /// Bytes needed.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// The embedded manifest does not decode.
    #[error("trailer manifest at file offset {offset:#010x}")]
    Manifest {
        /// Offset of the manifest in the package file.
        offset: usize,
        /// The decoding error.
        source: ManifestError,
    },
    /// The manifest does not describe this body.
    #[error("manifest does not match the package body: {0}")]
    Mismatch(String),
    /// A length does not fit its 32-bit field.
    #[error("{what} is {len} bytes, more than a 32-bit length field holds")]
    TooLarge {
        /// What is too large.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// The key id or the signature does not verify.
    #[error(transparent)]
    Sign(#[from] SignError),
}

impl From<Short> for TrailerError {
    fn from(s: Short) -> Self {
        TrailerError::Truncated {
            field: s.field,
            offset: s.offset,
            needed: s.needed,
            available: s.available,
        }
    }
}

/// A parsed trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// The body length it was made for.
    pub body_len: u32,
    /// The manifest.
    pub manifest: Manifest,
    /// Key id and signature; `None` while awaiting an external signature.
    pub signature: Option<TrailerSignature>,
}

/// The signature part of a signed trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrailerSignature {
    /// Id of the key that signed.
    pub key_id: KeyId,
    /// The ed25519 signature over [`Trailer::message`].
    pub signature: sign::Signature,
}

impl Trailer {
    /// The signed message: trailer bytes `[0, 16 + M)` (magic to end of manifest).
    pub fn message(&self) -> Result<Vec<u8>, TrailerError> {
        let m = self
            .manifest
            .to_bytes()
            .map_err(|source| TrailerError::Manifest { offset: 0, source })?;
        let head = TrailerHead {
            magic: TRAILER_MAGIC,
            trailer_version: U16::new(TRAILER_VERSION),
            reserved: U16::new(0),
            body_len: U32::new(self.body_len),
            manifest_len: U32::new(len_u32("manifest", m.len())?),
        };
        let mut out = Vec::with_capacity(HEAD_LEN + m.len());
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(&m);
        Ok(out)
    }

    /// The trailer's bytes as appended to the body.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TrailerError> {
        let mut out = self.message()?;
        match &self.signature {
            None => out.extend_from_slice(SigHead::unsigned().as_bytes()),
            Some(s) => {
                out.extend_from_slice(SigHead::ed25519().as_bytes());
                out.extend_from_slice(&s.key_id.0);
                out.extend_from_slice(&s.signature);
            }
        }
        let total = len_u32("trailer", out.len() + TAIL_LEN)?;
        out.extend_from_slice(TrailerLen::new(total).as_bytes());
        Ok(out)
    }

    /// Parses trailer bytes strictly. `base` is the trailer's offset in the file (for errors).
    pub fn parse(bytes: &[u8], base: usize) -> Result<Self, TrailerError> {
        let mut r = LeReader::new(bytes, base);
        let head: TrailerHead = r.read(&TRAILER_HEAD_FIELDS)?;
        let err = |field, at, expected: &str, found| TrailerError::Field {
            field,
            offset: base + at,
            expected: expected.to_owned(),
            found,
        };
        if head.magic != TRAILER_MAGIC {
            let found = hex(&head.magic);
            let at = offset_of!(TrailerHead, magic);
            return Err(err("magic", at, "49 4d 47 53 (\"IMGS\")", found));
        }
        let version = head.trailer_version.get();
        if version != TRAILER_VERSION {
            let found = format!("{version} (made by a newer imgtool?)");
            let at = offset_of!(TrailerHead, trailer_version);
            let expected = TRAILER_VERSION.to_string();
            return Err(err("trailer_version", at, &expected, found));
        }
        let reserved = head.reserved.get();
        if reserved != 0 {
            let at = offset_of!(TrailerHead, reserved);
            return Err(err("reserved", at, "0", reserved.to_string()));
        }
        let body_len = head.body_len.get();
        if body_len as usize != base {
            let e = format!("{base:#010x} (the end of the last payload)");
            let at = offset_of!(TrailerHead, body_len);
            return Err(err("body_len", at, &e, format!("{body_len:#010x}")));
        }
        let manifest_len = head.manifest_len.get() as usize;
        let manifest_at = r.offset();
        let manifest_bytes = r.take("manifest", manifest_len)?;
        let manifest =
            Manifest::from_bytes(manifest_bytes).map_err(|source| TrailerError::Manifest {
                offset: manifest_at,
                source,
            })?;
        let signature = r.signature()?;
        let expected_len = r.pos() + TAIL_LEN;
        let trailer_len = r.read::<TrailerLen>(&[("trailer_len", 0)])?.get() as usize;
        if trailer_len != expected_len {
            let found = trailer_len.to_string();
            let expected = expected_len.to_string();
            return Err(r.field_err("trailer_len", TAIL_LEN, &expected, found));
        }
        if r.remaining() != 0 {
            return Err(TrailerError::Field {
                field: "end of file",
                offset: r.offset(),
                expected: "the file to end after trailer_len".into(),
                found: format!("{} more bytes", r.remaining()),
            });
        }
        Ok(Trailer {
            body_len,
            manifest,
            signature,
        })
    }
}

/// The body of a package: where it ends and where each payload is.
struct Body<'a> {
    bytes: &'a [u8],
    header: OfflineHeader,
    payloads: Vec<(u8, u8, &'a [u8])>,
}

/// Splits a package into its body and what follows, using only the header and table (the
/// device's own arithmetic: payload offsets are `12 + 6n + sum of previous lengths`).
fn split_body(package: &[u8]) -> Result<(Body<'_>, &[u8]), TrailerError> {
    let p = crate::v2::parse(package).map_err(TrailerError::Body)?;
    let payloads = p
        .images
        .iter()
        .map(|i| (i.entry.image_id, i.entry.flag, i.payload))
        .collect();
    let body = Body {
        bytes: &package[..p.payloads_end],
        header: p.header,
        payloads,
    };
    Ok((body, p.trailer))
}

/// Checks that `manifest` describes `body`: length, header CRC, body digest, and for each
/// table entry its id, flag, payload size and payload digest (and raw size/digest for raw
/// payloads, which are the image itself).
fn check_manifest(manifest: &Manifest, body: &Body<'_>) -> Result<(), TrailerError> {
    let mismatch = |what: String| Err(TrailerError::Mismatch(what));
    if manifest.body_len as usize != body.bytes.len() {
        return mismatch(format!(
            "body_len {} but the body is {} bytes",
            manifest.body_len,
            body.bytes.len()
        ));
    }
    let crc = body.header.crc.get();
    if manifest.body_crc != crc {
        return mismatch(format!(
            "body_crc {:#010x} but the header says {crc:#010x}",
            manifest.body_crc
        ));
    }
    if manifest.body_sha256 != body_sha256(body.bytes) {
        return mismatch("body_sha256 differs from the SHA-256 of the body".into());
    }
    if manifest.images.len() != body.payloads.len() {
        return mismatch(format!(
            "{} image(s) in the manifest, {} in the package table",
            manifest.images.len(),
            body.payloads.len()
        ));
    }
    for (i, (m, &(id, flag, payload))) in manifest.images.iter().zip(&body.payloads).enumerate() {
        if (m.id, m.flag) != (id, flag) || m.payload_size as usize != payload.len() {
            return mismatch(format!(
                "table entry {i}: manifest says id {} flag {} payload {} bytes, table says id {id} flag {flag} payload {} bytes",
                m.id, m.flag, m.payload_size, payload.len()
            ));
        }
        let digest: [u8; 32] = Sha256::digest(payload).into();
        if m.payload_sha256 != digest {
            return mismatch(format!(
                "table entry {i} (image id {id}): payload_sha256 differs"
            ));
        }
        if flag == 0 && (m.raw_size != m.payload_size || m.raw_sha256 != digest) {
            return mismatch(format!(
                "table entry {i} (image id {id}): a raw payload must equal the raw image"
            ));
        }
    }
    Ok(())
}

/// Appends a trailer to `body`: signed with `signer`, or unsigned (awaiting an external
/// signature) when `signer` is `None`. The manifest must already describe this body
/// ([`Manifest::set_body`]); the signature is verified before it is used.
pub fn append_trailer(
    body: &[u8],
    manifest: &Manifest,
    signer: Option<&dyn Ed25519Signer>,
) -> Result<Vec<u8>, TrailerError> {
    let (parsed, rest) = split_body(body)?;
    if !rest.is_empty() {
        return Err(TrailerError::NotBare { extra: rest.len() });
    }
    check_manifest(manifest, &parsed)?;
    let mut trailer = Trailer {
        body_len: len_u32("package body", body.len())?,
        manifest: manifest.clone(),
        signature: None,
    };
    if let Some(signer) = signer {
        let message = trailer.message()?;
        let signature = sign::sign_checked(signer, &message)?;
        trailer.signature = Some(TrailerSignature {
            key_id: signer.public_key().key_id(),
            signature,
        });
    }
    let mut out = body.to_vec();
    out.extend_from_slice(&trailer.to_bytes()?);
    Ok(out)
}

/// Reads the trailer, if any (`None`: a plain vendor-format package), and checks that it is
/// well-formed and that its manifest matches the body. Does not check the signature (no key).
/// Bytes after the body that are all 0xFF are no trailer: erased flash, as a package read back
/// from the download region ends (the device reads only the body); 0xFF bytes after a trailer
/// are erased flash too.
pub fn inspect(package: &[u8]) -> Result<Option<Trailer>, TrailerError> {
    read(package).map(|(_, trailer)| trailer)
}

/// [`inspect`], also returning the body.
fn read(package: &[u8]) -> Result<(Body<'_>, Option<Trailer>), TrailerError> {
    let (body, rest) = split_body(package)?;
    if rest.iter().all(|&b| b == 0xFF) {
        return Ok((body, None));
    }
    let trailer = Trailer::parse(&rest[..rest.len() - erased_tail(rest)], body.bytes.len())?;
    check_manifest(&trailer.manifest, &body)?;
    Ok((body, Some(trailer)))
}

/// How many 0xFF bytes end `bytes`: erased flash after a package read back from the download
/// region. A trailer never ends in 0xFF (its last byte is the top byte of the little-endian
/// `trailer_len`, 0 for any trailer under 16 MiB), so they are never part of one.
fn erased_tail(bytes: &[u8]) -> usize {
    bytes.iter().rev().take_while(|&&b| b == 0xFF).count()
}

/// Where the trailer of `package` ends (before any erased flash).
fn trailer_end(package: &[u8]) -> usize {
    package.len() - erased_tail(package)
}

/// [`read`], requiring a trailer.
fn read_trailer(package: &[u8]) -> Result<(Body<'_>, Trailer), TrailerError> {
    match read(package)? {
        (body, Some(trailer)) => Ok((body, trailer)),
        (body, None) => Err(TrailerError::Missing {
            body_len: body.bytes.len(),
        }),
    }
}

/// Full verification of a signed package with `key`: a well-formed trailer, a manifest that
/// matches the body, the key id of `key`, a valid signature, and a fresh install-state byte.
/// Returns the verified trailer.
pub fn verify(package: &[u8], key: &PublicKey) -> Result<Trailer, TrailerError> {
    let (body, trailer) = read_trailer(package)?;
    let Some(sig) = trailer.signature else {
        return Err(TrailerError::Unsigned {
            body_len: body.bytes.len(),
        });
    };
    let key_id_at = trailer_end(package) - TAIL_LEN - SIGNATURE_LEN - KEY_ID_LEN;
    if sig.key_id != key.key_id() {
        return Err(TrailerError::Field {
            field: "key_id",
            offset: key_id_at,
            expected: format!("{} (the id of the given public key)", key.key_id()),
            found: sig.key_id.to_string(),
        });
    }
    key.verify(&trailer.message()?, &sig.signature)?;
    let state = body.header.install_state;
    if state != INSTALL_STATE_FRESH {
        return Err(TrailerError::Field {
            field: "install_state (package header)",
            offset: header_offset::INSTALL_STATE,
            expected: "0xff in a package file (the device programs it during an install)".into(),
            found: format!("{state:#04x}"),
        });
    }
    Ok(trailer)
}

/// The exact message to sign for a package carrying an unsigned (or signed) trailer: what
/// `imgtool digest` writes for an external signer.
pub fn message_to_sign(package: &[u8]) -> Result<Vec<u8>, TrailerError> {
    read_trailer(package)?.1.message()
}

/// Attaches an externally made `signature` to a package whose trailer is unsigned, after
/// checking it with `key`. Refuses an already signed package and a signature that does not
/// verify. Returns the signed package.
pub fn attach_signature(
    package: &[u8],
    key: &PublicKey,
    signature: &[u8],
) -> Result<Vec<u8>, TrailerError> {
    let (body, mut trailer) = read_trailer(package)?;
    if let Some(s) = trailer.signature {
        return Err(TrailerError::Field {
            field: "sig_alg",
            offset: trailer_end(package) - TAIL_LEN - SIGNATURE_LEN - KEY_ID_LEN - SIG_HEAD_LEN,
            expected:
                "0 (unsigned): attach a signature only to a package made with pack --unsigned"
                    .into(),
            found: format!("1 (already signed by key id {})", s.key_id),
        });
    }
    let signature: sign::Signature = signature.try_into().map_err(|_| SignError::BadLength {
        what: "ed25519 signature",
        expected: SIGNATURE_LEN,
        found: signature.len(),
    })?;
    key.verify(&trailer.message()?, &signature)?;
    trailer.signature = Some(TrailerSignature {
        key_id: key.key_id(),
        signature,
    });
    let mut out = body.bytes.to_vec();
    out.extend_from_slice(&trailer.to_bytes()?);
    Ok(out)
}

fn len_u32(what: &'static str, len: usize) -> Result<u32, TrailerError> {
    u32::try_from(len).map_err(|_| TrailerError::TooLarge { what, len })
}

fn hex(b: &[u8]) -> String {
    let v: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    v.join(" ")
}

// The trailer's field kinds on the reader it shares with the manifest (offsets in the file).
impl LeReader<'_> {
    /// An error about the field of `size` bytes just read.
    fn field_err(
        &self,
        field: &'static str,
        size: usize,
        expected: &str,
        found: String,
    ) -> TrailerError {
        TrailerError::Field {
            field,
            offset: self.offset() - size,
            expected: expected.to_owned(),
            found,
        }
    }

    fn signature(&mut self) -> Result<Option<TrailerSignature>, TrailerError> {
        let head: SigHead = self.read(&SIG_HEAD_FIELDS)?;
        let (alg, kid_len, sig_len) = (head.sig_alg, head.key_id_len, head.sig_len.get());
        let found = format!("sig_alg {alg}, key_id_len {kid_len}, sig_len {sig_len}");
        match (alg, kid_len as usize, sig_len as usize) {
            (SIG_ALG_NONE, 0, 0) => Ok(None),
            (SIG_ALG_ED25519, KEY_ID_LEN, SIGNATURE_LEN) => {
                let key_id = KeyId(self.take("key_id", KEY_ID_LEN)?.try_into().expect("taken"));
                let signature = self
                    .take("signature", SIGNATURE_LEN)?
                    .try_into()
                    .expect("taken");
                Ok(Some(TrailerSignature { key_id, signature }))
            }
            _ => Err(self.field_err(
                "sig_alg, key_id_len, sig_len",
                SIG_HEAD_LEN,
                "0, 0, 0 (unsigned) or 1, 8, 64 (ed25519)",
                found,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::ImageEntry;
    use crate::v2::{Flag, PackagePlan, PlannedImage};
    use sign::PrivateKey;
    use zerocopy::FromBytes;

    fn key(n: u8) -> PrivateKey {
        PrivateKey::from_seed(&[n; 32])
    }

    /// A small two-image package body and its manifest.
    fn body_and_manifest() -> (Vec<u8>, Manifest) {
        let images = [
            (0u8, Flag::Compressed, b"cpayload".to_vec()),
            (6, Flag::Raw, b"dfu!".to_vec()),
        ];
        let plan = PackagePlan::new(
            images
                .iter()
                .map(|(id, flag, p)| PlannedImage {
                    image_id: *id,
                    flag: *flag,
                    payload: p.clone(),
                })
                .collect(),
        )
        .unwrap();
        let body = plan.emit();
        let mut m = Manifest::new("imgtool test", "board-x");
        m.version = Some("1.0.0".into());
        m.build_id = Some("b1".into());
        m.images
            .push(ImageEntry::new(0, "hcpu", 16, b"raw hcpu image", b"cpayload").unwrap());
        m.images
            .push(ImageEntry::new(6, "dfu", 0, b"dfu!", b"dfu!").unwrap());
        m.set_body(&body).unwrap();
        (body, m)
    }

    fn signed() -> (Vec<u8>, Vec<u8>) {
        let (body, m) = body_and_manifest();
        let pkg = append_trailer(&body, &m, Some(&key(1))).unwrap();
        (body, pkg)
    }

    #[test]
    fn sign_verify_round_trip_keeps_the_body() {
        let (body, pkg) = signed();
        assert_eq!(&pkg[..body.len()], &body[..], "body bytes unchanged");
        let t = verify(&pkg, &key(1).public_key()).unwrap();
        assert_eq!(t.manifest, body_and_manifest().1);
        assert_eq!(t.signature.unwrap().key_id, key(1).public_key().key_id());
        // The device's view: the reader sees the same images and a valid CRC.
        let p = crate::v2::parse(&pkg).unwrap();
        assert!(p.crc_ok());
        assert_eq!(p.payloads_end, body.len());
    }

    #[test]
    fn signing_is_deterministic() {
        assert_eq!(signed().1, signed().1);
    }

    /// An ed25519 signer outside the sign crate (an HSM stand-in): signs with `key`, reports
    /// `public`.
    struct Token {
        key: PrivateKey,
        public: PublicKey,
    }

    impl sign::Signer for Token {
        type PublicKey = PublicKey;
        type Signature = sign::Signature;
        type Error = SignError;

        fn public_key(&self) -> PublicKey {
            self.public
        }

        fn sign(&self, message: &[u8]) -> Result<sign::Signature, SignError> {
            Ok(self.key.sign(message))
        }
    }

    #[test]
    fn an_outside_signer_makes_the_same_package_and_a_wrong_one_is_refused() {
        let (body, m) = body_and_manifest();
        let good = Token {
            key: key(1),
            public: key(1).public_key(),
        };
        assert_eq!(append_trailer(&body, &m, Some(&good)).unwrap(), signed().1);
        let bad = Token {
            key: key(2),
            public: key(1).public_key(),
        };
        let err = append_trailer(&body, &m, Some(&bad)).unwrap_err();
        assert!(
            matches!(err, TrailerError::Sign(SignError::BadSignature { .. })),
            "{err}"
        );
    }

    #[test]
    fn wrong_key_fails() {
        let (_, pkg) = signed();
        let err = verify(&pkg, &key(2).public_key()).unwrap_err();
        assert!(
            matches!(
                err,
                TrailerError::Field {
                    field: "key_id",
                    ..
                }
            ),
            "{err}"
        );
        // Same key id but a different key cannot happen by accident; forge it to reach the
        // signature check itself.
        let mut forged = pkg.clone();
        let at = forged.len() - TAIL_LEN - SIGNATURE_LEN - KEY_ID_LEN;
        forged[at..at + KEY_ID_LEN].copy_from_slice(&key(2).public_key().key_id().0);
        let err = verify(&forged, &key(2).public_key()).unwrap_err();
        assert!(
            matches!(err, TrailerError::Sign(SignError::BadSignature { .. })),
            "{err}"
        );
    }

    #[test]
    fn every_flipped_byte_fails_verification() {
        let (_, pkg) = signed();
        let pubkey = key(1).public_key();
        for i in 0..pkg.len() {
            for mask in [0x01u8, 0x80, 0xFF] {
                let mut bad = pkg.clone();
                bad[i] ^= mask;
                assert!(
                    verify(&bad, &pubkey).is_err(),
                    "byte {i} of {} xor {mask:#04x} still verifies",
                    pkg.len()
                );
            }
        }
    }

    #[test]
    fn install_state_is_device_owned_but_must_be_fresh_in_a_file() {
        let (_, pkg) = signed();
        let mut installing = pkg.clone();
        installing[header_offset::INSTALL_STATE] = 0x7F;
        // The signature and digests still hold (what an installer re-checking flash sees)...
        assert!(inspect(&installing).is_ok());
        let err = verify(&installing, &key(1).public_key())
            .unwrap_err()
            .to_string();
        // ...but a package file must be fresh.
        assert!(err.contains("install_state"), "{err}");
    }

    #[test]
    fn stripped_truncated_and_extended_trailers() {
        let (body, pkg) = signed();
        let k = key(1).public_key();
        assert_eq!(inspect(&body).unwrap(), None);
        assert!(matches!(
            verify(&body, &k),
            Err(TrailerError::Missing { .. })
        ));
        for len in body.len() + 1..pkg.len() {
            assert!(inspect(&pkg[..len]).is_err(), "truncated to {len}");
            assert!(verify(&pkg[..len], &k).is_err(), "truncated to {len}");
        }
        let mut longer = pkg.clone();
        longer.push(0x00);
        let err = verify(&longer, &k).unwrap_err().to_string();
        assert!(err.contains("1 more bytes"), "{err}");
        longer.push(0xFF);
        let err = verify(&longer, &k).unwrap_err().to_string();
        assert!(err.contains("1 more bytes"), "{err}");
    }

    /// A signed package read back from the download region is followed by erased flash; that
    /// failed verify ("N more bytes") although the device reads only the body.
    #[test]
    fn regression_erased_flash_after_a_signed_trailer_verifies() {
        let (body, pkg) = signed();
        let k = key(1).public_key();
        for n in [1, 4, 4096] {
            let mut flash = pkg.clone();
            flash.resize(pkg.len() + n, 0xFF);
            let t = verify(&flash, &k).unwrap();
            assert_eq!(Some(t), inspect(&pkg).unwrap(), "{n} bytes of 0xFF");
            assert_eq!(
                message_to_sign(&flash).unwrap(),
                message_to_sign(&pkg).unwrap()
            );
            // A truncated trailer padded with 0xFF is still refused.
            for cut in [1, 5, 70] {
                let mut short = pkg[..pkg.len() - cut].to_vec();
                short.resize(short.len() + n, 0xFF);
                assert!(verify(&short, &k).is_err(), "cut {cut}, {n} bytes of 0xFF");
            }
        }
        // Another key is named at the key id's offset in the trailer, not in the padding.
        let mut flash = pkg.clone();
        flash.resize(pkg.len() + 64, 0xFF);
        let err = verify(&flash, &key(2).public_key()).unwrap_err();
        let TrailerError::Field { field, offset, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(field, "key_id");
        assert_eq!(offset, pkg.len() - TAIL_LEN - SIGNATURE_LEN - KEY_ID_LEN);
        assert!(offset > body.len());
    }

    #[test]
    fn issue16_15_erased_flash_after_the_body_is_no_trailer() {
        let (body, _) = signed();
        for n in [1, 3, 4, 4096] {
            let mut flash = body.clone();
            flash.resize(body.len() + n, 0xFF);
            assert_eq!(inspect(&flash).unwrap(), None, "{n} bytes of 0xff");
            // Still no signature to verify: missing, not malformed.
            assert!(
                matches!(
                    verify(&flash, &key(1).public_key()),
                    Err(TrailerError::Missing { .. })
                ),
                "{n} bytes of 0xff"
            );
        }
        // Anything else after the body is still read as a trailer, and fails as one.
        let mut other = body.clone();
        other.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFE]);
        assert!(inspect(&other).is_err());
    }

    #[test]
    fn future_trailer_version_is_named() {
        let (body, pkg) = signed();
        let mut v2 = pkg.clone();
        v2[body.len() + 4] = 2;
        let err = inspect(&v2).unwrap_err().to_string();
        assert!(
            err.contains("trailer_version") && err.contains("newer imgtool"),
            "{err}"
        );
    }

    #[test]
    fn external_signing_flow_matches_direct_signing() {
        let (body, m) = body_and_manifest();
        let unsigned = append_trailer(&body, &m, None).unwrap();
        let k = key(1);
        assert!(matches!(
            verify(&unsigned, &k.public_key()),
            Err(TrailerError::Unsigned { .. })
        ));
        let msg = message_to_sign(&unsigned).unwrap();
        assert_eq!(&msg[..], &unsigned[body.len()..body.len() + msg.len()]);
        let sig = k.sign(&msg);
        let attached = attach_signature(&unsigned, &k.public_key(), &sig).unwrap();
        assert_eq!(attached, signed().1);
        // A signature by another key, or over another message, is refused.
        let other = key(2).sign(&msg);
        assert!(attach_signature(&unsigned, &k.public_key(), &other).is_err());
        assert!(attach_signature(&unsigned, &k.public_key(), &k.sign(b"x")).is_err());
        assert!(attach_signature(&unsigned, &k.public_key(), &sig[..10]).is_err());
        // Already signed: refused.
        let err = attach_signature(&attached, &k.public_key(), &sig).unwrap_err();
        assert!(err.to_string().contains("already signed"), "{err}");
    }

    #[test]
    fn manifest_must_describe_the_body() {
        let (body, mut m) = body_and_manifest();
        m.images[1].payload_sha256[0] ^= 1;
        let err = append_trailer(&body, &m, Some(&key(1))).unwrap_err();
        assert!(matches!(err, TrailerError::Mismatch(_)), "{err}");
        let (body, mut m) = body_and_manifest();
        m.images.pop();
        assert!(append_trailer(&body, &m, None).is_err());
        let (body, m) = body_and_manifest();
        let mut other = body.clone();
        other.push(0);
        assert!(append_trailer(&other, &m, None).is_err(), "bare body only");
    }

    #[test]
    fn layout_matches_the_documentation() {
        let (body, pkg) = signed();
        let t = &pkg[body.len()..];
        let m = body_and_manifest().1.to_bytes().unwrap();
        // The offsets of the module docs, pinned to the declarations.
        let offsets = TRAILER_HEAD_FIELDS.map(|(_, at)| at);
        assert_eq!((offsets, HEAD_LEN), ([0, 4, 6, 8, 12], 16));
        assert_eq!((SIG_HEAD_LEN, TAIL_LEN), (4, 4));
        let (head, _) = TrailerHead::read_from_prefix(t).unwrap();
        assert_eq!(&t[..4], b"IMGS");
        assert_eq!(head.magic, TRAILER_MAGIC);
        assert_eq!(head.trailer_version.get(), 1);
        assert_eq!(&t[6..8], &[0, 0]);
        assert_eq!(head.body_len.get() as usize, body.len());
        assert_eq!(head.manifest_len.get() as usize, m.len());
        assert_eq!(&t[16..16 + m.len()], &m[..]);
        let s = 16 + m.len();
        assert_eq!(&t[s..s + 4], &[1, 8, 64, 0]);
        assert_eq!(&t[s + 4..s + 12], &key(1).public_key().key_id().0);
        let tl = TrailerLen::read_from_bytes(&t[t.len() - 4..])
            .unwrap()
            .get() as usize;
        assert_eq!(tl, t.len());
        assert_eq!(t.len(), 24 + m.len() + 8 + 64);
    }
}
