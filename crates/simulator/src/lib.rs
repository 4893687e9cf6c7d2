//! `simulator`: a model of a SiFli SF32LB5x device installing an offline OTA package
//! (formats doc, sections 1 to 4), used to prove that a package installs exactly and that no
//! power cut bricks the device.
//!
//! It owns the device side of the flow: NOR flash with erase units and an operation counter
//! ([`flash`]), the force-mode register, the app's install step, the DFU installer and the
//! bootloader's decision ([`device`]), the package as the device reads it from flash
//! ([`stored`]), and the judgement of end states ([`Outcome`]). [`ble`] is the receiving side
//! of the BLE DFU flows (package and secure online), which hands a received package to the
//! install model.
//!
//! ```no_run
//! # fn demo(map: simulator::FlashMap, pkg: &[u8]) -> Result<(), simulator::SimError> {
//! let scenario = simulator::Scenario::new(map, pkg, simulator::OldImages::default())?;
//! assert!(scenario.run().passed());
//! let sweep = scenario.power_cuts();
//! println!("{} power cuts, {} broken", sweep.cuts.len(), sweep.count(simulator::Class::Broken));
//! # Ok(()) }
//! ```

pub mod ble;
pub mod codec;
pub mod device;
mod error;
pub mod flash;
pub mod map;
mod outcome;
mod powercut;
mod scenario;
pub mod stored;
mod unpack;

pub use codec::ComType;
pub use error::SimError;
pub use flash::{FlashOp, OpKind};
pub use map::{FlashMap, Region};
pub use outcome::{Broken, Class, Content, Outcome, Running};
pub use powercut::{CutResult, PowerCutReport, Window};
pub use scenario::{FollowUps, OldImages, RegionCheck, RunReport, Scenario, MAX_BOOTS};
pub use unpack::{unpack, UnpackedImage};
