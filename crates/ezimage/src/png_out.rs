//! Device pixels -> PNG (`image decode`), by the `png` crate.

use crate::convert::to_rgba;
use crate::Pixels;

/// Why a PNG cannot be written (only an encoder failure: the input is always well formed).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode the PNG")]
pub struct PngWriteError {
    #[source]
    source: png::EncodingError,
}

/// The PNG of `p`: 8-bit RGBA when it has alpha, else 8-bit RGB; RGB565 is widened by bit
/// replication. Deterministic (no time chunk).
pub fn write_png(p: &Pixels) -> Result<Vec<u8>, PngWriteError> {
    let img = to_rgba(p);
    let (color, data) = if img.alpha {
        (png::ColorType::Rgba, img.data)
    } else {
        let rgb = img
            .data
            .chunks_exact(4)
            .flat_map(|px| [px[0], px[1], px[2]]);
        (png::ColorType::Rgb, rgb.collect())
    };
    let mut out = Vec::new();
    let wrap = |source| PngWriteError { source };
    let mut enc = png::Encoder::new(&mut out, u32::from(p.width), u32::from(p.height));
    enc.set_color(color);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(wrap)?;
    w.write_image_data(&data).map_err(wrap)?;
    w.finish().map_err(wrap)?;
    Ok(out)
}
