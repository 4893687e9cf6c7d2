//! Writing output files without ever destroying what the user points at.
//!
//! Every output is checked with [`plan_output`] (or [`plan_output_dir`]) before any input is
//! read, which decides a [`Dest`]:
//! - `-` is standard output;
//! - a regular file (or a new name) is written to a temporary file in the same directory and
//!   renamed into place once complete, so an error (or a crash) leaves the old file or nothing;
//! - a FIFO or a device (`/dev/stdout`, `/dev/null`) is written through: it is never replaced
//!   by a regular file;
//! - a symlink is followed: its target is written, the link stays a link;
//! - the same file as an input, or an existing private key (unless `--force`), is refused.
//!
//! [`commit`] writes several files as one: if any cannot be written, none replaces what was
//! there (pack's package and manifest).

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where one output goes; made by [`plan_output`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// Standard output (`-o -`).
    Stdout,
    /// A regular file or a new one: written atomically (temporary file, then rename).
    File(PathBuf),
    /// A FIFO, character or block device: opened and written through, never replaced.
    Special(PathBuf),
}

impl Dest {
    /// The path to print in messages (`-` for standard output).
    pub fn display(&self) -> String {
        match self {
            Dest::Stdout => "standard output".to_string(),
            Dest::File(p) | Dest::Special(p) => p.display().to_string(),
        }
    }

    /// Whether this is standard output (callers then print nothing else there).
    pub fn is_stdout(&self) -> bool {
        *self == Dest::Stdout
    }
}

/// Prints a status line about `dest`: on standard output, unless the data itself went there
/// (then on standard error, so `-o -` output stays clean).
pub fn status(dest: &Dest, line: std::fmt::Arguments<'_>) {
    if dest.is_stdout() {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

/// Access mode of a written file (Unix permission bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 0644: packages, images, public keys, texts are meant to be shared.
    Public,
    /// 0600: private keys; set before the rename, so never visible with wider permissions.
    Private,
}

/// Checks the output `path` against the `inputs` of the same command and decides how to write
/// it. Call it before reading any input, so a refused output costs nothing.
///
/// Refuses: a directory; the same file as an input (same device and inode, or same canonical
/// path); a dangling symlink; an existing file holding a private key unless `force`.
pub fn plan_output(path: &Path, inputs: &[&Path], force: bool) -> Result<Dest> {
    if path.as_os_str() == "-" {
        return Ok(Dest::Stdout);
    }
    let target = follow_link(path)?;
    refuse_input_as_output(path, &target, inputs)?;
    let Ok(meta) = std::fs::metadata(&target) else {
        return Ok(Dest::File(target));
    };
    if meta.is_dir() {
        bail!("output {} is a directory; give a file name", path.display());
    }
    if !meta.is_file() {
        return Ok(Dest::Special(target));
    }
    if !force && holds_private_key(&target) {
        bail!(
            "output {} holds a private key; refusing to overwrite it (choose another name, or \
             --force if you really mean to replace the key)",
            path.display()
        );
    }
    Ok(Dest::File(target))
}

/// Checks an output directory (`pack`, `unpack`, `elf2bin --layout`, `gen-dfu`) and the
/// `files` the command will write into it (by name), against its `inputs`. Returns the
/// destination of each file, in order.
///
/// `-o x/offline_install.bin` would create a directory named `offline_install.bin`: a name
/// with an extension that exists as no directory is refused with a hint, and so is an
/// existing file.
pub fn plan_output_dir(
    dir: &Path,
    files: &[&str],
    inputs: &[&Path],
    force: bool,
) -> Result<Vec<Dest>> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!(
            "-o {} is an existing file, but this command writes {} into a directory: give a \
             directory (created if missing)",
            dir.display(),
            files.join(" and ")
        ),
        Err(_) if dir.extension().is_some() => {
            let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
            bail!(
                "-o {} names a directory to create, but it looks like a file name; this command \
                 writes {} into a directory: give -o {}",
                dir.display(),
                files.join(" and "),
                parent.map_or(".".into(), |p| p.display().to_string())
            )
        }
        Err(_) => {}
    }
    files
        .iter()
        .map(|f| plan_output(&dir.join(f), inputs, force))
        .collect()
}

/// A symlink's final target (the link itself is never replaced); any other path as is.
fn follow_link(path: &Path) -> Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(path.to_path_buf());
    }
    // `/dev/stdout` -> `/proc/self/fd/1` -> `pipe:[...]`: a link to something that is no
    // file has no canonical path, but opening the link writes through to it.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return Ok(path.to_path_buf());
    }
    std::fs::canonicalize(path).with_context(|| {
        format!(
            "output {} is a symlink whose target does not exist; give the target's path",
            path.display()
        )
    })
}

fn refuse_input_as_output(path: &Path, target: &Path, inputs: &[&Path]) -> Result<()> {
    for input in inputs {
        if same_file(target, input) {
            bail!(
                "output {} is the same file as the input {}; nothing was written \
                 (give another output name)",
                path.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// Same device and inode, or (for a file not yet there) the same canonical path.
fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        return same_inode(&ma, &mb);
    }
    match (canonical_even_if_missing(a), canonical_even_if_missing(b)) {
        (Some(x), Some(y)) => x == y,
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
    false // the canonical-path comparison below still applies
}

fn canonical_even_if_missing(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = std::fs::canonicalize(p) {
        return Some(c);
    }
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(p.file_name()?))
}

/// Whether the file holds a PEM private key of any kind (PKCS#8, PKCS#1, SEC1, OpenSSH,
/// encrypted): only its first KiBs are looked at, through the bounded reader.
fn holds_private_key(path: &Path) -> bool {
    let limit = crate::input::Limit::new("the file being replaced", 64 << 10);
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if meta.len() > limit.bytes {
        return false; // larger than any key file
    }
    crate::input::read_bounded(path, limit)
        .is_ok_and(|b| String::from_utf8_lossy(&b).contains("PRIVATE KEY-----"))
}

/// Writes `bytes` to `dest`.
pub fn write(dest: &Dest, bytes: &[u8], mode: Mode) -> Result<()> {
    write_with(dest, mode, |f| f.write_all(bytes))
}

/// Like [`write`], but the contents are streamed by `write` (for images too large to hold in
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
                .context("cannot write to standard output")
        }
        Dest::Special(p) => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(p)
                .with_context(|| format!("cannot open {} for writing", p.display()))?;
            write(&mut f).with_context(|| format!("cannot write {}", p.display()))
        }
        Dest::File(p) => {
            let tmp = prepare(p, mode, write)?;
            persist(tmp, p)
        }
    }
}

/// Writes every `(dest, bytes)` or none: all temporary files are written first, then renamed
/// into place; if a rename fails, the files already replaced get their old contents back.
/// Special files and standard output (which cannot be rolled back) are written last.
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

/// Writes `bytes` to a temporary file for `dest` now, so the write and its `fsync` can
/// overlap other work; `None` for standard output and special files, which are written
/// only at commit time.
pub fn stage(dest: &Dest, bytes: &[u8], mode: Mode) -> Result<Option<Staged>> {
    let Dest::File(path) = dest else {
        return Ok(None);
    };
    let tmp = prepare(path, mode, |f| f.write_all(bytes))?;
    Ok(Some(Staged {
        path: path.clone(),
        tmp,
    }))
}

/// An output written to its temporary file while it is produced, piece by piece at known
/// offsets, then completed and synced by [`Streamed::finish`] into a [`Staged`] (pack's
/// package body, written during the compression). The temporary file is created with the
/// first piece, and deleted if this is dropped unfinished.
#[derive(Debug)]
pub struct Streamed {
    path: PathBuf,
    mode: Mode,
    state: std::sync::Mutex<StreamState>,
}

#[derive(Debug, Default)]
struct StreamState {
    tmp: Option<tempfile::NamedTempFile>,
    /// Byte ranges already written, in the order written.
    written: Vec<std::ops::Range<u64>>,
    /// Bytes written since the last sync.
    unsynced: usize,
    /// The first failure; later pieces are dropped and `finish` reports it.
    error: Option<anyhow::Error>,
}

/// A streamed output syncs after this many new bytes, so the disk takes the file while it is
/// still being produced and the final `fsync` only waits for the last stretch.
const STREAM_SYNC_EVERY: usize = 1 << 20;

impl Streamed {
    /// A streamed output for `dest`; `None` for standard output and special files, which are
    /// written only at commit time.
    pub fn new(dest: &Dest, mode: Mode) -> Option<Self> {
        let Dest::File(path) = dest else {
            return None;
        };
        Some(Self {
            path: path.clone(),
            mode,
            state: std::sync::Mutex::new(StreamState::default()),
        })
    }

    /// Writes `bytes` at `offset` of the file (final bytes: nothing rewrites them), syncing
    /// now and then. A failure is kept for [`Streamed::finish`].
    pub fn write_at(&self, offset: u64, bytes: &[u8]) {
        let mut state = self.lock();
        if state.error.is_some() {
            return;
        }
        if let Err(e) = state.write_at(&self.path, offset, bytes) {
            state.error = Some(e);
        }
    }

    /// Writes every byte of `parts` (the whole file, back to back) that no
    /// [`Streamed::write_at`] wrote, then sets the mode and syncs: the output is ready for
    /// [`commit_staged`].
    pub fn finish(&self, parts: &[&[u8]]) -> Result<Staged> {
        let mut state = self.lock();
        if let Some(e) = state.error.take() {
            return Err(e);
        }
        let mut at = 0u64;
        for part in parts {
            let end = at + part.len() as u64;
            for gap in gaps(at..end, &state.written) {
                let bytes = &part[(gap.start - at) as usize..(gap.end - at) as usize];
                state.write_at(&self.path, gap.start, bytes)?;
            }
            at = end;
        }
        if let Some(beyond) = state.written.iter().find(|w| w.end > at) {
            bail!(
                "internal error: bytes {:#x}..{:#x} were written beyond the {at} bytes of {}",
                beyond.start,
                beyond.end,
                self.path.display()
            );
        }
        let tmp = match state.tmp.take() {
            Some(tmp) => tmp,
            None => new_temp(&self.path)?,
        };
        seal(&tmp, &self.path, self.mode)?;
        Ok(Staged {
            path: self.path.clone(),
            tmp,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StreamState> {
        // A panic while holding the lock leaves no invariant half-done that matters here.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl StreamState {
    fn write_at(&mut self, path: &Path, offset: u64, bytes: &[u8]) -> Result<()> {
        use std::io::{Seek, SeekFrom};
        let tmp = match &mut self.tmp {
            Some(tmp) => tmp,
            None => self.tmp.insert(new_temp(path)?),
        };
        let file = tmp.as_file_mut();
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.write_all(bytes))
            .with_context(|| format!("cannot write {}", path.display()))?;
        self.written.push(offset..offset + bytes.len() as u64);
        self.unsynced += bytes.len();
        if self.unsynced >= STREAM_SYNC_EVERY {
            file.sync_data()
                .with_context(|| format!("cannot write {}", path.display()))?;
            self.unsynced = 0;
        }
        Ok(())
    }
}

/// The parts of `range` that none of `written` covers, in order.
fn gaps(
    range: std::ops::Range<u64>,
    written: &[std::ops::Range<u64>],
) -> Vec<std::ops::Range<u64>> {
    let mut covered: Vec<_> = written
        .iter()
        .filter(|w| w.start < range.end && w.end > range.start)
        .map(|w| w.start.max(range.start)..w.end.min(range.end))
        .collect();
    covered.sort_by_key(|w| w.start);
    let mut out = Vec::new();
    let mut at = range.start;
    for w in covered {
        if w.start > at {
            out.push(at..w.start);
        }
        at = at.max(w.end);
    }
    if at < range.end {
        out.push(at..range.end);
    }
    out
}

/// [`commit`] of `files` together with outputs already [`stage`]d (renamed into place
/// first, in order): all or none of them replace what was there.
pub fn commit_staged(early: Vec<Staged>, files: &[(Dest, &[u8])], mode: Mode) -> Result<()> {
    let mut staged = early;
    staged.extend(stage_all(files, mode)?);
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
    for (dest, bytes) in files {
        if !matches!(dest, Dest::File(_)) {
            write(dest, bytes, mode)?;
        }
    }
    Ok(())
}

/// Writes the temporary file of every [`Dest::File`] in `files`, each on its own thread: most
/// of the time is `fsync` waiting for the disk, and the waits overlap (a whole `pack` spent
/// a tenth of its time in two fsyncs one after the other). In `files` order; the first error
/// wins, and the temporary files already written are deleted when dropped.
fn stage_all(files: &[(Dest, &[u8])], mode: Mode) -> Result<Vec<Staged>> {
    let jobs: Vec<&(Dest, &[u8])> = files
        .iter()
        .filter(|(dest, _)| matches!(dest, Dest::File(_)))
        .collect();
    let one = |(dest, bytes): &(Dest, &[u8])| {
        stage(dest, bytes, mode)?.context("a file destination was not staged")
    };
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
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a thread writing an output panicked")))
            })
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
            .with_context(|| format!("cannot create a temporary file beside {}", path.display()))?
            .into_temp_path();
        std::fs::rename(path, &keep)
            .with_context(|| format!("cannot move the old {} aside", path.display()))?;
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
    write(tmp.as_file_mut()).with_context(|| format!("cannot write {}", path.display()))?;
    seal(&tmp, path, mode)?;
    Ok(tmp)
}

/// Gives a complete temporary file for `path` its final mode and syncs it to disk.
fn seal(tmp: &tempfile::NamedTempFile, path: &Path, mode: Mode) -> Result<()> {
    let bits = match mode {
        Mode::Public => 0o644,
        Mode::Private => 0o600,
    };
    set_mode(tmp.as_file(), bits)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// An empty temporary file beside `path` (its directory created if missing).
fn new_temp(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = dir_of(path);
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory {}", dir.display()))?;
    // The temporary file starts as 0600 (tempfile's default), so a private key is never exposed.
    tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))
}

fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot rename the temporary file to {}", path.display()))?;
    Ok(())
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename),
/// mode 0644, creating the parent directory if missing. For library callers that already
/// chose the path; the CLI plans its outputs with [`plan_output`] first.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write(&Dest::File(path.to_path_buf()), bytes, Mode::Public)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_creates_parent_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/out.bin");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        // No temporary files are left beside the output.
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn public_outputs_are_0644_and_private_ones_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let public = Dest::File(dir.path().join("pkg.bin"));
        let private = Dest::File(dir.path().join("key.pem"));
        write(&public, b"pkg", Mode::Public).unwrap();
        write(&private, b"key", Mode::Private).unwrap();
        let mode = |p: &str| {
            std::fs::metadata(dir.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("pkg.bin"), 0o644);
        assert_eq!(mode("key.pem"), 0o600);
    }

    #[test]
    fn commit_rolls_back_the_files_already_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("offline_install.bin");
        let b = dir.path().join("manifest.json");
        std::fs::write(&a, b"old package").unwrap();
        // A non-empty directory where the manifest goes: its rename must fail.
        std::fs::create_dir(&b).unwrap();
        std::fs::write(b.join("x"), b"").unwrap();
        let files = [
            (Dest::File(a.clone()), &b"new package"[..]),
            (Dest::File(b.clone()), &b"{}"[..]),
        ];
        assert!(commit(&files, Mode::Public).is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"old package");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file left behind");
    }

    #[test]
    fn an_output_that_is_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.elf");
        std::fs::write(&p, b"x").unwrap();
        let e = plan_output(&p, &[&p], false).unwrap_err();
        assert!(
            e.to_string().contains("is the same file as the input"),
            "{e}"
        );
        // Not yet existing, spelled differently: the same canonical path.
        let q = dir.path().join("new.bin");
        let q2 = dir.path().join(".").join("new.bin");
        assert!(plan_output(&q, &[&q2], false).is_err());
    }

    #[test]
    fn a_private_key_is_not_overwritten_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("prod.pem");
        std::fs::write(
            &p,
            "-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let e = plan_output(&p, &[], false).unwrap_err();
        assert!(e.to_string().contains("holds a private key"), "{e}");
        assert_eq!(plan_output(&p, &[], true).unwrap(), Dest::File(p));
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_through_and_symlinks_followed() {
        let null = plan_output(Path::new("/dev/null"), &[], false).unwrap();
        assert_eq!(null, Dest::Special("/dev/null".into()));
        write(&null, b"x", Mode::Public).unwrap();
        use std::os::unix::fs::FileTypeExt;
        let kind = std::fs::metadata("/dev/null").unwrap().file_type();
        assert!(kind.is_char_device(), "/dev/null must stay a device");

        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.bin");
        let link = dir.path().join("link.bin");
        std::fs::write(&target, b"old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let dest = plan_output(&link, &[], false).unwrap();
        write(&dest, b"new", Mode::Public).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[test]
    fn a_directory_output_that_looks_like_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = plan_output_dir(
            &dir.path().join("offline_install.bin"),
            &["a", "b"],
            &[],
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("looks like a file name"), "{e}");
        let f = dir.path().join("file");
        std::fs::write(&f, b"").unwrap();
        let e = plan_output_dir(&f, &["a"], &[], false).unwrap_err();
        assert!(e.to_string().contains("is an existing file"), "{e}");
        assert!(plan_output_dir(&dir.path().join("out"), &["a"], &[], false).is_ok());
    }
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    #[test]
    fn gaps_are_what_no_write_covered() {
        assert_eq!(gaps(0..10, &[]), vec![0..10]);
        assert_eq!(gaps(0..10, &[2..4, 6..8]), vec![0..2, 4..6, 8..10]);
        assert_eq!(gaps(10..20, &[0..12, 18..30]), vec![12..18]);
        assert_eq!(
            gaps(0..10, &[5..10, 0..5]),
            Vec::<std::ops::Range<u64>>::new()
        );
        assert_eq!(gaps(0..10, &[3..6, 4..5]), vec![0..3, 6..10]);
    }

    #[test]
    fn streamed_file_is_the_parts_whatever_was_written_early() {
        let dir = tempfile::tempdir().unwrap();
        let dest = Dest::File(dir.path().join("pkg.bin"));
        let parts: [&[u8]; 3] = [b"HEAD", b"payload-one", b"payload-two!"];
        let joined = parts.concat();
        let s = Streamed::new(&dest, Mode::Public).unwrap();
        s.write_at(4, b"payload");
        s.write_at(15, b"payload-t");
        let staged = s.finish(&parts).unwrap();
        assert_eq!(std::fs::read(staged.tmp.path()).unwrap(), joined);
        commit_staged(vec![staged], &[], Mode::Public).unwrap();
        assert_eq!(std::fs::read(dir.path().join("pkg.bin")).unwrap(), joined);
        // Nothing written early: finish writes it all.
        let s = Streamed::new(&dest, Mode::Public).unwrap();
        assert_eq!(
            std::fs::read(s.finish(&parts).unwrap().tmp.path()).unwrap(),
            joined
        );
    }

    #[test]
    fn streamed_write_failure_is_reported_by_finish_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file"), b"x").unwrap();
        let dest = Dest::File(dir.path().join("file/pkg.bin"));
        let s = Streamed::new(&dest, Mode::Public).unwrap();
        s.write_at(0, b"early");
        let e = s.finish(&[b"early"]).unwrap_err();
        assert!(
            format!("{e:#}").contains("cannot create output directory"),
            "{e:#}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn streamed_bytes_beyond_the_parts_are_an_internal_error() {
        let dir = tempfile::tempdir().unwrap();
        let s = Streamed::new(&Dest::File(dir.path().join("p")), Mode::Public).unwrap();
        s.write_at(8, b"beyond");
        let e = s.finish(&[b"short"]).unwrap_err();
        assert!(e.to_string().contains("internal error"), "{e}");
    }

    #[test]
    fn only_regular_files_are_streamed() {
        assert!(Streamed::new(&Dest::Stdout, Mode::Public).is_none());
        assert!(Streamed::new(&Dest::Special("/dev/null".into()), Mode::Public).is_none());
    }
}
