//! The layouts checked in under `layouts/`, embedded so they resolve from any directory.

use crate::toml_io::name_from_path;
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
        Layout::resolve_with(arg, |p: &Path| std::fs::read_to_string(p))
    }

    /// Like [`Layout::resolve`], with a layout file read by `read` (see
    /// [`Layout::from_file_with`]).
    pub fn resolve_with(
        arg: &str,
        read: impl FnOnce(&Path) -> std::io::Result<String>,
    ) -> Result<Layout, LayoutError> {
        let mut l = Layout::resolve_unvalidated_with(arg, read)?;
        let in_file = |e: LayoutError| {
            if Layout::is_file_arg(Path::new(""), arg) {
                LayoutError::InFile {
                    path: arg.into(),
                    source: Box::new(e),
                }
            } else {
                e
            }
        };
        l.validate().map_err(in_file)?;
        Ok(l)
    }

    /// Like [`Layout::resolve`] but without [`Layout::validate`], for viewers that show a
    /// broken layout before saying what is wrong with it. Syntax errors are still errors.
    pub fn resolve_unvalidated(arg: &str) -> Result<Layout, LayoutError> {
        Layout::resolve_unvalidated_with(arg, |p: &Path| std::fs::read_to_string(p))
    }

    /// Like [`Layout::resolve_unvalidated`], with a layout file read by `read`.
    pub fn resolve_unvalidated_with(
        arg: &str,
        read: impl FnOnce(&Path) -> std::io::Result<String>,
    ) -> Result<Layout, LayoutError> {
        if !Layout::is_file_arg(Path::new(""), arg) {
            return match BUNDLED.iter().find(|(n, _)| *n == arg) {
                Some((name, text)) => Layout::parse_unvalidated(name, text),
                None => Err(Layout::unknown_layout(arg)),
            };
        }
        let path = Path::new(arg);
        let text = read(path).map_err(|source| LayoutError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Layout::parse_unvalidated(&name_from_path(path), &text).map_err(|e| LayoutError::InFile {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }

    /// Names of all bundled layouts, sorted.
    pub fn bundled_names() -> &'static [&'static str] {
        NAMES
    }

    /// Whether a LAYOUT argument names a file (a relative path taken from `base`) rather than
    /// a bundled layout: the file exists, or the argument ends in `.toml` or holds a path
    /// separator (so a mistyped path is reported as a missing file, not an unknown name).
    /// A directory of that name does not count: an example folder named after its board
    /// must not hide the bundled layout.
    /// [`Layout::resolve`] passes an empty `base`; an argument written in a file (imgtool's
    /// `ota.toml`) is classified with that file's directory, by the same rule.
    pub fn is_file_arg(base: &Path, arg: &str) -> bool {
        base.join(arg).is_file()
            || arg.ends_with(".toml")
            || arg.contains('/')
            || arg.contains('\\')
    }

    /// The error of [`Layout::resolve`] for a name that is no bundled layout.
    pub fn unknown_layout(arg: &str) -> LayoutError {
        LayoutError::UnknownLayout {
            arg: arg.to_string(),
            bundled: NAMES.iter().map(|n| n.to_string()).collect(),
        }
    }
}
