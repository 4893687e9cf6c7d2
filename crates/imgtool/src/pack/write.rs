//! Writing a planned package to disk.

use super::plan::PlannedPackage;
use anyhow::Result;
use package::manifest::Manifest;
use std::path::{Path, PathBuf};

/// File name of the package in the output directory.
pub const PACKAGE_FILE: &str = "offline_install.bin";
/// File name of the manifest in the output directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// What [`write_package`] wrote.
#[derive(Debug, Clone)]
pub struct WrittenPackage {
    /// Path of `offline_install.bin`.
    pub package: PathBuf,
    /// Path of `manifest.json`.
    pub manifest: PathBuf,
}

/// Writes `DIR/offline_install.bin` and `DIR/manifest.json`, each atomically.
pub fn write_package(planned: &PlannedPackage, dir: &Path) -> Result<WrittenPackage> {
    let package = dir.join(PACKAGE_FILE);
    let manifest = dir.join(MANIFEST_FILE);
    crate::output::write_atomic(&package, &planned.bytes)?;
    write_manifest(&planned.manifest, &manifest)?;
    Ok(WrittenPackage { package, manifest })
}

fn write_manifest(m: &Manifest, path: &Path) -> Result<()> {
    crate::output::write_atomic(path, m.to_json().as_bytes())
}
