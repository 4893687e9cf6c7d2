//! The simulator's TCP stand-in for a BLE link: frames `u8 type ‖ u16 LE length ‖ value`.
//!
//! Type 1: ATT write to the data characteristic (sender to device); 2: notification on the data
//! characteristic (device to sender); 3: link parameters, sent by the device first on each
//! connection (`u16` ATT MTU); 4: disconnect (either side, empty value). Values are exactly the
//! ATT values (serial-transmission frames, [`super::serial`]).

use std::io::{self, Read, Write};
use zerocopy::little_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Frame types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// ATT write to the data characteristic.
    AttWrite = 1,
    /// Notification on the data characteristic.
    Notify = 2,
    /// Link parameters (`u16` ATT MTU).
    LinkParams = 3,
    /// Disconnect.
    Disconnect = 4,
}

impl Kind {
    fn from_u8(b: u8) -> Option<Kind> {
        Some(match b {
            1 => Kind::AttWrite,
            2 => Kind::Notify,
            3 => Kind::LinkParams,
            4 => Kind::Disconnect,
            _ => return None,
        })
    }
}

/// Head of a frame.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct FrameHeader {
    /// [`Kind`] as a byte.
    pub kind: u8,
    /// Value length.
    pub len: U16,
}

/// The value of a link-parameters frame.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct LinkParams {
    /// ATT MTU.
    pub mtu: U16,
}

const _: () = assert!(size_of::<FrameHeader>() == 3);
const _: () = assert!(size_of::<LinkParams>() == 2);

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Its type.
    pub kind: Kind,
    /// Its value.
    pub value: Vec<u8>,
}

impl Frame {
    /// The frame's bytes on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let head = FrameHeader {
            kind: self.kind as u8,
            len: (self.value.len() as u16).into(),
        };
        [head.as_bytes(), &self.value].concat()
    }

    /// A link-parameters frame.
    pub fn link_params(mtu: u16) -> Frame {
        Frame {
            kind: Kind::LinkParams,
            value: LinkParams { mtu: mtu.into() }.as_bytes().to_vec(),
        }
    }
}

/// Reads one frame; `Ok(None)` at a clean end of stream between frames.
pub fn read_frame(r: &mut impl Read) -> io::Result<Option<Frame>> {
    let mut head = [0u8; size_of::<FrameHeader>()];
    match r.read(&mut head[..1])? {
        0 => return Ok(None),
        _ => r.read_exact(&mut head[1..])?,
    }
    let head = FrameHeader::read_from_bytes(&head).expect("exact size");
    let kind = Kind::from_u8(head.kind).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame type {} is not 1..4", head.kind),
        )
    })?;
    let mut value = vec![0; usize::from(head.len.get())];
    r.read_exact(&mut value)?;
    Ok(Some(Frame { kind, value }))
}

/// Writes one frame.
pub fn write_frame(w: &mut impl Write, frame: &Frame) -> io::Result<()> {
    w.write_all(&frame.to_bytes())?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_a_bad_type_is_refused() {
        let f = Frame {
            kind: Kind::AttWrite,
            value: vec![1, 0, 2, 0, 9, 9],
        };
        let bytes = f.to_bytes();
        assert_eq!(bytes[..3], [1, 6, 0]);
        let mut r = &bytes[..];
        assert_eq!(read_frame(&mut r).unwrap(), Some(f));
        assert_eq!(
            read_frame(&mut r).unwrap(),
            None,
            "clean end between frames"
        );
        assert_eq!(Frame::link_params(247).to_bytes(), [3, 2, 0, 247, 0]);
        let e = read_frame(&mut &[9u8, 0, 0][..]).unwrap_err();
        assert!(e.to_string().contains("frame type 9"), "{e}");
        let e = read_frame(&mut &[2u8, 5, 0, 1][..]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }
}
