//! The three programs of the vendor flow (formats doc, section 1), as state machines over the
//! flash model: the app's install step, the installer, and the bootloader's decision.
//!
//! Model assumptions (the spec does not say; each is the conservative reading):
//! - the bootloader obeys the force-mode register first (installer / user), and with no force
//!   mode starts the installer when the stored package has its magic and state `0x7F`;
//! - a failing installer reboots without touching the state or the register, so an install
//!   that cannot finish repeats forever (reported as a loop);
//! - raw images (flag 0) are copied in 512-byte program calls, the installer's read block.

use crate::codec::{self, ComType};
use crate::flash::{Flash, PowerCut};
use crate::map::{FlashMap, ID_INSTALLER};
use crate::stored::{self, StoredEntry, STATE_FINISHED, STATE_INSTALLING};

// The compressed payload as the installer reads it (`u32 total_len`, `u32 pksize`, packets):
// the device model's own numbers, pinned to ezip's declaration by a test.
const PKSIZE_AT: usize = 4;
const PACKETS_AT: usize = 8;

/// The installer reads payloads in blocks of this size.
pub const READ_BLOCK: usize = 512;

/// The reset-surviving boot-mode register. A reset keeps it; a power loss clears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForceMode {
    /// Nothing requested (the state after power-up).
    None,
    /// "Reboot into the installer" (set by the app).
    Installer,
    /// "Reboot to user" (set by the installer when it has finished).
    User,
}

/// Which program the bootloader starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boot {
    /// The DFU installer in `DFU_FLASH_CODE`.
    Installer,
    /// The app in `HCPU_FLASH_CODE`.
    App,
}

/// Why a program stopped early.
#[derive(Debug)]
pub enum Stop {
    /// Power was lost.
    PowerCut,
    /// The program gave up (bad package, bad payload); the message says why.
    Fail(String),
}

impl From<PowerCut> for Stop {
    fn from(_: PowerCut) -> Self {
        Stop::PowerCut
    }
}

/// A device: flash, the force-mode register and what happened so far.
#[derive(Debug, Clone)]
pub struct Device<'m> {
    /// The flash.
    pub flash: Flash,
    /// The force-mode register.
    pub force: ForceMode,
    /// Human-readable events, in order.
    pub trace: Vec<String>,
    map: &'m FlashMap,
    com: ComType,
}

impl<'m> Device<'m> {
    /// A device with the given flash content and an empty register.
    pub fn new(flash: Flash, map: &'m FlashMap, com: ComType) -> Self {
        Device {
            flash,
            force: ForceMode::None,
            trace: Vec::new(),
            map,
            com,
        }
    }

    fn note(&mut self, line: String) {
        let at = self.flash.ops();
        self.trace.push(format!("[op {at:>5}] {line}"));
    }

    /// Power lost and restored: the register is cleared, flash keeps its content.
    pub fn power_cycle(&mut self) {
        self.force = ForceMode::None;
        self.note("power lost; power restored (force mode cleared)".into());
    }

    /// The bootloader's decision.
    pub fn bootloader(&mut self) -> Boot {
        let dl = self.map.download();
        let magic = stored::has_magic(&self.flash, dl);
        let state = stored::state(&self.flash, dl);
        let (boot, why) = match self.force {
            ForceMode::Installer => (Boot::Installer, "force mode = installer".to_string()),
            ForceMode::User => (Boot::App, "force mode = user".to_string()),
            ForceMode::None if magic && state == STATE_INSTALLING => (
                Boot::Installer,
                format!("no force mode, install-state {state:#04x} (installing)"),
            ),
            ForceMode::None => (
                Boot::App,
                format!("no force mode, install-state {state:#04x}"),
            ),
        };
        let name = match boot {
            Boot::Installer => "installer",
            Boot::App => "app",
        };
        self.note(format!("bootloader: {why} -> starts the {name}"));
        boot
    }

    /// Whether the download region holds a package that was never installed (magic, state
    /// `0xFF`): what a resuming app looks for at boot.
    pub fn stored_package_not_installed(&self) -> bool {
        let dl = self.map.download();
        stored::has_magic(&self.flash, dl) && stored::state(&self.flash, dl) == stored::STATE_NEW
    }

    /// The app's install step, from "package stored" to the reboot into the installer.
    /// `Err(Stop::Fail)` means the app refused and keeps running.
    pub fn app_install(&mut self) -> Result<(), Stop> {
        self.note("app: install step".into());
        let pkg = self.checked_package("app")?;
        if let Some(e) = pkg.iter().find(|e| e.id == ID_INSTALLER) {
            self.install("app", e)?;
        }
        self.force = ForceMode::Installer;
        self.note("app: force mode -> installer; reset".into());
        Ok(())
    }

    /// The installer, from start to its reboot "to user".
    pub fn installer(&mut self) -> Result<(), Stop> {
        let pkg = self.checked_package("installer")?;
        let state_addr = self.map.download().start + stored::STATE_OFFSET;
        self.flash.set_context("installer: install-state 0x7F");
        self.flash.program(state_addr, &[STATE_INSTALLING])?;
        self.note("installer: install-state -> 0x7F".into());
        for e in pkg.iter().filter(|e| e.id != ID_INSTALLER) {
            self.install("installer", e)?;
        }
        self.flash.set_context("installer: install-state 0x3F");
        self.flash.program(state_addr, &[STATE_FINISHED])?;
        self.note("installer: install-state -> 0x3F".into());
        self.force = ForceMode::User;
        self.note("installer: force mode -> user; reset".into());
        Ok(())
    }

    fn checked_package(&mut self, who: &str) -> Result<Vec<StoredEntry>, Stop> {
        let dl = self.map.download();
        let pkg = stored::read(&self.flash, dl).map_err(|e| self.fail(who, e))?;
        let crc = stored::crc_of_payloads(&self.flash, &pkg);
        if crc != pkg.crc {
            let msg = format!("CRC {crc:#010x} != stored {:#010x}", pkg.crc);
            return Err(self.fail(who, msg));
        }
        self.note(format!(
            "{who}: package CRC ok, {} image{}",
            pkg.entries.len(),
            if pkg.entries.len() == 1 { "" } else { "s" }
        ));
        Ok(pkg.entries)
    }

    fn fail(&mut self, who: &str, msg: String) -> Stop {
        self.note(format!("{who}: gives up: {msg}"));
        Stop::Fail(msg)
    }

    /// Installs one image into its region the way the DFU code does: erase the destination for
    /// the image length rounded up to the erase unit, then program chunk by chunk.
    fn install(&mut self, who: &str, e: &StoredEntry) -> Result<(), Stop> {
        let Some(region) = self.map.region_for(e.id).cloned() else {
            return Err(self.fail(who, format!("image id {} has no region", e.id)));
        };
        let payload = self.flash.read(e.addr, e.len as usize);
        self.flash
            .set_context(format!("{who}: image {} -> {}", e.id, region.name));
        let image_len = if e.flag == 0 {
            payload.len() as u64
        } else {
            header_total_len(&payload).map_err(|m| self.fail(who, m))?
        };
        let unit = u64::from(self.map.erase_unit());
        let erase_len = image_len.div_ceil(unit) * unit;
        if erase_len > u64::from(region.size) {
            let msg = format!(
                "image {} needs {image_len} bytes, region {} has {}",
                e.id, region.name, region.size
            );
            return Err(self.fail(who, msg));
        }
        for off in (0..erase_len).step_by(unit as usize) {
            self.flash.erase(region.start + off as u32)?;
        }
        let written = if e.flag == 0 {
            for (i, block) in payload.chunks(READ_BLOCK).enumerate() {
                self.flash
                    .program(region.start + (i * READ_BLOCK) as u32, block)?;
            }
            image_len
        } else {
            self.write_chunks(who, &payload, region.start, image_len)?
        };
        self.note(format!(
            "{who}: image {} -> {} at {:#010x}: wrote {written} of {image_len} bytes",
            e.id, region.name, region.start
        ));
        Ok(())
    }

    /// Decodes packet by packet and programs each chunk.
    ///
    /// The trap (formats doc, section 3): in the first 512-byte block the installer decodes a
    /// packet only when more bytes follow it inside that block, so a payload of 512 bytes or
    /// less never decodes its last packet unless at least one byte follows it, and the install
    /// still reports success.
    fn write_chunks(
        &mut self,
        who: &str,
        payload: &[u8],
        dest: u32,
        total: u64,
    ) -> Result<u64, Stop> {
        let pksize = le32(&payload[PKSIZE_AT..]) as usize;
        if pksize == 0 {
            return Err(self.fail(who, "pksize 0".into()));
        }
        let one_block = payload.len() <= READ_BLOCK;
        let mut pos = PACKETS_AT;
        let mut produced = 0u64;
        while produced < total {
            let Some(plen) = payload.get(pos..pos + 4).map(le32) else {
                return self.short(who, one_block, produced, total);
            };
            let end = pos as u64 + 4 + u64::from(plen);
            if end > payload.len() as u64 || (one_block && end == payload.len() as u64) {
                return self.short(who, one_block, produced, total);
            }
            let packet = &payload[pos + 4..end as usize];
            let chunk = codec::decode(self.com, packet, pksize)
                .map_err(|m| self.fail(who, format!("packet at payload offset {pos}: {m}")))?;
            if chunk.is_empty() {
                return Err(self.fail(who, format!("empty chunk at payload offset {pos}")));
            }
            let keep = chunk.len().min((total - produced) as usize);
            self.flash.program(dest + produced as u32, &chunk[..keep])?;
            produced += keep as u64;
            pos = end as usize;
        }
        Ok(produced)
    }

    /// The payload ran out before `total` bytes: inside the first block the device stops and
    /// reports success (the trap); past it, it fails.
    fn short(
        &mut self,
        who: &str,
        one_block: bool,
        produced: u64,
        total: u64,
    ) -> Result<u64, Stop> {
        if one_block {
            self.note(format!(
                "{who}: payload fits one {READ_BLOCK}-byte block and its last packet is not \
                 followed by a byte: stops at {produced} of {total} bytes and reports success"
            ));
            Ok(produced)
        } else {
            Err(self.fail(who, format!("payload ends at {produced} of {total} bytes")))
        }
    }
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn header_total_len(payload: &[u8]) -> Result<u64, String> {
    if payload.len() < PACKETS_AT {
        return Err(format!(
            "compressed payload of {} bytes has no 8-byte header",
            payload.len()
        ));
    }
    Ok(u64::from(le32(payload)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ezip::payload::{CompressedImageHeader, HEADER_LEN};

    /// The installer model reads payloads on its own (an oracle); its offsets must still be
    /// the ones ezip writes.
    #[test]
    fn payload_offsets_match_ezips_declaration() {
        assert_eq!(
            PKSIZE_AT,
            std::mem::offset_of!(CompressedImageHeader, pksize)
        );
        assert_eq!(PACKETS_AT, HEADER_LEN);
    }
}
