//! Serde helpers for numbers written as hex strings (`"0x12020000"`) in layout files.
//!
//! Plain TOML integers are accepted too, so hand-written layouts may say `erase_unit = 4096`.

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};
use std::fmt;

/// Parses `"0x..."` (hex) or a decimal string; `_` separators are allowed, surrounding
/// whitespace is ignored, a sign is refused. The one "decimal or 0x" number rule of the
/// workspace: layout files and every numeric command-line option use it.
pub fn parse_u64(s: &str) -> Option<u64> {
    let t = s.trim().replace('_', "");
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) if !h.is_empty() => u64::from_str_radix(h, 16).ok(),
        Some(_) => None,
        None if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t.parse().ok(),
        None => None,
    }
}

/// The canonical text form: `0x` and at least eight hex digits.
pub fn format(v: u64) -> String {
    format!("{v:#010x}")
}

struct HexVisitor;

impl Visitor<'_> for HexVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a hex string like \"0x12020000\" or a non-negative integer")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        parse_u64(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// `#[serde(with = "hex")]` for `u64` fields.
pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*v))
}

/// `#[serde(with = "hex")]` for `u64` fields.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(HexVisitor)
}

/// `#[serde(with = "hex::u32")]` for `u32` fields.
pub mod u32 {
    use super::*;
    /// Serialises as a hex string.
    pub fn serialize<S: Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(u64::from(*v)))
    }
    /// Accepts a hex string or an integer that fits 32 bits.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let v = d.deserialize_any(HexVisitor)?;
        u32::try_from(v).map_err(|_| de::Error::custom(format!("{v:#x} does not fit 32 bits")))
    }
}

/// `#[serde(with = "hex::option")]` for `Option<u64>` fields (absent key = `None`).
pub mod option {
    use super::*;
    /// Serialises `Some` as a hex string (`None` is skipped by the caller).
    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&super::format(*v)),
            None => s.serialize_none(),
        }
    }
    /// Accepts a hex string or an integer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(HexVisitor).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hex_and_decimal_rejects_junk() {
        assert_eq!(parse_u64("0x12020000"), Some(0x1202_0000));
        assert_eq!(parse_u64("0X00_20"), Some(0x20));
        assert_eq!(parse_u64("4096"), Some(4096));
        assert_eq!(parse_u64("0x"), None);
        assert_eq!(parse_u64("12k"), None);
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64(""), None);
        assert_eq!(format(0x1000), "0x00001000");
    }
}
