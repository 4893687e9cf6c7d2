//! Writing a planned package to disk: the package and its manifest, committed together.

use super::plan::PlannedPackage;
use crate::output::{commit_staged, plan_output_dir, Dest, Mode, Staged};
use anyhow::Result;
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
/// [`crate::output::plan_output_dir`]): the destinations of the package and the manifest.
pub fn plan_package_outputs(dir: &Path, inputs: &[&Path], force: bool) -> Result<[Dest; 2]> {
    let dests = plan_output_dir(dir, &[PACKAGE_FILE, MANIFEST_FILE], inputs, force)?;
    let [package, manifest]: [Dest; 2] = dests
        .try_into()
        .map_err(|_| anyhow::anyhow!("two destinations were planned"))?;
    Ok([package, manifest])
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

/// [`write_planned`] when the package file may already be staged: `early` is what
/// [`stage_package`] made of `planned.bytes` (then only the manifest is written here).
pub fn write_planned_staged(
    planned: &PlannedPackage,
    dests: &[Dest; 2],
    early: Option<Staged>,
) -> Result<()> {
    let manifest = planned.manifest.to_json();
    let manifest = (dests[1].clone(), manifest.as_bytes());
    match early {
        Some(package) => commit_staged(vec![package], &[manifest], Mode::Public),
        None => commit_staged(
            Vec::new(),
            &[(dests[0].clone(), &planned.bytes), manifest],
            Mode::Public,
        ),
    }
}

/// Writes and syncs a package body, given as its parts back to back, to a temporary file for
/// the package destination (see [`crate::output::stage_parts`]), for
/// [`write_planned_staged`]; `None` if `dest` is not a file.
pub fn stage_package(dest: &Dest, body: &[&[u8]]) -> Result<Option<Staged>> {
    crate::output::stage_parts(dest, body, Mode::Public)
}
