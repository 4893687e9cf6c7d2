//! The app's side: the control packet checked as the device does, init and resume.

use super::*;

impl SecureDevice {
    /// Hash (8 bytes compared), signature, format and policy of a control packet file:
    /// `Err(result code)` as the device answers.
    pub(super) fn check_ctrl(&self, file: &[u8], cx: &mut Ctx<'_>) -> Result<Accepted, u16> {
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
    pub(super) fn can_resume(&self, a: &Accepted) -> bool {
        self.saved.ctrl.as_ref().is_some_and(|c| c.plain == a.plain) && self.saved.curr.is_some()
    }

    pub(super) fn init_ext(&mut self, file: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
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
    pub(super) fn init_completed(&mut self, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
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

    /// Old-style `INIT_REQUEST` (`force`: `FORCE_INIT_REQUEST`).
    pub(super) fn init_old(&mut self, file: &[u8], force: bool, cx: &mut Ctx<'_>) -> Vec<Action> {
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
    pub(super) fn resume_old(&mut self, file: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
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
