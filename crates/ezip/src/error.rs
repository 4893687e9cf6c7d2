//! Typed errors of the `ezip` crate.

use crate::Mode;

/// Everything that can go wrong while encoding or decoding an EZIP stream or payload.
///
/// Offsets are byte offsets into the buffer given to the failing function.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The stream ended before a fixed-size field could be read.
    #[error("{mode} stream truncated: {field} needs {needed} bytes at offset {offset:#010x}, only {available} available")]
    Truncated {
        /// Codec whose stream was being read.
        mode: Mode,
        /// Name of the field that did not fit.
        field: &'static str,
        /// Offset of the field.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left from `offset`.
        available: usize,
    },
    /// The compressed data itself is invalid (bad DEFLATE, bad LZ4 sequence, bad zlib header...).
    #[error("{mode} stream corrupt: {reason}")]
    Corrupt {
        /// Codec whose stream was being read.
        mode: Mode,
        /// What the decoder found wrong.
        reason: String,
    },
    /// The data decoded to more or fewer bytes than the stream's length field declares.
    #[error("{mode} stream: {field} declares {expected} bytes but the data decodes to {found}")]
    LengthMismatch {
        /// Codec whose stream was being read.
        mode: Mode,
        /// The field holding the declared length.
        field: &'static str,
        /// Declared length.
        expected: u64,
        /// Decoded length (or a lower bound when decoding stopped at the declared length).
        found: u64,
    },
    /// A checksum in the stream does not match the decoded data.
    #[error("{mode} stream: {field} is {expected:#010x} but the decoded data gives {found:#010x}")]
    ChecksumMismatch {
        /// Codec whose stream was being read.
        mode: Mode,
        /// Name of the checksum field.
        field: &'static str,
        /// Value stored in the stream.
        expected: u32,
        /// Value computed over the decoded data.
        found: u32,
    },
    /// Bytes follow the end of a stream.
    #[error("{mode} stream: {count} bytes of trailing garbage at offset {offset:#010x}")]
    TrailingBytes {
        /// Codec whose stream was being read.
        mode: Mode,
        /// Offset of the first unexpected byte.
        offset: usize,
        /// Number of unexpected bytes.
        count: usize,
    },
    /// Input too large for the format's 32-bit length fields.
    #[error("input of {len} bytes is too large: the {mode} format stores lengths as u32")]
    TooLarge {
        /// Codec asked for.
        mode: Mode,
        /// Input length.
        len: u64,
    },
    /// An invalid chunk size (`pksize`).
    #[error("invalid pksize {pksize}: {reason}")]
    BadPksize {
        /// The value given or read.
        pksize: u32,
        /// Why it is refused.
        reason: &'static str,
    },
    /// Chunked payloads only carry gzip-mode or zlib packets.
    #[error("mode {mode} cannot be used for a chunked image payload (only gzip and zlib)")]
    UnsupportedPayloadMode {
        /// The refused mode.
        mode: Mode,
    },
    /// A payload header or packet framing problem.
    #[error("payload: {reason} at offset {offset:#010x}")]
    Payload {
        /// Offset of the offending field.
        offset: usize,
        /// What was wrong.
        reason: String,
    },
    /// A packet inside a payload failed to decode.
    #[error("payload packet {index} (packet_len field at offset {offset:#010x})")]
    Packet {
        /// Zero-based packet index.
        index: usize,
        /// Offset of the packet's `packet_len` field in the payload.
        offset: usize,
        /// The codec error.
        source: Box<Error>,
    },
    /// The DEFLATE encoder failed (never expected; reported rather than panicking).
    #[error("{mode} encoder failed: {reason}")]
    Encoder {
        /// Codec asked for.
        mode: Mode,
        /// Encoder message.
        reason: String,
    },
    /// The worker thread pool could not be created.
    #[error("cannot start the compression thread pool: {reason}")]
    ThreadPool {
        /// rayon's message.
        reason: String,
    },
    /// A mode or level name that is not known.
    #[error("unknown {what} {found:?}: expected one of {expected}")]
    UnknownName {
        /// "mode" or "level".
        what: &'static str,
        /// The string given.
        found: String,
        /// The accepted names.
        expected: &'static str,
    },
}
