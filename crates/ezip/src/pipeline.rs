//! How a payload is built: the chunks are compressed on the pool, taken in order from a shared
//! counter, and one assembler thread outside the pool appends each packet in chunk order as
//! soon as the packets before it are done, handing finished pieces to the caller on the way.
//!
//! Why this shape: the assembler lets a caller write (and sync) the payload while the rest is
//! still being compressed, so the disk wait does not follow the compression; taking chunks in
//! order keeps the finished prefix growing steadily (rayon's range splitting would finish the
//! second half's start long before the first half's end); and each packet is freed as soon as
//! it is appended, so its memory is reused instead of every packet holding fresh pages.

use crate::options::PayloadOptions;
use crate::{Error, Mode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use zerocopy::little_endian::U32;
use zerocopy::IntoBytes;

/// Receives finished pieces of the payload: `(offset, bytes)`, consecutive from offset 0.
pub(crate) type OnReady<'a> = &'a (dyn Fn(usize, &[u8]) + Sync);

/// What to compress: `full` cut into `pksize` chunks (the last of them may be shorter),
/// then `last` (the zero-padded tail, possibly empty).
pub(crate) struct Chunks<'a> {
    /// The chunks taken from the image as they are, back to back.
    pub full: &'a [u8],
    /// The final, padded chunk (empty when the image is a whole number of chunks).
    pub last: &'a [u8],
    /// Chunk size.
    pub pksize: usize,
}

impl Chunks<'_> {
    fn count(&self) -> usize {
        self.full.len().div_ceil(self.pksize) + usize::from(!self.last.is_empty())
    }

    fn get(&self, i: usize) -> &[u8] {
        let start = i * self.pksize;
        if start < self.full.len() {
            &self.full[start..self.full.len().min(start + self.pksize)]
        } else {
            self.last
        }
    }
}

/// `header`, then `u32 packet_len` and the packet of every chunk, in order. `on_ready` gets
/// each stretch of at least `piece` new bytes as soon as it is final; the stretches cover a
/// prefix of the result (what follows the last one is only in the returned payload).
pub(crate) fn build(
    header: &[u8],
    chunks: &Chunks<'_>,
    opts: &PayloadOptions,
    piece: usize,
    on_ready: OnReady<'_>,
) -> Result<Vec<u8>, Error> {
    let (tx, rx) = mpsc::channel();
    if chunks.full.len() + chunks.last.len() < piece {
        // Nothing could be handed over early: assemble afterwards on this thread (starting
        // a thread cost more than compressing the 3 KiB installer of the bundled example).
        // (An incompressible image just under a piece can still grow past one: never hand
        // over from here, a pool thread.)
        compress_in_order(chunks, opts, tx);
        return assemble(header, chunks, opts.mode, rx, usize::MAX, on_ready);
    }
    std::thread::scope(|s| {
        let assembler = s.spawn(move || assemble(header, chunks, opts.mode, rx, piece, on_ready));
        compress_in_order(chunks, opts, tx);
        assembler
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

type Packet = (usize, Result<Vec<u8>, Error>);

/// Packets a worker collects before sending them: each send can wake the assembler, and a
/// wake-up per packet (hundreds per image) cost more than the assembling itself.
const BATCH: usize = 8;

/// Every worker of the current pool takes the next chunk index until none is left and sends
/// its packets to the assembler, [`BATCH`] at a time. Stops early once the assembler has hung
/// up (an error).
fn compress_in_order(chunks: &Chunks<'_>, opts: &PayloadOptions, tx: mpsc::Sender<Vec<Packet>>) {
    let next = AtomicUsize::new(0);
    let count = chunks.count();
    rayon::scope(|s| {
        for _ in 0..rayon::current_num_threads() {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move |_| {
                let mut batch = Vec::with_capacity(BATCH);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i < count {
                        batch.push((i, crate::compress(opts.mode, opts.level, chunks.get(i))));
                    }
                    let done = i >= count;
                    if (done || batch.len() == BATCH) && !batch.is_empty() {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        if tx.send(full).is_err() {
                            break;
                        }
                    }
                    if done {
                        break;
                    }
                }
            });
        }
    });
}

/// Appends the packets in chunk order as they arrive; the first failed chunk (in chunk
/// order) is the error.
fn assemble(
    header: &[u8],
    chunks: &Chunks<'_>,
    mode: Mode,
    rx: mpsc::Receiver<Vec<Packet>>,
    piece: usize,
    on_ready: OnReady<'_>,
) -> Result<Vec<u8>, Error> {
    let count = chunks.count();
    let raw_len = chunks.full.len() + chunks.last.len();
    // Room for the worst case (stored blocks), so the payload is never copied to grow: pages
    // beyond what it uses are never touched.
    let mut out = Vec::with_capacity(header.len() + raw_len + raw_len / 64 + count * 32 + 64);
    out.extend_from_slice(header);
    let mut waiting: Vec<Option<Result<Vec<u8>, Error>>> = (0..count).map(|_| None).collect();
    let (mut next, mut reported) = (0, 0);
    while next < count {
        // Every sender is gone only if a worker panicked; the scope re-raises that panic.
        let Ok(batch) = rx.recv() else {
            break;
        };
        for (i, packet) in batch {
            waiting[i] = Some(packet);
        }
        while let Some(packet) = waiting.get_mut(next).and_then(Option::take) {
            append_packet(&mut out, &packet?, mode)?;
            next += 1;
        }
        if out.len() - reported >= piece && next < count {
            on_ready(reported, &out[reported..]);
            reported = out.len();
        }
    }
    Ok(out)
}

/// `u32 packet_len`, then the packet.
fn append_packet(out: &mut Vec<u8>, packet: &[u8], mode: Mode) -> Result<(), Error> {
    // A packet is at most a chunk (< 4 GiB) plus a few bytes of framing.
    let len = u32::try_from(packet.len()).map_err(|_| Error::TooLarge {
        mode,
        len: packet.len() as u64,
    })?;
    out.extend_from_slice(U32::new(len).as_bytes());
    out.extend_from_slice(packet);
    Ok(())
}
