//! `struct sec_configuration` and `struct flash_table` (SDK `middleware/dfu/dfu.h`; layout
//! table in [`crate::ftab`]), with the sizes, offsets and names of their fields.

use super::crypto::SPKI_DER_LEN;
use super::image_header::{ImageHeaderEnc, IMAGE_HEADER_LEN};
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

// The layout's own methods; reading with checks and the key state are `crate::ftab`'s.
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
}
