//! The `imgtool` command. All logic lives in the library; see `imgtool::cli`.

fn main() -> std::process::ExitCode {
    imgtool::cli::main()
}
