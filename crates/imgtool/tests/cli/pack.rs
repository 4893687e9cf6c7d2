//! `imgtool pack`, `gen-dfu`, `inspect`, `verify` and `unpack` end to end: the built binary on
//! the bundled example firmware and on generated images, in temporary directories.

use std::path::{Path, PathBuf};

use crate::common::{golden, imgtool, ok, put, read, root, tempdir, testdata, vendor_style};

const LAYOUT: &str = "sf32lb52x-eh-lb523";
/// Sizes from `layouts/sf32lb52x-eh-lb523.toml`.
const DFU_FLASH_CODE_SIZE: usize = 0x0006_0000;
const DFU_DOWNLOAD_REGION_SIZE: usize = 0x0012_0000;

fn example(rel: &str) -> PathBuf {
    testdata("examples/sf32lb52x-eh-lb523").join(rel)
}

/// Deterministic pseudo-random bytes; each value repeated `runs` times.
fn bytes(seed: u64, len: usize, runs: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend(std::iter::repeat_n(x as u8, runs));
    }
    out.truncate(len);
    out
}

fn padded(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    v.resize(b.len().div_ceil(16) * 16, 0);
    v
}

#[test]
fn bundled_example_matches_the_golden_package_and_manifest() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let o = imgtool(
        &root(),
        &[
            "pack",
            "--config",
            "testdata/examples/sf32lb52x-eh-lb523/ota.toml",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    o.assert_exit(0);
    let t = o.text();
    assert!(
        t.contains("hcpu (0)") && t.contains("ota-manager (6)"),
        "{t}"
    );
    assert!(t.contains("DFU_DOWNLOAD_REGION"), "{t}");
    golden(
        &read(&out.join("offline_install.bin")),
        &example("golden/offline_install.bin"),
    );
    golden(
        &read(&out.join("manifest.json")),
        &example("golden/manifest.json"),
    );
    let o = imgtool(
        tmp.path(),
        &["verify", "out/offline_install.bin", "--layout", LAYOUT],
    );
    o.assert_exit(0);
}

#[test]
fn golden_package_unpacks_to_the_elf_region_bytes() {
    let tmp = tempdir();
    let pkg = example("golden/offline_install.bin");
    let o = imgtool(tmp.path(), &["unpack", pkg.to_str().unwrap(), "-o", "un"]);
    o.assert_exit(0);
    // The same bytes `imgtool elf2bin --layout` extracts for each region.
    for (elf, region, file) in [
        ("app.elf", "HCPU_FLASH_CODE", "0-hcpu.bin"),
        ("dfu.elf", "DFU_FLASH_CODE", "6-ota-manager.bin"),
    ] {
        let o = imgtool(
            tmp.path(),
            &[
                "elf2bin",
                example(elf).to_str().unwrap(),
                "--layout",
                LAYOUT,
                "-o",
                "regions",
            ],
        );
        o.assert_exit(0);
        let want = read(&tmp.path().join(format!("regions/{region}.bin")));
        assert_eq!(read(&tmp.path().join("un").join(file)), padded(&want));
    }
}

#[test]
fn manifest_describes_every_image() {
    let m: serde_json::Value =
        serde_json::from_slice(&read(&example("golden/manifest.json"))).unwrap();
    let pkg = read(&example("golden/offline_install.bin"));
    assert_eq!(m["layout"], LAYOUT);
    assert!(m["tool"].as_str().unwrap().starts_with("imgtool "));
    assert_eq!(m["body_len"], pkg.len());
    let crc = u32::from_le_bytes(pkg[8..12].try_into().unwrap());
    assert_eq!(m["body_crc"], crc);
    let images = m["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0]["id"], 0);
    assert_eq!(images[0]["name"], "hcpu");
    assert_eq!(images[1]["name"], "ota-manager");
    assert_eq!(images[1]["flag"], 16);
    assert!(images[0]["source"].as_str().unwrap().ends_with("app.elf"));
    assert_eq!(images[0]["raw_sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn pack_is_deterministic() {
    let tmp = tempdir();
    let cfg = example("ota.toml");
    for out in ["a", "b"] {
        let o = imgtool(
            tmp.path(),
            &["pack", "--config", cfg.to_str().unwrap(), "-o", out],
        );
        o.assert_exit(0);
    }
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    assert_eq!(
        read(&a.join("offline_install.bin")),
        read(&b.join("offline_install.bin"))
    );
    assert_eq!(
        read(&a.join("manifest.json")),
        read(&b.join("manifest.json"))
    );
}

#[test]
fn app_only_installer_only_and_both_with_resources() {
    let tmp = tempdir();
    let d = tmp.path();
    let app = example("app.elf");
    let dfu = example("dfu.elf");
    put(d, "fs.bin", &bytes(4, 50_000, 8));
    let cases: &[(&str, &[&str], &[u8])] = &[
        (
            "app",
            &["--image", &format!("hcpu={}", app.display())],
            &[0],
        ),
        (
            "installer",
            &["--image", &format!("dfu={}", dfu.display())],
            &[6],
        ),
        (
            "both",
            &[
                "--image",
                &format!("ota-manager={}", dfu.display()),
                "--image",
                &format!("hcpu={}", app.display()),
            ],
            &[6, 0],
        ),
    ];
    for (out, images, ids) in cases {
        let mut args = vec!["pack", "--layout", LAYOUT, "-o", out];
        args.extend_from_slice(images);
        let o = imgtool(d, &args);
        o.assert_exit(0);
        let pkg = read(&d.join(out).join("offline_install.bin"));
        assert_eq!(usize::from(pkg[6]), ids.len());
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(pkg[12 + 6 * i], *id, "{out}");
        }
        let o = imgtool(
            d,
            &[
                "verify",
                &format!("{out}/offline_install.bin"),
                "--layout",
                LAYOUT,
            ],
        );
        o.assert_exit(0);
    }
    // A raw resource is stored as is (flag 0). Without a layout: the eh-lb523 installer
    // cannot install id 5 (see tests/cli/device.rs).
    let o = imgtool(d, &["pack", "--image", "ex:none=fs.bin", "-o", "res"]);
    o.assert_exit(0);
    let pkg = read(&d.join("res/offline_install.bin"));
    assert_eq!(pkg[12 + 1], 0);
    let o = imgtool(d, &["unpack", "res/offline_install.bin", "-o", "un"]);
    o.assert_exit(0);
    assert_eq!(read(&d.join("un/5-ex.bin")), bytes(4, 50_000, 8));
}

#[test]
fn unpack_round_trips_every_flag_and_codec() {
    let tmp = tempdir();
    let d = tmp.path();
    let sizes = [
        1usize,
        15,
        16,
        300,
        480,
        511,
        512,
        513,
        600,
        40 * 1024,
        300_000,
    ];
    for (i, &len) in sizes.iter().enumerate() {
        let zero = len >= 40 * 1024 && i % 2 == 0;
        let data = if zero {
            vec![0u8; len]
        } else {
            bytes(len as u64, len, 3)
        };
        put(d, "img.bin", &data);
        for codec in ["gzip", "zlib", "none"] {
            for level in ["fast", "best"] {
                // --level and --pksize are refused for raw images (they would do nothing).
                let mut args = vec!["pack", "--image", "hcpu=img.bin", "--compress", codec];
                if codec != "none" {
                    args.extend(["--level", level, "--pksize", "4096"]);
                }
                args.extend(["-o", "p"]);
                let o = imgtool(d, &args);
                o.assert_exit(0);
                assert!(o.text().contains("no layout given"), "{}", o.text());
                let o = imgtool(d, &["verify", "p/offline_install.bin"]);
                o.assert_exit(0);
                let o = imgtool(d, &["unpack", "p/offline_install.bin", "-o", "u"]);
                o.assert_exit(0);
                let want = if codec == "none" {
                    data.clone()
                } else {
                    padded(&data)
                };
                assert!(
                    read(&d.join("u/0-hcpu.bin")) == want,
                    "len {len} {codec} {level}"
                );
            }
        }
    }
}

/// Runs a pack that must be refused: exit 2, every `needles` in the message, nothing written.
pub(crate) fn assert_refused(dir: &Path, args: &[&str], needles: &[&str]) {
    let out = dir.join("refused");
    let mut full = vec!["pack"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["-o", out.to_str().unwrap()]);
    let o = imgtool(dir, &full);
    o.assert_exit(2);
    let t = o.text();
    for n in needles {
        assert!(t.contains(n), "expected {n:?} in: {t}");
    }
    assert!(!out.exists(), "a refused pack must write nothing");
}

#[test]
fn refusals_name_the_numbers() {
    let tmp = tempdir();
    let d = tmp.path();
    let app = format!("hcpu={}", example("app.elf").display());
    let dfu_as_app = format!("hcpu={}", example("dfu.elf").display());
    // Duplicate image id.
    assert_refused(
        d,
        &["--layout", LAYOUT, "--image", &app, "--image", &app],
        &["image id hcpu (0) appears twice"],
    );
    // An id the layout cannot place (eh-lb523 has no resource region).
    put(d, "res.bin", &[1; 64]);
    assert_refused(
        d,
        &["--layout", LAYOUT, "--image", "res=res.bin"],
        &["layout sf32lb52x-eh-lb523 cannot place image id res (3)"],
    );
    // An ELF whose bytes are not in the image's region.
    assert_refused(
        d,
        &["--layout", LAYOUT, "--image", &dfu_as_app],
        &[
            "no bytes of this ELF lie in region HCPU_FLASH_CODE (0x12020000 to 0x12320000)",
            "0x12320000 to 0x123200ac",
        ],
    );
    // An image larger than its region.
    put(d, "big.bin", &bytes(1, DFU_FLASH_CODE_SIZE + 1, 1));
    assert_refused(
        d,
        &["--layout", LAYOUT, "--image", "dfu:none=big.bin"],
        &[
            "393217 bytes but its region DFU_FLASH_CODE (0x12320000 to 0x12380000) holds 393216 bytes: 1 bytes too many",
        ],
    );
    // A package larger than DFU_DOWNLOAD_REGION (an incompressible app fits HCPU_FLASH_CODE).
    put(d, "huge.bin", &bytes(2, DFU_DOWNLOAD_REGION_SIZE, 1));
    assert_refused(
        d,
        &["--layout", LAYOUT, "--image", "hcpu:none=huge.bin"],
        &[
            "package is 1179666 bytes but DFU_DOWNLOAD_REGION (0x12380000 to 0x124a0000) holds 1179648 bytes: 18 bytes too many",
        ],
    );
    // An empty image.
    put(d, "empty.bin", &[]);
    assert_refused(
        d,
        &["--image", "hcpu=empty.bin"],
        &["image hcpu (empty.bin) is empty"],
    );
    // NAND boards need pksize in whole 2048-byte pages.
    assert_refused(
        d,
        &[
            "--layout",
            "sf32lb52x-eh-lb525",
            "--image",
            "hcpu=res.bin",
            "--pksize",
            "3072",
        ],
        &["pksize 3072 must be a multiple of 2048"],
    );
    // Nothing to pack; a bad pksize.
    assert_refused(d, &["--layout", LAYOUT], &["nothing to pack"]);
    assert_refused(
        d,
        &["--image", "hcpu=res.bin", "--pksize", "1000"],
        &["1000"],
    );
}

#[test]
fn config_errors_name_the_file() {
    let tmp = tempdir();
    let d = tmp.path();
    put(
        d,
        "ota.toml",
        b"layout = \"no-such-board\"\n[[image]]\nid = \"hcpu\"\npath = \"a.bin\"\n",
    );
    put(d, "a.bin", &[1; 32]);
    let o = imgtool(d, &["pack", "--config", "ota.toml", "-o", "out"]);
    o.assert_exit(2);
    assert!(o.text().contains("no-such-board"), "{}", o.text());
    put(
        d,
        "ota.toml",
        b"[[image]]\nid = \"hcpu\"\npath = \"a.bin\"\nfoo = 1\n",
    );
    let o = imgtool(d, &["pack", "--config", "ota.toml", "-o", "out"]);
    o.assert_exit(2);
    assert!(
        o.text().contains("ota.toml") && o.text().contains("foo"),
        "{}",
        o.text()
    );
}

#[test]
fn gen_dfu_takes_the_vendor_command_line() {
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "hcpu.bin", &bytes(11, 70_000, 4));
    put(d, "dfu.bin", &bytes(12, 9_000, 2));
    for com_type in ["0", "1"] {
        let o = imgtool(
            d,
            &[
                "gen_dfu",
                "--img_para",
                "hcpu",
                "16",
                "0",
                "dfu",
                "16",
                "6",
                &format!("--com_type={com_type}"),
                "--offline_img=2",
            ],
        );
        o.assert_exit(0);
        let pkg = read(&d.join("offline_install.bin"));
        assert_eq!(&pkg[12..14], &[0, 16]);
        assert_eq!(&pkg[18..20], &[6, 16]);
        // The same package as `pack` with the same choices.
        let codec = if com_type == "0" { "gzip" } else { "zlib" };
        let o = imgtool(
            d,
            &[
                "pack",
                "--image",
                "hcpu=hcpu.bin",
                "--image",
                "dfu=dfu.bin",
                "--compress",
                codec,
                "-o",
                "p",
            ],
        );
        o.assert_exit(0);
        assert!(
            read(&d.join("p/offline_install.bin")) == pkg,
            "com_type {com_type}"
        );
        let o = imgtool(d, &["verify", "offline_install.bin"]);
        o.assert_exit(0);
    }
    // Flag 0 and any image id, files from --dir, output elsewhere.
    std::fs::create_dir(d.join("bins")).unwrap();
    put(&d.join("bins"), "font.bin", &bytes(13, 1000, 1));
    let o = imgtool(
        d,
        &[
            "gen-dfu",
            "--img_para",
            "font",
            "0",
            "4",
            "--dir",
            "bins",
            "-o",
            "pk",
        ],
    );
    o.assert_exit(0);
    let pkg = read(&d.join("pk/offline_install.bin"));
    assert_eq!(&pkg[12..18], &[4, 0, 0xE8, 0x03, 0, 0]);
    assert_eq!(&pkg[18..], &bytes(13, 1000, 1)[..]);
}

#[test]
fn gen_dfu_refuses_what_it_does_not_implement() {
    // The secure path (--offline_img 0/1, keys) has its own tests in cli/secure.rs.
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "hcpu.bin", &[1; 100]);
    let cases: &[(&[&str], &str)] = &[
        (&["--offline_img=3"], "--offline_img=3: 0 (online files)"),
        (&["--com_type=2"], "--com_type=2 is not supported"),
        (
            &["--key", "k", "--offline_img=2"],
            "--key/--sigkey apply to --offline_img 0 and 1",
        ),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["gen-dfu", "--img_para", "hcpu", "16", "0"];
        args.extend_from_slice(extra);
        let o = imgtool(d, &args);
        o.assert_exit(2);
        assert!(o.text().contains(needle), "{}", o.text());
    }
    for (flag, needle) in [
        ("1", "encryption"),
        ("17", "encryption"),
        ("2", "flag 2 is not supported"),
    ] {
        let o = imgtool(d, &["gen-dfu", "--img_para", "hcpu", flag, "0"]);
        o.assert_exit(2);
        assert!(o.text().contains(needle), "{}", o.text());
    }
    let o = imgtool(d, &["gen-dfu", "--img_para", "hcpu", "16"]);
    o.assert_exit(2);
    assert!(!d.join("offline_install.bin").exists());
}

#[test]
fn inspect_shows_header_table_and_regions() {
    let tmp = tempdir();
    let pkg = example("golden/offline_install.bin");
    let o = imgtool(
        tmp.path(),
        &["inspect", pkg.to_str().unwrap(), "--layout", LAYOUT],
    );
    o.assert_exit(0);
    let t = o.text();
    assert!(t.contains("install_state 0xff, 2 images"), "{t}");
    assert!(t.contains("HCPU_FLASH_CODE 0x12020000 3040/3145728"), "{t}");
    let o = imgtool(tmp.path(), &["inspect", pkg.to_str().unwrap(), "--json"]);
    o.assert_exit(0);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["image_count"], 2);
    assert_eq!(v["images"][0]["image_len"], 3040);
    assert_eq!(v["images"][0]["mode"], "gzip");
    assert_eq!(v["images"][0]["pksize"], 10240);
    assert_eq!(v["images"][1]["trailing_bytes"], 1);
    assert_eq!(v["crc"], v["crc_computed"]);
}

fn write_corrupt(dir: &Path, name: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut b = read(&example("golden/offline_install.bin"));
    f(&mut b);
    put(dir, name, &b);
    name.to_string()
}

#[test]
fn verify_fails_corrupted_packages_with_exit_1() {
    let tmp = tempdir();
    let d = tmp.path();
    let cases: Vec<(String, &str)> = vec![
        (
            write_corrupt(d, "magic.bin", |b| b[1] = 0),
            "magic at offset 0x00000000",
        ),
        (
            write_corrupt(d, "version.bin", |b| b[4] = 3),
            "version at offset 0x00000004",
        ),
        (
            write_corrupt(d, "state.bin", |b| b[5] = 0x3F),
            "install_state at offset 0x00000005",
        ),
        (
            write_corrupt(d, "count.bin", |b| b[6] = 0),
            "image_count at offset 0x00000006",
        ),
        (
            write_corrupt(d, "crc.bin", |b| b[9] ^= 1),
            "crc at offset 0x00000008",
        ),
        (
            write_corrupt(d, "flag.bin", |b| b[13] = 1),
            "table entry 0 (offset 0x0000000c, image id 0): flag 1",
        ),
        (
            write_corrupt(d, "len.bin", |b| b[17] = 0x40),
            "truncated: payload of table entry 0",
        ),
        (
            write_corrupt(d, "payload.bin", |b| b[100] ^= 0x80),
            "crc at offset 0x00000008",
        ),
        (
            write_corrupt(d, "trunc.bin", |b| b.truncate(b.len() - 1)),
            "truncated: payload of table entry 1",
        ),
        (
            write_corrupt(d, "short.bin", |b| b.truncate(7)),
            "truncated: package header",
        ),
    ];
    for (file, needle) in cases {
        let o = imgtool(d, &["verify", &file]);
        o.assert_exit(1);
        assert!(
            o.text().contains(needle),
            "{file}: expected {needle:?} in {}",
            o.text()
        );
    }
    let o = imgtool(d, &["verify", "missing.bin"]);
    o.assert_exit(2);
}

#[test]
fn verify_checks_the_layout() {
    let tmp = tempdir();
    let d = tmp.path();
    // A resource image (id 3) packed without a layout: eh-lb523 cannot place it.
    put(d, "res.bin", &bytes(3, 2000, 4));
    let o = imgtool(d, &["pack", "--image", "res=res.bin", "-o", "p"]);
    o.assert_exit(0);
    let o = imgtool(d, &["verify", "p/offline_install.bin"]);
    o.assert_exit(0);
    let o = imgtool(d, &["verify", "p/offline_install.bin", "--layout", LAYOUT]);
    o.assert_exit(1);
    assert!(
        o.text().contains(
            "layout sf32lb52x-eh-lb523 cannot install image id 3: the device's installer \
             writes image res (3) to HCPU_FLASH2_IMG_START_ADDR"
        ),
        "{}",
        o.text()
    );
    // Too big for DFU_FLASH_CODE once decoded, though the package is small.
    put(d, "zeros.bin", &vec![0u8; DFU_FLASH_CODE_SIZE + 16]);
    let o = imgtool(d, &["pack", "--image", "dfu=zeros.bin", "-o", "z"]);
    o.assert_exit(0);
    let o = imgtool(d, &["verify", "z/offline_install.bin", "--layout", LAYOUT]);
    o.assert_exit(1);
    assert!(
        o.text().contains("holds 393216 bytes: 16 bytes too many"),
        "{}",
        o.text()
    );
}

#[test]
fn verify_warns_about_vendor_packages_without_the_trailing_byte() {
    let tmp = tempdir();
    let d = tmp.path();
    // Rebuild the golden package the way the vendor tool would: no byte after the last packet.
    let (vendor, lens) = vendor_style(&read(&example("golden/offline_install.bin")));
    put(d, "vendor.bin", &vendor);
    // The installer's payload fits one 512-byte block: the device always mis-installs it, so
    // verify fails. The app's is longer: only a warning.
    let o = imgtool(d, &["verify", "vendor.bin"]);
    o.assert_exit(1);
    let t = o.text();
    assert!(lens[1] <= 512 && lens[0] > 512, "{lens:?}");
    let risk = format!(
        "silent mis-install: image 1 (id ota-manager, {} bytes)",
        lens[1]
    );
    let safe = format!(
        "no byte after the last packet in image 0 (id hcpu, {} bytes)",
        lens[0]
    );
    assert!(t.contains(&risk) && t.contains(&safe), "{t}");
    // The simulator (written independently from the same spec) agrees: the installer image
    // is not fully written and the device is broken.
    let o = imgtool(d, &["simulate", "--layout", LAYOUT, "vendor.bin"]);
    o.assert_exit(1);
    assert!(
        o.text()
            .contains("DFU_FLASH_CODE, which is not fully written"),
        "{}",
        o.text()
    );
}

#[test]
fn unpack_writes_nothing_for_a_bad_package() {
    let tmp = tempdir();
    let d = tmp.path();
    let f = write_corrupt(d, "crc.bin", |b| b[9] ^= 1);
    let o = imgtool(d, &["unpack", &f, "-o", "un"]);
    o.assert_exit(2);
    assert!(o.text().contains("--ignore-crc"), "{}", o.text());
    assert!(!d.join("un").exists());
    let o = imgtool(d, &["unpack", &f, "-o", "un", "--ignore-crc"]);
    o.assert_exit(0);
    // Table entry 1 claims image id 0 too (the table is not covered by the CRC).
    let f = write_corrupt(d, "dup.bin", |b| b[18] = 0);
    let o = imgtool(d, &["unpack", &f, "-o", "dup"]);
    o.assert_exit(2);
    assert!(
        o.text().contains("image id hcpu appears twice"),
        "{}",
        o.text()
    );
    assert!(!d.join("dup").exists());
    let o = imgtool(d, &["verify", &f]);
    o.assert_exit(1);
    assert!(
        o.text().contains("image id hcpu already used by image 0"),
        "{}",
        o.text()
    );
}

/// The golden package installs exactly on the device model of the `simulator` crate, with a
/// power cut before every flash operation (a third decoder, written by someone else).
#[test]
fn golden_package_installs_on_the_simulated_device() {
    let tmp = tempdir();
    let pkg = example("golden/offline_install.bin");
    let o = imgtool(
        tmp.path(),
        &[
            "simulate",
            "--layout",
            LAYOUT,
            pkg.to_str().unwrap(),
            "--power-cut",
            "all",
        ],
    );
    o.assert_exit(0);
}

/// What a [`imgtool::pack::BodySink`] was given: the pieces written during the compression,
/// then the whole body.
#[derive(Default)]
struct Recorder {
    pieces: std::sync::Mutex<Vec<(u64, Vec<u8>)>>,
}

impl imgtool::pack::BodySink for Recorder {
    type Output = Vec<u8>;
    fn write_at(&self, offset: u64, bytes: &[u8]) {
        assert!(
            rayon::current_thread_index().is_none(),
            "a pool worker blocked on I/O"
        );
        self.pieces.lock().unwrap().push((offset, bytes.to_vec()));
    }
    fn finish(&self, parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }
}

/// Regression guard for writing the package while it is compressed: each image's pieces go
/// to its payload's offset in the body, the table and CRC come last. Large compressed images
/// (streamed in pieces) beside a raw one and a tiny one (never streamed): the pieces must be
/// final bytes of the planned package, and the file `pack` writes must be that package, on
/// one thread and on several.
#[test]
fn a_package_written_during_compression_is_the_planned_package() {
    use imgtool::pack::{plan_package, plan_package_streaming, ImageSpec, PackConfig};
    use layout::ImageId;
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "app.bin", &bytes(3, 1_500_000, 1));
    put(d, "res.bin", &bytes(4, 300_000, 1));
    put(d, "lcpu.bin", &bytes(5, 700_001, 1));
    put(d, "tiny.bin", &bytes(6, 100, 2));
    let specs = [
        ("hcpu", "app.bin"),
        ("res:none", "res.bin"),
        ("lcpu", "lcpu.bin"),
        ("patch", "tiny.bin"),
    ];
    let mut args = vec!["pack".to_string()];
    for (id, file) in specs {
        args.extend(["--image".to_string(), format!("{id}={file}")]);
    }
    let mut images = vec![
        ImageSpec::new(ImageId::HCPU, d.join("app.bin")),
        ImageSpec::new(ImageId::RES, d.join("res.bin")),
        ImageSpec::new(ImageId::LCPU, d.join("lcpu.bin")),
        ImageSpec::new(ImageId::PATCH, d.join("tiny.bin")),
    ];
    images[1].compression = Some(imgtool::pack::Compression::None);
    let config = PackConfig {
        images,
        ..PackConfig::default()
    };
    let planned = plan_package(&config).unwrap().bytes;

    // One worker: its batches reach the assembler in chunk order, so which pieces are handed
    // over does not depend on timing (with more workers a descheduled one can hold the prefix
    // back until the end, and then nothing is streamed early; only the timing changes).
    let mut one = config.clone();
    one.options.threads = Some(1);
    let recorder = Recorder::default();
    let (streamed, body) = plan_package_streaming(&one, &recorder).unwrap();
    assert_eq!(streamed.bytes, planned);
    assert_eq!(body, planned);
    let pieces = recorder.pieces.into_inner().unwrap();
    let lcpu_at = streamed.plan.entries[2].payload_offset as u64;
    assert!(pieces.iter().any(|(at, _)| *at < lcpu_at), "app streamed");
    assert!(pieces.iter().any(|(at, _)| *at >= lcpu_at), "lcpu streamed");
    for (offset, bytes) in &pieces {
        let at = *offset as usize;
        assert_eq!(
            &planned[at..at + bytes.len()],
            &bytes[..],
            "piece at {at:#x}"
        );
    }

    for threads in ["1", "3"] {
        let out = format!("out{threads}");
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.extend(["-o", &out]);
        crate::common::imgtool_env(d, &a, &[("RAYON_NUM_THREADS", threads)]).assert_exit(0);
        assert_eq!(read(&d.join(&out).join("offline_install.bin")), planned);
    }
}

/// The package file is written during the compression: a later image that fails must leave
/// no temporary file (nor any output) behind.
#[test]
fn a_failure_after_streaming_began_leaves_nothing() {
    let tmp = tempdir();
    let d = tmp.path();
    put(d, "app.bin", &bytes(7, 1_500_000, 1));
    put(d, "empty.bin", b"");
    std::fs::create_dir(d.join("out")).unwrap();
    let args = [
        "pack",
        "--image",
        "hcpu=app.bin",
        "--image",
        "lcpu=empty.bin",
        "-o",
        "out",
    ];
    let run = imgtool(d, &args);
    run.assert_exit(2);
    assert!(run.text().contains("is empty"), "{}", run.text());
    assert_eq!(
        crate::common::files_in(&d.join("out")),
        Vec::<String>::new()
    );
}

/// `gen-dfu --offline_img 2` took the secure-only options and `--dst_dir` and did nothing with
/// them, without a word. Now the vendor's secure options get a warning naming them (vendor
/// command lines keep working), imgtool's own are refused, and `--dst_dir` is the input
/// directory, as in the newest vendor packer.
#[test]
fn regression_gen_dfu_package_v2_names_ignored_options_and_reads_dst_dir() {
    let tmp = tempdir();
    let d = tmp.path();
    std::fs::create_dir(d.join("in")).unwrap();
    put(&d.join("in"), "hcpu.bin", &bytes(21, 20_000, 4));
    put(&d.join("in"), "dfu.bin", &bytes(22, 5_000, 2));
    let img = ["gen-dfu", "--img_para", "hcpu", "16", "0", "dfu", "16", "6"];
    let reference = [&img[..], &["--offline_img=2", "--dir", "in", "-o", "ref"]].concat();
    ok(imgtool(d, &reference));
    let vendor = [
        "--offline_img=2",
        "--dst_dir",
        "in",
        "--dfu_id",
        "1",
        "--flags",
        "1",
    ];
    let o = ok(imgtool(d, &[&img[..], &vendor[..]].concat()));
    assert!(
        o.stderr.contains(
            "warning: --dfu_id, --flags do nothing with --offline_img 2: an offline package v2 \
             has no control packet"
        ),
        "{}",
        o.text()
    );
    // Written where the vendor packer writes it (the current directory), from in/.
    assert!(!d.join("in/offline_install.bin").exists());
    assert_eq!(
        read(&d.join("offline_install.bin")),
        read(&d.join("ref/offline_install.bin"))
    );
    // Without the secure options: no warning.
    let o = ok(imgtool(
        d,
        &[&img[..], &["--offline_img=2", "--dst_dir", "in", "--force"]].concat(),
    ));
    assert!(!o.stderr.contains("warning"), "{}", o.text());
    // imgtool's own secure options are not in any vendor command line: refused.
    let own = [
        "--offline_img=2",
        "--dst_dir",
        "in",
        "--chip",
        "sf32lb52x",
        "-o",
        "y",
    ];
    let o = imgtool(d, &[&img[..], &own[..]].concat());
    o.assert_exit(2);
    assert!(
        o.stderr
            .contains("--chip applies to the secure online files"),
        "{}",
        o.text()
    );
    assert!(!d.join("y").exists());
    // --dir and --dst_dir both name the inputs: refused, nothing written.
    let both = [
        &img[..],
        &[
            "--offline_img=2",
            "--dst_dir",
            "in",
            "--dir",
            "in",
            "-o",
            "x",
        ],
    ];
    let o = imgtool(d, &both.concat());
    o.assert_exit(2);
    assert!(o.stderr.contains("give one"), "{}", o.text());
    assert!(!d.join("x").exists());
}
