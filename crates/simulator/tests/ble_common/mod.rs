//! A minimal scripted sender for the device tests: its own serial-transmission framing and
//! message encoding from the spec tables (not the simulator's), and test packages.
#![allow(dead_code)]

use simulator::ble::package::{PackageDevice, PackageModel};
use simulator::ble::{fault::Fault, Emit, LinkOptions, Sim};
use simulator::FlashMap;

pub const LAYOUT: &str = "sf32lb52x-eh-lb523";

pub fn le32(v: u32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

pub fn crc32_mpeg2(data: &[u8]) -> u32 {
    crc::Crc::<u32>::new(&crc::CRC_32_MPEG_2).checksum(data)
}

/// A DFU message `u16 id ‖ u16 len ‖ payload` in one unfragmented serial frame.
pub fn whole(id: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![1, 0];
    v.extend_from_slice(&((payload.len() + 4) as u16).to_le_bytes());
    v.extend_from_slice(&dfu_message(id, payload));
    v
}

pub fn dfu_message(id: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = id.to_le_bytes().to_vec();
    v.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    v.extend_from_slice(payload);
    v
}

/// The sender's ATT values for one message at `mtu`.
pub fn frames(id: u16, payload: &[u8], mtu: u16) -> Vec<Vec<u8>> {
    let room = usize::from(mtu) - 3;
    let msg = dfu_message(id, payload);
    if msg.len() + 4 <= room {
        return vec![whole(id, payload)];
    }
    let mut out = vec![[
        &[1u8, 1][..],
        &(msg.len() as u16).to_le_bytes(),
        &msg[..room - 4],
    ]
    .concat()];
    let mut rest = &msg[room - 4..];
    while !rest.is_empty() {
        let n = rest.len().min(room - 2);
        let flag = if n == rest.len() { 3 } else { 2 };
        out.push([&[1u8, flag][..], &rest[..n]].concat());
        rest = &rest[n..];
    }
    out
}

pub struct Client {
    pub sim: Sim,
    pub mtu: u16,
    pub disconnected: bool,
    partial: Option<(usize, Vec<u8>)>,
}

impl Client {
    pub fn package(model: PackageModel, faults: &[Fault], mtu: u16) -> Client {
        let layout = layout::Layout::bundled(LAYOUT).unwrap();
        let map = FlashMap::from_layout(&layout).unwrap();
        let dev = PackageDevice::new(map, model);
        Client::new(
            Sim::new(Box::new(dev), LinkOptions { mtu, latency_us: 0 }, faults),
            mtu,
        )
    }

    pub fn new(sim: Sim, mtu: u16) -> Client {
        let mut c = Client {
            sim,
            mtu,
            disconnected: false,
            partial: None,
        };
        let emits = c.sim.connect();
        assert!(c.take(emits).is_empty());
        c
    }

    pub fn reconnect(&mut self) {
        self.sim.link_lost();
        self.disconnected = false;
        let emits = self.sim.connect();
        let got = self.take(emits);
        assert!(got.is_empty(), "{got:?}");
    }

    /// Sends one message; returns the messages notified back `(id, payload)`.
    pub fn send(&mut self, id: u16, payload: &[u8]) -> Vec<(u16, Vec<u8>)> {
        assert!(!self.disconnected, "sending on a dropped link");
        let mut got = Vec::new();
        for f in frames(id, payload, self.mtu) {
            let emits = self.sim.att_write(&f);
            got.extend(self.take(emits));
        }
        got
    }

    pub fn take(&mut self, emits: Vec<Emit>) -> Vec<(u16, Vec<u8>)> {
        let mut got = Vec::new();
        for e in emits {
            match e {
                Emit::Sleep(_) => {}
                Emit::Disconnect => self.disconnected = true,
                Emit::Notify(v) => {
                    assert!(
                        v.len() <= usize::from(self.mtu) - 3,
                        "notification longer than the MTU"
                    );
                    if let Some(m) = self.reassemble(&v) {
                        let id = u16::from_le_bytes([m[0], m[1]]);
                        let len = usize::from(u16::from_le_bytes([m[2], m[3]]));
                        assert_eq!(len, m.len() - 4, "length field of message {id}");
                        got.push((id, m[4..].to_vec()));
                    }
                }
            }
        }
        got
    }

    fn reassemble(&mut self, v: &[u8]) -> Option<Vec<u8>> {
        assert_eq!(v[0], 1, "cate_id");
        match v[1] {
            0 => Some(v[4..].to_vec()),
            1 => {
                let total = usize::from(u16::from_le_bytes([v[2], v[3]]));
                self.partial = Some((total, v[4..].to_vec()));
                None
            }
            2 => {
                self.partial.as_mut().unwrap().1.extend_from_slice(&v[2..]);
                None
            }
            3 => {
                let (total, mut buf) = self.partial.take().unwrap();
                buf.extend_from_slice(&v[2..]);
                assert_eq!(buf.len(), total);
                Some(buf)
            }
            f => panic!("flag {f}"),
        }
    }
}

/// Firmware-like bytes.
pub fn firmware(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// An offline package v2 (formats doc, section 2) of two raw images (flag 0): the app (id 0,
/// 24000 bytes) and the installer (id 6, 5000 bytes); 15 packets of 2048 bytes.
pub fn package() -> (Vec<u8>, Vec<(u8, Vec<u8>)>) {
    let images = vec![(0u8, firmware(1, 24_000)), (6u8, firmware(2, 5_000))];
    let mut payloads = Vec::new();
    let mut table = Vec::new();
    for (id, img) in &images {
        table.push(*id);
        table.push(0);
        table.extend(le32(img.len() as u32));
        payloads.extend_from_slice(img);
    }
    let mut pkg = b"FCES".to_vec();
    pkg.push(1);
    pkg.push(0xFF);
    pkg.extend_from_slice(&(images.len() as u16).to_le_bytes());
    pkg.extend(le32(crc32_mpeg2(&payloads)));
    pkg.extend(table);
    pkg.extend(payloads);
    (pkg, images)
}
