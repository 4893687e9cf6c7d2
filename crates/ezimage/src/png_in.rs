//! PNG -> 8-bit RGBA, by the `png` crate (no hand-written PNG parsing).
//!
//! What is accepted (docs/images.md): every 8-bit-or-less colour type. Palette and low-depth
//! grey are expanded, grey becomes R = G = B, and a `tRNS` chunk counts as an alpha channel,
//! so the image "has alpha" exactly when its decoded form has an alpha channel. Interlaced
//! files are de-interlaced by the decoder (the pixels do not depend on the interlace). 16-bit
//! files are refused: the vendor's reduction to 8 bits is not known, and a guess would give
//! silently different pixels.

use png::{BitDepth, ColorType as PngColor, Decoder, Transformations};

/// A decoded PNG: 8-bit RGBA, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgba {
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Whether the PNG has an alpha channel (an alpha colour type or a `tRNS` chunk).
    pub alpha: bool,
    /// `width * height * 4` bytes R, G, B, A (A = 255 without alpha).
    pub data: Vec<u8>,
}

/// Why a PNG cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    /// The signature is missing.
    #[error("not a PNG file: the first 8 bytes are not the PNG signature 89 50 4e 47 0d 0a 1a 0a")]
    NotPng,
    /// The decoder stopped: a damaged or truncated file.
    #[error("damaged or truncated PNG")]
    Damaged {
        /// The decoder's error.
        #[source]
        source: png::DecodingError,
    },
    /// 16 bits per channel.
    #[error("16-bit PNG: the device formats hold at most 8 bits per channel; save it with 8 bits per channel first")]
    SixteenBit,
    /// Larger than the u16 width/height of an EZIP header, or than [`MAX_PIXELS`].
    #[error("{width}x{height} pixels: width and height must be 1..65535 and the image at most 16777216 pixels (4096x4096)")]
    Size {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
}

/// The most pixels read (64 MiB as RGBA): checked before the decoder's buffer is allocated,
/// so a PNG header claiming a huge image costs nothing. LVGL 8 stops at 2047x2047 anyway.
pub const MAX_PIXELS: u64 = 1 << 24;

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// Decodes `bytes` to 8-bit RGBA.
pub fn read_png(bytes: &[u8]) -> Result<Rgba, PngError> {
    if !bytes.starts_with(&SIGNATURE) {
        return Err(PngError::NotPng);
    }
    let damaged = |source| PngError::Damaged { source };
    let mut decoder = Decoder::new(bytes);
    decoder.set_transformations(Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(damaged)?;
    let info = reader.info();
    if info.bit_depth == BitDepth::Sixteen {
        return Err(PngError::SixteenBit);
    }
    let (w, h) = (info.width, info.height);
    let too_many = u64::from(w) * u64::from(h) > MAX_PIXELS;
    let (Ok(width), Ok(height), false) = (u16::try_from(w), u16::try_from(h), too_many) else {
        return Err(PngError::Size {
            width: w,
            height: h,
        });
    };
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).map_err(damaged)?;
    let (color, line) = (frame.color_type, frame.line_size);
    let channels = color.samples();
    let mut data = Vec::with_capacity(usize::from(width) * usize::from(height) * 4);
    for row in buf.chunks_exact(line).take(usize::from(height)) {
        for px in row[..usize::from(width) * channels].chunks_exact(channels) {
            data.extend_from_slice(&rgba(color, px));
        }
    }
    let alpha = matches!(color, PngColor::Rgba | PngColor::GrayscaleAlpha);
    Ok(Rgba {
        width,
        height,
        alpha,
        data,
    })
}

/// One expanded pixel as RGBA (the decoder has already expanded palettes and low depths).
fn rgba(color: PngColor, px: &[u8]) -> [u8; 4] {
    match (color, px) {
        (PngColor::Grayscale, &[g]) => [g, g, g, 255],
        (PngColor::GrayscaleAlpha, &[g, a]) => [g, g, g, a],
        (PngColor::Rgb, &[r, g, b]) => [r, g, b, 255],
        (PngColor::Rgba, &[r, g, b, a]) => [r, g, b, a],
        // EXPAND leaves no indexed output and the sample count matches the colour type.
        _ => [0, 0, 0, 255],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(rel: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/ezip-image")
            .join(rel);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn rgba_png_has_alpha_and_rgb_png_has_none() {
        let a = read_png(&testdata("png/airplane.png")).unwrap();
        assert_eq!((a.width, a.height, a.alpha), (40, 40, true));
        assert_eq!(a.data.len(), 40 * 40 * 4);
        let d = read_png(&testdata("png/down_arrow.png")).unwrap();
        assert_eq!((d.width, d.height, d.alpha), (20, 20, false));
        assert!(d.data.chunks(4).all(|p| p[3] == 255));
    }

    #[test]
    fn a_header_claiming_a_huge_image_is_refused_before_allocating() {
        let mut png = testdata("png/airplane.png");
        // IHDR width and height (offsets 16 and 20) -> 60000x60000, CRC fixed up.
        png[16..20].copy_from_slice(&60000u32.to_be_bytes());
        png[20..24].copy_from_slice(&60000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = read_png(&png).unwrap_err();
        assert!(
            matches!(
                e,
                PngError::Size {
                    width: 60000,
                    height: 60000
                }
            ),
            "{e}"
        );
    }

    /// CRC-32 (PNG's), bit by bit.
    fn crc32(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    #[test]
    fn not_a_png_and_truncated_png_are_errors() {
        assert!(matches!(read_png(b"GIF89a....."), Err(PngError::NotPng)));
        let png = testdata("png/airplane.png");
        for cut in [8, 20, 40, png.len() / 2, png.len() - 13] {
            let e = read_png(&png[..cut]).unwrap_err();
            assert!(matches!(e, PngError::Damaged { .. }), "cut {cut}: {e}");
        }
    }
}
