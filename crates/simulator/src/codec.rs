//! The device's packet decoder: the EZIP engine in GZIP mode (`--com_type 0`) or the software
//! zlib `uncompress2` (`--com_type 1`). The installer is built for one of them; it decodes one
//! packet at a time into a buffer of `pksize` bytes. Decoding itself is `ezip::decompress`.

/// Why the device's decoder refuses a packet.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PacketError {
    /// A gzip-mode packet declares more bytes than the chunk buffer holds.
    #[error("packet declares {declared} bytes, more than the {capacity}-byte chunk buffer")]
    Overrun {
        /// The chunk length the packet declares.
        declared: usize,
        /// The chunk buffer (`pksize`).
        capacity: usize,
    },
    /// The codec refuses the packet. Transparent: it adds no words of its own, so the
    /// device's failure note reads as the codec's error.
    #[error(transparent)]
    Codec(#[from] ezip::Error),
    /// The installer was set to a codec no installer is built for (it has no `com_type`).
    #[error("no installer decodes {mode} packets (it has no --com_type)")]
    NotInstallable {
        /// The codec.
        mode: ComType,
    },
    /// The packet inflates to more bytes than the chunk buffer holds.
    #[error("packet inflates to {len} bytes, more than the {capacity}-byte chunk buffer")]
    Inflates {
        /// The decoded length.
        len: usize,
        /// The chunk buffer (`pksize`).
        capacity: usize,
    },
}

/// The compression type the installer was built for: the workspace's one codec type. The
/// vendor's `--com_type` number is [`ezip::Mode::com_type`]; a codec without one
/// ([`ezip::Mode::installable`] false) is refused packet by packet, as no installer decodes it.
pub type ComType = ezip::Mode;

/// Decodes one packet of `com` into at most `capacity` bytes (the device's chunk buffer).
pub fn decode(com: ComType, packet: &[u8], capacity: usize) -> Result<Vec<u8>, PacketError> {
    if !com.installable() {
        return Err(PacketError::NotInstallable { mode: com });
    }
    if com == ComType::Gzip {
        // The engine reads the chunk length first; more than the buffer overruns it.
        // (Read here as the device reads it, not through ezip: this model is an oracle.)
        if let Some(b) = packet.get(..4) {
            let declared = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
            if declared > capacity {
                return Err(PacketError::Overrun { declared, capacity });
            }
        }
    }
    let out = ezip::decompress(com, packet)?;
    if out.len() > capacity {
        return Err(PacketError::Inflates {
            len: out.len(),
            capacity,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk() -> Vec<u8> {
        (0..5000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn decodes_both_types() {
        for t in [ComType::Gzip, ComType::Zlib] {
            let p = ezip::compress(t, ezip::Level::Fast, &chunk()).unwrap();
            assert_eq!(decode(t, &p, 10240).unwrap(), chunk());
        }
    }

    #[test]
    fn a_chunk_larger_than_the_buffer_is_refused() {
        for t in [ComType::Gzip, ComType::Zlib] {
            let p = ezip::compress(t, ezip::Level::Fast, &chunk()).unwrap();
            let e = decode(t, &p, 4999).unwrap_err();
            assert!(e.to_string().contains("chunk buffer"), "{e}");
        }
    }

    #[test]
    fn a_damaged_packet_is_refused() {
        let mut p = ezip::compress(ezip::Mode::Gzip, ezip::Level::Fast, &chunk()).unwrap();
        let n = p.len();
        p[n - 8] ^= 1;
        assert!(decode(ComType::Gzip, &p, 10240).is_err());
        assert!(decode(ComType::Zlib, &p, 10240).is_err());
    }

    #[test]
    fn a_codec_without_com_type_is_no_installer_codec() {
        let p = ezip::compress(ComType::Lz4, ezip::Level::Fast, &chunk()).unwrap();
        assert_eq!(
            decode(ComType::Lz4, &p, 10240),
            Err(PacketError::NotInstallable { mode: ComType::Lz4 })
        );
    }
}
