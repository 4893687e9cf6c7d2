//! The size promise of the compression levels on the bundled example firmware: `default`'s
//! payloads are no larger in total than the vendor method's (C zlib level 9 on each 10 KiB
//! chunk); `best` is no larger than `default`. Payloads are compared as the encoder makes them,
//! without the one byte the package layer appends to each (a device fix the vendor lacks, not
//! compression): on these small images libdeflate 9 ties zlib 9, so that byte decides.

use crate::common::{imgtool, read, tempdir, testdata, vendor_style};
use std::path::Path;

const PKSIZE: usize = 10240;
/// Per gzip-mode packet: `packet_len`, u32 length, CRC-32, ISIZE.
const GZIP_FRAMING: usize = 4 + 4 + 8;

/// Size of the vendor packer's payload for `image` (already padded to 16): header, then per
/// chunk a gzip-mode packet around C zlib 9's raw DEFLATE, no byte after the last packet.
fn vendor_payload_len(image: &[u8]) -> usize {
    8 + image
        .chunks(PKSIZE)
        .map(|c| GZIP_FRAMING + ezip::deflate::zlib9(c).unwrap().len())
        .sum::<usize>()
}

/// Packs the example at `level`, unpacks it, and returns (our payload bytes, vendor's) summed
/// over the images.
fn pack_totals(dir: &Path, level: &str) -> (usize, usize) {
    let cfg = testdata("examples/sf32lb52x-eh-lb523/ota.toml");
    let out = format!("out-{level}");
    let cfg = cfg.to_str().unwrap();
    imgtool(
        dir,
        &["pack", "--config", cfg, "--level", level, "-o", &out],
    )
    .assert_exit(0);
    let pkg = dir.join(&out).join("offline_install.bin");
    let un = format!("un-{level}");
    imgtool(dir, &["unpack", pkg.to_str().unwrap(), "-o", &un]).assert_exit(0);
    // vendor_style drops the appended byte of every compressed payload.
    let (_, lens) = vendor_style(&read(&pkg));
    let ours: usize = lens.iter().sum();
    let vendor = ["0-hcpu.bin", "6-ota-manager.bin"]
        .iter()
        .map(|f| vendor_payload_len(&read(&dir.join(&un).join(f))))
        .sum();
    (ours, vendor)
}

#[test]
fn default_payloads_are_no_larger_in_total_than_the_vendor_method_on_the_example() {
    let tmp = tempdir();
    let (default, vendor) = pack_totals(tmp.path(), "default");
    assert!(
        default <= vendor,
        "default payloads {default} bytes > vendor method {vendor} bytes"
    );
    let (best, _) = pack_totals(tmp.path(), "best");
    assert!(
        best <= default,
        "best {best} bytes > default {default} bytes"
    );
}
