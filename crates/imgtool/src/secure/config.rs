//! What a secure build is made of: the images and the build parameters, and the vendor's
//! file names.

use crate::pack::{Compression, PlannedPackage};
use secure::ctrl::{FLAG_COMPRESS, FLAG_ENC};
use secure::online::{OnlineImage, OnlineParams, MAX_BKSIZE_FLASH, MAX_BKSIZE_NAND};
use secure::rules::{Chip, DeviceBuild};

/// One image of a secure build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureImage {
    /// Stem of its file names (`com_STEM.bin`, `outcom_STEM.bin`, ...).
    pub stem: String,
    /// Control packet flag: [`FLAG_COMPRESS`] (the payload is a compressed `com_` image),
    /// [`FLAG_ENC`] (records encrypted).
    pub flag: u16,
    /// Image id.
    pub img_id: u8,
    /// The bytes the records are made of: the compressed payload or the raw image.
    pub payload: Vec<u8>,
}

impl SecureImage {
    /// The images of a planned package, named after their image ids (`hcpu`, `img9`; dashes
    /// become underscores), flagged compressed when packed compressed and encrypted when
    /// `encrypt`: the inputs of `pack --secure`.
    pub fn from_planned_package(planned: &PlannedPackage, encrypt: bool) -> Vec<SecureImage> {
        planned
            .images
            .iter()
            .zip(planned.plan.images())
            .map(|(info, p)| {
                let mut flag = if info.compression == Compression::None {
                    0
                } else {
                    FLAG_COMPRESS
                };
                if encrypt {
                    flag |= FLAG_ENC;
                }
                let stem = info
                    .id
                    .name()
                    .map_or_else(|| format!("img{}", info.id.0), |n| n.replace('-', "_"));
                SecureImage {
                    stem,
                    flag,
                    img_id: info.id.0,
                    payload: p.payload.clone(),
                }
            })
            .collect()
    }

    /// The image as crate `secure` takes it.
    pub fn online(&self) -> OnlineImage {
        OnlineImage {
            img_id: self.img_id,
            flag: self.flag,
            data: self.payload.clone(),
        }
    }
}

/// Control packet and record parameters (the defaults are the vendor tool's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureBuild {
    /// Control packet dfu_ID (0 CODE, 1 CODE_MIX, 2 OTA_MANAGER).
    pub dfu_id: u8,
    /// Control packet HW_version.
    pub hw_version: u32,
    /// Control packet SDK_version.
    pub sdk_version: u32,
    /// Control packet FW_version.
    pub fw_version: u32,
    /// Record block size: a multiple of 16, at most 512 (2048 when `nand`).
    pub bksize: u16,
    /// Zero-pad each image to 16 bytes.
    pub align: bool,
    /// NAND ping-pong target: allows a block size up to 2048.
    pub nand: bool,
    /// The device's DFU build options.
    pub device_build: DeviceBuild,
    /// The device's chip, if known.
    pub chip: Option<Chip>,
    /// Also plan `control_packet_value.txt` (the plaintext control packet with the session
    /// key; written with mode 0600).
    pub debug_plaintext: bool,
    /// How record files are named.
    pub naming: Naming,
}

impl Default for SecureBuild {
    fn default() -> Self {
        Self {
            dfu_id: 0,
            hw_version: 0,
            sdk_version: 0,
            fw_version: 0,
            bksize: 512,
            align: true,
            nand: false,
            device_build: DeviceBuild::default(),
            chip: None,
            debug_plaintext: false,
            naming: Naming::Classic,
        }
    }
}

impl SecureBuild {
    /// The parameters as crate `secure` takes them.
    pub fn params(&self) -> OnlineParams {
        OnlineParams {
            dfu_id: self.dfu_id,
            hw_version: self.hw_version,
            sdk_version: self.sdk_version,
            fw_version: self.fw_version,
            bksize: self.bksize,
            align: self.align,
            max_bksize: if self.nand {
                MAX_BKSIZE_NAND
            } else {
                MAX_BKSIZE_FLASH
            },
            device_build: self.device_build,
            chip: self.chip,
        }
    }
}

/// A whole secure build but its keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecureConfig {
    /// The images, in control packet order.
    pub images: Vec<SecureImage>,
    /// The parameters.
    pub build: SecureBuild,
    /// Also make the offline package v1 (`offline_install.bin`) of the compressed images.
    pub offline_v1: bool,
}

/// How record files are named: the two vendor packer generations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Naming {
    /// `enccom_app.bin`, `outapp.bin` (imgtoolv37.py in the SDK trees, dfu_bin_generate37).
    #[default]
    Classic,
    /// `enc_com_app.bin`, `out_app.bin` (newest imgtoolv37.py, with --dst_dir).
    Prefixed,
}

/// The vendor's name of the file the records are made from.
pub fn input_name(stem: &str, flag: u16) -> String {
    if flag & FLAG_COMPRESS != 0 {
        format!("com_{stem}.bin")
    } else {
        format!("{stem}.bin")
    }
}

/// The vendor's name of an image's record file.
pub fn record_name(stem: &str, flag: u16, naming: Naming) -> String {
    let pre = if flag & FLAG_ENC != 0 { "enc" } else { "out" };
    match naming {
        Naming::Classic => format!("{pre}{}", input_name(stem, flag)),
        Naming::Prefixed => format!("{pre}_{}", input_name(stem, flag)),
    }
}
