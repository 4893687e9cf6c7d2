//! `imgtool diff A B`: what changed between two packages or two secure output sets. The
//! comparison is `imgtool::diff`; this file reads the keys, calls it and prints.

use super::Outcome;
use anyhow::{bail, Result};
use imgtool::diff::{compare, read, Change, Diff, FieldDiff, ImageDiff, Installed, SetKeys};
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Examples:
  imgtool diff release-1.3/offline_install.bin out/offline_install.bin
  imgtool diff old/offline_install.bin new/offline_install.bin --json
  imgtool diff old-secure/ new-secure/ --root-key s01.bin --sig-pub sig_pub.pem

A and B are two offline packages v2 (signed or not), or two secure output sets: the
directories `pack --secure` and `gen-dfu --offline_img=0` write, opened through their
ctrl_packet.bin with --root-key and --sig-pub as `verify` does (give each option twice when B
was made with other keys: the first is A's, the second B's). A set that does not verify is an
error: run `imgtool verify` on it.

Images are matched by image id and compared by the SHA-256 of the bytes the device installs
(after decryption and decompression): `added`, `removed`, `changed`. Then every other field
that differs, tagged with what it is about: header (counts, CRC, flags, lengths), encoding
(the same installed bytes stored differently), codec, pksize, version (manifest version and
build id, control packet versions), signature (signed or not, key id, public key), manifest
(tool, layout, source file names), file (bytes no field covers).

--json prints one object, schema 1 (docs/cli.md): {schema, kind, identical, images: [{id,
name, change, a, b}], fields: [{image, field, category, a, b}]}.

Exit status, like diff(1) and cmp(1), the one command whose 1 is not \"verification failed\":
0 identical, 1 different, 2 error (a missing or unreadable file, not a package, a package and
a secure set).";

/// Arguments of `imgtool diff`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The old package (offline_install.bin) or secure output set (directory)
    pub a: PathBuf,

    /// The new one, of the same kind
    pub b: PathBuf,

    /// Print JSON instead of text (schema in docs/cli.md)
    #[arg(long)]
    pub json: bool,

    /// Root key (32 raw bytes) of secure sets; twice: A's, then B's
    #[arg(long, value_name = "KEY.bin", num_args = 1, action = clap::ArgAction::Append)]
    pub root_key: Vec<PathBuf>,

    /// RSA public key of secure sets (sig_pub.pem / .der); twice: A's, then B's
    #[arg(long, value_name = "PUB", num_args = 1, action = clap::ArgAction::Append)]
    pub sig_pub: Vec<PathBuf>,

    /// The 32-byte hash the sets' AES-CTR nonce comes from when it is not --sig-pub's (an
    /// unprogrammed efuse with a custom key, docs/secure-dfu.md); twice: A's, then B's
    #[arg(long, value_name = "FILE", num_args = 1, action = clap::ArgAction::Append)]
    pub nonce_hash: Vec<PathBuf>,
}

/// The keys of side `i` (0 A, 1 B): the i-th of each option, or the only one.
fn pick(list: &[PathBuf], flag: &str, i: usize) -> Result<Option<PathBuf>> {
    match list.len() {
        0 => Ok(None),
        1 | 2 => Ok(Some(list[i.min(list.len() - 1)].clone())),
        n => bail!("--{flag} given {n} times: give it once (both sets) or twice (A, then B)"),
    }
}

type Keys = Option<(secure::RootKey, secure::VerifyingKey)>;

fn load_keys(args: &Args, i: usize) -> Result<Keys> {
    let root = pick(&args.root_key, "root-key", i)?;
    let public = pick(&args.sig_pub, "sig-pub", i)?;
    match (root, public) {
        (None, None) => Ok(None),
        (Some(r), Some(p)) => {
            let mut verifier = super::secure::load_verifier(&p)?;
            if let Some(h) = pick(&args.nonce_hash, "nonce-hash", i)? {
                verifier = verifier.with_nonce_hash(super::secure::load_nonce_hash(&h)?);
            }
            Ok(Some((super::secure::load_root(&r)?, verifier)))
        }
        _ => bail!("a secure output set needs both --root-key and --sig-pub"),
    }
}

fn read_side(path: &Path, keys: &Keys) -> Result<imgtool::diff::Snapshot> {
    let keys = keys
        .as_ref()
        .map(|(root, verifier)| SetKeys { root, verifier });
    Ok(read(path, keys)?)
}

/// Refuses key options that would do nothing: no option is silently ignored.
fn refuse_unused_keys(args: &Args) -> Result<()> {
    let keyed = !args.root_key.is_empty() || !args.sig_pub.is_empty();
    if !args.nonce_hash.is_empty() && !keyed {
        bail!("--nonce-hash needs --root-key and --sig-pub (it opens secure output sets)");
    }
    if keyed && !args.a.is_dir() && !args.b.is_dir() {
        bail!(
            "--root-key, --sig-pub and --nonce-hash open secure output sets (directories); \
             {} and {} are no directories",
            args.a.display(),
            args.b.display()
        );
    }
    Ok(())
}

/// Runs `imgtool diff`.
pub fn run(args: Args) -> Result<Outcome> {
    refuse_unused_keys(&args)?;
    let a = read_side(&args.a, &load_keys(&args, 0)?)?;
    let b = read_side(&args.b, &load_keys(&args, 1)?)?;
    let diff = compare(&a, &b)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&diff).expect("a Diff serialises")
        );
    } else {
        print_text(&diff, &args.a, &args.b);
    }
    Ok(if diff.identical {
        Outcome::Ok
    } else {
        Outcome::Different
    })
}

fn installed(i: &Option<Installed>) -> String {
    i.as_ref().map_or_else(
        || "-".to_owned(),
        |i| format!("{} bytes sha256 {}", i.size, i.sha256),
    )
}

fn image_line(i: &ImageDiff) -> String {
    let what = match i.change {
        Change::Added => {
            return format!("added    image {} ({}): {}", i.id, i.name, installed(&i.b))
        }
        Change::Removed => {
            return format!("removed  image {} ({}): {}", i.id, i.name, installed(&i.a))
        }
        Change::Changed => "changed ",
        Change::Same => "same    ",
    };
    format!(
        "{what} image {} ({}): {} -> {}",
        i.id,
        i.name,
        installed(&i.a),
        installed(&i.b)
    )
}

fn field_line(f: &FieldDiff, diff: &Diff) -> String {
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
    let category = f.category.name();
    let scope = match f.image {
        None => String::new(),
        Some(id) => {
            let name = diff
                .images
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.name.as_str());
            format!("image {id} ({}) ", name.unwrap_or("?"))
        }
    };
    format!(
        "{category:<9} {scope}{}: {} -> {}",
        f.field,
        value(&f.a),
        value(&f.b)
    )
}

fn print_text(diff: &Diff, a: &Path, b: &Path) {
    for i in diff.changed_images() {
        println!("{}", image_line(i));
    }
    for f in &diff.fields {
        println!("{}", field_line(f, diff));
    }
    let (a, b) = (a.display(), b.display());
    if diff.identical {
        println!("identical: {a} and {b}");
        return;
    }
    let n = |c| diff.images.iter().filter(|i| i.change == c).count();
    println!(
        "different: {a} and {b}: {} changed, {} added, {} removed, {} differing",
        super::count(n(Change::Changed), "image"),
        n(Change::Added),
        n(Change::Removed),
        super::count(diff.fields.len(), "field"),
    );
}
