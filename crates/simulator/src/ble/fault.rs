//! Faults the simulated device injects, each firing once so the sender's retry can succeed.
//!
//! "Packet K" counts every data packet the device receives (`IMAGE_PACKAGE_PACKET_REQ` or
//! `IMAGE_SEND_PACKET`), from 1, over the whole run, resends included; "notification N" counts
//! every DFU message the device sends, from 1.

use std::fmt;
use std::str::FromStr;

/// One fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `drop@K`: the link drops right after packet K is handled (its response is not sent).
    DropAfter(u32),
    /// `corrupt@K`: packet K arrives with its last data byte flipped.
    Corrupt(u32),
    /// `skip@K`: packet K is lost on the way (the device never sees it).
    Skip(u32),
    /// `delay@N:MS`: notification N is sent MS milliseconds late.
    Delay(u32, u32),
    /// `dup@N`: notification N is sent twice.
    Duplicate(u32),
    /// `reject@CODE`: the first start request (package `START`, secure `INIT_REQUEST_EXT`) is
    /// answered with result CODE.
    Reject(u16),
    /// `power-cut@K`: power is lost right after packet K is handled; RAM progress is lost.
    PowerCut(u32),
    /// `abort@K:REASON` (secure flow): right after packet K the app aborts the update: the
    /// device sends `ABORT_COMMAND {reason}` and runs its error handler (save, disconnect,
    /// reboot into the app). `abort@K` sends reason 0.
    Abort(u32, u16),
    /// `install-cut@OP`: power is lost just before flash operation OP (0-based) of the first
    /// install (the install simulator's power cut).
    InstallCut(u64),
}

/// The accepted forms, for messages and `--help`.
pub const FAULT_FORMS: &str = "drop@K, corrupt@K, skip@K, delay@N:MS, dup@N, reject@CODE, \
     power-cut@K, install-cut@OP, abort@K[:REASON]";

/// The receiver a fault is injected into: not every fault exists in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    /// The app's package receiver ([`crate::ble::package`]).
    Package,
    /// The secure online receiver ([`crate::ble::secure`]).
    Secure,
}

impl Receiver {
    /// The fault forms this receiver implements, for messages.
    pub fn fault_forms(self) -> &'static str {
        match self {
            Receiver::Package => {
                "drop@K, corrupt@K, skip@K, delay@N:MS, dup@N, reject@CODE, power-cut@K, \
                 install-cut@OP"
            }
            Receiver::Secure => {
                "drop@K, corrupt@K, skip@K, delay@N:MS, dup@N, reject@CODE, power-cut@K, \
                 abort@K[:REASON]"
            }
        }
    }
}

impl Fault {
    /// Whether `receiver` implements this fault. `abort` is the secure app's `ABORT_COMMAND`
    /// (the package receiver has no abort message); `install-cut` cuts the install
    /// simulator's flash, which only the package flow's install runs (the secure receiver
    /// installs in memory). A fault a receiver does not implement would fire and do nothing.
    pub fn acts_in(&self, receiver: Receiver) -> bool {
        match self {
            Fault::Abort(..) => receiver == Receiver::Secure,
            Fault::InstallCut(_) => receiver == Receiver::Package,
            _ => true,
        }
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("fault {s:?}: expected one of {FAULT_FORMS}");
        let (name, arg) = s.split_once('@').ok_or_else(bad)?;
        let num = |t: &str| layout::parse_u64(t).ok_or_else(bad);
        let n32 = |t: &str| num(t).and_then(|v| u32::try_from(v).map_err(|_| bad()));
        let pos = |t: &str| n32(t).and_then(|v| if v == 0 { Err(bad()) } else { Ok(v) });
        Ok(match name {
            "drop" => Fault::DropAfter(pos(arg)?),
            "corrupt" => Fault::Corrupt(pos(arg)?),
            "skip" => Fault::Skip(pos(arg)?),
            "dup" => Fault::Duplicate(pos(arg)?),
            "power-cut" => Fault::PowerCut(pos(arg)?),
            "install-cut" => Fault::InstallCut(num(arg)?),
            "reject" => Fault::Reject(num(arg).and_then(|v| u16::try_from(v).map_err(|_| bad()))?),
            "abort" => {
                let (k, reason) = arg.split_once(':').unwrap_or((arg, "0"));
                let reason = num(reason).and_then(|v| u16::try_from(v).map_err(|_| bad()))?;
                Fault::Abort(pos(k)?, reason)
            }
            "delay" => {
                let (n, ms) = arg.split_once(':').ok_or_else(bad)?;
                Fault::Delay(pos(n)?, n32(ms)?)
            }
            _ => return Err(bad()),
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::DropAfter(k) => write!(f, "drop@{k}"),
            Fault::Corrupt(k) => write!(f, "corrupt@{k}"),
            Fault::Skip(k) => write!(f, "skip@{k}"),
            Fault::Delay(n, ms) => write!(f, "delay@{n}:{ms}"),
            Fault::Duplicate(n) => write!(f, "dup@{n}"),
            Fault::Reject(c) => write!(f, "reject@{c}"),
            Fault::PowerCut(k) => write!(f, "power-cut@{k}"),
            Fault::InstallCut(op) => write!(f, "install-cut@{op}"),
            Fault::Abort(k, r) => write!(f, "abort@{k}:{r}"),
        }
    }
}

/// What the faults do to one received packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacketFate {
    /// Lost on the way.
    pub skip: bool,
    /// Arrives corrupted.
    pub corrupt: bool,
    /// The link drops after it.
    pub drop_after: bool,
    /// Power is lost after it.
    pub power_cut_after: bool,
    /// The app aborts after it, with this reason.
    pub abort_after: Option<u16>,
}

impl PacketFate {
    /// The faults that hit the packet, joined with `+` (`corrupt`, `skip+drop`), if any.
    pub fn name(&self) -> Option<String> {
        let names = [
            (self.skip, "skip"),
            (self.corrupt, "corrupt"),
            (self.drop_after, "drop"),
            (self.power_cut_after, "power-cut"),
            (self.abort_after.is_some(), "abort"),
        ];
        let hit: Vec<&str> = names
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| *n)
            .collect();
        (!hit.is_empty()).then(|| hit.join("+"))
    }
}

/// The armed faults and the counters they fire on.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    armed: Vec<Fault>,
    packets: u32,
    notifications: u32,
    /// Faults that fired, in order, with what they hit.
    pub fired: Vec<String>,
}

impl Faults {
    /// Arms `faults`.
    pub fn new(faults: &[Fault]) -> Self {
        Faults {
            armed: faults.to_vec(),
            ..Faults::default()
        }
    }

    fn take(&mut self, pick: impl Fn(&Fault) -> bool, what: String) -> Option<Fault> {
        let i = self.armed.iter().position(pick)?;
        let f = self.armed.remove(i);
        self.fired.push(format!("{f}: {what}"));
        Some(f)
    }

    /// Counts one received packet and says what happens to it.
    pub fn packet(&mut self, what: &str) -> PacketFate {
        self.packets += 1;
        let k = self.packets;
        let w = || format!("packet {k} ({what})");
        PacketFate {
            skip: self.take(|f| *f == Fault::Skip(k), w()).is_some(),
            corrupt: self.take(|f| *f == Fault::Corrupt(k), w()).is_some(),
            drop_after: self.take(|f| *f == Fault::DropAfter(k), w()).is_some(),
            power_cut_after: self.take(|f| *f == Fault::PowerCut(k), w()).is_some(),
            abort_after: match self.take(|f| matches!(f, Fault::Abort(m, _) if *m == k), w()) {
                Some(Fault::Abort(_, reason)) => Some(reason),
                _ => None,
            },
        }
    }

    /// Counts one notification: `(extra delay in ms, send it twice)`.
    pub fn notification(&mut self) -> (u32, bool) {
        self.notifications += 1;
        let n = self.notifications;
        let w = || format!("notification {n}");
        let delay = match self.take(|f| matches!(f, Fault::Delay(m, _) if *m == n), w()) {
            Some(Fault::Delay(_, ms)) => ms,
            _ => 0,
        };
        let dup = self.take(|f| *f == Fault::Duplicate(n), w()).is_some();
        (delay, dup)
    }

    /// The result code a start request is rejected with, once.
    pub fn reject(&mut self, what: &str) -> Option<u16> {
        match self.take(|f| matches!(f, Fault::Reject(_)), what.to_string())? {
            Fault::Reject(c) => Some(c),
            _ => None,
        }
    }

    /// The flash operation the first install loses power before, once.
    pub fn install_cut(&mut self) -> Option<u64> {
        match self.take(
            |f| matches!(f, Fault::InstallCut(_)),
            "the install".to_string(),
        )? {
            Fault::InstallCut(op) => Some(op),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_and_prints_back() {
        for s in [
            "drop@3",
            "corrupt@1",
            "skip@7",
            "delay@2:150",
            "dup@4",
            "reject@3",
            "power-cut@9",
            "install-cut@0",
            "abort@3:7",
        ] {
            assert_eq!(s.parse::<Fault>().unwrap().to_string(), s);
        }
        for bad in [
            "drop",
            "drop@0",
            "boom@1",
            "delay@2",
            "reject@70000",
            "skip@x",
        ] {
            assert!(bad.parse::<Fault>().is_err(), "{bad}");
        }
    }

    #[test]
    fn each_receiver_takes_the_faults_it_implements() {
        for s in FAULT_FORMS.split(", ") {
            let mut sample = s.replace("[:REASON]", "");
            for arg in ["MS", "CODE", "OP", "K", "N"] {
                sample = sample.replace(arg, "1");
            }
            let f: Fault = sample.parse().unwrap();
            for r in [Receiver::Package, Receiver::Secure] {
                assert_eq!(f.acts_in(r), r.fault_forms().contains(s), "{s} in {r:?}");
            }
        }
        assert!(!Fault::Abort(1, 0).acts_in(Receiver::Package));
        assert!(!Fault::InstallCut(0).acts_in(Receiver::Secure));
    }

    #[test]
    fn a_fault_fires_once_on_its_packet() {
        let mut f = Faults::new(&[Fault::Corrupt(2)]);
        assert!(!f.packet("a").corrupt);
        assert!(f.packet("b").corrupt);
        assert!(!f.packet("c").corrupt);
        assert_eq!(f.fired, ["corrupt@2: packet 2 (b)"]);
    }
}
