//! What a secure build is made of: the images and the build parameters, and the vendor's
//! file names.

use crate::pack::{Compression, PlannedPackage};
use secure::ctrl::{FLAG_COMPRESS, FLAG_ENC};
use secure::online::{OnlineImage, OnlineParams};

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

/// Control packet and record parameters (the defaults are the vendor tool's), and what this
/// crate adds to crate `secure`'s: which files to plan and how to name them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecureBuild {
    /// dfu_ID, versions, block size (at most 512, or 2048 for a NAND target:
    /// [`OnlineParams::max_bksize`]), alignment, and the device the rules are checked for.
    pub params: OnlineParams,
    /// Also plan `control_packet_value.txt` (the plaintext control packet with the session
    /// key; written with mode 0600).
    pub debug_plaintext: bool,
    /// How record files are named.
    pub naming: Naming,
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
