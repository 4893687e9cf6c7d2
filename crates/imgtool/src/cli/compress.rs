//! `imgtool compress` / `imgtool decompress`: one standalone EZIP-compatible stream.

use super::Outcome;
use anyhow::{Context, Result};
use ezip::{Level, Mode};
use fsio::input::{read_bounded, Limit};
use fsio::output::{plan_output, write, Mode as FileMode};
use std::path::PathBuf;

const COMPRESS_EXAMPLES: &str = "\
Examples:
  imgtool compress --mode gzip app.bin -o app.ezip        # EZIP GZIP-mode stream
  imgtool compress --mode gzip --level best app.bin -o app.ezip
  imgtool compress --mode lz4 font.bin -o font.lz4

Layouts (all integers little-endian):
  gzip  u32 length, raw DEFLATE, u32 CRC-32, u32 length   (like the SDK's gzip_packet.bin)
  zlib  a plain zlib stream (header 78 DA, DEFLATE, Adler-32)
  lz4   u32 length, u32 compressed length, one LZ4 block (like the SDK's lz4_packet.bin)

Levels: fast (libdeflate 6), default (libdeflate 9: measured no larger in total than the
vendor's zlib -9 per chunk, not on every chunk), best (Zopfli or libdeflate 12; slowest,
smallest). LZ4 has a single encoder: --level is refused with --mode lz4. OTA packages chunk
images themselves: see `docs/compression.md`.";

/// Arguments of `imgtool compress`.
#[derive(clap::Args, Debug)]
#[command(after_help = COMPRESS_EXAMPLES)]
pub struct CompressArgs {
    /// Stream format: gzip (EZIP GZIP mode, what the device's engine reads), zlib or lz4
    #[arg(long, value_parser = parse_mode)]
    pub mode: Mode,
    /// Encoder effort for gzip and zlib: fast, default or best (refused with lz4, which has a
    /// single encoder) [default: default]
    #[arg(long, value_parser = parse_level)]
    pub level: Option<Level>,
    /// File to compress
    pub input: PathBuf,
    /// Where to write the stream (`-`: standard output)
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
}

const DECOMPRESS_EXAMPLES: &str = "\
Example:
  imgtool decompress --mode gzip app.ezip -o app.bin

The stream is checked strictly: declared lengths and checksums must match and nothing may
follow the stream; on any error nothing is written.";

/// Arguments of `imgtool decompress`.
#[derive(clap::Args, Debug)]
#[command(after_help = DECOMPRESS_EXAMPLES)]
pub struct DecompressArgs {
    /// Stream format: gzip, zlib or lz4 (see `imgtool compress --help` for the layouts)
    #[arg(long, value_parser = parse_mode)]
    pub mode: Mode,
    /// Stream to decode
    pub input: PathBuf,
    /// Where to write the decoded data (`-`: standard output)
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse().map_err(|e: ezip::Error| e.to_string())
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse().map_err(|e: ezip::Error| e.to_string())
}

/// A hint for the most likely mistake: a `.gz` file (RFC 1952, magic 1f 8b) given as an EZIP
/// gzip stream, which starts with the u32 length instead.
fn gzip_file_hint(mode: Mode, stream: &[u8]) -> &'static str {
    if mode == Mode::Gzip && stream.starts_with(&[0x1f, 0x8b]) {
        " (this is a .gz file, RFC 1952: an EZIP gzip stream is not a .gz file; it starts with \
         the u32 uncompressed length, then raw DEFLATE and the gzip trailer, see \
         docs/compression.md)"
    } else {
        ""
    }
}

/// Compressed size as a percentage of the raw size (0 for an empty input).
fn ratio(compressed: usize, raw: usize) -> f64 {
    if raw == 0 {
        0.0
    } else {
        compressed as f64 * 100.0 / raw as f64
    }
}

/// Runs `imgtool compress`.
pub fn run_compress(a: CompressArgs) -> Result<Outcome> {
    if a.mode == Mode::Lz4 {
        super::common_args::refuse_inapplicable(
            &[("--level", a.level.is_some())],
            "--mode lz4",
            "LZ4 has a single encoder",
            "use --mode gzip or zlib",
        )?;
    }
    let out = plan_output(&a.output, &[&a.input], a.force.force)?;
    let data = read_bounded(&a.input, Limit::IMAGE)?;
    let level = a.level.unwrap_or_default();
    let stream = ezip::compress(a.mode, level, &data)
        .with_context(|| format!("cannot compress {}", a.input.display()))?;
    write(&out, &stream, FileMode::Public)?;
    // LZ4 has no levels: its summary names none.
    let level = match a.mode {
        Mode::Lz4 => String::new(),
        _ => format!(", level {level}"),
    };
    super::print::say_line(format_args!(
        "{}: {} bytes -> {} bytes ({:.1}%), {} mode{level}",
        out.display(),
        data.len(),
        stream.len(),
        ratio(stream.len(), data.len()),
        a.mode,
    ));
    Ok(Outcome::Ok)
}

/// Runs `imgtool decompress`.
pub fn run_decompress(a: DecompressArgs) -> Result<Outcome> {
    let out = plan_output(&a.output, &[&a.input], a.force.force)?;
    let stream = read_bounded(&a.input, Limit::STREAM)?;
    let data = ezip::decompress(a.mode, &stream).with_context(|| {
        format!(
            "{} is not a valid {} stream{}",
            a.input.display(),
            a.mode,
            gzip_file_hint(a.mode, &stream)
        )
    })?;
    write(&out, &data, FileMode::Public)?;
    super::print::say_line(format_args!(
        "{}: {} bytes -> {} bytes (stream is {:.1}% of the data), {} mode",
        out.display(),
        stream.len(),
        data.len(),
        ratio(stream.len(), data.len()),
        a.mode
    ));
    Ok(Outcome::Ok)
}
