//! The file an output path will actually open, found before anything is checked or created.
//!
//! `nosuch/../k.pem` opens `./k.pem` once `nosuch` has been created: a check on the path as
//! typed (whose parent does not exist) would see no file at all and let a key be replaced.
//! So every output path is first resolved component by component, the way the kernel will
//! walk it after the missing directories exist: existing components through the file system
//! (symlinks followed), missing ones as the plain directories `create_dir_all` makes, `..`
//! taking back the last component.

use crate::{Error, Result};
use std::path::{Component, Path, PathBuf};

/// The absolute path `path` will open, symlinks in its directories resolved, `.` and `..`
/// applied. The last component is kept as is (a symlink there is followed by the caller,
/// which must decide whether to write through it).
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let cwd = || std::env::current_dir().map_err(|source| Error::CurrentDir { source });
    let mut at = if path.is_absolute() {
        PathBuf::new()
    } else {
        cwd()?
    };
    let mut components = path.components().peekable();
    while let Some(c) = components.next() {
        let last = components.peek().is_none();
        match c {
            Component::Prefix(p) => at.push(p.as_os_str()),
            Component::RootDir => at.push(Component::RootDir.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                at.pop();
            }
            Component::Normal(name) => {
                at.push(name);
                if !last {
                    at = through_fs(at);
                }
            }
        }
    }
    Ok(at)
}

/// `at` with its symlinks resolved if it exists; as is (a directory to create) if not.
fn through_fs(at: PathBuf) -> PathBuf {
    if std::fs::symlink_metadata(&at).is_err() {
        return at;
    }
    std::fs::canonicalize(&at).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_directories_are_walked_like_the_kernel_will() {
        let dir = tempfile::tempdir().unwrap();
        let d = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(
            resolve(&d.join("nosuch/../k.pem")).unwrap(),
            d.join("k.pem")
        );
        assert_eq!(
            resolve(&d.join("a/b/../../c/./k.pem")).unwrap(),
            d.join("c/k.pem")
        );
        assert_eq!(resolve(&d.join("a/b/k.pem")).unwrap(), d.join("a/b/k.pem"));
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_directories_are_followed_before_dot_dot() {
        let dir = tempfile::tempdir().unwrap();
        let d = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(d.join("real/sub")).unwrap();
        std::os::unix::fs::symlink(d.join("real/sub"), d.join("link")).unwrap();
        // link/.. is real/, not d/.
        assert_eq!(
            resolve(&d.join("link/../k.pem")).unwrap(),
            d.join("real/k.pem")
        );
        assert_eq!(
            resolve(&d.join("nosuch/../link/k.pem")).unwrap(),
            d.join("real/sub/k.pem")
        );
    }
}
