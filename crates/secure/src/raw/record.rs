//! The header in front of every block of an online image record file (see [`crate::record`]).

use super::crypto::HASH_LEN;
use zerocopy::little_endian::U32;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Size of a record's header: SHA-256 of the plaintext block and the u32 block offset.
pub const RECORD_HEADER_LEN: usize = size_of::<RecordHeader>();

/// `hash[32] ‖ u32 offset`: the header in front of every block, little-endian. The SDK has no
/// struct for it: the device reads the hash at the start of `dfu_image_send_packet_t.packet`
/// and the offset after it (`sol/dfu_ctrl_sol.c`), the vendor packer writes them in turn.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct RecordHeader {
    /// SHA-256 of the plaintext block (the device compares the first 8 bytes).
    pub hash: [u8; HASH_LEN],
    /// Offset of the block in the image.
    pub offset: U32,
}

const _: () = assert!(size_of::<RecordHeader>() == 36);

/// Offset of `offset` in a record.
pub(crate) const OFFSET_FIELD: usize = std::mem::offset_of!(RecordHeader, offset);
