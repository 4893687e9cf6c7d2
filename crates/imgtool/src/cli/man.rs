//! `imgtool man [-o DIR]`: the manual pages, generated from the command tree clap parses
//! with: `imgtool.1` and one page per subcommand (`imgtool-pack.1`, `imgtool-layout-show.1`).

use super::Outcome;
use anyhow::Result;
use clap_mangen::Man;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  imgtool man | man -l -
      Reads imgtool.1 (the overview) without installing it.
  imgtool man -o /usr/local/share/man/man1
      Writes imgtool.1 and imgtool-pack.1, imgtool-layout-show.1, ... (one per subcommand).

The pages are made from the same text as --help, so they document this imgtool version. With
-o every page is written or none is.";

/// Arguments of `imgtool man`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Output directory for every page (created if missing); without it, imgtool.1 goes to
    /// standard output
    #[arg(short, long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// Every page: its file name and roff text, the overview first.
pub fn pages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = super::command().disable_help_subcommand(true);
    // Propagates the `imgtool-layout-show` display names and the version to subcommands.
    cmd.build();
    let mut out = Vec::new();
    collect(&cmd, &mut out)?;
    Ok(out)
}

fn collect(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    // Every page names the imgtool version it documents (a subcommand has none of its own).
    let man = Man::new(cmd.clone())
        .source(concat!("imgtool ", env!("CARGO_PKG_VERSION")))
        .manual("imgtool manual");
    let mut text = Vec::new();
    man.render(&mut text)?;
    out.push((man.get_filename(), text));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, out)?;
    }
    Ok(())
}

/// Runs `imgtool man`.
pub fn run(args: Args) -> Result<Outcome> {
    let pages = pages()?;
    let Some(dir) = &args.output else {
        let (_, overview) = &pages[0];
        std::io::Write::write_all(&mut std::io::stdout().lock(), overview)?;
        return Ok(Outcome::Ok);
    };
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    let dests = fsio::output::plan_output_dir(dir, &names, &[], fsio::output::Force::NotOffered)?;
    let files: Vec<_> = dests
        .into_iter()
        .zip(&pages)
        .map(|(d, (_, text))| (d, text.as_slice()))
        .collect();
    fsio::output::commit(&files, fsio::output::Mode::Public)?;
    super::print::say!("wrote {} pages to {}", files.len(), dir.display());
    Ok(Outcome::Ok)
}
