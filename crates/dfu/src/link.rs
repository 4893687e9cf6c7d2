//! The [`Link`] a flow talks through (one connection: ATT writes out, notifications in), the
//! [`Connector`] that opens a new one (the secure flow reconnects, every flow reconnects after
//! a drop), and the [`Channel`] that turns DFU messages into ATT values and back, counting
//! what crossed the link.

use crate::msg::Message;
use crate::serial::{fragment, FrameError, Reassembler, CATE_DFU};
use std::time::{Duration, Instant};

/// A failure of the link itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The other side disconnected (or the connection broke).
    #[error("the device disconnected")]
    Disconnected,
    /// Opening the connection failed.
    #[error("cannot connect to {target}")]
    Connect {
        /// What was dialled.
        target: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An I/O error on an open connection.
    #[error("link I/O failed")]
    Io(#[source] std::io::Error),
    /// The peer broke the link's own format.
    #[error("link protocol: {what}")]
    Protocol {
        /// What was wrong.
        what: String,
    },
    /// A serial-transmission framing error.
    #[error("serial-transmission framing")]
    Frame(#[source] FrameError),
    /// A BLE stack error.
    #[error("BLE: {what}")]
    Ble {
        /// What failed.
        what: String,
    },
}

/// One connection to a device's serial-transmission data characteristic.
pub trait Link {
    /// The ATT MTU negotiated for this connection.
    fn mtu(&self) -> u16;
    /// Writes one ATT value (write without response) to the data characteristic.
    fn write(&mut self, value: &[u8]) -> Result<(), LinkError>;
    /// The next notification, or `None` when `timeout` passes first. A disconnect is
    /// [`LinkError::Disconnected`].
    fn recv(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, LinkError>;
    /// Ends the connection (best effort).
    fn close(&mut self);
}

/// Opens connections to one device.
pub trait Connector {
    /// A new connection.
    fn connect(&mut self) -> Result<Box<dyn Link>, LinkError>;
    /// What is being connected to, for messages.
    fn describe(&self) -> String;
}

/// What crossed the links of one transfer (all connections together).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections opened.
    pub connections: u32,
    /// ATT values written.
    pub writes: u64,
    /// Bytes of the ATT values written (serial-transmission frames).
    pub bytes_out: u64,
    /// Notifications received.
    pub notifications: u64,
    /// Bytes of the notifications.
    pub bytes_in: u64,
    /// Times the sender stopped and waited for a device message.
    pub round_trips: u64,
    /// Data packets written (package packets or records), including resent ones.
    pub data_packets: u64,
}

/// DFU messages over a [`Link`]: fragments by the link's MTU, reassembles notifications.
pub struct Channel<'s> {
    link: Box<dyn Link>,
    reasm: Reassembler,
    stats: &'s mut Stats,
}

impl<'s> Channel<'s> {
    /// Opens a connection through `connector`, counted in `stats`.
    pub fn open(connector: &mut dyn Connector, stats: &'s mut Stats) -> Result<Self, LinkError> {
        let link = connector.connect()?;
        stats.connections += 1;
        Ok(Channel {
            link,
            reasm: Reassembler::default(),
            stats,
        })
    }

    /// The link's MTU.
    pub fn mtu(&self) -> u16 {
        self.link.mtu()
    }

    /// The counters.
    pub fn stats(&mut self) -> &mut Stats {
        self.stats
    }

    /// Sends one message.
    pub fn send(&mut self, m: &Message) -> Result<(), LinkError> {
        let bytes = m.encode().ok_or(LinkError::Frame(FrameError::TooLong {
            len: m.payload.len(),
        }))?;
        for v in fragment(CATE_DFU, &bytes, self.link.mtu()).map_err(LinkError::Frame)? {
            self.link.write(&v)?;
            self.stats.writes += 1;
            self.stats.bytes_out += v.len() as u64;
        }
        Ok(())
    }

    /// The next DFU message within `timeout` (a round trip), `None` on timeout.
    pub fn wait(&mut self, timeout: Duration) -> Result<Option<Message>, LinkError> {
        self.stats.round_trips += 1;
        self.next(timeout)
    }

    /// A message already received, without waiting (and without counting a round trip).
    pub fn poll(&mut self) -> Result<Option<Message>, LinkError> {
        self.next(Duration::ZERO)
    }

    fn next(&mut self, timeout: Duration) -> Result<Option<Message>, LinkError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(v) = self.link.recv(left)? else {
                return Ok(None);
            };
            self.stats.notifications += 1;
            self.stats.bytes_in += v.len() as u64;
            match self.reasm.push(&v).map_err(LinkError::Frame)? {
                Some((CATE_DFU, data)) => {
                    return Message::decode(&data)
                        .map(Some)
                        .ok_or_else(|| LinkError::Protocol {
                            what: format!(
                                "DFU message of {} bytes is shorter than its head or length",
                                data.len()
                            ),
                        })
                }
                // Another service category, or a fragment: keep reading.
                _ => continue,
            }
        }
    }

    /// Ends the connection.
    pub fn close(mut self) {
        self.link.close();
    }
}
