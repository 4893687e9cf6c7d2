//! Layout crate integration tests: ptab import goldens (the bundled layouts), error fixtures,
//! show/export goldens, round trips. `IMGTOOL_BLESS=1` regenerates the golden files.

use layout::ptab::{self, ImportError, ImportOptions};
use layout::{ImageId, Layout, LayoutError};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bless() -> bool {
    std::env::var_os("IMGTOOL_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the golden file, or rewrites it under `IMGTOOL_BLESS=1`.
fn golden(path: &Path, actual: &str) {
    if bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with IMGTOOL_BLESS=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{} differs (IMGTOOL_BLESS=1 regenerates it)",
        path.display()
    );
}

/// (ptab file in testdata/ptab, bundled layout name)
const BOARDS: &[(&str, &str)] = &[
    ("eh-lb523.json", "sf32lb52x-eh-lb523"),
    ("eh-lb525.json", "sf32lb52x-eh-lb525"),
    ("eh-lb561.json", "sf32lb56x-eh-lb561"),
    ("sf32lb52-lcd_n16r8.json", "sf32lb52x-lcd_n16r8"),
];

fn import_board(file: &str, name: &str) -> Layout {
    let json = std::fs::read_to_string(root().join("testdata/ptab").join(file)).unwrap();
    let opts = ImportOptions {
        description: Some(ptab::source_description(file)),
        ..Default::default()
    };
    ptab::import(name, &json, &opts).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn importing_each_vendored_ptab_equals_the_bundled_layout() {
    for (file, name) in BOARDS {
        let l = import_board(file, name);
        golden(
            &root().join("layouts").join(format!("{name}.toml")),
            &l.to_toml_string(),
        );
    }
}
