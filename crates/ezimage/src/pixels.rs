//! The one in-memory image every stage passes on: device pixel bytes, row by row.

/// Colour type of an EZIP image; the value is the header's colour-type nibble (shared doc §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColorType {
    /// RGB565, u16 little-endian per pixel.
    Rgb565 = 8,
    /// ARGB8565: RGB565 u16 little-endian, then A8 (3 bytes a pixel).
    Argb8565 = 12,
    /// RGB888: B, G, R.
    Rgb888 = 2,
    /// ARGB8888: B, G, R, A.
    Argb8888 = 6,
    /// Palette indices (1, 2, 4 or 8 bits, most significant bits first); BGRA entries.
    Palette = 3,
}

impl ColorType {
    /// The header nibble.
    pub fn nibble(self) -> u8 {
        self as u8
    }

    /// The colour type of a header nibble.
    pub fn from_nibble(n: u8) -> Option<Self> {
        Some(match n {
            8 => Self::Rgb565,
            12 => Self::Argb8565,
            2 => Self::Rgb888,
            6 => Self::Argb8888,
            3 => Self::Palette,
            _ => return None,
        })
    }
}

/// An image in the device's pixel layout: `height` rows of [`Pixels::stride`] bytes each
/// (packed palette rows are padded to a whole byte, as PNG scanlines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pixels {
    /// Colour type.
    pub color: ColorType,
    /// Bits per pixel: 16 (RGB565), 24 (ARGB8565, RGB888), 32 (ARGB8888), 1/2/4/8 (palette).
    pub bits_per_pixel: u8,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Palette entries as B, G, R, A (palette images only; at most 256).
    pub palette: Vec<[u8; 4]>,
    /// `height * stride()` bytes, rows top to bottom.
    pub data: Vec<u8>,
}

impl Pixels {
    /// Bytes per row: `ceil(width * bits_per_pixel / 8)`.
    pub fn stride(&self) -> usize {
        (usize::from(self.width) * usize::from(self.bits_per_pixel)).div_ceil(8)
    }

    /// The PNG filter step: bytes per complete pixel, at least 1 (packed palette rows use 1).
    pub fn filter_step(&self) -> usize {
        usize::from(self.bits_per_pixel).div_ceil(8).max(1)
    }

    /// Row `y`.
    pub fn row(&self, y: usize) -> &[u8] {
        let s = self.stride();
        &self.data[y * s..(y + 1) * s]
    }
}
