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
//! A signer hooks in between 2 and 3: it appends its trailer to [`PlannedPackage::bytes`] (the
//! device ignores bytes after the last payload) and extends [`PlannedPackage::manifest`].

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
pub use sign::{load_public_key, sign_planned, ReleaseInfo, Signing};
pub use write::{
    plan_package_outputs, write_package, write_planned, write_planned_staged, PackageStage,
    WrittenPackage, MANIFEST_FILE, PACKAGE_FILE,
};
