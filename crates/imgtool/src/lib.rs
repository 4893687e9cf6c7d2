//! `imgtool`: the driver that chains the workspace crates (`elf2bin`, `ezip`, `layout`,
//! `package`, `sign`) into one command line tool and a library API for `build.rs` scripts and
//! release pipelines.
//!
//! The CLI lives in [`cli`]; it is the only place that knows about exit codes and hints.

pub mod cli;
pub mod pack;
