//! `imgtool image ...`: LVGL image resources (PNG -> EZIP / pixels as `.bin` or C files, and
//! back), and the vendor `ezip` tool's drop-in (`imgtool ezip`, [`vendor`]).

pub mod convert;
pub mod decode;
mod folder;
mod tasks;
pub mod vendor;

use super::Outcome;
use anyhow::Result;

/// `imgtool image` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Convert PNG files (or SDK resource folders) to EZIP or pixel images, as .bin or C files
    Convert(convert::Args),
    /// Decode an image .bin or C file (EZIP or pixels) back to a PNG
    Decode(decode::Args),
}

/// Runs an `imgtool image` subcommand.
pub fn run(c: Command) -> Result<Outcome> {
    match c {
        Command::Convert(a) => convert::run(a),
        Command::Decode(a) => decode::run(a),
    }
}
