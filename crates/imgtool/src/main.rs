//! The `imgtool` command: the CLI (`src/cli/`) over the library's `pack` API.

// With `cli-tree` the library compiles the CLI already (for tests that walk the command
// tree): use that one rather than compiling it twice.
#[cfg(not(feature = "cli-tree"))]
mod cli;
#[cfg(feature = "cli-tree")]
use imgtool::cli;

fn main() -> std::process::ExitCode {
    // Called `ezip_linux` etc. (a copy at the SDK's tools/png2ezip/): the vendor drop-in.
    let argv0 = std::env::args_os().next().unwrap_or_default();
    if cli::is_vendor_ezip_name(&argv0) {
        return cli::vendor_ezip_main();
    }
    cli::main()
}
