//! [`DeviceRule`]: one combination the device's DFU code rejects, with its message. Apart from
//! the checks in [`crate::rules`] so that [`crate::SecureError`] can carry it while depending
//! only on the on-disk declarations (`raw`).

use crate::raw::ctrl::{
    CTRL_HEADER_LEN, ENTRY_FLAG_OFFSET, ENTRY_IMG_ID_OFFSET, FLAG_ENC, IMAGE_ENTRY_LEN,
    IMG_COUNT_OFFSET, IMG_ID_BOOTLOADER, IMG_ID_OTA_MANAGER, MAX_OTA_MANAGER_IMAGES,
};

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

pub(super) fn id_name(id: u8) -> String {
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
        let entry = |i: usize| CTRL_HEADER_LEN + i * IMAGE_ENTRY_LEN;
        match *self {
            Self::OtaManagerEncrypted { index, .. } => entry(index) + ENTRY_FLAG_OFFSET,
            Self::OtaManagerImageId { index, .. }
            | Self::CodeImageId { index, .. }
            | Self::NotOn52x { index, .. } => entry(index) + ENTRY_IMG_ID_OFFSET,
            Self::OtaManagerCount { .. } => IMG_COUNT_OFFSET,
        }
    }
}
