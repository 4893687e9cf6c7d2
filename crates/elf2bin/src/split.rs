//! Splitting the loadable bytes of an ELF in memory into images: plan (see [`crate::plan`]),
//! then emit.

use crate::emit::emit_infallible;
use crate::image::{LoadImage, RegionImage};
use crate::plan::{plan_flat, plan_split, Plan, RegionPlan, Window};
use crate::Error;

impl LoadImage<'_> {
    /// One image from the lowest to the highest load address, gaps filled with `fill`.
    ///
    /// With `fill = 0` this is byte-identical to `objcopy -O binary`. Only gaps *between*
    /// segments are filled: padding inside a segment keeps the ELF's bytes (where
    /// `objcopy --gap-fill` would also write its fill, working on sections). Refuses a span
    /// larger than [`crate::MAX_FLAT_SPAN`] before allocating anything, so the image (allocated once,
    /// each byte written once) is never larger than that.
    pub fn flat(&self, fill: u8) -> Result<RegionImage, Error> {
        let plan = plan_flat(&self.segments)?;
        Ok(self.emit_region(&plan, fill))
    }
    /// Decides which window each segment goes to.
    ///
    /// Each segment must lie wholly inside one window; the first window (in the order given)
    /// that holds its first byte takes it. A segment outside every window, or one that runs
    /// past the end of the window holding its start, is an error naming the nearest windows.
    /// Each region's span is limited to [`crate::MAX_FLAT_SPAN`], so emitting the plan allocates at
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
