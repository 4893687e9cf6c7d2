//! The layouts checked in under `layouts/`, embedded so they resolve from any directory.

use crate::{Layout, LayoutError};
use std::path::Path;

macro_rules! bundled {
    ($($name:literal),* $(,)?) => {
        /// (name, TOML text) of every bundled layout, sorted by name.
        const BUNDLED: &[(&str, &str)] =
            &[$(($name, include_str!(concat!("../../../layouts/", $name, ".toml")))),*];
        /// Names of the bundled layouts, sorted.
        const NAMES: &[&str] = &[$($name),*];
    };
}

// Keep in sync with layouts/ (a test fails if a file there is missing here).
bundled![
    "sf32lb52x-eh-lb523",
    "sf32lb52x-eh-lb525",
    "sf32lb52x-lcd_n16r8",
    "sf32lb56x-eh-lb561"
];

impl Layout {
    /// A bundled layout by name (`sf32lb52x-eh-lb523`), or `None` if there is no such layout.
    pub fn bundled(name: &str) -> Option<Layout> {
        let (_, text) = BUNDLED.iter().find(|(n, _)| *n == name)?;
        // The bundled files are tested to parse and validate, so this never drops an error.
        Layout::from_toml_str(name, text).ok()
    }

    /// The TOML text of a bundled layout.
    pub fn bundled_text(name: &str) -> Option<&'static str> {
        BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// Resolves a LAYOUT argument: a path to a `.toml` file (anything that exists, ends in
    /// `.toml` or contains a path separator) or the name of a bundled layout.
    pub fn resolve(arg: &str) -> Result<Layout, LayoutError> {
        let path = Path::new(arg);
        let looks_like_path = arg.ends_with(".toml") || arg.contains('/') || arg.contains('\\');
        if path.exists() || looks_like_path {
            return Layout::from_file(path);
        }
        Layout::bundled(arg).ok_or_else(|| LayoutError::UnknownLayout {
            arg: arg.to_string(),
            bundled: NAMES.iter().map(|n| n.to_string()).collect(),
        })
    }

    /// Names of all bundled layouts, sorted.
    pub fn bundled_names() -> &'static [&'static str] {
        NAMES
    }
}
