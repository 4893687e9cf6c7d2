//! Parsing codec and level names. Apart from `mode` because the parse error names a mode
//! field while [`Error`] itself holds modes: this way neither module imports the other.

use crate::{Error, Level, Mode};
use std::str::FromStr;

impl FromStr for Mode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Mode::ALL
            .into_iter()
            .find(|m| s.eq_ignore_ascii_case(m.name()))
            .ok_or_else(|| Error::UnknownName {
                what: "mode",
                found: s.to_string(),
                expected: Mode::NAMES,
            })
    }
}

impl FromStr for Level {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "fast" => Ok(Level::Fast),
            "default" => Ok(Level::Default),
            "best" => Ok(Level::Best),
            _ => Err(Error::UnknownName {
                what: "level",
                found: s.to_string(),
                expected: Level::NAMES,
            }),
        }
    }
}
