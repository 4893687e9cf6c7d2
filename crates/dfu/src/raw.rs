//! Every DFU message payload the sender writes or reads, declared once as the SDK's C struct of
//! the same name (`middleware/dfu/dfu_protocol.h`) in Rust case. The device's structs are not
//! packed: natural ARM alignment applies, so the padding bytes the compiler inserts are
//! explicit `_pad` fields here (zero on the wire). Sizes are checked at compile time.

use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

macro_rules! wire {
    ($(#[$m:meta])* $name:ident, $size:expr, { $($(#[$fm:meta])* $f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
        #[repr(C)]
        pub struct $name { $($(#[$fm])* pub $f: $t),* }
        const _: () = assert!(size_of::<$name>() == $size);
    };
}

wire!(
    /// `dfu_tran_protocol_t`: the head of every DFU message (`message_id`, payload `length`).
    DfuTranProtocol, 4, {
    /// `dfu_protocol_msg_id_t`.
    message_id: U16,
    /// Payload bytes that follow.
    length: U16,
});

wire!(
    /// `dfu_image_package_start_req_t` (message 38), the old 12-byte form (`--legacy-start`).
    DfuImagePackageStartReq, 12, {
    /// Size of `offline_install.bin`.
    file_len: U32,
    /// Number of 2048-byte packets.
    packet_count: U32,
    /// The package header's CRC field: only used by the device to recognise a resume.
    crc_value: U32,
});

wire!(
    /// `dfu_image_package_start_req_t` of current SDKs (16 bytes, `version` 1).
    DfuImagePackageStartReqV1, 16, {
    /// Size of `offline_install.bin`.
    file_len: U32,
    /// Number of 2048-byte packets.
    packet_count: U32,
    /// The package header's CRC field.
    crc_value: U32,
    /// 1.
    version: u8,
    /// Bit 0 asks newer SDKs for a response every 4 packets ("slow"); 0 here.
    reserved1: u8,
    /// Zero.
    reserved2: U16,
});

wire!(
    /// `dfu_image_package_start_rsp_t` (message 39).
    DfuImagePackageStartRsp, 8, {
    /// `dfu_err_type_t`.
    result: U16,
    /// Packets per response announced by newer SDKs (0 in older ones: every packet).
    response_frequency: u8,
    /// Zero.
    reserved: u8,
    /// Packets the device already holds (resume point).
    completed_count: U32,
});

wire!(
    /// `dfu_image_package_packet_req_t` (message 40) without its `data`.
    DfuImagePackagePacketReq, 12, {
    /// 1-based packet index.
    packet_index: U32,
    /// Bytes of `data` (2048, the last one shorter).
    data_len: U32,
    /// CRC-32/MPEG-2 of `data`.
    crc: U32,
});

wire!(
    /// `dfu_image_package_packet_rsp_t` (message 41).
    DfuImagePackagePacketRsp, 8, {
    /// `dfu_err_type_t`.
    result: U16,
    /// 1: send again from `completed_count + 1`.
    retransmission: u8,
    /// Zero.
    reserved: u8,
    /// Packets stored (0 on success in older SDKs).
    completed_count: U32,
});

wire!(
    /// `dfu_image_package_end_req_t` (message 42).
    DfuImagePackageEndReq, 2, {
    /// Zero.
    reserved: U16,
});

wire!(
    /// `dfu_image_package_end_rsp_t` (message 43).
    DfuImagePackageEndRsp, 2, {
    /// `dfu_err_type_t`; 0 means the install starts.
    result: U16,
});

wire!(
    /// `dfu_init_response_ext_t` (message 33).
    DfuInitResponseExt, 12, {
    /// `dfu_err_type_t`.
    result: U16,
    /// 1: the device holds an interrupted download it can resume.
    resume_status: u8,
    /// Restart flag of the device's saved state.
    is_restart: u8,
    /// Packets of `curr_img` already stored.
    curr_packet_num: U32,
    /// The image the download stopped in.
    curr_img: u8,
    /// Packets per response of the saved state.
    num_of_rsp: u8,
    /// 1: the device reboots into the OTA manager after the disconnect.
    is_boot: u8,
    /// `OTA_CODE_VERSION` (2).
    ver: u8,
});

wire!(
    /// `dfu_init_completed_ind_t` for message 34 (its field is `resume` there).
    DfuInitCompletedInd, 1, {
    /// 1: resume the saved download; 0: start over.
    is_start: u8,
});

wire!(
    /// `dfu_image_send_start_t` (message 6).
    DfuImageSendStart, 12, {
    /// Size of the record file (with the 36-byte record headers).
    img_length: U32,
    /// Number of records (one per packet).
    total_pkt_num: U32,
    /// The device answers every `num_of_rsp` packets and after the last.
    num_of_rsp: u8,
    /// Image id.
    img_id: u8,
    /// Struct padding.
    _pad: [u8; 2],
});

wire!(
    /// `dfu_image_send_start_response_t` (message 7).
    DfuImageSendStartResponse, 4, {
    /// `dfu_err_type_t`.
    result: U16,
    /// How the device wants the end: 1 = wait for the response.
    end_send: u8,
    /// 1: the device already has this image, skip it.
    extra: u8,
});

wire!(
    /// `dfu_image_send_end_t` (message 8).
    DfuImageSendEnd, 2, {
    /// Image id.
    img_id: u8,
    /// 1 when another image follows.
    is_more_image: u8,
});

wire!(
    /// `dfu_image_send_packet_t` (message 10) without its record.
    DfuImageSendPacket, 6, {
    /// Image id (phones write it as a u16; the second byte is the padding).
    img_id: u8,
    /// Struct padding.
    _pad: u8,
    /// 1-based packet index within the image.
    pkt_idx: U16,
    /// Bytes of the record that follows.
    size: U16,
});

wire!(
    /// `dfu_image_send_packet_response_t` (11), `dfu_image_send_end_response_t` (9),
    /// `dfu_link_lose_check_rsp_t` (36) and `dfu_abort_command` (37): one `u16`.
    DfuResult16, 2, {
    /// `dfu_err_type_t` (the abort reason for 37).
    result: U16,
});

wire!(
    /// `dfu_tranmission_end_t` (12) and `dfu_end_int_t` (13): one byte.
    DfuByte, 1, {
    /// `reserved` for 12, `result` for 13.
    value: u8,
});

wire!(
    /// `dfu_retransmission_response_t` (17) and `dfu_link_lose_check_req_t` (35): the device's
    /// last acknowledged packet and the packets per response from now on.
    DfuRetransmissionResponse, 8, {
    /// `dfu_err_type_t`.
    result: U16,
    /// Packets per response from now on.
    new_num_of_rsp: U16,
    /// Packets of the current image the device holds; send from the next one.
    retransmission_packet_num: U32,
});
