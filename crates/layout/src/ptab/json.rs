//! Reading `ptab.json` into plain structs, with JSON paths in every error.

use super::ImportError;
use crate::{hex, FtabAddress, FtabRef};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One `{"mem": ..., "base": ..., "regions": [...]}` entry.
pub(super) struct PMemory {
    pub path: String,
    pub name: String,
    pub base: u64,
    pub regions: Vec<PRegion>,
}

/// One region entry.
pub(super) struct PRegion {
    pub offset: u64,
    pub size: u64,
    pub tags: Vec<String>,
    pub img: Option<String>,
    pub exec: Option<String>,
    pub ftab: Option<FtabRef>,
    pub custom: BTreeMap<String, i64>,
}

/// Parses the whole table.
pub(super) fn parse(text: &str) -> Result<Vec<PMemory>, ImportError> {
    let v: Value = serde_json::from_str(text).map_err(|e| ImportError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let list = v
        .as_array()
        .ok_or_else(|| wrong("(top level)", "a list of memories", &v))?;
    list.iter()
        .enumerate()
        .map(|(i, m)| memory(&format!("[{i}]"), m))
        .collect()
}

fn memory(path: &str, v: &Value) -> Result<PMemory, ImportError> {
    let o = object(path, v)?;
    let name = string(path, o, "mem")?.ok_or_else(|| missing(path, "mem"))?;
    let base = number(path, o, "base")?.ok_or_else(|| missing(path, "base"))?;
    let regions = match o.get("regions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, r)| region(&format!("{path}.regions[{i}]"), r))
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(wrong(
                &format!("{path}.regions"),
                "a list of regions",
                other,
            ))
        }
    };
    Ok(PMemory {
        path: path.to_string(),
        name,
        base,
        regions,
    })
}

fn region(path: &str, v: &Value) -> Result<PRegion, ImportError> {
    let o = object(path, v)?;
    Ok(PRegion {
        offset: number(path, o, "offset")?.ok_or_else(|| missing(path, "offset"))?,
        size: number(path, o, "max_size")?.ok_or_else(|| missing(path, "max_size"))?,
        tags: string_list(path, o, "tags")?,
        img: string(path, o, "img")?,
        exec: string(path, o, "exec")?,
        ftab: ftab(path, o)?,
        custom: custom(path, o)?,
    })
}

fn ftab(path: &str, o: &Map<String, Value>) -> Result<Option<FtabRef>, ImportError> {
    let Some(v) = o.get("ftab").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let path = format!("{path}.ftab");
    let f = object(&path, v)?;
    let name = string(&path, f, "name")?.ok_or_else(|| missing(&path, "name"))?;
    let mut address = Vec::new();
    for (i, a) in string_list(&path, f, "address")?.iter().enumerate() {
        address.push(match a.as_str() {
            "base" => FtabAddress::Base,
            "xip" => FtabAddress::Xip,
            _ => {
                let p = format!("{path}.address[{i}]");
                return Err(wrong(&p, "\"base\" or \"xip\"", &Value::String(a.clone())));
            }
        });
    }
    Ok(Some(FtabRef { name, address }))
}

fn custom(path: &str, o: &Map<String, Value>) -> Result<BTreeMap<String, i64>, ImportError> {
    let Some(v) = o.get("custom").filter(|v| !v.is_null()) else {
        return Ok(BTreeMap::new());
    };
    let path = format!("{path}.custom");
    let mut out = BTreeMap::new();
    for (k, v) in object(&path, v)? {
        let p = format!("{path}.{k}");
        let n = match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => hex::parse_u64(s).and_then(|u| i64::try_from(u).ok()),
            _ => None,
        };
        out.insert(k.clone(), n.ok_or_else(|| wrong(&p, "an integer", v))?);
    }
    Ok(out)
}

fn object<'a>(path: &str, v: &'a Value) -> Result<&'a Map<String, Value>, ImportError> {
    v.as_object().ok_or_else(|| wrong(path, "an object", v))
}

/// An optional string key (`null` counts as absent).
fn string(path: &str, o: &Map<String, Value>, key: &str) -> Result<Option<String>, ImportError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong(&format!("{path}.{key}"), "a string", other)),
    }
}

/// An optional list of strings (absent = empty).
fn string_list(path: &str, o: &Map<String, Value>, key: &str) -> Result<Vec<String>, ImportError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(wrong(&format!("{path}.{key}[{i}]"), "a string", other)),
            })
            .collect(),
        Some(other) => Err(wrong(&format!("{path}.{key}"), "a list of strings", other)),
    }
}

/// An optional number: a hex string ("0x1000"), a decimal string or a non-negative integer.
fn number(path: &str, o: &Map<String, Value>, key: &str) -> Result<Option<u64>, ImportError> {
    const EXPECTED: &str = "a hex string like \"0x00020000\" or a non-negative integer";
    let v = match o.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    let n = match v {
        Value::String(s) => hex::parse_u64(s),
        Value::Number(n) => n.as_u64(),
        _ => None,
    };
    n.map(Some)
        .ok_or_else(|| wrong(&format!("{path}.{key}"), EXPECTED, v))
}

fn wrong(path: &str, expected: &'static str, found: &Value) -> ImportError {
    let mut found = found.to_string();
    if found.len() > 60 {
        found.truncate(57);
        found.push_str("...");
    }
    ImportError::Field {
        path: path.to_string(),
        expected,
        found,
    }
}

fn missing(path: &str, key: &'static str) -> ImportError {
    ImportError::Missing {
        path: path.to_string(),
        key,
    }
}
