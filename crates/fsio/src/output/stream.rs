//! Outputs written while they are produced: pack's package body lands in its temporary file
//! during the compression, piece by piece.

use super::write::{new_temp, seal, write_error, Staged};
use super::{Dest, Mode};
use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An output written to its temporary file while it is produced, piece by piece at known
/// offsets, then completed and synced by [`Streamed::finish`] into a [`Staged`] (pack's
/// package body, written during the compression). The temporary file is created with the
/// first piece, and deleted if this is dropped unfinished.
#[derive(Debug)]
pub struct Streamed {
    path: PathBuf,
    mode: Mode,
    state: std::sync::Mutex<StreamState>,
}

#[derive(Debug, Default)]
struct StreamState {
    tmp: Option<tempfile::NamedTempFile>,
    /// Byte ranges already written, in the order written.
    written: Vec<std::ops::Range<u64>>,
    /// Bytes written since the last sync.
    unsynced: usize,
    /// The first failure; later pieces are dropped and `finish` reports it.
    error: Option<Error>,
}

/// A streamed output syncs after this many new bytes, so the disk takes the file while it is
/// still being produced and the final `fsync` only waits for the last stretch.
const STREAM_SYNC_EVERY: usize = 1 << 20;

impl Streamed {
    /// A streamed output for `dest`; `None` for standard output and special files, which are
    /// written only at commit time.
    pub fn new(dest: &Dest, mode: Mode) -> Option<Self> {
        let Dest::File { path, .. } = dest else {
            return None;
        };
        Some(Self {
            path: path.clone(),
            mode,
            state: std::sync::Mutex::new(StreamState::default()),
        })
    }

    /// Writes `bytes` at `offset` of the file (final bytes: nothing rewrites them), syncing
    /// now and then. A failure is kept for [`Streamed::finish`].
    pub fn write_at(&self, offset: u64, bytes: &[u8]) {
        let mut state = self.lock();
        if state.error.is_some() {
            return;
        }
        if let Err(e) = state.write_at(&self.path, offset, bytes) {
            state.error = Some(e);
        }
    }

    /// Writes every byte of `parts` (the whole file, back to back) that no
    /// [`Streamed::write_at`] wrote, then sets the mode and syncs: the output is ready for
    /// [`commit_staged`](super::commit_staged).
    pub fn finish(&self, parts: &[&[u8]]) -> Result<Staged> {
        let mut state = self.lock();
        if let Some(e) = state.error.take() {
            return Err(e);
        }
        let mut at = 0u64;
        for part in parts {
            let end = at + part.len() as u64;
            for gap in gaps(at..end, &state.written) {
                let bytes = &part[(gap.start - at) as usize..(gap.end - at) as usize];
                state.write_at(&self.path, gap.start, bytes)?;
            }
            at = end;
        }
        if let Some(beyond) = state.written.iter().find(|w| w.end > at) {
            return Err(Error::WrittenBeyond {
                path: self.path.clone(),
                start: beyond.start,
                end: beyond.end,
                len: at,
            });
        }
        let tmp = match state.tmp.take() {
            Some(tmp) => tmp,
            None => new_temp(&self.path)?,
        };
        seal(&tmp, &self.path, self.mode)?;
        Ok(Staged::new(self.path.clone(), tmp))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StreamState> {
        // A panic while holding the lock leaves no invariant half-done that matters here.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl StreamState {
    fn write_at(&mut self, path: &Path, offset: u64, bytes: &[u8]) -> Result<()> {
        use std::io::{Seek, SeekFrom};
        let tmp = match &mut self.tmp {
            Some(tmp) => tmp,
            None => self.tmp.insert(new_temp(path)?),
        };
        let file = tmp.as_file_mut();
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.write_all(bytes))
            .map_err(|source| write_error(path, source))?;
        self.written.push(offset..offset + bytes.len() as u64);
        self.unsynced += bytes.len();
        if self.unsynced >= STREAM_SYNC_EVERY {
            file.sync_data()
                .map_err(|source| write_error(path, source))?;
            self.unsynced = 0;
        }
        Ok(())
    }
}

/// The parts of `range` that none of `written` covers, in order.
pub(super) fn gaps(
    range: std::ops::Range<u64>,
    written: &[std::ops::Range<u64>],
) -> Vec<std::ops::Range<u64>> {
    let mut covered: Vec<_> = written
        .iter()
        .filter(|w| w.start < range.end && w.end > range.start)
        .map(|w| w.start.max(range.start)..w.end.min(range.end))
        .collect();
    covered.sort_by_key(|w| w.start);
    let mut out = Vec::new();
    let mut at = range.start;
    for w in covered {
        if w.start > at {
            out.push(at..w.start);
        }
        at = at.max(w.end);
    }
    if at < range.end {
        out.push(at..range.end);
    }
    out
}
