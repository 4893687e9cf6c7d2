//! What both flows share: options, progress events, the report, the reconnect loop.

use crate::error::DfuError;
use crate::link::{Channel, Stats};
use crate::msg::Message;
use std::time::Duration;

/// How a transfer behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long to wait for each device message (erase and install answers take longer on a
    /// real device; the timeout covers them too).
    pub timeout: Duration,
    /// Package flow: the old 12-byte `IMAGE_PACKAGE_START_REQ` (SDKs before version 1).
    pub legacy_start: bool,
    /// Secure flow: resume an interrupted download the device reports (the package flow's
    /// resume is the device's own choice).
    pub resume: bool,
    /// New connections after the first before giving up.
    pub max_reconnects: u32,
    /// Secure flow: packets per `IMAGE_SEND_PACKET_RESPONSE` asked for (the phone uses 20).
    pub num_of_rsp: u8,
    /// Times the same packet is resent after an error response before giving up.
    pub max_retries: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(20),
            legacy_start: false,
            resume: true,
            max_reconnects: 5,
            num_of_rsp: 20,
            max_retries: 5,
        }
    }
}

/// What a transfer reports while it runs (for a progress bar or JSON lines).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A connection is up.
    Connected {
        /// 1 for the first connection.
        connection: u32,
        /// Its ATT MTU.
        mtu: u16,
    },
    /// Data is sent from `from_packet` on (1-based) of `total`; `image` is the secure flow's.
    Start {
        /// Image id (secure flow).
        image: Option<u8>,
        /// First packet sent now.
        from_packet: u32,
        /// Packets in all.
        total: u32,
    },
    /// The device confirmed `done` of `total` packets.
    Progress {
        /// Image id (secure flow).
        image: Option<u8>,
        /// Packets confirmed.
        done: u32,
        /// Packets in all.
        total: u32,
    },
    /// The device asked for packets again from `from_packet`.
    Retransmit {
        /// Image id (secure flow).
        image: Option<u8>,
        /// First packet to send again.
        from_packet: u32,
        /// Why (the device's code or message).
        reason: String,
    },
    /// The device holds fewer packets than it had confirmed: it restarted (a power cut).
    DeviceRestarted {
        /// Packets confirmed before.
        confirmed: u32,
        /// Packets it reports now.
        reported: u32,
    },
    /// The device already has this image (secure flow).
    Skipped {
        /// Image id.
        image: u8,
    },
    /// The connection ended; a new one follows.
    Reconnect {
        /// Why.
        reason: String,
    },
    /// Everything is sent; the device checks and installs.
    Installing,
    /// The device accepted the whole transfer.
    Done,
}

/// The outcome of a finished transfer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// What crossed the links.
    pub stats: Stats,
    /// Packets in the transfer (all images).
    pub packets: u64,
}

/// How one connection ended when it did not end the transfer.
pub(crate) enum Session {
    /// The device accepted everything.
    Done,
    /// Connect again (the device rebooted or asked for it).
    Again(String),
}

/// Runs `session` on new connections until it is done, a failure is final, or the reconnect
/// budget is spent.
pub(crate) fn with_reconnects(
    opts: &Options,
    stats: &mut Stats,
    on: &mut dyn FnMut(&Event),
    mut session: impl FnMut(&mut Stats, &mut dyn FnMut(&Event)) -> Result<Session, DfuError>,
) -> Result<(), DfuError> {
    let mut reconnects = 0;
    loop {
        let reason = match session(stats, on) {
            Ok(Session::Done) => {
                on(&Event::Done);
                return Ok(());
            }
            Ok(Session::Again(reason)) => reason,
            Err(e) if e.retryable() => e.to_string(),
            Err(e) => return Err(e),
        };
        if reconnects >= opts.max_reconnects {
            let last = Box::new(DfuError::Protocol { what: reason });
            return Err(DfuError::GaveUp {
                attempts: stats.connections,
                last,
            });
        }
        reconnects += 1;
        on(&Event::Reconnect { reason });
    }
}

/// Waits for the message `want`, answering link-loss checks on the way; anything else is a
/// protocol error. Timeout: [`DfuError::Timeout`].
pub(crate) fn expect(
    ch: &mut Channel<'_>,
    want: u16,
    name: &'static str,
    timeout: Duration,
) -> Result<Message, DfuError> {
    loop {
        match ch.wait(timeout)? {
            None => {
                return Err(DfuError::Timeout {
                    waiting_for: name,
                    secs: timeout.as_secs(),
                })
            }
            Some(m) if m.id == want => return Ok(m),
            // A link-loss check can come at any time: answer it and keep waiting.
            Some(m) if m.id == crate::msg::id::LINK_LOSE_CHECK_REQ => {
                let ok = crate::raw::DfuResult16 { result: 0.into() };
                ch.send(&Message::new(crate::msg::id::LINK_LOSE_CHECK_RSP, &ok, &[]))?;
            }
            // A late or repeated answer to an earlier request (a notification sent twice, an
            // answer after a timeout): not this one's.
            Some(m) if crate::msg::is_reply(m.id) => {}
            Some(m) => {
                return Err(DfuError::Protocol {
                    what: format!("message {} while waiting for {name}", m.id),
                })
            }
        }
    }
}

/// `m` read as `T`, or a protocol error naming `name`.
pub(crate) fn read<T: zerocopy::FromBytes + zerocopy::KnownLayout + zerocopy::Immutable>(
    m: &Message,
    name: &str,
) -> Result<T, DfuError> {
    m.read::<T>().ok_or_else(|| DfuError::Protocol {
        what: format!(
            "{name} of {} bytes, expected {}",
            m.payload.len(),
            size_of::<T>()
        ),
    })
}
