//! Typed errors of the package crate. Every variant names the offset or field it is about and
//! what was expected; a cause is its `source()`, not part of its message ([`full_text`] joins
//! them where a report needs one line).

/// Errors reading, planning or writing an offline package.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackageError {
    /// The input ends before a field or payload it must contain.
    #[error(
        "truncated: {field} at offset {offset:#010x} needs {needed} bytes, only {available} left"
    )]
    Truncated {
        /// What was being read.
        field: String,
        /// Where it starts.
        offset: usize,
        /// How many bytes it needs.
        needed: usize,
        /// How many bytes the input has from `offset` on.
        available: usize,
    },
    /// The first four bytes are not "FCES".
    #[error("magic at offset 0x00000000: expected 46 43 45 53 (\"FCES\"), found {found:02x?}")]
    BadMagic {
        /// The bytes found.
        found: [u8; 4],
    },
    /// The version byte is not 1.
    #[error("version at offset 0x00000004: expected 1 (offline package v2), found {found}")]
    BadVersion {
        /// The byte found.
        found: u8,
    },
    /// `image_count` is 0 or above 255.
    #[error("image_count at offset 0x00000006: expected 1 to 255 images, found {found}")]
    BadImageCount {
        /// The count found (or planned).
        found: usize,
    },
    /// A flag other than 0 (raw) or 16 (compressed).
    #[error(
        "table entry {index} (offset {offset:#010x}, image id {image_id}): flag {flag} is not \
         0 (raw) or 16 (compressed); offline v2 supports no other flags"
    )]
    BadFlag {
        /// Table index.
        index: usize,
        /// Offset of the entry.
        offset: usize,
        /// Image id of the entry.
        image_id: u8,
        /// The flag found.
        flag: u8,
    },
    /// An empty image or payload (the device reads uninitialised memory for flag 16).
    #[error("image {index} (image id {image_id}) is empty: the device cannot install 0 bytes")]
    EmptyImage {
        /// Table index.
        index: usize,
        /// Image id.
        image_id: u8,
    },
    /// The same image id twice.
    #[error("image id {image_id} appears twice (table entries {first} and {second})")]
    DuplicateImageId {
        /// The repeated id.
        image_id: u8,
        /// Index of its first entry.
        first: usize,
        /// Index of the repeat.
        second: usize,
    },
    /// A payload does not fit the u32 length field.
    #[error(
        "image {index} (image id {image_id}): payload of {len} bytes exceeds the u32 length field"
    )]
    PayloadTooLarge {
        /// Table index.
        index: usize,
        /// Image id.
        image_id: u8,
        /// Its length.
        len: usize,
    },
    /// Compressed images in both packet codecs: the installer is built for one of them.
    #[error(
        "image {index} (image id {image_id}) is {mode}-compressed but image {first} (image id \
         {first_id}) is {first_mode}-compressed: the device installer is built either for the \
         EZIP engine (gzip) or for software zlib, never both, and installs the other kind wrong; \
         compress every image of a package with the same mode"
    )]
    MixedCompression {
        /// Table index of the first compressed image.
        first: usize,
        /// Its image id.
        first_id: u8,
        /// Its codec.
        first_mode: ezip::Mode,
        /// Table index of the first image in another codec.
        index: usize,
        /// Its image id.
        image_id: u8,
        /// Its codec.
        mode: ezip::Mode,
    },
    /// A `pksize` above what the installer can be expected to allocate.
    #[error(
        "pksize {pksize} is above {limit} bytes: the device's installer allocates pksize + 2 x \
         the largest packet ({largest_packet} bytes here) + a {block}-byte block buffer, {heap} \
         bytes of heap for this package, and fails or crashes when malloc cannot give them"
    )]
    PksizeTooLarge {
        /// The chunk size.
        pksize: u32,
        /// The largest chunk size accepted without an override.
        limit: u32,
        /// The largest packet of any compressed image.
        largest_packet: u32,
        /// The installer's block buffer.
        block: u32,
        /// The heap the install needs.
        heap: u64,
    },
    /// A compressed payload that does not decode as section 3 says.
    #[error("image {index} (image id {image_id}), payload at offset {offset:#010x}: {source}")]
    Payload {
        /// Table index.
        index: usize,
        /// Image id.
        image_id: u8,
        /// Offset of the payload in the package.
        offset: usize,
        /// What went wrong inside the payload (offsets relative to the payload start).
        source: PayloadError,
    },
}

/// Errors inside one compressed payload (offsets are relative to the payload start).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadError {
    /// The codec rejected the payload (or refused to build it). Transparent: this variant
    /// adds no words of its own, so the codec's error is the message and its causes the chain.
    #[error(transparent)]
    Codec(#[from] ezip::Error),
    /// The payload ends with more than 3 bytes after its last packet.
    #[error(
        "{trailing} bytes follow the last packet (at payload offset {offset:#010x}); the device \
         reads 4 or more as another packet_len, so at most 3 are allowed"
    )]
    TooManyTrailingBytes {
        /// How many bytes follow the last packet.
        trailing: usize,
        /// Payload offset of the first of them.
        offset: usize,
    },
    /// The header's `total_len` is not a multiple of 16.
    #[error("total_len {total_len} at payload offset 0x00000000 is not a multiple of 16")]
    UnalignedTotalLen {
        /// The value found.
        total_len: u32,
    },
    /// A raw image is empty, or compression was asked in a mode the package cannot hold.
    #[error("{0}")]
    Unsupported(String),
}

/// `e` and its causes as one line, joined with ": " (a cause whose text the line already ends
/// with is not repeated): for reports that print an error as text, like `verify`'s findings.
pub fn full_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::full_text;

    #[test]
    fn a_packet_error_prints_its_cause_once_in_full_text_and_not_in_display() {
        let inner = ezip::Error::Corrupt {
            mode: ezip::Mode::Zlib,
            reason: "invalid stored block lengths".into(),
        };
        let e = ezip::Error::Packet {
            index: 3,
            offset: 0x40,
            source: Box::new(inner),
        };
        assert_eq!(
            e.to_string(),
            "payload packet 3 (packet_len field at offset 0x00000040)"
        );
        assert_eq!(
            full_text(&e),
            "payload packet 3 (packet_len field at offset 0x00000040): zlib stream corrupt: \
             invalid stored block lengths"
        );
    }
}
