//! Image payloads inside a package: raw (flag 0) or compressed (flag 16, spec section 3), with
//! the device-pitfall byte.
//!
//! The trap: the DFU installer reads a payload in 512-byte blocks and, in the first block,
//! decodes a packet only when more bytes follow it inside that block. A compressed payload of
//! 512 bytes or less that ends exactly with its last packet therefore never gets its last
//! packet decoded, yet the install reports success. One `0x00` byte after the last packet
//! (counted in `payload_len` and the CRC) fixes it; 4 or more would be read as a bogus
//! `packet_len`. So the writer appends exactly [`PITFALL_BYTES`] and the reader accepts 0 to
//! [`MAX_TRAILING`].

use crate::error::{PackageError, PayloadError};
use crate::v2::Flag;
use ezip::payload::{PayloadInfo, PayloadOptions};
use ezip::Mode;

/// Bytes imgtool appends after the last packet of every compressed payload.
pub const PITFALL_BYTES: usize = 1;
/// The most trailing bytes the device tolerates after the last packet.
pub const MAX_TRAILING: usize = 3;
/// The installer's read size: payloads up to this long are decoded from the first block only.
pub const DEVICE_BLOCK: usize = 512;

/// Builds the payload of one image: the raw bytes (`compression` `None`, flag 0) or the
/// section 3 stream plus the pitfall byte (flag 16). Empty images are refused.
pub fn build(
    image: &[u8],
    compression: Option<&PayloadOptions>,
) -> Result<(Flag, Vec<u8>), PayloadError> {
    build_streaming(image, compression, &|_, _| ())
}

/// [`build`], handing a compressed payload over while it is built, as
/// [`ezip::payload::encode_streaming`] does: consecutive final pieces from offset 0, on a
/// thread outside the pool, covering a prefix of the payload (never the pitfall byte). A raw
/// payload is the image itself and is not handed over.
pub fn build_streaming(
    image: &[u8],
    compression: Option<&PayloadOptions>,
    on_ready: &(dyn Fn(usize, &[u8]) + Sync),
) -> Result<(Flag, Vec<u8>), PayloadError> {
    if image.is_empty() {
        return Err(PayloadError::Unsupported(
            "the image is empty: the device cannot install 0 bytes".into(),
        ));
    }
    let Some(opts) = compression else {
        return Ok((Flag::Raw, image.to_vec()));
    };
    let mut payload = ezip::payload::encode_streaming(image, opts, on_ready)?;
    payload.resize(payload.len() + PITFALL_BYTES, 0);
    Ok((Flag::Compressed, payload))
}

/// The largest `pksize` accepted without an override: 64 KiB.
pub const MAX_PKSIZE: u32 = ezip::payload::LARGE_PKSIZE;
/// The installer's block buffer (`DFU_MAX_BLK_SIZE` in the SDK's `dfu.h`), allocated for the
/// whole install.
pub const INSTALL_BLOCK_BUFFER: u32 = 2048 + 4;

/// Heap the installer needs for one compressed payload: the block buffer, the `pksize`
/// decompression buffer and two packet-sized buffers (the packet being assembled and its
/// aligned copy), `None` for a payload whose framing does not parse.
pub fn install_heap(payload: &[u8]) -> Option<(u32, u32, u64)> {
    let info = ezip::payload::parse(payload).ok()?;
    let largest = info.packets.iter().map(|p| p.len).max().unwrap_or(0);
    let heap = u64::from(INSTALL_BLOCK_BUFFER) + u64::from(info.pksize) + 2 * u64::from(largest);
    Some((info.pksize, largest, heap))
}

/// Refuses compressed payloads whose `pksize` is above [`MAX_PKSIZE`]; the error states the
/// heap the install would need. Returns that heap (0 when nothing is compressed) either way
/// when `allow_large` is set.
pub fn check_install_heap<'a>(
    payloads: impl IntoIterator<Item = &'a [u8]>,
    allow_large: bool,
) -> Result<u64, PackageError> {
    let mut worst: Option<(u32, u32, u64)> = None;
    for (pksize, largest, heap) in payloads.into_iter().filter_map(install_heap) {
        let w = worst.get_or_insert((pksize, largest, heap));
        *w = (w.0.max(pksize), w.1.max(largest), w.2.max(heap));
    }
    let Some((pksize, largest_packet, heap)) = worst else {
        return Ok(0);
    };
    if pksize > MAX_PKSIZE && !allow_large {
        return Err(PackageError::PksizeTooLarge {
            pksize,
            limit: MAX_PKSIZE,
            largest_packet,
            block: INSTALL_BLOCK_BUFFER,
            heap,
        });
    }
    Ok(heap)
}

/// The packet codec of a payload: `None` for a raw one, or a compressed one whose framing does
/// not parse (the decoder reports that).
pub fn mode_of(flag: Flag, payload: &[u8]) -> Option<Mode> {
    match flag {
        Flag::Raw => None,
        Flag::Compressed => ezip::payload::parse(payload).ok().map(|i| i.mode),
    }
}

/// Refuses compressed images in more than one codec. A package does not record the codec and
/// the installer is compiled for one (the EZIP engine for gzip, or software zlib): it decodes
/// every compressed image that way, so an image in the other codec is installed wrong.
///
/// `modes` yields `(table index, image id, codec)` for each compressed image, in table order.
pub fn check_one_mode(
    modes: impl IntoIterator<Item = (usize, u8, Mode)>,
) -> Result<(), PackageError> {
    let mut modes = modes.into_iter();
    let Some((first, first_id, first_mode)) = modes.next() else {
        return Ok(());
    };
    match modes.find(|&(_, _, m)| m != first_mode) {
        None => Ok(()),
        Some((index, image_id, mode)) => Err(PackageError::MixedCompression {
            first,
            first_id,
            first_mode,
            index,
            image_id,
            mode,
        }),
    }
}

/// A payload turned back into the bytes the device writes to the destination region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// What the device writes: the raw payload (flag 0) or the decoded chunks, padding
    /// included (flag 16).
    pub image: Vec<u8>,
    /// The compressed payload's structure (`None` for flag 0).
    pub info: Option<PayloadInfo>,
}

impl Decoded {
    /// Whether the device would mis-install this payload: compressed, no byte after the last
    /// packet, and short enough to be read in one block (see the module docs).
    pub fn at_risk(&self, payload_len: usize) -> bool {
        self.info
            .as_ref()
            .is_some_and(|i| i.trailing == 0 && payload_len <= DEVICE_BLOCK)
    }
}

/// Decodes one payload strictly: every packet must decode to its declared length, `total_len`
/// must be a multiple of 16, and at most [`MAX_TRAILING`] bytes may follow the last packet.
pub fn decode(flag: Flag, payload: &[u8]) -> Result<Decoded, PayloadError> {
    if flag == Flag::Raw {
        return Ok(Decoded {
            image: payload.to_vec(),
            info: None,
        });
    }
    let (image, info) = ezip::payload::decode(payload)?;
    if info.trailing > MAX_TRAILING {
        return Err(PayloadError::TooManyTrailingBytes {
            trailing: info.trailing,
            offset: payload.len() - info.trailing,
        });
    }
    if info.total_len % 16 != 0 {
        return Err(PayloadError::UnalignedTotalLen {
            total_len: info.total_len,
        });
    }
    if info.total_len == 0 {
        return Err(PayloadError::Unsupported(
            "total_len is 0: the device cannot install an empty compressed image".into(),
        ));
    }
    Ok(Decoded {
        image,
        info: Some(info),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(mode: Mode) -> PayloadOptions {
        PayloadOptions {
            mode,
            ..PayloadOptions::default()
        }
    }

    #[test]
    fn compressed_payload_ends_with_exactly_one_zero_byte() {
        for mode in [Mode::Gzip, Mode::Zlib] {
            let (flag, p) = build(&[7u8; 100], Some(&opts(mode))).unwrap();
            assert_eq!(flag, Flag::Compressed);
            assert_eq!(p.last(), Some(&0));
            let d = decode(flag, &p).unwrap();
            assert_eq!(d.info.as_ref().unwrap().trailing, 1);
            assert_eq!(d.info.as_ref().unwrap().mode, mode);
            assert!(!d.at_risk(p.len()));
            // 100 bytes are padded to 112 with zeros.
            let mut want = vec![7u8; 100];
            want.resize(112, 0);
            assert_eq!(d.image, want);
        }
    }

    #[test]
    fn a_short_payload_without_the_byte_is_at_risk() {
        let (_, mut p) = build(&[1u8; 64], Some(&opts(Mode::Gzip))).unwrap();
        p.pop();
        let d = decode(Flag::Compressed, &p).unwrap();
        assert!(d.at_risk(p.len()));
    }

    #[test]
    fn up_to_three_trailing_bytes_are_read_four_are_refused() {
        let (_, mut p) = build(&[1u8; 64], Some(&opts(Mode::Gzip))).unwrap();
        p.extend_from_slice(&[0, 0]);
        assert_eq!(
            decode(Flag::Compressed, &p).unwrap().info.unwrap().trailing,
            3
        );
        p.push(0);
        assert!(matches!(
            decode(Flag::Compressed, &p),
            Err(PayloadError::TooManyTrailingBytes { trailing: 4, .. })
        ));
    }

    #[test]
    fn raw_payload_is_the_image_and_empty_is_refused() {
        assert_eq!(build(&[1, 2, 3], None).unwrap(), (Flag::Raw, vec![1, 2, 3]));
        assert!(build(&[], None).is_err());
        assert!(build(&[], Some(&opts(Mode::Gzip))).is_err());
    }

    #[test]
    fn mixed_gzip_and_zlib_images_are_refused_one_mode_is_fine() {
        let (_, g) = build(&[1u8; 64], Some(&opts(Mode::Gzip))).unwrap();
        let (_, z) = build(&[1u8; 64], Some(&opts(Mode::Zlib))).unwrap();
        assert_eq!(mode_of(Flag::Compressed, &g), Some(Mode::Gzip));
        assert_eq!(mode_of(Flag::Compressed, &z), Some(Mode::Zlib));
        assert_eq!(mode_of(Flag::Raw, &z), None);
        assert_eq!(
            check_one_mode([(0, 0, Mode::Zlib), (2, 6, Mode::Zlib)]),
            Ok(())
        );
        let e = check_one_mode([(0, 0, Mode::Gzip), (1, 6, Mode::Gzip), (2, 3, Mode::Zlib)])
            .unwrap_err();
        assert_eq!(
            e,
            PackageError::MixedCompression {
                first: 0,
                first_id: 0,
                first_mode: Mode::Gzip,
                index: 2,
                image_id: 3,
                mode: Mode::Zlib
            }
        );
        let msg = e.to_string();
        assert!(msg.contains("image 2 (image id 3) is zlib-compressed but image 0 (image id 0) is gzip-compressed"), "{msg}");
        assert!(msg.contains("never both"), "{msg}");
    }

    #[test]
    fn pksize_above_64_kib_is_refused_with_the_heap_need_unless_allowed() {
        let image: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let o = |pksize| PayloadOptions {
            pksize,
            ..opts(Mode::Zlib)
        };
        let (_, ok) = build(&image, Some(&o(MAX_PKSIZE))).unwrap();
        let heap = check_install_heap([ok.as_slice()], false).unwrap();
        let (_, largest, h) = install_heap(&ok).unwrap();
        assert_eq!(heap, h);
        assert_eq!(h, 2052 + 65536 + 2 * u64::from(largest));
        let (_, big) = build(&image, Some(&o(MAX_PKSIZE + 16))).unwrap();
        let e = check_install_heap([ok.as_slice(), big.as_slice()], false).unwrap_err();
        let PackageError::PksizeTooLarge { pksize, heap, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(pksize, 65552);
        assert_eq!(Some(heap), install_heap(&big).map(|t| t.2));
        let msg = e.to_string();
        assert!(msg.starts_with("pksize 65552 is above 65536 bytes: the device's installer allocates pksize + 2 x the largest packet"), "{msg}");
        assert!(
            msg.contains(&format!("{heap} bytes of heap for this package")),
            "{msg}"
        );
        assert_eq!(check_install_heap([big.as_slice()], true), Ok(heap));
        assert_eq!(check_install_heap([&[1u8, 2, 3][..]], false), Ok(0));
    }
}
