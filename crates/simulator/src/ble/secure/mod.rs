//! The secure online receiver (messages 0-20 and 32-37; secure-and-online-dfu doc 4.3 and its
//! "Measured on the SDK's own device code"): the app checks the control packet and reboots
//! into the OTA manager, which takes one record per packet, checks and stores it, verifies each
//! image's signature at its end and installs everything at `TRANSMISSION_END`.
//!
//! What survives a reboot or a power cut (FlashDB and flash) is `Saved`; everything else is
//! RAM. As measured: progress is saved when an image starts and by the error handler, which
//! runs on every error and on a lost link and reboots into the app; a power cut costs the whole
//! current image and leaves the OTA manager running; an out-of-order packet gets a link-loss
//! check instead of an error; `TRANSMISSION_END` with an image missing bricks the device.

use super::msg::{self, err, id};
use super::report::{InstallRecord, InstalledImage, PacketRecord};
use super::{Action, Ctx, Flow};
use secure::ctrl::{check_policy, ControlPacket};
use secure::record::{RecordHeader, DEVICE_HASH_CMP_LEN, HASH_LEN};
use secure::{RootKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zerocopy::FromBytes;

mod image;
mod init;
mod install;

/// `OTA_CODE_VERSION`.
const OTA_CODE_VERSION: u8 = 2;
/// `DFU_END_SEND`: the sender waits for each response.
const END_SEND: u8 = 1;
/// Flag bit 0: the stored blocks are AES-CTR encrypted.
const FLAG_ENC: u16 = 1;
/// Flag bit 4: the image is a compressed payload.
const FLAG_COMPRESS: u16 = 16;

/// The keys the device holds: the root key (efuse) and the signing public key (flash table).
#[derive(Debug, Clone)]
pub struct DeviceKeys {
    /// AES-256 root key.
    pub root: RootKey,
    /// RSA-2048 public key of the control packet and image signatures.
    pub verifier: VerifyingKey,
}

/// Which program runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    App,
    OtaManager,
}

/// `prog.state` as saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    PrepareStart,
    TranStart,
}

/// What FlashDB and flash keep across reboots and power cuts.
#[derive(Debug, Clone)]
struct Saved {
    ctrl: Option<Accepted>,
    state: State,
    /// Index (control packet order) of the image in progress, if one started.
    curr: Option<usize>,
    /// Packets and bytes of the current image received (kept in RAM, mirrored here).
    curr_pkt_num: u32,
    curr_len: u32,
    /// The same as last written to FlashDB: at image start and by the error handler.
    flash_pkt_num: u32,
    flash_len: u32,
    num_of_rsp: u8,
    total_pkt_num: u32,
    img_length: u32,
    /// `image_download_state`: verified at its end.
    done: Vec<bool>,
    /// The stored blocks of each image (as received: ciphertext for flag 1).
    stored: Vec<Vec<u8>>,
    /// The device halted (an install with an image missing).
    bricked: bool,
}

impl Default for Saved {
    fn default() -> Self {
        Saved {
            ctrl: None,
            state: State::Idle,
            curr: None,
            curr_pkt_num: 0,
            curr_len: 0,
            flash_pkt_num: 0,
            flash_len: 0,
            num_of_rsp: 1,
            total_pkt_num: 0,
            img_length: 0,
            done: Vec::new(),
            stored: Vec::new(),
            bricked: false,
        }
    }
}

/// A control packet the device accepted.
#[derive(Debug, Clone)]
struct Accepted {
    plain: Vec<u8>,
    packet: ControlPacket,
    nonce: [u8; 8],
}

/// The secure-flow device.
#[derive(Debug)]
pub struct SecureDevice {
    keys: DeviceKeys,
    mode: Mode,
    saved: Saved,
    /// `temp_ctrl_packet` and `resume_status` of the init in progress.
    pending: Option<(Accepted, bool)>,
    /// `retrans_state`.
    last_rsp_pkt_num: u32,
    last_rsp_len: u32,
    success_rsp_count: u32,
    retry_count: u32,
    /// Link-loss checks sent and not answered.
    lose_checks: u32,
    acked: u32,
}

impl SecureDevice {
    /// A device running its app with no download in progress.
    pub fn new(keys: DeviceKeys) -> Self {
        SecureDevice {
            keys,
            mode: Mode::App,
            saved: Saved::default(),
            pending: None,
            last_rsp_pkt_num: 0,
            last_rsp_len: 0,
            success_rsp_count: 0,
            retry_count: 0,
            lose_checks: 0,
            acked: 0,
        }
    }

    /// RAM is lost: reboot into `mode`.
    fn reboot(&mut self, mode: Mode, cx: &mut Ctx<'_>, why: &str) {
        self.mode = mode;
        self.saved.curr_pkt_num = self.saved.flash_pkt_num;
        self.saved.curr_len = self.saved.flash_len;
        self.pending = None;
        self.lose_checks = 0;
        self.success_rsp_count = 0;
        self.retry_count = 0;
        self.last_rsp_pkt_num = self.saved.curr_pkt_num;
        self.last_rsp_len = self.saved.curr_len;
        self.acked = 0;
        let name = match mode {
            Mode::App => "the app",
            Mode::OtaManager => "the OTA manager",
        };
        cx.report.event(format!("{why}: reboot into {name}"));
    }

    /// `dfu_ctrl_error_handle`: save the RAM progress, disconnect, reboot into the app.
    fn error_handle(&mut self, cx: &mut Ctx<'_>, why: &str) -> Action {
        if self.saved.ctrl.is_some() {
            self.saved.state = State::Idle;
        }
        self.checkpoint();
        self.reboot(
            Mode::App,
            cx,
            &format!(
                "{why}; progress saved at packet {}",
                self.saved.curr_pkt_num
            ),
        );
        Action::Disconnect
    }

    /// Writes the RAM progress to FlashDB.
    fn checkpoint(&mut self) {
        self.saved.flash_pkt_num = self.saved.curr_pkt_num;
        self.saved.flash_len = self.saved.curr_len;
    }

    fn ctrl(&self) -> Option<&Accepted> {
        self.saved.ctrl.as_ref()
    }

    /// The halving of `num_of_rsp` shared by link-loss checks and retransmission requests.
    fn reduce_num_of_rsp(&mut self) -> u8 {
        let mut n = self.saved.num_of_rsp;
        if self.success_rsp_count == 0 || self.retry_count > 2 {
            self.success_rsp_count = 0;
            self.retry_count = 0;
            n = if n % 2 == 0 { n / 2 } else { 1 };
        } else {
            self.retry_count += 1;
        }
        self.saved.num_of_rsp = n.max(1);
        self.saved.num_of_rsp
    }

    fn lose_check_req(&self) -> Action {
        Action::Send(msg::encode(
            id::LINK_LOSE_CHECK_REQ,
            &msg::DfuLinkLoseCheckReq {
                result: err::NO_ERR.into(),
                new_num_of_rsp: u16::from(self.saved.num_of_rsp).into(),
                current_file_index: self.saved.curr_pkt_num.into(),
            },
        ))
    }
}

impl Flow for SecureDevice {
    fn name(&self) -> &'static str {
        "secure"
    }

    fn connect(&mut self, cx: &mut Ctx<'_>) -> Vec<Action> {
        if self.saved.bricked {
            cx.report.event("connection to a bricked device: dropped");
            return vec![Action::Disconnect];
        }
        vec![]
    }

    fn message(&mut self, message_id: u16, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
        self.lose_checks = 0;
        match message_id {
            id::INIT_REQUEST_EXT => self.init_ext(payload, cx),
            id::INIT_COMPLETED_IND_EXT | id::INIT_COMPLETED_IND | id::RESUME_COMPLETED_IND => {
                self.init_completed(payload, cx)
            }
            id::INIT_REQUEST => self.init_old(payload, false, cx),
            id::FORCE_INIT_REQUEST => self.init_old(payload, true, cx),
            id::RESUME_REQUEST => self.resume_old(payload, cx),
            id::IMAGE_SEND_START => self.send_start(payload, cx),
            id::IMAGE_SEND_PACKET => self.packet(payload, cx),
            id::IMAGE_SEND_END => self.send_end(payload, cx),
            id::TRANSMISSION_END => self.transmission_end(cx),
            id::RETRANSMISSION_REQUEST => self.retransmission(cx),
            id::LINK_LOSE_CHECK_RSP | id::CONNECTION_PRIORITY_CHECK => vec![],
            id::ABORT_COMMAND => {
                // The SDK's dispatcher has no case for it: only the device sends it.
                cx.protocol_error("ABORT_COMMAND from the sender: the device ignores it".into());
                vec![]
            }
            id::COMMAND_POWER_OFF => {
                self.reboot(self.mode, cx, "COMMAND_POWER_OFF: power off, RAM lost");
                vec![Action::Disconnect]
            }
            other => {
                cx.protocol_error(format!(
                    "message {other} is not one the secure receiver handles"
                ));
                vec![]
            }
        }
    }

    fn link_lost(&mut self, cx: &mut Ctx<'_>) {
        match (self.mode, self.saved.state) {
            (Mode::OtaManager, State::TranStart | State::PrepareStart) => {
                let _ = self.error_handle(cx, "link lost");
            }
            _ => self.pending = None,
        }
    }

    fn idle(&mut self, cx: &mut Ctx<'_>) -> Vec<Action> {
        if self.mode != Mode::OtaManager || self.saved.state != State::TranStart {
            return vec![];
        }
        self.lose_checks += 1;
        if self.lose_checks > 1 {
            return vec![self.error_handle(cx, "link-loss check unanswered: remote lost")];
        }
        let n = self.reduce_num_of_rsp();
        cx.report.event(format!(
            "no progress: LINK_LOSE_CHECK_REQ at packet {}, num_of_rsp {n}",
            self.saved.curr_pkt_num
        ));
        vec![self.lose_check_req()]
    }
}
