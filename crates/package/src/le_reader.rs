//! The bounds-checked little-endian reader the manifest and trailer decoders share: one copy
//! of the "field runs past the end" check both binary formats need. Each decoder adds its own
//! field kinds in an `impl LeReader` of its module and turns [`Short`] into its own error.

/// A field that runs past the end of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short {
    /// Field name.
    pub field: &'static str,
    /// Where the field starts (base + position).
    pub offset: usize,
    /// Bytes the field needs.
    pub needed: usize,
    /// Bytes left from `offset` on.
    pub available: usize,
}

/// A cursor over `bytes`, reporting offsets as `base` + position (so a trailer's errors name
/// file offsets while a manifest's name offsets in its own encoding).
pub(crate) struct LeReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> LeReader<'a> {
    /// A reader at the start of `bytes`, which begin at offset `base`.
    pub fn new(bytes: &'a [u8], base: usize) -> Self {
        LeReader {
            bytes,
            pos: 0,
            base,
        }
    }

    /// Bytes read so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Offset of the next byte, as errors report it.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `needed` bytes, or [`Short`] naming `field`.
    pub fn take(&mut self, field: &'static str, needed: usize) -> Result<&'a [u8], Short> {
        let available = self.remaining();
        if needed > available {
            return Err(Short {
                field,
                offset: self.offset(),
                needed,
                available,
            });
        }
        let s = &self.bytes[self.pos..self.pos + needed];
        self.pos += needed;
        Ok(s)
    }

    /// One byte.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, Short> {
        Ok(self.take(field, 1)?[0])
    }

    /// A little-endian u16.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, Short> {
        let b = self.take(field, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// A little-endian u32.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, Short> {
        let b = self.take(field, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_reports_short_fields_at_base_offsets() {
        let mut r = LeReader::new(&[1, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 9], 0x100);
        assert_eq!(r.u8("a"), Ok(1));
        assert_eq!(r.u16("b"), Ok(0x1234));
        assert_eq!(r.u32("c"), Ok(0x1234_5678));
        assert_eq!((r.pos(), r.offset(), r.remaining()), (7, 0x107, 1));
        let short = Short {
            field: "d",
            offset: 0x107,
            needed: 2,
            available: 1,
        };
        assert_eq!(r.u16("d"), Err(short));
        // A failed read consumes nothing.
        assert_eq!(r.u8("e"), Ok(9));
        assert_eq!(r.take("f", 0), Ok(&[][..]));
    }
}
