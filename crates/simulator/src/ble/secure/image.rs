//! One image: start, one record per packet, its end; retransmission.

use super::*;

impl SecureDevice {
    pub(super) fn send_start(&mut self, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
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

    pub(super) fn packet(&mut self, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
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
            fault: fate.name(),
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
        } else if let Some(reason) = fate.abort_after {
            // An error already ran the error handler: the abort only goes before its disconnect.
            let handled = out.iter().any(|a| matches!(a, Action::Disconnect));
            out.retain(|a| !matches!(a, Action::Disconnect));
            out.push(Action::Send(msg::encode(
                id::ABORT_COMMAND,
                &msg::DfuAbortCommand {
                    reason: reason.into(),
                },
            )));
            out.push(if handled {
                Action::Disconnect
            } else {
                self.error_handle(cx, "the app aborts (fault)")
            });
        } else if fate.power_cut_after {
            out.clear();
            self.reboot(Mode::OtaManager, cx, "power cut (fault): RAM progress lost");
            out.push(Action::Disconnect);
        }
        out
    }

    /// The handler: `(result, actions)`; `None` when the packet was not judged (a link-loss
    /// check instead).
    pub(super) fn take_packet(
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
    pub(super) fn store(&mut self, i: usize, record: &[u8]) -> Result<(), String> {
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

    pub(super) fn send_end(&mut self, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
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

    pub(super) fn retransmission(&mut self, cx: &mut Ctx<'_>) -> Vec<Action> {
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
}
