//! A secure-flow device (`sol/dfu_ctrl_sol.c` as measured, spec 4.3), with faults: the app
//! answers the control packet and reboots into the OTA manager; every error saves progress and
//! reboots into the app; a power cut keeps only what was saved when the image started.

use super::{Device, Out};
use dfu::msg::{id, Message};
use dfu::raw::*;
use std::collections::BTreeMap;
use zerocopy::FromBytes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    App,
    OtaManager,
}

/// The image in progress.
#[derive(Debug, Clone, Copy)]
struct Current {
    id: u8,
    total: u32,
    rsp: u8,
    held: u32,
}

#[derive(Debug)]
pub struct SecureDev {
    pub ctrl: Vec<u8>,
    pub ids: Vec<u8>,
    pub mode: Mode,
    /// Records stored per image, one per packet.
    pub stored: BTreeMap<u8, Vec<Vec<u8>>>,
    /// Flash-saved progress: (image, packets).
    pub saved: Option<(u8, u32, u8)>,
    cur: Option<Current>,
    /// How often each (image, packet) was received and stored.
    pub received: BTreeMap<(u8, u16), u32>,
    pub drop_after: Option<(u8, u16)>,
    pub power_cut_after: Option<(u8, u16)>,
    pub corrupt: Option<(u8, u16)>,
    pub lose: Option<(u8, u16)>,
    /// Store this packet but leave its due answer out (once): the sender must ask.
    pub mute: Option<(u8, u16)>,
    /// Send a link-loss check before the next IMAGE_SEND_START answer (once).
    pub check_on_start: bool,
    /// Link-loss check answers received.
    pub checks_answered: u32,
    /// Retransmission requests received.
    pub retrans_asked: u32,
    /// The app aborts right after storing this packet: ABORT_COMMAND, save, reboot.
    pub abort: Option<(u8, u16)>,
    pub installed: bool,
    pub early_end: bool,
    pub boots: u32,
}

impl SecureDev {
    pub fn new(ctrl: &[u8], ids: &[u8]) -> Self {
        SecureDev {
            ctrl: ctrl.to_vec(),
            ids: ids.to_vec(),
            mode: Mode::App,
            stored: BTreeMap::new(),
            saved: None,
            cur: None,
            received: BTreeMap::new(),
            drop_after: None,
            power_cut_after: None,
            corrupt: None,
            lose: None,
            abort: None,
            mute: None,
            check_on_start: false,
            checks_answered: 0,
            retrans_asked: 0,
            installed: false,
            early_end: false,
            boots: 0,
        }
    }

    /// Saves the progress and reboots into the app (what every error and a lost link do).
    fn save_and_reboot(&mut self) -> Vec<Out> {
        if let Some(c) = self.cur.take() {
            self.saved = Some((c.id, c.held, c.rsp));
        }
        self.mode = Mode::App;
        self.boots += 1;
        vec![Out::Disconnect]
    }

    fn notify<T: zerocopy::IntoBytes + zerocopy::Immutable>(mid: u16, v: &T) -> Out {
        Out::Notify(Message::new(mid, v, &[]))
    }

    fn rsp16(mid: u16, r: u16) -> Out {
        Self::notify(mid, &DfuResult16 { result: r.into() })
    }
}

impl Device for SecureDev {
    fn handle(&mut self, m: Message) -> Vec<Out> {
        match m.id {
            id::INIT_REQUEST_EXT => {
                let mut r = DfuInitResponseExt {
                    result: 0.into(),
                    is_boot: u8::from(self.mode == Mode::App),
                    ver: 2,
                    ..Default::default()
                };
                if m.payload != self.ctrl {
                    r.result = 9.into();
                } else if let Some((img, held, rsp)) = self.saved {
                    r.resume_status = 1;
                    r.curr_img = img;
                    r.curr_packet_num = held.into();
                    r.num_of_rsp = rsp;
                }
                vec![Self::notify(id::INIT_RESPONSE_EXT, &r)]
            }
            id::INIT_COMPLETED_IND_EXT => {
                if m.payload[0] == 0 {
                    self.saved = None;
                    self.stored.clear();
                }
                if self.mode == Mode::App {
                    self.mode = Mode::OtaManager;
                    self.boots += 1;
                    return vec![Out::Disconnect];
                }
                vec![]
            }
            id::IMAGE_SEND_START => {
                assert_eq!(self.mode, Mode::OtaManager, "IMAGE_SEND_START to the app");
                let s = DfuImageSendStart::read_from_prefix(&m.payload).unwrap().0;
                let held = match self.saved {
                    Some((img, held, rsp)) if img == s.img_id => {
                        assert_eq!(rsp, s.num_of_rsp, "a resumed image must keep num_of_rsp");
                        held
                    }
                    _ => 0,
                };
                // What a power cut left beyond `held` is written again.
                self.stored
                    .entry(s.img_id)
                    .or_default()
                    .truncate(held as usize);
                self.cur = Some(Current {
                    id: s.img_id,
                    total: s.total_pkt_num.get(),
                    rsp: s.num_of_rsp,
                    held,
                });
                // Progress is saved when an image starts.
                self.saved = Some((s.img_id, held, s.num_of_rsp));
                let r = DfuImageSendStartResponse {
                    result: 0.into(),
                    end_send: 1,
                    extra: 0,
                };
                let mut out = Vec::new();
                if std::mem::take(&mut self.check_on_start) {
                    let check = DfuRetransmissionResponse {
                        result: 0.into(),
                        new_num_of_rsp: u16::from(s.num_of_rsp).into(),
                        retransmission_packet_num: held.into(),
                    };
                    out.push(Self::notify(id::LINK_LOSE_CHECK_REQ, &check));
                }
                out.push(Self::notify(id::IMAGE_SEND_START_RESPONSE, &r));
                out
            }
            id::IMAGE_SEND_PACKET => {
                let (h, rec) = DfuImageSendPacket::read_from_prefix(&m.payload).unwrap();
                let key = (h.img_id, h.pkt_idx.get());
                let mut c = self.cur.expect("packet without start");
                if self.lose == Some(key) {
                    self.lose = None;
                    return vec![];
                }
                if u32::from(key.1) != c.held + 1 {
                    let r = DfuRetransmissionResponse {
                        result: 0.into(),
                        new_num_of_rsp: u16::from(c.rsp).into(),
                        retransmission_packet_num: c.held.into(),
                    };
                    return vec![Self::notify(id::LINK_LOSE_CHECK_REQ, &r)];
                }
                if self.corrupt == Some(key) {
                    self.corrupt = None;
                    let mut out = vec![Self::rsp16(id::IMAGE_SEND_PACKET_RESPONSE, 1)];
                    out.extend(self.save_and_reboot());
                    return out;
                }
                assert_eq!(usize::from(h.size.get()), rec.len());
                self.stored.entry(c.id).or_default().push(rec.to_vec());
                *self.received.entry(key).or_default() += 1;
                c.held += 1;
                self.cur = Some(c);
                if self.abort == Some(key) {
                    self.abort = None;
                    let mut out = vec![Self::rsp16(id::ABORT_COMMAND, 3)];
                    out.extend(self.save_and_reboot());
                    return out;
                }
                if self.drop_after == Some(key) {
                    self.drop_after = None;
                    return self.save_and_reboot();
                }
                if self.power_cut_after == Some(key) {
                    self.power_cut_after = None;
                    // The flash keeps what was saved at the image start; the OTA manager boots again.
                    self.cur = None;
                    self.boots += 1;
                    return vec![Out::Disconnect];
                }
                if self.mute == Some(key) {
                    self.mute = None;
                    return vec![];
                }
                if c.held % u32::from(c.rsp) == 0 || c.held == c.total {
                    return vec![Self::rsp16(id::IMAGE_SEND_PACKET_RESPONSE, 0)];
                }
                vec![]
            }
            id::RETRANSMISSION_REQUEST => {
                self.retrans_asked += 1;
                let c = self.cur.unwrap();
                let r = DfuRetransmissionResponse {
                    result: 0.into(),
                    new_num_of_rsp: u16::from(c.rsp).into(),
                    retransmission_packet_num: c.held.into(),
                };
                vec![Self::notify(id::RETRANSMISSION_RESPONSE, &r)]
            }
            id::LINK_LOSE_CHECK_RSP => {
                self.checks_answered += 1;
                vec![]
            }
            id::IMAGE_SEND_END => {
                let e = DfuImageSendEnd::read_from_prefix(&m.payload).unwrap().0;
                let c = self.cur.take().unwrap();
                assert_eq!((c.id, c.held), (e.img_id, c.total));
                let next = self.ids.iter().copied().find(|&i| i > c.id);
                self.saved = next.map(|n| (n, 0, c.rsp));
                if next.is_none() {
                    self.saved = Some((0xff, 0, 0));
                }
                vec![Self::rsp16(id::IMAGE_SEND_END_RESPONSE, 0)]
            }
            id::TRANSMISSION_END => {
                let complete = self.ids.iter().all(|i| self.stored.contains_key(i))
                    && self.saved == Some((0xff, 0, 0));
                self.early_end = !complete;
                self.installed = complete;
                self.saved = None;
                self.mode = Mode::App;
                vec![
                    Self::notify(
                        id::END_IND,
                        &DfuByte {
                            value: u8::from(!complete),
                        },
                    ),
                    Out::Disconnect,
                ]
            }
            other => panic!("unexpected message {other}"),
        }
    }
}
