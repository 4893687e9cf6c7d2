//! A simulation: the starting flash (old firmware plus the downloaded package), one run of the
//! whole flow, and the power-cut sweep.

use crate::codec::ComType;
use crate::device::{Boot, Device, Stop};
use crate::error::SimError;
use crate::flash::{Flash, FlashOp};
use crate::map::{FlashMap, Region, ID_APP, ID_BOOTLOADER, ID_INSTALLER};
use crate::outcome::{Broken, Content, Outcome, Running};
use crate::unpack::{unpack, UnpackedImage};

/// Boots after which a device that has not settled in its app counts as looping.
pub const MAX_BOOTS: u32 = 16;

/// Length of a synthetic old image when none is given (capped by the region size).
const SYNTHETIC_OLD_LEN: u32 = 20_000;

/// The firmware the device runs before the update; `None` uses a synthetic image.
#[derive(Debug, Clone, Default)]
pub struct OldImages {
    /// Raw image in `HCPU_FLASH_CODE`.
    pub app: Option<Vec<u8>>,
    /// Raw image in `DFU_FLASH_CODE`.
    pub installer: Option<Vec<u8>>,
}

/// A region whose content decides the outcome, with the images it may legitimately hold.
#[derive(Debug, Clone)]
struct Tracked {
    id: u8,
    region: Region,
    old: Vec<u8>,
    new: Option<Vec<u8>>,
}

/// One region compared with the image `unpack` gives for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCheck {
    /// Image id.
    pub id: u8,
    /// Region name.
    pub region: String,
    /// Region start.
    pub start: u32,
    /// Image length.
    pub len: usize,
    /// First differing offset, `None` when the region holds the image exactly.
    pub first_difference: Option<usize>,
}

/// One run without power cuts.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Every flash operation, in order.
    pub ops: Vec<FlashOp>,
    /// What each program did.
    pub trace: Vec<String>,
    /// The end state.
    pub outcome: Outcome,
    /// Each package image's region against the unpacked image.
    pub checks: Vec<RegionCheck>,
    /// What each package image's region holds at the end, for the image's length (what a
    /// test compares with the input images).
    pub installed: Vec<UnpackedImage>,
}

impl RunReport {
    /// The new firmware is installed and every region holds exactly its image.
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::NewInstalled
            && self.checks.iter().all(|c| c.first_difference.is_none())
    }
}

/// The next install after a power cut, see [`Scenario::follow_ups`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUps {
    /// The app runs the install step again with the same package.
    pub retry: Outcome,
    /// The app hands over for a package that carries no installer.
    pub without_installer: Outcome,
}

/// A simulation set up and ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    map: FlashMap,
    com: ComType,
    images: Vec<UnpackedImage>,
    tracked: Vec<Tracked>,
    initial: Flash,
    app_resumes: bool,
}

impl Scenario {
    /// Sets up a device running `old` firmware with `package` stored at the start of
    /// `DFU_DOWNLOAD_REGION`, just before the app calls the install entry point.
    ///
    /// Refuses (as `imgtool pack` would) packages that do not decode, do not fit the download
    /// region, hold an image with no region or larger than it.
    pub fn new(map: FlashMap, package: &[u8], old: OldImages) -> Result<Self, SimError> {
        let dl = map.download().clone();
        if package.len() as u64 > u64::from(dl.size) {
            return Err(SimError::PackageTooLarge {
                len: package.len(),
                region: dl.name,
                size: dl.size,
            });
        }
        let (images, com) = unpack(package)?;
        for needed in [ID_APP, ID_INSTALLER] {
            if map.region_for(needed).is_none() {
                return Err(SimError::Layout(format!(
                    "no region for image id {needed}; the flow needs the app and the installer regions"
                )));
            }
        }
        let tracked = track(&map, &images, old)?;
        let mut initial = Flash::new(map.erase_unit());
        for t in &tracked {
            initial.load(t.region.start, &t.old);
        }
        initial.load(dl.start, package);
        Ok(Scenario {
            map,
            com: com.unwrap_or(ComType::Gzip),
            images,
            tracked,
            initial,
            app_resumes: false,
        })
    }

    /// Overrides the compression type the installer was built for (detected from the first
    /// compressed payload by default).
    pub fn with_com_type(mut self, com: ComType) -> Self {
        self.com = com;
        self
    }

    /// Models an app with the mitigation for the installer window: at every boot, if
    /// `DFU_DOWNLOAD_REGION` holds a package with a good CRC that was never installed (state
    /// `0xFF`), it runs the install step again. The vendor app does not do this (default off).
    pub fn with_app_resume(mut self, on: bool) -> Self {
        self.app_resumes = on;
        self
    }

    /// The compression type the simulated installer decodes.
    pub fn com_type(&self) -> ComType {
        self.com
    }

    /// The images `unpack` gives, in table order.
    pub fn images(&self) -> &[UnpackedImage] {
        &self.images
    }

    /// The flash map.
    pub fn map(&self) -> &FlashMap {
        &self.map
    }

    /// Runs the whole flow without a power cut.
    pub fn run(&self) -> RunReport {
        self.run_cut(None)
    }

    /// Runs the whole flow, with power cut just before operation `cut` if given, until the
    /// device settles; the report's `ops` are those of the run up to the cut.
    pub fn run_cut(&self, cut: Option<u64>) -> RunReport {
        let (outcome, dev) = self.simulate(cut);
        RunReport {
            ops: dev.flash.log().to_vec(),
            trace: dev.trace.clone(),
            outcome,
            checks: self.checks(&dev.flash),
            installed: self.installed(&dev.flash),
        }
    }

    /// Runs the flow once with power cut just before operation `op`, then lets the device
    /// run until it settles. Returns the outcome and the trace.
    pub fn run_with_cut(&self, op: u64) -> (Outcome, Vec<String>) {
        let (outcome, dev) = self.simulate(Some(op));
        (outcome, dev.trace)
    }

    /// What happens next to a device left by a power cut before `op`: (1) the app retries
    /// the same package; (2) the app hands over to the installer for a package that does not
    /// carry one (what it does for any such package: force mode "installer", reset).
    pub fn follow_ups(&self, op: u64) -> FollowUps {
        let (_, dev) = self.simulate(Some(op));
        let mut retry = dev.clone();
        let retry = match retry.app_install() {
            Ok(()) => self.settle(&mut retry),
            Err(_) => self.judge(&retry.flash, self.content(&retry.flash, ID_APP)),
        };
        let mut other = dev;
        other.force = crate::device::ForceMode::Installer;
        let without_installer = self.settle(&mut other);
        FollowUps {
            retry,
            without_installer,
        }
    }

    fn simulate(&self, cut: Option<u64>) -> (Outcome, Device<'_>) {
        let mut dev = Device::new(self.initial.clone(), &self.map, self.com);
        dev.flash.cut_before(cut);
        dev.trace.push(format!(
            "[op     0] start: old firmware runs; package stored in {}; app calls the install entry point",
            self.map.download().name
        ));
        let outcome = match dev.app_install() {
            Ok(()) => self.settle(&mut dev),
            Err(Stop::PowerCut) => {
                cut_power(&mut dev);
                self.settle(&mut dev)
            }
            Err(Stop::Fail(_)) => {
                // The app refused the package and keeps running: nothing was started.
                self.judge(&dev.flash, self.content(&dev.flash, ID_APP))
            }
        };
        dev.trace.push(format!("end: {outcome}"));
        (outcome, dev)
    }

    /// Boots until an app runs with nothing pending, or the device is broken.
    fn settle(&self, dev: &mut Device<'_>) -> Outcome {
        for _ in 0..MAX_BOOTS {
            if let Some(b) = self.find(ID_BOOTLOADER) {
                if self.content(&dev.flash, ID_BOOTLOADER) == Content::Partial {
                    return Outcome::Broken(Broken::StartsPartial {
                        program: "bootloader",
                        region: b.region.name.clone(),
                    });
                }
            }
            let (program, id) = match dev.bootloader() {
                Boot::Installer => ("installer", ID_INSTALLER),
                Boot::App => ("app", ID_APP),
            };
            let content = self.content(&dev.flash, id);
            if content == Content::Partial {
                let region = self
                    .map
                    .region_for(id)
                    .expect("checked in new")
                    .name
                    .clone();
                return Outcome::Broken(Broken::StartsPartial { program, region });
            }
            if id == ID_APP {
                if self.app_resumes && dev.stored_package_not_installed() {
                    match dev.app_install() {
                        Ok(()) => continue,
                        Err(Stop::PowerCut) => {
                            cut_power(dev);
                            continue;
                        }
                        Err(Stop::Fail(_)) => {}
                    }
                }
                return self.judge(&dev.flash, content);
            }
            match dev.installer() {
                Ok(()) | Err(Stop::Fail(_)) => {}
                Err(Stop::PowerCut) => cut_power(dev),
            }
        }
        Outcome::Broken(Broken::Loops { boots: MAX_BOOTS })
    }

    /// Classifies a settled device whose app region holds `app` (old or new).
    fn judge(&self, flash: &Flash, app: Content) -> Outcome {
        let running = if app == Content::New {
            Running::NewApp
        } else {
            Running::OldApp
        };
        let mut all_new = true;
        let (mut partial, mut stale, mut already_new) = (vec![], vec![], vec![]);
        for t in &self.tracked {
            let c = self.content(flash, t.id);
            let name = t.region.name.clone();
            match c {
                Content::Partial => partial.push(name),
                Content::Old if t.new.is_some() => stale.push(name),
                Content::New if t.new.is_some() => already_new.push(name),
                _ => {}
            }
            all_new &= t.new.is_none() || c == Content::New;
        }
        if all_new && partial.is_empty() {
            return Outcome::NewInstalled;
        }
        if partial.is_empty() && running == Running::OldApp {
            return Outcome::OldIntact { already_new };
        }
        if running == Running::OldApp {
            stale.clear();
        }
        Outcome::Latent {
            running,
            partial,
            stale,
        }
    }

    fn find(&self, id: u8) -> Option<&Tracked> {
        self.tracked.iter().find(|t| t.id == id)
    }

    /// What the region of image `id` holds.
    fn content(&self, flash: &Flash, id: u8) -> Content {
        let Some(t) = self.find(id) else {
            return Content::Old;
        };
        let holds = |img: &[u8]| flash.read(t.region.start, img.len()) == img;
        match &t.new {
            Some(new) if holds(new) => Content::New,
            _ if holds(&t.old) => Content::Old,
            _ => Content::Partial,
        }
    }

    fn installed(&self, flash: &Flash) -> Vec<UnpackedImage> {
        self.images
            .iter()
            .map(|img| {
                let region = self.map.region_for(img.id).expect("checked in new");
                UnpackedImage {
                    index: img.index,
                    id: img.id,
                    bytes: flash.read(region.start, img.bytes.len()),
                }
            })
            .collect()
    }

    fn checks(&self, flash: &Flash) -> Vec<RegionCheck> {
        self.images
            .iter()
            .map(|img| {
                let region = self.map.region_for(img.id).expect("checked in new");
                let got = flash.read(region.start, img.bytes.len());
                RegionCheck {
                    id: img.id,
                    region: region.name.clone(),
                    start: region.start,
                    len: img.bytes.len(),
                    first_difference: got.iter().zip(&img.bytes).position(|(a, b)| a != b),
                }
            })
            .collect()
    }
}

fn cut_power(dev: &mut Device<'_>) {
    dev.flash.cut_before(None);
    dev.power_cycle();
}

/// The regions that decide the outcome: app, installer, and every image of the package.
fn track(
    map: &FlashMap,
    images: &[UnpackedImage],
    old: OldImages,
) -> Result<Vec<Tracked>, SimError> {
    let mut ids = vec![ID_APP, ID_INSTALLER];
    for img in images {
        let region = map.region_for(img.id).ok_or(SimError::NoRegion {
            id: img.id,
            index: img.index,
        })?;
        if img.bytes.len() as u64 > u64::from(region.size) {
            return Err(SimError::ImageTooLarge {
                id: img.id,
                len: img.bytes.len(),
                region: region.name.clone(),
                size: region.size,
            });
        }
        if !ids.contains(&img.id) {
            ids.push(img.id);
        }
    }
    let OldImages { app, installer } = old;
    let mut given = [(ID_APP, app), (ID_INSTALLER, installer)];
    ids.into_iter()
        .map(|id| {
            let region = map.region_for(id).expect("checked above").clone();
            let old = given
                .iter_mut()
                .find(|(i, _)| *i == id)
                .and_then(|(_, img)| img.take())
                .unwrap_or_else(|| synthetic(id, region.size.min(SYNTHETIC_OLD_LEN)));
            if old.len() as u64 > u64::from(region.size) {
                return Err(SimError::OldImageTooLarge {
                    region: region.name,
                    len: old.len(),
                    size: region.size,
                });
            }
            // Later entries with the same id overwrite earlier ones on the device.
            let new = images
                .iter()
                .rev()
                .find(|i| i.id == id)
                .map(|i| i.bytes.clone());
            Ok(Tracked {
                id,
                region,
                old,
                new,
            })
        })
        .collect()
}

/// A deterministic stand-in for old firmware: pseudo-random bytes, different per image id.
fn synthetic(id: u8, len: u32) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(id).wrapping_mul(0xA24B_AED4_963E_E407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
