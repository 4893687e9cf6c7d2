//! Temporary outputs removed when a run is interrupted.
//!
//! Every output is written to a hidden temporary file beside its destination first. A
//! `SIGINT`, `SIGTERM` or `SIGHUP` (Ctrl-C, `kill`, a closed terminal) would otherwise end the
//! process with those files left behind, megabytes each for a package. [`install`] starts a
//! thread that waits for those signals, deletes every temporary file still [`track`]ed, and then
//! lets the signal end the process as it would have. Renames into place run under
//! [`commit_lock`], so a signal never lands between moving an old file aside and putting the new
//! one there: the user's files are always either all old or all new.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static COMMIT: Mutex<()> = Mutex::new(());

/// Remembers a temporary file to delete if the run is interrupted.
pub fn track(path: &Path) {
    lock(&TEMPS).push(path.to_path_buf());
}

/// Forgets a temporary file (renamed into place, or deleted).
pub fn untrack(path: &Path) {
    lock(&TEMPS).retain(|p| p != path);
}

/// Held while outputs are renamed into place; the signal handler waits for it.
pub fn commit_lock() -> MutexGuard<'static, ()> {
    lock(&COMMIT)
}

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    // Nothing half-done behind these locks matters after a panic: a list and a token.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Deletes every tracked temporary file (what the signal handler does).
pub fn remove_all() {
    let _commit = commit_lock();
    for p in lock(&TEMPS).drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

/// Starts the signal thread (once per process; the CLI calls it first thing). Library users
/// keep their own signal handling: nothing is installed unless this is called.
#[cfg(unix)]
pub fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return; // no handler: the run goes on, as it would have before
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                remove_all();
                // End the process the way the signal would have (exit status, shells' view).
                let _ = signal_hook::low_level::emulate_default_handler(sig);
                std::process::exit(128 + sig);
            }
        });
    });
}

/// For a program that prints to standard output: when the reader of a pipe goes away
/// (`imgtool inspect PKG | head`), `println!` panics with "failed printing to stdout: Broken
/// pipe". This ends the process the way a C tool ends then, by SIGPIPE (exit status 141 in a
/// shell), after deleting pending temporary files, instead of printing a panic. Other panics
/// go to the hook that was installed before.
#[cfg(unix)]
pub fn install_broken_pipe_exit() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            remove_all();
            let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGPIPE);
            std::process::exit(128 + signal_hook::consts::SIGPIPE);
        }
        previous(info);
    }));
}

/// Nothing to do off Unix (no SIGPIPE).
#[cfg(not(unix))]
pub fn install_broken_pipe_exit() {}

/// No signals to handle off Unix.
#[cfg(not(unix))]
pub fn install() {}
