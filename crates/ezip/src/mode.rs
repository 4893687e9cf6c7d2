//! The codec type and the level names.
//!
//! [`Mode`] is the one codec type of the workspace: the CLI parses it (by [`Mode::name`]), an
//! `ota.toml` names it, the package holds it in its payloads and the simulator's installer
//! decodes it. What the vendor's tools and the device know about a codec (its `--com_type`
//! number, whether the DFU installer decodes it) is answered here and nowhere else.

use std::fmt;

/// The codec: the stream formats of the EZIP engine and the DFU installer.
///
/// To add one: a variant here with its arms in this file ([`Mode::name`], [`Mode::com_type`]:
/// a number makes it installable) and the name lists ([`Mode::ALL`], [`Mode::NAMES`], and
/// [`Mode::INSTALLABLE_NAMES`] / [`Mode::COM_TYPES`] if installable; a test pins them); its
/// encoder and decoder in a file of its own, wired into [`crate::compress`] and
/// [`crate::decompress`]; if installable, its packet in `payload.rs` (detection and decoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// EZIP GZIP mode: u32 length, raw DEFLATE, gzip trailer (the device default).
    Gzip,
    /// A plain zlib stream.
    Zlib,
    /// EZIP LZ4 mode: u32 length, u32 compressed length, one LZ4 block.
    Lz4,
}

/// Encoder effort for the DEFLATE-based modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Level {
    /// Fast: the fastest DEFLATE encoder, for development builds; no size guarantee.
    Fast,
    /// Default: libdeflate level 9. Measured, not guaranteed per chunk: on every benchmark
    /// corpus its payloads are no larger *in total* than the vendor's method (C zlib level 9
    /// per chunk), though zlib 9 is smaller on some chunks.
    #[default]
    Default,
    /// Best: the smallest output of the strongest encoders (single-block Zopfli, libdeflate
    /// level 12), never larger than `Default` on any chunk; for release packages.
    Best,
}

impl Mode {
    /// Every codec, in the order of [`Mode::NAMES`].
    pub const ALL: [Mode; 3] = [Mode::Gzip, Mode::Zlib, Mode::Lz4];
    /// The names of [`Mode::ALL`], for messages.
    pub const NAMES: &'static str = "gzip, zlib, lz4";
    /// The names of the codecs the installer decodes ([`Mode::installable`]), for messages.
    pub const INSTALLABLE_NAMES: &'static str = "gzip, zlib";
    /// The vendor's `--com_type` numbers and what they select, for messages.
    pub const COM_TYPES: &'static str = "0 (gzip / EZIP) or 1 (zlib)";

    /// The lower-case name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Gzip => "gzip",
            Mode::Zlib => "zlib",
            Mode::Lz4 => "lz4",
        }
    }

    /// The vendor's `--com_type` number of this codec (`imgtoolv37 gen_dfu --com_type N`, the
    /// build option of the installer): 0 gzip mode (EZIP engine), 1 zlib. `None` for a codec
    /// the vendor's packer never writes (LZ4).
    pub fn com_type(self) -> Option<u8> {
        match self {
            Mode::Gzip => Some(0),
            Mode::Zlib => Some(1),
            Mode::Lz4 => None,
        }
    }

    /// The codec of a vendor `--com_type` number, `None` for a number the vendor does not
    /// define (see [`Mode::COM_TYPES`]).
    pub fn from_com_type(n: u8) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.com_type() == Some(n))
    }

    /// Whether the device's DFU installer decodes this codec, i.e. whether it can be the
    /// packet codec of a chunked image payload ([`crate::payload`]). The installer is built
    /// for exactly one of these (its `com_type`).
    pub fn installable(self) -> bool {
        self.com_type().is_some()
    }

    /// The installable codecs ([`Mode::installable`]), in the order of [`Mode::ALL`].
    pub fn installable_modes() -> impl Iterator<Item = Mode> {
        Mode::ALL.into_iter().filter(|m| m.installable())
    }
}

impl Level {
    pub(crate) const NAMES: &'static str = "fast, default, best";
    /// The lower-case name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Level::Fast => "fast",
            Level::Default => "default",
            Level::Best => "best",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(modes: impl Iterator<Item = Mode>) -> String {
        modes.map(Mode::name).collect::<Vec<_>>().join(", ")
    }

    #[test]
    fn the_name_lists_follow_the_variants() {
        assert_eq!(joined(Mode::ALL.into_iter()), Mode::NAMES);
        assert_eq!(joined(Mode::installable_modes()), Mode::INSTALLABLE_NAMES);
        for m in Mode::ALL {
            assert_eq!(m.name().parse::<Mode>().unwrap(), m);
        }
    }

    #[test]
    fn com_type_is_the_vendors_number() {
        // sifli-ota-formats.md section 3: 0 gzip / EZIP, 1 zlib; LZ4 is not a DFU codec.
        assert_eq!(Mode::Gzip.com_type(), Some(0));
        assert_eq!(Mode::Zlib.com_type(), Some(1));
        assert_eq!(Mode::Lz4.com_type(), None);
        for m in Mode::ALL {
            if let Some(n) = m.com_type() {
                assert_eq!(Mode::from_com_type(n), Some(m));
                assert!(Mode::COM_TYPES.contains(&format!("{n} ({}", m.name())));
            }
        }
        assert_eq!(Mode::from_com_type(2), None);
        assert!(!Mode::Lz4.installable());
    }
}
