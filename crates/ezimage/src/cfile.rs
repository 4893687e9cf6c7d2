//! C files in the vendor tool's form: the data array and its LVGL descriptor (v8
//! `lv_img_dsc_t`, v9 `lv_image_dsc_t`), in linker sections `.<S>_EZIP.<name>` /
//! `.<S>_PIXEL.<name>` and `..._HEADER.<name>` (`-section ROM3_IMG` gives `.ROM3_IMG_EZIP..`). The text, spaces included, is the
//! vendor's (vectors in `testdata/ezip-image/`); only the data and `data_size` vary.

use crate::convert::Depth;
use crate::lvgl::{Cf, Descriptor, LvglVersion, Payload, FLAG_EZIP};
use std::fmt::Write as _;

/// Bytes per line of the data array.
const PER_LINE: usize = 32;

/// Names and sections of one C file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CNames {
    /// The descriptor's name (the data array is `<symbol>_map`): the prefix and the PNG's stem.
    pub symbol: String,
    /// The section base name (`ROM3_IMG`), or `None` for no `SECTION(..)` (`-simu`).
    pub section: Option<String>,
}

/// Why a name cannot be a C symbol.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CNameError {
    /// Not a C identifier.
    #[error("{name:?} is not a C identifier (letters, digits and _, not starting with a digit); rename the PNG or use --prefix")]
    NotIdentifier {
        /// The name.
        name: String,
    },
}

impl CNames {
    /// `prefix + stem` as the symbol, checked to be a C identifier.
    pub fn new(prefix: &str, stem: &str, section: Option<&str>) -> Result<Self, CNameError> {
        let symbol = format!("{prefix}{stem}");
        let ok = symbol
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && symbol.chars().next().is_some_and(|c| !c.is_ascii_digit());
        if !ok {
            return Err(CNameError::NotIdentifier { name: symbol });
        }
        Ok(CNames {
            symbol,
            section: section.map(str::to_string),
        })
    }
}

/// The depth macro suffix and its bits: `RGB565A` 24 for ARGB8565, ...
pub fn depth_macro(depth: Depth, alpha: bool) -> (&'static str, u8) {
    match (depth, alpha) {
        (Depth::Rgb565, false) => ("RGB565", 16),
        (Depth::Rgb565, true) => ("RGB565A", 24),
        (Depth::Rgb888, false) => ("RGB888", 24),
        (Depth::Rgb888, true) => ("RGB888A", 32),
    }
}

/// Writes the C file of `data` described by `d`; `depth`/`alpha` name its macros.
pub fn write(names: &CNames, d: &Descriptor, depth: Depth, alpha: bool, data: &[u8]) -> String {
    let (dm, bits) = depth_macro(depth, alpha);
    let kind = match d.cf.payload() {
        Payload::Pixel => "PIXEL",
        Payload::Ezip => "EZIP",
    };
    let sym = &names.symbol;
    let section = |suffix: &str| match &names.section {
        Some(s) => format!(" SECTION(\".{s}_{kind}{suffix}.{sym}\")"),
        None => String::new(),
    };
    let mut t = String::with_capacity(data.len() * 5 + 1024);
    let _ = write!(
        t,
        "#include \"lvgl.h\" \n\n#ifndef LV_ATTRIBUTE_MEM_ALIGN_{kind}\n\
         #define LV_ATTRIBUTE_MEM_ALIGN_{kind} ALIGN(4)\n#endif\n\n\
         #ifndef eZIP_RGBA{dm}\n#define eZIP_RGBA{dm}\n#endif\n"
    );
    let pixel = d.cf.payload() == Payload::Pixel;
    if pixel {
        let _ = write!(
            t,
            "#define LV_COLOR_DEPTH_{dm} {bits}\n#define LV_COLOR_16_SWAP_{dm} 0\n\n"
        );
    } else {
        t.push_str("\n\n");
    }
    let _ = writeln!(
        t,
        "LV_ATTRIBUTE_MEM_ALIGN_{kind} const  uint8_t {sym}_map[]{} = {{ ",
        section("")
    );
    if pixel {
        let _ = writeln!(
            t,
            "#if LV_COLOR_DEPTH_{dm} == {bits} && LV_COLOR_16_SWAP_{dm} == 0 "
        );
    }
    for line in data.chunks(PER_LINE) {
        t.push_str("    ");
        for b in line {
            let _ = write!(t, "0x{b:02x},");
        }
        t.push('\n');
    }
    if pixel {
        t.push_str("#endif\n");
    }
    let _ = write!(
        t,
        "}};\n\n\n#ifndef LV_ATTRIBUTE_MEM_ALIGN_{kind}_HEADER\n\
         #define LV_ATTRIBUTE_MEM_ALIGN_{kind}_HEADER ALIGN(4)\n#endif\n\
         LV_ATTRIBUTE_MEM_ALIGN_{kind}_HEADER const eZIP_RGBA{dm}  {} {sym}{} = {{ \n",
        dsc_type(d.version),
        section("_HEADER")
    );
    write_header_fields(&mut t, d);
    let _ = write!(
        t,
        "  .data_size  = {},\n  .data = {sym}_map\n}};\n",
        d.data_size
    );
    t
}

fn dsc_type(v: LvglVersion) -> &'static str {
    match v {
        LvglVersion::V8 => "lv_img_dsc_t",
        LvglVersion::V9 => "lv_image_dsc_t",
    }
}

fn write_header_fields(t: &mut String, d: &Descriptor) {
    let cf = d.cf.c_name(d.version);
    let (w, h) = (d.width, d.height);
    let _ = match d.version {
        LvglVersion::V8 => write!(
            t,
            "  .header.cf = {cf},\n  .header.always_zero = 0,\n  .header.w = {w},\n  .header.h = {h},\n"
        ),
        LvglVersion::V9 => {
            let flags = if d.flags & FLAG_EZIP != 0 {
                "LV_IMAGE_FLAGS_USER1"
            } else {
                "0"
            };
            write!(
                t,
                "  .header.magic = 0x19,\n  .header.cf = {cf},\n  .header.flags = {flags},\n  \
                 .header.w = {w},\n  .header.h = {h},\n  .header.stride = 0,\n  \
                 .header.reserved_2 = 0,\n"
            )
        }
    };
}

/// A C file read back (`image decode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedC {
    /// The descriptor's fields (stride 0, colour type unknown).
    pub desc: Descriptor,
    /// The data array's bytes.
    pub data: Vec<u8>,
}

/// Why a C file cannot be read back.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CFileError {
    /// No `<name>_map[] ... = {` line.
    #[error("no data array (a line with `_map[]` ending in `= {{`)")]
    NoArray,
    /// The array never ends.
    #[error("the data array starting at line {line} has no closing `}};`")]
    Unterminated {
        /// Line of the array's start (1-based).
        line: usize,
    },
    /// Something in the array that is not `0xHH`.
    #[error("line {line}: {token:?} is not a byte 0x00..0xff")]
    BadByte {
        /// Line (1-based).
        line: usize,
        /// The text.
        token: String,
    },
    /// A descriptor field is missing or malformed.
    #[error("the descriptor has no valid `{field}` line")]
    Field {
        /// The field, e.g. `.header.w`.
        field: &'static str,
    },
    /// `data_size` disagrees with the array.
    #[error("data_size is {data_size} but the array holds {len} bytes")]
    SizeMismatch {
        /// The descriptor's value.
        data_size: u32,
        /// Bytes in the array.
        len: usize,
    },
}

/// Reads a C file written by the vendor tool or by [`write()`].
pub fn parse(text: &str) -> Result<ParsedC, CFileError> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("_map[]") && l.trim_end().ends_with('{'))
        .ok_or(CFileError::NoArray)?;
    let mut data = Vec::new();
    let mut end = None;
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        let l = l.trim();
        if l.starts_with("};") {
            end = Some(i);
            break;
        }
        if l.starts_with('#') {
            continue;
        }
        for tok in l.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let byte = tok
                .strip_prefix("0x")
                .filter(|h| h.len() <= 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            data.push(byte.ok_or_else(|| CFileError::BadByte {
                line: i + 1,
                token: tok.to_string(),
            })?);
        }
    }
    let end = end.ok_or(CFileError::Unterminated { line: start + 1 })?;
    let rest = &lines[end..];
    let desc = parse_descriptor(rest, data.len())?;
    Ok(ParsedC { desc, data })
}

/// The value after `<field> =` on the first line that has it, without the trailing comma.
fn field<'a>(lines: &[&'a str], name: &'static str) -> Result<&'a str, CFileError> {
    lines
        .iter()
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == name).then(|| v.trim().trim_end_matches(',').trim())
        })
        .ok_or(CFileError::Field { field: name })
}

fn number<T: std::str::FromStr>(lines: &[&str], name: &'static str) -> Result<T, CFileError> {
    field(lines, name)?
        .parse()
        .map_err(|_| CFileError::Field { field: name })
}

fn parse_descriptor(lines: &[&str], len: usize) -> Result<Descriptor, CFileError> {
    let cf_name = field(lines, ".header.cf")?;
    let (cf, version) = Cf::ALL
        .into_iter()
        .flat_map(|cf| [(cf, LvglVersion::V8), (cf, LvglVersion::V9)])
        .find(|(cf, v)| cf.c_name(*v) == cf_name)
        .ok_or(CFileError::Field {
            field: ".header.cf",
        })?;
    let flags = match version {
        LvglVersion::V8 => 0,
        LvglVersion::V9 if field(lines, ".header.flags")?.contains("USER1") => FLAG_EZIP,
        LvglVersion::V9 => 0,
    };
    // The descriptor must be complete: `.data = <name>_map` and its closing `};` (a C file
    // cut short is refused, not half read).
    let data_line = lines
        .iter()
        .position(|l| l.trim_start().starts_with(".data ="))
        .ok_or(CFileError::Field { field: ".data" })?;
    if !lines[data_line..]
        .iter()
        .any(|l| l.trim_start().starts_with("};"))
    {
        return Err(CFileError::Field { field: "};" });
    }
    let data_size: u32 = number(lines, ".data_size")?;
    if data_size as usize != len {
        return Err(CFileError::SizeMismatch { data_size, len });
    }
    Ok(Descriptor {
        version,
        cf,
        flags,
        width: number(lines, ".header.w")?,
        height: number(lines, ".header.h")?,
        stride: 0,
        data_size,
        color: None,
    })
}
