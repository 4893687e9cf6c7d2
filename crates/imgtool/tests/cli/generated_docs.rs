//! `imgtool completions` and `imgtool man`: generated from clap's command tree, so they are
//! checked against a walk of the same tree (`imgtool::cli::command()`): every subcommand, at
//! every depth, must be in every completion script and have its man page.

use crate::common::{files_in, imgtool, imgtool_stdin, ok, read_text, tempdir};
use std::path::Path;

/// Every subcommand as a path of names (`["layout", "show"]`), parents before children.
fn subcommands(cmd: &clap::Command, path: &[String], out: &mut Vec<Vec<String>>) {
    for s in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut p = path.to_vec();
        p.push(s.get_name().to_owned());
        out.push(p.clone());
        subcommands(s, &p, out);
    }
}

fn all_subcommands() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    subcommands(&imgtool::cli::command(), &[], &mut out);
    assert!(out.len() > 20, "the walk found only {out:?}");
    out
}

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];

#[test]
fn every_completion_script_names_every_subcommand() {
    let subs = all_subcommands();
    for shell in SHELLS {
        let r = ok(imgtool(Path::new("."), &["completions", shell]));
        for path in &subs {
            let name = path.last().unwrap();
            assert!(
                r.stdout.contains(name.as_str()),
                "{shell} completion lacks `imgtool {}`",
                path.join(" ")
            );
        }
        // Options too (fish writes `-l root-key`, the others `--root-key`).
        assert!(r.stdout.contains("root-key"), "{shell}: no options");
    }
}

#[test]
fn bash_completion_passes_bash_n_and_completes() {
    let d = tempdir();
    let r = ok(imgtool(d.path(), &["completions", "bash"]));
    std::fs::write(d.path().join("imgtool.bash"), &r.stdout).unwrap();
    let syntax = std::process::Command::new("bash")
        .args(["-n", "imgtool.bash"])
        .current_dir(d.path())
        .output()
        .expect("bash runs");
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // The script works, not just parses: `imgtool la<TAB>` and `imgtool layout <TAB>`.
    let complete = |words: &str| {
        let script = format!(
            "source ./imgtool.bash; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _imgtool imgtool \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             echo \"${{COMPREPLY[@]}}\""
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &script])
            .current_dir(d.path())
            .output()
            .expect("bash runs");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete("imgtool la").trim(), "layout");
    let layout = complete("imgtool layout ''");
    for sub in ["import", "show", "export", "list"] {
        assert!(layout.split_whitespace().any(|w| w == sub), "{layout}");
    }
    let diff = complete("imgtool diff --js");
    assert_eq!(diff.trim(), "--json");
}

#[test]
fn man_writes_one_page_per_subcommand_and_the_overview() {
    let d = tempdir();
    let r = ok(imgtool(d.path(), &["man", "-o", "pages"]));
    assert!(r.stdout.starts_with("wrote "), "{}", r.stdout);
    let mut want: Vec<String> = all_subcommands()
        .iter()
        .map(|p| format!("imgtool-{}.1", p.join("-")))
        .collect();
    want.push("imgtool.1".into());
    want.sort();
    let mut got = files_in(&d.path().join("pages"));
    got.sort();
    assert_eq!(got, want);
    let overview = read_text(&d.path().join("pages/imgtool.1"));
    for path in all_subcommands().iter().filter(|p| p.len() == 1) {
        assert!(
            overview.contains(&format!("imgtool\\-{}(1)", path[0].replace('-', "\\-"))),
            "imgtool.1 does not list {}",
            path[0]
        );
    }
    for path in all_subcommands() {
        let page = read_text(&d.path().join(format!("pages/imgtool-{}.1", path.join("-"))));
        let title = format!(".TH imgtool-{} 1", path.join("-"));
        assert!(page.contains(&title), "{title}: {page}");
        assert!(page.contains("imgtool 0."), "no version in {title}");
    }
    let diff = read_text(&d.path().join("pages/imgtool-diff.1"));
    assert!(diff.contains("0 identical, 1 different, 2 error"), "{diff}");
    // Without -o: the overview on standard output, the same bytes.
    let r = ok(imgtool_stdin(d.path(), &["man"], b""));
    assert_eq!(r.stdout, overview);
}

#[test]
fn man_refuses_a_file_as_its_directory_and_writes_nothing() {
    let d = tempdir();
    std::fs::write(d.path().join("pages"), b"not a dir").unwrap();
    let r = imgtool(d.path(), &["man", "-o", "pages"]);
    r.assert_exit(2);
    assert_eq!(std::fs::read(d.path().join("pages")).unwrap(), b"not a dir");
}
