//! Every command, given `/dev/zero` or a 200 MiB file as each of its inputs, stops with a clear
//! error naming the file (and, where the size is the problem, the limit), exits non-zero,
//! writes nothing, and keeps its peak memory under the program's own peak (measured first)
//! plus twice the limit of that kind of input plus 12 MiB of slack.
//!
//! A test binary of its own with one test: the peak is measured with
//! `getrusage(RUSAGE_CHILDREN)`, the largest peak RSS of all children of this process so far,
//! so no other test may spawn children meanwhile. The cases run in order of rising limit and
//! the bound is checked after each group, so every group is held to its own bound.
//!
//! The 200 MiB file is sparse: refusing it from its size must not read it, and a command that
//! streams it (elf2bin reads only the ELF header) reads a few bytes.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MIB: u64 = 1 << 20;
/// Room above the program's own peak (measured first, on a command that reads nothing) for
/// the setup commands' and the readers' small buffers and threads.
const SLACK: u64 = 12 * MIB;
const LAYOUT: &str = "sf32lb52x-eh-lb523";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs imgtool in `dir`; returns (exit code, stdout + stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_imgtool"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run imgtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{args:?}: killed by a signal: {text}"));
    (code, text)
}

fn children_peak_rss() -> u64 {
    use nix::sys::resource::{getrusage, UsageWho};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    // Linux reports ru_maxrss in KiB.
    u64::try_from(usage.max_rss()).unwrap_or(0) * 1024
}

/// One command that must be refused: its arguments and a text its message must hold.
struct Case<'a> {
    args: Vec<&'a str>,
    expect: &'a str,
}

fn case<'a>(args: &[&'a str], expect: &'a str) -> Case<'a> {
    Case {
        args: args.to_vec(),
        expect,
    }
}

/// Runs every case, then checks the peak of all children against
/// `base + 2 * limit + SLACK`, `base` being the program's peak when it reads nothing.
fn group(dir: &Path, base: u64, limit: u64, cases: &[Case<'_>]) {
    for c in cases {
        let (code, text) = run(dir, &c.args);
        assert!(code == 1 || code == 2, "{:?}: exit {code}: {text}", c.args);
        assert!(
            text.contains(c.expect),
            "{:?}: expected {:?} in: {text}",
            c.args,
            c.expect
        );
        assert!(!text.contains("panicked"), "{:?}: {text}", c.args);
    }
    let peak = children_peak_rss();
    let bound = base + 2 * limit + SLACK;
    assert!(
        peak < bound,
        "peak RSS {} MiB is over the bound {} MiB (limit {} MiB)",
        peak / MIB,
        bound / MIB,
        limit / MIB
    );
    eprintln!(
        "limit {:>3} MiB: {} commands, peak RSS of all so far {} MiB (bound {} MiB)",
        limit / MIB,
        cases.len(),
        peak / MIB,
        bound / MIB
    );
}

/// What the cases need: the example ELFs, a package, an unsigned package, a key pair, the
/// 200 MiB sparse file and a gen-dfu directory whose images are /dev/zero and the big file.
fn setup(dir: &Path) {
    let example = repo().join("testdata/examples/sf32lb52x-eh-lb523");
    for f in ["app.elf", "dfu.elf", "ota.toml"] {
        std::fs::copy(example.join(f), dir.join(f)).unwrap();
    }
    let big = std::fs::File::create(dir.join("big.bin")).unwrap();
    big.set_len(200 * MIB).unwrap();
    let ok = |args: &[&str]| {
        let (code, text) = run(dir, args);
        assert_eq!(code, 0, "{args:?}: {text}");
    };
    ok(&["pack", "--config", "ota.toml", "-o", "pkg"]);
    ok(&[
        "pack",
        "--config",
        "ota.toml",
        "--unsigned",
        "-o",
        "unsigned",
    ]);
    ok(&["keygen", "-o", "k.pem"]);
    ok(&["getpub", "k.pem", "-o", "pub.pem"]);
    let keys = repo().join("testdata/secure/keys/sifli02");
    for f in ["s01.bin", "sig_pri.pem", "sig_pub.pem"] {
        std::fs::copy(keys.join(f), dir.join(f)).unwrap();
    }
    for (sub, target) in [
        ("zero", Path::new("/dev/zero")),
        ("big", &dir.join("big.bin")),
    ] {
        std::fs::create_dir(dir.join(sub)).unwrap();
        std::os::unix::fs::symlink(target, dir.join(sub).join("hcpu.bin")).unwrap();
    }
}

#[test]
fn every_input_is_read_with_a_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // The first child: its peak is the program itself (code, threads, allocator).
    assert_eq!(run(d, &["layout", "list"]).0, 0);
    let base = children_peak_rss();
    eprintln!("program alone: peak RSS {} MiB", base / MIB);
    setup(d);
    const ZERO: &str = "/dev/zero: more than";
    const BIG: &str = "big.bin: 200 MiB (209715200 bytes) is larger than";

    // Keys, signatures, configs, layouts and ptab files: 1 MiB.
    group(
        d,
        base,
        MIB,
        &[
            case(&["layout", "import", "/dev/zero", "-o", "l.toml"], ZERO),
            case(&["layout", "import", "big.bin", "-o", "l.toml"], BIG),
            case(&["layout", "show", "/dev/zero"], ZERO),
            case(&["layout", "export", "big.bin", "--c-header", "h.h"], BIG),
            case(&["pack", "--config", "/dev/zero", "-o", "o"], ZERO),
            case(&["pack", "--config", "big.bin", "-o", "o"], BIG),
            case(
                &[
                    "pack",
                    "--layout",
                    "/dev/zero",
                    "--image",
                    "hcpu=app.elf",
                    "-o",
                    "o",
                ],
                ZERO,
            ),
            case(
                &[
                    "pack",
                    "--image",
                    "hcpu=app.elf",
                    "--sign",
                    "/dev/zero",
                    "-o",
                    "o",
                ],
                ZERO,
            ),
            case(
                &[
                    "pack",
                    "--image",
                    "hcpu=app.elf",
                    "--sign",
                    "big.bin",
                    "-o",
                    "o",
                ],
                BIG,
            ),
            case(
                &[
                    "pack",
                    "--image",
                    "hcpu=app.elf",
                    "--sign-command",
                    "cat",
                    "--sign-pub",
                    "/dev/zero",
                    "-o",
                    "o",
                ],
                ZERO,
            ),
            case(&["getpub", "/dev/zero"], ZERO),
            case(&["ftab", "show", "/dev/zero"], ZERO),
            case(&["ftab", "show", "big.bin"], BIG),
            case(
                &[
                    "ftab",
                    "build",
                    "--layout",
                    LAYOUT,
                    "--sig-pub",
                    "/dev/zero",
                    "-o",
                    "f.bin",
                ],
                ZERO,
            ),
            case(&["getpub", "big.bin"], BIG),
            case(
                &["verify", "pkg/offline_install.bin", "--key", "/dev/zero"],
                ZERO,
            ),
            case(
                &[
                    "attach-signature",
                    "unsigned/offline_install.bin",
                    "--sig",
                    "/dev/zero",
                    "--pub",
                    "pub.pem",
                    "-o",
                    "s.bin",
                ],
                ZERO,
            ),
            case(
                &[
                    "attach-signature",
                    "unsigned/offline_install.bin",
                    "--sig",
                    "big.bin",
                    "--pub",
                    "pub.pem",
                    "-o",
                    "s.bin",
                ],
                BIG,
            ),
        ],
    );

    // Images and compressed streams: 64 MiB (less where a layout gives the region's size).
    group(
        d,
        base,
        64 * MIB,
        &[
            case(&["elf2bin", "/dev/zero", "-o", "x.bin"], ZERO),
            case(
                &[
                    "enc",
                    "--img",
                    "/dev/zero",
                    "--eimg",
                    "e.bin",
                    "--key",
                    "s01",
                    "--sigkey",
                    "sig",
                ],
                ZERO,
            ),
            case(
                &[
                    "enc", "--img", "big.bin", "--eimg", "e.bin", "--key", "s01", "--sigkey", "sig",
                ],
                BIG,
            ),
            case(&["elf2bin", "big.bin", "-o", "x.bin"], "not an ELF"),
            case(
                &["compress", "--mode", "gzip", "/dev/zero", "-o", "x.gz"],
                ZERO,
            ),
            case(
                &["compress", "--mode", "gzip", "big.bin", "-o", "x.gz"],
                BIG,
            ),
            case(
                &["decompress", "--mode", "zlib", "/dev/zero", "-o", "x"],
                ZERO,
            ),
            case(&["decompress", "--mode", "zlib", "big.bin", "-o", "x"], BIG),
            case(&["pack", "--image", "hcpu=/dev/zero", "-o", "o"], ZERO),
            case(&["pack", "--image", "hcpu=big.bin", "-o", "o"], BIG),
            case(
                &["pack", "--image", "hcpu:elf=/dev/zero", "-o", "o"],
                "not an ELF",
            ),
            case(
                &[
                    "pack",
                    "--layout",
                    LAYOUT,
                    "--image",
                    "hcpu=big.bin",
                    "-o",
                    "o",
                ],
                "refused from the file size",
            ),
            case(
                &[
                    "gen-dfu",
                    "--img_para",
                    "hcpu",
                    "16",
                    "0",
                    "--dir",
                    "zero",
                    "-o",
                    "o",
                ],
                "hcpu.bin: more than",
            ),
            case(
                &[
                    "gen-dfu",
                    "--img_para",
                    "hcpu",
                    "16",
                    "0",
                    "--dir",
                    "big",
                    "-o",
                    "o",
                ],
                "is larger than",
            ),
            case(
                &[
                    "simulate",
                    "--layout",
                    LAYOUT,
                    "pkg/offline_install.bin",
                    "--old-app",
                    "/dev/zero",
                ],
                ZERO,
            ),
            case(
                &[
                    "simulate",
                    "--layout",
                    LAYOUT,
                    "pkg/offline_install.bin",
                    "--old-dfu",
                    "big.bin",
                ],
                BIG,
            ),
        ],
    );

    // Packages: 256 MiB without a layout, the download region with one.
    group(
        d,
        base,
        256 * MIB,
        &[
            case(&["inspect", "/dev/zero"], ZERO),
            case(&["inspect", "big.bin", "--layout", LAYOUT], BIG),
            case(&["verify", "/dev/zero"], ZERO),
            case(&["verify", "big.bin", "--layout", LAYOUT], BIG),
            case(&["unpack", "/dev/zero", "-o", "u"], ZERO),
            case(&["digest", "/dev/zero", "-o", "m.bin"], ZERO),
            case(
                &[
                    "dec",
                    "--eimg",
                    "/dev/zero",
                    "--img",
                    "p.bin",
                    "--key",
                    "s01",
                    "--sigkey",
                    "sig",
                ],
                ZERO,
            ),
            case(
                &[
                    "attach-signature",
                    "/dev/zero",
                    "--sig",
                    "k.pem",
                    "--pub",
                    "pub.pem",
                    "-o",
                    "s",
                ],
                ZERO,
            ),
            case(&["simulate", "--layout", LAYOUT, "/dev/zero"], ZERO),
            case(&["simulate", "--layout", LAYOUT, "big.bin"], BIG),
        ],
    );
    for never in [
        "f.bin", "e.bin", "p.bin", "l.toml", "h.h", "o", "x.bin", "x.gz", "x", "u", "m.bin", "s",
        "s.bin",
    ] {
        assert!(
            !d.join(never).exists(),
            "{never} was written by a refused command"
        );
    }
}
