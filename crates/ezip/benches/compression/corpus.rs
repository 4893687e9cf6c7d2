//! The benchmark corpora, so that "no larger in total than the vendor method" is measured on
//! more than one kind of data. Each is built here, in memory, and never committed; every image
//! is zero-padded to 16 bytes as `payload::encode` does, so raw-encoder and payload figures count
//! the same chunks.
//!
//! 1. **Thumb code**: the executable sections of every object in Debian's
//!    `libnewlib-arm-none-eabi` `libc.a` and `libm.a` for the Cortex-M multilibs (`thumb/v6-m`,
//!    `v7-m`, `v7e-m*`, `v8-m*`, `v8.1-m*`) plus `libstdc++.a`/`libsupc++.a` of
//!    `v8-m.main+fp/hard` (the SF32LB5x's Cortex-M33), concatenated in path order.
//! 2. **Example firmware pair**: the bundled example's app and DFU installer
//!    (`testdata/examples/sf32lb52x-eh-lb523`, built with arm-none-eabi-gcc), flattened the way
//!    `imgtool pack` does (gaps 0xff); two images, so two payloads, as in the package.
//! 3. **Mixed firmware**: one image of 2 MiB of corpus 1's code, a 512 KiB zero area, 512 KiB
//!    of pseudo-random bytes (xorshift64*, fixed seed) and 512 KiB of already-compressed data
//!    (raw DEFLATE of more of corpus 1): what an app with a reserved area and packed resources
//!    looks like to the compressor.
//! 4. **Vendor EZIP example data**: `testdata/ezip/expected.bin`, the 86,240 bytes of C source
//!    text that the SDK's EZIP example compresses (its `gzip_packet.bin` is zlib 9's): not
//!    firmware, but the vendor's own test data, and text-like resources do ship in images.

#[path = "../../tests/ezip/xorshift.rs"]
mod xorshift;

use ezip::payload::PAD;
use object::read::archive::ArchiveFile;
use object::{Object, ObjectSection, SectionKind};
use std::path::{Path, PathBuf};

const NEWLIB: &str = "/usr/lib/arm-none-eabi/newlib/thumb";
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/examples/sf32lb52x-eh-lb523"
);
const EZIP_DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/ezip/expected.bin"
);
/// Seed of the mixed corpus's random blob: fixed, so every run measures the same bytes.
const MIXED_SEED: u64 = 0x5eed_0010;
const KIB: usize = 1024;

/// A named set of images; each image is compressed as its own payload.
pub struct Corpus {
    /// Short name for the tables.
    pub name: &'static str,
    /// The images, each zero-padded to a multiple of 16.
    pub images: Vec<Vec<u8>>,
}

impl Corpus {
    /// Total bytes of all images.
    pub fn len(&self) -> usize {
        self.images.iter().map(Vec::len).sum()
    }

    /// Every payload chunk of every image, in order.
    pub fn chunks(&self, pksize: usize) -> Vec<&[u8]> {
        self.images.iter().flat_map(|i| i.chunks(pksize)).collect()
    }
}

fn padded(mut image: Vec<u8>) -> Vec<u8> {
    image.resize(image.len().div_ceil(PAD) * PAD, 0);
    image
}

/// The four corpora, or `None` without newlib and libstdc++ (corpora 1 and 3 need their
/// code, at least 3 MiB of it).
pub fn all() -> Option<Vec<Corpus>> {
    let code = thumb_code().filter(|c| c.len() >= 3 * 1024 * KIB)?;
    let mixed = mixed(&code);
    Some(vec![
        Corpus {
            name: "Thumb code (newlib, libstdc++)",
            images: vec![padded(code)],
        },
        Corpus {
            name: "example firmware pair (app + DFU installer)",
            images: example_pair(),
        },
        Corpus {
            name: "mixed firmware (code, zeros, random, compressed)",
            images: vec![padded(mixed)],
        },
        Corpus {
            name: "vendor EZIP example data (C source text)",
            images: vec![padded(read(Path::new(EZIP_DATA)))],
        },
    ])
}

/// Corpus 2: the example's ELFs flattened, gaps filled with erased flash like `imgtool pack`.
fn example_pair() -> Vec<Vec<u8>> {
    ["app.elf", "dfu.elf"]
        .iter()
        .map(|name| {
            let elf = read(&Path::new(EXAMPLE).join(name));
            let image = elf2bin::parse(&elf).expect("example ELF").flat(0xff);
            padded(image.expect("example ELF span").bytes)
        })
        .collect()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Corpus 3, built from the code of corpus 1 (which is far longer than 2.5 MiB).
fn mixed(code: &[u8]) -> Vec<u8> {
    let mut image = code[..2048 * KIB].to_vec();
    image.resize(image.len() + 512 * KIB, 0);
    image.extend(xorshift::xorshift_bytes(512 * KIB, MIXED_SEED | 1));
    let mut compressed = Vec::new();
    for chunk in code[2048 * KIB..].chunks(64 * KIB) {
        compressed.extend(ezip::deflate::zlib9(chunk).expect("zlib 9"));
        if compressed.len() >= 512 * KIB {
            break;
        }
    }
    compressed.truncate(512 * KIB);
    image.extend(compressed);
    image
}

/// Cortex-M multilib directories, sorted so the corpus is the same on every run.
fn multilib_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let Ok(top) = std::fs::read_dir(NEWLIB) else {
        return dirs;
    };
    for arch in top.flatten() {
        let name = arch.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("v6-m")
            || name.contains("-m.")
            || name.starts_with("v7-m")
            || name.starts_with("v7e-m")
            || name.starts_with("v8-m"))
        {
            continue;
        }
        // Either libc.a directly (nofp) or one level down (hard/softfp/nofp).
        for sub in std::iter::once(arch.path()).chain(
            std::fs::read_dir(arch.path())
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path()),
        ) {
            if sub.join("libc.a").is_file() {
                dirs.push(sub);
            }
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Corpus 1: `.text` of newlib (all Cortex-M multilibs) and of libstdc++/libsupc++
/// (`v8-m.main+fp/hard`), concatenated in path order.
fn thumb_code() -> Option<Vec<u8>> {
    let mut text = Vec::new();
    for dir in multilib_dirs() {
        for lib in ["libc.a", "libm.a"] {
            append_text(&dir.join(lib), &mut text);
        }
    }
    // libc + libm of all Cortex-M multilibs is ~1.2 MiB; the C++ library of the SF32LB5x's
    // own multilib (Cortex-M33: v8-m.main+fp/hard) brings it to several MiB.
    for lib in ["libstdc++.a", "libsupc++.a"] {
        append_text(
            &Path::new(NEWLIB).join("v8-m.main+fp/hard").join(lib),
            &mut text,
        );
    }
    (!text.is_empty()).then_some(text)
}

/// Appends the executable sections of every ELF member of the archive at `path`.
fn append_text(path: &Path, out: &mut Vec<u8>) {
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let archive = match ArchiveFile::parse(&*bytes) {
        Ok(a) => a,
        Err(e) => return eprintln!("{}: {e}", path.display()),
    };
    for member in archive.members() {
        let member = match member {
            Ok(m) => m,
            Err(e) => return eprintln!("{}: {e}", path.display()),
        };
        let Ok(data) = member.data(&*bytes) else {
            continue;
        };
        // Archive members are only 2-byte aligned; ELF parsing wants the header aligned.
        let data = data.to_vec();
        let obj = match object::File::parse(&*data) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("{}: member: {e}", path.display());
                continue;
            }
        };
        for s in obj.sections() {
            if s.kind() == SectionKind::Text {
                if let Ok(d) = s.data() {
                    out.extend_from_slice(d);
                }
            }
        }
    }
}
