//! `imgtool completions SHELL`: a completion script, generated from the same command tree
//! clap parses with, to standard output.

use super::Outcome;
use anyhow::Result;
use clap_complete::Shell;

const AFTER_HELP: &str = "\
Examples:
  imgtool completions bash > ~/.local/share/bash-completion/completions/imgtool
  imgtool completions zsh > ~/.zfunc/_imgtool      (with fpath+=~/.zfunc before compinit)
  imgtool completions fish > ~/.config/fish/completions/imgtool.fish
  imgtool completions powershell >> $PROFILE
  imgtool completions elvish >> ~/.config/elvish/rc.elv

The script completes every subcommand, option and enumerated value of this imgtool version;
regenerate it after an upgrade.";

/// Arguments of `imgtool completions`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Runs `imgtool completions`.
pub fn run(args: Args) -> Result<Outcome> {
    let mut cmd = super::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "imgtool", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(Outcome::Ok)
}
