//! RFC 7512 `pkcs11:` URIs naming a key in an HSM token (`pkcs11:token=ci;object=release`).
//!
//! Only what selects a token and a key is accepted: the path attributes `token`, `manufacturer`,
//! `model`, `serial`, `slot-id`, `object`, `id` and `type` (which must be `private`), and the
//! query attribute `module-path`. Values are percent-decoded (RFC 3986). `pin-value` is
//! refused: a PIN in a URI shows in process lists, shell history and logs. Any other attribute
//! is refused too, so that a misspelt one cannot silently select another key.

use crate::SignError;
use std::fmt;
use std::path::PathBuf;

/// The scheme prefix of a PKCS#11 URI.
pub const SCHEME: &str = "pkcs11:";

/// A parsed `pkcs11:` URI: which token and which private key object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pkcs11Uri {
    /// `token=`: the token label.
    pub token: Option<String>,
    /// `manufacturer=`: the token's manufacturer id.
    pub manufacturer: Option<String>,
    /// `model=`: the token's model.
    pub model: Option<String>,
    /// `serial=`: the token's serial number.
    pub serial: Option<String>,
    /// `slot-id=`: the slot number.
    pub slot_id: Option<u64>,
    /// `object=`: the key's label (`CKA_LABEL`).
    pub object: Option<String>,
    /// `id=`: the key's `CKA_ID` bytes.
    pub id: Option<Vec<u8>>,
    /// `?module-path=`: the PKCS#11 module, when the URI names it.
    pub module_path: Option<PathBuf>,
}

fn bad(uri: &str, reason: impl Into<String>) -> SignError {
    SignError::BadPkcs11Uri {
        uri: uri.to_owned(),
        reason: reason.into(),
    }
}

/// RFC 3986 percent-decoding of one attribute value.
fn percent_decode(uri: &str, attr: &str, value: &str) -> Result<Vec<u8>, SignError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        let byte =
            hex.and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    bad(
                uri,
                format!("{attr}: '%' at byte {i} of the value is not followed by two hex digits"),
            )
                })?;
        out.push(byte);
        i += 3;
    }
    Ok(out)
}

fn text(uri: &str, attr: &str, value: &str) -> Result<String, SignError> {
    String::from_utf8(percent_decode(uri, attr, value)?)
        .map_err(|_| bad(uri, format!("{attr}: the decoded value is not UTF-8")))
}

impl Pkcs11Uri {
    /// Parses a `pkcs11:` URI.
    pub fn parse(uri: &str) -> Result<Self, SignError> {
        let rest = uri
            .strip_prefix(SCHEME)
            .ok_or_else(|| bad(uri, "expected a URI starting with pkcs11:"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut parsed = Pkcs11Uri::default();
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            parsed.path_attr(uri, attr)?;
        }
        for attr in query.split('&').filter(|a| !a.is_empty()) {
            parsed.query_attr(uri, attr)?;
        }
        if parsed.object.is_none() && parsed.id.is_none() {
            return Err(bad(
                uri,
                "name the key with object=LABEL or id=%XX..., e.g. pkcs11:token=ci;object=release",
            ));
        }
        Ok(parsed)
    }

    fn path_attr(&mut self, uri: &str, attr: &str) -> Result<(), SignError> {
        let (name, value) = attr
            .split_once('=')
            .ok_or_else(|| bad(uri, format!("attribute {attr:?} has no '='")))?;
        let slot = match name {
            "token" => &mut self.token,
            "manufacturer" => &mut self.manufacturer,
            "model" => &mut self.model,
            "serial" => &mut self.serial,
            "object" => &mut self.object,
            "id" => return set_once(uri, name, &mut self.id, percent_decode(uri, name, value)?),
            "slot-id" => {
                let n = text(uri, name, value)?
                    .parse()
                    .map_err(|_| bad(uri, format!("slot-id={value}: expected a decimal number")))?;
                return set_once(uri, name, &mut self.slot_id, n);
            }
            "type" => {
                return match text(uri, name, value)?.as_str() {
                    "private" => Ok(()),
                    other => Err(bad(
                        uri,
                        format!("type={other}: imgtool signs with a private key (type=private)"),
                    )),
                }
            }
            "pin-value" => return Err(pin_value()),
            other => {
                return Err(bad(
                    uri,
                    format!(
                        "unsupported attribute {other:?}; expected token, manufacturer, model, \
                         serial, slot-id, object, id or type"
                    ),
                ))
            }
        };
        set_once(uri, name, slot, text(uri, name, value)?)
    }

    fn query_attr(&mut self, uri: &str, attr: &str) -> Result<(), SignError> {
        let (name, value) = attr.split_once('=').unwrap_or((attr, ""));
        match name {
            "module-path" => {
                let path = PathBuf::from(text(uri, name, value)?);
                set_once(uri, name, &mut self.module_path, path)
            }
            "pin-value" => Err(pin_value()),
            other => Err(bad(
                uri,
                format!("unsupported query attribute {other:?}; expected module-path"),
            )),
        }
    }
}

/// The message must not repeat the URI: it holds the PIN.
fn pin_value() -> SignError {
    SignError::BadPkcs11Uri {
        uri: "pkcs11:...".into(),
        reason: "pin-value is refused: a PIN in a URI shows in process lists, shell history \
                 and logs; give it with --pin-file FILE or the IMGTOOL_PKCS11_PIN variable"
            .into(),
    }
}

fn set_once<T>(uri: &str, name: &str, slot: &mut Option<T>, value: T) -> Result<(), SignError> {
    if slot.is_some() {
        return Err(bad(uri, format!("attribute {name} is given twice")));
    }
    *slot = Some(value);
    Ok(())
}

/// Percent-encodes everything but RFC 7512's unreserved path characters.
fn encode(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~:[]@!$'()*+,".contains(&b) {
            write!(f, "{}", b as char)?;
        } else {
            write!(f, "%{b:02X}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Pkcs11Uri {
    /// The URI in a canonical form (no PIN: a `Pkcs11Uri` never holds one).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SCHEME)?;
        let mut sep = "";
        let texts = [
            ("token", &self.token),
            ("manufacturer", &self.manufacturer),
            ("model", &self.model),
            ("serial", &self.serial),
            ("object", &self.object),
        ];
        for (name, value) in texts {
            if let Some(v) = value {
                write!(f, "{sep}{name}=")?;
                encode(f, v.as_bytes())?;
                sep = ";";
            }
        }
        if let Some(n) = self.slot_id {
            write!(f, "{sep}slot-id={n}")?;
            sep = ";";
        }
        if let Some(id) = &self.id {
            write!(f, "{sep}id=")?;
            for b in id {
                write!(f, "%{b:02X}")?;
            }
        }
        if let Some(m) = &self.module_path {
            write!(f, "?module-path=")?;
            encode(f, m.to_string_lossy().as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc7512_examples_with_percent_decoding() {
        let u = Pkcs11Uri::parse(
            "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;object=my%20key;id=%01%02%ff;type=private",
        )
        .unwrap();
        assert_eq!(u.token.as_deref(), Some("The Software PKCS#11 Softtoken"));
        assert_eq!(u.object.as_deref(), Some("my key"));
        assert_eq!(u.id.as_deref(), Some(&[1u8, 2, 0xff][..]));
        let again = Pkcs11Uri::parse(&u.to_string()).unwrap();
        assert_eq!(again, u);
    }

    #[test]
    fn query_module_path_and_slot() {
        let u = Pkcs11Uri::parse(
            "pkcs11:slot-id=3;serial=abc;object=k?module-path=/usr/lib/softhsm/libsofthsm2.so",
        )
        .unwrap();
        assert_eq!(u.slot_id, Some(3));
        assert_eq!(u.serial.as_deref(), Some("abc"));
        assert_eq!(
            u.module_path.as_deref(),
            Some(std::path::Path::new("/usr/lib/softhsm/libsofthsm2.so"))
        );
    }

    #[test]
    fn pin_value_is_refused_without_echoing_the_pin() {
        for uri in [
            "pkcs11:token=t;object=k;pin-value=S3cretPin",
            "pkcs11:token=t;object=k?pin-value=S3cretPin",
        ] {
            let err = Pkcs11Uri::parse(uri).unwrap_err().to_string();
            assert!(err.contains("pin-value is refused"), "{err}");
            assert!(!err.contains("S3cretPin"), "{err}");
        }
    }

    #[test]
    fn malformed_uris_say_what_is_wrong() {
        let cases = [
            ("pkcs11:token=t", "name the key"),
            ("pkcs11:token=t;object=a%2", "two hex digits"),
            ("pkcs11:token=t;object=a;object=b", "given twice"),
            ("pkcs11:token=t;object=a;type=public", "type=public"),
            (
                "pkcs11:token=t;objekt=a",
                "unsupported attribute \"objekt\"",
            ),
            ("pkcs11:token=t;object=a;slot-id=x", "decimal"),
            (
                "pkcs11:token=t;object=a?pin-source=file",
                "unsupported query",
            ),
            ("pkcs11:token", "has no '='"),
        ];
        for (uri, want) in cases {
            let err = Pkcs11Uri::parse(uri).unwrap_err().to_string();
            assert!(err.contains(want), "{uri}: {err}");
        }
    }
}
