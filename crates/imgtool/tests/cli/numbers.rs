//! One number rule for every numeric option (issue 18): decimal or `0x` hex, `_` separators,
//! no sign, refused past the option's type. Checked on clap's own parser (no command runs),
//! so each flag kind is seen to accept and refuse the very same strings.

use clap::error::ErrorKind;

/// `(command line up to the flag, flag, largest value)`: one flag of each kind and width.
const FLAGS: &[(&[&str], &str, u64)] = &[
    (&["elf2bin", "a.elf", "-o", "x"], "--fill", 0xff),
    (
        &["pack", "--image", "hcpu=a.elf", "-o", "out"],
        "--pksize",
        0xffff_ffff,
    ),
    (
        &["gen-dfu", "--img_para", "a", "16", "0"],
        "--com_type",
        0xff,
    ),
    (
        &["gen-dfu", "--img_para", "a", "16", "0"],
        "--offline_img",
        0xff,
    ),
    (
        &["gen-dfu", "--img_para", "a", "16", "0"],
        "--pksize",
        0xffff_ffff,
    ),
    (&["gen-dfu", "--img_para", "a", "16", "0"], "--flags", 0xff),
    (
        &["gen-dfu", "--img_para", "a", "16", "0"],
        "--bksize",
        0xffff,
    ),
    (&["gen-dfu", "--img_para", "a", "16", "0"], "--dfu_id", 0xff),
    (
        &["gen-dfu", "--img_para", "a", "16", "0"],
        "--hw_ver",
        0xffff_ffff,
    ),
    (&["gen-dfu", "--img_para", "a", "16", "0"], "--align", 0xff),
    (
        &["enc", "--img", "a.bin", "--eimg", "b.bin"],
        "--bksize",
        0xffff,
    ),
    (
        &["enc", "--img", "a.bin", "--eimg", "b.bin"],
        "--flags",
        0xffff,
    ),
    (
        &["simulate", "p.bin", "--layout", "x"],
        "--max-ops",
        u64::MAX,
    ),
    (
        &["ftab", "build", "--layout", "x", "-o", "f.bin"],
        "--length=main",
        0xffff_ffff,
    ),
];

/// Strings every numeric option treats alike, the width aside.
const SAMPLES: &[&str] = &[
    "16", "0x10", "0X10", "1_6", "0x0_10", "0", "", "0x", "+16", "-1", "1.5", "ten", "16k", "0b1",
    "0x1g",
];

fn accepted(prefix: &[&str], flag: &str, value: &str) -> bool {
    let mut argv = vec!["imgtool".to_string()];
    argv.extend(prefix.iter().map(|s| s.to_string()));
    // `--flag=VALUE`: a value such as `-1` is then the flag's, not an option of its own.
    argv.push(format!("{flag}={value}"));
    match imgtool::cli::command().try_get_matches_from(&argv) {
        Ok(_) => true,
        Err(e) if e.kind() == ErrorKind::ValueValidation => false,
        Err(e) => panic!("{argv:?}: not a value error: {e}"),
    }
}

#[test]
fn issue18_every_numeric_option_reads_numbers_alike() {
    for (prefix, flag, max) in FLAGS {
        let mut samples: Vec<String> = SAMPLES.iter().map(|s| s.to_string()).collect();
        // The type's edge, in both notations.
        if *max < u64::MAX {
            samples.extend([
                max.to_string(),
                format!("{max:#x}"),
                (max + 1).to_string(),
                format!("{:#x}", max + 1),
            ]);
        }
        for s in &samples {
            let want = layout::parse_u64(s).is_some_and(|v| v <= *max);
            assert_eq!(
                accepted(prefix, flag, s),
                want,
                "{flag} {s:?}: {}",
                if want { "refused" } else { "accepted" }
            );
        }
    }
}

#[test]
fn issue18_the_rule_is_decimal_or_hex_without_sign() {
    for (s, v) in [
        ("16", 16),
        ("0x10", 16),
        ("0X10", 16),
        ("1_6", 16),
        (" 16 ", 16),
    ] {
        assert_eq!(layout::parse_u64(s), Some(v), "{s:?}");
    }
    for s in ["", "0x", "+16", "-1", "1.5", "ten", "16k", "0b1", "0x1g"] {
        assert_eq!(layout::parse_u64(s), None, "{s:?}");
    }
}
