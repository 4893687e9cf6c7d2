//! A `.bin` or C file back to [`Pixels`] (`image decode`): the container is read, an EZIP
//! stream goes through [`crate::decode`], pixel data is taken as it is.

use crate::cfile::{self, CFileError};
use crate::lvgl::{pixel_cf, Cf, Descriptor, LvglError, LvglVersion, Payload};
use crate::{ColorType, Pixels};

/// Why a file cannot be decoded.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// The `.bin` header is bad.
    #[error("bad LVGL .bin header")]
    Bin(#[source] LvglError),
    /// The C file is bad.
    #[error("bad C file")]
    C(#[source] CFileError),
    /// The EZIP stream is bad.
    #[error("bad EZIP stream")]
    Ezip(#[source] crate::Error),
    /// The stream's size differs from the descriptor's.
    #[error("the descriptor says {width}x{height} but the EZIP stream holds {stream_width}x{stream_height}")]
    SizeMismatch {
        /// Descriptor width.
        width: u16,
        /// Descriptor height.
        height: u16,
        /// Stream width.
        stream_width: u16,
        /// Stream height.
        stream_height: u16,
    },
    /// The pixel data does not match the header.
    #[error("{len} bytes of pixel data do not match a {width}x{height} {cf:?} image")]
    PixelSize {
        /// Bytes present.
        len: usize,
        /// Width.
        width: u16,
        /// Height.
        height: u16,
        /// The header's format.
        cf: Cf,
    },
}

/// Whether `bytes` look like a C file (text starting with `#include` or a comment) rather
/// than a `.bin`, whose first byte is a small cf value or the v9 magic.
pub fn is_c_file(bytes: &[u8]) -> bool {
    let t = bytes.trim_ascii_start();
    t.starts_with(b"#") || t.starts_with(b"/")
}

/// Decodes a `.bin` or a C file; returns the descriptor read and the pixels.
pub fn unpack(bytes: &[u8]) -> Result<(Descriptor, Pixels), UnpackError> {
    let (desc, data) = if is_c_file(bytes) {
        let text = String::from_utf8_lossy(bytes);
        let c = cfile::parse(&text).map_err(UnpackError::C)?;
        (c.desc, c.data)
    } else {
        let (d, data) = Descriptor::parse_bin(bytes).map_err(UnpackError::Bin)?;
        (d, data.to_vec())
    };
    let pixels = match desc.cf.payload() {
        Payload::Ezip => crate::decode(&data).map_err(UnpackError::Ezip)?,
        Payload::Pixel => pixels_of(&desc, data)?,
    };
    if (pixels.width, pixels.height) != (desc.width, desc.height) {
        return Err(UnpackError::SizeMismatch {
            width: desc.width,
            height: desc.height,
            stream_width: pixels.width,
            stream_height: pixels.height,
        });
    }
    Ok((desc, pixels))
}

fn pixels_of(d: &Descriptor, data: Vec<u8>) -> Result<Pixels, UnpackError> {
    let bad = || UnpackError::PixelSize {
        len: data.len(),
        width: d.width,
        height: d.height,
        cf: d.cf,
    };
    let cf = match d.version {
        LvglVersion::V8 => pixel_cf(d.cf, d.width, d.height, data.len()).ok_or_else(bad)?,
        LvglVersion::V9 => d.cf,
    };
    let (color, bpp) = match cf {
        Cf::Rgb565 => (ColorType::Rgb565, 16),
        Cf::Argb8565 => (ColorType::Argb8565, 24),
        Cf::Rgb888 => (ColorType::Rgb888, 24),
        Cf::Argb8888 => (ColorType::Argb8888, 32),
        Cf::Raw | Cf::RawAlpha => return Err(bad()),
    };
    let n = usize::from(d.width) * usize::from(d.height) * bpp / 8;
    if data.len() != n {
        return Err(bad());
    }
    Ok(Pixels {
        color,
        bits_per_pixel: bpp as u8,
        width: d.width,
        height: d.height,
        palette: Vec::new(),
        data,
    })
}
