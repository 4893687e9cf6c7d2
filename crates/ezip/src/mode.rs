//! Codec and level names.

use std::fmt;

/// The stream formats of the EZIP engine and the DFU installer.
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
    pub(crate) const NAMES: &'static str = "gzip, zlib, lz4";
    /// The lower-case name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Gzip => "gzip",
            Mode::Zlib => "zlib",
            Mode::Lz4 => "lz4",
        }
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
