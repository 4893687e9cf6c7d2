//! A second, independent model of the DFU installer's read loop, written from the spec
//! (section 3, "Device pitfall") and decoding packets with flate2 directly, never through the
//! `ezip` crate. The package tests require it to agree with `package::payload::decode`.
//!
//! What the installer does with a compressed payload:
//! - it reads the payload in 512-byte blocks;
//! - in the first block it decodes a packet only when more bytes follow that packet inside the
//!   block;
//! - from then on it appends each further block to a buffer, joining packets that straddle
//!   block boundaries, and decodes every packet once it is complete;
//! - it stops when it has produced `total_len` bytes, or when there are no more blocks.
//!
//! The bytes it has produced are what lands in flash; anything short of `total_len` is left
//! erased (shown here as a shorter output).

use flate2::{Decompress, FlushDecompress, Status};
use std::io::Read;

/// The installer's read size.
pub const BLOCK: usize = 512;

/// Packet codec the installer is built for (`--com_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// EZIP engine, GZIP mode: u32 length, raw DEFLATE, CRC-32, ISIZE.
    Gzip,
    /// zlib stream.
    Zlib,
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn inflate_raw(data: &[u8], expected: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(expected + 1);
    let mut d = Decompress::new(false);
    // One extra byte of room detects a stream longer than declared.
    match d.decompress_vec(data, &mut out, FlushDecompress::Finish) {
        Ok(Status::StreamEnd) => {}
        Ok(s) => return Err(format!("raw DEFLATE did not end: {s:?}")),
        Err(e) => return Err(format!("raw DEFLATE: {e}")),
    }
    if d.total_in() as usize != data.len() {
        return Err(format!(
            "raw DEFLATE ends after {} of {} bytes",
            d.total_in(),
            data.len()
        ));
    }
    Ok(out)
}

/// Decodes one packet the way the EZIP engine / `uncompress2` would.
pub fn decode_packet(codec: Codec, packet: &[u8], expected: usize) -> Result<Vec<u8>, String> {
    let out = match codec {
        Codec::Gzip => {
            let declared = u32_at(packet, 0).ok_or("packet shorter than its length field")?;
            if packet.len() < 12 {
                return Err("gzip-mode packet shorter than 12 bytes".into());
            }
            let body = &packet[4..packet.len() - 8];
            let out = inflate_raw(body, expected)?;
            let crc = u32_at(packet, packet.len() - 8).unwrap();
            let isize = u32_at(packet, packet.len() - 4).unwrap();
            let mut h = flate2::Crc::new();
            h.update(&out);
            if h.sum() != crc || isize as usize != out.len() || declared as usize != out.len() {
                return Err(format!(
                    "gzip trailer mismatch: crc {crc:#010x} vs {:#010x}, isize {isize}, \
                     declared {declared}, decoded {}",
                    h.sum(),
                    out.len()
                ));
            }
            out
        }
        Codec::Zlib => {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(packet)
                .read_to_end(&mut out)
                .map_err(|e| format!("zlib: {e}"))?;
            out
        }
    };
    if out.len() != expected {
        return Err(format!(
            "packet gave {} bytes, expected {expected}",
            out.len()
        ));
    }
    Ok(out)
}

/// What the installer writes for a compressed payload.
pub fn install(codec: Codec, payload: &[u8]) -> Result<Vec<u8>, String> {
    let first = &payload[..payload.len().min(BLOCK)];
    let total = u32_at(first, 0).ok_or("no total_len")? as usize;
    let pksize = u32_at(first, 4).ok_or("no pksize")? as usize;
    let mut out = Vec::with_capacity(total);
    let next_raw = |out: &Vec<u8>| pksize.min(total - out.len());
    // First block: decode a packet only when more bytes follow it inside the block.
    let mut pos = 8;
    while out.len() < total {
        let Some(len) = u32_at(first, pos) else { break };
        let end = pos + 4 + len as usize;
        if end >= first.len() {
            break;
        }
        let raw = next_raw(&out);
        out.extend(decode_packet(codec, &first[pos + 4..end], raw)?);
        pos = end;
    }
    // Later blocks: join straddling packets, decode each once complete.
    let mut pending: Vec<u8> = first[pos..].to_vec();
    let mut next = first.len();
    while out.len() < total && next < payload.len() {
        let block = &payload[next..payload.len().min(next + BLOCK)];
        next += block.len();
        pending.extend_from_slice(block);
        while out.len() < total {
            let Some(len) = u32_at(&pending, 0) else {
                break;
            };
            let end = 4 + len as usize;
            if pending.len() < end {
                break;
            }
            let raw = next_raw(&out);
            out.extend(decode_packet(codec, &pending[4..end], raw)?);
            pending.drain(..end);
        }
    }
    Ok(out)
}
