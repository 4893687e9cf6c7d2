//! What every command does with the files the user points at (issue 9): outputs never destroy
//! anything (inputs, private keys, symlinks, FIFOs, devices), directory outputs are not
//! confused with files, pack's two outputs are committed together, and wrong inputs are
//! refused instead of being silently misread. Bounded reads have their own test binary
//! (`tests/bounded_inputs.rs`), which measures peak memory.

use std::path::PathBuf;

use crate::common::{imgtool, imgtool_env, ok, put, read, read_text, tempdir, testdata};

const LAYOUT: &str = "sf32lb52x-eh-lb523";
/// `DFU_DOWNLOAD_REGION` of `layouts/sf32lb52x-eh-lb523.toml`.
const DFU_DOWNLOAD_REGION_SIZE: usize = 0x0012_0000;

fn example(rel: &str) -> PathBuf {
    testdata("examples/sf32lb52x-eh-lb523").join(rel)
}

/// A directory with the example ELFs, a package, an unsigned package, a key pair, a ptab
/// file and a layout file: every kind of input some command reads.
fn workspace() -> tempfile::TempDir {
    let tmp = tempdir();
    let d = tmp.path();
    for f in ["app.elf", "dfu.elf"] {
        std::fs::copy(example(f), d.join(f)).unwrap();
    }
    std::fs::copy(testdata("ptab/eh-lb523.json"), d.join("ptab.json")).unwrap();
    ok(imgtool(
        d,
        &[
            "layout",
            "import",
            "ptab.json",
            "--chip",
            "SF32LB52x",
            "-o",
            "board.toml",
        ],
    ));
    pack_app(d, "pkg");
    ok(imgtool(
        d,
        &[
            "pack",
            "--image",
            "hcpu=app.elf",
            "--unsigned",
            "-o",
            "unsigned",
        ],
    ));
    ok(imgtool(d, &["keygen", "-o", "k.pem"]));
    ok(imgtool(d, &["getpub", "k.pem", "-o", "pub.pem"]));
    put(d, "data.bin", &[7; 1000]);
    ok(imgtool(
        d,
        &["compress", "--mode", "zlib", "data.bin", "-o", "data.z"],
    ));
    put(d, "sig.bin", &[0; 64]);
    tmp
}

/// `pack --layout LAYOUT --image hcpu=app.elf -o OUT` in `d`, which must succeed.
fn pack_app(d: &std::path::Path, out: &str) -> crate::common::Run {
    ok(imgtool(
        d,
        &[
            "pack",
            "--layout",
            LAYOUT,
            "--image",
            "hcpu=app.elf",
            "-o",
            out,
        ],
    ))
}

/// Packs the app and the installer again into `pkg/` (which holds the old package).
fn repack_pkg(d: &std::path::Path) -> crate::common::Run {
    let images = ["--image", "hcpu=app.elf", "--image", "dfu=dfu.elf"];
    imgtool(
        d,
        &[&["pack", "--layout", LAYOUT][..], &images, &["-o", "pkg"]].concat(),
    )
}

/// Runs a command that must be refused: exit 2, `says` in its error message.
#[track_caller]
fn refused(dir: &std::path::Path, args: &[&str], says: &str) {
    let o = imgtool(dir, args);
    o.assert_exit(2);
    assert!(o.stderr.contains(says), "{args:?}: {}", o.text());
}

#[test]
fn every_command_refuses_its_input_as_its_output() {
    let tmp = workspace();
    let d = tmp.path();
    std::fs::create_dir(d.join("gen")).unwrap();
    put(&d.join("gen"), "offline_install.bin", &[1; 100]);
    std::fs::create_dir(d.join("split")).unwrap();
    std::fs::copy(example("app.elf"), d.join("split/HCPU_FLASH_CODE.bin")).unwrap();
    std::fs::create_dir(d.join("u")).unwrap();
    std::fs::copy(d.join("pkg/offline_install.bin"), d.join("u/0-hcpu.bin")).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["getpub", "k.pem", "-o", "k.pem"], "k.pem"),
        (&["elf2bin", "app.elf", "-o", "app.elf"], "app.elf"),
        (
            &[
                "elf2bin",
                "split/HCPU_FLASH_CODE.bin",
                "--layout",
                LAYOUT,
                "-o",
                "split",
            ],
            "split/HCPU_FLASH_CODE.bin",
        ),
        (
            &[
                "digest",
                "unsigned/offline_install.bin",
                "-o",
                "unsigned/offline_install.bin",
            ],
            "unsigned/offline_install.bin",
        ),
        (
            &["compress", "--mode", "gzip", "data.bin", "-o", "data.bin"],
            "data.bin",
        ),
        (
            &["decompress", "--mode", "zlib", "data.z", "-o", "./data.z"],
            "data.z",
        ),
        (
            &["layout", "import", "ptab.json", "-o", "ptab.json"],
            "ptab.json",
        ),
        (
            &["layout", "export", "board.toml", "--c-header", "board.toml"],
            "board.toml",
        ),
        (
            &[
                "pack",
                "--image",
                "hcpu:bin=pkg/offline_install.bin",
                "-o",
                "pkg",
            ],
            "pkg/offline_install.bin",
        ),
        (&["unpack", "u/0-hcpu.bin", "-o", "u"], "u/0-hcpu.bin"),
        (
            &[
                "gen-dfu",
                "--img_para",
                "offline_install",
                "16",
                "0",
                "--dir",
                "gen",
            ],
            "gen/offline_install.bin",
        ),
        (
            &[
                "attach-signature",
                "unsigned/offline_install.bin",
                "--sig",
                "sig.bin",
                "--pub",
                "pub.pem",
                "-o",
                "pub.pem",
            ],
            "pub.pem",
        ),
    ];
    for f in ["s01.bin", "sig_pri.pem", "sig_pub.pem"] {
        std::fs::copy(testdata("secure/keys/sifli02").join(f), d.join(f)).unwrap();
    }
    let secure: &[(&[&str], &str)] = &[
        (
            &[
                "enc", "--img", "data.bin", "--eimg", "data.bin", "--key", "s01", "--sigkey", "sig",
            ],
            "data.bin",
        ),
        (
            &[
                "enc", "--img", "data.bin", "--eimg", "s01.bin", "--key", "s01", "--sigkey", "sig",
            ],
            "s01.bin",
        ),
        (
            &[
                "ftab",
                "build",
                "--layout",
                LAYOUT,
                "--sig-pub",
                "sig_pub.pem",
                "-o",
                "sig_pub.pem",
            ],
            "sig_pub.pem",
        ),
        (
            &["getpub", "sig_pri.pem", "-o", "sig_pri.pem"],
            "sig_pri.pem",
        ),
    ];
    for (args, input) in cases.iter().chain(secure) {
        let before = read(&d.join(input));
        let o = imgtool(d, args);
        o.assert_exit(2);
        assert!(
            o.stderr.contains("is the same file as the input")
                && o.stderr.contains("nothing was written"),
            "{args:?}: {}",
            o.text()
        );
        assert_eq!(read(&d.join(input)), before, "{args:?} changed {input}");
    }
}

#[test]
fn an_existing_private_key_is_never_overwritten_without_force() {
    let tmp = workspace();
    let d = tmp.path();
    ok(imgtool(d, &["keygen", "-o", "prod.pem"]));
    let prod = read(&d.join("prod.pem"));
    for args in [
        &["getpub", "k.pem", "-o", "prod.pem"][..],
        &["compress", "--mode", "zlib", "data.bin", "-o", "prod.pem"],
        &["layout", "export", LAYOUT, "--memory-x", "prod.pem"],
    ] {
        refused(d, args, "output prod.pem holds a private key");
        assert_eq!(read(&d.join("prod.pem")), prod, "{args:?}");
    }
    ok(imgtool(
        d,
        &["getpub", "k.pem", "-o", "prod.pem", "--force"],
    ));
    assert!(read_text(&d.join("prod.pem")).contains("BEGIN PUBLIC KEY"));
}

#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.unwrap().success(), "mkfifo {}", path.display());
}

fn is_symlink(path: &std::path::Path) -> bool {
    std::fs::symlink_metadata(path)
        .unwrap()
        .file_type()
        .is_symlink()
}

#[test]
fn symlinks_fifos_and_devices_are_written_through_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = workspace();
    let d = tmp.path();
    // A symlink: the target gets the bytes, the link stays a link.
    put(d, "target.pem", b"old");
    std::os::unix::fs::symlink("target.pem", d.join("link.pem")).unwrap();
    ok(imgtool(d, &["getpub", "k.pem", "-o", "link.pem"]));
    assert!(is_symlink(&d.join("link.pem")));
    assert_eq!(read(&d.join("target.pem")), read(&d.join("pub.pem")));
    // A dangling symlink is refused, nothing is created.
    std::os::unix::fs::symlink("missing/nowhere.bin", d.join("dangling.bin")).unwrap();
    let o = imgtool(
        d,
        &[
            "compress",
            "--mode",
            "zlib",
            "data.bin",
            "-o",
            "dangling.bin",
        ],
    );
    o.assert_exit(2);
    assert!(
        o.stderr
            .contains("is a symlink whose target does not exist"),
        "{}",
        o.text()
    );
    // A FIFO: written through, still a FIFO afterwards.
    let fifo = d.join("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    ok(imgtool(
        d,
        &["compress", "--mode", "zlib", "data.bin", "-o", "pipe"],
    ));
    assert_eq!(reader.join().unwrap(), read(&d.join("data.z")));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // A device (as root, a rename would have replaced it with a regular file).
    ok(imgtool(d, &["elf2bin", "app.elf", "-o", "/dev/null"]));
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

/// `pack` writes an unsigned package while it hashes for the manifest (staged early): that
/// path must follow a symlinked package and still write through a FIFO one.
#[test]
fn pack_writes_its_package_through_a_symlink_and_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = workspace();
    let d = tmp.path();
    pack_app(d, "plain");
    let expected = read(&d.join("plain/offline_install.bin"));
    std::fs::create_dir_all(d.join("linked")).unwrap();
    put(d, "elsewhere.bin", b"old");
    std::os::unix::fs::symlink("../elsewhere.bin", d.join("linked/offline_install.bin")).unwrap();
    pack_app(d, "linked");
    assert!(is_symlink(&d.join("linked/offline_install.bin")));
    assert_eq!(read(&d.join("elsewhere.bin")), expected);
    std::fs::create_dir_all(d.join("piped")).unwrap();
    let fifo = d.join("piped/offline_install.bin");
    mkfifo(&fifo);
    let reader = std::thread::spawn(move || std::fs::read(fifo).unwrap());
    pack_app(d, "piped");
    assert_eq!(reader.join().unwrap(), expected);
    assert!(std::fs::metadata(d.join("piped/offline_install.bin"))
        .unwrap()
        .file_type()
        .is_fifo());
    for dir in ["plain", "linked", "piped"] {
        let mut names = crate::common::files_in(&d.join(dir));
        names.sort();
        assert_eq!(names, ["manifest.json", "offline_install.bin"], "{dir}");
    }
}

#[test]
fn dash_writes_the_one_output_to_stdout_and_the_status_to_stderr() {
    let tmp = workspace();
    let d = tmp.path();
    let o = ok(imgtool(d, &["layout", "export", LAYOUT, "--memory-x", "-"]));
    assert!(
        o.stdout.starts_with("/* Generated by imgtool"),
        "{}",
        o.stdout
    );
    let o = ok(imgtool(
        d,
        &["getpub", "k.pem", "--format", "pem", "-o", "-"],
    ));
    assert_eq!(o.stdout.as_bytes(), read(&d.join("pub.pem")));
    let o = ok(imgtool(
        d,
        &[
            "layout",
            "import",
            "ptab.json",
            "--chip",
            "SF32LB52x",
            "-o",
            "-",
        ],
    ));
    assert!(o.stdout.contains("[[region]]"), "{}", o.stdout);
    assert!(o.stderr.contains("wrote standard output"), "{}", o.stderr);
    assert!(!d.join("-").exists());
}

#[test]
fn issue16_7_directory_outputs_follow_one_rule_without_guessing_from_dots() {
    let tmp = workspace();
    let d = tmp.path();
    // Named like the file the command writes: refused with the directory to give instead.
    let o = imgtool(
        d,
        &[
            "pack",
            "--image",
            "hcpu=app.elf",
            "-o",
            "x/offline_install.bin",
        ],
    );
    o.assert_exit(2);
    assert!(
        o.stderr.contains("names a file this command writes") && o.stderr.contains("give x"),
        "{}",
        o.text()
    );
    assert!(!d.join("x").exists(), "no directory named after the file");
    // Dots in a directory name are fine: created if missing, as the help says.
    for dir in ["release/v1.2.0", "my.dir/"] {
        ok(imgtool(d, &["pack", "--image", "hcpu=app.elf", "-o", dir]));
        assert!(d.join(dir).join("offline_install.bin").is_file(), "{dir}");
    }
    ok(imgtool(
        d,
        &["unpack", "pkg/offline_install.bin", "-o", "images.v2"],
    ));
    assert!(d.join("images.v2/0-hcpu.bin").is_file());
    // An existing file is not a directory, for every command that writes one.
    refused(
        d,
        &["pack", "--image", "hcpu=app.elf", "-o", "data.bin"],
        "data.bin exists and is not a directory",
    );
    refused(
        d,
        &["unpack", "pkg/offline_install.bin", "-o", "data.bin"],
        "data.bin exists and is not a directory",
    );
    refused(
        d,
        &["elf2bin", "app.elf", "--layout", LAYOUT, "-o", "data.bin"],
        "data.bin exists and is not a directory",
    );
    assert_eq!(read(&d.join("data.bin")), vec![7; 1000]);
    // gen-dfu --dst_dir was not checked at all.
    for f in ["s01.bin", "sig_pri.pem"] {
        std::fs::copy(testdata("secure/keys/sifli02").join(f), d.join(f)).unwrap();
    }
    put(d, "hcpu.bin", &[1; 3000]);
    let secure = [
        "gen-dfu",
        "--img_para",
        "hcpu",
        "17",
        "0",
        "--key=s01",
        "--sigkey=sig",
        "--offline_img",
        "0",
        "--dst_dir",
    ];
    refused(
        d,
        &[&secure[..], &["q/ctrl_packet.bin"]].concat(),
        "names a file this command writes",
    );
    refused(
        d,
        &[&secure[..], &["data.bin"]].concat(),
        "exists and is not a directory",
    );
    assert!(!d.join("q").exists());
}

#[test]
fn issue16_4_directory_commands_refuse_standard_output() {
    let tmp = workspace();
    let d = tmp.path();
    put(d, "hcpu.bin", &[1; 3000]);
    for args in [
        &["pack", "--image", "hcpu=app.elf", "-o", "-"][..],
        &["unpack", "pkg/offline_install.bin", "-o", "-"],
        &["elf2bin", "app.elf", "--layout", LAYOUT, "-o", "-"],
        &["gen-dfu", "--img_para", "hcpu", "16", "0", "-o", "-"],
    ] {
        refused(d, args, "cannot write to standard output");
        assert!(!d.join("-").exists(), "{args:?} made a directory named -");
    }
}

#[test]
fn regression_pack_replaced_the_package_when_the_manifest_could_not_be_written() {
    let tmp = workspace();
    let d = tmp.path();
    let old = read(&d.join("pkg/offline_install.bin"));
    std::fs::remove_file(d.join("pkg/manifest.json")).unwrap();
    std::fs::create_dir_all(d.join("pkg/manifest.json/blocked")).unwrap();
    let o = repack_pkg(d);
    o.assert_exit(2);
    assert_eq!(
        read(&d.join("pkg/offline_install.bin")),
        old,
        "the old package stays"
    );
    let mut names = crate::common::files_in(&d.join("pkg"));
    names.sort();
    assert_eq!(
        names,
        ["manifest.json", "offline_install.bin"],
        "no temporary file left"
    );
}

#[test]
fn regression_a_git_lfs_pointer_named_elf_was_packed_as_a_raw_image() {
    let tmp = workspace();
    let d = tmp.path();
    put(
        d,
        "lfs.elf",
        b"version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 9\n",
    );
    let o = imgtool(d, &["pack", "--image", "hcpu=lfs.elf", "-o", "o"]);
    o.assert_exit(2);
    assert!(
        o.stderr.contains("lfs.elf: not an ELF file") && o.stderr.contains("git lfs pull"),
        "{}",
        o.text()
    );
    assert!(!d.join("o").exists());
    // An LFS pointer is never firmware, even said explicitly (issue 16 item 6).
    refused(
        d,
        &["pack", "--image", "hcpu:bin=lfs.elf", "-o", "o"],
        "Git LFS pointer",
    );
    // Other bytes named *.elf, said explicitly, are a raw image.
    put(d, "raw.elf", &[0x5a; 600]);
    ok(imgtool(
        d,
        &["pack", "--image", "hcpu:bin=raw.elf", "-o", "o"],
    ));
    // ota.toml says it with format = "bin".
    put(
        d,
        "ota.toml",
        b"[[image]]\nid = \"hcpu\"\npath = \"raw.elf\"\nformat = \"bin\"\n",
    );
    ok(imgtool(d, &["pack", "--config", "ota.toml", "-o", "o2"]));
    put(
        d,
        "bad.toml",
        b"[[image]]\nid = \"hcpu\"\npath = \"data.bin\"\nformat = \"elf\"\n",
    );
    refused(
        d,
        &["pack", "--config", "bad.toml", "-o", "o3"],
        "data.bin: not an ELF file",
    );
}

#[test]
fn regression_a_package_or_an_elf_given_where_an_image_belongs() {
    let tmp = workspace();
    let d = tmp.path();
    refused(
        d,
        &["pack", "--image", "hcpu=pkg/offline_install.bin", "-o", "o"],
        "this is an OTA package",
    );
    let o = imgtool(
        d,
        &[
            "simulate",
            "--layout",
            LAYOUT,
            "pkg/offline_install.bin",
            "--old-app",
            "app.elf",
        ],
    );
    o.assert_exit(2);
    assert!(
        o.stderr.contains("app.elf: this is an ELF file") && o.stderr.contains("imgtool elf2bin"),
        "{}",
        o.text()
    );
}

#[test]
fn regression_pack_sign_wrote_a_package_over_the_download_region() {
    let tmp = workspace();
    let d = tmp.path();
    // The body fits with 10 bytes to spare; the signature trailer does not.
    put(
        d,
        "big.bin",
        &vec![0x5A; DFU_DOWNLOAD_REGION_SIZE - 18 - 10],
    );
    ok(imgtool(
        d,
        &[
            "pack",
            "--layout",
            LAYOUT,
            "--image",
            "hcpu:none=big.bin",
            "-o",
            "plain",
        ],
    ));
    let o = imgtool(
        d,
        &[
            "pack",
            "--layout",
            LAYOUT,
            "--image",
            "hcpu:none=big.bin",
            "--sign",
            "k.pem",
            "-o",
            "signed",
        ],
    );
    o.assert_exit(2);
    assert!(
        o.stderr.contains("the signed package is")
            && o.stderr.contains("body 1179638 + signature trailer")
            && o.stderr.contains("DFU_DOWNLOAD_REGION"),
        "{}",
        o.text()
    );
    assert!(!d.join("signed").exists());
}

#[test]
fn regression_the_signed_manifest_recorded_build_machine_paths() {
    let tmp = workspace();
    let d = tmp.path();
    let abs = format!("hcpu={}", d.join("app.elf").display());
    ok(imgtool(
        d,
        &["pack", "--image", &abs, "--sign", "k.pem", "-o", "a"],
    ));
    std::fs::create_dir(d.join("sub")).unwrap();
    ok(imgtool(
        &d.join("sub"),
        &[
            "pack",
            "--image",
            "hcpu=../app.elf",
            "--sign",
            "../k.pem",
            "-o",
            "../b",
        ],
    ));
    let m = read_text(&d.join("a/manifest.json"));
    assert!(m.contains("\"source\": \"app.elf\""), "{m}");
    assert!(!m.contains(&d.display().to_string()), "{m}");
    // Same inputs from another directory: the same signed bytes.
    assert_eq!(
        read(&d.join("a/offline_install.bin")),
        read(&d.join("b/offline_install.bin"))
    );
}

/// The `sha256 <hex>` that follows `after` in `text`.
fn sha_after(text: &str, after: &str) -> String {
    let at = text
        .find(after)
        .unwrap_or_else(|| panic!("no {after:?} in {text}"));
    text[at + after.len()..].chars().take(64).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn pack_inspect_and_verify_report_the_same_size_and_sha256() {
    let tmp = workspace();
    let d = tmp.path();
    // Unsigned, pack prints the body digest it made for the manifest (no second hash).
    let u = pack_app(d, "u");
    let unsigned = read(&d.join("u/offline_install.bin"));
    assert_eq!(
        sha_after(&u.stdout, "bytes, sha256 "),
        sha256_hex(&unsigned)
    );
    let p = ok(imgtool(
        d,
        &[
            "pack",
            "--layout",
            LAYOUT,
            "--image",
            "hcpu=app.elf",
            "--sign",
            "k.pem",
            "-o",
            "s",
        ],
    ));
    let bytes = read(&d.join("s/offline_install.bin"));
    let file_sha = sha256_hex(&bytes);
    assert_eq!(sha_after(&p.stdout, "bytes, sha256 "), file_sha);
    assert!(
        p.stdout.contains(&format!("sha256 {file_sha}")),
        "{}",
        p.stdout
    );
    assert!(
        p.stdout.contains("signed: ed25519, key id "),
        "{}",
        p.stdout
    );
    let used = format!("DFU_DOWNLOAD_REGION: {} of", bytes.len());
    assert!(
        p.stdout.contains(&used),
        "pack counts the trailer: {}",
        p.stdout
    );
    let i = ok(imgtool(
        d,
        &["inspect", "s/offline_install.bin", "--layout", LAYOUT],
    ));
    assert!(
        i.stdout.contains(&format!("sha256 {file_sha}")),
        "{}",
        i.stdout
    );
    assert!(
        i.stdout.contains(&format!("{} bytes", bytes.len())),
        "{}",
        i.stdout
    );
    let v = ok(imgtool(
        d,
        &["verify", "s/offline_install.bin", "--layout", LAYOUT],
    ));
    assert!(
        v.stdout.contains(&format!(
            "1 image, {} bytes, sha256 {file_sha}",
            bytes.len()
        )),
        "{}",
        v.stdout
    );
    assert!(
        !v.stdout.contains("follow the last payload"),
        "no note for the known trailer: {}",
        v.stdout
    );
}

#[test]
fn key_files_that_are_not_pem_say_what_they_are() {
    let tmp = workspace();
    let d = tmp.path();
    put(d, "empty.pem", b"");
    put(d, "noise.pem", &[0x8f, 0x01, 0xff, 0x00, 0x12]);
    put(d, "key.der", &[0x30, 0x2e, 0x02, 0x01, 0x00]);
    for (file, says) in [
        ("empty.pem", "not a PEM key: the file is empty"),
        ("noise.pem", "not a PEM key: no -----BEGIN line"),
        (
            "key.der",
            "binary DER key; convert it with `openssl pkey -inform DER",
        ),
    ] {
        let o = imgtool(d, &["getpub", file]);
        o.assert_exit(2);
        assert!(o.stderr.contains(says), "{file}: {}", o.text());
        let o = imgtool(
            d,
            &["pack", "--image", "hcpu=app.elf", "--sign", file, "-o", "o"],
        );
        assert!(o.stderr.contains(says), "{file}: {}", o.text());
        let o = imgtool(d, &["verify", "pkg/offline_install.bin", "--key", file]);
        o.assert_exit(2);
        assert!(
            o.stderr.contains(says) || o.stdout.contains(says),
            "{file}: {}",
            o.text()
        );
    }
}

#[test]
fn regression_an_rfc1952_gz_file_given_to_decompress_gzip() {
    use std::io::Write;
    let tmp = workspace();
    let d = tmp.path();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&[7; 1000]).unwrap();
    put(d, "data.gz", &gz.finish().unwrap());
    refused(
        d,
        &["decompress", "--mode", "gzip", "data.gz", "-o", "x"],
        "this is a .gz file, RFC 1952",
    );
}

#[test]
fn regression_the_example_folder_shadowed_the_bundled_layout_name() {
    // testdata/examples/ holds a folder named after the board; the name still means the
    // bundled layout there.
    let o = imgtool_env(&testdata("examples"), &["layout", "show", LAYOUT], &[]);
    o.assert_exit(0);
    assert!(
        o.stdout.contains("layout sf32lb52x-eh-lb523"),
        "{}",
        o.text()
    );
}

#[test]
fn messages_use_no_rust_range_syntax() {
    let tmp = workspace();
    let d = tmp.path();
    let o = ok(imgtool(d, &["elf2bin", "app.elf", "-o", "app.bin"]));
    let o2 = imgtool(
        d,
        &[
            "pack",
            "--layout",
            LAYOUT,
            "--image",
            "hcpu=dfu.elf",
            "-o",
            "o",
        ],
    );
    for text in [o.text(), o2.text()] {
        assert!(!text.contains(".."), "{text}");
    }
}

/// Hidden temporary files (`.tmpXXXXXX`) in `dir`.
fn temp_files(dir: &std::path::Path) -> Vec<String> {
    crate::common::files_in(dir)
        .into_iter()
        .filter(|n| n.starts_with(".tmp"))
        .collect()
}

#[cfg(unix)]
#[test]
fn issue16_5_a_failing_device_output_replaces_nothing() {
    let tmp = workspace();
    let d = tmp.path();
    let old = read(&d.join("pkg/offline_install.bin"));
    std::fs::remove_file(d.join("pkg/manifest.json")).unwrap();
    std::os::unix::fs::symlink("/dev/full", d.join("pkg/manifest.json")).unwrap();
    let o = repack_pkg(d);
    o.assert_exit(2);
    assert!(o.stderr.contains("manifest.json"), "{}", o.text());
    assert_eq!(
        read(&d.join("pkg/offline_install.bin")),
        old,
        "the old package stays"
    );
    assert!(
        temp_files(&d.join("pkg")).is_empty(),
        "no temporary file left"
    );
}

#[cfg(unix)]
#[test]
fn issue16_5_sigterm_while_blocked_on_a_fifo_leaves_the_old_outputs_and_no_temp_file() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = workspace();
    let d = tmp.path();
    let old = read(&d.join("pkg/offline_install.bin"));
    std::fs::remove_file(d.join("pkg/manifest.json")).unwrap();
    mkfifo(&d.join("pkg/manifest.json"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_imgtool"))
        .args([
            "pack",
            "--layout",
            LAYOUT,
            "--image",
            "hcpu=app.elf",
            "--image",
            "dfu=dfu.elf",
        ])
        .args(["-o", "pkg"])
        .current_dir(d)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Blocked opening the FIFO (no reader) with the package's temporary file complete.
    let start = std::time::Instant::now();
    while temp_files(&d.join("pkg")).is_empty() {
        assert!(
            start.elapsed().as_secs() < 30,
            "pack never staged its package"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "pack ended without a reader"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "pack did not block on the FIFO"
    );
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "ended by SIGTERM: {status:?}");
    assert!(
        temp_files(&d.join("pkg")).is_empty(),
        "temporary files removed"
    );
    assert_eq!(
        read(&d.join("pkg/offline_install.bin")),
        old,
        "the old package stays"
    );
}

#[test]
fn issue16_6_a_git_lfs_pointer_is_refused_for_every_image_input() {
    let tmp = workspace();
    let d = tmp.path();
    let pointer = b"version https://git-lfs.github.com/spec/v1\n\
        oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n\
        size 1048576\n";
    put(d, "lfs.bin", pointer);
    put(d, "hcpu.bin", pointer);
    put(d, "app_lfs.elf", pointer);
    for f in ["s01.bin", "sig_pri.pem"] {
        std::fs::copy(testdata("secure/keys/sifli02").join(f), d.join(f)).unwrap();
    }
    let cases: &[&[&str]] = &[
        &["pack", "--image", "hcpu=lfs.bin", "-o", "o1"],
        &["pack", "--image", "hcpu:bin=lfs.bin", "-o", "o2"],
        &[
            "pack",
            "--layout",
            LAYOUT,
            "--image",
            "hcpu=lfs.bin",
            "-o",
            "o3",
        ],
        &["gen-dfu", "--img_para", "hcpu", "16", "0", "-o", "o4"],
        &[
            "gen-dfu",
            "--img_para",
            "hcpu",
            "17",
            "0",
            "--key=s01",
            "--sigkey=sig",
            "--offline_img",
            "0",
            "--dst_dir",
            "o5",
        ],
        &[
            "enc", "--img", "lfs.bin", "--eimg", "o6.bin", "--key", "s01", "--sigkey", "sig",
        ],
    ];
    for args in cases {
        refused(d, args, "Git LFS pointer");
    }
    for out in ["o1", "o2", "o3", "o4", "o5", "o6.bin"] {
        assert!(!d.join(out).exists(), "{out} written");
    }
    refused(
        d,
        &["elf2bin", "app_lfs.elf", "-o", "x.bin"],
        "git lfs pull",
    );
    refused(d, &["elf2bin", "lfs.bin", "-o", "x.bin"], "git lfs pull");
}

#[test]
fn issue16_8_a_record_file_longer_than_its_control_packet_allows_is_not_read() {
    let tmp = workspace();
    let d = tmp.path();
    for f in ["s01.bin", "sig_pri.pem", "sig_pub.pem"] {
        std::fs::copy(testdata("secure/keys/sifli02").join(f), d.join(f)).unwrap();
    }
    put(d, "hcpu.bin", &[0x5a; 5000]);
    ok(imgtool(
        d,
        &[
            "gen-dfu",
            "--img_para",
            "hcpu",
            "16",
            "0",
            "--key=s01",
            "--sigkey=sig",
            "--com_type=1",
            "--offline_img",
            "0",
            "--dst_dir",
            "s",
        ],
    ));
    let record = "out_com_hcpu.bin";
    let check = |cmd: &str, rec: &str| {
        let mut args = vec![cmd, "s/ctrl_packet.bin", "--root-key", "s01.bin"];
        args.extend(["--sig-pub", "sig_pub.pem", "--record", rec]);
        if cmd == "unpack" {
            args.extend(["-o", "u"]);
        }
        imgtool(d, &args)
    };
    let good = format!("0=s/{record}");
    ok(check("verify", &good));
    // The same records with 250 MiB of junk after them (sparse: costs no disk).
    let big = d.join("big.bin");
    std::fs::copy(d.join("s").join(record), &big).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(250 << 20)
        .unwrap();
    for cmd in ["verify", "unpack"] {
        let o = check(cmd, "0=big.bin");
        o.assert_exit(2);
        assert!(
            o.stderr.contains("big.bin")
                && o.stderr.contains("is larger than")
                && o.stderr.contains("from the control packet"),
            "{cmd}: {}",
            o.text()
        );
    }
    assert!(!d.join("u").exists());
}

/// `imgtool inspect PKG | head` closed the pipe under a print: `println!` panicked ("failed
/// printing to stdout: Broken pipe", exit 101). Now the process ends by SIGPIPE, like a C tool.
#[cfg(unix)]
#[test]
fn regression_a_closed_stdout_pipe_panicked_instead_of_ending_by_sigpipe() {
    let tmp = workspace();
    let d = tmp.path();
    // The package arrives after 0.3 s, so imgtool prints only after its reader has closed.
    let script = format!(
        "{{ sleep 0.3; cat pkg/offline_install.bin; }} | {{ '{}' inspect - 2>err; echo $? >status; }} \
         | {{ exec 0<&-; sleep 1; }}",
        env!("CARGO_BIN_EXE_imgtool")
    );
    let ran = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(ran.success());
    let err = read_text(&d.join("err"));
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        read_text(&d.join("status")).trim(),
        "141",
        "ended by SIGPIPE; stderr: {err}"
    );
}
