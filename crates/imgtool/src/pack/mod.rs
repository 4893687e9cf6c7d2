//! Building an offline package from ELF or `.bin` inputs: the library behind `imgtool pack`
//! (and `gen-dfu`), usable from `build.rs` scripts and release pipelines.
//!
//! Three steps, each a value you can look at:
//! 1. [`PackConfig`]: what to pack (from `ota.toml` via [`PackConfig::from_toml_file`], or
//!    built in code);
//! 2. [`plan_package`]: reads the inputs, converts ELFs, compresses, runs every check against
//!    the layout and returns a [`PlannedPackage`] (the package bytes and the manifest included;
//!    [`plan_package_streaming`] also writes the body to a [`BodySink`] while it is built,
//!    which is how `imgtool pack` writes an unsigned package during the compression);
//! 3. [`write_package`]: writes `offline_install.bin` and `manifest.json` atomically.
//!
//! A signer hooks in between 2 and 3 ([`sign_planned`]): it appends its trailer to
//! [`PlannedPackage::bytes`] (the device ignores bytes after the last payload), extends
//! [`PlannedPackage::manifest`], and checks the signed package against the download region.
//! Every step returns a typed [`PackError`].
//!
//! The other write functions are step 3 split for a CLI that plans its outputs before reading
//! any input and streams the body while compressing: [`plan_package_outputs`] (check the
//! output directory first), [`PackageStage`] (a [`BodySink`] writing the body to its temporary
//! file during step 2), [`write_planned_staged`] / [`write_planned`] (commit the package and the
//! manifest together). Planning itself is [`plan_package_streaming`]'s three parts, kept apart
//! from the performance plumbing in `plan.rs`: images, container rules, body and digests.

mod config;
mod error;
mod input;
mod plan;
mod sign;
mod write;

pub use config::{Compression, ImageSpec, InputFormat, LayoutRef, PackConfig, PackOptions};
pub use error::{PackError, Result};
pub use input::{load_image, LoadedImage};
pub use plan::{plan_package, plan_package_streaming, BodySink, PlannedImageInfo, PlannedPackage};
pub use sign::{load_public_key, sign_planned, sign_planned_unlocked, ReleaseInfo, Signing};
pub use write::{
    plan_package_outputs, write_package, write_planned, write_planned_staged, PackageStage,
    WrittenPackage, MANIFEST_FILE, PACKAGE_FILE,
};
