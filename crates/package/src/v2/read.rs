//! Strict reader of the offline package v2. Every read is bounded by the input; every error
//! names the field, its offset and what was expected. The reader checks structure only (magic,
//! version, count, flags, bounds); the CRC and payload contents are judged by
//! [`crate::verify`], so a damaged package can still be inspected.

use super::raw::{OfflineHeader, OfflineImageEntry, MAGIC, MAX_IMAGES, VERSION};
use super::{payloads_start, Flag};
use crate::crc32::crc32_mpeg2;
use crate::error::PackageError;
use zerocopy::FromBytes;

/// A parsed package borrowing the input bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package<'a> {
    /// The header as stored.
    pub header: OfflineHeader,
    /// The images in table order.
    pub images: Vec<PackageImage<'a>>,
    /// Bytes after the last payload (invisible to the device; a signature trailer lives here).
    pub trailer: &'a [u8],
    /// Offset of the first payload (end of the table).
    pub payloads_start: usize,
    /// Offset just after the last payload.
    pub payloads_end: usize,
    /// CRC-32/MPEG-2 computed over the payloads.
    pub computed_crc: u32,
}

/// One table entry and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageImage<'a> {
    /// Table index.
    pub index: usize,
    /// The entry as stored.
    pub entry: OfflineImageEntry,
    /// Offset of the entry in the package.
    pub entry_offset: usize,
    /// The entry's flag.
    pub flag: Flag,
    /// Offset of the payload in the package.
    pub payload_offset: usize,
    /// The payload bytes.
    pub payload: &'a [u8],
}

impl Package<'_> {
    /// Whether the stored CRC matches the payloads.
    pub fn crc_ok(&self) -> bool {
        self.header.crc == self.computed_crc
    }
}

fn take(
    bytes: &[u8],
    offset: usize,
    len: usize,
    field: impl FnOnce() -> String,
) -> Result<&[u8], PackageError> {
    let available = bytes.len().saturating_sub(offset);
    if available < len {
        return Err(PackageError::Truncated {
            field: field(),
            offset,
            needed: len,
            available,
        });
    }
    Ok(&bytes[offset..offset + len])
}

/// Parses a package. Bytes after the last payload are kept as [`Package::trailer`].
pub fn parse(bytes: &[u8]) -> Result<Package<'_>, PackageError> {
    let head = take(bytes, 0, OfflineHeader::SIZE, || "package header".into())?;
    let header = OfflineHeader::read_from_bytes(head).expect("length checked by take");
    if header.magic != MAGIC {
        return Err(PackageError::BadMagic {
            found: header.magic.to_bytes(),
        });
    }
    if header.version != VERSION {
        return Err(PackageError::BadVersion {
            found: header.version,
        });
    }
    let count = usize::from(header.image_count);
    if count == 0 || count > MAX_IMAGES {
        return Err(PackageError::BadImageCount { found: count });
    }
    let mut images = Vec::with_capacity(count);
    let mut payload_offset = payloads_start(count);
    for index in 0..count {
        let entry_offset = OfflineHeader::SIZE + index * OfflineImageEntry::SIZE;
        let raw = take(bytes, entry_offset, OfflineImageEntry::SIZE, || {
            format!("table entry {index} of {count}")
        })?;
        let entry = OfflineImageEntry::read_from_bytes(raw).expect("length checked by take");
        let flag = Flag::from_u8(entry.flag).ok_or(PackageError::BadFlag {
            index,
            offset: entry_offset,
            image_id: entry.image_id,
            flag: entry.flag,
        })?;
        images.push((index, entry, entry_offset, flag));
    }
    let mut out = Vec::with_capacity(count);
    for (index, entry, entry_offset, flag) in images {
        let len = entry.payload_len.get() as usize;
        let payload = take(bytes, payload_offset, len, || {
            format!(
                "payload of table entry {index} (image id {}, payload_len {len} from the entry at {entry_offset:#010x})",
                entry.image_id
            )
        })?;
        out.push(PackageImage {
            index,
            entry,
            entry_offset,
            flag,
            payload_offset,
            payload,
        });
        payload_offset += len;
    }
    let start = payloads_start(count);
    Ok(Package {
        header,
        images: out,
        trailer: &bytes[payload_offset..],
        payloads_start: start,
        payloads_end: payload_offset,
        computed_crc: crc32_mpeg2(&bytes[start..payload_offset]),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{PackagePlan, PlannedImage};
    use super::*;

    fn sample() -> Vec<u8> {
        PackagePlan::new(vec![
            PlannedImage {
                image_id: 0,
                flag: Flag::Raw,
                payload: vec![9; 20],
            },
            PlannedImage {
                image_id: 6,
                flag: Flag::Raw,
                payload: vec![7; 5],
            },
        ])
        .unwrap()
        .emit()
    }

    #[test]
    fn parse_reads_what_plan_wrote() {
        let bytes = sample();
        let p = parse(&bytes).unwrap();
        assert!(p.crc_ok());
        assert_eq!(p.images.len(), 2);
        assert_eq!(p.images[1].payload_offset, 24 + 20);
        assert_eq!(p.images[1].payload, &[7; 5]);
        assert!(p.trailer.is_empty());
    }

    #[test]
    fn trailing_bytes_become_the_trailer_and_leave_the_crc_alone() {
        let mut bytes = sample();
        bytes.extend_from_slice(b"SIG");
        let p = parse(&bytes).unwrap();
        assert!(p.crc_ok());
        assert_eq!(p.trailer, b"SIG");
    }

    #[test]
    fn every_truncation_is_an_error_never_a_panic() {
        let bytes = sample();
        for len in 0..bytes.len() {
            assert!(
                matches!(parse(&bytes[..len]), Err(PackageError::Truncated { .. })),
                "length {len}"
            );
        }
    }

    #[test]
    fn header_fields_are_checked() {
        use crate::v2::raw::header_offset as at;
        let mut b = sample();
        b[at::MAGIC] = b'X';
        assert!(matches!(parse(&b), Err(PackageError::BadMagic { .. })));
        let mut b = sample();
        b[at::VERSION] = 2;
        assert_eq!(parse(&b), Err(PackageError::BadVersion { found: 2 }));
        let mut b = sample();
        b[at::IMAGE_COUNT] = 0;
        assert_eq!(parse(&b), Err(PackageError::BadImageCount { found: 0 }));
        let mut b = sample();
        b[OfflineHeader::SIZE + std::mem::offset_of!(OfflineImageEntry, flag)] = 1;
        assert!(matches!(
            parse(&b),
            Err(PackageError::BadFlag {
                index: 0,
                flag: 1,
                ..
            })
        ));
        let mut b = sample();
        b[at::CRC] ^= 1;
        assert!(!parse(&b).unwrap().crc_ok());
    }
}
