//! LVGL image headers and descriptors: the v8 4-byte `lv_img_header_t` and the v9 12-byte
//! `lv_image_header_t`, each declared once, and the [`Descriptor`] plan both the `.bin` and
//! the C writer serialise.

use crate::ColorType;
use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// LVGL v8 `lv_img_header_t`: one little-endian u32 of bit fields, cf 4:0, always_zero 7:5,
/// reserved 9:8, w 20:10, h 31:21 (`lv_img_buf.h`; `ezip_tool_usage.md:7-23`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct LvImgHeader {
    /// The bit fields.
    pub bits: U32,
}

/// LVGL v9 `lv_image_header_t` (`lv_image_dsc.h`), little-endian.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct LvImageHeader {
    /// `LV_IMAGE_HEADER_MAGIC`, 0x19.
    pub magic: u8,
    /// `lv_color_format_t`.
    pub cf: u8,
    /// `lv_image_flags_t`; the SDK marks EZIP with `LV_IMAGE_FLAGS_USER1`.
    pub flags: U16,
    /// Width.
    pub w: U16,
    /// Height.
    pub h: U16,
    /// Bytes per row (0: computed by LVGL).
    pub stride: U16,
    /// Reserved, 0.
    pub reserved_2: U16,
}

const _: () = assert!(size_of::<LvImgHeader>() == 4);
const _: () = assert!(size_of::<LvImageHeader>() == 12);

/// `LV_IMAGE_HEADER_MAGIC` of LVGL v9.
pub const V9_MAGIC: u8 = 0x19;
/// `LV_IMAGE_FLAGS_USER1`: the SDK's "this is an EZIP stream" flag (`lv_conf_sifli.h`).
pub const FLAG_EZIP: u16 = 0x0100;
/// The largest width or height of a v8 header (11-bit fields).
pub const V8_MAX_SIDE: u16 = 2047;

/// The LVGL major version the output is for (`--lvgl`, the vendor's `-lvgl_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LvglVersion {
    /// LVGL 8: `lv_img_header_t` / `lv_img_dsc_t`.
    V8,
    /// LVGL 9: `lv_image_header_t` / `lv_image_dsc_t`.
    V9,
}

/// What the data is: an EZIP stream or plain pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payload {
    /// Uncompressed device pixels.
    Pixel,
    /// An EZIP stream.
    Ezip,
}

/// The colour format of a descriptor, independent of the LVGL version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cf {
    /// EZIP without alpha (`LV_IMG_CF_RAW`, `LV_COLOR_FORMAT_RAW`).
    Raw,
    /// EZIP with alpha (`..._RAW_ALPHA`).
    RawAlpha,
    /// RGB565 pixels (v8 `TRUE_COLOR`).
    Rgb565,
    /// ARGB8565 pixels (v8 `TRUE_COLOR_ALPHA`).
    Argb8565,
    /// RGB888 pixels (v8 `TRUE_COLOR`).
    Rgb888,
    /// ARGB8888 pixels (v8 `TRUE_COLOR_ALPHA`).
    Argb8888,
}

impl Cf {
    /// The value in a header of `version`.
    pub fn value(self, version: LvglVersion) -> u8 {
        use LvglVersion::*;
        match (self, version) {
            (Cf::Raw, _) => 1,
            (Cf::RawAlpha, _) => 2,
            (Cf::Rgb565 | Cf::Rgb888, V8) => 4,
            (Cf::Argb8565 | Cf::Argb8888, V8) => 5,
            (Cf::Rgb565, V9) => 0x12,
            (Cf::Argb8565, V9) => 0x13,
            (Cf::Rgb888, V9) => 0x0f,
            (Cf::Argb8888, V9) => 0x10,
        }
    }

    /// The C name in a descriptor of `version`.
    pub fn c_name(self, version: LvglVersion) -> &'static str {
        use LvglVersion::*;
        match (self, version) {
            (Cf::Raw, V8) => "LV_IMG_CF_RAW",
            (Cf::RawAlpha, V8) => "LV_IMG_CF_RAW_ALPHA",
            (Cf::Rgb565 | Cf::Rgb888, V8) => "LV_IMG_CF_TRUE_COLOR",
            (Cf::Argb8565 | Cf::Argb8888, V8) => "LV_IMG_CF_TRUE_COLOR_ALPHA",
            (Cf::Raw, V9) => "LV_COLOR_FORMAT_RAW",
            (Cf::RawAlpha, V9) => "LV_COLOR_FORMAT_RAW_ALPHA",
            (Cf::Rgb565, V9) => "LV_COLOR_FORMAT_RGB565",
            (Cf::Argb8565, V9) => "LV_COLOR_FORMAT_ARGB8565",
            (Cf::Rgb888, V9) => "LV_COLOR_FORMAT_RGB888",
            (Cf::Argb8888, V9) => "LV_COLOR_FORMAT_ARGB8888",
        }
    }

    /// Every format: for reading a name or value back.
    pub const ALL: [Cf; 6] = [
        Cf::Raw,
        Cf::RawAlpha,
        Cf::Rgb565,
        Cf::Argb8565,
        Cf::Rgb888,
        Cf::Argb8888,
    ];

    /// Whether the data is an EZIP stream.
    pub fn payload(self) -> Payload {
        match self {
            Cf::Raw | Cf::RawAlpha => Payload::Ezip,
            _ => Payload::Pixel,
        }
    }
}

/// One image's LVGL description: what the `.bin` header and the C descriptor say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Descriptor {
    /// LVGL version.
    pub version: LvglVersion,
    /// Colour format.
    pub cf: Cf,
    /// v9 flags: [`FLAG_EZIP`] for EZIP, else 0.
    pub flags: u16,
    /// Width.
    pub width: u16,
    /// Height.
    pub height: u16,
    /// Bytes per pixel row for a v9 pixel `.bin` (the C descriptor writes 0), else 0.
    pub stride: u16,
    /// Bytes of data after the header.
    pub data_size: u32,
    /// The colour type of the pixels (inside the stream for EZIP); `None` when read back
    /// from a header, which does not always say it.
    pub color: Option<ColorType>,
}

/// Why a header cannot be written or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LvglError {
    /// Too large for the 11-bit fields of the v8 header.
    #[error("{width}x{height} pixels do not fit the LVGL 8 header (at most {V8_MAX_SIDE}x{V8_MAX_SIDE}); use --lvgl 9")]
    TooLargeForV8 {
        /// Width.
        width: u16,
        /// Height.
        height: u16,
    },
    /// The file is shorter than its header.
    #[error("{len} bytes: shorter than the {need}-byte LVGL header")]
    Short {
        /// File length.
        len: usize,
        /// Header length.
        need: usize,
    },
    /// The cf byte ezip 2.4.0 writes in LVGL 9 pixel files (`--compat 2.4.0`): it does not
    /// say the format.
    #[error("colour format 0x19 at offset 1: ezip 2.4.0's LVGL 9 pixel .bin bug (the magic written again), which does not say the pixel format; convert the PNG again without --compat")]
    V9CfQuirk,
    /// A colour format this tool does not write.
    #[error(
        "colour format {cf:#04x} at offset {offset} is not one of the formats the EZIP tool writes"
    )]
    UnknownCf {
        /// The value.
        cf: u8,
        /// Its offset in the file.
        offset: usize,
    },
}

impl Descriptor {
    /// The `.bin` header (4 bytes for v8, 12 for v9); `cf_byte` replaces the cf value (a
    /// vendor bug reproduced by `compat::Quirks::bin_cf`).
    pub fn bin_header(&self, cf_byte: Option<u8>) -> Result<Vec<u8>, LvglError> {
        let cf = cf_byte.unwrap_or(self.cf.value(self.version));
        match self.version {
            LvglVersion::V8 => {
                if self.width > V8_MAX_SIDE || self.height > V8_MAX_SIDE {
                    return Err(LvglError::TooLargeForV8 {
                        width: self.width,
                        height: self.height,
                    });
                }
                let bits =
                    u32::from(cf) | u32::from(self.width) << 10 | u32::from(self.height) << 21;
                Ok(LvImgHeader { bits: bits.into() }.as_bytes().to_vec())
            }
            LvglVersion::V9 => Ok(LvImageHeader {
                magic: V9_MAGIC,
                cf,
                flags: self.flags.into(),
                w: self.width.into(),
                h: self.height.into(),
                stride: self.stride.into(),
                reserved_2: 0.into(),
            }
            .as_bytes()
            .to_vec()),
        }
    }

    /// Reads a `.bin` file's header: v9 when it starts with the magic 0x19 (a v8 header
    /// never does: its cf is at most 31 and 0x19 is not one the tool writes), else v8.
    /// Returns the descriptor (`data_size` = the rest of the file) and the data.
    pub fn parse_bin(bytes: &[u8]) -> Result<(Descriptor, &[u8]), LvglError> {
        let short = |need| LvglError::Short {
            len: bytes.len(),
            need,
        };
        if bytes.first() == Some(&V9_MAGIC) {
            let (h, data) = LvImageHeader::read_from_prefix(bytes).map_err(|_| short(12))?;
            if h.cf == V9_MAGIC {
                return Err(LvglError::V9CfQuirk);
            }
            let cf = cf_of(h.cf, LvglVersion::V9, 1)?;
            let d = Descriptor {
                version: LvglVersion::V9,
                cf,
                flags: h.flags.get(),
                width: h.w.get(),
                height: h.h.get(),
                stride: h.stride.get(),
                data_size: data.len() as u32,
                color: None,
            };
            return Ok((d, data));
        }
        let (h, data) = LvImgHeader::read_from_prefix(bytes).map_err(|_| short(4))?;
        let bits = h.bits.get();
        let cf = cf_of((bits & 0x1f) as u8, LvglVersion::V8, 0)?;
        let d = Descriptor {
            version: LvglVersion::V8,
            cf,
            flags: 0,
            width: ((bits >> 10) & 0x7ff) as u16,
            height: (bits >> 21) as u16,
            stride: 0,
            data_size: data.len() as u32,
            color: None,
        };
        Ok((d, data))
    }
}

/// The format a header value names. A v8 true-colour value does not say 565 or 888: it is
/// read as 565 here and [`pixel_cf`] settles it from the data size.
fn cf_of(v: u8, version: LvglVersion, offset: usize) -> Result<Cf, LvglError> {
    Cf::ALL
        .into_iter()
        .find(|cf| cf.value(version) == v)
        .ok_or(LvglError::UnknownCf { cf: v, offset })
}

/// The pixel format of `data_size` bytes for `w`x`h` pixels of a v8 true-colour `cf`:
/// 2 bytes a pixel is RGB565, 3 is ARGB8565 or RGB888 (by alpha), 4 is ARGB8888.
pub fn pixel_cf(cf: Cf, width: u16, height: u16, data_size: usize) -> Option<Cf> {
    let n = usize::from(width) * usize::from(height);
    let alpha = matches!(cf, Cf::Argb8565 | Cf::Argb8888);
    if n == 0 || data_size % n != 0 {
        return None;
    }
    match (data_size / n, alpha) {
        (2, false) => Some(Cf::Rgb565),
        (3, false) => Some(Cf::Rgb888),
        (3, true) => Some(Cf::Argb8565),
        (4, true) => Some(Cf::Argb8888),
        _ => None,
    }
}
