//! What the device's online DFU code (`middleware/dfu/sol/dfu_ctrl_sol.c`, SDK
//! xiaomaomogu/SiFli-SDK @ d9313ba6) rejects beyond the control packet's format: combinations
//! of `dfu_ID`, image ids and flags that depend on the device's build (`OTA_NOR_OTA_MANAGER_LITE`,
//! `OTA_SECTION_CHANGE`) and chip (`SOC_SF32LB52X`).
//!
//! [`check_device_rules`] is the one place these rules live: writers call it before planning a
//! set (it refuses), readers after decrypting a control packet (it fails `verify`). Each
//! [`DeviceRule`] names the rule, the SDK lines it follows and what to change. Line numbers are
//! in `sol/dfu_ctrl_sol.c` unless another file is named.

pub(crate) mod device_rule;

use crate::ctrl::FLAG_ENC;
pub use crate::raw::ctrl::{
    DFU_ID_CODE, DFU_ID_CODE_MIX, DFU_ID_OTA_MANAGER, IMG_ID_BOOTLOADER, IMG_ID_OTA_MANAGER,
    IMG_ID_PATCH_TEMP, MAX_OTA_MANAGER_IMAGES,
};
use device_rule::id_name;
pub use device_rule::DeviceRule;

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
