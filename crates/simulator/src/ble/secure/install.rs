//! `TRANSMISSION_END`: the install, or the brick when an image is missing.

use super::*;

impl SecureDevice {
    pub(super) fn transmission_end(&mut self, cx: &mut Ctx<'_>) -> Vec<Action> {
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
                    file: crate::ble::image_file_name(e.img_id),
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
