//! Writing a planned secure build, all or none.

use super::error::Result;
use super::plan::{Artifact, SecurePlan};
use fsio::output::{commit_staged, plan_outputs, stage, Mode};
use std::path::Path;

/// Writes `artifacts` (each at its `path`), all or none: an output that is one of `inputs`,
/// two artifacts that are the same file, or a protected file unless `force`, is refused
/// before anything is written. Private artifacts get mode 0600.
pub fn write_artifacts(artifacts: &[Artifact], inputs: &[&Path], force: bool) -> Result<()> {
    let named: Vec<(&str, &Path)> = artifacts
        .iter()
        .map(|a| (a.role, a.path.as_path()))
        .collect();
    let dests = plan_outputs(&named, inputs, force)?;
    // Private files (session keys) are staged with mode 0600, then committed with the public
    // ones in one step: all or none.
    let mut early = Vec::new();
    let mut public = Vec::new();
    for (a, dest) in artifacts.iter().zip(&dests) {
        match a
            .private
            .then(|| stage(dest, &a.bytes, Mode::Private))
            .transpose()?
        {
            Some(Some(staged)) => early.push(staged),
            Some(None) | None => public.push((dest.clone(), a.bytes.as_slice())),
        }
    }
    commit_staged(early, &public, Mode::Public)?;
    Ok(())
}

/// The artifacts of `plan` with their paths in `dir`.
pub fn in_dir(plan: &SecurePlan, dir: &Path) -> Vec<Artifact> {
    plan.artifacts
        .iter()
        .map(|a| Artifact {
            path: dir.join(&a.path),
            ..a.clone()
        })
        .collect()
}

/// Writes every artifact of `plan` into `dir`, all or none, never over one of `inputs` (the
/// images and key files the build read) and over a protected file only with `force`.
pub fn write_secure(plan: &SecurePlan, dir: &Path, inputs: &[&Path], force: bool) -> Result<()> {
    write_artifacts(&in_dir(plan, dir), inputs, force)
}
