//! The SiFli "serial transmission" GATT service: its UUIDs and the framing of one DFU message
//! into ATT values of at most `MTU - 3` bytes (`bf0_sibles_serial_trans_service.h`).
//!
//! ```text
//! whole:   u8 cate_id ‖ u8 flag 0 ‖ u16 len ‖ data
//! first:   u8 cate_id ‖ u8 flag 1 ‖ u16 total_len ‖ data[.. mtu-3-4]
//! middle:  u8 cate_id ‖ u8 flag 2 ‖ data[.. mtu-3-2]
//! last:    u8 cate_id ‖ u8 flag 3 ‖ data                 (reassembled length == total_len)
//! ```

use zerocopy::little_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The service ("sifli_sd").
pub const SERVICE_UUID: &str = "00000000-0000-0000-6473-5f696c666973";
/// The configure characteristic (unused by the DFU).
pub const CONFIGURE_CHAR_UUID: &str = "00000000-0000-0100-6473-5f696c666973";
/// The data characteristic: writes from the sender, notifications from the device.
pub const DATA_CHAR_UUID: &str = "00000000-0000-0200-6473-5f696c666973";
/// The advertising name prefix of a device in DFU (`SIFLI_APP-<addr>`).
pub const DEVICE_NAME_PREFIX: &str = "SIFLI_APP-";
/// `cate_id` of the DFU.
pub const CATE_DFU: u8 = 0x01;
/// ATT header bytes an ATT value leaves out of the MTU (opcode and handle).
pub const ATT_HEADER: usize = 3;
/// The smallest ATT MTU (BLE 4.0 default).
pub const MIN_MTU: u16 = 23;

/// The four fragment flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Flag {
    /// The whole message in one value.
    Whole = 0,
    /// First of several; carries the total length.
    First = 1,
    /// Neither first nor last.
    Middle = 2,
    /// The last.
    Last = 3,
}

/// `cate_id ‖ flag`: the head of every value.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct SerialTranHeader {
    /// Category (1 = DFU).
    pub cate_id: u8,
    /// [`Flag`].
    pub flag: u8,
}

/// The head of a whole value or a first fragment: `cate_id ‖ flag ‖ u16 len`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct SerialTranLenHeader {
    /// Category and flag.
    pub head: SerialTranHeader,
    /// Data length (whole) or total length (first).
    pub len: U16,
}

const _: () = assert!(size_of::<SerialTranHeader>() == 2 && size_of::<SerialTranLenHeader>() == 4);

const LEN_HEAD: usize = size_of::<SerialTranLenHeader>();
const SHORT_HEAD: usize = size_of::<SerialTranHeader>();

/// A framing failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The MTU leaves no room for data.
    #[error("ATT MTU {mtu} is below the minimum {MIN_MTU}")]
    MtuTooSmall {
        /// The MTU.
        mtu: u16,
    },
    /// The message is longer than a 16-bit length.
    #[error("message of {len} bytes is longer than the 65535 a frame can announce")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// A value shorter than its head.
    #[error("value of {len} bytes is shorter than its serial-transmission head")]
    Short {
        /// Its length.
        len: usize,
    },
    /// A flag outside 0-3.
    #[error("unknown fragment flag {flag}")]
    Flag {
        /// The flag.
        flag: u8,
    },
    /// A middle or last fragment with no first before it.
    #[error("fragment (flag {flag}) without a first fragment")]
    Orphan {
        /// The flag.
        flag: u8,
    },
    /// Reassembled data longer or shorter than the first fragment announced.
    #[error("reassembled {got} bytes, the first fragment announced {total}")]
    Length {
        /// Announced.
        total: usize,
        /// Received.
        got: usize,
    },
}

/// The ATT values that carry `data` (one DFU message) of category `cate_id` at ATT MTU `mtu`.
/// No first fragment ever announces less than it carries (a device heap overflow otherwise).
pub fn fragment(cate_id: u8, data: &[u8], mtu: u16) -> Result<Vec<Vec<u8>>, FrameError> {
    if mtu < MIN_MTU {
        return Err(FrameError::MtuTooSmall { mtu });
    }
    let len = u16::try_from(data.len()).map_err(|_| FrameError::TooLong { len: data.len() })?;
    let max = usize::from(mtu) - ATT_HEADER;
    let with_len = |flag: Flag, chunk: &[u8]| {
        let h = SerialTranLenHeader {
            head: SerialTranHeader {
                cate_id,
                flag: flag as u8,
            },
            len: len.into(),
        };
        [h.as_bytes(), chunk].concat()
    };
    if LEN_HEAD + data.len() <= max {
        return Ok(vec![with_len(Flag::Whole, data)]);
    }
    let (first, mut rest) = data.split_at(max - LEN_HEAD);
    let mut out = vec![with_len(Flag::First, first)];
    while !rest.is_empty() {
        let n = rest.len().min(max - SHORT_HEAD);
        let flag = if n == rest.len() {
            Flag::Last
        } else {
            Flag::Middle
        };
        let h = SerialTranHeader {
            cate_id,
            flag: flag as u8,
        };
        out.push([h.as_bytes(), &rest[..n]].concat());
        rest = &rest[n..];
    }
    Ok(out)
}

/// Joins fragments back into messages (the receiving side of [`fragment`]).
#[derive(Debug, Default)]
pub struct Reassembler {
    partial: Option<(usize, Vec<u8>)>,
}

impl Reassembler {
    /// Takes one ATT value; returns `(cate_id, data)` when a message is complete. A new first
    /// or whole value drops an unfinished message (what the device does).
    pub fn push(&mut self, value: &[u8]) -> Result<Option<(u8, Vec<u8>)>, FrameError> {
        let (h, rest) = SerialTranHeader::read_from_prefix(value)
            .map_err(|_| FrameError::Short { len: value.len() })?;
        match h.flag {
            0 | 1 => {
                let (l, data) = SerialTranLenHeader::read_from_prefix(value)
                    .map_err(|_| FrameError::Short { len: value.len() })?;
                let total = usize::from(l.len.get());
                self.partial = None;
                if h.flag == 0 {
                    // The device ignores `len` of a whole value and takes the ATT length.
                    return Ok(Some((h.cate_id, data.to_vec())));
                }
                if data.len() > total {
                    return Err(FrameError::Length {
                        total,
                        got: data.len(),
                    });
                }
                self.partial = Some((total, data.to_vec()));
                Ok(None)
            }
            2 | 3 => {
                let (total, mut buf) = self
                    .partial
                    .take()
                    .ok_or(FrameError::Orphan { flag: h.flag })?;
                buf.extend_from_slice(rest);
                if buf.len() > total || (h.flag == 3 && buf.len() != total) {
                    return Err(FrameError::Length {
                        total,
                        got: buf.len(),
                    });
                }
                if h.flag == 3 {
                    return Ok(Some((h.cate_id, buf)));
                }
                self.partial = Some((total, buf));
                Ok(None)
            }
            flag => Err(FrameError::Flag { flag }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reassemble(values: &[Vec<u8>]) -> Vec<u8> {
        let mut r = Reassembler::default();
        let mut out = None;
        for v in values {
            assert!(
                out.is_none(),
                "a message completed before its last fragment"
            );
            out = r.push(v).unwrap();
        }
        let (cate, data) = out.expect("complete");
        assert_eq!(cate, CATE_DFU);
        data
    }

    #[test]
    fn a_message_that_fits_is_one_whole_value_with_its_length() {
        let v = fragment(CATE_DFU, &[9, 8, 7], 23).unwrap();
        assert_eq!(v, vec![vec![1, 0, 3, 0, 9, 8, 7]]);
    }

    #[test]
    fn fragments_fill_the_mtu_exactly_and_flags_run_first_middle_last() {
        // 2064 bytes: one package packet message. At MTU 247 a value holds 244 bytes.
        let data: Vec<u8> = (0..2064u32).map(|i| i as u8).collect();
        let v = fragment(CATE_DFU, &data, 247).unwrap();
        assert_eq!(v[0][..4], [1, 1, 0x10, 0x08]);
        assert_eq!(v[0].len(), 244);
        assert!(v[1..v.len() - 1]
            .iter()
            .all(|f| f.len() == 244 && f[1] == 2));
        assert_eq!(v.last().unwrap()[1], 3);
        // 240 + 7 * 242 = 1934; 130 left for the last.
        assert_eq!(v.len(), 9);
        assert_eq!(v.last().unwrap().len(), 2 + 130);
        assert_eq!(reassemble(&v), data);
    }

    #[test]
    fn every_mtu_and_length_round_trips() {
        for mtu in [23u16, 24, 27, 185, 247, 517] {
            for len in [
                0usize, 1, 15, 16, 17, 18, 19, 20, 21, 40, 243, 244, 245, 2064, 2108,
            ] {
                let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let v = fragment(CATE_DFU, &data, mtu).unwrap();
                assert!(
                    v.iter().all(|f| f.len() <= usize::from(mtu) - ATT_HEADER),
                    "mtu {mtu} len {len}"
                );
                assert_eq!(reassemble(&v), data, "mtu {mtu} len {len}");
            }
        }
    }

    #[test]
    fn two_fragments_have_no_middle() {
        let v = fragment(CATE_DFU, &[0; 20], 23).unwrap();
        assert_eq!(v.iter().map(|f| f[1]).collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn malformed_values_are_errors_not_panics() {
        let mut r = Reassembler::default();
        assert_eq!(r.push(&[1]), Err(FrameError::Short { len: 1 }));
        assert_eq!(r.push(&[1, 2, 5]), Err(FrameError::Orphan { flag: 2 }));
        assert_eq!(r.push(&[1, 7]), Err(FrameError::Flag { flag: 7 }));
        assert_eq!(
            r.push(&[1, 1, 2, 0, 1, 2, 3]),
            Err(FrameError::Length { total: 2, got: 3 })
        );
        r.push(&[1, 1, 4, 0, 1, 2]).unwrap();
        assert_eq!(
            r.push(&[1, 3, 3]),
            Err(FrameError::Length { total: 4, got: 3 })
        );
        assert_eq!(
            fragment(1, &[], 22),
            Err(FrameError::MtuTooSmall { mtu: 22 })
        );
        assert_eq!(
            fragment(1, &vec![0; 70000], 23),
            Err(FrameError::TooLong { len: 70000 })
        );
    }
}
