//! The structure check: every rule the vendor tool's streams keep (shared doc §5), as a report.

pub use crate::parse::{BlockReport, StructureReport};

use crate::parse::{parse, Filters};
use crate::Error;

/// Checks every structural rule: the header, one dynamic-Huffman block per stream or row block
/// (layout 4: one shared table and per-block codes), BFINAL only on the last block, code
/// lengths within 15, Huffman codes neither over-subscribed nor incomplete (zlib's one
/// exception, a single one-bit code, is accepted), every distance inside the window and the row
/// block, each block decoding to exactly its rows, zero padding to 4 bytes between blocks,
/// block table offsets, filters 1-4 only, total length and Adler-32.
pub fn check_structure(stream: &[u8]) -> Result<StructureReport, Error> {
    parse(stream, Filters::Vendor).map(|p| p.report)
}
