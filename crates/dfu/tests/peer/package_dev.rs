//! A package-flow device as `dfu_ctrl.c` behaves (spec 4.2 and its measurements), with faults.

use super::{Device, Out};
use dfu::msg::{id, Message};
use dfu::raw::*;
use zerocopy::FromBytes;

/// How the device answers packets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Answers {
    /// Every packet, `completed_count` 0 on success (xiaomaomogu tree).
    EveryZero,
    /// Every 10 packets and the last, with the count (newer trees).
    Ten,
    /// Every 10, but late: after packets 1, 11, 21, ... with count k-1 and none after the last.
    TenLate,
}

#[derive(Debug)]
pub struct PackageDev {
    pub answers: Answers,
    pub region: usize,
    pub flash: Vec<u8>,
    /// `(file_len, packet_count, crc)` of the transfer in progress.
    pub saved: Option<(u32, u32, u32)>,
    pub count: u32,
    /// How often each packet index was received whole.
    pub received: Vec<u32>,
    /// Faults: drop the link right after storing this packet (once).
    pub drop_after: Option<u32>,
    /// Power cut right after storing this packet (once): state lost, link down.
    pub power_cut_after: Option<u32>,
    /// Flip a byte of this packet the first time it comes.
    pub corrupt: Option<u32>,
    /// Drop this packet the first time, answering nothing (the sender skips nothing; the device
    /// then sees the next index: INDEX_ERROR).
    pub lose: Option<u32>,
    /// Send the answer to this packet twice (a notification repeated).
    pub dup: Option<u32>,
    /// Answer the next END with FW_INVALID (and reboot).
    pub invalid_end: bool,
    /// A result for every start request.
    pub start_result: u16,
    pub ended: u32,
    every: bool,
    pub reboots: u32,
    pub starts: u32,
    pub seen_start_len: Vec<usize>,
}

impl PackageDev {
    pub fn new(answers: Answers) -> Self {
        PackageDev {
            answers,
            region: 1 << 20,
            flash: Vec::new(),
            saved: None,
            count: 0,
            received: Vec::new(),
            drop_after: None,
            power_cut_after: None,
            corrupt: None,
            lose: None,
            invalid_end: false,
            dup: None,
            start_result: 0,
            ended: 0,
            every: false,
            reboots: 0,
            starts: 0,
            seen_start_len: Vec::new(),
        }
    }

    fn reboot(&mut self) {
        self.saved = None;
        self.count = 0;
        self.reboots += 1;
    }

    fn packet_rsp(result: u16, retrans: u8, count: u32) -> Out {
        let r = DfuImagePackagePacketRsp {
            result: result.into(),
            retransmission: retrans,
            reserved: 0,
            completed_count: count.into(),
        };
        Out::Notify(Message::new(id::IMAGE_PACKAGE_PACKET_RSP, &r, &[]))
    }
}

impl Device for PackageDev {
    fn mangle(&mut self, value: &mut Vec<u8>) {
        if let Ok((h, _)) = DfuImagePackagePacketReq::read_from_prefix(value) {
            if Some(h.packet_index.get()) == self.corrupt && value.len() > 20 {
                self.corrupt = None;
                value[20] ^= 0x55;
            }
        }
    }

    fn handle(&mut self, m: Message) -> Vec<Out> {
        match m.id {
            id::IMAGE_PACKAGE_START_REQ => {
                self.starts += 1;
                self.seen_start_len.push(m.payload.len());
                let r = DfuImagePackageStartReq::read_from_prefix(&m.payload)
                    .unwrap()
                    .0;
                let key = (r.file_len.get(), r.packet_count.get(), r.crc_value.get());
                let mut result = self.start_result;
                if r.file_len.get() as usize > self.region {
                    result = 3;
                }
                if result == 0 && self.saved != Some(key) {
                    self.saved = Some(key);
                    self.count = 0;
                    self.flash = vec![0xff; r.file_len.get() as usize];
                }
                // The old 12-byte request gets a response for every packet, with the count.
                self.every = m.payload.len() == 12 && self.answers != Answers::EveryZero;
                let freq = if self.every || self.answers == Answers::EveryZero {
                    0
                } else {
                    10
                };
                let rsp = DfuImagePackageStartRsp {
                    result: result.into(),
                    response_frequency: freq,
                    reserved: 0,
                    completed_count: self.count.into(),
                };
                vec![Out::Notify(Message::new(
                    id::IMAGE_PACKAGE_START_RSP,
                    &rsp,
                    &[],
                ))]
            }
            id::IMAGE_PACKAGE_PACKET_REQ => {
                let (h, data) = DfuImagePackagePacketReq::read_from_prefix(&m.payload).unwrap();
                let k = h.packet_index.get();
                let (file_len, total, _) = self.saved.expect("packet before start");
                if Some(k) == self.lose {
                    self.lose = None;
                    return vec![];
                }
                if k != self.count + 1 {
                    return vec![Self::packet_rsp(13, 1, self.count)];
                }
                if package::crc32_mpeg2(data) != h.crc.get()
                    || data.len() != h.data_len.get() as usize
                {
                    return vec![Self::packet_rsp(1, 1, self.count)];
                }
                let at = (k as usize - 1) * 2048;
                assert!(data.len() == 2048 || (k == total && at + data.len() == file_len as usize));
                self.flash[at..at + data.len()].copy_from_slice(data);
                self.count = k;
                if self.received.len() < k as usize {
                    self.received.resize(k as usize, 0);
                }
                self.received[k as usize - 1] += 1;
                if Some(k) == self.drop_after {
                    self.drop_after = None;
                    return vec![Out::Disconnect];
                }
                if Some(k) == self.power_cut_after {
                    self.power_cut_after = None;
                    self.reboot();
                    return vec![Out::Disconnect];
                }
                let answer = match self.answers {
                    _ if self.every => Some(k),
                    Answers::EveryZero => Some(0),
                    Answers::Ten => (k % 10 == 0 || k == total).then_some(k),
                    Answers::TenLate => (k % 10 == 1 && k > 1).then_some(k - 1),
                };
                let times = if Some(k) == self.dup { 2 } else { 1 };
                let Some(c) = answer else { return vec![] };
                (0..times).map(|_| Self::packet_rsp(0, 0, c)).collect()
            }
            id::IMAGE_PACKAGE_END_REQ => {
                self.ended += 1;
                let total = self.saved.map_or(0, |s| s.1);
                let result: u16 = if self.count == total && !self.invalid_end {
                    0
                } else {
                    8
                };
                self.invalid_end = false;
                let r = DfuImagePackageEndRsp {
                    result: result.into(),
                };
                if result != 0 {
                    // The install fails its CRC check; the device reboots into the app.
                    self.reboot();
                }
                vec![
                    Out::Notify(Message::new(id::IMAGE_PACKAGE_END_RSP, &r, &[])),
                    Out::Disconnect,
                ]
            }
            other => panic!("unexpected message {other}"),
        }
    }
}
