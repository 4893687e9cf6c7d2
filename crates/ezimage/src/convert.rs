//! 8-bit RGBA -> device pixels ([`Pixels`]) and back.
//!
//! RGB565 follows the vendor tool bit for bit: an 8x8 ordered dither added before truncation
//! (shared doc §3, found from its outputs), or plain truncation with `dither = false`. RGB888
//! is exact. Alpha is kept as it is, and present exactly when the PNG has an alpha channel.

use crate::png_in::Rgba;
use crate::{ColorType, Pixels};
use std::collections::HashMap;

/// The colour depth asked for (`--color`, the vendor's `-rgb565` / `-rgb888`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Depth {
    /// RGB565, ARGB8565 with alpha.
    Rgb565,
    /// RGB888, ARGB8888 with alpha.
    Rgb888,
}

/// Which palette index sizes the chip takes (the vendor's `-pal_support`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteIndices {
    /// 1, 2, 4 or 8 bits, the smallest that holds the colours (SF32LB52x, `-pal_support 1`).
    Packed,
    /// Always 8 bits (SF32LB56x/58x, `-pal_support`).
    Byte,
}

/// How to convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvertOptions {
    /// Colour depth.
    pub depth: Depth,
    /// Ordered dither for RGB565 (the vendor's default); `false` truncates.
    pub dither: bool,
    /// A palette image instead of true colour (at most 256 colours).
    pub palette: Option<PaletteIndices>,
}

/// Why an image cannot be converted.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// More colours than a palette holds.
    #[error("the image has more than 256 colours ({seen} found by pixel {x},{y}); a palette holds at most 256")]
    TooManyColours {
        /// Colours found so far.
        seen: usize,
        /// Column of the first pixel over the limit.
        x: usize,
        /// Row of the first pixel over the limit.
        y: usize,
    },
}

/// Vendor's ordered-dither offsets, one digit per column (shared doc §3).
const DITHER_R: [&[u8; 8]; 8] = [
    b"17350826",
    b"71538062",
    b"35082617",
    b"53806271",
    b"08261735",
    b"80627153",
    b"26173508",
    b"62715380",
];
const DITHER_G: [&[u8; 8]; 4] = [b"13223122", b"22042240", b"31221322", b"22402204"];
const DITHER_B: [&[u8; 8]; 8] = [
    b"53806271",
    b"35082617",
    b"80627153",
    b"08261735",
    b"62715380",
    b"26173508",
    b"71538062",
    b"17350826",
];

/// RGB565 of one pixel at (x, y).
pub fn rgb565(r: u8, g: u8, b: u8, x: usize, y: usize, dither: bool) -> u16 {
    let off = |t: &[u8; 8]| {
        if dither {
            u16::from(t[x % 8] - b'0')
        } else {
            0
        }
    };
    let r5 = ((u16::from(r) + off(DITHER_R[y % 8])) >> 3).min(31);
    let g6 = ((u16::from(g) + off(DITHER_G[y % 4])) >> 2).min(63);
    let b5 = ((u16::from(b) + off(DITHER_B[y % 8])) >> 3).min(31);
    (r5 << 11) | (g6 << 5) | b5
}

/// Converts a decoded PNG to device pixels.
pub fn to_pixels(img: &Rgba, o: &ConvertOptions) -> Result<Pixels, ConvertError> {
    if let Some(indices) = o.palette {
        return to_palette(img, indices);
    }
    let (color, bpp) = match (o.depth, img.alpha) {
        (Depth::Rgb565, false) => (ColorType::Rgb565, 16),
        (Depth::Rgb565, true) => (ColorType::Argb8565, 24),
        (Depth::Rgb888, false) => (ColorType::Rgb888, 24),
        (Depth::Rgb888, true) => (ColorType::Argb8888, 32),
    };
    let w = usize::from(img.width);
    let mut data = Vec::with_capacity(img.data.len());
    for (i, px) in img.data.chunks_exact(4).enumerate() {
        let [r, g, b, a] = [px[0], px[1], px[2], px[3]];
        match o.depth {
            Depth::Rgb565 => {
                let v = rgb565(r, g, b, i % w, i / w, o.dither);
                data.extend_from_slice(&v.to_le_bytes());
            }
            Depth::Rgb888 => data.extend_from_slice(&[b, g, r]),
        }
        if img.alpha {
            data.push(a);
        }
    }
    Ok(Pixels {
        color,
        bits_per_pixel: bpp,
        width: img.width,
        height: img.height,
        palette: Vec::new(),
        data,
    })
}

/// A palette image: colours in order of first appearance, BGRA entries, indices packed most
/// significant bits first with each row padded to a byte (as PNG).
fn to_palette(img: &Rgba, indices: PaletteIndices) -> Result<Pixels, ConvertError> {
    let w = usize::from(img.width);
    let mut index: HashMap<[u8; 4], u8> = HashMap::new();
    let mut palette = Vec::new();
    let mut idx = Vec::with_capacity(img.data.len() / 4);
    for (i, px) in img.data.chunks_exact(4).enumerate() {
        let key = [px[0], px[1], px[2], px[3]];
        let n = index.len();
        let k = match index.get(&key) {
            Some(&k) => k,
            None if n == 256 => {
                return Err(ConvertError::TooManyColours {
                    seen: 257,
                    x: i % w,
                    y: i / w,
                })
            }
            None => {
                index.insert(key, n as u8);
                palette.push([key[2], key[1], key[0], key[3]]);
                n as u8
            }
        };
        idx.push(k);
    }
    let bits = match indices {
        PaletteIndices::Byte => 8,
        PaletteIndices::Packed => [1u8, 2, 4, 8]
            .into_iter()
            .find(|&b| palette.len() <= 1 << b)
            .unwrap_or(8),
    };
    let mut p = Pixels {
        color: ColorType::Palette,
        bits_per_pixel: bits,
        width: img.width,
        height: img.height,
        palette,
        data: Vec::new(),
    };
    let stride = p.stride();
    p.data = vec![0; stride * usize::from(img.height)];
    for (i, &k) in idx.iter().enumerate() {
        let (x, y) = (i % w, i / w);
        let bit = x * usize::from(bits);
        let shift = 8 - usize::from(bits) - bit % 8;
        p.data[y * stride + bit / 8] |= k << shift;
    }
    Ok(p)
}

/// Device pixels back to 8-bit RGBA (RGB565 widened by bit replication, as a PNG viewer
/// would) and whether the image has alpha.
pub fn to_rgba(p: &Pixels) -> Rgba {
    let (w, h) = (usize::from(p.width), usize::from(p.height));
    let mut data = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        let row = p.row(y);
        for x in 0..w {
            data.extend_from_slice(&pixel_rgba(p, row, x));
        }
    }
    let alpha = match p.color {
        ColorType::Argb8565 | ColorType::Argb8888 => true,
        ColorType::Palette => p.palette.iter().any(|e| e[3] != 255),
        ColorType::Rgb565 | ColorType::Rgb888 => false,
    };
    Rgba {
        width: p.width,
        height: p.height,
        alpha,
        data,
    }
}

fn pixel_rgba(p: &Pixels, row: &[u8], x: usize) -> [u8; 4] {
    let widen = |v: u16, bits: u32| {
        let v = v as u8;
        (v << (8 - bits)) | (v >> (2 * bits - 8))
    };
    let from565 = |lo: u8, hi: u8, a: u8| {
        let v = u16::from_le_bytes([lo, hi]);
        [
            widen(v >> 11, 5),
            widen((v >> 5) & 63, 6),
            widen(v & 31, 5),
            a,
        ]
    };
    match p.color {
        ColorType::Rgb565 => from565(row[2 * x], row[2 * x + 1], 255),
        ColorType::Argb8565 => from565(row[3 * x], row[3 * x + 1], row[3 * x + 2]),
        ColorType::Rgb888 => [row[3 * x + 2], row[3 * x + 1], row[3 * x], 255],
        ColorType::Argb8888 => [row[4 * x + 2], row[4 * x + 1], row[4 * x], row[4 * x + 3]],
        ColorType::Palette => {
            let bits = usize::from(p.bits_per_pixel);
            let bit = x * bits;
            let k = (row[bit / 8] >> (8 - bits - bit % 8)) & ((1u16 << bits) - 1) as u8;
            let e = p.palette.get(usize::from(k)).copied().unwrap_or([0; 4]);
            [e[2], e[1], e[0], e[3]]
        }
    }
}
