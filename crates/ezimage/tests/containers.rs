//! `.bin` and C containers from hostile hands: every truncation and many byte changes of the
//! vendor's files read back as an error or an image, never a panic (`image decode` runs
//! `unpack` on whatever it is given).

use ezimage::lvgl::{LvglVersion, Payload};
use std::path::PathBuf;

fn vectors() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/ezip-image");
    let mut out = Vec::new();
    for sub in ["ezip-2.0.5", "ezip-2.4.0"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
        }
    }
    assert!(out.len() >= 26, "found {} vectors", out.len());
    out
}

#[test]
fn every_vendor_file_reads_back_and_every_truncation_is_an_error() {
    for (name, bytes) in vectors() {
        if name.ends_with("airplane_rgb565_binfile1_lvgl9.bin") {
            // 2.4.0's cf 0x19 says no format: refused by design (docs/images.md).
            assert!(ezimage::unpack::unpack(&bytes).is_err());
            continue;
        }
        let (_, p) = ezimage::unpack::unpack(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(p.width > 0 && p.height > 0, "{name}");
        // A .bin cut anywhere, a C file cut before its closing `};` of the descriptor.
        let step = if bytes.len() > 5000 { 7 } else { 1 };
        for cut in (0..bytes.len() - 4).step_by(step) {
            match ezimage::unpack::unpack(&bytes[..cut]) {
                Err(_) => {}
                // A v8 true-colour header does not say 565 or 888: a pixel .bin cut to the
                // size of the other depth is a whole image of that depth, and only that.
                Ok((d, p)) => assert!(
                    d.version == LvglVersion::V8
                        && d.cf.payload() == Payload::Pixel
                        && p.data.len() == cut - 4,
                    "{name} cut at {cut} was accepted as {d:?}"
                ),
            }
        }
    }
}

#[test]
fn changed_bytes_never_panic() {
    for (name, bytes) in vectors() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ bytes.len() as u64;
        for _ in 0..300 {
            // xorshift: a fixed, reproducible sequence of positions and values.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut m = bytes.clone();
            let at = (state % m.len() as u64) as usize;
            m[at] = (state >> 32) as u8;
            // Only that the reader returns: either answer is fine for one changed byte.
            let _ = ezimage::unpack::unpack(&m);
        }
        let _ = name;
    }
}
