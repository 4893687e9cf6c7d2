//! Intel HEX output.
//!
//! Written by hand: the format is a few record types and the available crates add a
//! dependency for about thirty lines. Records carry 16 data bytes (what objcopy writes), an
//! extended linear address record (type 04) precedes the first data record and every 64 KiB
//! boundary crossing, and the file ends with an end-of-file record (type 01).

use std::fmt::Write;

const DATA_PER_RECORD: usize = 16;

/// Formats `bytes`, loaded at `start`, as Intel HEX (CRLF-free, `\n` line ends).
///
/// Addresses above 4 GiB cannot be expressed in Intel HEX; only the low 32 bits of
/// `start + offset` are written (callers with such images should not ask for HEX).
pub fn to_intel_hex(start: u64, bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 45 / 16 + 64);
    let mut upper: Option<u16> = None;
    let mut offset = 0usize;
    while offset < bytes.len() {
        let addr = start.wrapping_add(offset as u64) as u32;
        let hi = (addr >> 16) as u16;
        if upper != Some(hi) {
            record(&mut out, 0, 0x04, &hi.to_be_bytes());
            upper = Some(hi);
        }
        // A record never crosses a 64 KiB boundary: its 16-bit offset would wrap.
        let to_boundary = 0x1_0000 - (addr & 0xffff) as usize;
        let n = DATA_PER_RECORD.min(to_boundary).min(bytes.len() - offset);
        record(&mut out, addr as u16, 0x00, &bytes[offset..offset + n]);
        offset += n;
    }
    record(&mut out, 0, 0x01, &[]);
    out
}

/// Appends one record `:LLAAAATT<data>CC`.
fn record(out: &mut String, addr: u16, kind: u8, data: &[u8]) {
    let [ah, al] = addr.to_be_bytes();
    // Records hold at most 16 data bytes, so the length fits a u8.
    let len = data.len() as u8;
    let mut sum = len.wrapping_add(ah).wrapping_add(al).wrapping_add(kind);
    let _ = write!(out, ":{len:02X}{addr:04X}{kind:02X}");
    for b in data {
        sum = sum.wrapping_add(*b);
        let _ = write!(out, "{b:02X}");
    }
    let _ = writeln!(out, "{:02X}", sum.wrapping_neg());
}
