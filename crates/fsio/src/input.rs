//! Reading input files with a bound: every file imgtool reads goes through [`read_bounded`].
//!
//! A user can point any argument at `/dev/zero`, `/dev/urandom` or a 200 MiB file by mistake;
//! reading "the whole file" would then take all memory or never end. Each kind of input has a
//! [`Limit`]: a regular file larger than it is refused from its size, before a byte is read;
//! anything else (a pipe, a device) is read up to the limit plus one byte and refused if that
//! byte arrives. Memory use is at most the limit (plus one byte), allocated once.

use crate::{Error, Result};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

const MIB: u64 = 1 << 20;

/// The largest input of one kind that imgtool reads, with the kind's name for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What is read, e.g. "key files" (used as "the 1 MiB limit for key files").
    pub kind: &'static str,
    /// The largest accepted size in bytes.
    pub bytes: u64,
}

impl Limit {
    /// Keys, signatures, configs, layouts and `ptab.json` files: small text or binary files.
    pub const SMALL: Limit = Limit {
        kind: "keys, signatures, configs, layouts and ptab files",
        bytes: MIB,
    };
    /// Images (ELF or raw) when no layout gives their region's size.
    pub const IMAGE: Limit = Limit {
        kind: "images without a layout",
        bytes: 64 * MIB,
    };
    /// Packages when no layout gives the download region's size.
    pub const PACKAGE: Limit = Limit {
        kind: "packages without a layout",
        bytes: 256 * MIB,
    };
    /// Compressed streams (`decompress`): as large as an image can be.
    pub const STREAM: Limit = Limit {
        kind: "compressed streams",
        bytes: 64 * MIB,
    };

    /// A limit of `bytes` for inputs of `kind` (e.g. a region's size).
    pub const fn new(kind: &'static str, bytes: u64) -> Limit {
        Limit { kind, bytes }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} limit for {}", size_text(self.bytes), self.kind)
    }
}

/// `4 MiB`, `1.5 KiB` or `100 bytes`: sizes as the messages print them.
pub fn size_text(bytes: u64) -> String {
    let unit = |d: u64, name: &str| {
        let whole = bytes / d;
        let tenth = (bytes % d) * 10 / d;
        if tenth == 0 {
            format!("{whole} {name}")
        } else {
            format!("{whole}.{tenth} {name}")
        }
    };
    match bytes {
        b if b >= MIB => unit(MIB, "MiB"),
        b if b >= 1024 => unit(1024, "KiB"),
        b => format!("{b} bytes"),
    }
}

/// Reads all of `path`, refusing it if it is larger than `limit`.
///
/// The error names the file, its size (or that it was still going at the limit) and the limit.
///
/// `-` is standard input, read like a pipe (up to the limit plus one byte).
pub fn read_bounded(path: &Path, limit: Limit) -> Result<Vec<u8>> {
    if is_stdin(path) {
        return read_stdin(limit);
    }
    let cannot_read = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(cannot_read)?;
    let meta = file.metadata().map_err(cannot_read)?;
    if meta.is_dir() {
        return Err(Error::InputIsDirectory {
            path: path.to_path_buf(),
        });
    }
    let capacity = if meta.is_file() {
        check_size(path, meta.len(), limit)?;
        if let Some(bytes) = read_in_parts(&file, meta.len(), path)? {
            return Ok(bytes);
        }
        meta.len()
    } else {
        // A pipe or a device: its size is unknown until read. Reserving the limit up front
        // touches no memory yet and means the buffer never doubles past it.
        limit.bytes
    };
    // +1 so that one byte past the limit can arrive (and be refused) without a reallocation.
    let mut bytes = Vec::with_capacity(usize::try_from(capacity + 1).unwrap_or(usize::MAX));
    file.take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > limit.bytes {
        return Err(Error::StreamTooLong {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// Whether `bytes` (a file's start) are a Git LFS pointer: the ~130-byte text a clone without
/// `git lfs pull` has in place of a large file. Firmware never starts like this.
pub fn is_lfs_pointer(bytes: &[u8]) -> bool {
    bytes.starts_with(b"version https://git-lfs")
}

/// Refuses an image input that is a Git LFS pointer (packing its text as firmware would
/// give the device 130 bytes of ASCII to boot).
pub fn refuse_lfs_pointer(path: &Path, bytes: &[u8]) -> Result<()> {
    if is_lfs_pointer(bytes) {
        return Err(Error::LfsPointer {
            path: path.to_path_buf(),
            len: bytes.len(),
        });
    }
    Ok(())
}

/// A hint for an error about a file that should be an ELF or an image, when the file is a
/// Git LFS pointer (the usual way a "*.elf" is not an ELF); empty otherwise.
pub fn lfs_hint(path: &Path) -> &'static str {
    let head = read_bounded(path, Limit::new("file heads", 4096)).unwrap_or_default();
    if is_lfs_pointer(&head) {
        " (it is a Git LFS pointer: run `git lfs pull` to fetch the real file)"
    } else {
        ""
    }
}

/// Whether `path` is `-`: standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Standard input, bounded like a pipe, read once per process. An input up to the key-file
/// limit is kept for a second read (`getpub -` looks at its key twice: RSA or ed25519?); a
/// larger one (a package, an image) is handed over, not copied, so memory stays at the limit.
fn read_stdin(limit: Limit) -> Result<Vec<u8>> {
    static KEPT: std::sync::Mutex<Option<Vec<u8>>> = std::sync::Mutex::new(None);
    static READ: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let mut kept = KEPT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(bytes) = kept.as_ref() {
        if bytes.len() as u64 > limit.bytes {
            return Err(Error::StdinTooLong { limit });
        }
        return Ok(bytes.clone());
    }
    if READ.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return Err(Error::StdinAlreadyRead);
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::ReadStdin { source })?;
    if bytes.len() as u64 > limit.bytes {
        return Err(Error::StdinTooLong { limit });
    }
    if bytes.len() as u64 <= Limit::SMALL.bytes {
        *kept = Some(bytes.clone());
    }
    Ok(bytes)
}

/// Regular files at least this large are read in parts, side by side ([`read_in_parts`]).
const PARALLEL_READ_MIN: u64 = 4 * MIB;

/// Reads a regular file of `len` bytes in one part per thread, each with `pread` into its own
/// slice of the buffer: copying 8 MiB into fresh memory on one thread was 6% of a whole
/// `pack`. `None` when the file is too small to gain, or off Unix. A file that shrinks or
/// grows meanwhile is refused (it was being rewritten).
#[cfg(unix)]
fn read_in_parts(file: &File, len: u64, path: &Path) -> Result<Option<Vec<u8>>> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    if len < PARALLEL_READ_MIN {
        return Ok(None);
    }
    let Ok(size) = usize::try_from(len) else {
        return Ok(None);
    };
    let mut bytes = vec![0u8; size];
    let part = size.div_ceil(rayon::current_num_threads().max(1));
    let changed = |source| Error::Changed {
        path: path.to_path_buf(),
        source,
    };
    bytes
        .par_chunks_mut(part)
        .enumerate()
        .try_for_each(|(i, slice)| file.read_exact_at(slice, (i * part) as u64))
        .map_err(|e| changed(Some(e)))?;
    if file
        .read_at(&mut [0u8; 1], len)
        .map_err(|e| changed(Some(e)))?
        != 0
    {
        return Err(changed(None));
    }
    Ok(Some(bytes))
}

#[cfg(not(unix))]
fn read_in_parts(_file: &File, _len: u64, _path: &Path) -> Result<Option<Vec<u8>>> {
    Ok(None)
}

/// Like [`read_bounded`], for text: the bytes must be UTF-8.
pub fn read_text(path: &Path, limit: Limit) -> Result<String> {
    let bytes = read_bounded(path, limit)?;
    String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Refuses a regular file of `len` bytes that is larger than `limit`, from its size alone.
pub fn check_size(path: &Path, len: u64, limit: Limit) -> Result<()> {
    if len > limit.bytes {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            len,
            limit,
        });
    }
    Ok(())
}

/// Reads a small text file (a layout) for library calls that take a reader function:
/// [`read_text`] with [`Limit::SMALL`] and an `std::io::Error` that keeps the message.
pub fn read_small_text(path: &Path) -> std::io::Result<String> {
    read_text(path, Limit::SMALL).map_err(|e| io_error(path, &e))
}

/// [`read_small_text`] for binary or text files the library checks itself (keys).
pub fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    read_bounded(path, Limit::SMALL).map_err(|e| io_error(path, &e))
}

fn io_error(path: &Path, e: &Error) -> std::io::Error {
    // The library adds the path itself; keep only what is wrong with the file, with its
    // causes (the library's error is a string: it has no `source()` to carry them).
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text = format!("{text}: {c}");
        cause = c.source();
    }
    let prefix = format!("{}: ", path.display());
    let text = text.strip_prefix(&prefix).unwrap_or(&text).to_string();
    std::io::Error::new(std::io::ErrorKind::InvalidData, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_in_the_largest_whole_unit() {
        assert_eq!(size_text(100), "100 bytes");
        assert_eq!(size_text(1536), "1.5 KiB");
        assert_eq!(size_text(64 << 20), "64 MiB");
    }

    #[test]
    fn large_files_read_in_parts_equal_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("app.bin");
        let n = PARALLEL_READ_MIN as usize;
        // A multiplicative hash of the offset: a part read to the wrong place shows.
        let byte = |i: usize| ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8;
        let bytes: Vec<u8> = (0..n + 4097).map(byte).collect();
        // Below, at and above the size where reading goes parallel.
        for len in [n - 1, n, n + 4097] {
            std::fs::write(&p, &bytes[..len]).unwrap();
            let read = read_bounded(&p, Limit::IMAGE).unwrap();
            assert!(read == bytes[..len], "{len} bytes read back differently");
        }
        let limit = Limit::new("test files", n as u64);
        let e = format!("{:#}", read_bounded(&p, limit).unwrap_err());
        assert!(
            e.contains("is larger than the 4 MiB limit for test files"),
            "{e}"
        );
    }

    #[test]
    fn a_file_at_the_limit_is_read_and_one_byte_more_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.pem");
        let limit = Limit::new("test files", 10);
        std::fs::write(&p, [7u8; 10]).unwrap();
        assert_eq!(read_bounded(&p, limit).unwrap(), [7u8; 10]);
        std::fs::write(&p, [7u8; 11]).unwrap();
        let e = format!("{:#}", read_bounded(&p, limit).unwrap_err());
        assert!(
            e.contains("k.pem: 11 bytes is larger than the 10 bytes limit for test files"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_read_up_to_the_limit_only() {
        let limit = Limit::new("test files", 4096);
        let e = format!(
            "{:#}",
            read_bounded(Path::new("/dev/zero"), limit).unwrap_err()
        );
        assert!(e.contains("/dev/zero: more than 4096 bytes"), "{e}");
    }

    #[test]
    fn a_directory_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let e = format!("{:#}", read_bounded(dir.path(), Limit::SMALL).unwrap_err());
        assert!(e.contains("is a directory"), "{e}");
    }
}
