//! Recognising files that hold a private key, so that no output ever replaces one by mistake.
//!
//! A key can be the whole file or sit inside a larger one (a certificate bundle with the key
//! after the certificates), as PEM text or as DER: both are looked for anywhere in the bytes.

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{Decode, Reader, SliceReader, Tag};

/// Whether `bytes` hold a private key anywhere: a PEM block whose label ends in
/// `PRIVATE KEY` (PKCS#8, encrypted PKCS#8, PKCS#1 RSA, SEC1 EC, OpenSSH), or a DER
/// PKCS#8 (plain or encrypted), PKCS#1 RSA or SEC1 EC private key.
pub fn holds_private_key(bytes: &[u8]) -> bool {
    holds_pem_private_key(bytes) || holds_der_private_key(bytes)
}

fn holds_pem_private_key(bytes: &[u8]) -> bool {
    const END: &[u8] = b"PRIVATE KEY-----";
    // Only where a dash ends the window is the whole window compared.
    (END.len() - 1..bytes.len())
        .filter(|&i| bytes[i] == b'-')
        .any(|i| &bytes[i + 1 - END.len()..=i] == END)
}

/// Tries a DER private key at every offset where a SEQUENCE starts whose first element could
/// begin one (the version INTEGER 0 or 1 of PKCS#8, PKCS#1 and SEC1, or the algorithm SEQUENCE
/// of an encrypted PKCS#8 key): the quick test keeps the scan of a 1 MiB file to a fraction
/// of a millisecond, which matters because every overwrite of an existing output runs it.
fn holds_der_private_key(bytes: &[u8]) -> bool {
    (0..bytes.len())
        .filter(|&i| bytes[i] == 0x30 && could_start_key(&bytes[i..]))
        .filter_map(|i| der_element(&bytes[i..]))
        .any(is_der_private_key)
}

/// `30 LEN` then `02 01 00|01` or `30`, with LEN in short form or 1-2 length bytes.
fn could_start_key(b: &[u8]) -> bool {
    let body = match b.get(1) {
        Some(&l) if l < 0x80 => 2,
        Some(0x81) => 3,
        Some(0x82) => 4,
        _ => return false,
    };
    matches!(
        b.get(body..body + 3),
        Some([0x02, 0x01, 0x00 | 0x01] | [0x30, ..])
    )
}

/// The complete DER element at the start of `bytes` (tag, length and contents), if its
/// length fits.
fn der_element(bytes: &[u8]) -> Option<&[u8]> {
    let mut r = SliceReader::new(bytes).ok()?;
    let header = der::Header::decode(&mut r).ok()?;
    let total = usize::try_from(u32::from(header.length)).ok()?
        + usize::try_from(u32::from(r.position())).ok()?;
    bytes.get(..total)
}

fn is_der_private_key(der: &[u8]) -> bool {
    pkcs8::PrivateKeyInfo::try_from(der).is_ok()
        || pkcs1::RsaPrivateKey::try_from(der).is_ok()
        || is_sec1(der)
        || is_encrypted_pkcs8(der)
}

/// SEC1 `ECPrivateKey`: SEQUENCE { INTEGER 1, OCTET STRING key, ... }.
fn is_sec1(der: &[u8]) -> bool {
    let Ok(mut r) = SliceReader::new(der) else {
        return false;
    };
    r.sequence(|s| {
        let version = u8::decode(s)?;
        let key = OctetStringRef::decode(s)?;
        while !s.is_finished() {
            der::asn1::AnyRef::decode(s)?;
        }
        Ok(version == 1 && !key.as_bytes().is_empty())
    })
    .unwrap_or(false)
        && r.is_finished()
}

/// PKCS#8 `EncryptedPrivateKeyInfo`: SEQUENCE { SEQUENCE { OID of a PKCS#5 or PKCS#12
/// password-based scheme, parameters }, OCTET STRING }.
fn is_encrypted_pkcs8(der: &[u8]) -> bool {
    // 1.2.840.113549.1.5 (PKCS#5) and 1.2.840.113549.1.12 (PKCS#12), DER-encoded arcs.
    const PKCS5: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05];
    const PKCS12: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c];
    let Ok(mut r) = SliceReader::new(der) else {
        return false;
    };
    r.sequence(|s| {
        let oid = s.sequence(|a| {
            let oid = ObjectIdentifier::decode(a)?;
            while !a.is_finished() {
                der::asn1::AnyRef::decode(a)?;
            }
            Ok(oid)
        })?;
        let data = s.decode::<OctetStringRef<'_>>()?;
        let arcs = oid.as_bytes();
        Ok((arcs.starts_with(PKCS5) || arcs.starts_with(PKCS12)) && !data.as_bytes().is_empty())
    })
    .unwrap_or(false)
        && r.is_finished()
        && der.first() == Some(&Tag::Sequence.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_and_der_keys_are_found_anywhere() {
        let key = crate::PrivateKey::generate().unwrap();
        let pem = key.to_pem().unwrap();
        assert!(holds_private_key(pem.as_bytes()));
        let mut later = vec![b'x'; 70_000];
        later.extend_from_slice(pem.as_bytes());
        assert!(holds_private_key(&later), "a PEM key after 64 KiB");
        let der = pem_der(&pem);
        assert!(holds_private_key(&der), "DER PKCS#8");
        let mut inside = vec![0u8; 1000];
        inside.extend_from_slice(&der);
        inside.extend_from_slice(&[0xff; 100]);
        assert!(holds_private_key(&inside), "DER inside other bytes");
    }

    #[test]
    fn other_files_are_not_keys() {
        assert!(!holds_private_key(b""));
        assert!(!holds_private_key(&[0x30; 4096]));
        assert!(!holds_private_key(b"-----BEGIN PUBLIC KEY-----\nMCow\n"));
        let key = crate::PrivateKey::generate().unwrap();
        let public = key.public_key().to_pem().unwrap();
        assert!(!holds_private_key(public.as_bytes()));
        assert!(!holds_private_key(&pem_der(&public)), "DER public key");
    }

    fn pem_der(pem: &str) -> Vec<u8> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64_decode(&body)
    }

    fn base64_decode(s: &str) -> Vec<u8> {
        const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u32, 0);
        for c in s.bytes().filter(|&c| c != b'=') {
            let v = ABC.iter().position(|&a| a == c).unwrap() as u32;
            acc = (acc << 6) | v;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        out
    }
}
