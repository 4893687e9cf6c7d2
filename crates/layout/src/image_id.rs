//! OTA image ids: the `image_id` byte of an offline-package table entry (formats doc, section 4).
//!
//! Any `u8` is representable because the vendor packer accepts any id; the named ones are those
//! the device's installer knows a destination for.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// An OTA image id (0..=255). Named constants cover the ids the SDK defines.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ImageId(pub u8);

/// One row of the image-id table: id, canonical name, SDK destination tags, build output name.
struct Known {
    id: u8,
    name: &'static str,
    /// Destination region tags in the SDK's ptab.json, most common first.
    tags: &'static [&'static str],
    /// The `img` value in ptab.json for the build output that becomes this image.
    img: Option<&'static str>,
}

const KNOWN: &[Known] = &[
    Known {
        id: 0,
        name: "hcpu",
        tags: &["HCPU_FLASH_CODE"],
        img: Some("main"),
    },
    Known {
        id: 1,
        name: "lcpu",
        tags: &["LCPU_FLASH_CODE"],
        img: Some("lcpu"),
    },
    Known {
        id: 2,
        name: "patch",
        tags: &["LCPU_PATCH"],
        img: None,
    },
    Known {
        id: 3,
        name: "res",
        tags: &["HCPU_FLASH2_IMG"],
        img: None,
    },
    Known {
        id: 4,
        name: "font",
        tags: &["HCPU_FLASH2_FONT"],
        img: None,
    },
    Known {
        id: 5,
        name: "ex",
        tags: &["FS_REGION", "HCPU_FS_ROOT"],
        img: Some("fs_root"),
    },
    Known {
        id: 6,
        name: "ota-manager",
        tags: &["DFU_FLASH_CODE"],
        img: Some("dfu"),
    },
    Known {
        id: 7,
        name: "tiny-font",
        tags: &["HCPU_FLASH2_TINY_FONT"],
        img: None,
    },
    Known {
        id: 8,
        name: "res-upgrade",
        tags: &["HCPU_FLASH2_IMG_UPGRADE"],
        img: None,
    },
    Known {
        id: 10,
        name: "control",
        tags: &[],
        img: None,
    },
    Known {
        id: 11,
        name: "bootloader",
        tags: &["FLASH_BOOT_LOADER"],
        img: Some("bootloader"),
    },
];

impl ImageId {
    /// 0: the application (`hcpu.bin`, "main").
    pub const HCPU: ImageId = ImageId(0);
    /// 1: the LCPU image (not on SF32LB52x).
    pub const LCPU: ImageId = ImageId(1);
    /// 2: the LCPU patch.
    pub const PATCH: ImageId = ImageId(2);
    /// 3: resources (images).
    pub const RES: ImageId = ImageId(3);
    /// 4: font.
    pub const FONT: ImageId = ImageId(4);
    /// 5: "ex", the file-system root.
    pub const EX: ImageId = ImageId(5);
    /// 6: the OTA manager (DFU installer, `dfu.bin`).
    pub const OTA_MANAGER: ImageId = ImageId(6);
    /// 7: tiny font.
    pub const TINY_FONT: ImageId = ImageId(7);
    /// 8: resource upgrade.
    pub const RES_UPGRADE: ImageId = ImageId(8);
    /// 10: the control packet of the secure path (has no destination region).
    pub const CONTROL: ImageId = ImageId(10);
    /// 11: the second-stage bootloader.
    pub const BOOTLOADER: ImageId = ImageId(11);

    fn known(&self) -> Option<&'static Known> {
        KNOWN.iter().find(|k| k.id == self.0)
    }

    /// The canonical name (`"hcpu"`, `"ota-manager"`, ...), or `None` for an unnamed id.
    pub fn name(&self) -> Option<&'static str> {
        self.known().map(|k| k.name)
    }

    /// Region tags the SDK uses for this image's destination (empty when unknown).
    pub fn sdk_tags(&self) -> &'static [&'static str] {
        self.known().map_or(&[], |k| k.tags)
    }

    /// The ptab.json `img` name of the build output that becomes this image, if the SDK has one.
    pub fn sdk_img(&self) -> Option<&'static str> {
        self.known().and_then(|k| k.img)
    }

    /// All ids that have a name, in id order.
    pub fn named() -> impl Iterator<Item = ImageId> {
        KNOWN.iter().map(|k| ImageId(k.id))
    }
}

/// Why a string is not an image id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown image id {input:?}: expected a name (hcpu, lcpu, patch, res, font, ex, ota-manager or dfu, tiny-font, res-upgrade, control, bootloader) or a number 0..=255")]
pub struct ParseImageIdError {
    /// The rejected text.
    pub input: String,
}

impl FromStr for ImageId {
    type Err = ParseImageIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        if norm == "dfu" {
            return Ok(ImageId::OTA_MANAGER);
        }
        if let Some(k) = KNOWN.iter().find(|k| k.name == norm) {
            return Ok(ImageId(k.id));
        }
        // A number follows the one "decimal or 0x" rule of the workspace.
        crate::hex::parse_u64(s)
            .and_then(|v| u8::try_from(v).ok())
            .map(ImageId)
            .ok_or_else(|| ParseImageIdError {
                input: s.to_string(),
            })
    }
}

impl fmt::Display for ImageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for ImageId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A name or number (`"hcpu"`, `"0"`) or a plain integer (`0`), as configs write ids.
impl<'de> Deserialize<'de> for ImageId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IdVisitor)
    }
}

struct IdVisitor;

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = ImageId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an image id: a name such as \"hcpu\" or a number from 0 to 255")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<ImageId, E> {
        s.parse().map_err(E::custom)
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<ImageId, E> {
        u8::try_from(n)
            .map(ImageId)
            .map_err(|_| E::custom(format!("image id {n} is not a number from 0 to 255")))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<ImageId, E> {
        match u64::try_from(n) {
            Ok(n) => self.visit_u64(n),
            Err(_) => Err(E::custom(format!(
                "image id {n} is not a number from 0 to 255"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_numbers_parse() {
        for id in 0..=255u8 {
            let id = ImageId(id);
            assert_eq!(id.to_string().parse::<ImageId>().unwrap(), id);
        }
        assert_eq!("dfu".parse::<ImageId>().unwrap(), ImageId::OTA_MANAGER);
        assert_eq!("tiny_font".parse::<ImageId>().unwrap(), ImageId::TINY_FONT);
        assert_eq!("9".parse::<ImageId>().unwrap().to_string(), "9");
        assert_eq!(ImageId::BOOTLOADER.to_string(), "bootloader");
        assert!("256".parse::<ImageId>().is_err());
        assert!("app".parse::<ImageId>().is_err());
    }

    #[test]
    fn integers_deserialize_like_names_and_out_of_range_ones_are_refused() {
        #[derive(Deserialize)]
        struct T {
            id: ImageId,
        }
        let id = |text: &str| toml::from_str::<T>(text).map(|t| t.id);
        for n in 0..=255u8 {
            assert_eq!(id(&format!("id = {n}")).unwrap(), ImageId(n));
            assert_eq!(id(&format!("id = \"{n}\"")).unwrap(), ImageId(n));
        }
        assert_eq!(id("id = \"hcpu\"").unwrap(), ImageId::HCPU);
        for bad in ["id = 256", "id = -1"] {
            let e = id(bad).unwrap_err().to_string();
            assert!(e.contains("is not a number from 0 to 255"), "{e}");
        }
        let e = id("id = 1.5").unwrap_err().to_string();
        assert!(
            e.contains("a name such as \"hcpu\" or a number from 0 to 255"),
            "{e}"
        );
    }
}
