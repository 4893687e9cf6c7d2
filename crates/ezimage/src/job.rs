//! One PNG through the whole pipeline: PNG -> [`Pixels`] -> pixel bytes or EZIP stream ->
//! [`Converted`] (descriptor + data, the plan) -> `.bin` or C text. The CLI's `image
//! convert`, its folder mode and the vendor drop-in all call [`convert_png`].

use crate::cfile::{self, CNames};
use crate::compat::{Quirks, DEFAULT_ROWS};
use crate::convert::{to_pixels, ConvertError, ConvertOptions, Depth};
use crate::lvgl::{Cf, Descriptor, LvglError, LvglVersion, FLAG_EZIP, V8_MAX_SIDE};
use crate::png_in::{read_png, PngError};
use crate::{ColorType, EzipLayout, EzipOptions, Pixels, Window};

/// Pixels or an EZIP stream (`--format`, the vendor's `-binfile/-cfile 1|2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Uncompressed pixels.
    Pixel,
    /// An EZIP stream.
    Ezip,
}

/// The EZIP stream's shape; `rows: None` takes the default of the compat version or 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EzipShape {
    /// Layout 1, 2 or 4.
    pub layout: EzipLayout,
    /// Rows per block of layouts 2 and 4.
    pub rows: Option<u16>,
    /// LZ77 window.
    pub window: Window,
}

/// Everything that decides the bytes of one conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// Pixels or EZIP.
    pub format: Format,
    /// Colour conversion.
    pub convert: ConvertOptions,
    /// EZIP stream shape (ignored for pixels).
    pub ezip: EzipShape,
    /// LVGL version of the header or descriptor.
    pub lvgl: LvglVersion,
    /// Vendor bugs to reproduce.
    pub quirks: Quirks,
}

/// Why a conversion failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The PNG cannot be read.
    #[error(transparent)]
    Png(#[from] PngError),
    /// The pixels cannot be converted.
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// The header cannot hold the image.
    #[error(transparent)]
    Lvgl(#[from] LvglError),
    /// The EZIP encoder refused the image.
    #[error("EZIP encoding failed")]
    Ezip(#[source] crate::Error),
    /// A palette was asked for pixel output.
    #[error("a palette applies to EZIP output only (the pixel formats are true colour)")]
    PaletteNeedsEzip,
    /// A v9 pixel row longer than the u16 stride field.
    #[error(
        "a row of {width} pixels is {stride} bytes: more than the 65535 of the LVGL 9 stride field"
    )]
    Stride {
        /// Width.
        width: u16,
        /// Bytes per row.
        stride: usize,
    },
}

/// One converted image: what its header or descriptor says and the data after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// The descriptor both containers serialise.
    pub desc: Descriptor,
    /// Pixel bytes or the EZIP stream.
    pub data: Vec<u8>,
    /// The depth asked for (names the C macros).
    pub depth: Depth,
    /// Whether the PNG has alpha (names the C macros).
    pub alpha: bool,
}

impl Converted {
    /// The `.bin` file: LVGL header then data.
    pub fn to_bin(&self, q: &Quirks) -> Result<Vec<u8>, LvglError> {
        let mut out = self.desc.bin_header(q.bin_cf(&self.desc))?;
        out.extend_from_slice(&self.data);
        Ok(out)
    }

    /// The C file.
    pub fn to_c(&self, names: &CNames) -> String {
        let mut d = self.desc;
        // The C descriptor leaves the stride to LVGL (0), as the vendor's.
        d.stride = 0;
        cfile::write(names, &d, self.depth, self.alpha, &self.data)
    }
}

/// Converts one PNG file's bytes.
pub fn convert_png(png: &[u8], job: &Job) -> Result<Converted, JobError> {
    let img = read_png(png)?;
    if job.lvgl == LvglVersion::V8 && (img.width > V8_MAX_SIDE || img.height > V8_MAX_SIDE) {
        return Err(LvglError::TooLargeForV8 {
            width: img.width,
            height: img.height,
        }
        .into());
    }
    let pixels = to_pixels(&img, &job.convert)?;
    let (desc, data) = match job.format {
        Format::Pixel => pixel_plan(&pixels, job)?,
        Format::Ezip => ezip_plan(&pixels, job)?,
    };
    Ok(Converted {
        desc,
        data,
        depth: job.convert.depth,
        alpha: img.alpha,
    })
}

fn pixel_plan(p: &Pixels, job: &Job) -> Result<(Descriptor, Vec<u8>), JobError> {
    let cf = match p.color {
        ColorType::Rgb565 => Cf::Rgb565,
        ColorType::Argb8565 => Cf::Argb8565,
        ColorType::Rgb888 => Cf::Rgb888,
        ColorType::Argb8888 => Cf::Argb8888,
        ColorType::Palette => return Err(JobError::PaletteNeedsEzip),
    };
    let stride = match job.lvgl {
        LvglVersion::V8 => 0,
        LvglVersion::V9 => u16::try_from(p.stride()).map_err(|_| JobError::Stride {
            width: p.width,
            stride: p.stride(),
        })?,
    };
    let desc = Descriptor {
        version: job.lvgl,
        cf,
        flags: 0,
        width: p.width,
        height: p.height,
        stride,
        data_size: p.data.len() as u32,
        color: Some(p.color),
    };
    Ok((desc, p.data.clone()))
}

fn ezip_plan(p: &Pixels, job: &Job) -> Result<(Descriptor, Vec<u8>), JobError> {
    let rows = job.ezip.rows.unwrap_or_else(|| match job.quirks.compat {
        Some(c) => c.default_rows(p.height),
        None => DEFAULT_ROWS,
    });
    let opts = EzipOptions {
        layout: job.ezip.layout,
        rows_per_block: rows,
        window: job.ezip.window,
    };
    let stream = crate::encode(p, &opts).map_err(JobError::Ezip)?;
    let alpha = match p.color {
        ColorType::Argb8565 | ColorType::Argb8888 => true,
        ColorType::Palette => {
            !job.quirks.palette_always_raw() && p.palette.iter().any(|e| e[3] != 255)
        }
        ColorType::Rgb565 | ColorType::Rgb888 => false,
    };
    let desc = Descriptor {
        version: job.lvgl,
        cf: if alpha { Cf::RawAlpha } else { Cf::Raw },
        flags: match job.lvgl {
            LvglVersion::V8 => 0,
            LvglVersion::V9 => FLAG_EZIP,
        },
        width: p.width,
        height: p.height,
        stride: 0,
        data_size: stream.len() as u32,
        color: Some(p.color),
    };
    Ok((desc, stream))
}
