//! The simulator's setup and one uncut install of an arbitrary package.
#![no_main]
use simulator::{FlashMap, OldImages, Region, Scenario};
use std::sync::OnceLock;

include!("fix_crc.rs");

static MAP: OnceLock<FlashMap> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let map = MAP.get_or_init(|| {
        FlashMap::new(
            4096,
            Region::new("DFU_DOWNLOAD_REGION", 0x1238_0000, 0x0012_0000),
            [
                (0, Region::new("HCPU_FLASH_CODE", 0x1202_0000, 0x0030_0000)),
                (6, Region::new("DFU_FLASH_CODE", 0x1232_0000, 0x0006_0000)),
            ],
        )
        .expect("valid map")
    });
    for input in [data, with_fixed_crc(data).as_slice()] {
        if let Ok(s) = Scenario::new(map.clone(), input, OldImages::default()) {
            let _ = s.run();
        }
    }
});
