//! What the simulated device saw, as the JSON summary tests read (`--report`).

use serde::Serialize;

/// One data packet as the device received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PacketRecord {
    /// Image id (secure flow), `None` in the package flow.
    pub image: Option<u8>,
    /// The packet index the sender wrote.
    pub index: u32,
    /// The device's verdict (`dfu_err_type_t`), `None` when the packet never arrived (a
    /// `skip` fault) or was taken without a check.
    pub result: Option<u16>,
    /// The device had already reported this packet as received when it came again: the
    /// sender re-sent something it did not need to.
    pub resent_after_ack: bool,
    /// A fault that hit this packet.
    pub fault: Option<String>,
}

/// One image as installed, decompressed (and decrypted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledImage {
    /// Image id.
    pub id: u8,
    /// File name in the output directory.
    pub file: String,
    /// Length in bytes.
    pub len: usize,
    /// The bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// One install run by the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstallRecord {
    /// How it ended, in words.
    pub outcome: String,
    /// The new firmware is installed and every region holds exactly its image.
    pub new_firmware_installed: bool,
    /// The images the regions hold afterwards (empty when nothing was installed).
    pub images: Vec<InstalledImage>,
}

/// The whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// `package` or `secure`.
    pub flow: String,
    /// Connections accepted.
    pub connections: u32,
    /// ATT writes received.
    pub att_writes: u64,
    /// Bytes of those ATT values.
    pub att_write_bytes: u64,
    /// Notifications (ATT values) sent.
    pub notifications: u64,
    /// Bytes of those ATT values.
    pub notification_bytes: u64,
    /// Whole DFU messages received (after reassembly).
    pub messages_received: u64,
    /// Whole DFU messages sent: each one is a wait for the sender (a round trip).
    pub round_trips: u64,
    /// Every data packet, in arrival order.
    pub packets: Vec<PacketRecord>,
    /// Data packets that came again after the device had reported them received.
    pub resent_after_ack: u64,
    /// Faults that fired, with what they hit.
    pub faults_fired: Vec<String>,
    /// Writes the device dropped as malformed (framing, unknown or short messages).
    pub protocol_errors: Vec<String>,
    /// What the device did, in order (responses with errors, disconnects, reboots).
    pub events: Vec<String>,
    /// Every install.
    pub installs: Vec<InstallRecord>,
}

impl Report {
    /// Notes an event.
    pub fn event(&mut self, e: impl Into<String>) {
        self.events.push(e.into());
    }

    /// The JSON text (pretty, one trailing newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("plain data serialises");
        s.push('\n');
        s
    }

    /// The last install, if any.
    pub fn last_install(&self) -> Option<&InstallRecord> {
        self.installs.last()
    }
}
