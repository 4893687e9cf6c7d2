//! The vendor tool's bugs, reproduced only on request (`--compat 2.0.5|2.4.0`).
//!
//! By default imgtool writes the value the format means; a compat version writes what that
//! vendor release writes, byte for byte, and selects its defaults (rows per block). Each
//! quirk is listed in docs/images.md with the vector that shows it.

use crate::lvgl::{Descriptor, LvglVersion, Payload};
use crate::ColorType;

/// A vendor tool release whose output is reproduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compat {
    /// `ezip` 2.0.5 (2024-02-18; the SDK snapshot's tool).
    V2_0_5,
    /// `ezip` 2.4.0 (2025-08-11).
    V2_4_0,
}

impl Compat {
    /// The version as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Compat::V2_0_5 => "2.0.5",
            Compat::V2_4_0 => "2.4.0",
        }
    }

    /// Whether this release writes LVGL 9 files (2.0.5 predates `-lvgl_version`).
    pub fn has_lvgl9(self) -> bool {
        self == Compat::V2_4_0
    }

    /// Rows per block of layouts 2 and 4 when none is given: 2.0.5 wrote one block for the
    /// whole image (seen for 20 and 40 rows; its rule for tall images is not known), 2.4.0
    /// writes 32.
    pub fn default_rows(self, height: u16) -> u16 {
        match self {
            Compat::V2_0_5 => height.max(1),
            Compat::V2_4_0 => 32,
        }
    }
}

/// Rows per block without `--rows` and without a compat version: 2.4.0's 32.
pub const DEFAULT_ROWS: u16 = 32;

/// The quirks in force for one run: none without a compat version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quirks {
    /// Reproduced release, if any.
    pub compat: Option<Compat>,
}

impl Quirks {
    /// The cf byte of a `.bin` header when the release writes a wrong one, else `None`:
    /// - 2.0.5 writes 1 (RAW) for an ARGB8888 EZIP `.bin` (its C file says RAW_ALPHA);
    /// - 2.4.0 writes 0x19 (the magic again) as cf of a v9 pixel `.bin`.
    pub fn bin_cf(&self, d: &Descriptor) -> Option<u8> {
        match (self.compat?, d.version, d.cf.payload()) {
            (Compat::V2_0_5, LvglVersion::V8, Payload::Ezip)
                if d.color == Some(ColorType::Argb8888) =>
            {
                Some(1)
            }
            (Compat::V2_4_0, LvglVersion::V9, Payload::Pixel) => Some(0x19),
            _ => None,
        }
    }

    /// Whether palette EZIP images get cf RAW even with transparent entries (both releases).
    pub fn palette_always_raw(&self) -> bool {
        self.compat.is_some()
    }
}
