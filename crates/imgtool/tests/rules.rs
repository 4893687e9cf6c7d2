//! Each device rule is one library function (`package::rules`) that planning, `verify` and
//! signing all call (issue 18 step 2). Per rule: an input that breaks it is refused by
//! `imgtool::pack::plan_package` and reported by `package::verify::check` with the same
//! words; and signing a package that then no longer fits its download region is refused by
//! the library, without the CLI.

use imgtool::pack::{
    plan_package, sign_planned, Compression, ImageSpec, LayoutRef, PackConfig, PackError,
    PackOptions, PlannedPackage, ReleaseInfo, Signing,
};
use layout::{ImageId, Layout};
use std::path::{Path, PathBuf};

/// A layout with `hcpu` in a region of `hcpu_size` bytes of a `kind` memory and a download
/// region of `dl_size` bytes (both multiples of the 4 KiB erase unit).
fn layout_file(dir: &Path, name: &str, hcpu_size: u32, dl_size: u32, kind: &str) -> PathBuf {
    let text = format!(
        r#"chip = "SF32LB52x"

[[memory]]
name = "flash2"
base = "0x12000000"
kind = "{kind}"
erase_unit = "0x1000"

[[memory]]
name = "hpsys_ram"
base = "0x20000000"
kind = "ram"

[[region]]
tags = ["HCPU_FLASH_CODE"]
memory = "flash2"
offset = "0x00020000"
size = "{hcpu_size:#x}"

[[region]]
tags = ["DFU_DOWNLOAD_REGION"]
memory = "flash2"
offset = "0x00400000"
size = "{dl_size:#x}"

[[region]]
tags = ["HCPU_RAM_DATA"]
memory = "hpsys_ram"
offset = "0x00000000"
size = "0x00070000"

[[region]]
tags = ["HPSYS_MBOX"]
memory = "hpsys_ram"
offset = "0x0006fc00"
size = "0x00000400"

[images]
hcpu = "HCPU_FLASH_CODE"
"#
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Bytes that do not compress: a multiplicative hash of the offset.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    (0..len as u64)
        .map(|i| ((i ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8)
        .collect()
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn image(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn plan(
        &self,
        layout: Option<&Path>,
        images: &[(ImageId, &Path, Compression)],
        tune: impl FnOnce(&mut PackOptions),
    ) -> Result<PlannedPackage, PackError> {
        let mut options = PackOptions::default();
        tune(&mut options);
        plan_package(&PackConfig {
            layout: layout.map(|p| LayoutRef::File(p.to_path_buf())),
            images: images
                .iter()
                .map(|(id, p, c)| ImageSpec {
                    compression: Some(*c),
                    ..ImageSpec::new(*id, *p)
                })
                .collect(),
            options,
        })
    }
}

fn read_layout(path: &Path) -> Layout {
    let stem = path.file_stem().unwrap().to_str().unwrap();
    Layout::from_toml_str(stem, &std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `verify`'s findings (errors and warnings) for `bytes` on the layout file.
fn verify(bytes: &[u8], layout: &Path) -> Vec<String> {
    let layout = read_layout(layout);
    package::verify::check(bytes, Some(&layout))
        .unwrap()
        .findings
        .into_iter()
        .map(|f| f.message)
        .collect()
}

/// Planning refused with `words` and verify reported `words`.
#[track_caller]
fn agree(planned: Result<PlannedPackage, PackError>, findings: &[String], words: &str) {
    let e = planned.expect_err("planning must refuse").to_string();
    assert!(e.contains(words), "plan: {e}\nexpected: {words}");
    assert!(
        findings.iter().any(|f| f.contains(words)),
        "verify: {findings:?}\nexpected: {words}"
    );
}

const HCPU: ImageId = ImageId(0);

#[test]
fn region_fit_plan_and_verify_agree() {
    let c = Case::new();
    let app = c.image("app.bin", &noise(0x3000, 1));
    let small = layout_file(c.dir.path(), "small", 0x2000, 0x10000, "nor");
    let images = [(HCPU, app.as_path(), Compression::None)];
    let free = c.plan(None, &images, |_| {}).unwrap();
    agree(
        c.plan(Some(&small), &images, |_| {}),
        &verify(&free.bytes, &small),
        "is 12288 bytes but its region HCPU_FLASH_CODE (0x12020000 to 0x12022000) holds 8192 \
         bytes: 4096 bytes too many",
    );
}

#[test]
fn download_fit_plan_and_verify_agree() {
    let c = Case::new();
    let app = c.image("app.bin", &noise(0x3000, 2));
    let tight = layout_file(c.dir.path(), "tight", 0x10000, 0x2000, "nor");
    let images = [(HCPU, app.as_path(), Compression::None)];
    let free = c.plan(None, &images, |_| {}).unwrap();
    let len = free.bytes.len();
    agree(
        c.plan(Some(&tight), &images, |_| {}),
        &verify(&free.bytes, &tight),
        &format!(
            "package is {len} bytes but DFU_DOWNLOAD_REGION (0x12400000 to 0x12402000) holds \
             8192 bytes: {} bytes too many",
            len - 8192
        ),
    );
}

#[test]
fn nand_pksize_plan_and_verify_agree() {
    let c = Case::new();
    let app = c.image("app.bin", &[0x42; 20_000]);
    let nand = layout_file(c.dir.path(), "nand", 0x10000, 0x10000, "nand");
    let images = [(HCPU, app.as_path(), Compression::GZIP)];
    let free = c.plan(None, &images, |o| o.pksize = 3072).unwrap();
    agree(
        c.plan(Some(&nand), &images, |o| o.pksize = 3072),
        &verify(&free.bytes, &nand),
        "goes to HCPU_FLASH_CODE in NAND memory flash2: pksize 3072 must be a multiple of 2048",
    );
}

#[test]
fn installable_ids_plan_and_verify_agree() {
    let c = Case::new();
    let res = c.image("res.bin", &[1; 100]);
    let l = layout_file(c.dir.path(), "l", 0x10000, 0x10000, "nor");
    let images = [(ImageId(3), res.as_path(), Compression::None)];
    let free = c.plan(None, &images, |_| {}).unwrap();
    let layout = read_layout(&l);
    let Err(package::rules::RuleBreak::NotInstallable { reason, .. }) =
        package::rules::installable(&layout, ImageId(3))
    else {
        panic!("id 3 must not be installable on this layout");
    };
    agree(
        c.plan(Some(&l), &images, |_| {}),
        &verify(&free.bytes, &l),
        &reason.to_string(),
    );
}

#[test]
fn install_heap_plan_refuses_and_verify_warns_with_the_same_numbers() {
    let c = Case::new();
    let app = c.image("app.bin", &noise(200_000, 3));
    let l = layout_file(c.dir.path(), "l", 0x40000, 0x40000, "nor");
    let images = [(HCPU, app.as_path(), Compression::GZIP)];
    let big = |o: &mut PackOptions| o.pksize = 65536 + 2048;
    let allowed = c
        .plan(None, &images, |o| {
            big(o);
            o.allow_large_pksize = true;
        })
        .unwrap();
    agree(
        c.plan(Some(&l), &images, big),
        &verify(&allowed.bytes, &l),
        "pksize 67584 is above 65536 bytes: the device's installer allocates pksize + 2 x the \
         largest packet",
    );
}

#[test]
fn one_codec_plan_and_verify_agree() {
    let c = Case::new();
    let app = c.image("app.bin", &[7; 5000]);
    let dfu = c.image("dfu.bin", &[9; 5000]);
    let l = layout_file(c.dir.path(), "l", 0x10000, 0x10000, "nor");
    let mixed = [
        (HCPU, app.as_path(), Compression::GZIP),
        (
            ImageId(6),
            dfu.as_path(),
            Compression::Codec(ezip::Mode::Zlib),
        ),
    ];
    // verify's input: the gzip and the zlib payloads planned side by side, the zlib one as
    // raw (the planner refuses mixed codecs), its table flag turned to 16 after (the CRC
    // covers the payloads only).
    let one = |id, p: &Path, codec| {
        let planned = c.plan(None, &[(id, p, codec)], |_| {}).unwrap();
        planned.plan.images()[0].clone()
    };
    let images = vec![
        one(HCPU, &app, Compression::GZIP),
        package::v2::PlannedImage {
            flag: package::Flag::Raw,
            ..one(ImageId(6), &dfu, Compression::Codec(ezip::Mode::Zlib))
        },
    ];
    let mut bytes = package::v2::PackagePlan::new(images).unwrap().emit();
    // Table entry 1's flag byte: header 12 bytes, entries of 6 (id, flag, length...).
    let entry = 12 + 6 + 1;
    assert_eq!(bytes[entry], 0, "the raw flag where the test expects it");
    bytes[entry] = 16;
    agree(
        c.plan(None, &mixed, |_| {}),
        &verify(&bytes, &l),
        "is zlib-compressed but image 0 (image id 0) is gzip-compressed",
    );
}

#[test]
fn signing_a_package_that_then_no_longer_fits_is_refused_by_the_library() {
    let c = Case::new();
    let key = sign::PrivateKey::generate().unwrap();
    let key_path = c.dir.path().join("k.pem");
    std::fs::write(&key_path, key.to_pem().unwrap().as_bytes()).unwrap();
    let signing = Signing::Key(sign::KeySource::File(key_path));
    // A body 8 bytes under the 12 KiB download region: it fits, its trailer does not.
    let probe = c.image("probe.bin", &noise(10_000, 4));
    let body0 = c
        .plan(None, &[(HCPU, probe.as_path(), Compression::None)], |_| {})
        .unwrap()
        .bytes
        .len();
    let app = c.image("app.bin", &noise(10_000 + 0x3000 - 8 - body0, 4));
    let l = layout_file(c.dir.path(), "l", 0x10000, 0x3000, "nor");
    let mut planned = c
        .plan(
            Some(&l),
            &[(HCPU, app.as_path(), Compression::None)],
            |_| {},
        )
        .unwrap();
    assert_eq!(
        planned.bytes.len(),
        0x3000 - 8,
        "the body fits with 8 bytes to spare"
    );
    let e = sign_planned(&mut planned, &ReleaseInfo::default(), &signing).unwrap_err();
    // Typed: a build.rs can tell this rule from an I/O error.
    let PackError::Rule {
        rule:
            package::rules::RuleBreak::DownloadFit {
                trailer: Some(t),
                size: 12288,
                ..
            },
        ..
    } = &e
    else {
        panic!("{e:?}");
    };
    assert!(*t > 8, "the trailer is what no longer fits");
    assert!(e.to_string().contains("the signed package is"), "{e}");
}
