//! `imgtool`: the driver that chains the workspace crates (`elf2bin`, `ezip`, `layout`,
//! `package`, `sign`) into a library API for `build.rs` scripts and release pipelines
//! ([`pack`], [`secure`], and [`diff`] to compare two releases), and the `imgtool` command
//! line tool.
//!
//! The command line lives in the binary target (`src/main.rs`, `src/cli/`): it is the only
//! place that knows about clap, exit codes and hints. The `cli-tree` feature also compiles it
//! into this library as `imgtool::cli`, so tests and doc generators can walk clap's command
//! tree (`imgtool::cli::command()`); library users leave it off.

// The CLI names the library as `imgtool::` from either target: from the binary that is this
// crate, and with `cli-tree` compiled in here, this alias makes the same path resolve.
extern crate self as imgtool;

#[cfg(feature = "cli-tree")]
#[doc(hidden)]
pub mod cli;
pub mod diff;
pub mod pack;
pub mod secure;
