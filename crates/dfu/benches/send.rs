//! `cargo bench -p dfu --bench send`: what a transfer costs on the link. A 1 MiB package goes
//! through the package flow to the scripted device of the tests (current SDK: an answer for
//! every packet; newer SDK: every 10) at ATT MTU 247 with a fixed latency per ATT write, and a
//! secure job (two images, 512-byte blocks) through the secure flow. Reported: bytes on the
//! link (ATT values both ways) / input size, round trips against the protocol's floor, and the
//! link time against the baseline in the same run: the input written as bare ATT values with
//! no protocol at all. Results: docs/benchmarks.md.

#[path = "../tests/peer/mod.rs"]
mod peer;

use dfu::flow::Options;
use dfu::link::{Connector, Link, LinkError};
use peer::package_dev::{Answers, PackageDev};
use peer::secure_dev::SecureDev;
use peer::Peer;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

const MTU: u16 = 247;
/// Per ATT write: a 7.5 ms connection interval carrying 6 packets, about 1.25 ms a write.
const WRITE_LATENCY_US: u64 = 1250;

/// Adds the latency of every write and of every wait for an answer to a shared clock.
struct Timed<C> {
    inner: C,
    clock: Rc<Cell<u64>>,
}

struct TimedLink {
    inner: Box<dyn Link>,
    clock: Rc<Cell<u64>>,
}

impl<C: Connector> Connector for Timed<C> {
    fn connect(&mut self) -> Result<Box<dyn Link>, LinkError> {
        Ok(Box::new(TimedLink {
            inner: self.inner.connect()?,
            clock: self.clock.clone(),
        }))
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

impl Link for TimedLink {
    fn mtu(&self) -> u16 {
        self.inner.mtu()
    }
    fn write(&mut self, v: &[u8]) -> Result<(), LinkError> {
        self.clock.set(self.clock.get() + WRITE_LATENCY_US);
        self.inner.write(v)
    }
    fn recv(&mut self, t: Duration) -> Result<Option<Vec<u8>>, LinkError> {
        let r = self.inner.recv(t)?;
        if r.is_some() {
            // A notification comes back one connection event later.
            self.clock.set(self.clock.get() + WRITE_LATENCY_US);
        }
        Ok(r)
    }
    fn close(&mut self) {
        self.inner.close()
    }
}

fn package(payload: usize) -> Vec<u8> {
    let body: Vec<u8> = (0..payload)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3])
        .collect();
    let mut p = 0x5345_4346u32.to_le_bytes().to_vec();
    p.extend([1, 0xff, 1, 0]);
    p.extend(package::crc32_mpeg2(&body).to_le_bytes());
    p.extend([0; 6]);
    p.extend(body);
    p
}

fn records(len: usize, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, b) in (0..len)
        .map(|i| (i as u8) ^ seed)
        .collect::<Vec<_>>()
        .chunks(512)
        .enumerate()
    {
        out.extend([seed; 32]);
        out.extend(((k * 512) as u32).to_le_bytes());
        out.extend(b);
    }
    out
}

/// The baseline: `len` bytes as bare ATT values (MTU - 3 each), no protocol, no answers.
fn baseline_us(len: usize) -> u64 {
    len.div_ceil(usize::from(MTU) - 3) as u64 * WRITE_LATENCY_US
}

fn row(name: &str, size: usize, r: &dfu::Report, clock: u64, floor: u64) {
    let s = r.stats;
    let ratio = (s.bytes_out + s.bytes_in) as f64 / size as f64;
    println!(
        "{name:<34} {size:>8} B  wire/size {ratio:.4}  round trips {:>4} (floor {floor:>4})  link time {:.3} s = {:.3} x baseline",
        s.round_trips,
        clock as f64 / 1e6,
        clock as f64 / baseline_us(size) as f64
    );
}

fn main() {
    let opts = Options {
        timeout: Duration::from_millis(1),
        ..Options::default()
    };
    let pkg = package((1 << 20) - 18);
    let packets = pkg.len().div_ceil(2048) as u64;
    for (name, answers, floor) in [
        (
            "package flow, answer every packet",
            Answers::EveryZero,
            packets + 2,
        ),
        (
            "package flow, answer every 10",
            Answers::Ten,
            packets / 10 + 3,
        ),
    ] {
        let clock = Rc::new(Cell::new(0));
        let mut c = Timed {
            inner: Peer::new(PackageDev::new(answers), MTU),
            clock: clock.clone(),
        };
        let r = dfu::send_package(&mut c, &pkg, &opts, &mut |_| {}).expect("transfer");
        row(name, pkg.len(), &r, clock.get(), floor);
    }
    let (hcpu, res) = (records(600 * 1024, 1), records(200 * 1024, 2));
    let ctrl = vec![0x5a; 338 + 263 * 2];
    let images = vec![
        dfu::SecureImage::new(0, &hcpu, None).unwrap(),
        dfu::SecureImage::new(3, &res, None).unwrap(),
    ];
    let job = dfu::SecureJob::new(&ctrl, images).unwrap();
    let clock = Rc::new(Cell::new(0));
    let mut c = Timed {
        inner: Peer::new(SecureDev::new(&ctrl, &[0, 3]), MTU),
        clock: clock.clone(),
    };
    let r = dfu::send_secure(&mut c, &job, &opts, &mut |_| {}).expect("transfer");
    let size = ctrl.len() + hcpu.len() + res.len();
    // init + start/end per image + one answer per 20 packets per image (and the last) + END_IND.
    let floor = 1 + 4 + (1200u64.div_ceil(20) + 400u64.div_ceil(20)) + 1;
    row(
        "secure flow, 512-byte records",
        size,
        &r,
        clock.get(),
        floor,
    );
}
