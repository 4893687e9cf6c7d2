//! LSB-first bit writer (RFC 1951 §3.1.1).

/// Appends bits to a byte vector, least significant bit first.
#[derive(Debug, Default)]
pub(crate) struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    nbits: u32,
}

impl BitWriter {
    /// Writes the low `n` bits of `value` (`n <= 32`).
    pub(crate) fn put(&mut self, value: u32, n: u32) {
        debug_assert!(n <= 32 && (n == 32 || value >> n == 0));
        self.acc |= u64::from(value) << self.nbits;
        self.nbits += n;
        while self.nbits >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.nbits -= 8;
        }
    }

    /// Pads with zero bits to a byte boundary.
    pub(crate) fn align_byte(&mut self) {
        if self.nbits > 0 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.nbits = 0;
        }
    }

    /// Pads with zero bits and bytes to a multiple of 4 bytes (the engine's block alignment).
    pub(crate) fn align_word(&mut self) {
        self.align_byte();
        while self.out.len() % 4 != 0 {
            self.out.push(0);
        }
    }

    /// Bits written so far.
    pub(crate) fn bit_len(&self) -> usize {
        self.out.len() * 8 + self.nbits as usize
    }

    /// The bytes, padded to a byte boundary.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.align_byte();
        self.out
    }
}
