//! The device side of the BLE DFU flows, for testing senders (`imgtool send`) without a board:
//! the SiFli serial-transmission framing ([`serial`]), the DFU messages ([`msg`]), the app's
//! package receiver ([`package`], messages 38-43), the secure online receiver ([`secure`],
//! messages 0-20 and 32-37), fault injection ([`fault`]), the JSON summary ([`report`]), and a
//! TCP stand-in for the radio link ([`wire`], [`server`]).
//!
//! [`Sim`] is the whole device without I/O: it takes the sender's ATT writes and returns the
//! ATT values it notifies, so tests drive it with hand-built frames; [`server`] puts it on a
//! TCP socket. A received package is installed by the install simulator ([`crate::Scenario`]).

pub mod fault;
pub mod msg;
pub mod package;
pub mod report;
pub mod secure;

pub mod serial;
pub mod server;
pub mod wire;

use fault::Faults;
use report::Report;
use std::time::Duration;

/// What a flow asks of the link after a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Notify this DFU message.
    Send(Vec<u8>),
    /// Drop the link (the device disconnects, and reboots if the flow says so).
    Disconnect,
}

/// What the flows share: the armed faults and the report.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The faults.
    pub faults: &'a mut Faults,
    /// The report.
    pub report: &'a mut Report,
}

impl Ctx<'_> {
    /// Notes a write the device drops.
    pub fn protocol_error(&mut self, e: String) {
        self.report.protocol_errors.push(e);
    }
}

/// One DFU flow's device side.
pub trait Flow: Send {
    /// `package` or `secure`.
    fn name(&self) -> &'static str;
    /// A new connection (after the link parameters).
    fn connect(&mut self, _cx: &mut Ctx<'_>) -> Vec<Action> {
        Vec::new()
    }
    /// A whole DFU message from the sender.
    fn message(&mut self, message_id: u16, payload: &[u8], cx: &mut Ctx<'_>) -> Vec<Action>;
    /// The sender dropped the link.
    fn link_lost(&mut self, cx: &mut Ctx<'_>);
    /// No write arrived for the link-loss period (the secure flow's check).
    fn idle(&mut self, _cx: &mut Ctx<'_>) -> Vec<Action> {
        Vec::new()
    }
}

/// What the link does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emit {
    /// Wait this long first (latency, `delay` faults).
    Sleep(Duration),
    /// Notify this ATT value.
    Notify(Vec<u8>),
    /// Disconnect.
    Disconnect,
}

/// Options of the simulated link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkOptions {
    /// ATT MTU the device announces.
    pub mtu: u16,
    /// Latency added before every notification, in microseconds.
    pub latency_us: u64,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            mtu: 247,
            latency_us: 0,
        }
    }
}

/// The simulated device without I/O.
pub struct Sim {
    flow: Box<dyn Flow>,
    link: LinkOptions,
    reasm: serial::Reassembler,
    faults: Faults,
    report: Report,
    connected: bool,
}

impl Sim {
    /// A device running `flow` with `faults` armed.
    pub fn new(flow: Box<dyn Flow>, link: LinkOptions, faults: &[fault::Fault]) -> Self {
        let report = Report {
            flow: flow.name().to_string(),
            ..Report::default()
        };
        Sim {
            flow,
            link,
            reasm: serial::Reassembler::default(),
            faults: Faults::new(faults),
            report,
            connected: false,
        }
    }

    /// The ATT MTU announced in the link parameters.
    pub fn mtu(&self) -> u16 {
        self.link.mtu
    }

    /// A sender connected (the link parameters are the caller's to send first).
    pub fn connect(&mut self) -> Vec<Emit> {
        self.connected = true;
        self.reasm.reset();
        self.report.connections += 1;
        let actions = self.flow.connect(&mut Ctx {
            faults: &mut self.faults,
            report: &mut self.report,
        });
        self.emit(actions)
    }

    /// One ATT write from the sender.
    pub fn att_write(&mut self, value: &[u8]) -> Vec<Emit> {
        self.report.att_writes += 1;
        self.report.att_write_bytes += value.len() as u64;
        let message = match self.reasm.push(value) {
            Ok(Some(m)) => m,
            Ok(None) => return Vec::new(),
            Err(e) => {
                self.report.protocol_errors.push(e.to_string());
                return Vec::new();
            }
        };
        self.report.messages_received += 1;
        let Some((message_id, payload)) = msg::decode(&message) else {
            self.report.protocol_errors.push(format!(
                "DFU message of {} bytes has no header",
                message.len()
            ));
            return Vec::new();
        };
        let actions = self.flow.message(
            message_id,
            payload,
            &mut Ctx {
                faults: &mut self.faults,
                report: &mut self.report,
            },
        );
        self.emit(actions)
    }

    /// No write for the link-loss period.
    pub fn idle(&mut self) -> Vec<Emit> {
        let actions = self.flow.idle(&mut Ctx {
            faults: &mut self.faults,
            report: &mut self.report,
        });
        self.emit(actions)
    }

    /// The sender disconnected (or the socket closed).
    pub fn link_lost(&mut self) {
        if !std::mem::replace(&mut self.connected, false) {
            return;
        }
        self.reasm.reset();
        self.flow.link_lost(&mut Ctx {
            faults: &mut self.faults,
            report: &mut self.report,
        });
    }

    /// Notes a problem of the link itself (a frame the device cannot take).
    pub fn note_protocol_error(&mut self, e: String) {
        self.report.protocol_errors.push(e);
    }

    /// The report so far (faults that fired included).
    pub fn report(&self) -> Report {
        let mut r = self.report.clone();
        r.faults_fired = self.faults.fired.clone();
        r
    }

    fn emit(&mut self, actions: Vec<Action>) -> Vec<Emit> {
        let mut out = Vec::new();
        for a in actions {
            match a {
                Action::Send(message) => {
                    let (delay_ms, dup) = self.faults.notification();
                    let wait = Duration::from_micros(self.link.latency_us)
                        + Duration::from_millis(u64::from(delay_ms));
                    if !wait.is_zero() {
                        out.push(Emit::Sleep(wait));
                    }
                    self.report.round_trips += 1;
                    for _ in 0..if dup { 2 } else { 1 } {
                        for v in serial::fragment(&message, self.link.mtu) {
                            self.report.notifications += 1;
                            self.report.notification_bytes += v.len() as u64;
                            out.push(Emit::Notify(v));
                        }
                    }
                }
                Action::Disconnect => {
                    // The device drops the link itself: its state was updated by the flow.
                    self.connected = false;
                    self.reasm.reset();
                    out.push(Emit::Disconnect);
                    break;
                }
            }
        }
        out
    }
}

/// The output file of an installed image: `ID-NAME.bin`, as `imgtool unpack` names it.
pub fn image_file_name(id: u8) -> String {
    let id = layout::ImageId(id);
    format!("{}-{}.bin", id.0, id.name().unwrap_or("image"))
}
