//! Planning a package: read and convert the inputs, run every check, build the bytes and the
//! manifest. Nothing is written here.

use super::config::{Compression, PackConfig};
use super::error::{PackError, Result};
use super::input::{load_image, LoadedImage};
use layout::{ImageId, Layout, Region};
use package::manifest::{BodyDigest, Hashed, ImageEntry, Manifest};
use package::rules::{self, RegionFill};
use package::v2::{PackagePlan, PlannedImage};
use package::Flag;
use std::path::PathBuf;

/// One image as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedImageInfo {
    /// Image id.
    pub id: ImageId,
    /// Input file.
    pub source: PathBuf,
    /// Whether the input was an ELF.
    pub from_elf: bool,
    /// Raw image length (before padding and compression).
    pub raw_len: usize,
    /// Bytes the device writes (compressed images are zero-padded to a multiple of 16).
    pub written_len: usize,
    /// How it is stored.
    pub compression: Compression,
    /// Table flag.
    pub flag: Flag,
    /// Payload length in the package.
    pub payload_len: usize,
    /// Destination region and its fill (with a layout).
    pub region: Option<RegionFill>,
}

/// A package ready to write.
#[derive(Debug, Clone)]
pub struct PlannedPackage {
    /// Name of the layout checked against (`None`: checks skipped).
    pub layout_name: Option<String>,
    /// That layout's chip family, if it names one (the secure flow's device rules use it).
    pub layout_chip: Option<layout::Chip>,
    /// The container plan (offsets, CRC).
    pub plan: PackagePlan,
    /// The package bytes (`offline_install.bin`). A signer may append a trailer.
    pub bytes: Vec<u8>,
    /// The manifest (`manifest.json`).
    pub manifest: Manifest,
    /// Per image, in table order.
    pub images: Vec<PlannedImageInfo>,
    /// `DFU_DOWNLOAD_REGION` and how full the package makes it (with a layout).
    pub download: Option<RegionFill>,
    /// Remarks for the user (checks skipped, segments left out, risky options).
    pub notes: Vec<String>,
    /// Dangers the device runs installing this package (a bootloader update).
    pub warnings: Vec<String>,
}

/// The `tool` string written into manifests.
pub fn tool_version() -> String {
    format!("imgtool {}", env!("CARGO_PKG_VERSION"))
}

fn fill(r: &Region, used: usize) -> RegionFill {
    RegionFill::new(r, used as u64)
}

fn check_unique_ids(config: &PackConfig) -> Result<()> {
    for (i, a) in config.images.iter().enumerate() {
        if let Some(b) = config.images[..i].iter().find(|b| b.id == a.id) {
            return Err(PackError::DuplicateId {
                id: a.id,
                first: b.path.clone(),
                second: a.path.clone(),
            });
        }
    }
    Ok(())
}

/// Where the device's installer writes image `id` on the layout's board; refuses an id it
/// cannot install there, with the SDK's reason.
fn destination(layout: Option<&Layout>, id: ImageId) -> Result<Option<&Region>> {
    let Some(layout) = layout else {
        return Ok(None);
    };
    match rules::installable(layout, id) {
        Ok(r) => Ok(Some(r)),
        Err(rule) => Err(PackError::Rule {
            rule,
            hint: format!("; installable here: {}", installable_list(layout)),
        }),
    }
}

fn installable_list(layout: &Layout) -> String {
    let ids: Vec<String> = layout
        .installable()
        .iter()
        .map(|(id, i)| format!("{id} ({}) -> {}", id.0, i.region.name()))
        .collect();
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

/// The bootloader is installed in place, over the one that boots the device: the SDK keeps
/// no second copy (ftab entries 3 and 7 are the same region). Said with or without a layout
/// (the image id alone makes it a bootloader update); the layout adds where.
fn bootloader_warning(id: ImageId, region: Option<&Region>) -> Option<String> {
    if id != ImageId::BOOTLOADER {
        return None;
    }
    let Some(r) = region else {
        return Some(
            "image bootloader (11) is installed in place over the running bootloader; the \
             device keeps no second copy, so a power cut during that install bricks it (see \
             imgtool simulate)"
                .into(),
        );
    };
    Some(format!(
        "image bootloader (11) is installed in place over the running bootloader in {} \
         ({:#010x} to {:#010x}); the device keeps no second copy, so a power cut during that \
         install bricks it (see imgtool simulate)",
        r.name(),
        r.start(),
        r.end()
    ))
}

/// The installer mallocs pksize + 2 x the largest packet: refuse a pksize above 64 KiB unless
/// allowed, and then warn with the heap it needs.
fn check_heap(
    config: &PackConfig,
    planned: &[PlannedImage],
    warnings: &mut Vec<String>,
) -> Result<()> {
    let payloads = planned.iter().map(|p| p.payload.as_slice());
    let allow = config.options.allow_large_pksize;
    let heap = rules::install_heap(payloads, allow).map_err(|reason| PackError::Heap { reason })?;
    if config.options.pksize > package::payload::MAX_PKSIZE && heap > 0 {
        warnings.push(format!(
            "pksize {} is above {} bytes (--allow-large-pksize): the device's installer needs {heap} bytes \
             of heap for this package",
            config.options.pksize,
            package::payload::MAX_PKSIZE
        ));
    }
    Ok(())
}

fn check_nand_pksize(
    layout: &Layout,
    image: &PlannedImageInfo,
    r: &Region,
    pksize: u32,
) -> Result<()> {
    rules::nand_pksize(layout, image.id, r, image.flag, pksize)
        .map_err(|rule| PackError::rule(rule, " (e.g. the default 10240)"))
}

fn check_fits(image: &PlannedImageInfo, r: &Region) -> Result<()> {
    let subject = format!("image {} ({})", image.id, image.source.display());
    rules::region_fit(subject, image.written_len as u64, r)
        .map_err(|rule| PackError::rule(rule, ""))
}

/// One image's description, its planned payload and the digest of its raw bytes.
type ImagePlan = (PlannedImageInfo, PlannedImage, Hashed);

/// Builds one image's payload and its description, handing finished pieces of a compressed
/// payload to `on_ready` (offsets within the payload). The raw image is hashed while the
/// payload is compressed: run one after the other, the digests of a whole `pack` were a
/// tenth of its time.
fn plan_image(
    config: &PackConfig,
    loaded: &LoadedImage,
    compression: Compression,
    region: Option<&Region>,
    on_ready: &(dyn Fn(usize, &[u8]) + Sync),
) -> Result<ImagePlan> {
    if loaded.bytes.is_empty() {
        return Err(PackError::EmptyImage {
            id: loaded.id,
            path: loaded.source.clone(),
        });
    }
    let mut opts = config.options.payload_options(compression);
    if let Some(o) = &mut opts {
        o.threads = None; // plan_package already runs in a pool of `threads`
    }
    let (raw_hash, built) = rayon::join(
        || Hashed::new(&loaded.bytes),
        || package::payload::build_streaming(&loaded.bytes, opts.as_ref(), on_ready),
    );
    let (flag, payload) = built.map_err(|source| PackError::Payload {
        id: loaded.id,
        path: loaded.source.clone(),
        source,
    })?;
    let written_len = match flag {
        Flag::Raw => loaded.bytes.len(),
        Flag::Compressed => loaded.bytes.len().div_ceil(ezip::payload::PAD) * ezip::payload::PAD,
    };
    let info = PlannedImageInfo {
        id: loaded.id,
        source: loaded.source.clone(),
        from_elf: loaded.from_elf,
        raw_len: loaded.bytes.len(),
        written_len,
        compression,
        flag,
        payload_len: payload.len(),
        region: region.map(|r| fill(r, written_len)),
    };
    if let Some(r) = region {
        check_fits(&info, r)?;
    }
    let planned = PlannedImage {
        image_id: loaded.id.0,
        flag,
        payload,
    };
    Ok((info, planned, raw_hash))
}

fn check_download(layout: &Layout, len: usize) -> Result<RegionFill> {
    let r = rules::download_region(layout).map_err(|rule| {
        PackError::rule(
            rule,
            ": cannot check that the package fits where the app downloads it",
        )
    })?;
    let fill = fill(r, len);
    rules::download_fit(&fill, len as u64, None).map_err(|rule| {
        PackError::rule(
            rule,
            " (use --level best, compress every image, or ship fewer images per package)",
        )
    })?;
    Ok(fill)
}

/// Reads every input, converts and compresses it, checks everything against the layout and
/// returns the finished package in memory. Refuses (with the numbers in the message): a
/// repeated image id, an id the device's installer cannot install on the layout's board (see
/// [`Layout::install_region`]), an ELF whose bytes are not in the image's
/// region, an image larger than its region, a package larger than `DFU_DOWNLOAD_REGION`, an
/// empty image, a `pksize` that is not a multiple of 2048 for an image going to NAND.
pub fn plan_package(config: &PackConfig) -> Result<PlannedPackage> {
    plan_package_streaming(config, &NoSink).map(|(planned, ())| planned)
}

/// Where [`plan_package_streaming`] writes the package body while it is planned: for a caller
/// that writes an unsigned package (the body is then the whole file). `imgtool pack` writes and
/// syncs most of it during the compression, which otherwise waited for the disk at the end.
pub trait BodySink: Sync {
    /// What [`BodySink::finish`] makes of the body, returned beside the plan.
    type Output: Send;
    /// `bytes` are final and lie at `offset` of the body. Called while the payloads are
    /// compressed, on a thread outside the pool (it may block on I/O), in increasing offsets;
    /// the calls need not cover the body. A sink keeps a failure for [`BodySink::finish`].
    fn write_at(&self, offset: u64, bytes: &[u8]);
    /// Every check passed: the whole body, as its parts back to back (header and table, then
    /// each payload, what [`PlannedPackage::bytes`] holds joined). Called once, on a thread
    /// of its own while the body is joined and the manifest's digests are made.
    fn finish(&self, parts: &[&[u8]]) -> Self::Output;
}

/// The sink of [`plan_package`]: nothing is written.
struct NoSink;

impl BodySink for NoSink {
    type Output = ();
    fn write_at(&self, _: u64, _: &[u8]) {}
    fn finish(&self, _: &[&[u8]]) {}
}

/// [`plan_package`], writing the body to `sink` on the way (see [`BodySink`]); the sink is
/// finished only if every check passed, and its output comes back beside the plan.
pub fn plan_package_streaming<S: BodySink>(
    config: &PackConfig,
    sink: &S,
) -> Result<(PlannedPackage, S::Output)> {
    check_unique_ids(config)?;
    // The whole plan on the pool of `threads`, so the digests made beside the compression
    // count against the same threads.
    ezip::payload::run_in_pool(config.options.threads, || plan_in_pool(config, sink))
}

/// The three parts of planning, on the pool of `threads`: every image read, converted,
/// compressed and checked ([`plan_images`]); the package-wide rules ([`plan_container`]); the
/// body joined and hashed while the sink takes it ([`finish_body`]). Then the manifest.
fn plan_in_pool<S: BodySink>(config: &PackConfig, sink: &S) -> Result<(PlannedPackage, S::Output)> {
    let layout = config.layout.as_ref().map(|l| l.load()).transpose()?;
    let mut images = plan_images(config, layout.as_ref(), sink)?;
    let (plan, download) = plan_container(config, layout.as_ref(), &mut images)?;
    let (body, early) = finish_body(&plan, images.spare, &images.raws, sink);
    let layout_name = layout.as_ref().map(|l| l.name.clone());
    let hashes = Digests {
        raws: &images.raws,
        payloads: &body.payloads,
        body: body.digest?,
    };
    let manifest = build_manifest(layout_name.as_deref(), &images.infos, &hashes)?;
    let planned = PlannedPackage {
        layout_name,
        layout_chip: layout.as_ref().and_then(|l| l.family()),
        plan,
        bytes: body.bytes,
        manifest,
        images: images.infos,
        download,
        notes: images.notes,
        warnings: images.warnings,
    };
    Ok((planned, early))
}

/// Every image of a plan, before the container is made.
struct PlannedImages {
    infos: Vec<PlannedImageInfo>,
    planned: Vec<PlannedImage>,
    raws: Vec<Hashed>,
    /// The largest raw image's buffer, reused for the package bytes (see [`finish_body`]).
    spare: Vec<u8>,
    notes: Vec<String>,
    warnings: Vec<String>,
}

/// Reads, converts and compresses each image, checking it against its region; each payload's
/// pieces go to `sink` at their body offset while they are compressed.
fn plan_images<S: BodySink>(
    config: &PackConfig,
    layout: Option<&Layout>,
    sink: &S,
) -> Result<PlannedImages> {
    let mut out = PlannedImages {
        infos: Vec::new(),
        planned: Vec::new(),
        raws: Vec::new(),
        spare: Vec::new(),
        notes: Vec::new(),
        warnings: Vec::new(),
    };
    if layout.is_none() {
        out.notes
            .push("no layout given: region and size checks skipped".to_string());
    }
    let mut payload_offset = package::v2::payloads_start(config.images.len()) as u64;
    for spec in &config.images {
        let region = destination(layout, spec.id)?;
        out.warnings.extend(bootloader_warning(spec.id, region));
        let loaded = load_image(spec.id, &spec.path, spec.format, region)?;
        out.notes.extend(loaded.notes.iter().cloned());
        let compression = spec.compression.unwrap_or(config.options.compression);
        let at = payload_offset;
        let on_ready = |offset: usize, bytes: &[u8]| sink.write_at(at + offset as u64, bytes);
        let (info, image, raw_hash) = plan_image(config, &loaded, compression, region, &on_ready)?;
        payload_offset += image.payload.len() as u64;
        if let (Some(l), Some(r)) = (layout, region) {
            check_nand_pksize(l, &info, r, config.options.pksize)?;
        }
        out.infos.push(info);
        out.planned.push(image);
        out.raws.push(raw_hash);
        // The largest raw image is kept as the buffer the package is emitted into: its pages
        // are already mapped, where a fresh buffer cost a page fault per 4 KiB (and freeing
        // the image an munmap) in the serial end of a `pack`.
        if loaded.bytes.capacity() > out.spare.capacity() {
            out.spare = loaded.bytes;
        }
    }
    Ok(out)
}

/// The package-wide rules (installer heap, one codec, download region) and the container's
/// plan (offsets, CRC).
fn plan_container(
    config: &PackConfig,
    layout: Option<&Layout>,
    images: &mut PlannedImages,
) -> Result<(PackagePlan, Option<RegionFill>)> {
    check_heap(config, &images.planned, &mut images.warnings)?;
    let plan = PackagePlan::new(std::mem::take(&mut images.planned))?;
    let download = match layout {
        Some(l) => Some(check_download(l, plan.total_len)?),
        None => None,
    };
    Ok((plan, download))
}

/// The body's bytes (emitted into `spare`), its digest and the payloads' digests, made side by
/// side on the pool while `sink` finishes on a thread of its own (it blocks on I/O, so not a
/// pool worker).
fn finish_body<S: BodySink>(
    plan: &PackagePlan,
    spare: Vec<u8>,
    raws: &[Hashed],
    sink: &S,
) -> (Body, S::Output) {
    let mut spare = spare;
    let head = plan.head();
    let parts = plan.parts(&head);
    let (early, ((), (body, payloads))) = std::thread::scope(|s| {
        let early = s.spawn(|| sink.finish(&parts));
        let pool_work = rayon::join(
            || plan.emit_into(&mut spare),
            || {
                rayon::join(
                    || BodyDigest::of_parts(&parts),
                    || payload_hashes(plan, raws),
                )
            },
        );
        let early = early
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (early, pool_work)
    });
    if spare.capacity() > 2 * spare.len() {
        spare.shrink_to_fit(); // a large image that compressed well: do not keep its size
    }
    let body = Body {
        bytes: spare,
        digest: body,
        payloads,
    };
    (body, early)
}

/// The package body as [`finish_body`] made it.
struct Body {
    bytes: Vec<u8>,
    digest: std::result::Result<BodyDigest, package::manifest::ManifestError>,
    payloads: Vec<Hashed>,
}

/// What the manifest records of an input: its file name only. The manifest is signed, so it
/// must not depend on the working directory, nor leak the build machine's directories.
fn source_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Digests of each image's raw bytes and payload, in table order.
struct Digests<'a> {
    raws: &'a [Hashed],
    payloads: &'a [Hashed],
    body: BodyDigest,
}

/// The payload digests, in parallel; a raw (flag 0) payload is the raw image, already hashed.
fn payload_hashes(plan: &PackagePlan, raws: &[Hashed]) -> Vec<Hashed> {
    use rayon::prelude::*;
    plan.images()
        .par_iter()
        .zip(raws)
        .map(|(image, raw)| match image.flag {
            Flag::Raw => *raw,
            _ => Hashed::new(&image.payload),
        })
        .collect()
}

fn build_manifest(
    layout: Option<&str>,
    infos: &[PlannedImageInfo],
    hashes: &Digests<'_>,
) -> Result<Manifest> {
    let mut m = Manifest::new(&tool_version(), layout.unwrap_or("none"));
    let per_image = infos.iter().zip(hashes.raws).zip(hashes.payloads);
    for ((info, raw), payload) in per_image {
        let mut e = ImageEntry::from_hashed(
            info.id.0,
            &info.id.to_string(),
            info.flag.to_u8(),
            raw,
            payload,
        )?;
        e.source = Some(source_name(&info.source));
        m.images.push(e);
    }
    m.set_body_digest(hashes.body);
    Ok(m)
}
