//! Checking a package the way the device will use it: structure, CRC, every packet, the
//! device-pitfall byte and (with a layout) that every image and the package itself fit.
//!
//! [`check`] returns a [`Report`] with one [`ImageReport`] per table entry and a list of
//! [`Finding`]s; `imgtool inspect` prints the former, `imgtool verify` the latter.

use crate::error::PackageError;
use crate::payload::{self, DEVICE_BLOCK, PITFALL_BYTES};
use crate::rules::{self, RuleBreak};
use crate::v2::raw::{header_offset, OfflineHeader, INSTALL_STATE_FRESH};
use crate::v2::{self, Flag, Package, PackageImage};
use crate::ImageId;
use ezip::payload::PayloadInfo;
use layout::Layout;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational (e.g. a trailer after the payloads).
    Note,
    /// Legal but risky on the device.
    Warning,
    /// The device would reject, crash on or mis-install this package.
    Error,
}

/// One thing `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// Table index of the image it is about, if any.
    pub image: Option<usize>,
    /// What and where, in words (offsets as `0x%08x`).
    pub message: String,
}

pub use crate::rules::RegionFill;

/// One table entry as the device sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReport {
    /// Table index.
    pub index: usize,
    /// Image id.
    pub id: ImageId,
    /// Raw or compressed.
    pub flag: Flag,
    /// Offset of the table entry.
    pub entry_offset: usize,
    /// Offset of the payload.
    pub payload_offset: usize,
    /// Payload length.
    pub payload_len: usize,
    /// Length the device writes (`None` when the payload does not decode).
    pub image_len: Option<usize>,
    /// Structure of a compressed payload.
    pub payload_info: Option<PayloadInfo>,
    /// Destination region (with a layout that places this id).
    pub region: Option<RegionFill>,
}

/// Everything [`check`] learnt about a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The header as stored.
    pub header: OfflineHeader,
    /// CRC-32/MPEG-2 computed over the payloads.
    pub computed_crc: u32,
    /// Package length in bytes (the whole input).
    pub package_len: usize,
    /// Bytes after the last payload.
    pub trailer_len: usize,
    /// One entry per table entry, in order.
    pub images: Vec<ImageReport>,
    /// The download region and its fill (with a layout that has one).
    pub download: Option<RegionFill>,
    /// Findings, in the order they were found.
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when no finding is an [`Severity::Error`].
    pub fn ok(&self) -> bool {
        self.findings.iter().all(|f| f.severity < Severity::Error)
    }

    fn push(&mut self, severity: Severity, image: Option<usize>, message: String) {
        self.findings.push(Finding {
            severity,
            image,
            message,
        });
    }
}

/// Checks a package. `Err` only when the structure cannot be read at all (bad magic, version,
/// count, flag, truncation); every other problem is a [`Finding`] in the report.
pub fn check(bytes: &[u8], layout: Option<&Layout>) -> Result<Report, PackageError> {
    let pkg = v2::parse(bytes)?;
    let mut report = Report {
        header: pkg.header,
        computed_crc: pkg.computed_crc,
        package_len: bytes.len(),
        trailer_len: pkg.trailer.len(),
        images: Vec::with_capacity(pkg.images.len()),
        download: None,
        findings: Vec::new(),
    };
    check_header(&pkg, &mut report);
    for image in &pkg.images {
        let r = check_image(image, &pkg, &mut report);
        report.images.push(r);
    }
    check_pitfall(&mut report);
    check_modes(&mut report);
    check_heap(&pkg, &mut report);
    if let Some(layout) = layout {
        check_layout(layout, &mut report);
    }
    // A well-formed signature trailer is expected there: only unknown bytes deserve a note.
    let known_trailer = matches!(crate::trailer::inspect(bytes), Ok(Some(_)));
    if !pkg.trailer.is_empty() && !known_trailer {
        report.push(
            Severity::Note,
            None,
            format!(
                "{} bytes follow the last payload (from offset {:#010x}){}; the device ignores \
                 them",
                pkg.trailer.len(),
                pkg.payloads_end,
                if pkg.trailer.iter().all(|&b| b == 0xFF) {
                    ", all 0xff (erased flash)"
                } else {
                    ""
                }
            ),
        );
    }
    Ok(report)
}

fn check_header(pkg: &Package<'_>, report: &mut Report) {
    if pkg.header.install_state != INSTALL_STATE_FRESH {
        report.push(
            Severity::Error,
            None,
            format!(
                "install_state at offset {:#010x} is {:#04x}, a fresh package has 0xff; this \
                 looks like a package read back from a device (0x7f installing, 0x3f finished) \
                 and the device cannot restart its state machine from it",
                header_offset::INSTALL_STATE,
                pkg.header.install_state
            ),
        );
    }
    if !pkg.crc_ok() {
        report.push(
            Severity::Error,
            None,
            format!(
                "crc at offset {:#010x} is {:#010x} but the payloads \
                 ({:#010x} to {:#010x}) give {:#010x}",
                header_offset::CRC,
                pkg.header.crc.get(),
                pkg.payloads_start,
                pkg.payloads_end,
                pkg.computed_crc
            ),
        );
    }
}

fn check_image(image: &PackageImage<'_>, pkg: &Package<'_>, report: &mut Report) -> ImageReport {
    let id = ImageId(image.entry.image_id);
    let at = format!(
        "image {} (id {id}, table entry at {:#010x}, payload at {:#010x})",
        image.index, image.entry_offset, image.payload_offset
    );
    if let Some(first) = pkg.images[..image.index]
        .iter()
        .find(|i| i.entry.image_id == image.entry.image_id)
    {
        report.push(
            Severity::Error,
            Some(image.index),
            format!("{at}: image id {id} already used by image {}", first.index),
        );
    }
    let mut out = ImageReport {
        index: image.index,
        id,
        flag: image.flag,
        entry_offset: image.entry_offset,
        payload_offset: image.payload_offset,
        payload_len: image.payload.len(),
        image_len: None,
        payload_info: None,
        region: None,
    };
    if image.payload.is_empty() {
        report.push(
            Severity::Error,
            Some(image.index),
            format!("{at}: payload_len is 0; the device cannot install an empty image"),
        );
        return out;
    }
    match payload::decode(image.flag, image.payload) {
        Ok(d) => {
            out.image_len = Some(d.image.len());
            out.payload_info = d.info;
        }
        Err(e) => {
            let e = crate::error::full_text(&e);
            report.push(Severity::Error, Some(image.index), format!("{at}: {e}"));
        }
    }
    out
}

fn check_pitfall(report: &mut Report) {
    let lacking: Vec<&ImageReport> = report
        .images
        .iter()
        .filter(|i| i.payload_info.as_ref().is_some_and(|p| p.trailing == 0))
        .collect();
    if lacking.is_empty() {
        return;
    }
    let (risk, safe): (Vec<&ImageReport>, Vec<&ImageReport>) = lacking
        .into_iter()
        .partition(|i| i.payload_len <= DEVICE_BLOCK);
    let name = |v: &[&ImageReport]| {
        v.iter()
            .map(|i| format!("image {} (id {}, {} bytes)", i.index, i.id, i.payload_len))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // A payload that fits the installer's first block is *always* mis-installed (its last
    // packet is never decoded, yet the install reports success): an error, not a risk. A
    // longer one installs, so it is only worth a warning.
    let mut findings = Vec::new();
    if !risk.is_empty() {
        findings.push((
            Severity::Error,
            risk[0].index,
            format!(
                "silent mis-install: {} end with their last packet and fit in one \
                 {DEVICE_BLOCK}-byte block, so the device never decodes that packet and leaves \
                 the tail of the image erased; repack with imgtool (it appends {PITFALL_BYTES} \
                 byte after the last packet)",
                name(&risk)
            ),
        ));
    }
    if !safe.is_empty() {
        findings.push((
            Severity::Warning,
            safe[0].index,
            format!(
                "no byte after the last packet in {} (made by the vendor tool?); longer than \
                 {DEVICE_BLOCK} bytes, so it installs, but imgtool appends one",
                name(&safe)
            ),
        ));
    }
    for (severity, index, message) in findings {
        report.push(severity, Some(index), message);
    }
}

/// The installer's heap for `pksize` above 64 KiB (see [`rules::install_heap`]): planning
/// refuses it unless allowed; here it is a warning, since only the device's build knows its
/// free heap.
fn check_heap(pkg: &Package<'_>, report: &mut Report) {
    if let Err(e) = rules::install_heap(pkg.images.iter().map(|i| i.payload), false) {
        report.push(
            Severity::Warning,
            None,
            format!("{e}; the device's installer must have that much heap free"),
        );
    }
}

/// One codec per package (see [`payload::check_one_mode`]).
fn check_modes(report: &mut Report) {
    let modes: Vec<_> = report
        .images
        .iter()
        .filter_map(|i| Some((i.index, i.id.0, i.payload_info.as_ref()?.mode)))
        .collect();
    if let Err(e) = rules::one_codec(modes) {
        let index = match e {
            PackageError::MixedCompression { index, .. } => Some(index),
            _ => None,
        };
        report.push(Severity::Error, index, e.to_string());
    }
}

fn check_layout(layout: &Layout, report: &mut Report) {
    let mut findings = Vec::new();
    for image in &mut report.images {
        let region = match rules::installable(layout, image.id) {
            Ok(r) => r,
            Err(RuleBreak::NotInstallable { reason, .. }) => {
                findings.push((
                    Severity::Error,
                    Some(image.index),
                    format!(
                        "image {} (id {}): layout {} cannot install image id {}: {reason}",
                        image.index, image.id, layout.name, image.id.0
                    ),
                ));
                continue;
            }
            Err(e) => {
                findings.push((Severity::Error, Some(image.index), e.to_string()));
                continue;
            }
        };
        let Some(len) = image.image_len else { continue };
        image.region = Some(RegionFill::new(region, len as u64));
        let subject = format!("image {} (id {})", image.index, image.id);
        if let Err(e) = rules::region_fit(subject, len as u64, region) {
            findings.push((Severity::Error, Some(image.index), e.to_string()));
        }
        if let Some(info) = &image.payload_info {
            if let Err(e) = rules::nand_pksize(layout, image.id, region, image.flag, info.pksize) {
                findings.push((Severity::Error, Some(image.index), e.to_string()));
            }
        }
    }
    match rules::download_region(layout) {
        Err(e) => findings.push((
            Severity::Error,
            None,
            format!("{e} to check the package size against"),
        )),
        Ok(r) => {
            let fill = RegionFill::new(r, report.package_len as u64);
            if let Err(e) = rules::download_fit(&fill, fill.used, None) {
                findings.push((Severity::Error, None, e.to_string()));
            }
            report.download = Some(fill);
        }
    }
    for (severity, image, message) in findings {
        report.push(severity, image, message);
    }
}
