//! `dfu`: the sender side of the SiFli BLE DFU protocols, what the phone app does.
//!
//! It owns the DFU messages ([`raw`], each declared once as the SDK's C struct; [`msg`] for ids,
//! the envelope and the device's error codes), the serial-transmission GATT framing
//! ([`serial`]: UUIDs, fragments by MTU, reassembly), the [`link::Link`] a flow talks through
//! and its implementations (loopback TCP to the simulated device in [`tcp`]; BLE in `ble`
//! behind the `ble` feature), and the two flows: the package flow ([`package_flow`],
//! `offline_install.bin`) and the secure online flow ([`secure_flow`], `ctrl_packet.bin` and
//! record files). The device side (the simulator) declares its own structs on purpose, so the
//! two sides check each other.
//!
//! No files, no printing: flows take bytes and report [`flow::Event`]s; the CLI (`imgtool
//! send`) reads the inputs and shows progress. Protocol and wire formats: docs/send.md.

#[cfg(feature = "ble")]
pub mod ble;
pub mod error;
pub mod flow;
pub mod link;
pub mod msg;
pub mod package_flow;
pub mod raw;
pub mod secure_flow;
pub mod serial;
pub mod tcp;

pub use error::DfuError;
pub use flow::{Event, Options, Report};
pub use link::{Connector, Link, LinkError, Stats};
pub use package_flow::{send_package, PackageJob};
pub use secure_flow::{send_secure, SecureImage, SecureJob};
