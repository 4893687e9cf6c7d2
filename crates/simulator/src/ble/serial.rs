//! SiFli "serial transmission" framing of the data characteristic (secure-and-online-dfu doc,
//! 4.1): the device's own reassembly of the sender's ATT writes and fragmentation of its
//! notifications by the ATT MTU.
//!
//! ```text
//! unfragmented:   u8 cate_id ‖ u8 flag=0 ‖ u16 len ‖ data     (the device ignores len)
//! first fragment: u8 cate_id ‖ u8 flag=1 ‖ u16 total_len ‖ data[.. mtu-3-4]
//! middle:         u8 cate_id ‖ u8 flag=2 ‖ data[.. mtu-3-2]
//! last:           u8 cate_id ‖ u8 flag=3 ‖ data               (reassembled length == total_len)
//! ```

use zerocopy::little_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// `cate_id` of the DFU service.
pub const CATE_DFU: u8 = 0x01;
/// ATT header bytes an ATT value loses to the MTU (opcode and handle).
pub const ATT_HEADER: usize = 3;

/// The four fragment flags.
pub mod flag {
    /// A whole message.
    pub const WHOLE: u8 = 0;
    /// The first fragment; carries the total length.
    pub const FIRST: u8 = 1;
    /// A middle fragment.
    pub const MIDDLE: u8 = 2;
    /// The last fragment.
    pub const LAST: u8 = 3;
}

/// Head of a whole message or a first fragment (`cate_id`, `flag`, `len`).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SerialTranHeader {
    /// Service category (1 = DFU).
    pub cate_id: u8,
    /// [`flag::WHOLE`] or [`flag::FIRST`].
    pub flag: u8,
    /// Message length (the total length for a first fragment).
    pub len: U16,
}

/// Head of a middle or last fragment.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SerialTranContHeader {
    /// Service category.
    pub cate_id: u8,
    /// [`flag::MIDDLE`] or [`flag::LAST`].
    pub flag: u8,
}

const _: () = assert!(size_of::<SerialTranHeader>() == 4);
const _: () = assert!(size_of::<SerialTranContHeader>() == 2);

/// Why an ATT write was dropped (the device logs and discards it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Shorter than its header.
    #[error("ATT value of {len} bytes is shorter than its serial-transmission header")]
    Short {
        /// Value length.
        len: usize,
    },
    /// Not the DFU category.
    #[error("cate_id {cate_id} is not DFU (1)")]
    Category {
        /// The category.
        cate_id: u8,
    },
    /// Flag not 0..=3.
    #[error("fragment flag {flag} is not 0..3")]
    Flag {
        /// The flag.
        flag: u8,
    },
    /// A middle or last fragment with no first one.
    #[error("fragment flag {flag} without a first fragment")]
    NoFirst {
        /// The flag.
        flag: u8,
    },
    /// More data than the first fragment announced (overflows the device heap).
    #[error("fragments carry {got} bytes but the first fragment announced {total}")]
    TooLong {
        /// Bytes so far.
        got: usize,
        /// Announced total.
        total: usize,
    },
    /// The last fragment ends short of the announced total.
    #[error("reassembled {got} bytes but the first fragment announced {total}")]
    TooShort {
        /// Bytes reassembled.
        got: usize,
        /// Announced total.
        total: usize,
    },
}

/// The device's reassembly of the sender's writes.
#[derive(Debug, Default, Clone)]
pub struct Reassembler {
    pending: Option<(usize, Vec<u8>)>,
}

impl Reassembler {
    /// Takes one ATT value; returns a whole message when one is complete.
    pub fn push(&mut self, value: &[u8]) -> Result<Option<Vec<u8>>, FrameError> {
        let (cont, rest) = SerialTranContHeader::read_from_prefix(value)
            .map_err(|_| FrameError::Short { len: value.len() })?;
        if cont.cate_id != CATE_DFU {
            return Err(FrameError::Category {
                cate_id: cont.cate_id,
            });
        }
        match cont.flag {
            flag::WHOLE | flag::FIRST => {
                let (head, data) = SerialTranHeader::read_from_prefix(value)
                    .map_err(|_| FrameError::Short { len: value.len() })?;
                if cont.flag == flag::WHOLE {
                    self.pending = None;
                    return Ok(Some(data.to_vec()));
                }
                let total = usize::from(head.len.get());
                if data.len() > total {
                    self.pending = None;
                    return Err(FrameError::TooLong {
                        got: data.len(),
                        total,
                    });
                }
                self.pending = Some((total, data.to_vec()));
                Ok(None)
            }
            flag::MIDDLE | flag::LAST => self.more(cont.flag, rest),
            flag => Err(FrameError::Flag { flag }),
        }
    }

    fn more(&mut self, flag: u8, data: &[u8]) -> Result<Option<Vec<u8>>, FrameError> {
        let Some((total, mut buf)) = self.pending.take() else {
            return Err(FrameError::NoFirst { flag });
        };
        buf.extend_from_slice(data);
        if buf.len() > total {
            return Err(FrameError::TooLong {
                got: buf.len(),
                total,
            });
        }
        if flag == flag::MIDDLE {
            self.pending = Some((total, buf));
            return Ok(None);
        }
        if buf.len() != total {
            return Err(FrameError::TooShort {
                got: buf.len(),
                total,
            });
        }
        Ok(Some(buf))
    }

    /// Forgets a half-received message (the link dropped).
    pub fn reset(&mut self) {
        self.pending = None;
    }
}

/// The ATT values the device notifies for one message at ATT MTU `mtu` (at least 23).
pub fn fragment(message: &[u8], mtu: u16) -> Vec<Vec<u8>> {
    let room = usize::from(mtu.max(23)) - ATT_HEADER;
    let whole = size_of::<SerialTranHeader>();
    let cont = size_of::<SerialTranContHeader>();
    let head = |flag: u8, len: usize| {
        SerialTranHeader {
            cate_id: CATE_DFU,
            flag,
            len: (len as u16).into(),
        }
        .as_bytes()
        .to_vec()
    };
    if whole + message.len() <= room {
        let mut v = head(flag::WHOLE, message.len());
        v.extend_from_slice(message);
        return vec![v];
    }
    let first = room - whole;
    let mut out = vec![[head(flag::FIRST, message.len()), message[..first].to_vec()].concat()];
    let mut rest = &message[first..];
    while !rest.is_empty() {
        let n = rest.len().min(room - cont);
        let f = if n == rest.len() {
            flag::LAST
        } else {
            flag::MIDDLE
        };
        let h = SerialTranContHeader {
            cate_id: CATE_DFU,
            flag: f,
        };
        out.push([h.as_bytes(), &rest[..n]].concat());
        rest = &rest[n..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_messages_go_whole_long_ones_in_fragments_that_reassemble() {
        let msg: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        let frags = fragment(&msg, 23);
        // 20 bytes per ATT value: 16 in the first, 18 in each further one.
        assert_eq!(frags[0][..4], [1, 1, 44, 1]);
        assert_eq!(frags.len(), 1 + (300 - 16usize).div_ceil(18));
        assert!(frags.iter().all(|f| f.len() <= 20));
        assert_eq!(frags.last().unwrap()[1], flag::LAST);
        let mut r = Reassembler::default();
        let mut got = None;
        for f in &frags {
            got = r.push(f).unwrap();
        }
        assert_eq!(got.unwrap(), msg);
        assert_eq!(
            fragment(&msg[..16], 23),
            vec![[&[1, 0, 16, 0][..], &msg[..16]].concat()]
        );
    }

    #[test]
    fn a_first_fragment_longer_than_its_total_is_refused() {
        let mut r = Reassembler::default();
        let e = r.push(&[1, 1, 2, 0, 9, 9, 9]).unwrap_err();
        assert_eq!(e, FrameError::TooLong { got: 3, total: 2 });
        assert_eq!(
            r.push(&[1, 3, 9]).unwrap_err(),
            FrameError::NoFirst { flag: 3 }
        );
        assert_eq!(
            r.push(&[2, 0, 0, 0]).unwrap_err(),
            FrameError::Category { cate_id: 2 }
        );
    }

    #[test]
    fn the_whole_flag_ignores_its_length_field() {
        let mut r = Reassembler::default();
        assert_eq!(r.push(&[1, 0, 99, 0, 5, 6]).unwrap(), Some(vec![5, 6]));
    }
}
