//! Typed errors of the `ezimage` crate.

/// Everything that can go wrong while encoding, decoding or checking an EZIP image stream.
///
/// Offsets are byte offsets from the start of the stream given to the failing function.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The stream ended before a field could be read.
    #[error("EZIP stream truncated: {field} needs {needed} bytes at offset {offset:#x}, only {available} available")]
    Truncated {
        /// The field that did not fit.
        field: &'static str,
        /// Offset of the field.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left from `offset`.
        available: usize,
    },
    /// A header or block-table field has a value the format does not allow.
    #[error("EZIP {field} at offset {offset:#x} is {value}, expected {expected}")]
    BadField {
        /// The field.
        field: &'static str,
        /// Offset of the field.
        offset: usize,
        /// The value found.
        value: u64,
        /// What the format allows.
        expected: &'static str,
    },
    /// The DEFLATE data is invalid or breaks the vendor's block structure.
    #[error("EZIP block {block}: DEFLATE data invalid at offset {offset:#x}: {reason}")]
    Deflate {
        /// Row block (0 for layout 1; the shared table of layout 4 is reported as block 0).
        block: usize,
        /// Byte offset where the decoder stopped.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A back-reference reaches further back than the header's LZ77 window.
    #[error("EZIP block {block}: distance {distance} at offset {offset:#x} is beyond the {window}-byte window")]
    DistanceBeyondWindow {
        /// Row block.
        block: usize,
        /// Byte offset of the distance code.
        offset: usize,
        /// The distance.
        distance: usize,
        /// The header's window in bytes.
        window: usize,
    },
    /// A back-reference reaches before the start of its row block (references restart there).
    #[error("EZIP block {block}: distance {distance} at offset {offset:#x} reaches before the block's first byte ({available} bytes decoded)")]
    DistanceBeforeStart {
        /// Row block.
        block: usize,
        /// Byte offset of the distance code.
        offset: usize,
        /// The distance.
        distance: usize,
        /// Bytes decoded in this block so far.
        available: usize,
    },
    /// A block decodes to more or fewer bytes than its rows need.
    #[error("EZIP block {block} decodes to {found} bytes, its rows need {expected}")]
    BlockLength {
        /// Row block.
        block: usize,
        /// Bytes its rows need (`rows * (1 + stride)`).
        expected: usize,
        /// Bytes decoded (a lower bound when decoding stopped early).
        found: usize,
    },
    /// A row starts with a filter byte the format does not allow.
    #[error("EZIP row {row} has filter type {filter}, expected {expected}")]
    BadFilter {
        /// Row number from the top.
        row: usize,
        /// The filter byte.
        filter: u8,
        /// Allowed filter types.
        expected: &'static str,
    },
    /// The stored Adler-32 does not match the filtered rows.
    #[error("EZIP Adler-32 at offset {offset:#x} is {stored:#010x} but the filtered rows give {computed:#010x}")]
    Adler {
        /// Offset of the checksum.
        offset: usize,
        /// Value in the stream.
        stored: u32,
        /// Value computed over the decoded filtered rows.
        computed: u32,
    },
    /// The image given to the encoder cannot be an EZIP image.
    #[error("image cannot be EZIP-encoded: {field} is {value}, expected {expected}")]
    BadImage {
        /// The offending property.
        field: &'static str,
        /// Its value.
        value: u64,
        /// What the format allows.
        expected: &'static str,
    },
}
