//! The header and entries of offline package v1 (layout table in [`crate::offline_v1`]).

use zerocopy::little_endian::U32;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The package magic ("FCES", shared with v2).
pub const MAGIC: [u8; 4] = *b"FCES";
/// Size of the fixed header before the entries.
pub const HEADER_LEN: usize = size_of::<DfuOfflineInstallPacket>();
/// Size of one `{u8 id, u32 len}` entry.
pub const ENTRY_LEN: usize = size_of::<V1ImageInfo>();

/// `dfu_offline_install_packet_t` (SDK `middleware/dfu/dfu_internal.h`) without its flexible
/// `image_info[]`: the package header, packed, little-endian.
#[derive(Debug, Clone, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuOfflineInstallPacket {
    /// `magic`: "FCES" ([`MAGIC`]; a `uint32_t` in C, compared as bytes here).
    pub magic: [u8; 4],
    /// `image_count`: the images, the control packet included.
    pub image_count: u8,
    /// `info_len`: bytes of `image_info[]`, 5 per image.
    pub info_len: U32,
}

/// One entry of `image_info[]`, `{u8 id, u32 len}` packed. The SDK has no struct for it:
/// `dfu_offline_header_alloc` reads the two fields and keeps them in a
/// `dfu_offline_image_info_t` together with the offset it computes.
#[derive(Debug, Clone, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct V1ImageInfo {
    /// Image id (10 for the control packet).
    pub img_id: u8,
    /// Payload length.
    pub len: U32,
}

// The spec's table (docs/sifli-secure-and-online-dfu.md 1.6).
const _: () = assert!(size_of::<DfuOfflineInstallPacket>() == 9);
const _: () = assert!(size_of::<V1ImageInfo>() == 5);
