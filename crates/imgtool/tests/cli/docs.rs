//! docs/release-pipeline.md runs as written: its shell blocks marked `<!-- test: run -->` are
//! run with bash, one shell per block as CI steps are, in a temporary checkout holding the
//! files the page names, with the built `imgtool` first on `PATH`. Blocks marked `network`
//! (KMS, release store) and `toolchain` (the firmware's own build) are not run; `softhsm`
//! blocks run against a fresh SoftHSM2 token `release` holding the checkout's signing key as
//! `fw-signing` (skipped with a message where softhsm2 is missing, a failure under
//! `IMGTOOL_REQUIRE_SOFTHSM=1`), and must sign the same package bytes as the dry run's OpenSSL
//! stand-in. A shell block without
//! a marker fails the test: nothing on the page is silently left untested.

use crate::common::{imgtool, ok, read_text, root, tempdir, testdata};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One fenced block and the `<!-- test: ... -->` marker right above it.
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) marker: Option<String>,
    pub(crate) lang: String,
    pub(crate) text: String,
    pub(crate) line: usize,
}

pub(crate) fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut marker = None;
    let mut lines = doc.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if let Some(m) = line
            .strip_prefix("<!-- test: ")
            .and_then(|m| m.strip_suffix(" -->"))
        {
            marker = Some(m.to_owned());
            continue;
        }
        let Some(lang) = line.strip_prefix("```") else {
            if !line.trim().is_empty() {
                marker = None;
            }
            continue;
        };
        let text: Vec<&str> = lines
            .by_ref()
            .map(|(_, l)| l)
            .take_while(|l| *l != "```")
            .collect();
        out.push(Block {
            marker: marker.take(),
            lang: lang.to_owned(),
            text: text.join("\n") + "\n",
            line: n + 1,
        });
    }
    out
}

fn runs(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok()
}

/// The checkout the page describes: its `file` blocks, the build outputs, the committed
/// public key, a throwaway signing key for the dry run, and the last release (what the
/// page's network step downloads), made from the same ELFs as version 1.3.0.
fn checkout(doc: &[Block], last_key: &Path) -> tempfile::TempDir {
    let d = tempdir();
    let p = d.path();
    for b in doc {
        if let Some(name) = b.marker.as_deref().and_then(|m| m.strip_prefix("file ")) {
            std::fs::write(p.join(name), &b.text).unwrap();
        }
    }
    let ex = testdata("examples/sf32lb52x-eh-lb523");
    std::fs::create_dir_all(p.join("build")).unwrap();
    std::fs::create_dir_all(p.join("keys")).unwrap();
    for f in ["app.elf", "dfu.elf"] {
        std::fs::copy(ex.join(f), p.join("build").join(f)).unwrap();
    }
    let key = testdata("sign/openssl-ed25519.pem");
    std::fs::copy(&key, p.join("signing.pem")).unwrap();
    let public = testdata("sign/openssl-ed25519.pub.pem");
    std::fs::copy(public, p.join("keys/release.pub.pem")).unwrap();
    let last = last_key.to_str().unwrap();
    let args = [
        "pack",
        "--config",
        "ota.toml",
        "--sign",
        last,
        "--version",
        "1.3.0",
    ];
    ok(imgtool(p, &[&args[..], &["-o", "last-release"]].concat()));
    d
}

pub(crate) fn path_with_imgtool() -> std::ffi::OsString {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_imgtool"));
    let mut dirs = vec![bin.parent().unwrap().to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// Runs one block as a CI step: `bash -euo pipefail`, the job's variables set.
fn step(dir: &Path, b: &Block, env: &[(&str, String)]) -> std::process::Output {
    Command::new("bash")
        .args(["-euo", "pipefail", "-c", &b.text])
        .current_dir(dir)
        .env("PATH", path_with_imgtool())
        .env("TAG", "v1.4.0")
        .env("GIT_SHA", "0123456789abcdef")
        .env("SIGNING_KEY", dir.join("signing.pem"))
        .env("PIN_FILE", dir.join("pin"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("bash runs")
}

fn page() -> Vec<Block> {
    blocks(&read_text(&root().join("docs/release-pipeline.md")))
}

/// Runs every `run` block in order; returns the checkout and the last step's output.
fn run_page(doc: &[Block], last_key: &Path) -> (tempfile::TempDir, Option<std::process::Output>) {
    let d = checkout(doc, last_key);
    let mut last = None;
    for b in doc {
        match b.marker.as_deref() {
            Some("run") => {
                let out = step(d.path(), b, &[]);
                if !out.status.success() {
                    return (d, Some(out));
                }
                last = Some(out);
            }
            Some("softhsm") => {
                let Some(out) = hsm_step(d.path(), b) else {
                    continue;
                };
                if !out.status.success() {
                    return (d, Some(out));
                }
            }
            _ => {}
        }
    }
    (d, last)
}

/// Runs the PKCS#11 step against a fresh SoftHSM2 token `release` holding the checkout's
/// signing key as `fw-signing`, its PIN in `$PIN_FILE`; keeps what it wrote as `out-hsm/` so
/// the dry run's steps start from the same state. `None` where softhsm2 is not installed.
fn hsm_step(dir: &Path, b: &Block) -> Option<std::process::Output> {
    let h = crate::hsm::softhsm()?;
    h.init_token("release");
    h.import("release", &dir.join("signing.pem"), "fw-signing", "01");
    std::fs::write(dir.join("pin"), format!("{}\n", crate::hsm::PIN)).unwrap();
    let out = step(dir, b, &[("SOFTHSM2_CONF", h.conf())]);
    if out.status.success() {
        std::fs::rename(dir.join("out"), dir.join("out-hsm")).unwrap();
    }
    Some(out)
}

fn have_tools() -> bool {
    for tool in ["bash", "openssl"] {
        if !runs(tool) {
            eprintln!("SKIPPED release_pipeline_doc_runs: cannot run {tool}");
            return false;
        }
    }
    true
}

#[test]
fn release_pipeline_doc_marks_every_shell_block() {
    let doc = page();
    let known = ["run", "softhsm", "network", "toolchain"];
    for b in doc.iter().filter(|b| b.lang == "sh") {
        let m = b.marker.as_deref().unwrap_or("(none)");
        assert!(
            known.contains(&m),
            "docs/release-pipeline.md:{}: shell block marked {m}; mark it <!-- test: X --> \
             with X one of {known:?}",
            b.line
        );
    }
    let count = |m: &str| {
        doc.iter()
            .filter(|b| b.marker.as_deref() == Some(m))
            .count()
    };
    assert!(count("run") >= 3, "the pack, verify and diff steps run");
    assert_eq!(count("softhsm"), 1, "one PKCS#11 step");
    assert!(
        count("network") >= 3,
        "KMS, fetch and publish need a network"
    );
    let hsm = doc.iter().find(|b| b.marker.as_deref() == Some("softhsm"));
    let hsm = &hsm.unwrap().text;
    for s in [
        "pkcs11:token=release;object=fw-signing",
        "--pkcs11-module",
        "--pin-file",
    ] {
        assert!(hsm.contains(s), "the HSM step lacks {s}");
    }
}

#[test]
fn release_pipeline_doc_runs() {
    if !have_tools() {
        return;
    }
    let doc = page();
    let (d, last) = run_page(&doc, &testdata("sign/openssl-ed25519.pem"));
    let last = last.expect("the page has run blocks");
    assert!(
        last.status.success(),
        "a step failed:\n{}{}",
        String::from_utf8_lossy(&last.stdout),
        String::from_utf8_lossy(&last.stderr)
    );
    let p = d.path();
    // The pipeline's products: a package signed with the release key, and its diff.
    let pkg = "out/offline_install.bin";
    let verify = [
        "verify",
        pkg,
        "--key",
        "keys/release.pub.pem",
        "--require-signature",
    ];
    ok(imgtool(p, &verify));
    let diff = read_text(&p.join("out/diff.txt"));
    assert!(diff.contains("manifest.version: 1.3.0 -> 1.4.0"), "{diff}");
    assert!(
        diff.contains("manifest.build_id: (none) -> 0123456789abcdef"),
        "{diff}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&read_text(&p.join("out/diff.json"))).unwrap();
    assert_eq!(json["identical"], false);
    // The HSM step signed with the same key in a token: the same package, byte for byte.
    if crate::hsm::softhsm().is_some() {
        let hsm = std::fs::read(p.join("out-hsm/offline_install.bin")).unwrap();
        assert!(
            hsm == std::fs::read(p.join(pkg)).unwrap(),
            "the PKCS#11 step signed other bytes than the key file"
        );
    }
}

#[test]
fn release_pipeline_doc_stops_a_release_signed_with_another_key() {
    if !have_tools() {
        return;
    }
    // The last release was signed with another key: the page's diff step must fail the job.
    let (_d, last) = run_page(&page(), &testdata("sign/openssl-ed25519-b.pem"));
    let out = last.expect("a step ran");
    assert!(!out.status.success(), "the job went on");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the signing key changed since the last release"),
        "{err}"
    );
}
