//! What the device's online DFU code (`middleware/dfu/sol/dfu_ctrl_sol.c`, SDK
//! xiaomaomogu/SiFli-SDK @ d9313ba6) rejects beyond the control packet's format: combinations
//! of `dfu_ID`, image ids and flags that depend on the device's build (`OTA_NOR_OTA_MANAGER_LITE`,
//! `OTA_SECTION_CHANGE`) and chip (`SOC_SF32LB52X`).
//!
//! [`check_device_rules`] is the one place these rules live: writers call it before planning a
//! set (it refuses), readers after decrypting a control packet (it fails `verify`). Each
//! [`DeviceRule`] names the rule, the SDK lines it follows and what to change. Line numbers are
//! in `sol/dfu_ctrl_sol.c` unless another file is named.

use crate::ctrl::{
    ENTRY_FLAG_OFFSET, ENTRY_IMG_ID_OFFSET, FLAG_ENC, IMAGE_ENTRY_LEN, IMG_COUNT_OFFSET,
};
pub use crate::raw::ctrl::{
    DFU_ID_CODE, DFU_ID_CODE_MIX, DFU_ID_OTA_MANAGER, IMG_ID_BOOTLOADER, IMG_ID_OTA_MANAGER,
    IMG_ID_PATCH_TEMP, MAX_OTA_MANAGER_IMAGES,
};

/// Compile-time options of the device's DFU code that change what it accepts. The default (no
/// option) is what a plain `SOLUTION_WATCH` build accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceBuild {
    /// `OTA_NOR_OTA_MANAGER_LITE`: image id 6 (OTA manager) is accepted under `dfu_ID` 0/1
    /// (`sol/dfu_ctrl_sol.c:822-825`).
    pub ota_manager_lite: bool,
    /// `OTA_SECTION_CHANGE`: the app registers a download address for an image id
    /// (`dfu_flash_addr_set`, `:4233-4249`); such ids pass the image check on that address's
    /// size alone (`:759-764`), whatever the id. imgtool cannot see which ids the app
    /// registers, so with this option it accepts every id under `dfu_ID` 0/1.
    pub section_change: bool,
}

/// The chip family the device code is built for (`SOC_SF32LB5xX`): the workspace's one chip
/// type, with its data in the layout crate.
pub use layout::Chip;

fn code_id_fix(img_id: u8) -> &'static str {
    if img_id == IMG_ID_OTA_MANAGER {
        "unless the device is built with OTA_NOR_OTA_MANAGER_LITE or OTA_SECTION_CHANGE: send \
         it with dfu_id 2, or give --device-build lite (or section-change) for such a build"
    } else if img_id == IMG_ID_BOOTLOADER {
        "unless the device is built with OTA_SECTION_CHANGE and its app registers the id's \
         address: send it with dfu_id 2, or give --device-build section-change for such a build"
    } else {
        "unless the device is built with OTA_SECTION_CHANGE and its app registers the id's \
         address: give --device-build section-change for such a build"
    }
}

fn id_name(id: u8) -> String {
    match layout::ImageId(id).name() {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}

/// One combination the device's DFU code rejects. `index` is the image's position in the
/// control packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceRule {
    /// Item 1: `dfu_ID` 2 with an encrypted image.
    #[error(
        "device rule ota-manager-unencrypted (sol/dfu_ctrl_sol.c:2137-2212): image {index} has \
         id {} and flag {flag} (encrypted) under dfu_id 2 (OTA_MANAGER), but the OTA-manager \
         download branch never loads the session key, so the device fails to decrypt its first \
         record; use flag {} (the OTA-manager flow carries images unencrypted)",
        id_name(*img_id), flag & !FLAG_ENC
    )]
    OtaManagerEncrypted {
        /// Position in the control packet.
        index: usize,
        /// The image id.
        img_id: u8,
        /// Its flag (1 or 17).
        flag: u16,
    },
    /// Item 2: `dfu_ID` 2 with an image id other than 6 or 11.
    #[error(
        "device rule ota-manager-ids (sol/dfu_ctrl_sol.c:309-316, :2140-2143): image {index} \
         has id {} under dfu_id 2 (OTA_MANAGER), which takes only ids 6 (ota-manager) and 11 \
         (bootloader) and answers any other with an error; send it with dfu_id 0 or 1 in a \
         separate set",
        id_name(*img_id)
    )]
    OtaManagerImageId {
        /// Position in the control packet.
        index: usize,
        /// The image id.
        img_id: u8,
    },
    /// Item 2: `dfu_ID` 2 with more than 2 images.
    #[error(
        "device rule ota-manager-count (sol/dfu_ctrl_sol.c:1050, dfu_internal.h:83,340,473): \
         {count} images under dfu_id 2 (OTA_MANAGER), but the device copies the entries into \
         a {MAX_OTA_MANAGER_IMAGES}-slot array (an overflow of its RAM state); at most \
         {MAX_OTA_MANAGER_IMAGES} (ids 6 and 11)"
    )]
    OtaManagerCount {
        /// Images in the control packet.
        count: usize,
    },
    /// Item 3: `dfu_ID` 0/1 with image id 6, 9 or 11, which the build does not accept.
    #[error(
        "device rule code-image-ids (sol/dfu_ctrl_sol.c:822, :827): image {index} has id {} \
         under dfu_id {dfu_id}; the device's image check answers DFU_ERR_PARAMETER_INVALID \
         for it {}",
        id_name(*img_id),
        code_id_fix(*img_id)
    )]
    CodeImageId {
        /// The control packet's `dfu_ID` (0 or 1).
        dfu_id: u8,
        /// Position in the control packet.
        index: usize,
        /// The image id (6, 9 or 11).
        img_id: u8,
    },
    /// Item 4: `dfu_ID` 0/1 with image id 1 or 2 on an SF32LB52x build.
    #[error(
        "device rule not-on-52x (sol/dfu_ctrl_sol.c:774-785): image {index} has id {} under \
         dfu_id {dfu_id}, but SF32LB52x builds compile its case out (#ifndef SOC_SF32LB52X) \
         and answer DFU_ERR_PARAMETER_INVALID; the SF32LB52x has no separate LCPU image or \
         patch to update (unless built with OTA_SECTION_CHANGE: --device-build section-change)",
        id_name(*img_id)
    )]
    NotOn52x {
        /// The control packet's `dfu_ID` (0 or 1).
        dfu_id: u8,
        /// Position in the control packet.
        index: usize,
        /// The image id (1 or 2).
        img_id: u8,
    },
}

impl DeviceRule {
    /// Offset in the control packet's plaintext `P` of the field the rule is about: the
    /// image entry's flag or id, or `img_count`.
    pub fn plain_offset(&self) -> usize {
        let entry = |i: usize| crate::ctrl::CTRL_HEADER_LEN + i * IMAGE_ENTRY_LEN;
        match *self {
            Self::OtaManagerEncrypted { index, .. } => entry(index) + ENTRY_FLAG_OFFSET,
            Self::OtaManagerImageId { index, .. }
            | Self::CodeImageId { index, .. }
            | Self::NotOn52x { index, .. } => entry(index) + ENTRY_IMG_ID_OFFSET,
            Self::OtaManagerCount { .. } => IMG_COUNT_OFFSET,
        }
    }
}

/// Every rule of the device's DFU code that `images` (`(img_id, flag)` in control packet
/// order) break under `dfu_id`, for a device built with `build` for `chip` (`None`: chip
/// unknown, the 52x rule is not applied; see [`unchecked_chip_warning`]). Empty: the device
/// accepts the combination. `dfu_id` above 2 and the format rules are
/// [`crate::ctrl::check_policy`]'s.
pub fn check_device_rules(
    dfu_id: u8,
    images: &[(u8, u16)],
    build: DeviceBuild,
    chip: Option<Chip>,
) -> Vec<DeviceRule> {
    let mut out = Vec::new();
    match dfu_id {
        DFU_ID_OTA_MANAGER => {
            if images.len() > MAX_OTA_MANAGER_IMAGES {
                out.push(DeviceRule::OtaManagerCount {
                    count: images.len(),
                });
            }
            for (index, &(img_id, flag)) in images.iter().enumerate() {
                if img_id != IMG_ID_OTA_MANAGER && img_id != IMG_ID_BOOTLOADER {
                    out.push(DeviceRule::OtaManagerImageId { index, img_id });
                }
                if flag & FLAG_ENC != 0 {
                    out.push(DeviceRule::OtaManagerEncrypted {
                        index,
                        img_id,
                        flag,
                    });
                }
            }
        }
        DFU_ID_CODE | DFU_ID_CODE_MIX if !build.section_change => {
            for (index, &(img_id, _)) in images.iter().enumerate() {
                let allowed = match img_id {
                    IMG_ID_OTA_MANAGER => build.ota_manager_lite,
                    IMG_ID_PATCH_TEMP | IMG_ID_BOOTLOADER => false,
                    _ => true,
                };
                if !allowed {
                    out.push(DeviceRule::CodeImageId {
                        dfu_id,
                        index,
                        img_id,
                    });
                }
                if (img_id == 1 || img_id == 2) && chip.is_some_and(Chip::lacks_lcpu_images) {
                    out.push(DeviceRule::NotOn52x {
                        dfu_id,
                        index,
                        img_id,
                    });
                }
            }
        }
        _ => {}
    }
    out
}

/// A warning when the chip is not known and an image id that SF32LB52x builds reject under
/// `dfu_ID` 0/1 (1 or 2) is in the set: the rule could not be checked.
pub fn unchecked_chip_warning(
    dfu_id: u8,
    images: &[(u8, u16)],
    build: DeviceBuild,
    chip: Option<Chip>,
) -> Option<String> {
    if chip.is_some() || build.section_change || dfu_id > DFU_ID_CODE_MIX {
        return None;
    }
    let ids: Vec<String> = images
        .iter()
        .filter(|(id, _)| *id == 1 || *id == 2)
        .map(|(id, _)| id_name(*id))
        .collect();
    (!ids.is_empty()).then(|| {
        format!(
            "image id {} under dfu_id {dfu_id}: SF32LB52x devices reject it (the case is \
             compiled out, sol/dfu_ctrl_sol.c:774-785); the chip is not known here, so this was \
             not checked (give --chip)",
            ids.join(", ")
        )
    })
}
