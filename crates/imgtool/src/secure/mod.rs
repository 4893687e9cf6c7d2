//! The vendor's secure DFU as a library: the control packet, its record files and the
//! optional offline package v1, from images and keys, without the command line. The library
//! behind `imgtool gen-dfu --offline_img=0|1` and `imgtool pack --secure`, usable from
//! `build.rs` scripts and release tools.
//!
//! Three steps, each a value you can look at:
//! 1. [`SecureConfig`]: the images ([`SecureImage`]: stem, flag, id, payload; from a
//!    [`PlannedPackage`](crate::pack::PlannedPackage) with
//!    [`SecureImage::from_planned_package`]) and the build parameters ([`SecureBuild`]);
//!    the keys are a [`SecureKeys`] (in memory, or read with [`SecureKeys::load`]);
//! 2. [`plan_secure`]: seals the images, signs the control packet and returns a
//!    [`SecurePlan`] (the control packet, the record files, the offline v1 package if asked,
//!    and every [`Artifact`] under its vendor file name);
//! 3. [`write_secure`]: writes the artifacts into a directory, all or none
//!    ([`SecurePlan::push_manifest`] adds `manifest.json` first, as `pack --secure` does).
//!
//! [`check_device`] refuses what the device would reject before any input is read (planning
//! checks it again). Reading back: [`detect`] which artifact a file is, [`read_records`]
//! (bounded by the control packet), [`verify_ctrl`] and [`verify_offline_v1`] (hashes,
//! signatures and the device rules as findings).
//!
//! The `[secure]` table of an `ota.toml` is [`SecureToml::from_ota_toml`]. The formats and
//! crypto are crate `secure`; errors are [`SecureFlowError`].

mod check;
mod config;
mod error;
mod keys;
mod manifest;
mod ota_toml;
mod plan;
mod write;

pub use check::{
    check_device, detect, device_findings, read_records, verify_ctrl, verify_offline_v1,
    ArtifactKind, DeviceTarget,
};
pub use config::{input_name, record_name, Naming, SecureBuild, SecureConfig, SecureImage};
pub use error::{Result, SecureFlowError};
pub use keys::{KeyFiles, SecureKeys, SignerKey};
pub use manifest::{online_files, secure_manifest, OnlineFiles, SECURE_MANIFEST_FILE};
pub use ota_toml::{DeviceBuildName, SecureToml};
pub use plan::{plan_secure, Artifact, SecurePlan, CTRL_HASH_LEN};
pub use write::{in_dir, write_artifacts, write_secure};
