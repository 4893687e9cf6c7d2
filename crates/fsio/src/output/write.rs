//! Writing planned outputs: one file through a temporary file and a rename, several files
//! as one ([`commit`]).

use super::cleanup;
use super::{Dest, Mode};
use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `dest`.
pub fn write(dest: &Dest, bytes: &[u8], mode: Mode) -> Result<()> {
    write_with(dest, mode, |f| f.write_all(bytes))
}

/// Like [`write()`], but the contents are streamed by `write` (for images too large to hold in
/// memory twice); if it fails, nothing is left at a [`Dest::File`].
pub fn write_with(
    dest: &Dest,
    mode: Mode,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match dest {
        Dest::Stdout => {
            let mut out = std::io::stdout().lock();
            write(&mut out)
                .and_then(|()| out.flush())
                .map_err(|source| Error::WriteStdout { source })
        }
        Dest::Special { path, shown } => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|source| Error::OpenForWriting {
                    path: shown.clone(),
                    source,
                })?;
            write(&mut f).map_err(|source| Error::Write {
                path: shown.clone(),
                source,
            })
        }
        Dest::File { path, .. } => {
            let tmp = prepare(path, mode, write)?;
            persist(tmp, path)
        }
    }
}

/// Writes every `(dest, bytes)` or none of the regular files: all temporary files are written
/// first, then the special files and standard output (which cannot be rolled back), and only
/// when all of those succeeded are the regular files renamed into place; if a rename fails,
/// the files already replaced get their old contents back.
pub fn commit(files: &[(Dest, &[u8])], mode: Mode) -> Result<()> {
    commit_staged(Vec::new(), files, mode)
}

/// An output written and synced to a temporary file beside its destination, waiting for
/// [`commit_staged`] to rename it into place (deleted if dropped instead).
#[derive(Debug)]
pub struct Staged {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
}

impl Staged {
    /// `tmp`, complete and synced, to be renamed to `path`; tracked for deletion if the run
    /// is interrupted first.
    pub(super) fn new(path: PathBuf, tmp: tempfile::NamedTempFile) -> Self {
        Staged { path, tmp }
    }

    /// The temporary file (tests read it back).
    #[cfg(test)]
    pub(super) fn tmp_path(&self) -> &Path {
        self.tmp.path()
    }
}

/// Writes `bytes` to a temporary file for `dest` now, so the write and its `fsync` can
/// overlap other work; `None` for standard output and special files, which are written
/// only at commit time.
pub fn stage(dest: &Dest, bytes: &[u8], mode: Mode) -> Result<Option<Staged>> {
    let Dest::File { path, .. } = dest else {
        return Ok(None);
    };
    stage_file(path, bytes, mode).map(Some)
}

/// [`stage`] of a regular file at `path`.
fn stage_file(path: &Path, bytes: &[u8], mode: Mode) -> Result<Staged> {
    let tmp = prepare(path, mode, |f| f.write_all(bytes))?;
    Ok(Staged::new(path.to_path_buf(), tmp))
}

/// [`commit`] of `files` together with outputs already [`stage`]d (renamed into place
/// first, in order): all or none of them replace what was there.
pub fn commit_staged(early: Vec<Staged>, files: &[(Dest, &[u8])], mode: Mode) -> Result<()> {
    let mut staged = early;
    staged.extend(stage_all(files, mode)?);
    // A FIFO or a device first: it cannot be rolled back, so nothing is renamed into place
    // until it has taken its bytes (a FIFO with no reader blocks here; Ctrl-C then removes
    // the temporary files and every regular output keeps its old contents).
    for (dest, bytes) in files {
        if !matches!(dest, Dest::File { .. }) {
            write(dest, bytes, mode)?;
        }
    }
    let _commit = cleanup::commit_lock();
    let mut done: Vec<(PathBuf, Option<tempfile::TempPath>)> = Vec::new();
    for Staged { path, tmp } in staged {
        match replace_keeping_old(tmp, &path) {
            Ok(old) => done.push((path, old)),
            Err(e) => {
                roll_back(done);
                return Err(e);
            }
        }
    }
    // The old contents are no longer needed: dropping the TempPaths deletes them.
    drop(done);
    Ok(())
}

/// Writes the temporary file of every [`Dest::File`] in `files`, each on its own thread: most
/// of the time is `fsync` waiting for the disk, and the waits overlap (a whole `pack` spent
/// a tenth of its time in two fsyncs one after the other). In `files` order; the first error
/// wins, and the temporary files already written are deleted when dropped.
fn stage_all(files: &[(Dest, &[u8])], mode: Mode) -> Result<Vec<Staged>> {
    let jobs: Vec<(&Path, &[u8])> = files
        .iter()
        .filter_map(|(dest, bytes)| match dest {
            Dest::File { path, .. } => Some((path.as_path(), *bytes)),
            _ => None,
        })
        .collect();
    let one = |(path, bytes): (&Path, &[u8])| stage_file(path, bytes, mode);
    if jobs.len() < 2 {
        return jobs.into_iter().map(one).collect();
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|job| s.spawn(move || one(job)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(Error::WriterPanicked)))
            .collect()
    })
}

/// Renames the old file (if any) to a temporary name, then `tmp` into place. Returns the
/// old file's temporary path, for a roll-back.
fn replace_keeping_old(
    tmp: tempfile::NamedTempFile,
    path: &Path,
) -> Result<Option<tempfile::TempPath>> {
    let old = if path.is_file() {
        let keep = tempfile::NamedTempFile::new_in(dir_of(path))
            .map_err(|source| Error::CreateTempBeside {
                path: path.to_path_buf(),
                source,
            })?
            .into_temp_path();
        std::fs::rename(path, &keep).map_err(|source| Error::MoveAside {
            path: path.to_path_buf(),
            source,
        })?;
        Some(keep)
    } else {
        None
    };
    if let Err(e) = persist(tmp, path) {
        if let Some(keep) = old {
            let _ = std::fs::rename(&keep, path);
            let _ = keep.keep();
        }
        return Err(e);
    }
    Ok(old)
}

fn roll_back(done: Vec<(PathBuf, Option<tempfile::TempPath>)>) {
    for (path, old) in done.into_iter().rev() {
        match old {
            Some(keep) => {
                if std::fs::rename(&keep, &path).is_ok() {
                    let _ = keep.keep();
                }
            }
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A complete temporary file beside `path` (its directory created if missing).
fn prepare(
    path: &Path,
    mode: Mode,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<tempfile::NamedTempFile> {
    let mut tmp = new_temp(path)?;
    write(tmp.as_file_mut()).map_err(|source| write_error(path, source))?;
    seal(&tmp, path, mode)?;
    Ok(tmp)
}

/// Gives a complete temporary file for `path` its final mode and syncs it to disk.
pub(super) fn seal(tmp: &tempfile::NamedTempFile, path: &Path, mode: Mode) -> Result<()> {
    let bits = match mode {
        Mode::Public => 0o644,
        Mode::Private => 0o600,
    };
    set_mode(tmp.as_file(), bits)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|source| write_error(path, source))
}

/// "cannot write `path`", caused by `source`.
pub(super) fn write_error(path: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// An empty temporary file beside `path` (its directory created if missing), tracked for
/// deletion if the run is interrupted.
pub(super) fn new_temp(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = dir_of(path);
    std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    // The temporary file starts as 0600 (tempfile's default), so a private key is never exposed.
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|source| Error::CreateTemp {
        dir: dir.to_path_buf(),
        source,
    })?;
    cleanup::track(tmp.path());
    Ok(tmp)
}

fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    let name = tmp.path().to_path_buf();
    tmp.persist(path).map_err(|e| Error::Rename {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    cleanup::untrack(&name);
    Ok(())
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename),
/// mode 0644, creating the parent directory if missing. For library callers that already
/// chose the path; the CLI plans its outputs with [`super::plan_output`] first.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dest = Dest::File {
        path: path.to_path_buf(),
        shown: path.to_path_buf(),
    };
    write(&dest, bytes, Mode::Public)
}

#[cfg(unix)]
fn set_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &std::fs::File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}
