//! Differential: a package that `verify` passes (no error finding) and the simulator accepts
//! must install exactly on the simulated device; a disagreement panics (a crash to keep).
#![no_main]
use std::sync::OnceLock;

include!("fix_crc.rs");

static SETUP: OnceLock<(layout::Layout, simulator::FlashMap)> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|raw: &[u8]| {
    let fixed = with_fixed_crc(raw);
    let data = fixed.as_slice();
    let (l, map) = SETUP.get_or_init(|| {
        let l = layout::Layout::bundled("sf32lb52x-eh-lb523").expect("bundled layout");
        let map = simulator::FlashMap::from_layout(&l).expect("maps");
        (l, map)
    });
    let Ok(report) = package::verify::check(data, Some(l)) else {
        return;
    };
    if !report.ok() {
        return;
    }
    let Ok(s) = simulator::Scenario::new(map.clone(), data, simulator::OldImages::default()) else {
        return;
    };
    let r = s.run();
    assert!(
        r.passed(),
        "verify passes, the device ends with: {}\n{}",
        r.outcome,
        r.trace.join("\n")
    );
});
