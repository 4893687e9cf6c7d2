//! DFU messages (`u16 message_id ‖ u16 length ‖ payload`), their ids and the device's error
//! codes with what the sender does about each.

use crate::raw::DfuTranProtocol;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `dfu_protocol_msg_id_t`: the ids the sender uses (21-31, the NAND resource files, are not).
#[allow(missing_docs)]
pub mod id {
    pub const INIT_REQUEST: u16 = 0;
    pub const INIT_RESPONSE: u16 = 1;
    pub const IMAGE_SEND_START: u16 = 6;
    pub const IMAGE_SEND_START_RESPONSE: u16 = 7;
    pub const IMAGE_SEND_END: u16 = 8;
    pub const IMAGE_SEND_END_RESPONSE: u16 = 9;
    pub const IMAGE_SEND_PACKET: u16 = 10;
    pub const IMAGE_SEND_PACKET_RESPONSE: u16 = 11;
    pub const TRANSMISSION_END: u16 = 12;
    pub const END_IND: u16 = 13;
    pub const RETRANSMISSION_REQUEST: u16 = 16;
    pub const RETRANSMISSION_RESPONSE: u16 = 17;
    pub const INIT_REQUEST_EXT: u16 = 32;
    pub const INIT_RESPONSE_EXT: u16 = 33;
    pub const INIT_COMPLETED_IND_EXT: u16 = 34;
    pub const LINK_LOSE_CHECK_REQ: u16 = 35;
    pub const LINK_LOSE_CHECK_RSP: u16 = 36;
    pub const ABORT_COMMAND: u16 = 37;
    pub const IMAGE_PACKAGE_START_REQ: u16 = 38;
    pub const IMAGE_PACKAGE_START_RSP: u16 = 39;
    pub const IMAGE_PACKAGE_PACKET_REQ: u16 = 40;
    pub const IMAGE_PACKAGE_PACKET_RSP: u16 = 41;
    pub const IMAGE_PACKAGE_END_REQ: u16 = 42;
    pub const IMAGE_PACKAGE_END_RSP: u16 = 43;
}

/// Whether `id` is the device's answer to a request (so one that comes late or twice can be
/// told from a message the sender must act on).
pub fn is_reply(id: u16) -> bool {
    use id::*;
    matches!(
        id,
        INIT_RESPONSE
            | IMAGE_SEND_START_RESPONSE
            | IMAGE_SEND_END_RESPONSE
            | IMAGE_SEND_PACKET_RESPONSE
            | END_IND
            | RETRANSMISSION_RESPONSE
            | INIT_RESPONSE_EXT
            | IMAGE_PACKAGE_START_RSP
            | IMAGE_PACKAGE_PACKET_RSP
            | IMAGE_PACKAGE_END_RSP
    )
}

/// One DFU message: id and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `message_id`.
    pub id: u16,
    /// The payload (`length` bytes).
    pub payload: Vec<u8>,
}

impl Message {
    /// A message whose payload is `head` followed by `tail` (a packet's data).
    pub fn new<T: IntoBytes + Immutable>(id: u16, head: &T, tail: &[u8]) -> Self {
        let mut payload = head.as_bytes().to_vec();
        payload.extend_from_slice(tail);
        Message { id, payload }
    }

    /// The bytes on the wire: `dfu_tran_protocol_t` then the payload. `None` if the payload
    /// does not fit the 16-bit length.
    pub fn encode(&self) -> Option<Vec<u8>> {
        let length = u16::try_from(self.payload.len()).ok()?;
        let head = DfuTranProtocol {
            message_id: self.id.into(),
            length: length.into(),
        };
        let mut out = head.as_bytes().to_vec();
        out.extend_from_slice(&self.payload);
        Some(out)
    }

    /// Reads a message; `None` if shorter than its head or its `length`. Bytes after `length`
    /// (none from the SDK) are ignored.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (head, rest) = DfuTranProtocol::read_from_prefix(bytes).ok()?;
        let payload = rest.get(..usize::from(head.length.get()))?;
        Some(Message {
            id: head.message_id.get(),
            payload: payload.to_vec(),
        })
    }

    /// The payload read as `T` (a device response); `None` if shorter. Devices pad responses
    /// to the struct size; a longer payload is fine.
    pub fn read<T: FromBytes + KnownLayout + Immutable>(&self) -> Option<T> {
        T::read_from_prefix(&self.payload).ok().map(|(v, _)| v)
    }
}

/// `dfu_err_type_t`: the device's result codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceCode(pub u16);

/// Every `dfu_err_type_t` value with its SDK name and, for a transfer it ends, what it means
/// and what to do. (Codes a flow recovers from on its own, such as an `INDEX_ERROR` with
/// retransmission, only end a transfer when they repeat; docs/send.md has the whole table.)
pub const DEVICE_CODES: &[(u16, &str, &str)] = &[
    (0, "NO_ERR", "success"),
    (1, "GENERAL_ERR", "the device failed the request (a packet failed its CRC or hash again and again, or the control packet's hash did not match): check the file and the link, then run send again"),
    (2, "PARAMETER_INVALID", "the request does not match the device's state (another package or block size than the interrupted one): run send again with the files of the interrupted transfer, or --no-resume"),
    (3, "SPACE_NOT_ENOUGH", "the package is larger than the device's download region: make it smaller or fix the layout"),
    (4, "NOT_READY", "the device is not ready for a DFU: try again later"),
    (5, "HW_VER_ERR", "the control packet's hardware version does not match the device"),
    (6, "SDK_VER_ERR", "the control packet's SDK version does not match the device"),
    (7, "FW_VER_ERR", "the device refuses this firmware version (a downgrade?)"),
    (8, "FW_INVALID", "the device found the firmware invalid (package flow: packets missing even after sending everything again; secure flow: an image's signature)"),
    (9, "CONTROL_PACKET_INVALID", "the control packet's hash or signature does not match the device's keys"),
    (10, "OTA_ONGOING", "another download is in progress on the device"),
    (11, "USER_REJECT", "the application on the device refused the update"),
    (12, "UNEXPECT_STATE", "the device is in another DFU state: disconnect it (or reset it) and run send again"),
    (13, "INDEX_ERROR", "packets kept arriving out of order after resending: check the link"),
    (14, "UPDATING", "the device is installing an update"),
    (15, "MISS_PACKET", "the device misses packets: run send again"),
    (16, "FLASH", "the device could not write its flash"),
    (0x40, "POSTPONE", "the device postponed the update"),
];

impl DeviceCode {
    /// The SDK's name without `DFU_ERR_`, or `UNKNOWN`.
    pub fn name(self) -> &'static str {
        DEVICE_CODES
            .iter()
            .find(|c| c.0 == self.0)
            .map_or("UNKNOWN", |c| c.1)
    }
}

impl std::fmt::Display for DeviceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.0, self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::DfuImagePackageEndRsp;

    #[test]
    fn a_message_round_trips_and_its_length_bounds_the_payload() {
        let m = Message::new(
            id::IMAGE_PACKAGE_END_RSP,
            &DfuImagePackageEndRsp { result: 8.into() },
            &[],
        );
        let wire = m.encode().unwrap();
        assert_eq!(wire, [43, 0, 2, 0, 8, 0]);
        assert_eq!(Message::decode(&wire), Some(m.clone()));
        assert_eq!(Message::decode(&wire[..5]), None);
        assert_eq!(m.read::<DfuImagePackageEndRsp>().unwrap().result.get(), 8);
    }

    #[test]
    fn every_device_code_has_a_name() {
        assert_eq!(DeviceCode(3).to_string(), "3 (SPACE_NOT_ENOUGH)");
        assert_eq!(DeviceCode(0x40).name(), "POSTPONE");
        assert_eq!(DeviceCode(99).name(), "UNKNOWN");
        for w in DEVICE_CODES.windows(2) {
            assert!(w[0].0 < w[1].0);
        }
    }
}
