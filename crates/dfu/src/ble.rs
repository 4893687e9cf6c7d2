//! The BLE [`Link`]: btleplug (BlueZ over D-Bus on Linux, CoreBluetooth, WinRT) behind the
//! `ble` feature. Scan by advertised name (`SIFLI_APP-...`) or address, connect, discover the
//! serial-transmission service, subscribe to the data characteristic's notifications, take the
//! negotiated ATT MTU, and write without response with flow control: every
//! [`FLOW_WINDOW`]-th write is a write with response, which returns only when the device's ATT
//! layer acknowledged it, so the host's queue never holds more than a window of values.
//!
//! Not run against a radio yet (docs/send.md says so): the mapping and the flow control are
//! unit-tested, the flows themselves over the simulated link.

use crate::link::{Connector, Link, LinkError};
use crate::serial::{DATA_CHAR_UUID, MIN_MTU, SERVICE_UUID};
use btleplug::api::{
    Central, CharPropFlags, Characteristic, Manager as _, Peripheral as _, ScanFilter, WriteType,
};
use btleplug::platform::{Manager, Peripheral};
use futures::StreamExt;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// Writes without response between two writes with response.
pub const FLOW_WINDOW: u64 = 8;

fn ble(what: impl std::fmt::Display) -> LinkError {
    LinkError::Ble {
        what: what.to_string(),
    }
}

/// Whether a device is the one asked for: `target` is its address (any case, `:` or `-`
/// separated) or its advertised name.
pub fn matches_target(target: &str, address: &str, name: Option<&str>) -> bool {
    let norm = |s: &str| s.to_ascii_uppercase().replace('-', ":");
    norm(target) == norm(address) || name == Some(target)
}

/// The write type of the `n`-th write (0-based) of a connection: every [`FLOW_WINDOW`]-th
/// waits for the device's acknowledgement.
pub fn write_type(n: u64) -> WriteType {
    if n % FLOW_WINDOW == FLOW_WINDOW - 1 {
        WriteType::WithResponse
    } else {
        WriteType::WithoutResponse
    }
}

/// The serial-transmission data characteristic among `chars`, if it can be written and notify.
pub fn data_characteristic<'a>(
    chars: impl IntoIterator<Item = &'a Characteristic>,
) -> Option<&'a Characteristic> {
    chars.into_iter().find(|c| {
        c.uuid.to_string() == DATA_CHAR_UUID
            && c.service_uuid.to_string() == SERVICE_UUID
            && c.properties.contains(CharPropFlags::NOTIFY)
            && c.properties
                .intersects(CharPropFlags::WRITE | CharPropFlags::WRITE_WITHOUT_RESPONSE)
    })
}

/// Finds and connects to one device over the host's first Bluetooth adapter.
pub struct BleConnector {
    target: String,
    timeout: Duration,
    rt: Arc<Runtime>,
}

impl BleConnector {
    /// A connector for `target` (name or address); `timeout` bounds the scan and the connection.
    pub fn new(target: &str, timeout: Duration) -> Result<Self, LinkError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(LinkError::Io)?;
        Ok(BleConnector {
            target: target.to_string(),
            timeout,
            rt: Arc::new(rt),
        })
    }

    async fn find(&self) -> Result<Peripheral, LinkError> {
        let manager = Manager::new().await.map_err(ble)?;
        let adapter = manager
            .adapters()
            .await
            .map_err(ble)?
            .into_iter()
            .next()
            .ok_or_else(|| ble("no Bluetooth adapter"))?;
        adapter
            .start_scan(ScanFilter::default())
            .await
            .map_err(ble)?;
        let deadline = Instant::now() + self.timeout;
        let found = loop {
            let mut hit = None;
            for p in adapter.peripherals().await.map_err(ble)? {
                let props = p.properties().await.map_err(ble)?.unwrap_or_default();
                if matches_target(
                    &self.target,
                    &p.address().to_string(),
                    props.local_name.as_deref(),
                ) {
                    hit = Some(p);
                    break;
                }
            }
            if let Some(p) = hit {
                break p;
            }
            if Instant::now() >= deadline {
                let _ = adapter.stop_scan().await;
                return Err(ble(format!(
                    "no device named or at {} found within {} s",
                    self.target,
                    self.timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let _ = adapter.stop_scan().await;
        Ok(found)
    }

    async fn open(&self) -> Result<BleLink, LinkError> {
        let p = self.find().await?;
        p.connect_with_timeout(self.timeout).await.map_err(ble)?;
        p.discover_services_with_timeout(self.timeout)
            .await
            .map_err(ble)?;
        let chars = p.characteristics();
        let data = data_characteristic(&chars).cloned().ok_or_else(|| {
            ble(format!(
                "{} has no SiFli serial-transmission data characteristic {DATA_CHAR_UUID}",
                self.target
            ))
        })?;
        p.subscribe(&data).await.map_err(ble)?;
        let mut stream = p.notifications().await.map_err(ble)?;
        let (tx, rx) = channel();
        let uuid = data.uuid;
        // Forwards the data characteristic's notifications; the channel closes with the stream
        // (a disconnect).
        self.rt.spawn(async move {
            while let Some(n) = stream.next().await {
                if n.uuid == uuid && tx.send(n.value).is_err() {
                    break;
                }
            }
        });
        let mtu = p.mtu().max(MIN_MTU);
        Ok(BleLink {
            rt: self.rt.clone(),
            p,
            data,
            rx,
            mtu,
            writes: 0,
        })
    }
}

impl Connector for BleConnector {
    fn connect(&mut self) -> Result<Box<dyn Link>, LinkError> {
        let rt = self.rt.clone();
        Ok(Box::new(rt.block_on(self.open())?))
    }

    fn describe(&self) -> String {
        format!("BLE device {}", self.target)
    }
}

/// One BLE connection.
pub struct BleLink {
    rt: Arc<Runtime>,
    p: Peripheral,
    data: Characteristic,
    rx: Receiver<Vec<u8>>,
    mtu: u16,
    writes: u64,
}

impl Link for BleLink {
    fn mtu(&self) -> u16 {
        self.mtu
    }

    fn write(&mut self, value: &[u8]) -> Result<(), LinkError> {
        let kind = write_type(self.writes);
        self.writes += 1;
        let r = self.rt.block_on(self.p.write(&self.data, value, kind));
        match r {
            Ok(()) => Ok(()),
            Err(e) => match self.rt.block_on(self.p.is_connected()) {
                Ok(false) => Err(LinkError::Disconnected),
                _ => Err(ble(e)),
            },
        }
    }

    fn recv(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, LinkError> {
        match self.rx.recv_timeout(timeout) {
            Ok(v) => Ok(Some(v)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(LinkError::Disconnected),
        }
    }

    fn close(&mut self) {
        let _ = self.rt.block_on(self.p.disconnect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ch(uuid: &str, service: &str, props: CharPropFlags) -> Characteristic {
        Characteristic {
            uuid: uuid.parse().unwrap(),
            service_uuid: service.parse().unwrap(),
            properties: props,
            descriptors: BTreeSet::new(),
        }
    }

    #[test]
    fn the_data_characteristic_is_found_by_service_uuid_and_properties() {
        let cfg = crate::serial::CONFIGURE_CHAR_UUID;
        let wn = CharPropFlags::WRITE_WITHOUT_RESPONSE | CharPropFlags::NOTIFY;
        // Upper-case input: the UUIDs compare as values, not strings.
        let upper = DATA_CHAR_UUID.to_ascii_uppercase();
        let chars = [
            ch(cfg, SERVICE_UUID, wn),
            ch(&upper, "0000180a-0000-1000-8000-00805f9b34fb", wn),
            ch(&upper, SERVICE_UUID, wn),
        ];
        let found = data_characteristic(&chars).unwrap();
        assert_eq!(found.uuid.to_string(), DATA_CHAR_UUID);
        assert_eq!(found.service_uuid.to_string(), SERVICE_UUID);
        let no_notify = [ch(DATA_CHAR_UUID, SERVICE_UUID, CharPropFlags::WRITE)];
        assert!(data_characteristic(&no_notify).is_none());
    }

    #[test]
    fn the_uuids_end_in_the_sdks_sifli_sd_bytes() {
        // 128-bit UUIDs are little-endian in ATT: the last 8 bytes read backwards are "sifli_sd".
        for u in [
            SERVICE_UUID,
            crate::serial::CONFIGURE_CHAR_UUID,
            DATA_CHAR_UUID,
        ] {
            let hex = u.replace('-', "");
            let mut tail: Vec<u8> = (0..8)
                .map(|i| u8::from_str_radix(&hex[16 + 2 * i..18 + 2 * i], 16).unwrap())
                .collect();
            tail.reverse();
            assert_eq!(tail, b"sifli_sd", "{u}");
        }
        let addr: btleplug::api::BDAddr = "12:34:56:78:9A:BC".parse().unwrap();
        assert!(matches_target("12-34-56-78-9a-bc", &addr.to_string(), None));
    }

    #[test]
    fn a_target_matches_by_name_or_address() {
        assert!(matches_target(
            "SIFLI_APP-1234",
            "00:11:22:33:44:55",
            Some("SIFLI_APP-1234")
        ));
        assert!(!matches_target(
            "SIFLI_APP-1234",
            "00:11:22:33:44:55",
            Some("SIFLI_APP-9999")
        ));
        assert!(matches_target(
            "aa:bb:cc:dd:ee:ff",
            "AA:BB:CC:DD:EE:FF",
            None
        ));
        assert!(!matches_target(
            "aa:bb:cc:dd:ee:f0",
            "AA:BB:CC:DD:EE:FF",
            None
        ));
    }

    #[test]
    fn every_eighth_write_waits_for_the_device() {
        let kinds: Vec<_> = (0..16).map(write_type).collect();
        assert_eq!(
            kinds
                .iter()
                .filter(|k| **k == WriteType::WithResponse)
                .count(),
            2
        );
        assert_eq!(kinds[7], WriteType::WithResponse);
        assert_eq!(kinds[15], WriteType::WithResponse);
        assert_eq!(kinds[0], WriteType::WithoutResponse);
    }
}
