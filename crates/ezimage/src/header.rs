//! The 16-byte big-endian EZIP image header and the layout-2/4 block table head, each declared
//! once (byte order in the field types, size checked at compile time), and their meaning.

use zerocopy::big_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::{ColorType, Error};

/// The EZIP image header (shared doc `sifli-ezip-image.md` §1), as the EZIP engine and
/// `ezipa_dec.c` read it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct EzipImageHeader {
    /// Total stream length including this header and the Adler-32 trailer.
    pub total_len: U32,
    /// Low nibble: colour type; high nibble: layout (1, 2 or 4).
    pub type_layout: u8,
    /// Bits per pixel (16, 24, 8, or 1/2/4/8 for palettes).
    pub bits_per_pixel: u8,
    /// LZ77 window in units of 256 bytes (0x20 = 8 KiB, 0x08 = 2 KiB).
    pub window: u8,
    /// Always 0.
    pub reserved0: u8,
    /// Width in pixels.
    pub width: U16,
    /// Height in pixels.
    pub height: U16,
    /// Palette entry count for colour type 3 (0 means 256), else 0.
    pub palette_count: U16,
    /// Always 0.
    pub reserved1: U16,
}

/// The head of the layout-2/4 block table; one big-endian u32 offset per block follows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct EzipBlockTableHead {
    /// Rows per block (the last block may have fewer).
    pub rows_per_block: U16,
    /// Number of blocks.
    pub block_count: U16,
}

// The engine reads these at fixed offsets: a size change is a format break.
const _: () = assert!(size_of::<EzipImageHeader>() == 16);
const _: () = assert!(size_of::<EzipBlockTableHead>() == 4);

/// Stream layout: the header's high nibble (shared doc §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EzipLayout {
    /// One dynamic-Huffman DEFLATE block for the whole image.
    One,
    /// Row blocks, each a complete dynamic-Huffman block with its own table.
    Two,
    /// Row blocks sharing one detached Huffman table.
    Four,
}

impl EzipLayout {
    /// The header's high nibble.
    pub fn nibble(self) -> u8 {
        match self {
            Self::One => 1,
            Self::Two => 2,
            Self::Four => 4,
        }
    }

    /// The layout of a header nibble.
    pub fn from_nibble(n: u8) -> Option<Self> {
        Some(match n {
            1 => Self::One,
            2 => Self::Two,
            4 => Self::Four,
            _ => return None,
        })
    }
}

/// LZ77 window: header byte 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    /// 8 KiB (0x20, the tool's default).
    K8,
    /// 2 KiB (0x08, `-winsize 2048`, needed on SF32LB57).
    K2,
}

impl Window {
    /// The header byte.
    pub fn byte(self) -> u8 {
        match self {
            Self::K8 => 0x20,
            Self::K2 => 0x08,
        }
    }

    /// The window in bytes.
    pub fn bytes(self) -> usize {
        usize::from(self.byte()) * 256
    }

    /// The window of a header byte.
    pub fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0x20 => Self::K8,
            0x08 => Self::K2,
            _ => return None,
        })
    }
}

/// What a header says, checked: the plan of a stream before any byte is written or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderInfo {
    /// Total stream length.
    pub total_len: usize,
    /// Colour type.
    pub color: ColorType,
    /// Bits per pixel of the pixel data (24 and 32 for the 888 types, whose header byte is 8).
    pub bits_per_pixel: u8,
    /// Layout.
    pub layout: EzipLayout,
    /// LZ77 window.
    pub window: Window,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Palette entries (1..=256 for palettes, else 0).
    pub palette_len: usize,
}

impl HeaderInfo {
    /// Bytes per row without the filter byte.
    pub fn stride(&self) -> usize {
        (usize::from(self.width) * usize::from(self.bits_per_pixel)).div_ceil(8)
    }

    /// The raw header.
    pub fn to_raw(&self) -> EzipImageHeader {
        // Checked by the encoder: streams over 4 GiB cannot be described by the header.
        let total = u32::try_from(self.total_len).unwrap_or(u32::MAX);
        EzipImageHeader {
            total_len: U32::new(total),
            type_layout: (self.layout.nibble() << 4) | self.color.nibble(),
            bits_per_pixel: header_bpp_byte(self.color, self.bits_per_pixel),
            window: self.window.byte(),
            reserved0: 0,
            width: U16::new(self.width),
            height: U16::new(self.height),
            palette_count: U16::new(match self.palette_len {
                256 => 0,
                n => n as u16,
            }),
            reserved1: U16::new(0),
        }
    }

    /// Reads and checks the header at the start of `stream`.
    pub fn parse(stream: &[u8]) -> Result<Self, Error> {
        let (raw, _) = EzipImageHeader::read_from_prefix(stream).map_err(|_| Error::Truncated {
            field: "header",
            offset: 0,
            needed: size_of::<EzipImageHeader>(),
            available: stream.len(),
        })?;
        let bad = |field, offset, value: u64, expected| Error::BadField {
            field,
            offset,
            value,
            expected,
        };
        let color = ColorType::from_nibble(raw.type_layout & 0x0f).ok_or(bad(
            "colour type",
            4,
            u64::from(raw.type_layout & 0x0f),
            "2, 3, 6, 8 or 12",
        ))?;
        let layout = EzipLayout::from_nibble(raw.type_layout >> 4).ok_or(bad(
            "layout",
            4,
            u64::from(raw.type_layout >> 4),
            "1, 2 or 4",
        ))?;
        let bpp = pixel_bpp(color, raw.bits_per_pixel).ok_or(bad(
            "bits per pixel",
            5,
            raw.bits_per_pixel.into(),
            bpp_rule(color),
        ))?;
        let window = Window::from_byte(raw.window).ok_or(bad(
            "window",
            6,
            raw.window.into(),
            "0x20 or 0x08",
        ))?;
        if raw.reserved0 != 0 {
            return Err(bad("reserved byte", 7, raw.reserved0.into(), "0"));
        }
        let (width, height) = (raw.width.get(), raw.height.get());
        if width == 0 {
            return Err(bad("width", 8, 0, "1 or more"));
        }
        if height == 0 {
            return Err(bad("height", 10, 0, "1 or more"));
        }
        let count = raw.palette_count.get();
        let palette_len = match (color, count) {
            (ColorType::Palette, 0) => 256,
            (ColorType::Palette, n) if n <= 256 => usize::from(n),
            (ColorType::Palette, n) => return Err(bad("palette count", 12, n.into(), "0..=256")),
            (_, 0) => 0,
            (_, n) => return Err(bad("palette count", 12, n.into(), "0 without a palette")),
        };
        if raw.reserved1.get() != 0 {
            return Err(bad("reserved field", 14, raw.reserved1.get().into(), "0"));
        }
        Ok(Self {
            total_len: raw.total_len.get() as usize,
            color,
            bits_per_pixel: bpp,
            layout,
            window,
            width,
            height,
            palette_len,
        })
    }
}

/// The bits per pixel of the pixel data for a header's colour type and byte 5.
pub(crate) fn pixel_bpp(color: ColorType, byte: u8) -> Option<u8> {
    match (color, byte) {
        (ColorType::Rgb565, 16) => Some(16),
        (ColorType::Argb8565, 24) => Some(24),
        // The tool writes 8 (bits per channel) for both 888 types (shared doc §1).
        (ColorType::Rgb888, 8) => Some(24),
        (ColorType::Argb8888, 8) => Some(32),
        (ColorType::Palette, 1 | 2 | 4 | 8) => Some(byte),
        _ => None,
    }
}

/// Header byte 5 for pixel data of `bpp` bits per pixel (the inverse of [`pixel_bpp`]).
pub(crate) fn header_bpp_byte(color: ColorType, bpp: u8) -> u8 {
    match color {
        ColorType::Rgb888 | ColorType::Argb8888 => 8,
        _ => bpp,
    }
}

/// Header byte 5 values allowed for a colour type, for messages.
pub(crate) fn bpp_rule(color: ColorType) -> &'static str {
    match color {
        ColorType::Rgb565 => "16 for RGB565",
        ColorType::Argb8565 => "24 for ARGB8565",
        ColorType::Rgb888 | ColorType::Argb8888 => "8 for the 888 types",
        ColorType::Palette => "1, 2, 4 or 8 for palettes",
    }
}
