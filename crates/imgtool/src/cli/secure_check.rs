//! `inspect`, `verify` and `unpack` of the secure artifacts: control packet (+ record files),
//! offline package v1, flash table. Each command calls [`detect`] first and hands over here.

use super::secure::{load_root, load_verifier};
use super::Outcome;
use anyhow::{bail, Context, Result};
use imgtool::secure::{read_records, verify_ctrl, verify_offline_v1, DeviceTarget};
use secure::ctrl::{image_count_for_len, ControlPacket, FLAG_COMPRESS};
use secure::ftab::SecConfiguration;
use secure::offline_v1::open_v1;
use secure::online::open_online;
use secure::Findings;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Keys and record files for the secure artifacts (flattened into inspect/verify/unpack).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SecureCheckArgs {
    /// Root key (32 raw bytes) to decrypt a control packet or offline package v1
    #[arg(long, value_name = "KEY.bin", help_heading = "Secure DFU")]
    pub root_key: Option<PathBuf>,

    /// RSA public key (sig_pub.pem / sig_pub.der, or the private key) for signatures and the
    /// AES-CTR nonce
    #[arg(long, value_name = "PUB", help_heading = "Secure DFU")]
    pub sig_pub: Option<PathBuf>,

    /// A record file of the control packet given: ID=FILE (e.g. 0=enccom_hcpu.bin); repeat
    #[arg(long = "record", value_name = "ID=FILE", value_parser = parse_record, help_heading = "Secure DFU")]
    pub records: Vec<(u8, PathBuf)>,

    /// The 32-byte hash (like <sigkey>_hash.bin) the files' AES-CTR nonce comes from, when it
    /// is not the one of --sig-pub: a chip with an unprogrammed efuse and a custom key in its
    /// flash table (docs/secure-dfu.md)
    #[arg(long, value_name = "FILE", help_heading = "Secure DFU")]
    pub nonce_hash: Option<PathBuf>,
}

impl SecureCheckArgs {
    /// The options given, by name (for [`refuse_unused`]).
    pub fn given(&self) -> Vec<&'static str> {
        super::common_args::given_names(&[
            ("--root-key", self.root_key.is_some()),
            ("--sig-pub", self.sig_pub.is_some()),
            ("--record", !self.records.is_empty()),
            ("--nonce-hash", self.nonce_hash.is_some()),
        ])
    }
}

/// The command that reads the file, for [`refuse_unused`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    /// `imgtool inspect`.
    Inspect,
    /// `imgtool verify`.
    Verify,
    /// `imgtool unpack`.
    Unpack,
}

/// Why `opt` does nothing when `cmd` reads `name`, a file of `kind` (`None`: an offline
/// package v2), and what to do instead; `None` where it acts. `given` is every option given
/// (inspect reads --sig-pub and --nonce-hash only with --root-key). `THEM` stands for "it" or
/// "them" (and `THEM checks` for "it checks" or "they check").
fn unused(cmd: Cmd, kind: Option<Kind>, opt: &str, given: &[&str], name: &str) -> Option<String> {
    use Cmd::{Inspect, Unpack, Verify};
    const SECURE: [&str; 4] = ["--root-key", "--sig-pub", "--record", "--nonce-hash"];
    let keyed = given.contains(&"--root-key");
    let Some(kind) = kind else {
        return match opt {
            o if SECURE.contains(&o) => Some(format!(
                "keys, record files and the nonce hash are for the secure files (a control \
                 packet, an offline package v1, a flash table); {name} is an offline package \
                 v2, neither encrypted nor RSA-signed: drop THEM{}",
                if cmd == Verify {
                    " (its signature trailer is checked with --key PUB.pem)"
                } else {
                    ""
                }
            )),
            // The wording verify had for them before this table.
            "--chip" | "--device-build" => Some(format!(
                "the device rules they select are those of the secure flow (a control packet \
                 or an offline package v1); {name} is an offline package v2, checked against \
                 --layout"
            )),
            _ => None,
        };
    };
    let what = match kind {
        Kind::Ctrl => "a control packet",
        Kind::OfflineV1 => "an offline package v1",
        Kind::Ftab => "a flash table",
    };
    let why = match (cmd, kind, opt) {
        (Verify, _, "--key" | "--require-signature") => format!(
            "the ed25519 signature trailer options apply to an offline package v2; a secure \
             file is RSA-checked with --sig-pub ({name} is {what}): drop THEM"
        ),
        (Verify, Kind::Ftab, "--root-key" | "--record" | "--nonce-hash") => format!(
            "{name} is a flash table, neither encrypted nor with record files; verify checks \
             its running_imgs and compares its sig_pub_key with --sig-pub: drop THEM"
        ),
        (Verify, Kind::Ftab, "--chip" | "--device-build") => format!(
            "the device rules they select are those of a control packet or an offline package \
             v1; {name} is a flash table, which has none: drop THEM"
        ),
        (Verify, Kind::Ftab, "--layout") => format!(
            "{name} is a flash table, checked on its own (running_imgs, --sig-pub), not \
             against a layout: drop THEM (imgtool ftab build --layout makes one for a layout)"
        ),
        (Inspect, Kind::Ftab, o) if SECURE.contains(&o) => format!(
            "{name} is a flash table: inspect shows it whole without keys or record files \
             (imgtool verify --sig-pub compares its sig_pub_key): drop THEM"
        ),
        (Inspect, _, "--layout") => format!(
            "inspect shows where an offline package v2's images land; {name} is {what}, which \
             names no regions: drop THEM (imgtool verify --layout checks a control packet or \
             an offline package v1 for the layout's chip)"
        ),
        (Inspect, Kind::Ctrl, "--record") => format!(
            "inspect reads the control packet {name} alone; imgtool verify checks record \
             files and imgtool unpack decodes them (the same --record): drop THEM"
        ),
        (Verify | Inspect | Unpack, Kind::OfflineV1, "--record") => format!(
            "{name} is an offline package v1, which carries its images; --record gives the \
             record files of a control packet: drop THEM"
        ),
        (Inspect, _, "--sig-pub" | "--nonce-hash") if !keyed => format!(
            "THEM checks the decrypted control packet of {name}, and inspect decrypts it \
             only with --root-key KEY.bin (without it, inspect shows the outer structure): \
             give --root-key too, or drop THEM"
        ),
        (Unpack, _, "--ignore-crc") => format!(
            "{name} is {what}, which has no package CRC; unpack always checks its SHA-256 \
             hashes and RSA signatures and writes nothing when they fail: drop THEM"
        ),
        _ => return None,
    };
    Some(why)
}

/// Refuses (exit 2) the options in `given` that do nothing when `cmd` reads `path`, a file of
/// `kind` (`None`: an offline package v2): one rule table for inspect, verify and unpack, so
/// every option acts or is refused. Options with the same reason are named together.
pub fn refuse_unused(cmd: Cmd, kind: Option<Kind>, given: &[&str], path: &Path) -> Result<()> {
    let name = path.display().to_string();
    let mut groups: Vec<(Vec<&str>, String)> = Vec::new();
    for &opt in given {
        let Some(why) = unused(cmd, kind, opt, given, &name) else {
            continue;
        };
        match groups.iter_mut().find(|(_, w)| *w == why) {
            Some((opts, _)) => opts.push(opt),
            None => groups.push((vec![opt], why)),
        }
    }
    if groups.is_empty() {
        return Ok(());
    }
    let text: Vec<String> = groups
        .into_iter()
        .map(|(opts, why)| {
            let (them, check) = if opts.len() == 1 {
                ("it", "it checks")
            } else {
                ("them", "they check")
            };
            let why = why.replace("THEM checks", check).replace("THEM", them);
            format!("{}: {}", opts.join(", "), why)
        })
        .collect();
    bail!("{}", text.join("; "))
}

pub(crate) fn parse_record(s: &str) -> Result<(u8, PathBuf), String> {
    let (id, path) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected ID=FILE"))?;
    let id: layout::ImageId = id.parse().map_err(|e| format!("{e}"))?;
    Ok((id.0, PathBuf::from(path)))
}

pub use imgtool::secure::ArtifactKind as Kind;

/// Classifies `bytes`; `None` for anything else (offline package v2 among them).
pub fn detect(bytes: &[u8], args: &SecureCheckArgs) -> Option<Kind> {
    let keyed = args.root_key.is_some() || !args.records.is_empty();
    imgtool::secure::detect(bytes, keyed)
}

struct Keys {
    root: secure::RootKey,
    verifier: secure::VerifyingKey,
}

fn keys(args: &SecureCheckArgs, what: &str) -> Result<Keys> {
    let (Some(r), Some(p)) = (&args.root_key, &args.sig_pub) else {
        bail!("{what} is encrypted and RSA-signed: give --root-key KEY.bin and --sig-pub PUB (the SDK's development keys are tools/secureboot/sifli02)");
    };
    let mut verifier = load_verifier(p)?;
    if let Some(h) = &args.nonce_hash {
        verifier = verifier.with_nonce_hash(super::secure::load_nonce_hash(h)?);
    }
    Ok(Keys {
        root: load_root(r)?,
        verifier,
    })
}

fn warn(warning: Option<String>) {
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
}

fn print_findings(name: &str, f: &Findings) {
    for x in &f.0 {
        super::print::say!("error: {name}: {x}");
    }
}

fn verdict(name: &str, ok: bool, summary: String) -> Outcome {
    if ok {
        super::print::say!("OK {name}: {summary}");
        Outcome::Ok
    } else {
        super::print::say!("FAIL {name}");
        Outcome::VerificationFailed
    }
}

/// `verify` of a secure artifact: every hash and signature, and what the device's DFU code
/// rejects (`target`: --device-build, and the chip from --chip or the layout); exit 1 on any
/// failure, and with `deny_warnings` on a warning (the 52x rule left unchecked) too.
pub fn verify(
    path: &Path,
    bytes: &[u8],
    kind: Kind,
    args: &SecureCheckArgs,
    target: DeviceTarget,
    deny_warnings: bool,
) -> Result<Outcome> {
    let name = path.display().to_string();
    // Prints the warning; true when --deny-warnings makes it a failure.
    let denied = |warning: Option<String>| {
        let fail = deny_warnings && warning.is_some();
        warn(warning);
        if fail {
            super::print::say!("error: {name}: a warning, and --deny-warnings makes it a failure");
        }
        fail
    };
    match kind {
        Kind::Ftab => verify_ftab(&name, bytes, args),
        Kind::OfflineV1 => {
            let k = keys(args, &name)?;
            match verify_offline_v1(bytes, &k.root, &k.verifier, target) {
                Ok((o, warning)) => {
                    let denied = denied(warning);
                    print_findings(&name, &o.findings);
                    Ok(verdict(
                        &name,
                        o.findings.ok() && !denied,
                        format!(
                            "offline package v1, {}, control packet and every image \
                             signature verify",
                            super::count(o.entries.len() - 1, "image")
                        ),
                    ))
                }
                Err(e) => {
                    super::print::say!("FAIL {name}: {e}");
                    Ok(Outcome::VerificationFailed)
                }
            }
        }
        Kind::Ctrl => {
            let k = keys(args, &name)?;
            let recs = read_records(bytes, &args.records, &k.root, &k.verifier)?;
            let borrowed: Vec<(u8, &[u8])> = recs.iter().map(|(i, b)| (*i, b.as_slice())).collect();
            let (set, denied) = match verify_ctrl(bytes, &borrowed, &k.root, &k.verifier, target) {
                Ok((s, warning)) => (s, denied(warning)),
                Err(e) => {
                    super::print::say!("FAIL {name}: {e}");
                    return Ok(Outcome::VerificationFailed);
                }
            };
            print_findings(&name, &set.ctrl.findings);
            for ((_, img), (_, p)) in set.images.iter().zip(&args.records) {
                print_findings(&p.display().to_string(), &img.findings);
            }
            let n = set.ctrl.packet.images.len();
            let summary = format!(
                "control packet with {} verifies; {} checked",
                super::count(n, "image"),
                super::count(set.images.len(), "record file")
            );
            Ok(verdict(&name, set.ok() && !denied, summary))
        }
    }
}

fn verify_ftab(name: &str, bytes: &[u8], args: &SecureCheckArgs) -> Result<Outcome> {
    let t = match SecConfiguration::from_bytes(bytes) {
        Ok(t) => t,
        Err(e) => {
            super::print::say!("FAIL {name}: {e}");
            return Ok(Outcome::VerificationFailed);
        }
    };
    let mut f = Findings::default();
    for (core, p) in t.running_imgs.iter().enumerate() {
        if *p != secure::ftab::UNUSED && t.running_flash_id(core).is_none() {
            f.fail(
                secure::ftab::RUNIMG_OFFSET + 4 * core,
                format!(
                    "running_imgs[{}] = {p:#010x} points at no imgs[] entry of a table at {:#010x}",
                    secure::ftab::CORE_NAMES[core],
                    t.ftab[0].base
                ),
            );
        }
    }
    if let Some(p) = &args.sig_pub {
        let der = load_verifier(p)?.spki_der()?;
        if t.sig_pub_key[..] != der[..] {
            f.fail(
                secure::ftab::SIGKEY_OFFSET,
                format!("sig_pub_key is not the key in {}", p.display()),
            );
        }
    }
    print_findings(name, &f);
    Ok(verdict(
        name,
        f.ok(),
        format!("flash table at {:#010x}", t.ftab[0].base),
    ))
}

/// The flash table as JSON (also `ftab show --json`).
pub fn ftab_json(t: &SecConfiguration) -> Value {
    let ftab: Vec<Value> = t
        .ftab
        .iter()
        .enumerate()
        .map(|(i, e)| {
            json!({
                "index": i, "name": secure::ftab::FLASH_ID_NAMES[i],
                "base": format!("{:#010x}", e.base), "size": format!("{:#010x}", e.size),
                "xip_base": format!("{:#010x}", e.xip_base), "flags": e.flags.get(),
            })
        })
        .collect();
    let imgs: Vec<Value> = t
        .imgs
        .iter()
        .enumerate()
        .filter(|(_, h)| h.length != secure::ftab::UNUSED)
        .map(|(i, h)| {
            json!({
                "flash_id": i + 2, "name": secure::ftab::FLASH_ID_NAMES[i + 2],
                "length": h.length.get(), "blksize": h.blksize.get(), "flags": h.flags.get(),
                "key_set": h.key.iter().any(|&b| b != 0), "sig_set": h.sig.iter().any(|&b| b != 0),
                "ver": String::from_utf8_lossy(&h.ver).trim_end_matches('\0').to_string(),
            })
        })
        .collect();
    let running: Vec<Value> = (0..secure::ftab::CORES).map(|c| json!({
        "core": secure::ftab::CORE_NAMES[c], "address": format!("{:#010x}", t.running_imgs[c]),
        "flash_id": t.running_flash_id(c),
    })).collect();
    json!({ "magic": format!("{:#010x}", t.magic), "ftab": ftab, "sig_pub_key": t.sig_key_state(), "imgs": imgs, "running_imgs": running })
}

/// The flash table as text (also `ftab show`).
pub fn ftab_text(t: &SecConfiguration) -> String {
    let mut s = format!(
        "flash table (struct sec_configuration), magic {:#010x}\n",
        t.magic
    );
    s += "ftab  name         base        size        xip_base    flags\n";
    for (i, e) in t.ftab.iter().enumerate() {
        if *e == secure::ftab::FlashTable::default() {
            continue;
        }
        s += &format!(
            "{i:<5} {:<12} {:#010x}  {:#010x}  {:#010x}  {:#x}\n",
            secure::ftab::FLASH_ID_NAMES[i],
            e.base,
            e.size,
            e.xip_base,
            e.flags
        );
    }
    s += &format!(
        "sig_pub_key: {}\n",
        serde_json::to_string(&t.sig_key_state()).expect("serialises")
    );
    for (i, h) in t
        .imgs
        .iter()
        .enumerate()
        .filter(|(_, h)| h.length != secure::ftab::UNUSED)
    {
        s += &format!(
            "imgs[{i}] (flash id {} {}): length {:#x}, blksize {}, flags {:#x}\n",
            i + 2,
            secure::ftab::FLASH_ID_NAMES[i + 2],
            h.length,
            h.blksize,
            h.flags
        );
    }
    for c in 0..secure::ftab::CORES {
        let to = t
            .running_flash_id(c)
            .map(|id| format!("flash id {id} ({})", secure::ftab::FLASH_ID_NAMES[id]))
            .unwrap_or_else(|| "none".into());
        s += &format!(
            "running_imgs[{}] = {:#010x} -> {to}\n",
            secure::ftab::CORE_NAMES[c],
            t.running_imgs[c]
        );
    }
    s
}

fn ctrl_json(p: &ControlPacket) -> Value {
    let images: Vec<Value> = p
        .images
        .iter()
        .map(|e| {
            json!({
                "img_id": e.img_id, "flag": e.flag, "length": e.length,
            })
        })
        .collect();
    json!({ "dfu_id": p.dfu_id, "hw_version": p.hw_version, "sdk_version": p.sdk_version,
            "fw_version": p.fw_version, "blk_size": p.blk_size, "images": images })
}

/// `inspect` of a secure artifact.
pub fn inspect(
    path: &Path,
    bytes: &[u8],
    kind: Kind,
    args: &SecureCheckArgs,
    as_json: bool,
) -> Result<Outcome> {
    let name = path.display().to_string();
    let v = match kind {
        Kind::Ftab => {
            let t = SecConfiguration::from_bytes(bytes).with_context(|| name.clone())?;
            if !as_json {
                print!("{}", ftab_text(&t));
                return Ok(Outcome::Ok);
            }
            ftab_json(&t)
        }
        Kind::Ctrl | Kind::OfflineV1 => {
            let ctrl_bytes = if kind == Kind::OfflineV1 {
                secure::offline_v1::parse_v1(bytes).with_context(|| name.clone())?[0].data
            } else {
                bytes
            };
            let count = image_count_for_len(ctrl_bytes.len());
            let mut v = json!({ "kind": if kind == Kind::Ctrl { "control packet" } else { "offline package v1" },
                                "len": bytes.len(), "control_packet_images": count });
            if args.root_key.is_some() {
                let k = keys(args, &name)?;
                let o = secure::ctrl::open_ctrl(ctrl_bytes, &k.root, &k.verifier)
                    .with_context(|| name.clone())?;
                v["control_packet"] = ctrl_json(&o.packet);
                v["failures"] = serde_json::to_value(&o.findings).expect("serialises");
            }
            v
        }
    };
    if as_json {
        super::print::say!("{}", serde_json::to_string_pretty(&v).expect("serialises"));
    } else {
        print_value(&v, "");
    }
    Ok(Outcome::Ok)
}

fn print_value(v: &Value, indent: &str) {
    if let Value::Object(m) = v {
        for (k, x) in m {
            let empty = match x {
                Value::Object(o) => o.is_empty(),
                Value::Array(a) => a.is_empty(),
                _ => false,
            };
            match x {
                _ if empty => super::print::say!("{indent}{k}: none"),
                Value::Object(_) | Value::Array(_) => {
                    super::print::say!("{indent}{k}:");
                    print_value(x, &format!("{indent}  "));
                }
                _ => super::print::say!("{indent}{k}: {x}"),
            }
        }
    } else if let Value::Array(a) = v {
        for x in a {
            super::print::say!("{indent}- {x}");
        }
    }
}

/// `unpack` of a control packet's record files or of a v1 package: the decrypted stored
/// image of each (`ID-NAME.stored.bin`) and, for compressed ones, what the device installs
/// (`ID-NAME.bin`). Everything is decoded before the first file is written.
pub fn unpack(
    path: &Path,
    bytes: &[u8],
    kind: Kind,
    args: &SecureCheckArgs,
    out: &Path,
    force: bool,
) -> Result<Outcome> {
    let name = path.display().to_string();
    if kind == Kind::Ftab {
        bail!("{name}: a flash table has no images to unpack; use imgtool ftab show");
    }
    let k = keys(args, &name)?;
    let stored: Vec<(u8, u16, Vec<u8>)> = match kind {
        Kind::Ftab => unreachable!("refused above"),
        Kind::OfflineV1 => {
            let o = open_v1(bytes, &k.root, &k.verifier).with_context(|| name.clone())?;
            o.entries[1..]
                .iter()
                .map(|e| (e.img_id, FLAG_COMPRESS, e.data.to_vec()))
                .collect()
        }
        Kind::Ctrl => {
            let recs = read_records(bytes, &args.records, &k.root, &k.verifier)?;
            if recs.is_empty() {
                bail!("{name}: give the record files to unpack with --record ID=FILE");
            }
            let borrowed: Vec<(u8, &[u8])> = recs.iter().map(|(i, b)| (*i, b.as_slice())).collect();
            let set = open_online(bytes, &borrowed, &k.root, &k.verifier)
                .with_context(|| name.clone())?;
            if !set.ok() {
                bail!("{name}: verification failed (run imgtool verify with the same arguments); nothing written");
            }
            set.images
                .iter()
                .map(|(id, img)| {
                    let flag = set
                        .ctrl
                        .packet
                        .images
                        .iter()
                        .find(|e| e.img_id == *id)
                        .map_or(0, |e| e.flag);
                    (*id, flag, img.plain.clone())
                })
                .collect()
        }
    };
    let mut files = Vec::new();
    for (id, flag, data) in stored {
        let stem = format!("{id}-{}", layout::ImageId(id).name().unwrap_or("image"));
        if flag & FLAG_COMPRESS != 0 {
            let (image, _) = ezip::payload::decode(&data)
                .with_context(|| format!("{name}: image {id}: compressed payload"))?;
            files.push((out.join(format!("{stem}.bin")), image));
        }
        files.push((out.join(format!("{stem}.stored.bin")), data));
    }
    let mut inputs: Vec<&Path> = vec![path];
    inputs.extend(args.records.iter().map(|(_, p)| p.as_path()));
    let dests = files
        .iter()
        .map(|(p, _)| fsio::output::plan_output(p, &inputs, force))
        .collect::<fsio::Result<Vec<_>>>()?;
    let plan: Vec<_> = dests
        .into_iter()
        .zip(files.iter().map(|(_, d)| d.as_slice()))
        .collect();
    fsio::output::commit(&plan, fsio::output::Mode::Public)?;
    for (p, data) in &files {
        super::print::say!("wrote {} ({} bytes)", p.display(), data.len());
    }
    Ok(Outcome::Ok)
}
