//! Safe file input and output for imgtool's commands and library.
//!
//! This crate owns every byte imgtool reads from or writes to a user's path:
//! - [`input`]: bounded reads. Each kind of input has a [`input::Limit`]; a file larger than
//!   it is refused from its size, a pipe or device once one byte more arrives, so `/dev/zero`
//!   cannot take all memory. `-` is standard input, read once per process.
//! - [`output`]: output planning and writing. Every output is resolved to the file it will
//!   really open before any input is read (resolve-first), then refused if it is an input
//!   (same file), another output of the same command, or a protected file (an existing
//!   private key) unless forced. Regular files are written to a temporary file and renamed
//!   into place; several outputs are committed all or none; an interrupted run deletes its
//!   temporary files ([`output::cleanup`]).
//!
//! Errors are one typed [`Error`]: its message states the path and the numbers, and the
//! operating system's cause is its `source()`, never repeated in the message. Nothing here
//! knows about the command line.

mod error;
pub mod input;
pub mod output;

pub use error::{Error, Result};
