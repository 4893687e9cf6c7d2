//! How to build a payload: the options [`crate::payload::encode`] takes and the assembly
//! pipeline reads. A module of its own so that `payload` (which drives the pipeline) and
//! `pipeline` (which reads the options) do not import each other.

use crate::{Level, Mode};

/// The vendor packer's chunk size (also the device's decompression buffer size).
pub const DEFAULT_PKSIZE: u32 = 10240;

/// How to build a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadOptions {
    /// Packet codec: [`Mode::Gzip`] (device default, EZIP engine) or [`Mode::Zlib`].
    pub mode: Mode,
    /// Encoder effort.
    pub level: Level,
    /// Uncompressed chunk size; non-zero multiple of 16.
    pub pksize: u32,
    /// Worker threads; `None` uses rayon's global pool (all cores).
    pub threads: Option<usize>,
}

impl Default for PayloadOptions {
    fn default() -> Self {
        PayloadOptions {
            mode: Mode::Gzip,
            level: Level::Default,
            pksize: DEFAULT_PKSIZE,
            threads: None,
        }
    }
}
