//! The one error type of file input and output.

use crate::input::Limit;
use std::io;
use std::path::PathBuf;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a file could not be read, planned or written. The message names the path and the
/// numbers; an operating system error is the `source()`, not part of the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file as the user named it.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// Standard input could not be read.
    #[error("cannot read standard input")]
    ReadStdin {
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// Standard input was asked for again after a large input was handed over whole.
    #[error(
        "standard input was already read (inputs over {} are not kept for a second read)",
        crate::input::size_text(crate::input::Limit::SMALL.bytes)
    )]
    StdinAlreadyRead,
    /// An input is a directory.
    #[error("{} is a directory, not a file", path.display())]
    InputIsDirectory {
        /// The directory.
        path: PathBuf,
    },
    /// A regular file is larger than its limit (known from its size).
    #[error(
        "{}: {}{} is larger than {limit}; is this the right file?",
        path.display(),
        crate::input::size_text(*len),
        exact_size(*len)
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        len: u64,
        /// The limit it breaks.
        limit: Limit,
    },
    /// A pipe or device was still going one byte past its limit.
    #[error(
        "{}: more than {} bytes (still going when reading stopped at {limit}); is this the \
         right file?",
        path.display(),
        limit.bytes
    )]
    StreamTooLong {
        /// The pipe or device.
        path: PathBuf,
        /// The limit it breaks.
        limit: Limit,
    },
    /// Standard input was still going one byte past its limit.
    #[error(
        "standard input: more than {} bytes (still going when reading stopped at {limit}); \
         is this the right input?",
        limit.bytes
    )]
    StdinTooLong {
        /// The limit it breaks.
        limit: Limit,
    },
    /// A file grew, shrank or failed while read in parts: it was being rewritten.
    #[error("{} changed while it was read", path.display())]
    Changed {
        /// The file.
        path: PathBuf,
        /// The read that failed, if one did (else the file grew).
        #[source]
        source: Option<io::Error>,
    },
    /// A text input is not UTF-8.
    #[error("{}: not UTF-8 text (invalid byte at offset {offset:#010x})", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// The offset of the first invalid byte.
        offset: usize,
    },
    /// An image input is a Git LFS pointer, not the image.
    #[error(
        "{}: this is a Git LFS pointer ({len} bytes of text), not the image itself: run \
         `git lfs pull` to fetch the real file",
        path.display()
    )]
    LfsPointer {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        len: usize,
    },
    /// The current directory (to resolve a relative output) could not be read.
    #[error("cannot read the current directory")]
    CurrentDir {
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// An output names a directory.
    #[error("output {} is a directory; give a file name", path.display())]
    OutputIsDirectory {
        /// The output as given.
        path: PathBuf,
    },
    /// An output is a symlink to nothing.
    #[error(
        "output {} is a symlink whose target does not exist; give the target's path",
        path.display()
    )]
    DanglingSymlink {
        /// The output as given.
        path: PathBuf,
        /// Why its target could not be resolved.
        #[source]
        source: io::Error,
    },
    /// An output is the same file as an input.
    #[error(
        "output {} is the same file as the input {}; nothing was written (give another \
         output name)",
        path.display(),
        input.display()
    )]
    SameAsInput {
        /// The output as given.
        path: PathBuf,
        /// The input it would replace.
        input: PathBuf,
    },
    /// An output is a protected file (an existing private key) and was not forced.
    #[error(
        "output {} {reason}; refusing to overwrite it{}",
        path.display(),
        if *force_offered {
            " (choose another name, or --force if you really mean to replace it)"
        } else {
            " (choose another name; nothing was written)"
        }
    )]
    Protected {
        /// The output as given.
        path: PathBuf,
        /// What it holds.
        reason: crate::output::Protection,
        /// Whether the command has `--force` (the message then offers it).
        force_offered: bool,
    },
    /// Two outputs of one command are the same file (or both standard output).
    #[error(
        "{flag_a} {shown_a} and {flag_b} {shown_b} are the same file: one output would \
         replace the other; give each its own name (nothing was written)"
    )]
    SameOutputs {
        /// The first output's option or role.
        flag_a: String,
        /// The first output as given.
        shown_a: String,
        /// The second output's option or role.
        flag_b: String,
        /// The second output as given.
        shown_b: String,
    },
    /// A command that writes a directory was given `-`.
    #[error(
        "this command writes {writes} into a directory; it cannot write to standard output \
         (-): give a directory (created if missing)"
    )]
    DirToStdout {
        /// The files the command writes, joined with " and ".
        writes: String,
    },
    /// A directory option names one of the files written into it.
    #[error(
        "{} names a file this command writes, but the option takes the directory to write \
         {writes} into: give {}",
        dir.display(),
        parent.display()
    )]
    NamesAFile {
        /// The directory option as given.
        dir: PathBuf,
        /// The files the command writes, joined with " and ".
        writes: String,
        /// The directory to give instead.
        parent: PathBuf,
    },
    /// A directory option names something that exists and is not a directory.
    #[error(
        "{} exists and is not a directory, but this command writes {writes} into a \
         directory: give a directory (created if missing)",
        dir.display()
    )]
    NotADirectory {
        /// The directory option as given.
        dir: PathBuf,
        /// The files the command writes, joined with " and ".
        writes: String,
    },
    /// Standard output could not be written.
    #[error("cannot write to standard output")]
    WriteStdout {
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A special file (FIFO, device) could not be opened.
    #[error("cannot open {} for writing", path.display())]
    OpenForWriting {
        /// The output as given.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// An output could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The output.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// An output's directory could not be created.
    #[error("cannot create output directory {}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A temporary file could not be created in an output's directory.
    #[error("cannot create a temporary file in {}", dir.display())]
    CreateTemp {
        /// The directory.
        dir: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A temporary file for the old contents could not be created beside an output.
    #[error("cannot create a temporary file beside {}", path.display())]
    CreateTempBeside {
        /// The output.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The old file could not be kept aside for a roll-back.
    #[error("cannot move the old {} aside", path.display())]
    MoveAside {
        /// The output.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A complete temporary file could not be renamed into place.
    #[error("cannot rename the temporary file to {}", path.display())]
    Rename {
        /// The output.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A streamed output got bytes past its end: a bug in the caller.
    #[error(
        "internal error: bytes {start:#x}..{end:#x} were written beyond the {len} bytes of {}",
        path.display()
    )]
    WrittenBeyond {
        /// The output.
        path: PathBuf,
        /// The first byte past the end.
        start: u64,
        /// The end of that write.
        end: u64,
        /// The output's length.
        len: u64,
    },
    /// A thread writing an output panicked.
    #[error("a thread writing an output panicked")]
    WriterPanicked,
}

/// ` (12345 bytes)` after a size of 1 KiB or more, where the rounded unit hides the exact size.
fn exact_size(len: u64) -> String {
    if len >= 1024 {
        format!(" ({len} bytes)")
    } else {
        String::new()
    }
}
