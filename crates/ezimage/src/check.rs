//! The structure check: every rule the vendor tool's streams keep (shared doc §5), as a report.

use crate::header::HeaderInfo;
use crate::parse::{parse, Filters};
use crate::Error;

/// One row block as found in a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockReport {
    /// Offset of the block's data from the stream start.
    pub offset: usize,
    /// Bytes up to the next block (or the Adler-32), padding included.
    pub len: usize,
    /// Rows in the block.
    pub rows: usize,
    /// Largest LZ77 distance used in the block (0 if none).
    pub max_distance: usize,
}

/// What [`check_structure`] found in a stream that keeps every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureReport {
    /// The header.
    pub header: HeaderInfo,
    /// Rows per block (the height for layout 1).
    pub rows_per_block: usize,
    /// Bytes of layout 4's shared Huffman table, padding included (0 for other layouts).
    pub table_len: usize,
    /// Bits of layout 4's shared Huffman table without its padding (0 for other layouts).
    pub table_bits: usize,
    /// Row blocks (one for layout 1).
    pub blocks: Vec<BlockReport>,
    /// Longest Huffman code (DEFLATE cannot express more than 15; reported for completeness).
    pub max_code_len: u8,
    /// Largest LZ77 distance (never above the header's window).
    pub max_distance: usize,
    /// Rows per filter type 0-4 (0 is always zero in a report).
    pub filter_counts: [usize; 5],
    /// The stream's Adler-32 (equal to the filtered rows').
    pub adler32: u32,
}

/// Checks every structural rule: the header, one dynamic-Huffman block per stream or row block
/// (layout 4: one shared table and per-block codes), BFINAL only on the last block, code
/// lengths within 15, complete Huffman codes, every distance inside the window and the row
/// block, each block decoding to exactly its rows, zero padding to 4 bytes between blocks,
/// block table offsets, filters 1-4 only, total length and Adler-32.
pub fn check_structure(stream: &[u8]) -> Result<StructureReport, Error> {
    parse(stream, Filters::Vendor).map(|p| p.report)
}
