//! The DFU messages of both BLE flows as the device declares them (`dfu_protocol.h`), its own
//! declarations: the sender declares its own, and a test pins both sides to the spec tables
//! (secure-and-online-dfu doc, sections 4.2 and 4.3).
//!
//! The C structs are not packed: fields sit at their natural ARM alignment, so a `u16` after a
//! `u8` has a pad byte before it and a struct is padded to its alignment. The Rust types use
//! unaligned little-endian fields with the pads written out, so their size is the C `sizeof`.

use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Message ids (`dfu_protocol_msg_id_t`).
pub mod id {
    /// `DFU_INIT_REQUEST`: control packet, old-style init.
    pub const INIT_REQUEST: u16 = 0;
    /// `DFU_INIT_RESPONSE`.
    pub const INIT_RESPONSE: u16 = 1;
    /// `DFU_INIT_COMPLETED_IND`.
    pub const INIT_COMPLETED_IND: u16 = 2;
    /// `DFU_RESUME_REQUEST`.
    pub const RESUME_REQUEST: u16 = 3;
    /// `DFU_RESUME_RESPONSE`.
    pub const RESUME_RESPONSE: u16 = 4;
    /// `DFU_RESUME_COMPLETED_IND`.
    pub const RESUME_COMPLETED_IND: u16 = 5;
    /// `DFU_IMAGE_SEND_START`.
    pub const IMAGE_SEND_START: u16 = 6;
    /// `DFU_IMAGE_SEND_START_RESPONSE`.
    pub const IMAGE_SEND_START_RESPONSE: u16 = 7;
    /// `DFU_IMAGE_SEND_END`.
    pub const IMAGE_SEND_END: u16 = 8;
    /// `DFU_IMAGE_SEND_END_RESPONSE`.
    pub const IMAGE_SEND_END_RESPONSE: u16 = 9;
    /// `DFU_IMAGE_SEND_PACKET`.
    pub const IMAGE_SEND_PACKET: u16 = 10;
    /// `DFU_IMAGE_SEND_PACKET_RESPONSE`.
    pub const IMAGE_SEND_PACKET_RESPONSE: u16 = 11;
    /// `DFU_TRANSMISSION_END`.
    pub const TRANSMISSION_END: u16 = 12;
    /// `DFU_END_IND`.
    pub const END_IND: u16 = 13;
    /// `DFU_FORCE_INIT_REQUEST`.
    pub const FORCE_INIT_REQUEST: u16 = 14;
    /// `DFU_CONNECTION_PRIORITY_CHECK`.
    pub const CONNECTION_PRIORITY_CHECK: u16 = 15;
    /// `DFU_RETRANSMISSION_REQUEST`.
    pub const RETRANSMISSION_REQUEST: u16 = 16;
    /// `DFU_RETRANSMISSION_RESPONSE`.
    pub const RETRANSMISSION_RESPONSE: u16 = 17;
    /// `DFU_READ_VERSION_REQUEST`.
    pub const READ_VERSION_REQUEST: u16 = 18;
    /// `DFU_COMMAND_POWER_OFF`.
    pub const COMMAND_POWER_OFF: u16 = 20;
    /// `DFU_INIT_REQUEST_EXT`.
    pub const INIT_REQUEST_EXT: u16 = 32;
    /// `DFU_INIT_RESPONSE_EXT`.
    pub const INIT_RESPONSE_EXT: u16 = 33;
    /// `DFU_INIT_COMPLETED_IND_EXT`.
    pub const INIT_COMPLETED_IND_EXT: u16 = 34;
    /// `DFU_LINK_LOSE_CHECK_REQ` (device to sender).
    pub const LINK_LOSE_CHECK_REQ: u16 = 35;
    /// `DFU_LINK_LOSE_CHECK_RSP`.
    pub const LINK_LOSE_CHECK_RSP: u16 = 36;
    /// `DFU_ABORT_COMMAND`.
    pub const ABORT_COMMAND: u16 = 37;
    /// `DFU_IMAGE_PACKAGE_START_REQ` (`DFU_IMAGE_OFFLINE_START_REQ` in older trees).
    pub const IMAGE_PACKAGE_START_REQ: u16 = 38;
    /// `DFU_IMAGE_PACKAGE_START_RSP`.
    pub const IMAGE_PACKAGE_START_RSP: u16 = 39;
    /// `DFU_IMAGE_PACKAGE_PACKET_REQ`.
    pub const IMAGE_PACKAGE_PACKET_REQ: u16 = 40;
    /// `DFU_IMAGE_PACKAGE_PACKET_RSP`.
    pub const IMAGE_PACKAGE_PACKET_RSP: u16 = 41;
    /// `DFU_IMAGE_PACKAGE_END_REQ`.
    pub const IMAGE_PACKAGE_END_REQ: u16 = 42;
    /// `DFU_IMAGE_PACKAGE_END_RSP`.
    pub const IMAGE_PACKAGE_END_RSP: u16 = 43;
}

/// Result codes (`dfu_err_type_t`).
pub mod err {
    /// `DFU_ERR_NO_ERR`.
    pub const NO_ERR: u16 = 0;
    /// `DFU_ERR_GENERAL_ERR`.
    pub const GENERAL_ERR: u16 = 1;
    /// `DFU_ERR_PARAMETER_INVALID`.
    pub const PARAMETER_INVALID: u16 = 2;
    /// `DFU_ERR_SPACE_NOT_ENOUGH`.
    pub const SPACE_NOT_ENOUGH: u16 = 3;
    /// `DFU_ERR_NOT_READY`.
    pub const NOT_READY: u16 = 4;
    /// `DFU_ERR_FW_INVALID`.
    pub const FW_INVALID: u16 = 8;
    /// `DFU_ERR_CONTROL_PACKET_INVALID`.
    pub const CONTROL_PACKET_INVALID: u16 = 9;
    /// `DFU_ERR_OTA_ONGOING`.
    pub const OTA_ONGOING: u16 = 10;
    /// `DFU_ERR_UNEXPECT_STATE`: the sender should disconnect and init again.
    pub const UNEXPECT_STATE: u16 = 12;
    /// `DFU_ERR_INDEX_ERROR`.
    pub const INDEX_ERROR: u16 = 13;
    /// `DFU_ERR_FLASH`.
    pub const FLASH: u16 = 16;
}

/// `dfu_tran_protocol_t`: the head of every DFU message (the payload follows).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuTranProtocol {
    /// Message id ([`id`]).
    pub message_id: U16,
    /// Payload length.
    pub length: U16,
}

/// `dfu_image_package_start_req_t` as old senders write it (12 bytes).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImagePackageStartReq {
    /// Size of `offline_install.bin`.
    pub file_len: U32,
    /// Number of 2048-byte packets.
    pub packet_count: U32,
    /// The package's own CRC field (offset 8): recognises a resume.
    pub crc_value: U32,
}

/// The 16-byte start request (`version` 1): the 12-byte one plus version and reserved bytes.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImagePackageStartReqV1 {
    /// The fields of the old request.
    pub base: DfuImagePackageStartReq,
    /// 1.
    pub version: u8,
    /// Bit 0 in the newest tree: "slow" (answer every 4 packets).
    pub reserved1: u8,
    /// Reserved.
    pub reserved2: U16,
}

/// `dfu_image_package_start_rsp_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImagePackageStartRsp {
    /// Result code.
    pub result: U16,
    /// Packets per response announced by newer devices (0 in older trees: a `u16 reserved`).
    pub response_frequency: u8,
    /// Reserved.
    pub reserved: u8,
    /// Packets already stored (a resume), else 0.
    pub completed_count: U32,
}

/// `dfu_image_package_packet_t` without its `data[]`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImagePackagePacket {
    /// 1-based packet index.
    pub packet_index: U32,
    /// Length of `data`.
    pub data_len: U32,
    /// CRC-32/MPEG-2 of `data`.
    pub crc: U32,
}

/// `dfu_image_package_packet_rsp_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImagePackagePacketRsp {
    /// Result code.
    pub result: U16,
    /// 1: resend from the next packet after `completed_count`.
    pub retransmission: u8,
    /// Reserved.
    pub reserved: u8,
    /// Packets stored so far (0 in the success responses of older trees).
    pub completed_count: U32,
}

/// `dfu_image_package_end_req_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImagePackageEndReq {
    /// Reserved.
    pub reserved: U16,
}

/// `dfu_image_package_end_rsp_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImagePackageEndRsp {
    /// Result code.
    pub result: U16,
}

/// `dfu_init_response_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuInitResponse {
    /// Result code.
    pub result: U16,
    /// 1: the device reboots into the OTA manager after the disconnect.
    pub is_boot: u8,
    /// Alignment padding.
    pub pad: u8,
}

/// `dfu_init_completed_ind_t` (also `dfu_resume_completed_ind_t`, and the `_EXT` one whose
/// byte is `resume`).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuInitCompletedInd {
    /// `is_start` / `resume`.
    pub is_start: u8,
}

/// `dfu_resume_response_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuResumeResponse {
    /// Result code.
    pub result: U16,
    /// 1: the device reboots after the disconnect.
    pub is_boot: u8,
    /// Restart flag.
    pub is_restart: u8,
    /// Packets of the current image already stored.
    pub curr_packet_num: U32,
    /// Index (control packet order) of the current image.
    pub curr_img: u8,
    /// Packets per response.
    pub num_of_rsp: u8,
    /// Alignment padding.
    pub pad: [u8; 2],
}

/// `dfu_init_response_ext_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuInitResponseExt {
    /// Result code.
    pub result: U16,
    /// 1: an interrupted download can resume.
    pub resume_status: u8,
    /// Restart flag.
    pub is_restart: u8,
    /// Packets of the current image already stored.
    pub curr_packet_num: U32,
    /// Index (control packet order) of the current image.
    pub curr_img: u8,
    /// Packets per response.
    pub num_of_rsp: u8,
    /// 1: the device reboots into the OTA manager after the disconnect.
    pub is_boot: u8,
    /// `OTA_CODE_VERSION` (2).
    pub ver: u8,
}

/// `dfu_image_send_start_t` (phones send its first 10 bytes).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImageSendStart {
    /// Size of the record file (36-byte headers included).
    pub img_length: U32,
    /// Number of records.
    pub total_pkt_num: U32,
    /// Packets per response the sender asks for.
    pub num_of_rsp: u8,
    /// Image id.
    pub img_id: u8,
    /// Alignment padding.
    pub pad: [u8; 2],
}

/// What a sender must write of [`DfuImageSendStart`]: up to `img_id`.
pub const IMAGE_SEND_START_WIRE_LEN: usize = std::mem::offset_of!(DfuImageSendStart, img_id) + 1;

/// `dfu_image_send_start_response_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImageSendStartResponse {
    /// Result code.
    pub result: U16,
    /// 1 (`DFU_END_SEND`: wait for the response).
    pub end_send: u8,
    /// 1: skip this image.
    pub extra: u8,
}

/// `dfu_image_send_end_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImageSendEnd {
    /// Image id.
    pub img_id: u8,
    /// 1: another image follows.
    pub is_more_image: u8,
}

/// A response that is only a result (`dfu_image_send_end_response_t`,
/// `dfu_image_send_packet_response_t`, `dfu_link_lose_check_rsp_t`, `dfu_image_package_end_rsp_t`).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuResultOnly {
    /// Result code.
    pub result: U16,
}

/// `dfu_image_send_packet_t` without its `packet[]` (one record).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuImageSendPacket {
    /// Image id (phones write a `u16` here, filling the pad with 0).
    pub img_id: u8,
    /// Alignment padding.
    pub pad: u8,
    /// 1-based packet index within the image.
    pub pkt_idx: U16,
    /// Record length.
    pub size: U16,
}

/// `dfu_tranmission_end_t` (sic).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuTranmissionEnd {
    /// Reserved.
    pub reserved: u8,
}

/// `dfu_end_int_t`: `END_IND`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuEndInt {
    /// Result code (one byte).
    pub result: u8,
}

/// `dfu_retransmission_response_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuRetransmissionResponse {
    /// Result code.
    pub result: U16,
    /// Packets per response from now on.
    pub new_num_of_rsp: U16,
    /// Last acknowledged packet; the sender resends from the next one.
    pub retransmission_packet_num: U32,
}

/// `dfu_link_lose_check_req_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuLinkLoseCheckReq {
    /// Result code.
    pub result: U16,
    /// Packets per response from now on.
    pub new_num_of_rsp: U16,
    /// Last packet stored; the sender resends from the next one.
    pub current_file_index: U32,
}

/// `dfu_abort_command_t`.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DfuAbortCommand {
    /// Why.
    pub reason: U16,
}

// The C sizeof of each struct (natural alignment), checked at compile time.
const _: () = {
    assert!(size_of::<DfuTranProtocol>() == 4);
    assert!(size_of::<DfuImagePackageStartReq>() == 12);
    assert!(size_of::<DfuImagePackageStartReqV1>() == 16);
    assert!(size_of::<DfuImagePackageStartRsp>() == 8);
    assert!(size_of::<DfuImagePackagePacket>() == 12);
    assert!(size_of::<DfuImagePackagePacketRsp>() == 8);
    assert!(size_of::<DfuImagePackageEndReq>() == 2);
    assert!(size_of::<DfuImagePackageEndRsp>() == 2);
    assert!(size_of::<DfuInitResponse>() == 4);
    assert!(size_of::<DfuInitCompletedInd>() == 1);
    assert!(size_of::<DfuResumeResponse>() == 12);
    assert!(size_of::<DfuInitResponseExt>() == 12);
    assert!(size_of::<DfuImageSendStart>() == 12);
    assert!(size_of::<DfuImageSendStartResponse>() == 4);
    assert!(size_of::<DfuImageSendEnd>() == 2);
    assert!(size_of::<DfuResultOnly>() == 2);
    assert!(size_of::<DfuImageSendPacket>() == 6);
    assert!(size_of::<DfuTranmissionEnd>() == 1);
    assert!(size_of::<DfuEndInt>() == 1);
    assert!(size_of::<DfuRetransmissionResponse>() == 8);
    assert!(size_of::<DfuLinkLoseCheckReq>() == 8);
    assert!(size_of::<DfuAbortCommand>() == 2);
};

/// A DFU message: `dfu_tran_protocol_t` and its payload, `length = sizeof(struct)` as the
/// device allocates it.
pub fn encode<T: IntoBytes + Immutable>(message_id: u16, body: &T) -> Vec<u8> {
    let body = body.as_bytes();
    let head = DfuTranProtocol {
        message_id: message_id.into(),
        length: (body.len() as u16).into(),
    };
    let mut out = head.as_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// A DFU message split into its id and payload. The payload is what `length` says, or what
/// arrived when fewer bytes arrived (the device reads its structs from the buffer it got).
pub fn decode(message: &[u8]) -> Option<(u16, &[u8])> {
    let (head, rest) = DfuTranProtocol::read_from_prefix(message).ok()?;
    let len = usize::from(head.length.get()).min(rest.len());
    Some((head.message_id.get(), &rest[..len]))
}

/// Reads a request struct from the start of a payload; `None` when the payload is shorter.
pub fn read<T: FromBytes>(payload: &[u8]) -> Option<T> {
    T::read_from_prefix(payload).ok().map(|(t, _)| t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of as at;

    /// A struct's name, its size, and `(field offset, offset in the doc)` pairs.
    type Row = (&'static str, usize, &'static [(usize, usize)]);

    /// Every message's size and field offsets, against the tables of the secure-and-online-dfu
    /// doc (4.2 and 4.3) copied here as numbers: the sender declares its own structs, so one
    /// misreading cannot pass on both sides.
    #[test]
    fn sizes_and_offsets_are_the_spec_tables() {
        let table: &[Row] = &[
            (
                "dfu_tran_protocol_t",
                size_of::<DfuTranProtocol>(),
                &[
                    (at!(DfuTranProtocol, message_id), 0),
                    (at!(DfuTranProtocol, length), 2),
                ],
            ),
            (
                "PACKAGE_START_REQ old",
                size_of::<DfuImagePackageStartReq>(),
                &[
                    (at!(DfuImagePackageStartReq, file_len), 0),
                    (at!(DfuImagePackageStartReq, packet_count), 4),
                    (at!(DfuImagePackageStartReq, crc_value), 8),
                ],
            ),
            (
                "PACKAGE_START_REQ new",
                size_of::<DfuImagePackageStartReqV1>(),
                &[
                    (at!(DfuImagePackageStartReqV1, version), 12),
                    (at!(DfuImagePackageStartReqV1, reserved1), 13),
                    (at!(DfuImagePackageStartReqV1, reserved2), 14),
                ],
            ),
            (
                "PACKAGE_START_RSP",
                size_of::<DfuImagePackageStartRsp>(),
                &[
                    (at!(DfuImagePackageStartRsp, result), 0),
                    (at!(DfuImagePackageStartRsp, response_frequency), 2),
                    (at!(DfuImagePackageStartRsp, reserved), 3),
                    (at!(DfuImagePackageStartRsp, completed_count), 4),
                ],
            ),
            (
                "PACKAGE_PACKET_REQ head",
                size_of::<DfuImagePackagePacket>(),
                &[
                    (at!(DfuImagePackagePacket, packet_index), 0),
                    (at!(DfuImagePackagePacket, data_len), 4),
                    (at!(DfuImagePackagePacket, crc), 8),
                ],
            ),
            (
                "PACKAGE_PACKET_RSP",
                size_of::<DfuImagePackagePacketRsp>(),
                &[
                    (at!(DfuImagePackagePacketRsp, result), 0),
                    (at!(DfuImagePackagePacketRsp, retransmission), 2),
                    (at!(DfuImagePackagePacketRsp, reserved), 3),
                    (at!(DfuImagePackagePacketRsp, completed_count), 4),
                ],
            ),
            (
                "PACKAGE_END_REQ",
                size_of::<DfuImagePackageEndReq>(),
                &[(at!(DfuImagePackageEndReq, reserved), 0)],
            ),
            (
                "PACKAGE_END_RSP",
                size_of::<DfuImagePackageEndRsp>(),
                &[(at!(DfuImagePackageEndRsp, result), 0)],
            ),
            (
                "INIT_RESPONSE",
                size_of::<DfuInitResponse>(),
                &[
                    (at!(DfuInitResponse, result), 0),
                    (at!(DfuInitResponse, is_boot), 2),
                ],
            ),
            (
                "INIT_COMPLETED(_EXT)",
                size_of::<DfuInitCompletedInd>(),
                &[(at!(DfuInitCompletedInd, is_start), 0)],
            ),
            (
                "INIT_RESPONSE_EXT",
                size_of::<DfuInitResponseExt>(),
                &[
                    (at!(DfuInitResponseExt, result), 0),
                    (at!(DfuInitResponseExt, resume_status), 2),
                    (at!(DfuInitResponseExt, is_restart), 3),
                    (at!(DfuInitResponseExt, curr_packet_num), 4),
                    (at!(DfuInitResponseExt, curr_img), 8),
                    (at!(DfuInitResponseExt, num_of_rsp), 9),
                    (at!(DfuInitResponseExt, is_boot), 10),
                    (at!(DfuInitResponseExt, ver), 11),
                ],
            ),
            (
                "RESUME_RESPONSE",
                size_of::<DfuResumeResponse>(),
                &[
                    (at!(DfuResumeResponse, result), 0),
                    (at!(DfuResumeResponse, is_boot), 2),
                    (at!(DfuResumeResponse, is_restart), 3),
                    (at!(DfuResumeResponse, curr_packet_num), 4),
                    (at!(DfuResumeResponse, curr_img), 8),
                    (at!(DfuResumeResponse, num_of_rsp), 9),
                ],
            ),
            (
                "IMAGE_SEND_START",
                size_of::<DfuImageSendStart>(),
                &[
                    (at!(DfuImageSendStart, img_length), 0),
                    (at!(DfuImageSendStart, total_pkt_num), 4),
                    (at!(DfuImageSendStart, num_of_rsp), 8),
                    (at!(DfuImageSendStart, img_id), 9),
                    (IMAGE_SEND_START_WIRE_LEN, 10),
                ],
            ),
            (
                "IMAGE_SEND_START_RESPONSE",
                size_of::<DfuImageSendStartResponse>(),
                &[
                    (at!(DfuImageSendStartResponse, result), 0),
                    (at!(DfuImageSendStartResponse, end_send), 2),
                    (at!(DfuImageSendStartResponse, extra), 3),
                ],
            ),
            (
                "IMAGE_SEND_PACKET head",
                size_of::<DfuImageSendPacket>(),
                &[
                    (at!(DfuImageSendPacket, img_id), 0),
                    (at!(DfuImageSendPacket, pkt_idx), 2),
                    (at!(DfuImageSendPacket, size), 4),
                ],
            ),
            (
                "IMAGE_SEND_END",
                size_of::<DfuImageSendEnd>(),
                &[
                    (at!(DfuImageSendEnd, img_id), 0),
                    (at!(DfuImageSendEnd, is_more_image), 1),
                ],
            ),
            (
                "result-only responses",
                size_of::<DfuResultOnly>(),
                &[(at!(DfuResultOnly, result), 0)],
            ),
            (
                "TRANSMISSION_END",
                size_of::<DfuTranmissionEnd>(),
                &[(at!(DfuTranmissionEnd, reserved), 0)],
            ),
            (
                "END_IND",
                size_of::<DfuEndInt>(),
                &[(at!(DfuEndInt, result), 0)],
            ),
            (
                "RETRANSMISSION_RESPONSE",
                size_of::<DfuRetransmissionResponse>(),
                &[
                    (at!(DfuRetransmissionResponse, result), 0),
                    (at!(DfuRetransmissionResponse, new_num_of_rsp), 2),
                    (at!(DfuRetransmissionResponse, retransmission_packet_num), 4),
                ],
            ),
            (
                "LINK_LOSE_CHECK_REQ",
                size_of::<DfuLinkLoseCheckReq>(),
                &[
                    (at!(DfuLinkLoseCheckReq, result), 0),
                    (at!(DfuLinkLoseCheckReq, new_num_of_rsp), 2),
                    (at!(DfuLinkLoseCheckReq, current_file_index), 4),
                ],
            ),
            (
                "ABORT_COMMAND",
                size_of::<DfuAbortCommand>(),
                &[(at!(DfuAbortCommand, reason), 0)],
            ),
        ];
        let sizes = [
            4, 12, 16, 8, 12, 8, 2, 2, 4, 1, 12, 12, 12, 4, 6, 2, 2, 1, 1, 8, 8, 2,
        ];
        assert_eq!(table.len(), sizes.len());
        for ((name, size, fields), want) in table.iter().zip(sizes) {
            assert_eq!(*size, want, "{name}: size");
            for (i, (got, want)) in fields.iter().enumerate() {
                assert_eq!(got, want, "{name}: field {i}");
            }
        }
    }

    #[test]
    fn a_message_is_its_header_and_body_and_decodes_back() {
        let m = encode(
            id::IMAGE_PACKAGE_END_RSP,
            &DfuResultOnly { result: 8.into() },
        );
        assert_eq!(m, [43, 0, 2, 0, 8, 0]);
        assert_eq!(decode(&m), Some((43, &[8u8, 0][..])));
        // A length past the end is cut to what arrived; a short header is no message.
        assert_eq!(decode(&[43, 0, 9, 0, 1]), Some((43, &[1u8][..])));
        assert_eq!(decode(&[43, 0, 9]), None);
    }
}
