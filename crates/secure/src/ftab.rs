//! The flash table `struct sec_configuration` (SDK `middleware/dfu/dfu.h`), built from a board
//! layout the way the SDK build's `GenFtabCFile` does, and read back from any table binary.
//!
//! ```text
//! 0x0000 u32 magic = 0x53454346           0x0004 struct flash_table ftab[16] {base,size,xip_base,flags}
//! 0x0104 u8 sig_pub_key[294] (SPKI DER)   0x022A reserved (to 0x1000)
//! 0x1000 struct image_header_enc imgs[14] (512 B each, index = flash id - 2)
//! 0x2C00 u32 running_imgs[4] (absolute addresses of imgs[] entries, by core)   total 0x2C10
//! ```

use crate::error::{Result, SecureError};
pub use crate::image_header::{ImageHeaderEnc, IMAGE_HEADER_LEN};
use crate::keys::{VerifyingKey, SPKI_DER_LEN};
use layout::{FtabAddress, Layout, Region};
use sha2::{Digest, Sha256};
use std::mem::offset_of;
use zerocopy::little_endian::U32;
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout, Unaligned};

/// `SEC_CONFIG_MAGIC`.
pub const SEC_CONFIG_MAGIC: u32 = 0x5345_4346;
/// Entries of `ftab[]` (`DFU_FLASH_PARTITION`).
pub const PARTITIONS: usize = 16;
/// Entries of `imgs[]`.
pub const IMGS: usize = PARTITIONS - 2;
/// Entries of `running_imgs[]` (`CORE_MAX`).
pub const CORES: usize = 4;
/// Offset of `sig_pub_key` (`SECFG_SIGKEY_OFFSET`).
pub const SIGKEY_OFFSET: usize = offset_of!(SecConfiguration, sig_pub_key);
/// Offset of `imgs[]` (`SECFG_IMG_OFFSET`).
pub const IMG_OFFSET: usize = offset_of!(SecConfiguration, imgs);
/// Offset of `running_imgs[]` (`SECFG_RUNIMG_OFFSET`).
pub const RUNIMG_OFFSET: usize = offset_of!(SecConfiguration, running_imgs);
/// Size of `struct sec_configuration` (every SDK example table binary is this long).
pub const SEC_CONFIG_LEN: usize = size_of::<SecConfiguration>();
/// Size of one `struct flash_table`.
pub const FLASH_TABLE_LEN: usize = size_of::<FlashTable>();
/// `imgs[].length` of an unused entry.
pub const UNUSED: u32 = 0xFFFF_FFFF;
/// `DFU_FLAG_AUTO`: set in every entry the SDK build generates.
pub const FLAG_AUTO: u16 = 2;

/// Names of the flash ids (`DFU_FLASH_*`), the index of `ftab[]`.
pub const FLASH_ID_NAMES: [&str; PARTITIONS] = [
    "SEC_CONFIG",
    "FACTORY_CAL",
    "IMG_LCPU",
    "IMG_BL",
    "IMG_HCPU",
    "IMG_BOOT",
    "LCPU2",
    "BCPU2",
    "HCPU2",
    "BOOT2",
    "HCPU_EXT1",
    "HCPU_EXT2",
    "LCPU_EXT1",
    "LCPU_EXT2",
    "RESERVED",
    "SINGLE",
];
/// Names of the cores (`CORE_*`), the index of `running_imgs[]`.
pub const CORE_NAMES: [&str; CORES] = ["LCPU", "BL", "HCPU", "BOOT"];

const ID_DFU: usize = 2;
const ID_BL: usize = 3;
const ID_HCPU: usize = 4;
const ID_BL2: usize = 7;
const ID_HCPU2: usize = 8;
const EXT_IDS: [usize; 3] = [11, 12, 13];
const CORE_LCPU: usize = 0;
const CORE_BL: usize = 1;
const CORE_HCPU: usize = 2;

/// `struct flash_table` (SDK `middleware/dfu/dfu.h`), 16 bytes, little-endian.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct FlashTable {
    /// Where the image is stored.
    pub base: U32,
    /// Size of the storage region.
    pub size: U32,
    /// Where it runs (the bootloader copies it there when it differs from `base`).
    pub xip_base: U32,
    /// Flags (0 in generated tables).
    pub flags: U32,
}

/// The bytes between `sig_pub_key` and `imgs` (`reserved[4096 - ...]`).
const RESERVED_LEN: usize = 0x1000 - (4 + PARTITIONS * 16 + SPKI_DER_LEN);

/// `struct sec_configuration` (SDK `middleware/dfu/dfu.h`), 11280 bytes, little-endian; the
/// flash table binary is this struct as the C compiler lays it out.
#[derive(Debug, Clone, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SecConfiguration {
    /// [`SEC_CONFIG_MAGIC`].
    pub magic: U32,
    /// By flash id.
    pub ftab: [FlashTable; PARTITIONS],
    /// SPKI DER of the RSA key (all zero when not set, as in SDK-generated tables).
    pub sig_pub_key: [u8; SPKI_DER_LEN],
    /// The reserved bytes up to `imgs` (zero in built tables; erased 0xFF in some SDK binaries).
    pub reserved: [u8; RESERVED_LEN],
    /// By flash id - 2.
    pub imgs: [ImageHeaderEnc; IMGS],
    /// Absolute addresses of `imgs[]` entries, by core; `0xFFFFFFFF` for none (pointers in C,
    /// 32-bit on the device).
    pub running_imgs: [U32; CORES],
}

// The spec's table (docs/sifli-secure-and-online-dfu.md 3.1).
const _: () = assert!(size_of::<FlashTable>() == 16);
const _: () = assert!(size_of::<SecConfiguration>() == 0x2C10);
const _: () = assert!(SIGKEY_OFFSET == 0x104);
const _: () = assert!(IMG_OFFSET == 0x1000);
const _: () = assert!(RUNIMG_OFFSET == 0x2C00);

impl SecConfiguration {
    /// An all-zero table with the magic, every image entry unused and no running image.
    pub fn empty() -> Self {
        let mut t = Self::new_zeroed();
        t.magic = U32::new(SEC_CONFIG_MAGIC);
        t.imgs = std::array::from_fn(|_| ImageHeaderEnc::unused());
        t.running_imgs = [U32::new(UNUSED); CORES];
        t
    }

    /// The 11280 bytes, as the C compiler lays the struct out.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    /// Reads a table: at least [`SEC_CONFIG_LEN`] bytes with the magic (longer binaries, e.g.
    /// a whole FLASH_TABLE region dump, are read from their start).
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        let Ok((t, _)) = Self::read_from_prefix(b) else {
            return Err(SecureError::FtabShort { len: b.len() });
        };
        let magic = t.magic.get();
        if magic != SEC_CONFIG_MAGIC {
            return Err(SecureError::FtabMagic { magic });
        }
        Ok(t)
    }

    /// The flash id a `running_imgs` address points at, given the table's own address
    /// (`ftab[0].base`), as the bootloader computes it; `None` if it points at no entry.
    pub fn running_flash_id(&self, core: usize) -> Option<usize> {
        let p = self.running_imgs.get(core)?.get();
        let rel = p
            .checked_sub(self.ftab[0].base.get())?
            .checked_sub(IMG_OFFSET as u32)?;
        let idx = (rel as usize) / IMAGE_HEADER_LEN;
        (rel as usize % IMAGE_HEADER_LEN == 0 && idx < IMGS).then_some(idx + 2)
    }

    /// What `sig_pub_key` holds.
    pub fn sig_key_state(&self) -> SigKeyState {
        if self.sig_pub_key.iter().all(|&b| b == 0) || self.sig_pub_key.iter().all(|&b| b == 0xFF) {
            return SigKeyState::Empty;
        }
        let hash: [u8; 32] = Sha256::digest(self.sig_pub_key).into();
        match VerifyingKey::from_file_bytes(&self.sig_pub_key, "ftab sig_pub_key") {
            Ok(_) => SigKeyState::Rsa2048 { sha256: hash },
            Err(e) => SigKeyState::Invalid {
                reason: e.to_string(),
            },
        }
    }
}

/// The state of a table's `sig_pub_key` field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SigKeyState {
    /// All zero (SDK-generated tables) or erased.
    Empty,
    /// A valid RSA-2048 SPKI DER; its SHA-256 is what the efuse SIG_HASH must start with.
    Rsa2048 {
        /// SHA-256 of the DER.
        #[serde(serialize_with = "hex_ser")]
        sha256: [u8; 32],
    },
    /// Something else.
    Invalid {
        /// Why it does not parse.
        reason: String,
    },
}

fn hex_ser<S: serde::Serializer>(v: &[u8; 32], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&crate::record::hex(v))
}

/// A table planned from a layout, with what the builder could not fill.
#[derive(Debug, Clone)]
pub struct FtabPlan {
    /// The table.
    pub table: SecConfiguration,
    /// Fields left zero and why (e.g. no calibration region in the layout).
    pub notes: Vec<String>,
}

struct Entry {
    base: Option<(u64, u64)>,
    xip: Option<u64>,
}

fn entries(layout: &Layout) -> Vec<(String, Entry)> {
    let mut out: Vec<(String, Entry)> = Vec::new();
    for r in &layout.regions {
        let Some(f) = &r.ftab else { continue };
        let i = match out.iter().position(|(n, _)| *n == f.name) {
            Some(i) => i,
            None => {
                out.push((
                    f.name.clone(),
                    Entry {
                        base: None,
                        xip: None,
                    },
                ));
                out.len() - 1
            }
        };
        for a in &f.address {
            match a {
                FtabAddress::Base => out[i].1.base = Some((r.start(), r.size)),
                FtabAddress::Xip => out[i].1.xip = Some(r.start()),
            }
        }
    }
    out
}

fn addr(v: u64, what: &'static str) -> Result<U32> {
    u32::try_from(v)
        .map(U32::new)
        .map_err(|_| SecureError::FtabAddress { what, value: v })
}

fn entry_of(name: &str, e: &Entry) -> Result<FlashTable> {
    let missing = |which| SecureError::FtabNoAddress {
        entry: name.into(),
        which,
    };
    let (base, size) = e.base.ok_or_else(|| missing("base"))?;
    let xip = e.xip.ok_or_else(|| missing("xip"))?;
    Ok(FlashTable {
        base: addr(base, "base")?,
        size: addr(size, "size")?,
        xip_base: addr(xip, "xip")?,
        flags: U32::ZERO,
    })
}

fn region_entry(r: &Region) -> Result<FlashTable> {
    Ok(FlashTable {
        base: addr(r.start(), "base")?,
        size: addr(r.size, "size")?,
        ..FlashTable::default()
    })
}

/// Builds the table for `layout` as the SDK build does (`GenFtabCFile`), with two choices
/// of ours: `imgs[].length` is the region size unless `length_of(name)` gives the image
/// size (the SDK writes build-time sizes, which truncate a larger OTA image on boards that
/// copy code to RAM), and `sig_pub` fills `sig_pub_key` (the SDK leaves it zero).
pub fn build_ftab(
    layout: &Layout,
    sig_pub: Option<&VerifyingKey>,
    length_of: &dyn Fn(&str) -> Option<u32>,
) -> Result<FtabPlan> {
    let mut t = SecConfiguration::empty();
    let mut notes = Vec::new();
    let table = layout
        .region_by_tag("FLASH_TABLE")
        .ok_or_else(|| SecureError::NoFlashTable {
            layout: layout.name.clone(),
        })?;
    t.ftab[0] = region_entry(table)?;
    match layout.region_by_tag("FLASH_CAL_TABLE") {
        Some(r) => t.ftab[1] = region_entry(r)?,
        None => notes.push(
            "ftab[1] (FACTORY_CAL) left zero: the layout has no FLASH_CAL_TABLE region".into(),
        ),
    }
    notes.push("ftab[5]/ftab[9] (boot patch) left zero: not described by imgtool layouts".into());
    let table_addr = t.ftab[0].base.get();
    let img_addr =
        |flash_id: usize| table_addr + (IMG_OFFSET + (flash_id - 2) * IMAGE_HEADER_LEN) as u32;
    let mut ext = EXT_IDS.iter();
    for (name, e) in entries(layout) {
        let ft = entry_of(&name, &e)?;
        let slots: Vec<usize> = match name.as_str() {
            "main" => vec![ID_HCPU, ID_HCPU2],
            "bootloader" => vec![ID_BL, ID_BL2],
            "dfu" => vec![ID_DFU],
            _ => match ext.next() {
                Some(&id) => vec![id],
                None => return Err(SecureError::FtabSlotsFull { entry: name }),
            },
        };
        let length = length_of(&name).map_or(ft.size, U32::new);
        for &id in &slots {
            t.ftab[id] = ft;
            if id != ID_BL2 {
                t.imgs[id - 2] = ImageHeaderEnc {
                    length,
                    blksize: 512.into(),
                    flags: FLAG_AUTO.into(),
                    ..ImageHeaderEnc::unused()
                };
            }
        }
        match name.as_str() {
            "main" => t.running_imgs[CORE_HCPU] = img_addr(ID_HCPU).into(),
            "bootloader" => t.running_imgs[CORE_BL] = img_addr(ID_BL).into(),
            "dfu" => t.running_imgs[CORE_LCPU] = img_addr(ID_DFU).into(),
            _ => {}
        }
    }
    if let Some(k) = sig_pub {
        t.sig_pub_key.copy_from_slice(&k.spki_der()?);
    } else {
        notes.push("sig_pub_key left zero (no --sig-pub): secure boot of encrypted images cannot check a key".into());
    }
    Ok(FtabPlan { table: t, notes })
}
