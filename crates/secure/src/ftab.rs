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
use crate::keys::VerifyingKey;
pub use crate::raw::ftab::{
    FlashTable, SecConfiguration, CORES, CORE_NAMES, FLAG_AUTO, FLASH_ID_NAMES, FLASH_TABLE_LEN,
    IMGS, IMG_OFFSET, PARTITIONS, RUNIMG_OFFSET, SEC_CONFIG_LEN, SEC_CONFIG_MAGIC, SIGKEY_OFFSET,
    UNUSED,
};
use layout::{FtabAddress, Layout, Region};
use sha2::{Digest, Sha256};
use zerocopy::little_endian::U32;
use zerocopy::FromBytes;

// The flash ids (index of `ftab[]`) and cores (index of `running_imgs[]`) the builder fills.
const ID_DFU: usize = 2;
const ID_BL: usize = 3;
const ID_HCPU: usize = 4;
const ID_BL2: usize = 7;
const ID_HCPU2: usize = 8;
const EXT_IDS: [usize; 3] = [11, 12, 13];
const CORE_LCPU: usize = 0;
const CORE_BL: usize = 1;
const CORE_HCPU: usize = 2;

// Reading with checks and the key state; the layout's own methods are with its declaration.
impl SecConfiguration {
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
    s.serialize_str(&crate::report::hex(v))
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
