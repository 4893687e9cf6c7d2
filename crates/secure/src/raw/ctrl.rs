//! The control packet's plaintext `P` (SDK `middleware/dfu/dfu_protocol.h`; layout table in
//! [`crate::ctrl`]): its structs, sizes and offsets, and the values its fields take.

use super::crypto::{HASH_LEN, SIG_LEN};
use std::mem::offset_of;
use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// `dfu_control_packet_t` (SDK `middleware/dfu/dfu_protocol.h`): the head of `P`. No `Debug`:
/// `fw_key` is the session key.
#[derive(Clone, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuControlPacket {
    /// `dfu_ID`.
    pub dfu_id: u8,
    /// `HW_version`.
    pub hw_version: U32,
    /// `SDK_version`.
    pub sdk_version: U32,
    /// `FW_version`.
    pub fw_version: U32,
    /// `FW_key`: the session key, plain (the whole of `P` is encrypted in the file).
    pub fw_key: [u8; 32],
    /// `image_header_len`: the bytes after this field, `3 + 263 n` (the device recomputes it).
    pub image_header_len: U16,
}

/// `dfu_code_image_header_t` (SDK `middleware/dfu/dfu_protocol.h`) without its flexible
/// `img_header[]`, which follows it in `P`.
#[derive(Debug, Clone, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuCodeImageHeader {
    /// `blk_size` of every record file.
    pub blk_size: U16,
    /// `img_count`: the image entries that follow.
    pub img_count: u8,
}

/// `dfu_image_header_int_t` (SDK `middleware/dfu/dfu_protocol.h`): one image entry of `P`,
/// 263 bytes packed on the wire (264 in the device's RAM).
#[derive(Debug, Clone, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImageHeaderInt {
    /// RSA signature of SHA-256 of the stored image blocks.
    pub sig: [u8; SIG_LEN],
    /// Image length without record headers.
    pub length: U32,
    /// `DFU_FLAG_*`.
    pub flag: U16,
    /// The image id.
    pub img_id: u8,
}

// The spec's table (docs/sifli-secure-and-online-dfu.md 1.5).
const _: () = assert!(size_of::<DfuControlPacket>() == 47);
const _: () = assert!(size_of::<DfuCodeImageHeader>() == 3);
const _: () = assert!(size_of::<DfuImageHeaderInt>() == 263);
const _: () = assert!(offset_of!(DfuControlPacket, image_header_len) == 45);
const _: () = assert!(offset_of!(DfuImageHeaderInt, flag) == 260);

/// Size of the fixed part of `P` before the image entries.
pub const CTRL_HEADER_LEN: usize = size_of::<DfuControlPacket>() + size_of::<DfuCodeImageHeader>();
/// Size of one image entry on the wire (`dfu_image_header_int_t` is 264 in RAM).
pub const IMAGE_ENTRY_LEN: usize = size_of::<DfuImageHeaderInt>();
/// Offset of `img_count` in `P`.
pub const IMG_COUNT_OFFSET: usize =
    size_of::<DfuControlPacket>() + offset_of!(DfuCodeImageHeader, img_count);
/// Offset of `image_header_len` in `P`.
pub(crate) const IMAGE_HEADER_LEN_OFFSET: usize = offset_of!(DfuControlPacket, image_header_len);
/// Offset of an entry's `flag` in the entry.
pub const ENTRY_FLAG_OFFSET: usize = offset_of!(DfuImageHeaderInt, flag);
/// Offset of an entry's `img_id` in the entry.
pub const ENTRY_IMG_ID_OFFSET: usize = offset_of!(DfuImageHeaderInt, img_id);
/// Bytes the file adds around `P`: the SHA-256 in front and the signature behind.
pub const CTRL_FILE_OVERHEAD: usize = HASH_LEN + SIG_LEN;
/// Most images one control packet holds (`img_header[DFU_IMG_ID_MAX]`).
pub const MAX_IMAGES: usize = 11;
/// Slots of the OTA-manager image array (`DFU_USER_BIN_UPGRADE_BIN_SIZE`, `dfu_internal.h:83`).
pub const MAX_OTA_MANAGER_IMAGES: usize = 2;

/// Highest `dfu_ID` the device accepts: 0 CODE, 1 CODE_MIX, 2 OTA_MANAGER. The SDK defines
/// 3..=5 (`DFU_ID_DL` = 5) and `dfu_ctrl_packet_check` lets them past its range check, but the
/// init handlers answer them with an error ("Support other OTA method, before implement it,
/// just response err", `sol/dfu_ctrl_sol.c`) and the check returns success only for 0..=2.
pub const MAX_DFU_ID: u8 = 2;
/// `dfu_ID` 0: CODE.
pub const DFU_ID_CODE: u8 = 0;
/// `dfu_ID` 1: CODE_MIX.
pub const DFU_ID_CODE_MIX: u8 = 1;
/// `dfu_ID` 2: OTA_MANAGER (the app itself downloads the OTA manager and/or the bootloader).
pub const DFU_ID_OTA_MANAGER: u8 = 2;

/// Image id of the OTA manager (`DFU_IMG_ID_OTA_MANAGER`).
pub const IMG_ID_OTA_MANAGER: u8 = 6;
/// Image id of the temporary LCPU patch (`DFU_IMG_ID_PATCH_TEMP`).
pub const IMG_ID_PATCH_TEMP: u8 = 9;
/// Image id reserved for the control packet itself (`DFU_IMG_ID_CTRL`).
pub const IMG_ID_CTRL: u8 = 10;
/// Image id of the bootloader (`DFU_IMG_ID_BOOTLOADER`).
pub const IMG_ID_BOOTLOADER: u8 = 11;
/// Highest image id (`DFU_IMG_ID_MAX`, the bootloader).
pub const MAX_IMG_ID: u8 = 11;

/// Image flag bit: blocks stored encrypted with the session key (`DFU_FLAG_ENC`).
pub const FLAG_ENC: u16 = 1;
/// Image flag bit: the image is a compressed payload (`DFU_FLAG_COMPRESS`).
pub const FLAG_COMPRESS: u16 = 16;
/// Every flag the online flow knows: 0, 1, 16, 17.
pub const KNOWN_FLAGS: [u16; 4] = [0, FLAG_ENC, FLAG_COMPRESS, FLAG_COMPRESS | FLAG_ENC];
