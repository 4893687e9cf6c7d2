//! Packages the vendor's device routine cannot install are refused: mixed packet codecs, image
//! ids without a destination on the board, and chunk sizes the installer cannot allocate.

use crate::common::{crc_mpeg2, imgtool, put, read, tempdir};
use crate::pack::assert_refused;

/// Deterministic, somewhat compressible bytes.
fn image(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| seed.wrapping_add((i / 7) as u8)).collect()
}

/// One package holding the images of several one-image packages, in order, with the CRC
/// recomputed. Written from the format (header 12 bytes, 6-byte entries), not with the crates
/// under test, so it can build what `pack` refuses.
fn combine(pkgs: &[Vec<u8>]) -> Vec<u8> {
    let (mut table, mut payloads) = (Vec::new(), Vec::new());
    for p in pkgs {
        assert_eq!(u16::from_le_bytes([p[6], p[7]]), 1);
        table.extend_from_slice(&p[12..18]);
        payloads.extend_from_slice(&p[18..]);
    }
    let mut out = b"FCES\x01\xff".to_vec();
    out.extend_from_slice(&(pkgs.len() as u16).to_le_bytes());
    out.extend_from_slice(&crc_mpeg2(&payloads).to_le_bytes());
    out.extend_from_slice(&table);
    out.extend_from_slice(&payloads);
    out
}

#[test]
fn pack_refuses_a_package_mixing_gzip_and_zlib_images() {
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "app.bin", &image(1, 5000));
    put(d, "dfu.bin", &image(2, 3000));
    assert_refused(
        d,
        &[
            "--image",
            "hcpu:gzip=app.bin",
            "--image",
            "dfu:zlib=dfu.bin",
        ],
        &[
            "nothing written",
            "image 1 (image id 6) is zlib-compressed but image 0 (image id 0) is gzip-compressed",
            "never both",
        ],
    );
    // --compress zlib with one image left raw is one mode: fine.
    let o = imgtool(
        d,
        &[
            "pack",
            "--compress",
            "zlib",
            "--image",
            "hcpu=app.bin",
            "--image",
            "dfu:none=dfu.bin",
            "-o",
            "ok",
        ],
    );
    o.assert_exit(0);
}

#[test]
fn verify_fails_a_package_mixing_gzip_and_zlib_images() {
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "app.bin", &image(1, 5000));
    put(d, "dfu.bin", &image(2, 3000));
    imgtool(d, &["pack", "--image", "hcpu:gzip=app.bin", "-o", "g"]).assert_exit(0);
    imgtool(d, &["pack", "--image", "dfu:zlib=dfu.bin", "-o", "z"]).assert_exit(0);
    let mixed = combine(&[
        read(&d.join("g/offline_install.bin")),
        read(&d.join("z/offline_install.bin")),
    ]);
    put(d, "mixed.bin", &mixed);
    let o = imgtool(d, &["verify", "mixed.bin"]);
    o.assert_exit(1);
    let t = o.text();
    assert!(
        t.contains(
            "error: mixed.bin: image 1 (image id 6) is zlib-compressed but image 0 (image id 0) \
             is gzip-compressed"
        ),
        "{t}"
    );
    assert!(t.contains("FAIL mixed.bin"), "{t}");
}

#[test]
fn regression_ota_toml_accepts_integer_image_ids_including_0() {
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "app.bin", &image(1, 5000));
    put(d, "dfu.bin", &image(2, 3000));
    put(
        d,
        "ota.toml",
        b"[[image]]\nid = 0\npath = \"app.bin\"\n[[image]]\nid = 6\npath = \"dfu.bin\"\n",
    );
    let o = imgtool(d, &["pack", "--config", "ota.toml", "-o", "out"]);
    o.assert_exit(0);
    let pkg = read(&d.join("out/offline_install.bin"));
    assert_eq!((pkg[12], pkg[18]), (0, 6), "table image ids");
}
