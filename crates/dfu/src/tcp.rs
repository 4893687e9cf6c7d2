//! The simulated device's link: loopback TCP carrying what BLE would (docs/send.md).
//!
//! Every frame is `u8 type ‖ u16 little-endian length ‖ value`: type 1 an ATT write to the
//! data characteristic (sender to device), 2 a notification (device to sender), 3 the link
//! parameters the device sends first (`u16` ATT MTU), 4 a disconnect (either side). Values are
//! exactly the ATT values (serial-transmission frames). The device listens; every
//! [`TcpConnector::connect`] is a new connection.

use crate::link::{Connector, Link, LinkError};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};
use zerocopy::little_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Frame types.
#[allow(missing_docs)]
pub mod frame_type {
    pub const WRITE: u8 = 1;
    pub const NOTIFY: u8 = 2;
    pub const LINK_PARAMS: u8 = 3;
    pub const DISCONNECT: u8 = 4;
}

/// The head of every frame.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct SimFrameHeader {
    /// [`frame_type`].
    pub kind: u8,
    /// Bytes of the value.
    pub len: U16,
}

/// The value of a link-parameters frame.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct SimLinkParams {
    /// ATT MTU.
    pub mtu: U16,
}

const _: () = assert!(size_of::<SimFrameHeader>() == 3 && size_of::<SimLinkParams>() == 2);

/// One frame as bytes.
pub fn encode_frame(kind: u8, value: &[u8]) -> Vec<u8> {
    let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
    let h = SimFrameHeader {
        kind,
        len: len.into(),
    };
    [h.as_bytes(), &value[..usize::from(len)]].concat()
}

/// Dials a simulated device at an address.
pub struct TcpConnector {
    addr: String,
    /// How long to wait for the connection and the link parameters.
    pub connect_timeout: Duration,
}

impl TcpConnector {
    /// A connector for `addr` (`HOST:PORT`).
    pub fn new(addr: &str, connect_timeout: Duration) -> Self {
        TcpConnector {
            addr: addr.to_string(),
            connect_timeout,
        }
    }
}

impl Connector for TcpConnector {
    fn connect(&mut self) -> Result<Box<dyn Link>, LinkError> {
        let err = |source| LinkError::Connect {
            target: self.addr.clone(),
            source,
        };
        let addr = self
            .addr
            .to_socket_addrs()
            .map_err(err)?
            .next()
            .ok_or_else(|| err(std::io::Error::new(ErrorKind::NotFound, "no address")))?;
        // A device that just rebooted listens again a moment later: keep dialling a while.
        let deadline = Instant::now() + self.connect_timeout;
        let stream = loop {
            match TcpStream::connect_timeout(&addr, self.connect_timeout) {
                Ok(s) => break s,
                Err(e) if Instant::now() < deadline && e.kind() == ErrorKind::ConnectionRefused => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(err(e)),
            }
        };
        let _ = stream.set_nodelay(true);
        let mut link = TcpLink {
            stream,
            buf: Vec::new(),
            mtu: 0,
        };
        let (kind, value) =
            link.frame(self.connect_timeout)?
                .ok_or_else(|| LinkError::Protocol {
                    what: "no link parameters from the device".into(),
                })?;
        let params = (kind == frame_type::LINK_PARAMS)
            .then(|| SimLinkParams::read_from_bytes(&value).ok())
            .flatten()
            .ok_or_else(|| LinkError::Protocol {
                what: format!("first frame has type {kind} and {} bytes, expected link parameters (type 3, 2 bytes)", value.len()),
            })?;
        link.mtu = params.mtu.get();
        Ok(Box::new(link))
    }

    fn describe(&self) -> String {
        format!("simulated device at {}", self.addr)
    }
}

/// One TCP connection to the simulated device.
pub struct TcpLink {
    stream: TcpStream,
    buf: Vec<u8>,
    mtu: u16,
}

impl TcpLink {
    /// A complete frame from the buffer, if one is there.
    fn take_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        let (h, rest) = SimFrameHeader::read_from_prefix(&self.buf).ok()?;
        let len = usize::from(h.len.get());
        let value = rest.get(..len)?.to_vec();
        self.buf.drain(..size_of::<SimFrameHeader>() + len);
        Some((h.kind, value))
    }

    /// The next frame within `timeout`.
    fn frame(&mut self, timeout: Duration) -> Result<Option<(u8, Vec<u8>)>, LinkError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(f) = self.take_frame() {
                return Ok(Some(f));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            // A zero read timeout means "block forever" to the OS: poll with the smallest one.
            let t = left.max(Duration::from_micros(1));
            self.stream
                .set_read_timeout(Some(t))
                .map_err(LinkError::Io)?;
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(LinkError::Disconnected),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if left.is_zero() {
                        return Ok(None);
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionReset
                            | ErrorKind::ConnectionAborted
                            | ErrorKind::BrokenPipe
                    ) =>
                {
                    return Err(LinkError::Disconnected)
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(LinkError::Io(e)),
            }
        }
    }
}

impl Link for TcpLink {
    fn mtu(&self) -> u16 {
        self.mtu
    }

    fn write(&mut self, value: &[u8]) -> Result<(), LinkError> {
        self.stream
            .write_all(&encode_frame(frame_type::WRITE, value))
            .map_err(|e| match e.kind() {
                ErrorKind::BrokenPipe
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted => LinkError::Disconnected,
                _ => LinkError::Io(e),
            })
    }

    fn recv(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, LinkError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.frame(left)? {
                None => return Ok(None),
                Some((frame_type::NOTIFY, v)) => return Ok(Some(v)),
                Some((frame_type::DISCONNECT, _)) => return Err(LinkError::Disconnected),
                Some((frame_type::LINK_PARAMS, v)) => {
                    if let Ok(p) = SimLinkParams::read_from_bytes(&v) {
                        self.mtu = p.mtu.get();
                    }
                }
                Some((kind, _)) => {
                    return Err(LinkError::Protocol {
                        what: format!("unknown frame type {kind} from the device"),
                    })
                }
            }
        }
    }

    fn close(&mut self) {
        let _ = self
            .stream
            .write_all(&encode_frame(frame_type::DISCONNECT, &[]));
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}
