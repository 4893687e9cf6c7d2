//! Reading and writing layout files (TOML).

use crate::{hex, Layout, LayoutError, Region};
use std::fmt::Write;
use std::path::Path;

impl Layout {
    /// Parses a layout file's text and validates it. `name_hint` becomes [`Layout::name`]
    /// (the file stem for files, the bundled name for bundled layouts).
    pub fn from_toml_str(name_hint: &str, s: &str) -> Result<Layout, LayoutError> {
        let mut l = Layout::parse_unvalidated(name_hint, s)?;
        l.validate()?;
        Ok(l)
    }

    /// Parses without checking the rules of [`Layout::validate`] (for viewers that show a broken
    /// layout before reporting what is wrong). Region start addresses are computed where the
    /// region's memory exists.
    pub fn parse_unvalidated(name_hint: &str, s: &str) -> Result<Layout, LayoutError> {
        let mut l: Layout = toml::from_str(s).map_err(|e| LayoutError::Syntax {
            name: name_hint.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        l.name = name_hint.to_string();
        l.refresh_starts();
        Ok(l)
    }

    /// Reads, parses and validates a layout file; errors name the file.
    pub fn from_file(path: &Path) -> Result<Layout, LayoutError> {
        Layout::from_file_with(path, |p: &Path| std::fs::read_to_string(p))
    }

    /// Like [`Layout::from_file`], with the file read by `read` (imgtool passes a reader
    /// that refuses files larger than a limit, so `/dev/zero` cannot take all memory).
    pub fn from_file_with(
        path: &Path,
        read: impl FnOnce(&Path) -> std::io::Result<String>,
    ) -> Result<Layout, LayoutError> {
        let text = read(path).map_err(|source| LayoutError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Layout::from_toml_str(&name_from_path(path), &text).map_err(|e| LayoutError::InFile {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }

    /// Recomputes each region's cached absolute start from its memory's base.
    pub(crate) fn refresh_starts(&mut self) {
        for r in &mut self.regions {
            let base = self
                .memories
                .iter()
                .find(|m| m.name == r.memory)
                .map_or(0, |m| m.base);
            r.abs_start = base.saturating_add(r.offset);
        }
    }

    /// The layout as TOML text, deterministic (same layout, same bytes): memories and regions
    /// in their order, numbers as hex strings, the image table last.
    pub fn to_toml_string(&self) -> String {
        let mut s = String::new();
        s.push_str("# imgtool flash layout; format: docs/layouts.md\n");
        let _ = writeln!(s, "chip = {}", quote(&self.chip));
        if let Some(d) = &self.description {
            let _ = writeln!(s, "description = {}", quote(d));
        }
        for m in &self.memories {
            let _ = write!(
                s,
                "\n[[memory]]\nname = {}\nbase = \"{}\"\nkind = \"{}\"\n",
                quote(&m.name),
                hex::format(m.base),
                m.kind.as_str(),
            );
            // RAM kinds have no erase unit (0, the default): leave the key out.
            if m.erase_unit != 0 {
                let _ = writeln!(
                    s,
                    "erase_unit = \"{}\"",
                    hex::format(u64::from(m.erase_unit))
                );
            }
            if let Some(size) = m.size {
                let _ = writeln!(s, "size = \"{}\"", hex::format(size));
            }
        }
        for r in &self.regions {
            write_region(&mut s, r);
        }
        if !self.images.is_empty() {
            s.push_str("\n[images]\n");
            for (id, region) in &self.images {
                let _ = writeln!(s, "{} = {}", quote_key(&id.to_string()), quote(region));
            }
        }
        s
    }
}

fn write_region(s: &mut String, r: &Region) {
    let tags: Vec<String> = r.tags.iter().map(|t| quote(t)).collect();
    let _ = writeln!(s, "\n[[region]]\ntags = [{}]", tags.join(", "));
    if let Some(l) = &r.label {
        let _ = writeln!(s, "label = {}", quote(l));
    }
    let _ = writeln!(
        s,
        "memory = {}\noffset = \"{}\"\nsize = \"{}\"",
        quote(&r.memory),
        hex::format(r.offset),
        hex::format(r.size)
    );
    if let Some(x) = r.xip {
        let _ = writeln!(s, "xip = \"{}\"", hex::format(x));
    }
    if let Some(x) = r.xip_size {
        let _ = writeln!(s, "xip_size = \"{}\"", hex::format(x));
    }
    for (key, v) in [("img", &r.img), ("exec", &r.exec)] {
        if let Some(v) = v {
            let _ = writeln!(s, "{key} = {}", quote(v));
        }
    }
    if let Some(f) = &r.ftab {
        let addrs: Vec<String> = f
            .address
            .iter()
            .map(|a| {
                quote(match a {
                    crate::FtabAddress::Base => "base",
                    crate::FtabAddress::Xip => "xip",
                })
            })
            .collect();
        let _ = writeln!(
            s,
            "ftab = {{ name = {}, address = [{}] }}",
            quote(&f.name),
            addrs.join(", ")
        );
    }
    if !r.custom.is_empty() {
        let kv: Vec<String> = r
            .custom
            .iter()
            .map(|(k, v)| format!("{} = {v}", quote_key(k)))
            .collect();
        let _ = writeln!(s, "custom = {{ {} }}", kv.join(", "));
    }
}

/// A TOML basic string with escapes.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A bare key when TOML allows one, else a quoted key.
fn quote_key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        k.to_string()
    } else {
        quote(k)
    }
}

/// The layout name of a file: its stem.
pub(crate) fn name_from_path(path: &Path) -> String {
    path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}
