//! Planning a package: every offset, length and the CRC are computed and checked first, into a
//! value tests can compare; [`PackagePlan::emit`] only serialises it.

use super::raw::{OfflineHeader, OfflineImageEntry, MAX_IMAGES};
use super::{payloads_start, Flag};
use crate::crc32::crc32_mpeg2_parts;
use crate::error::PackageError;
use zerocopy::little_endian::U32;
use zerocopy::IntoBytes;

/// One image to put in a package, with its payload already built (see [`crate::payload`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedImage {
    /// Image id written to the table.
    pub image_id: u8,
    /// Raw or compressed.
    pub flag: Flag,
    /// The payload bytes exactly as they go into the package.
    pub payload: Vec<u8>,
}

/// Where one image's entry and payload land.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedEntry {
    /// The table entry.
    pub entry: OfflineImageEntry,
    /// Offset of the entry in the package.
    pub entry_offset: usize,
    /// Offset of the payload in the package.
    pub payload_offset: usize,
}

/// A checked package: header, table and payloads with their offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagePlan {
    /// The header, CRC included.
    pub header: OfflineHeader,
    /// Table entries in order, with offsets.
    pub entries: Vec<PlannedEntry>,
    /// Total package size in bytes.
    pub total_len: usize,
    images: Vec<PlannedImage>,
}

impl PackagePlan {
    /// Checks the images (1 to 255 of them, unique ids, non-empty payloads of at most
    /// `u32::MAX` bytes, compressed ones all in one codec) and lays them out in the given
    /// order.
    pub fn new(images: Vec<PlannedImage>) -> Result<Self, PackageError> {
        if images.is_empty() || images.len() > MAX_IMAGES {
            return Err(PackageError::BadImageCount {
                found: images.len(),
            });
        }
        let mut entries = Vec::with_capacity(images.len());
        let mut offset = payloads_start(images.len());
        for (index, image) in images.iter().enumerate() {
            check_image(&images, index)?;
            let payload_len =
                u32::try_from(image.payload.len()).map_err(|_| PackageError::PayloadTooLarge {
                    index,
                    image_id: image.image_id,
                    len: image.payload.len(),
                })?;
            entries.push(PlannedEntry {
                entry: OfflineImageEntry {
                    image_id: image.image_id,
                    flag: image.flag.to_u8(),
                    payload_len: U32::new(payload_len),
                },
                entry_offset: OfflineHeader::SIZE + index * OfflineImageEntry::SIZE,
                payload_offset: offset,
            });
            offset += image.payload.len();
        }
        crate::rules::one_codec(images.iter().enumerate().filter_map(|(i, im)| {
            crate::payload::mode_of(im.flag, &im.payload).map(|m| (i, im.image_id, m))
        }))?;
        let crc = crc32_mpeg2_parts(images.iter().map(|i| i.payload.as_slice()));
        let header = OfflineHeader::fresh(images.len() as u16, crc); // count checked <= 255
        Ok(Self {
            header,
            entries,
            total_len: offset,
            images,
        })
    }

    /// The images in table order.
    pub fn images(&self) -> &[PlannedImage] {
        &self.images
    }

    /// Serialises the plan: header, table, payloads.
    pub fn emit(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.total_len);
        self.emit_into(&mut out);
        out
    }

    /// [`PackagePlan::emit`] into `out`, replacing what it held: reusing a buffer whose memory
    /// is already mapped saves a page fault per 4 KiB of package.
    pub fn emit_into(&self, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(self.total_len);
        for part in self.parts(&self.head()) {
            out.extend_from_slice(part);
        }
        debug_assert_eq!(out.len(), self.total_len);
    }

    /// The bytes before the first payload: header and table.
    pub fn head(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(payloads_start(self.entries.len()));
        out.extend_from_slice(self.header.as_bytes());
        for e in &self.entries {
            out.extend_from_slice(e.entry.as_bytes());
        }
        out
    }

    /// The package as slices back to back, [`PackagePlan::head`] (passed in) then each
    /// payload: what [`PackagePlan::emit`] joins, for digests that need not wait for it.
    pub fn parts<'a>(&'a self, head: &'a [u8]) -> Vec<&'a [u8]> {
        let mut parts = Vec::with_capacity(1 + self.images.len());
        parts.push(head);
        parts.extend(self.images.iter().map(|i| i.payload.as_slice()));
        parts
    }
}

fn check_image(images: &[PlannedImage], index: usize) -> Result<(), PackageError> {
    let image = &images[index];
    if image.payload.is_empty() {
        return Err(PackageError::EmptyImage {
            index,
            image_id: image.image_id,
        });
    }
    if let Some(first) = images[..index]
        .iter()
        .position(|i| i.image_id == image.image_id)
    {
        return Err(PackageError::DuplicateImageId {
            image_id: image.image_id,
            first,
            second: index,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(id: u8, flag: Flag, payload: &[u8]) -> PlannedImage {
        PlannedImage {
            image_id: id,
            flag,
            payload: payload.to_vec(),
        }
    }

    /// A compressed image (payload 1, 2, 3) then a raw one (4, 5).
    fn two_images() -> PackagePlan {
        PackagePlan::new(vec![
            img(6, Flag::Compressed, &[1, 2, 3]),
            img(0, Flag::Raw, &[4, 5]),
        ])
        .unwrap()
    }

    #[test]
    fn emit_into_a_used_buffer_and_the_parts_give_the_same_bytes() {
        let plan = two_images();
        let bytes = plan.emit();
        let mut reused = vec![0xAA; 100];
        plan.emit_into(&mut reused);
        assert_eq!(reused, bytes);
        let head = plan.head();
        assert_eq!(head, bytes[..plan.entries[0].payload_offset]);
        assert_eq!(plan.parts(&head).concat(), bytes);
    }

    #[test]
    fn plan_lays_out_payloads_back_to_back_after_the_table() {
        let plan = two_images();
        assert_eq!(plan.entries[0].entry_offset, 12);
        assert_eq!(plan.entries[1].entry_offset, 18);
        assert_eq!(plan.entries[0].payload_offset, 24);
        assert_eq!(plan.entries[1].payload_offset, 27);
        assert_eq!(plan.total_len, 29);
        assert_eq!(plan.header.crc, crate::crc32_mpeg2(&[1, 2, 3, 4, 5]));
        let bytes = plan.emit();
        assert_eq!(
            bytes,
            [
                0x46,
                0x43,
                0x45,
                0x53,
                1,
                0xFF,
                2,
                0, //
                plan.header.crc.get().to_le_bytes()[0],
                plan.header.crc.get().to_le_bytes()[1],
                plan.header.crc.get().to_le_bytes()[2],
                plan.header.crc.get().to_le_bytes()[3],
                6,
                16,
                3,
                0,
                0,
                0, //
                0,
                0,
                2,
                0,
                0,
                0, //
                1,
                2,
                3,
                4,
                5
            ]
        );
    }

    #[test]
    fn plan_refuses_duplicates_empties_and_counts() {
        assert_eq!(
            PackagePlan::new(vec![img(0, Flag::Raw, &[1]), img(0, Flag::Raw, &[2])]),
            Err(PackageError::DuplicateImageId {
                image_id: 0,
                first: 0,
                second: 1
            })
        );
        assert_eq!(
            PackagePlan::new(vec![img(3, Flag::Raw, &[])]),
            Err(PackageError::EmptyImage {
                index: 0,
                image_id: 3
            })
        );
        assert_eq!(
            PackagePlan::new(vec![]),
            Err(PackageError::BadImageCount { found: 0 })
        );
        let many: Vec<_> = (0..=255u16)
            .map(|i| img((i % 256) as u8, Flag::Raw, &[1]))
            .collect();
        assert_eq!(
            PackagePlan::new(many),
            Err(PackageError::BadImageCount { found: 256 })
        );
    }

    #[test]
    fn plan_refuses_a_package_mixing_gzip_and_zlib_images() {
        use ezip::payload::PayloadOptions;
        use ezip::Mode;
        let build = |mode| {
            let opts = PayloadOptions {
                mode,
                ..PayloadOptions::default()
            };
            crate::payload::build(&[9u8; 300], Some(&opts)).unwrap().1
        };
        let (g, z) = (build(Mode::Gzip), build(Mode::Zlib));
        let same = PackagePlan::new(vec![
            img(0, Flag::Compressed, &z),
            img(3, Flag::Raw, &[1]),
            img(6, Flag::Compressed, &z),
        ]);
        assert!(same.is_ok(), "{same:?}");
        let e = PackagePlan::new(vec![
            img(0, Flag::Compressed, &g),
            img(3, Flag::Raw, &[1]),
            img(6, Flag::Compressed, &z),
        ])
        .unwrap_err();
        assert!(
            matches!(
                e,
                PackageError::MixedCompression {
                    first: 0,
                    index: 2,
                    image_id: 6,
                    ..
                }
            ),
            "{e}"
        );
    }
}
