//! docs/send.md's end-to-end walkthrough runs as written: each shell block marked
//! `<!-- test: run -->` runs with bash in a temporary checkout (the bundled example, the SDK's
//! development keys, and `out/` from the README's first command), the built `imgtool` first on
//! `PATH`. Only the fixed ports are swapped for free ones, so parallel tests cannot collide.

use crate::common::{imgtool, ok, read, read_text, root, tempdir, testdata};
use crate::docs::{blocks, path_with_imgtool};
use std::path::Path;
use std::process::Command;

const EXAMPLE: &str = "examples/sf32lb52x-eh-lb523";
const KEYS: &str = "secure/keys/sifli02";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The repository as the walkthrough sees it after the README's first command.
fn checkout() -> tempfile::TempDir {
    let d = tempdir();
    for rel in [EXAMPLE, KEYS] {
        copy_dir(&testdata(rel), &d.path().join("testdata").join(rel));
    }
    let config = format!("testdata/{EXAMPLE}/ota.toml");
    ok(imgtool(
        d.path(),
        &["pack", "--config", &config, "-o", "out"],
    ));
    d
}

fn free_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// Runs one block as a user would paste it; a background device left behind by a failed step
/// is killed, so a failure is reported instead of waiting on its open output.
fn run(dir: &Path, text: &str) -> std::process::Output {
    let mut script = String::from("trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n");
    script.push_str(text);
    for port in ["127.0.0.1:7878", "127.0.0.1:7879"] {
        script = script.replace(port, &free_port());
    }
    Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir)
        .env("PATH", path_with_imgtool())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("bash runs")
}

#[test]
fn send_doc_walkthrough_runs_a_whole_ota_against_the_simulator() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("SKIPPED send_doc_walkthrough: cannot run bash");
        return;
    }
    let doc = blocks(&read_text(&root().join("docs/send.md")));
    let steps: Vec<_> = doc
        .iter()
        .filter(|b| b.marker.as_deref() == Some("run"))
        .collect();
    assert_eq!(steps.len(), 2, "the package and the secure walkthrough");
    let d = checkout();
    let p = d.path();
    for b in &steps {
        let out = run(p, &b.text);
        assert!(
            out.status.success(),
            "docs/send.md:{}: the block failed:\n{}{}",
            b.line,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // What the blocks' cmp lines check, checked here too: a cmp dropped from the page must
    // not let a wrong install pass.
    for f in ["0-hcpu.bin", "6-ota-manager.bin"] {
        assert_eq!(
            read(&p.join("sim").join(f)),
            read(&p.join("unpacked").join(f)),
            "{f}"
        );
    }
    let s = p.join("secure");
    assert_eq!(read(&s.join("sim/0-hcpu.bin")), read(&s.join("hcpu.bin")));
    let mut res = read(&s.join("res.bin"));
    res.resize(res.len().next_multiple_of(16), 0);
    assert_eq!(
        read(&s.join("sim/3-res.bin")),
        res,
        "res.bin padded to 16 bytes"
    );
}
