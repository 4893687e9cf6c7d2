//! Writing output files without ever destroying what the user points at.
//!
//! Every output is checked with [`plan_output`] (or [`plan_output_dir`], [`plan_outputs`])
//! before any input is read, which decides a [`Dest`]:
//! - `-` is standard output (commands that write a directory refuse it);
//! - the path is first resolved to the file it will actually open ([`resolve::resolve`]):
//!   missing directories, `..` and symlinked directories included, so `nosuch/../k.pem` is
//!   checked as `./k.pem`;
//! - a regular file (or a new name) is written to a temporary file in the same directory and
//!   renamed into place once complete, so an error, a crash or a signal leaves the old file or
//!   nothing (interrupted runs delete their temporary files: [`cleanup`]);
//! - a FIFO or a device (`/dev/stdout`, `/dev/null`) is written through: it is never replaced
//!   by a regular file, and it cannot be rolled back;
//! - a symlink is followed: its target is written, the link stays a link;
//! - the same file as an input, two outputs of one command naming the same file, and an
//!   existing private key ([`is_protected`]) unless `--force`, are refused.
//!
//! [`commit`] writes several files as one: special outputs first, then the regular files are
//! renamed into place; if any cannot be written, no regular file replaces what was there
//! (pack's package and manifest).

use crate::{Error, Result};
use std::path::{Path, PathBuf};

pub mod cleanup;
pub mod resolve;
mod stream;
mod write;

pub use stream::Streamed;
pub use write::{commit, commit_staged, stage, write, write_atomic, write_with, Staged};

/// Where one output goes; made by [`plan_output`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// Standard output (`-o -`).
    Stdout,
    /// A regular file or a new one: written atomically (temporary file, then rename).
    File {
        /// The resolved path that is opened (absolute, `..` applied, symlinks followed).
        path: PathBuf,
        /// The path as the user gave it, for messages.
        shown: PathBuf,
    },
    /// A FIFO, character or block device: opened and written through, never replaced.
    Special {
        /// The path that is opened.
        path: PathBuf,
        /// The path as the user gave it, for messages.
        shown: PathBuf,
    },
}

impl Dest {
    /// The path to print in messages: as the user gave it (`standard output` for `-`).
    pub fn display(&self) -> String {
        match self {
            Dest::Stdout => "standard output".to_string(),
            Dest::File { shown, .. } | Dest::Special { shown, .. } => shown.display().to_string(),
        }
    }

    /// Whether this is standard output (callers then print nothing else there).
    pub fn is_stdout(&self) -> bool {
        *self == Dest::Stdout
    }

    /// The path that is opened, `None` for standard output.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Dest::Stdout => None,
            Dest::File { path, .. } | Dest::Special { path, .. } => Some(path),
        }
    }
}

/// Set once an output is standard output: from then on status lines go to standard error.
static DATA_ON_STDOUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether an output of this run is standard output (`-o -`): status lines then belong on
/// standard error, so the data stays clean. Set by [`plan_output`].
pub fn data_on_stdout() -> bool {
    DATA_ON_STDOUT.load(std::sync::atomic::Ordering::Relaxed)
}

/// Access mode of a written file (Unix permission bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 0644: packages, images, public keys, texts are meant to be shared.
    Public,
    /// 0600: private keys; set before the rename, so never visible with wider permissions.
    Private,
}

/// Whether a command may replace a protected file (an existing private key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Force {
    /// `--force` was given: replace it.
    Yes,
    /// The command has `--force`, not given: refuse, and say `--force` would replace it.
    No,
    /// The command has no `--force`: refuse, and suggest only another name.
    NotOffered,
}

impl From<bool> for Force {
    fn from(force: bool) -> Self {
        if force {
            Force::Yes
        } else {
            Force::No
        }
    }
}

/// Checks the output `path` against the `inputs` of the same command and decides how to write
/// it. Call it before reading any input, so a refused output costs nothing.
///
/// Refuses: a directory; the same file as an input (same device and inode, or same resolved
/// path); a dangling symlink; an existing private key unless `force` ([`is_protected`]).
pub fn plan_output(path: &Path, inputs: &[&Path], force: impl Into<Force>) -> Result<Dest> {
    if path.as_os_str() == "-" {
        DATA_ON_STDOUT.store(true, std::sync::atomic::Ordering::Relaxed);
        return Ok(Dest::Stdout);
    }
    let target = follow_link(path, resolve::resolve(path)?)?;
    refuse_input_as_output(path, &target, inputs)?;
    let shown = path.to_path_buf();
    let Ok(meta) = std::fs::metadata(&target) else {
        return Ok(Dest::File {
            path: target,
            shown,
        });
    };
    if meta.is_dir() {
        return Err(Error::OutputIsDirectory {
            path: path.to_path_buf(),
        });
    }
    if !meta.is_file() {
        return Ok(Dest::Special {
            path: target,
            shown,
        });
    }
    let force = force.into();
    if force != Force::Yes {
        if let Some(reason) = is_protected(&target, &meta) {
            return Err(Error::Protected {
                path: path.to_path_buf(),
                reason,
                force_offered: force == Force::No,
            });
        }
    }
    Ok(Dest::File {
        path: target,
        shown,
    })
}

/// Plans several outputs of one command, each named by its option for messages (`--memory-x`),
/// and refuses two that are the same file (or both standard output): one would be lost.
pub fn plan_outputs(
    outputs: &[(&str, &Path)],
    inputs: &[&Path],
    force: impl Into<Force> + Copy,
) -> Result<Vec<Dest>> {
    let dests = outputs
        .iter()
        .map(|(_, p)| plan_output(p, inputs, force))
        .collect::<Result<Vec<_>>>()?;
    refuse_same_outputs(outputs.iter().map(|(flag, _)| *flag).zip(&dests))?;
    Ok(dests)
}

/// Refuses two of `outputs` (an option name or file role, and its destination) that are the
/// same file or both standard output.
pub fn refuse_same_outputs<'a>(
    outputs: impl IntoIterator<Item = (&'a str, &'a Dest)>,
) -> Result<()> {
    let outputs: Vec<_> = outputs.into_iter().collect();
    for (i, (flag_a, a)) in outputs.iter().enumerate() {
        for (flag_b, b) in &outputs[i + 1..] {
            let same = match (a.path(), b.path()) {
                (None, None) => true,
                (Some(x), Some(y)) => x == y || same_file(x, y),
                _ => false,
            };
            if same {
                return Err(Error::SameOutputs {
                    flag_a: flag_a.to_string(),
                    shown_a: a.display(),
                    flag_b: flag_b.to_string(),
                    shown_b: b.display(),
                });
            }
        }
    }
    Ok(())
}

/// Checks an output directory (`pack`, `unpack`, `elf2bin --layout`, `gen-dfu`) and the
/// `files` the command will write into it (by name), against its `inputs`. Returns the
/// destination of each file, in order.
///
/// One rule for every directory output: created if missing, used if it is a directory,
/// refused if it exists as anything else, and never standard output. A name equal to one of
/// the files the command writes (`-o x/offline_install.bin`) gets a hint.
pub fn plan_output_dir(
    dir: &Path,
    files: &[&str],
    inputs: &[&Path],
    force: impl Into<Force> + Copy,
) -> Result<Vec<Dest>> {
    let writes = files.join(" and ");
    if dir.as_os_str() == "-" {
        return Err(Error::DirToStdout { writes });
    }
    let resolved = follow_link(dir, resolve::resolve(dir)?)?;
    let is_dir = match std::fs::metadata(&resolved) {
        Ok(m) => m.is_dir(),
        Err(_) => false,
    };
    let names_a_file = dir
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| files.contains(&n));
    if !is_dir && names_a_file {
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
        return Err(Error::NamesAFile {
            dir: dir.to_path_buf(),
            writes,
            parent: parent.map_or(".".into(), Path::to_path_buf),
        });
    }
    if !is_dir && resolved.exists() {
        return Err(Error::NotADirectory {
            dir: dir.to_path_buf(),
            writes,
        });
    }
    files
        .iter()
        .map(|f| {
            let mut d = plan_output(&resolved.join(f), inputs, force)?;
            if let Dest::File { shown, .. } | Dest::Special { shown, .. } = &mut d {
                *shown = dir.join(f);
            }
            Ok(d)
        })
        .collect()
}

/// A final symlink's target (the link itself is never replaced); any other path as is.
fn follow_link(shown: &Path, path: PathBuf) -> Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(path);
    }
    // `/dev/stdout` -> `/proc/self/fd/1` -> `pipe:[...]`: a link to something that is no
    // file has no canonical path, but opening the link writes through to it.
    if std::fs::metadata(&path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return Ok(path);
    }
    std::fs::canonicalize(&path).map_err(|source| Error::DanglingSymlink {
        path: shown.to_path_buf(),
        source,
    })
}

fn refuse_input_as_output(path: &Path, target: &Path, inputs: &[&Path]) -> Result<()> {
    for input in inputs.iter().filter(|i| i.as_os_str() != "-") {
        if same_file(target, input) {
            return Err(Error::SameAsInput {
                path: path.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Same device and inode, or (for a file not yet there) the same resolved path.
fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        return same_inode(&ma, &mb);
    }
    match (resolve::resolve(a), resolve::resolve(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(unix)]
fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_inode(_a: &std::fs::Metadata, _b: &std::fs::Metadata) -> bool {
    false // the resolved-path comparison still applies
}

/// Why an existing regular file must not be replaced without `--force`, if it must not:
/// - it is no larger than the key-file read limit (1 MiB, what imgtool reads as a key) and
///   holds a PEM or DER private key anywhere in it;
/// - it is exactly 16 or 32 bytes with mode 0600: what `keygen --type uid|root` writes (a
///   raw key has no marker to recognise it by, but that size and mode give it away).
pub fn is_protected(path: &Path, meta: &std::fs::Metadata) -> Option<Protection> {
    if raw_key_shape(meta) {
        return Some(Protection::RawKey { len: meta.len() });
    }
    // A file larger than the key-file read limit is no key file: imgtool itself refuses to
    // read one as a key, and skipping it keeps replacing a package (MiBs) free of a scan.
    let limit = crate::input::Limit::SMALL.bytes;
    if meta.len() > limit {
        return None;
    }
    let head = read_head(path, limit)?;
    sign::holds_private_key(&head).then_some(Protection::PrivateKey)
}

/// What makes an existing file protected ([`is_protected`]); displayed as the rest of the
/// sentence "output k.pem ...".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protection {
    /// A PEM or DER private key.
    PrivateKey,
    /// 16 or 32 bytes with mode 0600: a raw key as `keygen --type uid|root` writes.
    RawKey {
        /// The file's size in bytes.
        len: u64,
    },
}

impl std::fmt::Display for Protection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protection::PrivateKey => f.write_str("holds a private key"),
            Protection::RawKey { len } => write!(
                f,
                "looks like a raw key ({len} bytes, mode 0600, as `keygen --type {}` writes)",
                if *len == 16 { "uid" } else { "root" }
            ),
        }
    }
}

#[cfg(unix)]
fn raw_key_shape(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    matches!(meta.len(), 16 | 32) && meta.permissions().mode() & 0o777 == 0o600
}

#[cfg(not(unix))]
fn raw_key_shape(_meta: &std::fs::Metadata) -> bool {
    false
}

/// The first `limit` bytes of a regular file (a larger file is looked at up to the limit).
fn read_head(path: &Path, limit: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(limit)
        .read_to_end(&mut head)
        .ok()?;
    Some(head)
}

#[cfg(test)]
mod tests;
