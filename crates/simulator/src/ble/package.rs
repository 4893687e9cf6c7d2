//! The app's package receiver (messages 38-43, secure-and-online-dfu doc 4.2 and its
//! "Measured on the SDK's own device code"): it writes `offline_install.bin` into
//! `DFU_DOWNLOAD_REGION` of the flash model, then hands it to the install simulator.
//!
//! Resume state lives in RAM as in the SDK: it survives a disconnect, not a power cut or a
//! reboot (every END reboots).

use super::msg::{self, err, id};
use super::report::{InstallRecord, InstalledImage, PacketRecord};
use super::{Action, Ctx, Flow};
use crate::flash::Flash;
use crate::map::FlashMap;
use crate::scenario::{OldImages, Scenario};
use zerocopy::FromBytes;

/// Bytes of every packet but the last.
pub const PACKET_LEN: u32 = 2048;

/// How the device answers packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageModel {
    /// 1: every packet with `completed_count = 0` on success (current SDKs, stop-and-wait).
    /// N > 1: every N packets (and every error) with the real count, announced in the start
    /// response to a 16-byte request (newer SDKs; a 12-byte request still gets 1).
    pub answer_every: u8,
    /// With `answer_every` > 1: also answer the last packet.
    pub answer_last: bool,
    /// With `answer_every` > 1: the newer SDK when its flash thread preempts the BLE thread
    /// (measured): the answer leaves before the packet is counted, so answers come after
    /// packets 1, 1+N, 1+2N... carrying the count before the packet, and none after the last.
    pub preempted: bool,
}

impl Default for PackageModel {
    fn default() -> Self {
        PackageModel {
            answer_every: 1,
            answer_last: true,
            preempted: false,
        }
    }
}

/// `env->prog` of the SDK for this flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Progress {
    all_length: u32,
    all_count: u32,
    crc: u32,
    current: u32,
}

/// The package-flow device.
#[derive(Debug)]
pub struct PackageDevice {
    map: FlashMap,
    flash: Flash,
    model: PackageModel,
    prog: Option<Progress>,
    /// Packets per response in this transfer.
    freq: u32,
    /// Highest packet the device has told the sender it holds, this transfer.
    acked: u32,
}

impl PackageDevice {
    /// A device with an erased flash laid out as `map`.
    pub fn new(map: FlashMap, model: PackageModel) -> Self {
        let flash = Flash::new(map.erase_unit());
        PackageDevice {
            map,
            flash,
            model,
            prog: None,
            freq: 1,
            acked: 0,
        }
    }

    /// Reboot or power loss: RAM progress is gone.
    fn forget(&mut self) {
        self.prog = None;
        self.acked = 0;
    }

    fn start(&mut self, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
        let Some(req) = msg::read::<msg::DfuImagePackageStartReq>(payload) else {
            cx.protocol_error(format!(
                "start request of {} bytes, expected 12 or 16",
                payload.len()
            ));
            return vec![];
        };
        let v1 = msg::read::<msg::DfuImagePackageStartReqV1>(payload).filter(|r| r.version == 1);
        let (file_len, count, crc) = (
            req.file_len.get(),
            req.packet_count.get(),
            req.crc_value.get(),
        );
        if let Some(code) = cx.faults.reject("package start request") {
            cx.report
                .event(format!("START rejected with {code} (fault)"));
            return vec![start_rsp(code, 0, 0)];
        }
        self.freq = match (self.model.answer_every, v1) {
            (n, Some(_)) if n > 1 => u32::from(n),
            _ => 1,
        };
        // The field is a `u16 reserved` in the trees that answer every packet.
        let announced = if self.model.answer_every > 1 {
            self.freq as u8
        } else {
            0
        };
        if let Some(p) = self.prog.filter(|p| {
            (p.all_length, p.all_count, p.crc) == (file_len, count, crc) && p.current > 0
        }) {
            cx.report.event(format!("START: resume at {}", p.current));
            self.acked = p.current;
            return vec![start_rsp(err::NO_ERR, announced, p.current)];
        }
        let dl = self.map.download().clone();
        let unit = self.map.erase_unit();
        let erase = u64::from(file_len).div_ceil(u64::from(unit)) * u64::from(unit);
        if erase > u64::from(dl.size) {
            cx.report.event(format!(
                "START: {file_len} bytes do not fit {} ({} bytes): SPACE_NOT_ENOUGH",
                dl.name, dl.size
            ));
            self.forget();
            return vec![start_rsp(err::SPACE_NOT_ENOUGH, announced, 0)];
        }
        self.flash.set_context("app: erase DFU_DOWNLOAD_REGION");
        for off in (0..erase).step_by(unit as usize) {
            // The receiver's flash has no armed cut: a transfer power cut is a fault of its own.
            let _ = self.flash.erase(dl.start + off as u32);
        }
        self.prog = Some(Progress {
            all_length: file_len,
            all_count: count,
            crc,
            current: 0,
        });
        self.acked = 0;
        cx.report.event(format!(
            "START: {file_len} bytes in {count} packets, erased {erase} bytes, answers every {}",
            self.freq
        ));
        vec![start_rsp(err::NO_ERR, announced, 0)]
    }

    fn packet(&mut self, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
        let Ok((head, data)) = msg::DfuImagePackagePacket::read_from_prefix(payload) else {
            cx.protocol_error(format!("packet request of {} bytes", payload.len()));
            return vec![];
        };
        let index = head.packet_index.get();
        let fate = cx.faults.packet(&format!("package packet {index}"));
        let mut record = PacketRecord {
            image: None,
            index,
            result: None,
            resent_after_ack: self.prog.is_some() && index <= self.acked && index > 0,
            fault: fate.name(),
        };
        if record.resent_after_ack {
            cx.report.resent_after_ack += 1;
        }
        if fate.skip {
            cx.report.packets.push(record);
            return vec![];
        }
        let mut data = data[..data.len().min(head.data_len.get() as usize)].to_vec();
        if fate.corrupt {
            if let Some(b) = data.last_mut() {
                *b ^= 0x5A;
            }
        }
        let (result, retrans, count) =
            self.store(index, head.data_len.get(), head.crc.get(), &data);
        record.result = Some(result);
        cx.report.packets.push(record);
        let mut out = Vec::new();
        if let Some(rsp) = self.packet_rsp(result, retrans, count) {
            out.push(rsp);
        }
        if fate.drop_after || fate.power_cut_after {
            out.clear();
            if fate.power_cut_after {
                cx.report
                    .event(format!("power cut after packet {index}: progress lost"));
                self.forget();
            }
            out.push(Action::Disconnect);
        }
        if result != err::NO_ERR {
            cx.report.event(format!(
                "PACKET {index}: result {result}, retransmission {retrans}, completed {count}"
            ));
        }
        out
    }

    /// The handler's checks and the flash write: `(result, retransmission, completed)`.
    fn store(&mut self, index: u32, data_len: u32, crc: u32, data: &[u8]) -> (u16, u8, u32) {
        let Some(p) = self.prog.as_mut() else {
            return (err::NOT_READY, 0, 0);
        };
        if index != p.current + 1 || index > p.all_count {
            return (err::INDEX_ERROR, 1, p.current);
        }
        if data.len() != data_len as usize
            || data_len > PACKET_LEN
            || package::crc32::crc32_mpeg2(data) != crc
        {
            return (err::GENERAL_ERR, 1, p.current);
        }
        if index == p.all_count
            && u64::from(p.all_length)
                != u64::from(p.current) * u64::from(PACKET_LEN) + u64::from(data_len)
        {
            return (err::GENERAL_ERR, 0, p.current);
        }
        let addr = self.map.download().start + PACKET_LEN * p.current;
        self.flash
            .set_context(format!("app: package packet {index}"));
        let _ = self.flash.program(addr, data);
        p.current += 1;
        (err::NO_ERR, 0, p.current)
    }

    fn packet_rsp(&mut self, result: u16, retrans: u8, count: u32) -> Option<Action> {
        if result != err::NO_ERR {
            self.acked = self.acked.max(count);
            return Some(packet_rsp(result, retrans, count));
        }
        let last = self.prog.is_some_and(|p| p.current == p.all_count);
        if self.model.answer_every <= 1 {
            // Stop-and-wait: the response to packet k confirms it, but carries count 0.
            self.acked = count;
            return Some(packet_rsp(err::NO_ERR, 0, 0));
        }
        if self.model.preempted {
            let before = count - 1;
            if before % self.freq != 0 {
                return None;
            }
            self.acked = before;
            return Some(packet_rsp(err::NO_ERR, 0, before));
        }
        let due = count % self.freq == 0 || (last && self.model.answer_last);
        if !due {
            return None;
        }
        self.acked = count;
        Some(packet_rsp(err::NO_ERR, 0, count))
    }

    fn end(&mut self, cx: &mut Ctx<'_>) -> Vec<Action> {
        let result = match self.prog {
            None => err::NOT_READY,
            Some(p) if p.current != p.all_count => err::FW_INVALID,
            Some(_) => err::NO_ERR,
        };
        cx.report
            .event(format!("END: result {result}; install thread starts"));
        let rsp = Action::Send(msg::encode(
            id::IMAGE_PACKAGE_END_RSP,
            &msg::DfuImagePackageEndRsp {
                result: result.into(),
            },
        ));
        // The install thread starts whatever the result; the device then reboots.
        if let Some(p) = self.prog {
            let bytes = self
                .flash
                .read(self.map.download().start, p.all_length as usize);
            let record = self.install(&bytes, cx);
            cx.report.event(format!("install: {}", record.outcome));
            cx.report.installs.push(record);
        }
        self.forget();
        cx.report.event("disconnect and reboot into the app");
        vec![rsp, Action::Disconnect]
    }

    /// The app's install step and the installer, by the install simulator.
    fn install(&self, package: &[u8], cx: &mut Ctx<'_>) -> InstallRecord {
        let scenario = match Scenario::new(self.map.clone(), package, OldImages::default()) {
            Ok(s) => s,
            Err(e) => {
                return InstallRecord {
                    outcome: format!(
                        "the app refuses the stored package ({}); old firmware intact",
                        package::error::full_text(&e)
                    ),
                    new_firmware_installed: false,
                    images: vec![],
                }
            }
        };
        let run = scenario.run_cut(cx.faults.install_cut());
        InstallRecord {
            outcome: run.outcome.to_string(),
            new_firmware_installed: run.passed(),
            images: run
                .installed
                .into_iter()
                .map(|img| InstalledImage {
                    id: img.id,
                    file: super::image_file_name(img.id),
                    len: img.bytes.len(),
                    bytes: img.bytes,
                })
                .collect(),
        }
    }
}

fn start_rsp(result: u16, freq: u8, completed: u32) -> Action {
    Action::Send(msg::encode(
        id::IMAGE_PACKAGE_START_RSP,
        &msg::DfuImagePackageStartRsp {
            result: result.into(),
            response_frequency: freq,
            reserved: 0,
            completed_count: completed.into(),
        },
    ))
}

fn packet_rsp(result: u16, retrans: u8, completed: u32) -> Action {
    Action::Send(msg::encode(
        id::IMAGE_PACKAGE_PACKET_RSP,
        &msg::DfuImagePackagePacketRsp {
            result: result.into(),
            retransmission: retrans,
            reserved: 0,
            completed_count: completed.into(),
        },
    ))
}

impl Flow for PackageDevice {
    fn name(&self) -> &'static str {
        "package"
    }

    fn message(&mut self, message_id: u16, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action> {
        match message_id {
            id::IMAGE_PACKAGE_START_REQ => self.start(payload, cx),
            id::IMAGE_PACKAGE_PACKET_REQ => self.packet(payload, cx),
            id::IMAGE_PACKAGE_END_REQ => self.end(cx),
            other => {
                cx.protocol_error(format!(
                    "message {other} is not one the package receiver handles"
                ));
                vec![]
            }
        }
    }

    fn link_lost(&mut self, cx: &mut Ctx<'_>) {
        if let Some(p) = self.prog {
            cx.report.event(format!(
                "link lost at packet {} of {}: progress kept in RAM",
                p.current, p.all_count
            ));
        }
    }
}
