//! Planning which segments go to which flash region, before any byte is copied.
//!
//! Planning needs only where segments load, so it works alike on [`crate::LoadImage`] (bytes
//! in memory) and [`crate::ElfFile`] (bytes left in the file) through [`Extent`]. It sits
//! below both (and below emitting), so nothing here imports the modules that use it.

use crate::{Error, Nearby};

/// The largest span (lowest to highest load address) [`crate::LoadImage::flat`] will fill:
/// 64 MiB.
///
/// An ELF whose code is in flash and whose initialised data is given a RAM load address (a
/// linker-script slip) spans gigabytes; refusing beats writing a file of that size.
pub const MAX_FLAT_SPAN: u64 = 64 << 20;

/// Where a segment loads: what planning needs of it.
pub(crate) trait Extent {
    /// Program header index.
    fn index(&self) -> usize;
    /// First load address.
    fn start(&self) -> u64;
    /// One past the last load address (never overflows: parsing rejected such segments).
    fn end(&self) -> u64;
}

/// A flash region the caller offers as a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window<'a> {
    /// The region's name (its first tag, e.g. `HCPU_FLASH_CODE`).
    pub name: &'a str,
    /// First address of the region.
    pub start: u64,
    /// Size of the region in bytes.
    pub size: u64,
}

impl Window<'_> {
    /// One past the last address (saturating at the top of the address space).
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.size)
    }

    fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end()
    }

    fn nearby(&self) -> Nearby {
        Nearby {
            name: self.name.to_string(),
            start: self.start,
            end: self.end(),
        }
    }
}

/// One segment's place in a region image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Program header index of the segment.
    pub segment: usize,
    /// First load address.
    pub start: u64,
    /// One past the last load address.
    pub end: u64,
}

/// What one region's image will hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionPlan {
    /// The window's name.
    pub name: String,
    /// Address of the image's first byte: the window's start, because the device writes an
    /// image at the start of its region.
    pub start: u64,
    /// One past the highest load address of the segments placed here.
    pub end: u64,
    /// The segments, in address order.
    pub placements: Vec<Placement>,
    /// Bytes of fill: before the first segment and in the gaps between segments.
    pub fill_bytes: u64,
}

/// Which segments go to which region: the value [`crate::LoadImage::split`] emits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Regions that receive bytes, in the order the windows were given.
    pub regions: Vec<RegionPlan>,
}

/// The plan of a flat image: every segment, from the lowest to the highest load address.
pub(crate) fn plan_flat<E: Extent>(segments: &[E]) -> Result<RegionPlan, Error> {
    let start = segments.first().map_or(0, E::start);
    let end = segments.last().map_or(0, E::end);
    let span = end - start;
    if span > MAX_FLAT_SPAN {
        return Err(Error::SpanTooLarge {
            start,
            end,
            span,
            limit: MAX_FLAT_SPAN,
        });
    }
    let placements: Vec<Placement> = segments.iter().map(placement).collect();
    Ok(RegionPlan {
        name: "flat".to_string(),
        start,
        end,
        fill_bytes: span - used(&placements),
        placements,
    })
}

/// See [`crate::LoadImage::plan_split`].
pub(crate) fn plan_split<E: Extent>(segments: &[E], windows: &[Window<'_>]) -> Result<Plan, Error> {
    let mut placed: Vec<Vec<Placement>> = vec![Vec::new(); windows.len()];
    for seg in segments {
        let w = choose_window(seg, windows)?;
        placed[w].push(placement(seg));
    }
    let mut regions = Vec::new();
    for (w, placements) in windows.iter().zip(placed) {
        let Some(last) = placements.last() else {
            continue;
        };
        let end = last.end;
        let span = end - w.start;
        if span > MAX_FLAT_SPAN {
            return Err(Error::SpanTooLarge {
                start: w.start,
                end,
                span,
                limit: MAX_FLAT_SPAN,
            });
        }
        regions.push(RegionPlan {
            name: w.name.to_string(),
            start: w.start,
            end,
            fill_bytes: span - used(&placements),
            placements,
        });
    }
    Ok(Plan { regions })
}

fn placement<E: Extent>(seg: &E) -> Placement {
    Placement {
        segment: seg.index(),
        start: seg.start(),
        end: seg.end(),
    }
}

/// Bytes the placements cover (they do not overlap: parsing rejected overlaps).
fn used(placements: &[Placement]) -> u64 {
    placements.iter().map(|p| p.end - p.start).sum()
}

/// Index of the window that takes `seg`, or the error explaining why none does.
fn choose_window<E: Extent>(seg: &E, windows: &[Window<'_>]) -> Result<usize, Error> {
    let (start, end) = (seg.start(), seg.end());
    let Some(w) = windows.iter().position(|w| w.contains(start)) else {
        return Err(Error::OutsideRegions {
            index: seg.index(),
            start,
            end,
            nearest: nearest(start, windows),
        });
    };
    if end > windows[w].end() {
        let beyond = windows
            .iter()
            .filter(|x| x.contains(end - 1))
            .map(Window::nearby)
            .collect();
        return Err(Error::Straddles {
            index: seg.index(),
            start,
            end,
            region: windows[w].nearby(),
            beyond,
        });
    }
    Ok(w)
}

/// The window ending closest below `start` and the one starting closest above it.
fn nearest(start: u64, windows: &[Window<'_>]) -> Vec<Nearby> {
    let below = windows
        .iter()
        .filter(|w| w.end() <= start)
        .max_by_key(|w| w.end());
    let above = windows
        .iter()
        .filter(|w| w.start > start)
        .min_by_key(|w| w.start);
    below.into_iter().chain(above).map(Window::nearby).collect()
}
