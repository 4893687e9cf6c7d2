//! Writing a planned package to disk: the package and its manifest, committed together.

use super::error::Result;
use super::plan::BodySink;
use super::plan::PlannedPackage;
use fsio::output::{commit_staged, plan_output_dir, Dest, Mode, Staged, Streamed};
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

/// Checks the output directory `dir` before anything is read (see
/// [`fsio::output::plan_output_dir`]): the destinations of the package and the manifest.
pub fn plan_package_outputs(dir: &Path, inputs: &[&Path], force: bool) -> Result<[Dest; 2]> {
    let mut dests = plan_output_dir(dir, &[PACKAGE_FILE, MANIFEST_FILE], inputs, force)?;
    // One destination per file name given, in order.
    let manifest = dests.remove(1);
    Ok([dests.remove(0), manifest])
}

/// Writes `DIR/offline_install.bin` and `DIR/manifest.json` as one: if either cannot be
/// written, neither replaces what was there.
pub fn write_package(planned: &PlannedPackage, dir: &Path) -> Result<WrittenPackage> {
    let dests = plan_package_outputs(dir, &[], false)?;
    write_planned(planned, &dests)?;
    Ok(WrittenPackage {
        package: dir.join(PACKAGE_FILE),
        manifest: dir.join(MANIFEST_FILE),
    })
}

/// Writes the package and manifest to destinations from [`plan_package_outputs`].
pub fn write_planned(planned: &PlannedPackage, dests: &[Dest; 2]) -> Result<()> {
    write_planned_staged(planned, dests, None)
}

/// [`write_planned`] when the package file may already be staged: `early` is what a
/// [`PackageStage`] made of `planned.bytes` (then only the manifest is written here).
pub fn write_planned_staged(
    planned: &PlannedPackage,
    dests: &[Dest; 2],
    early: Option<Staged>,
) -> Result<()> {
    let manifest = planned.manifest.to_json();
    let manifest = (dests[1].clone(), manifest.as_bytes());
    match early {
        Some(package) => commit_staged(vec![package], &[manifest], Mode::Public)?,
        None => commit_staged(
            Vec::new(),
            &[(dests[0].clone(), &planned.bytes), manifest],
            Mode::Public,
        )?,
    }
    Ok(())
}

/// The package file of an unsigned package, written while it is planned: a [`BodySink`] for
/// [`super::plan_package_streaming`] whose output goes to [`write_planned_staged`]. Most of the
/// body is written and synced during the compression; the rest (the table, the CRC, the last
/// packets) once it is final.
#[derive(Debug)]
pub struct PackageStage(Option<Streamed>);

impl PackageStage {
    /// Streams the package to `dest`, or stages nothing (`enabled` false: a signed package is
    /// written whole after signing; or `dest` is not a regular file).
    pub fn new(dest: &Dest, enabled: bool) -> Self {
        Self(enabled.then(|| Streamed::new(dest, Mode::Public)).flatten())
    }
}

impl BodySink for PackageStage {
    type Output = fsio::Result<Option<Staged>>;

    fn write_at(&self, offset: u64, bytes: &[u8]) {
        if let Some(s) = &self.0 {
            s.write_at(offset, bytes);
        }
    }

    fn finish(&self, parts: &[&[u8]]) -> Self::Output {
        self.0.as_ref().map(|s| s.finish(parts)).transpose()
    }
}
