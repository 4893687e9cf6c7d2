//! The host's view of the package: the images `unpack` gives, which the final regions must
//! hold. Read with the `package` crate's strict reader and payload decoder.

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
    let parsed = package::v2::parse(package).map_err(SimError::Package)?;
    if !parsed.crc_ok() {
        return Err(SimError::Crc {
            offset: package::v2::raw::header_offset::CRC,
            stored: parsed.header.crc.get(),
            computed: parsed.computed_crc,
        });
    }
    let mut com = None;
    let mut images = Vec::with_capacity(parsed.images.len());
    for img in &parsed.images {
        let decoded = package::payload::decode(img.flag, img.payload).map_err(|source| {
            SimError::Payload {
                index: img.index,
                image_id: img.entry.image_id,
                offset: img.payload_offset,
                source,
            }
        })?;
        if let Some(info) = &decoded.info {
            com = com.or(Some(info.mode).filter(|m| m.installable()));
        }
        images.push(UnpackedImage {
            index: img.index,
            id: img.entry.image_id,
            bytes: decoded.image,
        });
    }
    Ok((images, com))
}
