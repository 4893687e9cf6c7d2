//! Status lines: on standard output, unless the data of this run goes there.

/// Prints a status line: on standard output, unless an output of this run is standard output
/// (`-o -`): then on standard error, so the data stays clean. Commands use `say!`.
pub fn say_line(line: std::fmt::Arguments<'_>) {
    if fsio::output::data_on_stdout() {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

/// `say!("wrote {}", path)`: [`say_line`] with `println!`'s syntax.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::print::say_line(format_args!($($arg)*))
    };
}
pub(crate) use say;
