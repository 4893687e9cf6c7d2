//! Splitting the loadable bytes into one image per flash region: plan, then emit.
//!
//! Planning needs only where segments load, so it works alike on [`LoadImage`] (bytes in
//! memory) and [`crate::ElfFile`] (bytes left in the file) through [`Extent`].

use crate::emit::emit_infallible;
use crate::image::{LoadImage, RegionImage, Segment, MAX_FLAT_SPAN};
use crate::{Error, Nearby};

/// Where a segment loads: what planning needs of it.
pub(crate) trait Extent {
    /// Program header index.
    fn index(&self) -> usize;
    /// First load address.
    fn start(&self) -> u64;
    /// One past the last load address (never overflows: parsing rejected such segments).
    fn end(&self) -> u64;
}

impl Extent for Segment<'_> {
    fn index(&self) -> usize {
        self.index
    }
    fn start(&self) -> u64 {
        self.paddr
    }
    fn end(&self) -> u64 {
        Segment::end(self)
    }
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

/// Which segments go to which region: the value [`LoadImage::split`] emits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Regions that receive bytes, in the order the windows were given.
    pub regions: Vec<RegionPlan>,
}

impl LoadImage<'_> {
    /// Decides which window each segment goes to.
    ///
    /// Each segment must lie wholly inside one window; the first window (in the order given)
    /// that holds its first byte takes it. A segment outside every window, or one that runs
    /// past the end of the window holding its start, is an error naming the nearest windows.
    /// Each region's span is limited to [`MAX_FLAT_SPAN`], so emitting the plan allocates at
    /// most that much per window.
    pub fn plan_split(&self, windows: &[Window<'_>]) -> Result<Plan, Error> {
        plan_split(&self.segments, windows)
    }

    /// Fills in the bytes of a plan made by [`LoadImage::plan_split`] for this image.
    ///
    /// Each image is allocated once at its final size and each byte written once. A
    /// placement that names no segment of this image (a plan made for another image) is left
    /// as fill.
    pub fn emit(&self, plan: &Plan, fill: u8) -> Vec<RegionImage> {
        plan.regions
            .iter()
            .map(|r| self.emit_region(r, fill))
            .collect()
    }

    /// The image of one region of a plan (see [`LoadImage::emit`]).
    pub(crate) fn emit_region(&self, region: &RegionPlan, fill: u8) -> RegionImage {
        emit_infallible(&self.segments, region, fill, |seg, out| {
            out.extend_from_slice(seg.data);
        })
    }

    /// One image per window that receives bytes, each starting at its window's start, gaps
    /// filled with `fill`. See [`LoadImage::plan_split`] for the rules.
    pub fn split(&self, windows: &[Window<'_>], fill: u8) -> Result<Vec<RegionImage>, Error> {
        let plan = self.plan_split(windows)?;
        Ok(self.emit(&plan, fill))
    }
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

/// See [`LoadImage::plan_split`].
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
