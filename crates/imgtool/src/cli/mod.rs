//! Command line interface. Each subcommand lives in its own module with an `Args` struct and a
//! `run` function; this module only dispatches and maps results to exit codes.
//!
//! Exit codes: 0 success, 1 verification failed (the input was read but does not hold what was
//! asked, e.g. a bad CRC in `verify`), 2 any other error (bad arguments, unreadable or malformed
//! input, refused plans). `diff` is the one exception, like diff(1): 1 means "different".

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod attach_signature;
mod common_args;
mod completions;
mod compress;
mod device_sim;
mod diff;
mod digest;
mod elf2bin;
mod ftab;
mod gen_dfu;
mod getpub;
mod image;
mod inspect;
mod keygen;
mod layout;
mod man;
mod pack;
mod print;
mod secure;
mod secure_check;
mod secure_enc;
mod secure_pack;
mod send;
mod signing;
mod simulate;
mod unpack;
mod verify;

/// `1 image`, `2 images`: a count with its noun, for messages.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The limit for a package: the layout's `DFU_DOWNLOAD_REGION` (the device cannot store more),
/// else [`fsio::input::Limit::PACKAGE`].
pub(crate) fn package_limit(layout: Option<&::layout::Layout>) -> fsio::input::Limit {
    match layout.and_then(|l| l.download_region()) {
        Some(r) => fsio::input::Limit::new("packages (the layout's DFU_DOWNLOAD_REGION)", r.size),
        None => fsio::input::Limit::PACKAGE,
    }
}

/// The SHA-256 of a whole file as `sha256sum` prints it: how every command names a package.
pub(crate) fn file_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a subcommand reports back when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything held: exit 0.
    Ok,
    /// The input was read, but a check failed: exit 1.
    VerificationFailed,
    /// `diff` only: the two inputs differ, exit 1 (as diff(1) and cmp(1)).
    Different,
}

#[derive(Parser, Debug)]
#[command(
    name = "imgtool",
    version,
    about = "Turn firmware ELF files into OTA update packages for SiFli SF32LB5x MCUs",
    long_about = "Turn firmware ELF files into OTA update packages for SiFli SF32LB5x MCUs.\n\n\
Main job: `imgtool pack --layout BOARD --image hcpu=app.elf --image ota-manager=dfu.elf -o out/` \
writes the offline_install.bin an unmodified device installs; `inspect`, `verify`, `unpack` and \
`simulate` check it. Building blocks: `elf2bin`, `compress`/`decompress`, `layout`. \
Docs: docs/cli.md in the source tree.\n\n\
Exit codes: 0 success, 1 verification failed, 2 error; `imgtool diff` alone, like diff(1): \
0 identical, 1 different, 2 error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Convert an ELF into flat binary images (one per flash region with --layout)
    Elf2bin(elf2bin::Args),
    /// Import, show and export flash layouts
    #[command(subcommand)]
    Layout(layout::Command),
    /// Compress a file into one EZIP-compatible stream (gzip, zlib or lz4 mode)
    Compress(compress::CompressArgs),
    /// Decompress one EZIP-compatible stream
    Decompress(compress::DecompressArgs),
    /// Build an OTA package (offline_install.bin + manifest.json) from ELF/bin images
    Pack(pack::Args),
    /// Vendor-compatible packer: `imgtoolv37 gen_dfu` arguments, same offline_install.bin
    #[command(name = "gen-dfu", alias = "gen_dfu")]
    GenDfu(gen_dfu::Args),
    /// Show what is inside an OTA package
    Inspect(inspect::Args),
    /// Check an OTA package (CRC, every packet, sizes, layout fit); exit 1 if a check fails
    Verify(verify::Args),
    /// Write the bytes the device would install for each image of a package
    Unpack(unpack::Args),
    /// Install a package on a simulated device, with a power cut before every flash operation
    Simulate(simulate::Args),
    /// Send a package (or a secure control packet and records) to a device over BLE or to the simulator
    Send(send::Args),
    /// A simulated device on a TCP socket: the receiving side of the BLE DFU flows
    #[command(name = "device-sim")]
    DeviceSim(device_sim::Args),
    /// Vendor `imgtool enc`: the UART/BLE secure download image (encrypted, RSA-signed)
    Enc(secure_enc::EncArgs),
    /// Vendor `imgtool dec`: check and decrypt a secure download image; exit 1 on a failure
    Dec(secure_enc::DecArgs),
    /// Build or show a flash table (struct sec_configuration) for the vendor bootloader
    #[command(subcommand)]
    Ftab(ftab::Command),
    /// Make a signing key: ed25519 (PKCS#8 PEM), or --type rsa2048|root|uid for secure DFU
    Keygen(keygen::Args),
    /// Write the public key of a signing key (PEM, raw or C array)
    Getpub(getpub::Args),
    /// Write the exact message an external signer (HSM, KMS) must sign for a package
    Digest(digest::Args),
    /// Check an external signature and attach it to a package made with `pack --unsigned`
    #[command(name = "attach-signature")]
    AttachSignature(attach_signature::Args),
    /// What changed between two packages or secure sets; exit 0 identical, 1 different
    Diff(diff::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(completions::Args),
    /// Write the manual pages (imgtool.1 and one per subcommand)
    Man(man::Args),
    /// LVGL image resources: PNG to EZIP or pixel .bin/C files, and back
    #[command(subcommand)]
    Image(image::Command),
    /// Drop-in for the vendor's ezip image tool: `imgtool ezip -convert X.png -rgb565 -cfile 2 ...`
    Ezip(image::vendor::Args),
}

/// The whole command tree as clap sees it: for tests that walk every subcommand and option,
/// and for `completions` and `man`.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Parses the command line, runs the subcommand and maps the result to an exit code.
pub fn main() -> ExitCode {
    fsio::output::cleanup::install();
    fsio::output::cleanup::install_broken_pipe_exit();
    let cli = Cli::parse();
    finish(dispatch(cli.command))
}

/// The names of the vendor's image tool: run under one of them, the binary is the drop-in
/// (`imgtool ezip`), so a copy at the SDK's `tools/png2ezip/` serves its build.
const VENDOR_EZIP_NAMES: [&str; 4] = ["ezip", "ezip_linux", "ezip_mac", "ezip.exe"];

/// Whether `argv0` (the program path) names the vendor's image tool.
pub fn is_vendor_ezip_name(argv0: &std::ffi::OsStr) -> bool {
    std::path::Path::new(argv0)
        .file_name()
        .and_then(|n| n.to_str())
        // Windows file names are case-insensitive (`EZIP.EXE`).
        .is_some_and(|n| VENDOR_EZIP_NAMES.iter().any(|v| v.eq_ignore_ascii_case(n)))
}

/// Runs the vendor `ezip` drop-in with the process arguments after argv[0].
pub fn vendor_ezip_main() -> ExitCode {
    fsio::output::cleanup::install();
    fsio::output::cleanup::install_broken_pipe_exit();
    let args: Result<Vec<String>> = std::env::args_os()
        .skip(1)
        .map(|a| {
            a.into_string()
                .map_err(|a| anyhow::anyhow!("argument {a:?} is not UTF-8"))
        })
        .collect();
    finish(args.and_then(|args| image::vendor::run(image::vendor::Args { args })))
}

fn dispatch(command: Command) -> Result<Outcome> {
    match command {
        Command::Elf2bin(a) => elf2bin::run(a),
        Command::Layout(c) => layout::run(c),
        Command::Compress(a) => compress::run_compress(a),
        Command::Decompress(a) => compress::run_decompress(a),
        Command::Pack(a) => pack::run(a),
        Command::GenDfu(a) => gen_dfu::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Unpack(a) => unpack::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Send(a) => send::run(a),
        Command::DeviceSim(a) => device_sim::run(a),
        Command::Enc(a) => secure_enc::run_enc(a),
        Command::Dec(a) => secure_enc::run_dec(a),
        Command::Ftab(c) => ftab::run(c),
        Command::Keygen(a) => keygen::run(a),
        Command::Getpub(a) => getpub::run(a),
        Command::Digest(a) => digest::run(a),
        Command::AttachSignature(a) => attach_signature::run(a),
        Command::Image(c) => image::run(c),
        Command::Ezip(a) => image::vendor::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
    }
}

/// The exit code of a run, printing its error.
fn finish(result: Result<Outcome>) -> ExitCode {
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::VerificationFailed | Outcome::Different) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {}", error_message(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes joined with ": ", a cause already at the end of the line not
/// repeated (an error from outside the workspace may still print its cause itself): the same
/// line `verify` and `inspect` make of a library error, [`package::error::full_text`].
fn error_message(e: &anyhow::Error) -> String {
    package::error::full_text(e.as_ref())
}

#[cfg(test)]
mod tests {
    use super::error_message;

    /// Shaped like the library errors: the cause in the message and in `source()`.
    #[derive(Debug)]
    struct Outer {
        source: std::io::Error,
    }

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "cannot read layout x.toml: {}", self.source)
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn a_cause_already_in_the_message_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let e = anyhow::Error::new(Outer { source: io }).context("pack failed");
        assert_eq!(
            error_message(&e),
            "pack failed: cannot read layout x.toml: No such file"
        );
    }

    #[test]
    fn the_vendor_tool_names_run_the_ezip_drop_in() {
        use super::is_vendor_ezip_name as is;
        for name in [
            "ezip",
            "ezip_linux",
            "/sdk/tools/png2ezip/ezip_mac",
            "ezip.exe",
            "EZIP.EXE",
        ] {
            assert!(is(name.as_ref()), "{name}");
        }
        for name in ["imgtool", "ezip2", "/usr/bin/imgtool", "ezip_linux.old", ""] {
            assert!(!is(name.as_ref()), "{name}");
        }
    }

    #[test]
    fn causes_not_in_the_message_are_all_printed() {
        let e = anyhow::anyhow!("inner").context("middle").context("outer");
        assert_eq!(error_message(&e), "outer: middle: inner");
    }
}
