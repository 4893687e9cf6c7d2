//! The secure online receiver (messages 0-20 and 32-37; secure-and-online-dfu doc 4.3 and its
//! "Measured on the SDK's own device code"): the app checks the control packet and reboots
//! into the OTA manager, which takes one record per packet, checks and stores it, verifies each
//! image's signature at its end and installs everything at `TRANSMISSION_END`.
//!
//! What survives a reboot or a power cut (FlashDB and flash) is [`Saved`]; everything else is
//! RAM. As measured: progress is saved when an image starts and by the error handler, which
//! runs on every error and on a lost link and reboots into the app; a power cut costs the whole
//! current image and leaves the OTA manager running; an out-of-order packet gets a link-loss
//! check instead of an error; `TRANSMISSION_END` with an image missing bricks the device.

use super::fault::PacketFate;
use super::msg::{self, err, id};
use super::report::{InstallRecord, InstalledImage, PacketRecord};
use super::{Action, Ctx, Flow};
use secure::ctrl::{check_policy, ControlPacket};
use secure::record::{RecordHeader, DEVICE_HASH_CMP_LEN, HASH_LEN};
use secure::{RootKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zerocopy::FromBytes;

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

    /// Hash (8 bytes compared), signature, format and policy of a control packet file:
    /// `Err(result code)` as the device answers.
    fn check_ctrl(&self, file: &[u8], cx: &mut Ctx<'_>) -> Result<Accepted, u16> {
        let sig_len = secure::keys::SIG_LEN;
        if file.len() < HASH_LEN + sig_len + 1 {
            cx.report.event(format!(
                "control packet of {} bytes is too short",
                file.len()
            ));
            return Err(err::GENERAL_ERR);
        }
        let nonce = self.keys.verifier.nonce().map_err(|_| err::GENERAL_ERR)?;
        let body_end = file.len() - sig_len;
        let mut plain = file[HASH_LEN..body_end].to_vec();
        secure::cipher::ctr_apply(self.keys.root.as_bytes(), &nonce, 0, &mut plain);
        let got = Sha256::digest(&plain);
        if got[..DEVICE_HASH_CMP_LEN] != file[..DEVICE_HASH_CMP_LEN] {
            cx.report
                .event("control packet hash does not match (root key or signing key differs)");
            return Err(err::GENERAL_ERR);
        }
        if !self.keys.verifier.verify(&plain, &file[body_end..]) {
            cx.report.event("control packet signature does not verify");
            return Err(err::CONTROL_PACKET_INVALID);
        }
        let packet = match ControlPacket::from_plain(&plain) {
            Ok((p, _)) => p,
            Err(e) => {
                cx.report.event(format!("control packet: {e}"));
                return Err(err::CONTROL_PACKET_INVALID);
            }
        };
        let ids: Vec<(u8, u16)> = packet.images.iter().map(|e| (e.img_id, e.flag)).collect();
        let rules = secure::rules::check_device_rules(
            packet.dfu_id,
            &ids,
            secure::rules::DeviceBuild::default(),
            None,
        );
        if let Err(e) = check_policy(packet.dfu_id, &ids) {
            cx.report.event(format!("control packet policy: {e}"));
            return Err(err::CONTROL_PACKET_INVALID);
        }
        if let Some(r) = rules.first() {
            cx.report.event(format!("control packet: {r}"));
            return Err(err::CONTROL_PACKET_INVALID);
        }
        Ok(Accepted {
            plain,
            packet,
            nonce,
        })
    }

    /// A download of this control packet is saved and can resume.
    fn can_resume(&self, a: &Accepted) -> bool {
        self.saved.ctrl.as_ref().is_some_and(|c| c.plain == a.plain) && self.saved.curr.is_some()
    }

    fn init_ext(&mut self, file: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
        let is_boot = u8::from(self.mode == Mode::App);
        let rsp = |result: u16, resume: u8, pkt: u32, img: u8, rsp: u8| {
            Action::Send(msg::encode(
                id::INIT_RESPONSE_EXT,
                &msg::DfuInitResponseExt {
                    result: result.into(),
                    resume_status: resume,
                    is_restart: 0,
                    curr_packet_num: pkt.into(),
                    curr_img: img,
                    num_of_rsp: rsp,
                    is_boot,
                    ver: OTA_CODE_VERSION,
                },
            ))
        };
        if let Some(code) = cx.faults.reject("INIT_REQUEST_EXT") {
            cx.report
                .event(format!("INIT_REQUEST_EXT rejected with {code} (fault)"));
            return vec![rsp(code, 0, 0, 0, 0)];
        }
        let a = match self.check_ctrl(file, cx) {
            Ok(a) => a,
            Err(code) => return vec![rsp(code, 0, 0, 0, 0)],
        };
        if self.mode == Mode::OtaManager && !self.can_resume(&a) {
            cx.report.event(
                "INIT_REQUEST_EXT in the OTA manager with nothing to resume: UNEXPECT_STATE",
            );
            return vec![rsp(err::UNEXPECT_STATE, 0, 0, 0, 0), Action::Disconnect];
        }
        if self.can_resume(&a) {
            let s = &self.saved;
            let idx = s.curr.expect("can_resume");
            let img = a.packet.images[idx].img_id;
            let (pkt, n) = (s.curr_pkt_num, s.num_of_rsp);
            cx.report.event(format!(
                "INIT_REQUEST_EXT: resume image {img} at packet {pkt}"
            ));
            self.acked = pkt;
            self.pending = Some((a, true));
            return vec![rsp(err::NO_ERR, 1, pkt, img, n)];
        }
        cx.report.event(format!(
            "INIT_REQUEST_EXT: control packet accepted, {} image(s)",
            a.packet.images.len()
        ));
        self.pending = Some((a, false));
        vec![rsp(err::NO_ERR, 0, 0, 0, 0)]
    }

    /// `INIT_COMPLETED_IND(_EXT)`: keep the progress (resume 1 after a resume response) or
    /// start over; the app then saves and reboots into the OTA manager.
    fn init_completed(&mut self, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
        let Some(ind) = msg::read::<msg::DfuInitCompletedInd>(payload) else {
            cx.protocol_error("INIT_COMPLETED without its byte".into());
            return vec![];
        };
        let Some((a, resumable)) = self.pending.take() else {
            cx.report
                .event("INIT_COMPLETED without an accepted control packet: ignored");
            return vec![];
        };
        if !(resumable && ind.is_start == 1) {
            let n = a.packet.images.len();
            self.saved = Saved {
                done: vec![false; n],
                stored: vec![Vec::new(); n],
                ctrl: Some(a),
                ..Saved::default()
            };
            cx.report
                .event("INIT_COMPLETED: download starts from the first image");
        } else {
            cx.report.event("INIT_COMPLETED: download resumes");
        }
        self.saved.state = State::PrepareStart;
        if self.mode == Mode::App {
            self.reboot(
                Mode::OtaManager,
                cx,
                "INIT_COMPLETED in the app: disconnect",
            );
            return vec![Action::Disconnect];
        }
        vec![]
    }

    fn ctrl(&self) -> Option<&Accepted> {
        self.saved.ctrl.as_ref()
    }

    fn send_start(&mut self, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
        let rsp = |result: u16| {
            Action::Send(msg::encode(
                id::IMAGE_SEND_START_RESPONSE,
                &msg::DfuImageSendStartResponse {
                    result: result.into(),
                    end_send: END_SEND,
                    extra: 0,
                },
            ))
        };
        if payload.len() < msg::IMAGE_SEND_START_WIRE_LEN {
            cx.protocol_error(format!("IMAGE_SEND_START of {} bytes", payload.len()));
            return vec![];
        }
        let mut buf = payload.to_vec();
        buf.resize(size_of::<msg::DfuImageSendStart>(), 0);
        let s = msg::read::<msg::DfuImageSendStart>(&buf).expect("resized");
        let (img_id, img_length, total, n) = (
            s.img_id,
            s.img_length.get(),
            s.total_pkt_num.get(),
            s.num_of_rsp,
        );
        let idx = self
            .ctrl()
            .and_then(|c| c.packet.images.iter().position(|e| e.img_id == img_id));
        let fail = |me: &mut Self, cx: &mut Ctx<'_>, code: u16, why: String| {
            cx.report.event(format!(
                "IMAGE_SEND_START image {img_id}: {why}: result {code}"
            ));
            let d = me.error_handle(cx, "error");
            vec![rsp(code), d]
        };
        if self.mode != Mode::OtaManager || self.saved.state == State::Idle {
            return fail(
                self,
                cx,
                err::GENERAL_ERR,
                "no download prepared in this program".into(),
            );
        }
        let Some(idx) = idx else {
            return fail(
                self,
                cx,
                err::GENERAL_ERR,
                "not in the control packet".into(),
            );
        };
        if n == 0 {
            // The device divides by it: refused here instead of modelling a crash.
            return fail(self, cx, err::PARAMETER_INVALID, "num_of_rsp 0".into());
        }
        let in_progress = self.saved.state == State::PrepareStart && self.saved.curr.is_some();
        if in_progress {
            let sv = &self.saved;
            if sv.curr != Some(idx)
                || sv.img_length != img_length
                || sv.num_of_rsp != n
                || sv.total_pkt_num != total
            {
                return fail(
                    self,
                    cx,
                    err::PARAMETER_INVALID,
                    "does not match the image in progress".into(),
                );
            }
            cx.report.event(format!(
                "IMAGE_SEND_START image {img_id}: resume after packet {}",
                sv.curr_pkt_num
            ));
        } else {
            self.saved.curr = Some(idx);
            self.saved.curr_pkt_num = 0;
            self.saved.curr_len = 0;
            self.saved.img_length = img_length;
            self.saved.total_pkt_num = total;
            self.saved.num_of_rsp = n;
            self.saved.stored[idx].clear();
            self.saved.done[idx] = false;
            self.checkpoint();
            cx.report.event(format!(
                "IMAGE_SEND_START image {img_id}: {total} packets, erased"
            ));
        }
        self.saved.state = State::TranStart;
        self.last_rsp_pkt_num = self.saved.curr_pkt_num;
        self.last_rsp_len = self.saved.curr_len;
        self.success_rsp_count = 0;
        self.retry_count = 0;
        self.acked = self.saved.curr_pkt_num;
        vec![rsp(err::NO_ERR)]
    }

    fn packet(&mut self, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
        let Ok((head, record)) = msg::DfuImageSendPacket::read_from_prefix(payload) else {
            cx.protocol_error(format!("IMAGE_SEND_PACKET of {} bytes", payload.len()));
            return vec![];
        };
        let (img_id, idx, size) = (head.img_id, u32::from(head.pkt_idx.get()), head.size.get());
        let fate = cx.faults.packet(&format!("image {img_id} packet {idx}"));
        let in_image = self.saved.state == State::TranStart && self.mode == Mode::OtaManager;
        let mut rec = PacketRecord {
            image: Some(img_id),
            index: idx,
            result: None,
            resent_after_ack: in_image && idx > 0 && idx <= self.acked,
            fault: fate_name(&fate),
        };
        if rec.resent_after_ack {
            cx.report.resent_after_ack += 1;
        }
        if fate.skip {
            cx.report.packets.push(rec);
            return vec![];
        }
        let mut record = record[..record.len().min(usize::from(size))].to_vec();
        if fate.corrupt {
            if let Some(b) = record.last_mut() {
                *b ^= 0x5A;
            }
        }
        let (result, mut out) = self.take_packet(img_id, idx, size, &record, cx);
        rec.result = result;
        cx.report.packets.push(rec);
        if fate.drop_after {
            out.retain(|a| matches!(a, Action::Disconnect));
            if out.is_empty() {
                out.push(self.error_handle(cx, "link dropped (fault)"));
            }
        } else if fate.power_cut_after {
            out.clear();
            self.reboot(Mode::OtaManager, cx, "power cut (fault): RAM progress lost");
            out.push(Action::Disconnect);
        }
        out
    }

    /// The handler: `(result, actions)`; `None` when the packet was not judged (a link-loss
    /// check instead).
    fn take_packet(
        &mut self,
        img_id: u8,
        idx: u32,
        size: u16,
        record: &[u8],
        cx: &mut Ctx<'_>,
    ) -> (Option<u16>, Vec<Action>) {
        let rsp = |result: u16| {
            Action::Send(msg::encode(
                id::IMAGE_SEND_PACKET_RESPONSE,
                &msg::DfuResultOnly {
                    result: result.into(),
                },
            ))
        };
        let curr = self.saved.curr;
        let cur_id = curr.and_then(|i| self.ctrl().map(|c| c.packet.images[i].img_id));
        let error = |me: &mut Self, cx: &mut Ctx<'_>, code: u16, why: &str| {
            cx.report.event(format!(
                "IMAGE_SEND_PACKET image {img_id} packet {idx}: {why}: result {code}"
            ));
            let d = me.error_handle(cx, "error");
            (Some(code), vec![rsp(code), d])
        };
        if self.mode != Mode::OtaManager {
            return error(self, cx, err::GENERAL_ERR, "not in the OTA manager");
        }
        if cur_id != Some(img_id) {
            return error(self, cx, err::PARAMETER_INVALID, "not the current image");
        }
        if self.saved.state != State::TranStart {
            return error(self, cx, err::GENERAL_ERR, "no image started");
        }
        if u64::from(self.saved.img_length) < u64::from(self.saved.curr_len) + u64::from(size) {
            return error(self, cx, err::GENERAL_ERR, "past img_length");
        }
        if idx != self.saved.curr_pkt_num + 1 {
            let n = self.reduce_num_of_rsp();
            cx.report.event(format!(
                "IMAGE_SEND_PACKET image {img_id} packet {idx}: expected {}: LINK_LOSE_CHECK_REQ, num_of_rsp {n}",
                self.saved.curr_pkt_num + 1
            ));
            self.lose_checks += 1;
            return (None, vec![self.lose_check_req()]);
        }
        let i = curr.expect("current image");
        if let Err(why) = self.store(i, record) {
            return error(self, cx, err::GENERAL_ERR, &why);
        }
        self.saved.curr_pkt_num += 1;
        self.saved.curr_len += u32::from(size);
        let s = &self.saved;
        if s.curr_pkt_num % u32::from(s.num_of_rsp) != 0 && s.curr_pkt_num != s.total_pkt_num {
            return (Some(err::NO_ERR), vec![]);
        }
        self.last_rsp_pkt_num = s.curr_pkt_num;
        self.last_rsp_len = s.curr_len;
        self.success_rsp_count += 1;
        self.retry_count = 0;
        self.acked = s.curr_pkt_num;
        (Some(err::NO_ERR), vec![rsp(err::NO_ERR)])
    }

    /// `dfu_packet_download`: the record's hash (8 bytes, of the plaintext) and its block
    /// stored at its offset.
    fn store(&mut self, i: usize, record: &[u8]) -> Result<(), String> {
        let c = self
            .saved
            .ctrl
            .as_ref()
            .expect("a current image has a control packet");
        let entry = &c.packet.images[i];
        let Ok((h, block)) = RecordHeader::read_from_prefix(record) else {
            return Err(format!("record of {} bytes has no header", record.len()));
        };
        if block.is_empty() || block.len() > usize::from(c.packet.blk_size.max(16)) {
            return Err(format!(
                "block of {} bytes, blk_size {}",
                block.len(),
                c.packet.blk_size
            ));
        }
        let offset = h.offset.get();
        let mut plain = block.to_vec();
        if entry.flag & FLAG_ENC != 0 {
            secure::cipher::ctr_apply(
                c.packet.session_key.as_bytes(),
                &c.nonce,
                offset,
                &mut plain,
            );
        }
        if Sha256::digest(&plain)[..DEVICE_HASH_CMP_LEN] != h.hash[..DEVICE_HASH_CMP_LEN] {
            return Err(format!("record hash at offset {offset:#x} does not match"));
        }
        let end = offset as usize + block.len();
        if end > entry.length as usize {
            return Err(format!(
                "block ends at {end}, past the image length {}",
                entry.length
            ));
        }
        let stored = &mut self.saved.stored[i];
        if stored.len() < end {
            stored.resize(end, 0xFF);
        }
        stored[offset as usize..end].copy_from_slice(block);
        Ok(())
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

    fn send_end(&mut self, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
        let Some(end) = msg::read::<msg::DfuImageSendEnd>(payload) else {
            cx.protocol_error(format!("IMAGE_SEND_END of {} bytes", payload.len()));
            return vec![];
        };
        let rsp = |result: u16| {
            Action::Send(msg::encode(
                id::IMAGE_SEND_END_RESPONSE,
                &msg::DfuResultOnly {
                    result: result.into(),
                },
            ))
        };
        let curr = self
            .saved
            .curr
            .filter(|_| self.saved.state == State::TranStart);
        let verdict = match (curr, self.ctrl()) {
            (Some(i), Some(c)) if c.packet.images[i].img_id == end.img_id => {
                let e = &c.packet.images[i];
                let stored = &self.saved.stored[i];
                let complete = stored.len() == e.length as usize;
                let digest: [u8; 32] = Sha256::digest(stored).into();
                if complete && self.keys.verifier.verify_digest(&digest, &e.sig) {
                    Ok(i)
                } else {
                    Err((
                        err::FW_INVALID,
                        format!("signature check over {} stored bytes fails", stored.len()),
                    ))
                }
            }
            (Some(_), Some(_)) => Err((err::PARAMETER_INVALID, "not the current image".into())),
            _ => Err((err::GENERAL_ERR, "no image in progress".into())),
        };
        match verdict {
            Ok(i) => {
                self.saved.done[i] = true;
                cx.report
                    .event(format!("IMAGE_SEND_END image {}: verified", end.img_id));
                vec![rsp(err::NO_ERR)]
            }
            Err((code, why)) => {
                cx.report.event(format!(
                    "IMAGE_SEND_END image {}: {why}: result {code}",
                    end.img_id
                ));
                let d = self.error_handle(cx, "error");
                vec![rsp(code), d]
            }
        }
    }

    fn transmission_end(&mut self, cx: &mut Ctx<'_>) -> Vec<Action> {
        if self.mode != Mode::OtaManager || self.saved.state != State::TranStart {
            cx.report
                .event("TRANSMISSION_END outside a download: ignored");
            return vec![];
        }
        let c = self
            .saved
            .ctrl
            .clone()
            .expect("a download has a control packet");
        if let Some(i) = self.saved.done.iter().position(|d| !d) {
            let img = c.packet.images[i].img_id;
            let outcome = format!(
                "BROKEN: TRANSMISSION_END before image {img} was received: the install erases from its \
                 address to the end of flash and halts (measured); the device does not come back"
            );
            cx.report.event(outcome.clone());
            cx.report.installs.push(InstallRecord {
                outcome,
                new_firmware_installed: false,
                images: vec![],
            });
            self.saved.bricked = true;
            return vec![Action::Disconnect];
        }
        let mut images = Vec::new();
        let mut failure = None;
        for (i, e) in c.packet.images.iter().enumerate() {
            match install(&c, i, &self.saved.stored[i]) {
                Ok(bytes) => images.push(InstalledImage {
                    id: e.img_id,
                    file: super::image_file_name(e.img_id),
                    len: bytes.len(),
                    bytes,
                }),
                Err(m) => {
                    failure = Some(format!("image {}: {m}", e.img_id));
                    break;
                }
            }
        }
        let result = if failure.is_none() {
            err::NO_ERR
        } else {
            err::FW_INVALID
        };
        let outcome = match &failure {
            None => "new firmware fully installed".to_string(),
            Some(f) => format!("install failed ({f}); the device reboots into the app"),
        };
        cx.report.event(format!("TRANSMISSION_END: {outcome}"));
        cx.report.installs.push(InstallRecord {
            outcome,
            new_firmware_installed: failure.is_none(),
            images: if failure.is_none() { images } else { vec![] },
        });
        let end = Action::Send(msg::encode(
            id::END_IND,
            &msg::DfuEndInt {
                result: result as u8,
            },
        ));
        if failure.is_none() {
            self.saved = Saved::default();
        } else {
            self.saved.state = State::Idle;
        }
        self.reboot(Mode::App, cx, "after the install");
        vec![end, Action::Disconnect]
    }

    fn retransmission(&mut self, cx: &mut Ctx<'_>) -> Vec<Action> {
        if self.saved.state != State::TranStart || self.mode != Mode::OtaManager {
            cx.report
                .event("RETRANSMISSION_REQUEST outside an image: ignored");
            return vec![];
        }
        let n = self.reduce_num_of_rsp();
        self.saved.curr_pkt_num = self.last_rsp_pkt_num;
        self.saved.curr_len = self.last_rsp_len;
        cx.report.event(format!(
            "RETRANSMISSION_REQUEST: rewind to packet {}, num_of_rsp {n}",
            self.last_rsp_pkt_num
        ));
        vec![Action::Send(msg::encode(
            id::RETRANSMISSION_RESPONSE,
            &msg::DfuRetransmissionResponse {
                result: err::NO_ERR.into(),
                new_num_of_rsp: u16::from(n).into(),
                retransmission_packet_num: self.last_rsp_pkt_num.into(),
            },
        ))]
    }

    /// Old-style `INIT_REQUEST` (`force`: `FORCE_INIT_REQUEST`).
    fn init_old(&mut self, file: &[u8], force: bool, cx: &mut Ctx<'_>) -> Vec<Action> {
        let is_boot = u8::from(self.mode == Mode::App);
        let rsp = |result: u16| {
            Action::Send(msg::encode(
                id::INIT_RESPONSE,
                &msg::DfuInitResponse {
                    result: result.into(),
                    is_boot,
                    pad: 0,
                },
            ))
        };
        if let Some(code) = cx.faults.reject("INIT_REQUEST") {
            return vec![rsp(code)];
        }
        let a = match self.check_ctrl(file, cx) {
            Ok(a) => a,
            Err(code) => return vec![rsp(code)],
        };
        if !force && self.saved.curr.is_some() && self.saved.ctrl.is_some() {
            cx.report
                .event("INIT_REQUEST with a download saved: OTA_ONGOING");
            return vec![rsp(err::OTA_ONGOING)];
        }
        self.pending = Some((a, false));
        vec![rsp(err::NO_ERR)]
    }

    /// `RESUME_REQUEST`: the saved position of the same control packet.
    fn resume_old(&mut self, file: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
        let is_boot = u8::from(self.mode == Mode::App);
        let a = self.check_ctrl(file, cx);
        let (result, pkt, img, n) = match &a {
            Ok(a) if self.can_resume(a) => {
                let i = self.saved.curr.expect("can_resume");
                (
                    err::NO_ERR,
                    self.saved.curr_pkt_num,
                    a.packet.images[i].img_id,
                    self.saved.num_of_rsp,
                )
            }
            Ok(_) => (err::GENERAL_ERR, 0, 0, 0),
            Err(code) => (*code, 0, 0, 0),
        };
        if let (Ok(a), err::NO_ERR) = (a, result) {
            self.pending = Some((a, true));
        }
        vec![Action::Send(msg::encode(
            id::RESUME_RESPONSE,
            &msg::DfuResumeResponse {
                result: result.into(),
                is_boot,
                is_restart: 0,
                curr_packet_num: pkt.into(),
                curr_img: img,
                num_of_rsp: n,
                pad: [0; 2],
            },
        ))]
    }
}

/// What the installer writes for image `i`: decrypted, and decompressed for flag 16.
fn install(c: &Accepted, i: usize, stored: &[u8]) -> Result<Vec<u8>, String> {
    let e = &c.packet.images[i];
    let mut plain = stored.to_vec();
    if e.flag & FLAG_ENC != 0 {
        let bk = usize::from(c.packet.blk_size.max(16));
        for (n, block) in plain.chunks_mut(bk).enumerate() {
            secure::cipher::ctr_apply(
                c.packet.session_key.as_bytes(),
                &c.nonce,
                (n * bk) as u32,
                block,
            );
        }
    }
    if e.flag & FLAG_COMPRESS == 0 {
        return Ok(plain);
    }
    // The record file holds the compressed payload zero-padded to 16: the installer stops
    // at `total_len`, so the padding is never read.
    ezip::payload::decode(&plain)
        .map(|(image, _)| image)
        .map_err(|err| package::error::full_text(&err))
}

fn fate_name(f: &PacketFate) -> Option<String> {
    let names = [
        (f.skip, "skip"),
        (f.corrupt, "corrupt"),
        (f.drop_after, "drop"),
        (f.power_cut_after, "power-cut"),
    ];
    let hit: Vec<&str> = names
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
    (!hit.is_empty()).then(|| hit.join("+"))
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
                cx.report.event("ABORT_COMMAND from the sender");
                vec![self.error_handle(cx, "abort")]
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
