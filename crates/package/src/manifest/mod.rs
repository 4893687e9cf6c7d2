//! The package manifest: everything a device, a server or an app needs to trust a package.
//!
//! One [`Manifest`] value serves two outputs:
//! - `manifest.json` beside the package (serde JSON, digests as lowercase hex), for servers and
//!   apps;
//! - the signature trailer (`crate::trailer`), which embeds the manifest's canonical binary
//!   encoding ([`Manifest::to_bytes`]) and signs it.
//!
//! Build one with [`Manifest::new`], add images with [`ImageEntry::new`] (which computes the
//! digests from the raw image and the payload bytes), then bind it to the finished package body
//! with [`Manifest::set_body`].
//!
//! # Canonical binary encoding (format version 1)
//!
//! Little-endian integers; `str` = u16 byte length + UTF-8 bytes; `opt` = u8 0 (absent) or u8 1
//! followed by a `str`. No padding, no trailing bytes. Every manifest has exactly one encoding and
//! the decoder accepts only that one (so re-encoding a decoded manifest gives the same bytes).
//!
//! ```text
//! offset size  field
//! 0      2     format_version = 1
//! 2      2     image_count n
//! 4      4     body_len      (header + table + payloads)
//! 8      4     body_crc      (the package header's CRC field, over the payloads)
//! 12     32    body_sha256   (SHA-256 of the body, install_state byte 5 hashed as 0xFF)
//! 44     ...   str tool, str layout, opt version, opt build_id, opt min_hw, opt min_sdk
//! ...    ...   n image records, in package table order:
//!              u8 id, u8 flag, u32 raw_size, [32] raw_sha256,
//!              u32 payload_size, [32] payload_sha256, str name, opt source
//! ```
//!
//! The fixed fields come first so that a small C verifier (the DFU installer) can find
//! `body_sha256` at offset 12 without a general decoder.

pub mod raw;

use crate::le_reader::{LeReader, Short};
use crate::v2::raw::OfflineHeader;
use raw::{ImageRecordHead, ManifestHead, IMAGE_RECORD_HEAD_FIELDS, MANIFEST_HEAD_FIELDS};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, IntoBytes};

/// The manifest format version this crate writes and reads.
pub const MANIFEST_FORMAT_VERSION: u16 = 1;

/// Offset of the install-state byte in the package header. The device programs it during an
/// install (0xFF -> 0x7F -> 0x3F), so the body digest treats it as 0xFF: a package re-verified
/// in flash after a power loss must still match. The same constant as
/// [`crate::v2::raw::header_offset::INSTALL_STATE`], taken from the header's declaration.
pub use crate::v2::raw::header_offset::INSTALL_STATE as INSTALL_STATE_OFFSET;

/// Size of the fixed part of the encoding (everything before the strings).
const FIXED_LEN: usize = size_of::<ManifestHead>();

/// A SHA-256 digest (serialised as 64 lowercase hex digits in JSON).
pub type Sha256Digest = [u8; 32];

/// What is wrong with a manifest or its encoding.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    /// The encoding ended before a field was complete.
    #[error(
        "manifest truncated at offset {offset}: {field} needs {needed} bytes, {available} left"
    )]
    Truncated {
        /// Offset of the field within the manifest encoding.
        offset: usize,
        /// Field name.
        field: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the encoding.
        available: usize,
    },
    /// The format version is not one this build reads.
    #[error(
        "manifest format version {found} is not supported (expected {MANIFEST_FORMAT_VERSION})"
    )]
    UnsupportedVersion {
        /// The version found.
        found: u16,
    },
    /// An optional field's presence byte is neither 0 nor 1.
    #[error(
        "manifest field {field} at offset {offset}: presence byte {found:#04x}, expected 0 or 1"
    )]
    BadPresence {
        /// Field name.
        field: &'static str,
        /// Offset of the presence byte.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// A string field is not valid UTF-8.
    #[error("manifest field {field} at offset {offset} is not valid UTF-8")]
    BadUtf8 {
        /// Field name.
        field: &'static str,
        /// Offset of the string bytes.
        offset: usize,
    },
    /// Bytes follow the last image record.
    #[error("manifest has {extra} unexpected bytes after its last image record (offset {offset})")]
    TrailingBytes {
        /// Offset of the first unexpected byte.
        offset: usize,
        /// Number of unexpected bytes.
        extra: usize,
    },
    /// A value does not fit its field in the encoding.
    #[error("manifest field {field} is too long to encode: {len} (at most {max})")]
    TooLong {
        /// Field name.
        field: &'static str,
        /// Its length or count.
        len: usize,
        /// The most the encoding can hold.
        max: usize,
    },
    /// The package body is shorter than its 12-byte header.
    #[error("package body is {len} bytes, shorter than the 12-byte header")]
    BodyTooShort {
        /// Body length.
        len: usize,
    },
}

impl From<Short> for ManifestError {
    fn from(s: Short) -> Self {
        ManifestError::Truncated {
            field: s.field,
            offset: s.offset,
            needed: s.needed,
            available: s.available,
        }
    }
}

/// The manifest of one OTA package.
///
/// Field order here is the JSON field order; the binary order is in the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Manifest format version ([`MANIFEST_FORMAT_VERSION`]).
    pub format_version: u16,
    /// The tool that made the package, e.g. `imgtool 0.1.0`.
    pub tool: String,
    /// Product / board / layout name the package was made for (the flash layout's name).
    pub layout: String,
    /// Firmware version given by the user (`--version`).
    pub version: Option<String>,
    /// Build id given by the user (`--build-id`), e.g. a git commit.
    pub build_id: Option<String>,
    /// Minimum hardware version the firmware needs (`--min-hw`).
    pub min_hw: Option<String>,
    /// Minimum SDK version the firmware needs (`--min-sdk`).
    pub min_sdk: Option<String>,
    /// Length of the package body: header, table and payloads (the trailer excluded).
    pub body_len: u32,
    /// The package header's CRC field (CRC-32/MPEG-2 over the payloads).
    pub body_crc: u32,
    /// SHA-256 of the body, install-state byte (offset 5) hashed as 0xFF (see [`body_sha256`]).
    #[serde(with = "hex32")]
    pub body_sha256: Sha256Digest,
    /// One entry per image, in package table order.
    pub images: Vec<ImageEntry>,
}

/// One image of the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageEntry {
    /// Image id (0 hcpu, 6 DFU installer, ...).
    pub id: u8,
    /// Image name, e.g. `hcpu`.
    pub name: String,
    /// Source file the image came from, as given on the command line (informational).
    pub source: Option<String>,
    /// Table flag: 0 raw, 16 compressed.
    pub flag: u8,
    /// Length of the raw (uncompressed) image.
    pub raw_size: u32,
    /// SHA-256 of the raw image.
    #[serde(with = "hex32")]
    pub raw_sha256: Sha256Digest,
    /// Length of the payload stored in the package.
    pub payload_size: u32,
    /// SHA-256 of the payload stored in the package.
    #[serde(with = "hex32")]
    pub payload_sha256: Sha256Digest,
}

impl ImageEntry {
    /// Describes one image from its raw bytes and the payload the package stores for it
    /// (the same bytes for flag 0). Fails if either is larger than 4 GiB.
    pub fn new(
        id: u8,
        name: &str,
        flag: u8,
        raw: &[u8],
        payload: &[u8],
    ) -> Result<Self, ManifestError> {
        let raw = Hashed::new(raw);
        let payload = Hashed::new(payload);
        Self::from_hashed(id, name, flag, &raw, &payload)
    }

    /// Like [`ImageEntry::new`] with the digests already made ([`Hashed`]), so a caller can
    /// hash alongside other work.
    pub fn from_hashed(
        id: u8,
        name: &str,
        flag: u8,
        raw: &Hashed,
        payload: &Hashed,
    ) -> Result<Self, ManifestError> {
        Ok(ImageEntry {
            id,
            name: name.to_owned(),
            source: None,
            flag,
            raw_size: len_u32("raw_size", raw.len)?,
            raw_sha256: raw.sha256,
            payload_size: len_u32("payload_size", payload.len)?,
            payload_sha256: payload.sha256,
        })
    }
}

/// The length and SHA-256 of some bytes, as a manifest records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hashed {
    /// Length in bytes.
    pub len: usize,
    /// SHA-256 of the bytes.
    pub sha256: Sha256Digest,
}

impl Hashed {
    /// Hashes `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        Hashed {
            len: bytes.len(),
            sha256: Sha256::digest(bytes).into(),
        }
    }
}

/// SHA-256 of a package body with the device-owned install-state byte (offset 5) taken as 0xFF.
pub fn body_sha256(body: &[u8]) -> Sha256Digest {
    body_sha256_parts([body])
}

/// [`body_sha256`] of the body made of `parts` back to back (e.g. a package's head and its
/// payloads, so the digest need not wait for the body to be assembled).
pub fn body_sha256_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Sha256Digest {
    let mut h = Sha256::new();
    let mut offset = 0;
    for part in parts {
        let state = INSTALL_STATE_OFFSET.checked_sub(offset);
        match state.filter(|&at| at < part.len()) {
            Some(at) => {
                h.update(&part[..at]);
                h.update([0xFF]);
                h.update(&part[at + 1..]);
            }
            None => h.update(part),
        }
        offset += part.len();
    }
    h.finalize().into()
}

/// What a manifest records of a package body: length, the header's CRC field, SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyDigest {
    /// Body length.
    pub len: u32,
    /// The header's CRC field (bytes 8 to 11).
    pub crc: u32,
    /// [`body_sha256`] of the body.
    pub sha256: Sha256Digest,
}

impl BodyDigest {
    /// Digests the body made of `parts` back to back; the first part must hold the whole
    /// 12-byte header. Fails on a shorter first part or a body over 4 GiB.
    pub fn of_parts(parts: &[&[u8]]) -> Result<Self, ManifestError> {
        let head = parts.first().copied().unwrap_or_default();
        let Ok((header, _)) = OfflineHeader::read_from_prefix(head) else {
            return Err(ManifestError::BodyTooShort { len: head.len() });
        };
        let len = parts.iter().map(|p| p.len()).sum();
        Ok(BodyDigest {
            len: len_u32("body_len", len)?,
            crc: header.crc.get(),
            sha256: body_sha256_parts(parts.iter().copied()),
        })
    }
}

impl Manifest {
    /// An empty manifest for a package made by `tool` for `layout`; add images, then call
    /// [`Manifest::set_body`] once the package body is final.
    pub fn new(tool: &str, layout: &str) -> Self {
        Manifest {
            format_version: MANIFEST_FORMAT_VERSION,
            tool: tool.to_owned(),
            layout: layout.to_owned(),
            version: None,
            build_id: None,
            min_hw: None,
            min_sdk: None,
            body_len: 0,
            body_crc: 0,
            body_sha256: [0; 32],
            images: Vec::new(),
        }
    }

    /// Binds the manifest to the finished package body (header, table, payloads): its length,
    /// the header's CRC field and its SHA-256 ([`body_sha256`]).
    pub fn set_body(&mut self, body: &[u8]) -> Result<(), ManifestError> {
        self.set_body_digest(BodyDigest::of_parts(&[body])?);
        Ok(())
    }

    /// [`Manifest::set_body`] with the digest already made ([`BodyDigest::of_parts`]).
    pub fn set_body_digest(&mut self, d: BodyDigest) {
        self.body_len = d.len;
        self.body_crc = d.crc;
        self.body_sha256 = d.sha256;
    }

    /// Pretty JSON for `manifest.json` (trailing newline included).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("manifest serialises to JSON");
        s.push('\n');
        s
    }

    /// The canonical binary encoding (module docs). Fails only if a string is longer than
    /// 65535 bytes or there are more than 65535 images.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ManifestError> {
        let mut out = Vec::with_capacity(FIXED_LEN + 128 + self.images.len() * 96);
        let n = u16::try_from(self.images.len()).map_err(|_| ManifestError::TooLong {
            field: "images",
            len: self.images.len(),
            max: u16::MAX as usize,
        })?;
        let head = ManifestHead {
            format_version: U16::new(self.format_version),
            image_count: U16::new(n),
            body_len: U32::new(self.body_len),
            body_crc: U32::new(self.body_crc),
            body_sha256: self.body_sha256,
        };
        out.extend_from_slice(head.as_bytes());
        put_str(&mut out, "tool", &self.tool)?;
        put_str(&mut out, "layout", &self.layout)?;
        put_opt(&mut out, "version", self.version.as_deref())?;
        put_opt(&mut out, "build_id", self.build_id.as_deref())?;
        put_opt(&mut out, "min_hw", self.min_hw.as_deref())?;
        put_opt(&mut out, "min_sdk", self.min_sdk.as_deref())?;
        for img in &self.images {
            let record = ImageRecordHead {
                id: img.id,
                flag: img.flag,
                raw_size: U32::new(img.raw_size),
                raw_sha256: img.raw_sha256,
                payload_size: U32::new(img.payload_size),
                payload_sha256: img.payload_sha256,
            };
            out.extend_from_slice(record.as_bytes());
            put_str(&mut out, "image name", &img.name)?;
            put_opt(&mut out, "image source", img.source.as_deref())?;
        }
        Ok(out)
    }

    /// Decodes the canonical binary encoding, strictly: unknown versions, bad presence bytes,
    /// invalid UTF-8, truncation and trailing bytes are errors.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ManifestError> {
        // The version decides how the rest reads, so it is judged before the rest is read.
        if let Ok((v, _)) = U16::read_from_prefix(bytes) {
            if v.get() != MANIFEST_FORMAT_VERSION {
                return Err(ManifestError::UnsupportedVersion { found: v.get() });
            }
        }
        let mut r = LeReader::new(bytes, 0);
        let head: ManifestHead = r.read(&MANIFEST_HEAD_FIELDS)?;
        let format_version = head.format_version.get();
        let n = head.image_count.get();
        let (body_len, body_crc) = (head.body_len.get(), head.body_crc.get());
        let body_sha256 = head.body_sha256;
        let tool = r.str("tool")?;
        let layout = r.str("layout")?;
        let version = r.opt("version")?;
        let build_id = r.opt("build_id")?;
        let min_hw = r.opt("min_hw")?;
        let min_sdk = r.opt("min_sdk")?;
        // No with_capacity(n): n is untrusted; records are read one by one.
        let mut images = Vec::new();
        for _ in 0..n {
            images.push(r.image()?);
        }
        if r.remaining() != 0 {
            return Err(ManifestError::TrailingBytes {
                offset: r.offset(),
                extra: r.remaining(),
            });
        }
        Ok(Manifest {
            format_version,
            tool,
            layout,
            version,
            build_id,
            min_hw,
            min_sdk,
            body_len,
            body_crc,
            body_sha256,
            images,
        })
    }
}

fn len_u32(field: &'static str, len: usize) -> Result<u32, ManifestError> {
    u32::try_from(len).map_err(|_| ManifestError::TooLong {
        field,
        len,
        max: u32::MAX as usize,
    })
}

fn put_str(out: &mut Vec<u8>, field: &'static str, s: &str) -> Result<(), ManifestError> {
    let len = u16::try_from(s.len()).map_err(|_| ManifestError::TooLong {
        field,
        len: s.len(),
        max: u16::MAX as usize,
    })?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn put_opt(out: &mut Vec<u8>, field: &'static str, s: Option<&str>) -> Result<(), ManifestError> {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, field, s)?;
        }
    }
    Ok(())
}

// The manifest's field kinds on the reader it shares with the trailer.
impl LeReader<'_> {
    fn str(&mut self, field: &'static str) -> Result<String, ManifestError> {
        let len = self.u16(field)? as usize;
        let offset = self.offset();
        let b = self.take(field, len)?;
        String::from_utf8(b.to_vec()).map_err(|_| ManifestError::BadUtf8 { field, offset })
    }

    fn opt(&mut self, field: &'static str) -> Result<Option<String>, ManifestError> {
        let offset = self.offset();
        match self.u8(field)? {
            0 => Ok(None),
            1 => self.str(field).map(Some),
            found => Err(ManifestError::BadPresence {
                field,
                offset,
                found,
            }),
        }
    }

    fn image(&mut self) -> Result<ImageEntry, ManifestError> {
        let head: ImageRecordHead = self.read(&IMAGE_RECORD_HEAD_FIELDS)?;
        let name = self.str("image name")?;
        let source = self.opt("image source")?;
        Ok(ImageEntry {
            id: head.id,
            name,
            source,
            flag: head.flag,
            raw_size: head.raw_size.get(),
            raw_sha256: head.raw_sha256,
            payload_size: head.payload_size.get(),
            payload_sha256: head.payload_sha256,
        })
    }
}

/// Serde adapter: a 32-byte digest as 64 lowercase hex digits.
mod hex32 {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        s.serialize_str(&hex)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return Err(D::Error::custom(format!(
                "expected 64 hex digits, found {} characters",
                bytes.len()
            )));
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let txt = std::str::from_utf8(pair).map_err(D::Error::custom)?;
            // from_str_radix accepts a leading '+'; digits only are canonical.
            if !pair.iter().all(u8::is_ascii_hexdigit) {
                return Err(D::Error::custom(format!("not a hex digit pair: {txt:?}")));
            }
            out[i] = u8::from_str_radix(txt, 16).map_err(D::Error::custom)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest with every optional field set and two images.
    pub(crate) fn sample() -> Manifest {
        let mut m = Manifest::new("imgtool 0.1.0", "sf32lb52-test");
        m.version = Some("1.2.3".into());
        m.build_id = Some("abc123".into());
        m.min_hw = Some("2".into());
        m.min_sdk = None;
        let mut a = ImageEntry::new(0, "hcpu", 16, b"raw image", b"payload").unwrap();
        a.source = Some("build/hcpu.bin".into());
        m.images.push(a);
        m.images
            .push(ImageEntry::new(6, "dfu", 0, b"dfu", b"dfu").unwrap());
        let mut body = vec![
            0x46, 0x43, 0x45, 0x53, 1, 0xFF, 2, 0, 0x78, 0x56, 0x34, 0x12,
        ];
        body.extend_from_slice(b"table+payloads");
        m.set_body(&body).unwrap();
        m
    }

    #[test]
    fn binary_round_trip_is_identity() {
        let m = sample();
        let bytes = m.to_bytes().unwrap();
        let back = Manifest::from_bytes(&bytes).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.to_bytes().unwrap(), bytes);
        assert_eq!(m.body_crc, 0x1234_5678);
        assert_eq!(&bytes[12..44], &m.body_sha256);
    }

    #[test]
    fn json_round_trip_and_hex_digests() {
        let m = sample();
        let json = m.to_json();
        assert!(json.contains(&format!(
            "\"payload_sha256\": \"{}\"",
            "239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5"
        )));
        let back: Manifest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn json_rejects_non_canonical_hex() {
        let m = sample();
        let json = m.to_json();
        let hex: String = m.body_sha256.iter().map(|b| format!("{b:02x}")).collect();
        // "+f" parses with from_str_radix; the adapter must still refuse it.
        let plus = format!("+{}", &hex[1..]);
        let short = hex[2..].to_string();
        for bad in [plus, short] {
            let j = json.replacen(&hex, &bad, 1);
            assert!(serde_json::from_str::<Manifest>(&j).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().to_bytes().unwrap();
        for len in 0..bytes.len() {
            let err = Manifest::from_bytes(&bytes[..len]).unwrap_err();
            assert!(
                matches!(err, ManifestError::Truncated { .. }),
                "{len}: {err}"
            );
        }
    }

    #[test]
    fn trailing_bytes_and_bad_presence_are_errors() {
        let mut bytes = sample().to_bytes().unwrap();
        bytes.push(0);
        assert!(matches!(
            Manifest::from_bytes(&bytes),
            Err(ManifestError::TrailingBytes { extra: 1, .. })
        ));
        bytes.pop();
        // The `version` presence byte follows tool and layout.
        let off = FIXED_LEN + 2 + "imgtool 0.1.0".len() + 2 + "sf32lb52-test".len();
        assert_eq!(bytes[off], 1);
        bytes[off] = 2;
        assert!(matches!(
            Manifest::from_bytes(&bytes),
            Err(ManifestError::BadPresence {
                field: "version",
                ..
            })
        ));
    }

    #[test]
    fn unsupported_version_is_named() {
        let mut bytes = sample().to_bytes().unwrap();
        bytes[0] = 2;
        assert_eq!(
            Manifest::from_bytes(&bytes),
            Err(ManifestError::UnsupportedVersion { found: 2 })
        );
    }

    #[test]
    fn body_digest_ignores_only_the_install_state_byte() {
        let mut body = sample_body();
        let d = body_sha256(&body);
        body[INSTALL_STATE_OFFSET] = 0x7F;
        assert_eq!(body_sha256(&body), d, "device-owned byte");
        body[4] ^= 1;
        assert_ne!(body_sha256(&body), d);
        assert_eq!(
            body_sha256(&sample_body()),
            Sha256::digest(sample_body()).as_slice()
        );
    }

    fn sample_body() -> Vec<u8> {
        let mut b = vec![0x46, 0x43, 0x45, 0x53, 1, 0xFF, 0, 0, 0, 0, 0, 0];
        b.extend_from_slice(b"xyz");
        b
    }

    #[test]
    fn the_body_digest_of_parts_equals_that_of_the_joined_body() {
        let mut body = sample_body();
        body[INSTALL_STATE_OFFSET] = 0x3F; // installed: still hashed as 0xFF
        body.extend((0..300u32).map(|i| (i * 7) as u8));
        let whole = BodyDigest::of_parts(&[&body]).unwrap();
        assert_eq!(whole.sha256, body_sha256(&body));
        assert_eq!(whole.len, body.len() as u32);
        let mut fresh = body.clone();
        fresh[INSTALL_STATE_OFFSET] = 0xFF;
        assert_eq!(whole.sha256, Sha256Digest::from(Sha256::digest(&fresh)));
        // Cuts before, at, just after the install-state byte, and later.
        for cuts in [[12, 40], [5, 12], [6, 13], [12, 12]] {
            let (a, rest) = body.split_at(cuts[0]);
            let (b, c) = rest.split_at(cuts[1] - cuts[0]);
            let parts = BodyDigest::of_parts(&[a, b, c]);
            if a.len() < 12 {
                assert_eq!(parts, Err(ManifestError::BodyTooShort { len: a.len() }));
            } else {
                assert_eq!(parts, Ok(whole), "cut at {cuts:?}");
            }
            assert_eq!(
                body_sha256_parts([a, b, c]),
                whole.sha256,
                "cut at {cuts:?}"
            );
        }
        let mut m = Manifest::new("t", "l");
        m.set_body(&body).unwrap();
        assert_eq!(
            (m.body_len, m.body_crc, m.body_sha256),
            (whole.len, 0, whole.sha256)
        );
    }

    #[test]
    fn an_entry_from_digests_equals_one_from_bytes() {
        let (raw, payload) = (Hashed::new(b"raw image"), Hashed::new(b"payload"));
        assert_eq!(
            ImageEntry::from_hashed(0, "hcpu", 16, &raw, &payload).unwrap(),
            ImageEntry::new(0, "hcpu", 16, b"raw image", b"payload").unwrap()
        );
        assert_eq!(raw.len, 9);
    }

    #[test]
    fn short_body_is_refused() {
        let mut m = Manifest::new("t", "l");
        assert_eq!(
            m.set_body(&[0; 11]),
            Err(ManifestError::BodyTooShort { len: 11 })
        );
    }
}
