//! `imgtool elf2bin` (to be written).
use super::Outcome;
/// Arguments of `imgtool elf2bin`.
#[derive(clap::Args, Debug)]
pub struct Args {}
pub fn run(_a: Args) -> anyhow::Result<Outcome> {
    anyhow::bail!("elf2bin: not implemented yet")
}
