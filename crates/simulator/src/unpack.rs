//! The host's view of the package: the images `unpack` gives, which the final regions must hold.

use crate::codec::ComType;
use crate::error::SimError;

/// One image of the package, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackedImage {
    /// Table index.
    pub index: usize,
    /// Image id.
    pub id: u8,
    /// The bytes the destination region must start with after the install.
    pub bytes: Vec<u8>,
}

/// Decodes every image of `package` (structure, CRC, payloads), as `imgtool unpack` does.
/// Returns the images and the compression type of the first compressed payload.
pub fn unpack(package: &[u8]) -> Result<(Vec<UnpackedImage>, Option<ComType>), SimError> {
    let err = |m: String| SimError::Package(m);
    let head = package.get(..12).ok_or_else(|| {
        err(format!(
            "{} bytes is shorter than the 12-byte header",
            package.len()
        ))
    })?;
    if head[..4] != *b"FCES" {
        return Err(err(format!(
            "bad magic {:02x?}, expected \"FCES\"",
            &head[..4]
        )));
    }
    let count = usize::from(u16::from_le_bytes([head[6], head[7]]));
    if count == 0 || count > 255 {
        return Err(err(format!(
            "image count {count} at offset 6 is not 1..=255"
        )));
    }
    let table_end = 12 + 6 * count;
    let table = package
        .get(12..table_end)
        .ok_or_else(|| err(format!("table of {count} entries runs past the end")))?;
    let mut offset = table_end;
    let mut images = Vec::with_capacity(count);
    let mut com = None;
    let mut payloads = Vec::with_capacity(count);
    for (index, e) in table.chunks_exact(6).enumerate() {
        let len = u32::from_le_bytes([e[2], e[3], e[4], e[5]]) as usize;
        let payload = package
            .get(offset..offset.saturating_add(len))
            .ok_or_else(|| {
                err(format!(
                    "payload of entry {index} ({len} bytes at {offset:#x}) runs past the end"
                ))
            })?;
        payloads.push(payload);
        offset += len;
        let bytes = match e[1] {
            0 => payload.to_vec(),
            16 => decode_payload(payload, &mut com)
                .map_err(|m| err(format!("payload of entry {index} (image id {}): {m}", e[0])))?,
            f => return Err(err(format!("entry {index} has flag {f}, expected 0 or 16"))),
        };
        images.push(UnpackedImage {
            index,
            id: e[0],
            bytes,
        });
    }
    let algo = crc::Crc::<u32>::new(&crc::CRC_32_MPEG_2);
    let mut digest = algo.digest();
    payloads.iter().for_each(|p| digest.update(p));
    let crc = digest.finalize();
    let stored = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    if crc != stored {
        return Err(err(format!(
            "CRC {crc:#010x} does not match the header's {stored:#010x}"
        )));
    }
    Ok((images, com))
}

fn decode_payload(payload: &[u8], com: &mut Option<ComType>) -> Result<Vec<u8>, String> {
    let word = |at: usize| {
        payload
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| format!("truncated at payload offset {at}"))
    };
    let total = word(0)?;
    let pksize = word(4)?;
    if pksize == 0 {
        return Err("pksize is 0".into());
    }
    if total > payload.len().saturating_mul(1032) {
        return Err(format!(
            "total_len {total} cannot come from {} bytes",
            payload.len()
        ));
    }
    let mut out = Vec::with_capacity(total);
    let mut pos = 8;
    while out.len() < total {
        let plen = word(pos)?;
        let packet = payload
            .get(pos + 4..(pos + 4).saturating_add(plen))
            .ok_or_else(|| {
                format!("packet at offset {pos} ({plen} bytes) runs past the payload")
            })?;
        let t = match *com {
            Some(t) => t,
            None => {
                let t = ComType::detect(packet, pksize).ok_or_else(|| {
                    format!("packet at offset {pos} decodes as neither gzip nor zlib mode")
                })?;
                *com = Some(t);
                t
            }
        };
        let chunk = t
            .decode(packet, pksize)
            .map_err(|m| format!("packet at offset {pos}: {m}"))?;
        if chunk.is_empty() {
            return Err(format!("empty chunk at offset {pos}"));
        }
        out.extend_from_slice(&chunk);
        pos += 4 + plen;
    }
    if out.len() != total {
        return Err(format!(
            "chunks give {} bytes, total_len says {total}",
            out.len()
        ));
    }
    Ok(out)
}
