//! Every writing command, found by walking clap's command tree, against the output paths that
//! used to get past the checks (issue 16, items 1 and 2): a path through a directory that does
//! not exist yet (`nosuch/../k.pem`), and existing private keys in every shape (a PEM key late
//! in a file, DER PKCS#8 and PKCS#1 keys, raw 16/32-byte keys with mode 0600).
//!
//! A command added later fails `issue16_1_every_command_is_classified` until it gets a recipe
//! here (it writes) or is listed as read-only, so it is run through these cases too.

use crate::common::{imgtool, ok, put, read, tempdir, testdata};
use std::path::Path;

const LAYOUT: &str = "sf32lb52x-eh-lb523";

/// Where a recipe's `{OUT}` lands.
#[derive(Clone, Copy)]
enum Out {
    /// `{OUT}` is the file written.
    File,
    /// `{OUT}` is a directory; the command writes this file (among others) into it.
    Dir(&'static str),
}

/// How to run one output option of one writing command successfully in [`workspace`].
struct Recipe {
    /// The subcommand path, e.g. `["layout", "export"]`.
    cmd: &'static [&'static str],
    /// The output option's clap id (`output`, `c_header`, `dst_dir`, ...).
    option: &'static str,
    /// Arguments after the subcommand; `{OUT}` is replaced by the output path under test.
    args: &'static [&'static str],
    out: Out,
    /// An input of the command that `nosuch/../{input}` as the output must not replace.
    input: Option<&'static str>,
}

const fn r(
    cmd: &'static [&'static str],
    option: &'static str,
    args: &'static [&'static str],
    out: Out,
    input: Option<&'static str>,
) -> Recipe {
    Recipe {
        cmd,
        option,
        args,
        out,
        input,
    }
}

/// One recipe per output option of every command that writes files.
const RECIPES: &[Recipe] = &[
    r(
        &["elf2bin"],
        "output",
        &["app.elf", "-o", "{OUT}"],
        Out::File,
        Some("app.elf"),
    ),
    r(
        &["elf2bin"],
        "output",
        &["app.elf", "--layout", LAYOUT, "-o", "{OUT}"],
        Out::Dir("HCPU_FLASH_CODE.bin"),
        None,
    ),
    r(
        &["layout", "import"],
        "output",
        &["ptab.json", "--chip", "SF32LB52x", "-o", "{OUT}"],
        Out::File,
        Some("ptab.json"),
    ),
    r(
        &["layout", "export"],
        "c_header",
        &["board.toml", "--c-header", "{OUT}"],
        Out::File,
        Some("board.toml"),
    ),
    r(
        &["layout", "export"],
        "memory_x",
        &["board.toml", "--memory-x", "{OUT}"],
        Out::File,
        Some("board.toml"),
    ),
    r(
        &["compress"],
        "output",
        &["--mode", "zlib", "data.bin", "-o", "{OUT}"],
        Out::File,
        Some("data.bin"),
    ),
    r(
        &["decompress"],
        "output",
        &["--mode", "zlib", "data.z", "-o", "{OUT}"],
        Out::File,
        Some("data.z"),
    ),
    r(
        &["pack"],
        "output",
        &["--layout", LAYOUT, "--image", "hcpu=app.elf", "-o", "{OUT}"],
        Out::Dir("offline_install.bin"),
        None,
    ),
    r(
        &["pack"],
        "output",
        &["--layout", LAYOUT, "--image", "hcpu=app.elf", "-o", "{OUT}"],
        Out::Dir("manifest.json"),
        None,
    ),
    r(
        &["gen-dfu"],
        "output",
        &["--img_para", "hcpu", "16", "0", "--dir", "g", "-o", "{OUT}"],
        Out::Dir("offline_install.bin"),
        None,
    ),
    r(
        &["gen-dfu"],
        "dst_dir",
        &[
            "--img_para",
            "hcpu",
            "17",
            "0",
            "--key=s01",
            "--sigkey=sig",
            "--com_type=1",
            "--offline_img",
            "0",
            "--dir",
            "g",
            "--dst_dir",
            "{OUT}",
        ],
        Out::Dir("ctrl_packet.bin"),
        None,
    ),
    r(
        &["unpack"],
        "output",
        &["pkg/offline_install.bin", "-o", "{OUT}"],
        Out::Dir("0-hcpu.bin"),
        None,
    ),
    r(
        &["enc"],
        "eimg",
        &[
            "--img", "data.bin", "--eimg", "{OUT}", "--key", "s01", "--sigkey", "sig",
        ],
        Out::File,
        Some("data.bin"),
    ),
    r(
        &["dec"],
        "img",
        &[
            "--eimg", "data.enc", "--img", "{OUT}", "--key", "s01", "--sigkey", "sig",
        ],
        Out::File,
        Some("data.enc"),
    ),
    r(
        &["ftab", "build"],
        "output",
        &[
            "--layout",
            LAYOUT,
            "--sig-pub",
            "sig_pub.pem",
            "-o",
            "{OUT}",
        ],
        Out::File,
        Some("sig_pub.pem"),
    ),
    r(&["keygen"], "output", &["-o", "{OUT}"], Out::File, None),
    r(
        &["keygen"],
        "output",
        &["--type", "root", "-o", "{OUT}"],
        Out::File,
        None,
    ),
    r(
        &["getpub"],
        "output",
        &["k.pem", "-o", "{OUT}"],
        Out::File,
        Some("k.pem"),
    ),
    r(
        &["getpub"],
        "output",
        &["sig_pri.pem", "-o", "{OUT}"],
        Out::File,
        Some("sig_pri.pem"),
    ),
    r(
        &["digest"],
        "output",
        &["unsigned/offline_install.bin", "-o", "{OUT}"],
        Out::File,
        Some("unsigned/offline_install.bin"),
    ),
    r(
        &["attach-signature"],
        "output",
        &[
            "unsigned/offline_install.bin",
            "--sig",
            "sig.bin",
            "--pub",
            "pub.pem",
            "-o",
            "{OUT}",
        ],
        Out::File,
        Some("pub.pem"),
    ),
    r(
        &["man"],
        "output",
        &["-o", "{OUT}"],
        Out::Dir("imgtool.1"),
        None,
    ),
    r(
        &["man"],
        "output",
        &["-o", "{OUT}"],
        Out::Dir("imgtool-pack.1"),
        None,
    ),
    r(
        &["device-sim"],
        "out",
        &[
            "--flow",
            "package",
            "--idle-timeout-ms",
            "1",
            "--out",
            "{OUT}",
        ],
        Out::Dir("report.json"),
        None,
    ),
    r(
        &["device-sim"],
        "report",
        &[
            "--flow",
            "package",
            "--idle-timeout-ms",
            "1",
            "--out",
            "simout",
            "--report",
            "{OUT}",
        ],
        Out::File,
        None,
    ),
    r(
        &["image", "convert"],
        "output",
        &[
            "airplane.png",
            "--format",
            "ezip",
            "--out-bin",
            "-o",
            "{OUT}",
        ],
        Out::Dir("airplane.bin"),
        None,
    ),
    r(
        &["image", "decode"],
        "output",
        &["airplane.bin", "-o", "{OUT}"],
        Out::File,
        Some("airplane.bin"),
    ),
    r(
        &["ezip"],
        "args",
        &[
            "-convert",
            "airplane.png",
            "-rgb565",
            "-cfile",
            "2",
            "-outdir",
            "{OUT}",
        ],
        Out::Dir("airplane.c"),
        None,
    ),
];

/// `getpub --dumpsig STEM` writes `STEM_pub.der` and `STEM_hash.bin`: a stem, not a path, so
/// it has a test of its own below.
const STEM_OUTPUTS: &[(&str, &str)] = &[("getpub", "dumpsig")];

/// Commands that write no file.
const READ_ONLY: &[&[&str]] = &[
    &["inspect"],
    &["verify"],
    &["simulate"],
    &["send"],
    &["layout", "show"],
    &["layout", "list"],
    &["ftab", "show"],
    &["diff"],
    &["completions"],
];

/// Leaf subcommands, as paths of names.
fn leaves(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, clap::Command)>) {
    let subs: Vec<_> = cmd
        .get_subcommands()
        .filter(|s| s.get_name() != "help")
        .collect();
    if subs.is_empty() {
        out.push((path, cmd.clone()));
        return;
    }
    for s in subs {
        let mut p = path.clone();
        p.push(s.get_name().to_string());
        leaves(s, p, out);
    }
}

/// Options that name something the command writes, judged from their help text.
fn output_options(cmd: &clap::Command) -> Vec<String> {
    cmd.get_arguments()
        .filter(|a| a.get_action().takes_values())
        .filter(|a| {
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            let help = help.to_lowercase();
            let values: Vec<_> = a.get_possible_values();
            values.is_empty()
                && (a.get_id() == "output"
                    || help.starts_with("where to write")
                    || help.contains("to write")
                    || help.starts_with("output"))
        })
        .map(|a| a.get_id().to_string())
        .collect()
}

#[test]
fn issue16_1_every_command_is_classified() {
    let mut all = Vec::new();
    leaves(&imgtool::cli::command(), Vec::new(), &mut all);
    assert!(all.len() > 15, "the walk found {} commands", all.len());
    for (path, cmd) in &all {
        let read_only = READ_ONLY.iter().any(|p| p.iter().eq(path.iter()));
        let recipes: Vec<_> = RECIPES
            .iter()
            .filter(|r| r.cmd.iter().eq(path.iter()))
            .collect();
        assert!(
            read_only == recipes.is_empty(),
            "`imgtool {}`: add a recipe to RECIPES (it writes files) or list it in READ_ONLY",
            path.join(" ")
        );
        for option in output_options(cmd) {
            let stem = STEM_OUTPUTS
                .iter()
                .any(|(c, o)| path.len() == 1 && path[0] == *c && option == *o);
            assert!(
                stem || recipes.iter().any(|r| r.option == option),
                "`imgtool {}` writes through --{option}: add a recipe for it",
                path.join(" ")
            );
        }
        for r in &recipes {
            assert!(
                cmd.get_arguments().any(|a| a.get_id() == r.option),
                "recipe option {} is not an option of `imgtool {}`",
                r.option,
                path.join(" ")
            );
        }
    }
}

/// Every kind of input some recipe reads.
fn workspace() -> tempfile::TempDir {
    let tmp = tempdir();
    let d = tmp.path();
    let example = testdata("examples/sf32lb52x-eh-lb523");
    std::fs::copy(example.join("app.elf"), d.join("app.elf")).unwrap();
    std::fs::copy(testdata("ptab/eh-lb523.json"), d.join("ptab.json")).unwrap();
    for f in ["s01.bin", "sig_pri.pem", "sig_pub.pem", "sig_pub.der"] {
        std::fs::copy(testdata("secure/keys/sifli02").join(f), d.join(f)).unwrap();
    }
    let images = testdata("ezip-image");
    std::fs::copy(images.join("png/airplane.png"), d.join("airplane.png")).unwrap();
    let vendor_bin = images.join("ezip-2.0.5/airplane_rgb565_binfile2_default.bin");
    std::fs::copy(vendor_bin, d.join("airplane.bin")).unwrap();
    let run = |args: &[&str]| ok(imgtool(d, args));
    run(&[
        "layout",
        "import",
        "ptab.json",
        "--chip",
        "SF32LB52x",
        "-o",
        "board.toml",
    ]);
    run(&[
        "pack",
        "--layout",
        LAYOUT,
        "--image",
        "hcpu=app.elf",
        "-o",
        "pkg",
    ]);
    run(&[
        "pack",
        "--image",
        "hcpu=app.elf",
        "--unsigned",
        "-o",
        "unsigned",
    ]);
    run(&["keygen", "-o", "k.pem"]);
    run(&["getpub", "k.pem", "-o", "pub.pem"]);
    put(d, "data.bin", &[7; 1000]);
    run(&["compress", "--mode", "zlib", "data.bin", "-o", "data.z"]);
    let enc = ["enc", "--img", "data.bin", "--eimg", "data.enc"];
    run(&[&enc[..], &["--key", "s01", "--sigkey", "sig"]].concat());
    std::fs::create_dir(d.join("g")).unwrap();
    put(&d.join("g"), "hcpu.bin", &[0x5a; 3000]);
    // A real signature of the unsigned package, so attach-signature can succeed.
    run(&["digest", "unsigned/offline_install.bin", "-o", "tbs.bin"]);
    let key = std::fs::read_to_string(d.join("k.pem")).unwrap();
    let key = ed25519_from_pem(&key);
    put(d, "sig.bin", &key.sign(&read(&d.join("tbs.bin"))));
    tmp
}

fn ed25519_from_pem(pem: &str) -> sign::PrivateKey {
    sign::PrivateKey::from_pem(pem, "k.pem").unwrap()
}

fn args_with(r: &Recipe, out: &str) -> Vec<String> {
    let mut v: Vec<String> = r.cmd.iter().map(|s| s.to_string()).collect();
    v.extend(r.args.iter().map(|a| a.replace("{OUT}", out)));
    v
}

fn run(d: &Path, args: &[String]) -> crate::common::Run {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    imgtool(d, &refs)
}

/// The file a recipe writes when `{OUT}` is `out`.
fn written(r: &Recipe, out: &str) -> String {
    match r.out {
        Out::File => out.to_string(),
        Out::Dir(f) => format!("{out}/{f}"),
    }
}

#[test]
fn issue16_1_every_recipe_works_through_a_missing_parent() {
    let tmp = workspace();
    let d = tmp.path();
    for (i, r) in RECIPES.iter().enumerate() {
        // `fresh{i}/nosuch/../out`: only `fresh{i}` is made, the output lands in it.
        let out = format!("fresh{i}/nosuch/../out");
        let o = run(d, &args_with(r, &out));
        assert_eq!(
            o.status.code(),
            Some(0),
            "{:?}: {}",
            args_with(r, &out),
            o.text()
        );
        let target = written(r, &format!("fresh{i}/out"));
        assert!(
            d.join(&target).exists(),
            "{:?} did not write {target}",
            r.cmd
        );
        assert!(!d.join(format!("fresh{i}/nosuch")).exists(), "{:?}", r.cmd);
    }
}

#[test]
fn issue16_1_an_input_behind_a_missing_parent_is_still_the_input() {
    let tmp = workspace();
    let d = tmp.path();
    for r in RECIPES.iter().filter(|r| matches!(r.out, Out::File)) {
        let Some(input) = r.input else { continue };
        let before = read(&d.join(input));
        let o = run(d, &args_with(r, &format!("nosuch/../{input}")));
        o.assert_exit(2);
        assert!(
            o.stderr.contains("is the same file as the input"),
            "{:?}: {}",
            r.cmd,
            o.text()
        );
        assert_eq!(read(&d.join(input)), before, "{:?} changed {input}", r.cmd);
        assert!(!d.join("nosuch").exists(), "{:?} created nosuch/", r.cmd);
    }
}

/// A private key in each shape a file can hold one, with the mode it has on disk.
fn key_victims(d: &Path) -> Vec<(&'static str, Vec<u8>, u32)> {
    let pem = std::fs::read_to_string(d.join("k.pem")).unwrap();
    let mut late = "# a certificate bundle, the key at the end\n"
        .repeat(2000)
        .into_bytes();
    late.extend_from_slice(pem.as_bytes());
    let rsa = std::fs::read_to_string(d.join("sig_pri.pem")).unwrap();
    vec![
        ("a PEM key after 64 KiB", late, 0o644),
        ("a DER PKCS#8 ed25519 key", pem_body(&pem), 0o644),
        ("a DER RSA key", pem_body(&rsa), 0o644),
        ("a raw 32-byte root key", vec![0x11; 32], 0o600),
        ("a raw 16-byte UID", vec![0x22; 16], 0o600),
    ]
}

/// The DER inside a PEM file.
fn pem_body(pem: &str) -> Vec<u8> {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in body.bytes().filter(|&c| c != b'=') {
        acc = (acc << 6) | ABC.iter().position(|&a| a == c).unwrap() as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[cfg(unix)]
#[test]
fn issue16_2_no_writing_command_replaces_a_key_in_any_shape() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = workspace();
    let d = tmp.path();
    let victims = key_victims(d);
    for (i, r) in RECIPES.iter().enumerate() {
        for (j, (what, bytes, mode)) in victims.iter().enumerate() {
            let out = format!("v{i}_{j}");
            let victim = d.join(written(r, &out));
            std::fs::create_dir_all(victim.parent().unwrap()).unwrap();
            std::fs::write(&victim, bytes).unwrap();
            std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(*mode)).unwrap();
            // Through a directory that does not exist, as item 1 found.
            let o = run(d, &args_with(r, &format!("nosuch/../{out}")));
            o.assert_exit(2);
            let said = [
                "holds a private key",
                "looks like a raw key",
                "already exists",
            ];
            assert!(
                said.iter().any(|s| o.stderr.contains(s)),
                "{:?} over {what}: {}",
                r.cmd,
                o.text()
            );
            assert_eq!(&read(&victim), bytes, "{:?} replaced {what}", r.cmd);
            assert!(!d.join("nosuch").exists(), "{:?} created nosuch/", r.cmd);
        }
    }
}

/// Runs imgtool with `stdin` and returns (exit code, raw stdout, stderr).
fn run_raw(d: &Path, args: &[String], stdin: &[u8]) -> (Option<i32>, Vec<u8>, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_imgtool"))
        .args(args)
        .current_dir(d)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    (
        out.status.code(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn issue16_4_dash_is_standard_output_with_nothing_else_on_it() {
    let tmp = workspace();
    let d = tmp.path();
    // keygen and enc draw fresh random keys: their bytes cannot be compared run to run.
    let deterministic = |r: &&Recipe| !matches!(r.cmd, ["keygen"] | ["enc"]);
    for (i, r) in RECIPES
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.out, Out::File))
    {
        let file = format!("stdout{i}.out");
        ok(run(d, &args_with(r, &file)));
        let (code, stdout, stderr) = run_raw(d, &args_with(r, "-"), b"");
        assert_eq!(code, Some(0), "{:?}: {stderr}", r.cmd);
        assert!(!stdout.is_empty(), "{:?} wrote nothing to stdout", r.cmd);
        if deterministic(&r) {
            assert!(
                stdout == read(&d.join(&file)),
                "{:?}: stdout differs from the file ({} vs {} bytes); stderr: {stderr}",
                r.cmd,
                stdout.len(),
                read(&d.join(&file)).len()
            );
        }
        assert!(!d.join("-").exists(), "{:?} wrote a file named -", r.cmd);
    }
}

#[test]
fn issue16_4_dash_is_standard_input_for_every_one_input_command() {
    let tmp = workspace();
    let d = tmp.path();
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // (arguments with the input as `{IN}`, the input file, the output file to compare or "").
    put(d, "big.bin", &noise_bytes(3 << 20));
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["compress", "--mode", "zlib", "{IN}", "-o", "{OUT}"],
            "data.bin",
            "x",
        ),
        // Over the 1 MiB a small input is kept for a second read: handed over, not copied.
        (
            &["compress", "--mode", "zlib", "{IN}", "-o", "{OUT}"],
            "big.bin",
            "x",
        ),
        (
            &["decompress", "--mode", "zlib", "{IN}", "-o", "{OUT}"],
            "data.z",
            "x",
        ),
        (&["elf2bin", "{IN}", "-o", "{OUT}"], "app.elf", "x"),
        (
            &["digest", "{IN}", "-o", "{OUT}"],
            "unsigned/offline_install.bin",
            "x",
        ),
        (&["getpub", "{IN}", "-o", "{OUT}"], "k.pem", "x"),
        (&["getpub", "{IN}", "-o", "{OUT}"], "sig_pri.pem", "x"),
        (&["inspect", "{IN}"], "pkg/offline_install.bin", ""),
        (
            &["verify", "{IN}", "--layout", LAYOUT],
            "pkg/offline_install.bin",
            "",
        ),
    ];
    for (i, (args, input, out)) in cases.iter().enumerate() {
        let with = |inp: &str, o: &str| {
            s(args)
                .into_iter()
                .map(|a| a.replace("{IN}", inp).replace("{OUT}", o))
                .collect::<Vec<_>>()
        };
        let (a, b) = (format!("file{i}.out"), format!("pipe{i}.out"));
        let (code, _, err) = run_raw(d, &with(input, &a), b"");
        assert_eq!(code, Some(0), "{args:?} from the file: {err}");
        let (code, _, err) = run_raw(d, &with("-", &b), &read(&d.join(input)));
        assert_eq!(code, Some(0), "{args:?} from stdin: {err}");
        if !out.is_empty() {
            assert_eq!(read(&d.join(&a)), read(&d.join(&b)), "{args:?}");
        }
    }
}

#[cfg(unix)]
#[test]
fn issue16_2_keygen_writes_through_a_fifo_and_dev_null() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = tempdir();
    let d = tmp.path();
    ok(imgtool(d, &["keygen", "-o", "/dev/null"]));
    let fifo = d.join("key.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    ok(imgtool(d, &["keygen", "-o", "key.fifo"]));
    assert!(reader.join().unwrap().contains("BEGIN PRIVATE KEY"));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

/// Bytes that do not compress much: a multiplicative hash of the offset.
fn noise_bytes(len: usize) -> Vec<u8> {
    (0..len as u64)
        .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8)
        .collect()
}
