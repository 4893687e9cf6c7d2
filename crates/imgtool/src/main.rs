//! The `imgtool` command: the CLI (`src/cli/`) over the library's `pack` API.

// With `cli-tree` the library compiles the CLI already (for tests that walk the command
// tree): use that one rather than compiling it twice.
#[cfg(not(feature = "cli-tree"))]
mod cli;
#[cfg(feature = "cli-tree")]
use imgtool::cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
