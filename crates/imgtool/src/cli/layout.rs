//! `imgtool layout` (to be written).
use super::Outcome;
/// Subcommands of `imgtool layout`.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// placeholder
    Show,
}
pub fn run(_c: Command) -> anyhow::Result<Outcome> {
    anyhow::bail!("layout: not implemented yet")
}
