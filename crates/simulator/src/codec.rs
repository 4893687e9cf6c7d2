//! The device's packet decoder: the EZIP engine in GZIP mode (`--com_type 0`) or the software
//! zlib `uncompress2` (`--com_type 1`). The installer is built for one of them; it decodes one
//! packet at a time into a buffer of `pksize` bytes.

use std::io::Read;

/// The compression type the installer was built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComType {
    /// `--com_type 0`: u32 chunk length, raw DEFLATE, gzip trailer (CRC-32, length).
    Gzip,
    /// `--com_type 1`: a zlib stream.
    Zlib,
}

impl ComType {
    /// Decodes one packet into at most `capacity` bytes (the device's chunk buffer).
    pub fn decode(self, packet: &[u8], capacity: usize) -> Result<Vec<u8>, String> {
        match self {
            ComType::Gzip => decode_gzip(packet, capacity),
            ComType::Zlib => decode_zlib(packet, capacity),
        }
    }

    /// Guesses the type from a packet: whichever decodes it.
    pub fn detect(packet: &[u8], capacity: usize) -> Option<Self> {
        [ComType::Gzip, ComType::Zlib]
            .into_iter()
            .find(|t| t.decode(packet, capacity).is_ok())
    }

    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ComType::Gzip => "gzip",
            ComType::Zlib => "zlib",
        }
    }
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn decode_gzip(packet: &[u8], capacity: usize) -> Result<Vec<u8>, String> {
    if packet.len() < 12 {
        return Err(format!(
            "gzip-mode packet of {} bytes is shorter than its 12 bytes of framing",
            packet.len()
        ));
    }
    let declared = le32(packet) as usize;
    if declared > capacity {
        return Err(format!(
            "packet declares {declared} bytes, more than the {capacity}-byte chunk buffer"
        ));
    }
    let body = &packet[4..packet.len() - 8];
    let trailer = &packet[packet.len() - 8..];
    let out = inflate_bounded(flate2::read::DeflateDecoder::new(body), declared)?;
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&out);
    if out.len() != declared || le32(&trailer[4..]) as usize != declared {
        return Err(format!(
            "packet inflates to {} bytes, declared {declared} and trailer {}",
            out.len(),
            le32(&trailer[4..])
        ));
    }
    if crc != le32(trailer) {
        return Err(format!(
            "packet CRC-32 {crc:#010x} does not match its trailer {:#010x}",
            le32(trailer)
        ));
    }
    Ok(out)
}

fn decode_zlib(packet: &[u8], capacity: usize) -> Result<Vec<u8>, String> {
    inflate_bounded(flate2::read::ZlibDecoder::new(packet), capacity)
}

/// Reads at most `limit` bytes and fails if more would follow: the device's buffer is fixed.
fn inflate_bounded(mut reader: impl Read, limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    (&mut reader)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("invalid compressed data: {e}"))?;
    if out.len() > limit {
        return Err(format!(
            "packet inflates past the {limit}-byte chunk buffer"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub(crate) fn gzip_packet(chunk: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(chunk).unwrap();
        let body = enc.finish().unwrap();
        let mut p = (chunk.len() as u32).to_le_bytes().to_vec();
        p.extend_from_slice(&body);
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(chunk);
        p.extend_from_slice(&crc.to_le_bytes());
        p.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        p
    }

    #[test]
    fn gzip_round_trip_and_detection() {
        let chunk: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        let p = gzip_packet(&chunk);
        assert_eq!(ComType::Gzip.decode(&p, 10240).unwrap(), chunk);
        assert_eq!(ComType::detect(&p, 10240), Some(ComType::Gzip));
    }

    #[test]
    fn gzip_refuses_bad_crc_and_oversize() {
        let chunk = vec![3u8; 100];
        let mut p = gzip_packet(&chunk);
        assert!(ComType::Gzip
            .decode(&p, 99)
            .unwrap_err()
            .contains("chunk buffer"));
        let n = p.len();
        p[n - 8] ^= 1;
        assert!(ComType::Gzip.decode(&p, 100).unwrap_err().contains("CRC"));
    }

    #[test]
    fn zlib_is_bounded() {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&[0u8; 4096]).unwrap();
        let z = enc.finish().unwrap();
        assert_eq!(ComType::Zlib.decode(&z, 4096).unwrap().len(), 4096);
        assert!(ComType::Zlib.decode(&z, 4095).is_err());
        assert_eq!(ComType::detect(&z, 4096), Some(ComType::Zlib));
    }
}
