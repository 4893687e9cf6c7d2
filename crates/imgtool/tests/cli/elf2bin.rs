//! `imgtool elf2bin` end to end: the built binary on the committed ELF fixtures.

use std::path::Path;

use crate::common::{files_in, imgtool, imgtool_stdin, read, tempdir, testdata, Run};

/// Runs `imgtool elf2bin <args>` in `dir`.
fn elf2bin(dir: &Path, args: &[&str]) -> Run {
    let mut full = vec!["elf2bin"];
    full.extend_from_slice(args);
    imgtool(dir, &full)
}

/// Flash and RAM regions of the SF32LB52x eh-lb523 board (its ptab.json), as a layout file in
/// `dir`; returns the file name.
fn write_layout(dir: &Path) -> &'static str {
    let toml = r#"chip = "SF32LB52x"

[[memory]]
name = "flash2"
base = "0x12000000"
kind = "nor"
erase_unit = "0x1000"

[[memory]]
name = "hpsys_ram"
base = "0x20000000"
kind = "ram"

[[region]]
tags = ["HCPU_FLASH_CODE"]
memory = "flash2"
offset = "0x00020000"
size = "0x00300000"

[[region]]
tags = ["DFU_FLASH_CODE"]
memory = "flash2"
offset = "0x00320000"
size = "0x00060000"

[[region]]
tags = ["HCPU_RAM_DATA"]
memory = "hpsys_ram"
offset = "0x0"
size = "0x7FC00"
"#;
    std::fs::write(dir.join("lb523.toml"), toml).unwrap();
    "lb523.toml"
}

fn elf(name: &str) -> String {
    testdata(&format!("elf/{name}"))
        .to_string_lossy()
        .into_owned()
}

#[test]
fn flat_equals_objcopy_with_fill_zero_and_gap_fill_ff_by_default() {
    let tmp = tempdir();
    for name in ["multi", "multi_be32", "multi_le64", "multi_be64"] {
        let o = elf2bin(
            tmp.path(),
            &[
                &elf(&format!("{name}.elf")),
                "-o",
                "zero.bin",
                "--fill",
                "0",
            ],
        );
        assert!(o.status.success(), "{}", o.stderr);
        let reference = testdata(&format!("elf/{name}.objcopy.bin"));
        assert_eq!(
            read(&tmp.path().join("zero.bin")),
            read(&reference),
            "{name}"
        );
        let o = elf2bin(tmp.path(), &[&elf(&format!("{name}.elf")), "-o", "ff.bin"]);
        assert!(o.status.success(), "{}", o.stderr);
        let reference = testdata(&format!("elf/{name}.objcopy-ff.bin"));
        assert_eq!(read(&tmp.path().join("ff.bin")), read(&reference), "{name}");
    }
}

#[test]
fn flat_reports_segments_and_fill() {
    let tmp = tempdir();
    let o = elf2bin(tmp.path(), &[&elf("multi.elf"), "-o", "m.bin"]);
    assert!(o.status.success(), "{}", o.stderr);
    let out = o.stdout;
    // 0x1007 bytes, of which 0x95 + 9 + 7 come from segments.
    assert!(
        out.contains("flat 0x12020000 to 0x12021007 4103 bytes (3938 fill)"),
        "{out}"
    );
    assert!(out.contains("segment 1  0x12020098 to 0x120200a1"), "{out}");
    assert!(out.contains("runs at 0x20000000"), "{out}");
}

#[test]
fn layout_mode_writes_one_file_per_region() {
    let tmp = tempdir();
    let o = elf2bin(
        tmp.path(),
        &[
            &elf("two_regions.elf"),
            "--layout",
            write_layout(tmp.path()),
            "-o",
            "out",
        ],
    );
    assert!(o.status.success(), "{}", o.stderr);
    let out_dir = tmp.path().join("out");
    assert_eq!(
        files_in(&out_dir),
        ["DFU_FLASH_CODE.bin", "HCPU_FLASH_CODE.bin"]
    );
    for tag in ["DFU_FLASH_CODE", "HCPU_FLASH_CODE"] {
        let golden = testdata(&format!("elf/golden/two_regions/{tag}.bin"));
        assert_eq!(
            read(&out_dir.join(format!("{tag}.bin"))),
            read(&golden),
            "{tag}"
        );
    }
    let out = o.stdout;
    assert!(
        out.contains("HCPU_FLASH_CODE 0x12020000 to 0x12020028 40 bytes (0 fill)"),
        "{out}"
    );
    assert!(
        out.contains("DFU_FLASH_CODE 0x12320000 to 0x1232000c 12 bytes (0 fill)"),
        "{out}"
    );
}

#[test]
fn layout_mode_hex_format() {
    let tmp = tempdir();
    let o = elf2bin(
        tmp.path(),
        &[
            &elf("two_regions.elf"),
            "--layout",
            write_layout(tmp.path()),
            "--format",
            "hex",
            "-o",
            "out",
        ],
    );
    assert!(o.status.success(), "{}", o.stderr);
    assert_eq!(
        files_in(&tmp.path().join("out")),
        ["DFU_FLASH_CODE.hex", "HCPU_FLASH_CODE.hex"]
    );
    let hex = String::from_utf8(read(&tmp.path().join("out/DFU_FLASH_CODE.hex"))).unwrap();
    // Upper address 0x1232, then the table's first word 0xdf0dab1e little-endian.
    assert!(
        hex.starts_with(":020000041232B6\n:0C0000001EAB0DDF"),
        "{hex}"
    );
    assert!(hex.ends_with(":00000001FF\n"), "{hex}");
}

#[test]
fn flat_hex_format() {
    let tmp = tempdir();
    let o = elf2bin(
        tmp.path(),
        &[&elf("multi.elf"), "--format", "hex", "-o", "m.hex"],
    );
    assert!(o.status.success(), "{}", o.stderr);
    let hex = String::from_utf8(read(&tmp.path().join("m.hex"))).unwrap();
    assert!(hex.starts_with(":020000041202E6\n"), "{hex}");
    // 0x1007 bytes in 16-byte records: 257 data records, one upper-address record, EOF.
    assert_eq!(hex.lines().count(), 257 + 2);
}

#[test]
fn not_an_elf_fails_with_exit_2_and_no_output() {
    let tmp = tempdir();
    std::fs::write(tmp.path().join("notes.txt"), "hello world").unwrap();
    let o = elf2bin(tmp.path(), &["notes.txt", "-o", "out.bin"]);
    assert_eq!(o.status.code(), Some(2));
    let err = o.stderr;
    assert!(
        err.contains("notes.txt") && err.contains("not an ELF file"),
        "{err}"
    );
    assert_eq!(files_in(tmp.path()), ["notes.txt"]);
}

#[test]
fn truncated_elf_fails_with_no_output() {
    let tmp = tempdir();
    let bytes = read(&testdata("elf/multi.elf"));
    std::fs::write(tmp.path().join("cut.elf"), &bytes[..0x2004]).unwrap();
    let o = elf2bin(tmp.path(), &["cut.elf", "-o", "out.bin"]);
    assert_eq!(o.status.code(), Some(2));
    let err = o.stderr;
    assert!(
        err.contains("segment 1") && err.contains("offset 0x2000"),
        "{err}"
    );
    assert_eq!(files_in(tmp.path()), ["cut.elf"]);
}

#[test]
fn flat_span_too_large_suggests_a_layout_and_writes_nothing() {
    let tmp = tempdir();
    let o = elf2bin(tmp.path(), &[&elf("data_in_ram.elf"), "-o", "out.bin"]);
    assert_eq!(o.status.code(), Some(2));
    let err = o.stderr;
    assert!(
        err.contains("0x12020000 to 0x20000004") && err.contains("--layout"),
        "{err}"
    );
    assert!(files_in(tmp.path()).is_empty());
}

#[test]
fn segment_outside_flash_regions_writes_no_region_file() {
    let tmp = tempdir();
    let o = elf2bin(
        tmp.path(),
        &[
            &elf("data_in_ram.elf"),
            "--layout",
            write_layout(tmp.path()),
            "-o",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = o.stderr;
    assert!(
        err.contains("segment 1 (0x20000000 to 0x20000004) lies outside every flash region"),
        "{err}"
    );
    // Segment 0 alone would have made HCPU_FLASH_CODE.bin: nothing is written on error.
    assert_eq!(files_in(tmp.path()), ["lb523.toml"]);
}

#[test]
fn unknown_layout_and_bad_fill_are_errors() {
    let tmp = tempdir();
    let o = elf2bin(
        tmp.path(),
        &[&elf("multi.elf"), "--layout", "no-such-board", "-o", "out"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stderr.contains("no-such-board"), "{}", o.stderr);
    let o = elf2bin(
        tmp.path(),
        &[&elf("multi.elf"), "--fill", "0x100", "-o", "x.bin"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stderr.contains("not a byte"), "{}", o.stderr);
    assert!(files_in(tmp.path()).is_empty());
}

#[test]
fn bundled_layout_by_name() {
    let tmp = tempdir();
    let args = [
        &elf("two_regions.elf"),
        "--layout",
        "sf32lb52x-eh-lb523",
        "-o",
        "out",
    ];
    let o = elf2bin(tmp.path(), &args);
    assert!(o.status.success(), "{}", o.stderr);
    for tag in ["DFU_FLASH_CODE", "HCPU_FLASH_CODE"] {
        let golden = testdata(&format!("elf/golden/two_regions/{tag}.bin"));
        let out = tmp.path().join(format!("out/{tag}.bin"));
        assert_eq!(read(&out), read(&golden), "{tag}");
    }
}

#[test]
fn xip_region_is_matched_at_its_link_address_and_written_at_its_storage_address() {
    // The eh-lb523 bootloader region is stored at 0x12010000 and linked at 0x20020000.
    let tmp = tempdir();
    let args = [
        &elf("bootloader_xip.elf"),
        "--layout",
        "sf32lb52x-eh-lb523",
        "--format",
        "hex",
        "-o",
        "out",
    ];
    let o = elf2bin(tmp.path(), &args);
    assert!(o.status.success(), "{}", o.stderr);
    assert_eq!(files_in(&tmp.path().join("out")), ["bootloader.hex"]);
    let out = o.stdout;
    assert!(
        out.contains("bootloader: linked at 0x20020000, stored at 0x12010000"),
        "{out}"
    );
    assert!(
        out.contains("bootloader 0x12010000 to 0x12011007 4103 bytes"),
        "{out}"
    );
    let hex = String::from_utf8(read(&tmp.path().join("out/bootloader.hex"))).unwrap();
    assert!(hex.starts_with(":020000041201E7\n"), "{hex}");
}

#[test]
fn example_firmware_lands_in_its_regions() {
    // testdata/examples: the app belongs in HCPU_FLASH_CODE, the DFU installer in
    // DFU_FLASH_CODE; pack relies on it.
    let tmp = tempdir();
    for (elf, tag) in [
        ("app.elf", "HCPU_FLASH_CODE"),
        ("dfu.elf", "DFU_FLASH_CODE"),
    ] {
        let path = testdata(&format!("examples/sf32lb52x-eh-lb523/{elf}"));
        let dir = format!("out_{tag}");
        let args = [
            path.to_str().unwrap(),
            "--layout",
            "sf32lb52x-eh-lb523",
            "-o",
            &dir,
        ];
        let o = elf2bin(tmp.path(), &args);
        assert!(o.status.success(), "{}", o.stderr);
        assert_eq!(files_in(&tmp.path().join(&dir)), [format!("{tag}.bin")]);
        // Both start with a vector table: initial stack pointer at the top of HCPU_RAM_DATA.
        let bytes = read(&tmp.path().join(format!("{dir}/{tag}.bin")));
        assert_eq!(&bytes[..4], &0x2007_fc00u32.to_le_bytes(), "{elf}");
    }
}

#[cfg(unix)]
#[test]
fn elf_from_a_pipe_gives_the_same_image_as_from_a_file() {
    // A regular file is streamed from disk; a pipe cannot seek, so it is read into memory
    // first. Both must give objcopy's bytes.
    let tmp = tempdir();
    let elf_bytes = read(&testdata("elf/multi_be64.elf"));
    let args = ["elf2bin", "/dev/stdin", "-o", "piped.bin", "--fill", "0"];
    let o = imgtool_stdin(tmp.path(), &args, &elf_bytes);
    assert!(o.status.success(), "{}", o.stderr);
    assert_eq!(
        read(&tmp.path().join("piped.bin")),
        read(&testdata("elf/multi_be64.objcopy.bin"))
    );
}
