//! Options of pack, gen-dfu and enc that were accepted and did nothing (found by an audit of
//! every command's options): each is refused now, naming itself, with nothing written.

use crate::common::{imgtool, ok, put, put_sdk_keys, tempdir, Run};
use std::path::Path;

fn dir_with_inputs() -> tempfile::TempDir {
    let d = tempdir();
    put_sdk_keys(d.path());
    let hcpu: Vec<u8> = (0..6000u32)
        .map(|i| (i % 251) as u8 ^ (i >> 9) as u8)
        .collect();
    put(d.path(), "hcpu.bin", &hcpu);
    put(d.path(), "skey.bin", &[7; 32]);
    d
}

#[track_caller]
fn refused(dir: &Path, args: &[&str], needle: &str, not_written: &str) -> Run {
    let r = imgtool(dir, args);
    r.assert_exit(2);
    assert!(r.stderr.contains(needle), "{args:?}: {}", r.text());
    assert!(
        !dir.join(not_written).exists(),
        "{args:?}: {not_written} written"
    );
    r
}

#[test]
fn regression_pack_compression_options_with_only_raw_images_are_refused() {
    let d = dir_with_inputs();
    let p = d.path();
    let raw = ["pack", "--image", "hcpu:none=hcpu.bin", "-o", "out"];
    for extra in [
        &["--level", "best"][..],
        &["--pksize", "4096"][..],
        &["--allow-large-pksize"][..],
    ] {
        let args = [&raw[..], extra].concat();
        refused(p, &args, "every image is stored raw (flag 0)", "out");
    }
    let args = [
        "pack",
        "--image",
        "hcpu=hcpu.bin",
        "--compress",
        "none",
        "--level",
        "fast",
        "-o",
        "out",
    ];
    refused(
        p,
        &args,
        "--level does not apply to a package of raw images",
        "out",
    );
    // --compress when every --image names its storage: the per-image one wins.
    let args = [
        "pack",
        "--image",
        "hcpu:zlib=hcpu.bin",
        "--compress",
        "gzip",
        "-o",
        "out",
    ];
    refused(
        p,
        &args,
        "--compress: every --image names its own storage",
        "out",
    );
    // Where they act, they still do.
    ok(imgtool(
        p,
        &[
            "pack",
            "--image",
            "hcpu=hcpu.bin",
            "--level",
            "best",
            "--pksize",
            "4096",
            "-o",
            "out",
        ],
    ));
    ok(imgtool(
        p,
        &[
            "pack",
            "--image",
            "hcpu=hcpu.bin",
            "--compress",
            "zlib",
            "-o",
            "z",
        ],
    ));
}

#[test]
fn regression_gen_dfu_dst_dir_and_o_and_flags_beyond_bit_0_are_refused() {
    let d = dir_with_inputs();
    let p = d.path();
    let gen = [
        "gen-dfu",
        "--img_para",
        "hcpu",
        "17",
        "0",
        "--key=s01",
        "--sigkey=sig",
        "--session-key",
        "skey.bin",
    ];
    // -o was dropped without a word when --dst_dir named the directory.
    let args = [&gen[..], &["--dst_dir", "a", "-o", "b"]].concat();
    refused(
        p,
        &args,
        "--dst_dir a and -o b both name the output directory",
        "a",
    );
    assert!(!p.join("b").exists());
    // --flags is one bit; 6 was accepted and changed nothing.
    let args = [&gen[..], &["--flags=6", "-o", "f"]].concat();
    refused(
        p,
        &args,
        "--flags=6: the vendor's global flags have one bit",
        "f",
    );
    ok(imgtool(p, &[&gen[..], &["--flags=1", "-o", "f"]].concat()));
}

#[test]
fn regression_enc_sigkey_with_rsa_sign_command_is_refused() {
    let d = dir_with_inputs();
    let p = d.path();
    let cmd = [
        "--rsa-sign-command",
        "false",
        "--rsa-sign-pub",
        "sig_pub.pem",
    ];
    let enc = [
        "enc",
        "--img",
        "hcpu.bin",
        "--eimg",
        "e.bin",
        "--key=s01",
        "--sigkey=sig",
    ];
    refused(
        p,
        &[&enc[..], &cmd].concat(),
        "--sigkey and --rsa-sign-command both say how to sign",
        "e.bin",
    );
    // gen-dfu keeps --sigkey with a command: there it names STEM_hash.bin, which is checked
    // against the command's public key (docs/secure-dfu.md).
    // pack --secure had the rule already; it now shares the one function and message.
    let pack = [
        "pack",
        "--image",
        "hcpu=hcpu.bin",
        "--secure",
        "--root-key",
        "s01.bin",
        "--sign-key",
        "sig_pri.pem",
        "-o",
        "s",
    ];
    refused(
        p,
        &[&pack[..], &cmd].concat(),
        "--sign-key and --rsa-sign-command both say how to sign",
        "s",
    );
}
