//! Writing output files without ever leaving a partial one behind.
//!
//! Every file the tool writes goes to a temporary file in the destination directory first and is
//! renamed into place only once it is complete, so an error (or a crash) leaves either the old
//! file or nothing.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename).
///
/// Creates the parent directory if it does not exist. The file is readable by everyone
/// (mode 0644 on Unix): packages, images and public keys are meant to be shared.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with_mode(path, 0o644, |f| f.write_all(bytes))
}

/// Like [`write_atomic`], but the contents are streamed by `write` (for images too large to
/// hold in memory twice); if it fails, nothing is left at `path`.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    write_with_mode(path, 0o644, write)
}

/// Like [`write_atomic`], but readable by the owner only (mode 0600 on Unix), for private keys.
///
/// The mode is set on the temporary file before the rename, so the secret is never visible
/// under its final name with wider permissions.
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with_mode(path, 0o600, |f| f.write_all(bytes))
}

fn write_with_mode(
    path: &Path,
    mode: u32,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory {}", dir.display()))?;
    // The temporary file starts as 0600 (tempfile's default), so a private key is never exposed.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    write(tmp.as_file_mut())
        .and_then(|()| set_mode(tmp.as_file(), mode))
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot rename the temporary file to {}", path.display()))?;
    Ok(())
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

/// Reads a whole input file, naming it in the error.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
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
        let public = dir.path().join("pkg.bin");
        let private = dir.path().join("key.pem");
        write_atomic(&public, b"pkg").unwrap();
        write_atomic_private(&private, b"key").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&public), 0o644);
        assert_eq!(mode(&private), 0o600);
    }
}
