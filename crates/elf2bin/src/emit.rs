//! Serialising a planned region: fill and segment bytes, front to back, each byte once.
//!
//! One walk over the plan serves both outputs: an image in memory (allocated once at its final
//! size) and a stream to a writer (nothing of the image held in memory), so the two cannot
//! disagree on a byte.

use crate::image::RegionImage;
use crate::plan::{Extent, RegionPlan};
use std::convert::Infallible;
use std::io::{self, Write};

/// Fill written per call when streaming: gaps can be megabytes, the buffer stays small.
const FILL_CHUNK: usize = 64 << 10;

/// One run of a region's bytes, in address order.
pub(crate) enum Piece<'e, E> {
    /// This many fill bytes.
    Fill(u64),
    /// All file bytes of this segment.
    Segment(&'e E),
}

/// Calls `put` for each run of `region`'s bytes in address order; returns how many bytes came
/// from segments.
///
/// The placements are looked up among `segments` (sorted by load address, as parsing returns
/// them); one that names no segment of them, runs backwards or past the region's end is left
/// as fill, so whatever the plan the output is exactly `region.end - region.start` bytes and
/// nothing panics.
pub(crate) fn walk<E: Extent, X>(
    segments: &[E],
    region: &RegionPlan,
    mut put: impl FnMut(Piece<'_, E>) -> Result<(), X>,
) -> Result<u64, X> {
    let mut at = region.start;
    let mut copied = 0;
    for p in &region.placements {
        let Some(seg) = find(segments, p.segment, p.start, p.end) else {
            continue;
        };
        if p.start < at || p.end > region.end {
            continue;
        }
        if p.start > at {
            put(Piece::Fill(p.start - at))?;
        }
        put(Piece::Segment(seg))?;
        copied += p.end - p.start;
        at = p.end;
    }
    if region.end > at {
        put(Piece::Fill(region.end - at))?;
    }
    Ok(copied)
}

/// The segment with this index and extent, by binary search (a linear scan per placement
/// would make emitting quadratic in the number of program headers).
fn find<E: Extent>(segments: &[E], index: usize, start: u64, end: u64) -> Option<&E> {
    let i = segments.partition_point(|s| s.start() < start);
    segments
        .get(i)
        .filter(|s| s.index() == index && s.start() == start && s.end() == end)
}

/// The image of `region` in memory; `copy` appends one segment's bytes.
pub(crate) fn emit_region<E: Extent, X>(
    segments: &[E],
    region: &RegionPlan,
    fill: u8,
    mut copy: impl FnMut(&E, &mut Vec<u8>) -> Result<(), X>,
) -> Result<RegionImage, X> {
    let len = region.end.saturating_sub(region.start);
    // A capacity hint only; plans bound the span by MAX_FLAT_SPAN.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    let copied = walk(segments, region, |piece| match piece {
        Piece::Fill(n) => {
            bytes.resize(bytes.len().saturating_add(to_usize(n)), fill);
            Ok(())
        }
        Piece::Segment(seg) => copy(seg, &mut bytes),
    })?;
    Ok(RegionImage {
        name: region.name.clone(),
        start: region.start,
        fill_bytes: bytes.len() as u64 - copied,
        bytes,
    })
}

/// [`emit_region`] for segments whose bytes are in memory: cannot fail.
pub(crate) fn emit_infallible<E: Extent>(
    segments: &[E],
    region: &RegionPlan,
    fill: u8,
    mut copy: impl FnMut(&E, &mut Vec<u8>),
) -> RegionImage {
    let result = emit_region(segments, region, fill, |seg, out| {
        copy(seg, out);
        Ok::<(), Infallible>(())
    });
    match result {
        Ok(image) => image,
        Err(never) => match never {},
    }
}

/// Streams `region` to `out`; `copy` writes one segment's bytes.
pub(crate) fn write_region<E: Extent, W: Write>(
    segments: &[E],
    region: &RegionPlan,
    fill: u8,
    out: &mut W,
    mut copy: impl FnMut(&E, &mut W) -> io::Result<()>,
) -> io::Result<()> {
    let gap = region.end.saturating_sub(region.start);
    let fill_buf = vec![fill; FILL_CHUNK.min(to_usize(gap))];
    walk(segments, region, |piece| match piece {
        Piece::Fill(mut n) => {
            while n > 0 {
                let k = fill_buf.len().min(to_usize(n));
                if k == 0 {
                    break; // only for a plan whose end lies before its start
                }
                out.write_all(&fill_buf[..k])?;
                n -= k as u64;
            }
            Ok(())
        }
        Piece::Segment(seg) => copy(seg, out),
    })?;
    Ok(())
}

/// `n` as usize, saturating (counts here are bounded by a plan's span, at most 64 MiB).
fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}
