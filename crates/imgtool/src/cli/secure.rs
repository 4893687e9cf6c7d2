//! The vendor's secure DFU from the command line, the parts `gen-dfu --offline_img=0/1`,
//! `pack --secure`, `enc`/`dec`, the checks and RSA `getpub` share: argument parsing, key
//! files and file names only; the formats and crypto are crate `secure`.

use super::common_args::number;
use anyhow::{bail, Context, Result};
use secure::ctrl::{check_policy, FLAG_COMPRESS, FLAG_ENC};
use secure::online::{
    BuildKeys, OnlineDfu, OnlineImage, OnlineParams, MAX_BKSIZE_FLASH, MAX_BKSIZE_NAND,
};
use secure::rules::{check_device_rules, unchecked_chip_warning, Chip, DeviceBuild};
use secure::{NonceHash, RootKey, SessionKey, SigningKey, VerifyingKey};
use std::path::{Path, PathBuf};

/// Reads a key file or other small input (bounded: keys are never large).
pub(crate) fn read_small(path: &Path) -> Result<Vec<u8>> {
    Ok(fsio::input::read_bounded(path, fsio::input::Limit::SMALL)?)
}

/// Reads an artifact (control packet, record file, package): bounded like packages.
pub(crate) fn read_artifact(path: &Path) -> Result<Vec<u8>> {
    Ok(fsio::input::read_bounded(
        path,
        fsio::input::Limit::PACKAGE,
    )?)
}

/// Reads a raw root key file (32 bytes).
pub(crate) fn load_root(path: &Path) -> Result<RootKey> {
    let b = read_small(path)?;
    Ok(RootKey::from_bytes(&b, &path.display().to_string())?)
}

/// Reads an RSA-2048 private key (PKCS#1 or PKCS#8 PEM).
pub(crate) fn load_signer(path: &Path) -> Result<SigningKey> {
    let b = zeroize::Zeroizing::new(read_small(path)?);
    Ok(SigningKey::from_pem(&b, &path.display().to_string())?)
}

/// Reads an RSA-2048 public key (SPKI PEM/DER, or the public half of a private key).
pub(crate) fn load_verifier(path: &Path) -> Result<VerifyingKey> {
    let b = read_small(path)?;
    Ok(VerifyingKey::from_file_bytes(
        &b,
        &path.display().to_string(),
    )?)
}

/// Reads a `<sigkey>_hash.bin`-style nonce hash (32 raw bytes).
pub(crate) fn load_nonce_hash(path: &Path) -> Result<NonceHash> {
    let b = read_small(path)?;
    Ok(NonceHash::from_bytes(&b, &path.display().to_string())?)
}

/// A compile-time option of the device's DFU code that makes it accept more image ids
/// (docs/secure-dfu.md, "What the device accepts").
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceBuildOpt {
    /// OTA_NOR_OTA_MANAGER_LITE: image id 6 (ota-manager) under dfu_id 0/1
    Lite,
    /// OTA_SECTION_CHANGE: any image id under dfu_id 0/1 whose download address the app
    /// registers (dfu_flash_addr_set)
    SectionChange,
}

/// The chip family the device's DFU code is built for.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChipOpt {
    /// SF32LB52x (no LCPU or patch image: ids 1 and 2 are refused under dfu_id 0/1)
    Sf32lb52x,
    /// SF32LB55x
    Sf32lb55x,
    /// SF32LB56x
    Sf32lb56x,
    /// SF32LB58x
    Sf32lb58x,
}

impl From<ChipOpt> for Chip {
    fn from(c: ChipOpt) -> Self {
        match c {
            ChipOpt::Sf32lb52x => Chip::Sf32lb52x,
            ChipOpt::Sf32lb55x => Chip::Sf32lb55x,
            ChipOpt::Sf32lb56x => Chip::Sf32lb56x,
            ChipOpt::Sf32lb58x => Chip::Sf32lb58x,
        }
    }
}

/// The library's [`DeviceBuild`] from the `--device-build` values given.
pub fn device_build(opts: &[DeviceBuildOpt]) -> DeviceBuild {
    DeviceBuild {
        ota_manager_lite: opts.contains(&DeviceBuildOpt::Lite),
        section_change: opts.contains(&DeviceBuildOpt::SectionChange),
    }
}

fn load_session(path: Option<&Path>) -> Result<SessionKey> {
    match path {
        Some(p) => {
            let b = zeroize::Zeroizing::new(read_small(p)?);
            Ok(SessionKey::from_bytes(&b, &p.display().to_string())?)
        }
        None => Ok(SessionKey::generate()?),
    }
}

/// Control-packet and record options shared by `gen-dfu` and `pack --secure` (spelled like
/// the vendor's; the dashed spellings are aliases).
#[derive(clap::Args, Debug, Clone)]
pub struct SecureBuildArgs {
    /// Record block size: a multiple of 16, at most 512 (2048 with --nand) [default: 512]
    #[arg(long, value_name = "BYTES", help_heading = "Secure DFU", value_parser = number::<u16>)]
    pub bksize: Option<u16>,

    /// Control packet dfu_ID: 0 CODE, 1 CODE_MIX, 2 OTA_MANAGER (ids 6 and 11 only, at most 2,
    /// not encrypted); the device rejects others [default: 0]
    #[arg(
        long = "dfu_id",
        alias = "dfu-id",
        value_name = "N",
        help_heading = "Secure DFU",
        value_parser = number::<u8>
    )]
    pub dfu_id: Option<u8>,

    /// Control packet HW_version [default: 0]
    #[arg(
        long = "hw_ver",
        alias = "hw-ver",
        value_name = "N",
        help_heading = "Secure DFU",
        value_parser = number::<u32>
    )]
    pub hw_ver: Option<u32>,

    /// Control packet SDK_version (must be <= the device's SIFLI_VERSION; 0 always passes)
    /// [default: 0]
    #[arg(
        long = "sdk_ver",
        alias = "sdk-ver",
        value_name = "N",
        help_heading = "Secure DFU",
        value_parser = number::<u32>
    )]
    pub sdk_ver: Option<u32>,

    /// Control packet FW_version [default: 0]
    #[arg(
        long = "fw_ver",
        alias = "fw-ver",
        value_name = "N",
        help_heading = "Secure DFU",
        value_parser = number::<u32>
    )]
    pub fw_ver: Option<u32>,

    /// 1: zero-pad each image to 16 bytes (default); 0: no padding (NAND ping-pong example)
    #[arg(long, value_name = "0|1", help_heading = "Secure DFU", value_parser = number::<u8>)]
    pub align: Option<u8>,

    /// NAND ping-pong target: allow --bksize up to 2048
    #[arg(long, help_heading = "Secure DFU")]
    pub nand: bool,

    /// The 32-byte session key (raw file) instead of a random one, for reproducible builds.
    /// Anyone with it and the images' files can decrypt them: keep it secret
    #[arg(long, value_name = "FILE", help_heading = "Secure DFU")]
    pub session_key: Option<PathBuf>,

    /// Also write control_packet_value.txt: the control packet in plaintext, session key
    /// included (the vendor always writes it; imgtool only when asked, mode 0600)
    #[arg(long, help_heading = "Secure DFU")]
    pub debug_plaintext: bool,

    /// The device's DFU code is built with this option, so accept what it accepts: lite
    /// (OTA_NOR_OTA_MANAGER_LITE) takes image id 6 under dfu_id 0/1, section-change
    /// (OTA_SECTION_CHANGE) any id the app registers an address for. Without it, ids 6 and 11
    /// need dfu_id 2 and id 9 is refused. Repeat or comma-separate for both
    #[arg(
        long,
        value_name = "OPTION",
        value_enum,
        value_delimiter = ',',
        help_heading = "Secure DFU"
    )]
    pub device_build: Vec<DeviceBuildOpt>,

    /// The device's chip: sf32lb52x refuses image ids 1 and 2 under dfu_id 0/1 (compiled out
    /// of 52x builds). Without it (and without a layout) that rule is only a warning
    #[arg(long, value_name = "CHIP", value_enum, help_heading = "Secure DFU")]
    pub chip: Option<ChipOpt>,

    /// Take the AES-CTR nonce from this 32-byte hash file (like <sigkey>_hash.bin) instead of
    /// the signing key's: for a chip whose efuse is not programmed (it uses the SDK's
    /// development hash, e.g. tools/secureboot/sifli02/sig_hash.bin) with a custom key in its
    /// flash table (docs/secure-dfu.md)
    #[arg(long, value_name = "FILE", help_heading = "Secure DFU")]
    pub nonce_hash: Option<PathBuf>,
}

impl SecureBuildArgs {
    /// Control packet dfu_ID: the option, else 0. (The options are `None` when not given, so
    /// that `pack --secure` can tell an explicit value from ota.toml's.)
    pub fn dfu_id(&self) -> u8 {
        self.dfu_id.unwrap_or(0)
    }

    /// Control packet HW_version: the option, else 0.
    pub fn hw_ver(&self) -> u32 {
        self.hw_ver.unwrap_or(0)
    }

    /// Control packet SDK_version: the option, else 0.
    pub fn sdk_ver(&self) -> u32 {
        self.sdk_ver.unwrap_or(0)
    }

    /// Control packet FW_version: the option, else 0.
    pub fn fw_ver(&self) -> u32 {
        self.fw_ver.unwrap_or(0)
    }

    /// Record block size: the option, else 512.
    pub fn bksize(&self) -> u16 {
        self.bksize.unwrap_or(512)
    }

    /// The options given on the command line, by name (for "applies only to ..." errors).
    pub fn given(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |given: bool, name| {
            if given {
                v.push(name);
            }
        };
        add(self.bksize.is_some(), "--bksize");
        add(self.dfu_id.is_some(), "--dfu_id");
        add(self.hw_ver.is_some(), "--hw_ver");
        add(self.sdk_ver.is_some(), "--sdk_ver");
        add(self.fw_ver.is_some(), "--fw_ver");
        add(self.align.is_some(), "--align");
        add(self.nand, "--nand");
        add(self.session_key.is_some(), "--session-key");
        add(self.debug_plaintext, "--debug-plaintext");
        v
    }

    fn params(&self) -> Result<OnlineParams> {
        let align = match self.align.unwrap_or(1) {
            0 => false,
            1 => true,
            n => bail!("--align={n}: 0 or 1"),
        };
        Ok(OnlineParams {
            dfu_id: self.dfu_id(),
            hw_version: self.hw_ver(),
            sdk_version: self.sdk_ver(),
            fw_version: self.fw_ver(),
            bksize: self.bksize(),
            align,
            max_bksize: if self.nand {
                MAX_BKSIZE_NAND
            } else {
                MAX_BKSIZE_FLASH
            },
            device_build: device_build(&self.device_build),
            chip: self.chip.map(Chip::from),
        })
    }
}

/// How record files are named: the two vendor packer generations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `enccom_app.bin`, `outapp.bin` (imgtoolv37.py in the SDK trees, dfu_bin_generate37).
    Classic,
    /// `enc_com_app.bin`, `out_app.bin` (newest imgtoolv37.py, with --dst_dir).
    Prefixed,
}

/// The vendor's name of the file the records are made from.
pub fn input_name(stem: &str, flag: u16) -> String {
    if flag & FLAG_COMPRESS != 0 {
        format!("com_{stem}.bin")
    } else {
        format!("{stem}.bin")
    }
}

/// The vendor's name of an image's record file.
pub fn record_name(stem: &str, flag: u16, naming: Naming) -> String {
    let pre = if flag & FLAG_ENC != 0 { "enc" } else { "out" };
    match naming {
        Naming::Classic => format!("{pre}{}", input_name(stem, flag)),
        Naming::Prefixed => format!("{pre}_{}", input_name(stem, flag)),
    }
}

/// One output file, planned before anything is written.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Where it goes.
    pub path: PathBuf,
    /// What it is (for the manifest and the printout).
    pub role: &'static str,
    /// The image id it belongs to.
    pub img_id: Option<u8>,
    /// Contents.
    pub bytes: Vec<u8>,
    /// Holds secrets: written with mode 0600.
    pub private: bool,
}

impl Artifact {
    /// A public artifact (mode 0644).
    pub fn new(path: PathBuf, role: &'static str, img_id: Option<u8>, bytes: Vec<u8>) -> Self {
        Self {
            path,
            role,
            img_id,
            bytes,
            private: false,
        }
    }
}

/// Writes every planned artifact, all or none (an output that is one of `inputs`, two
/// artifacts that are the same file, or a protected file unless `force`, is refused before
/// anything is written), and prints one line per file.
pub fn write_all(artifacts: &[Artifact], inputs: &[&Path], force: bool) -> Result<()> {
    use fsio::output::{commit_staged, plan_outputs, stage, Mode};
    let named: Vec<(&str, &Path)> = artifacts
        .iter()
        .map(|a| (a.role, a.path.as_path()))
        .collect();
    let dests = plan_outputs(&named, inputs, force)?;
    // Private files (session keys) are staged with mode 0600, then committed with the public
    // ones in one step: all or none.
    let mut early = Vec::new();
    let mut public = Vec::new();
    for (a, dest) in artifacts.iter().zip(&dests) {
        match a
            .private
            .then(|| stage(dest, &a.bytes, Mode::Private))
            .transpose()?
        {
            Some(Some(staged)) => early.push(staged),
            Some(None) => public.push((dest.clone(), a.bytes.as_slice())),
            None => public.push((dest.clone(), a.bytes.as_slice())),
        }
    }
    commit_staged(early, &public, Mode::Public)?;
    for a in artifacts {
        let id = a
            .img_id
            .map(|i| format!(" (image {i})"))
            .unwrap_or_default();
        super::print::say!(
            "wrote {} ({} bytes): {}{id}",
            a.path.display(),
            a.bytes.len(),
            a.role
        );
    }
    Ok(())
}

/// One image of a secure build: its file stem, flag, id and the bytes records are made of.
#[derive(Debug, Clone)]
pub struct SecureInput {
    /// Stem for file names.
    pub stem: String,
    /// The online image (flag, id, `com_` payload or raw bytes).
    pub image: OnlineImage,
}

/// Key files of a secure build.
pub struct KeyPaths<'a> {
    /// `<key>.bin`.
    pub root: &'a Path,
    /// `<sigkey>_pri.pem`.
    pub signer: &'a Path,
    /// `<sigkey>_hash.bin` to cross-check, if present.
    pub sig_hash: Option<&'a Path>,
}

fn check_sig_hash(
    signer: &SigningKey,
    path: Option<&Path>,
    nonce_hash: Option<(&Path, &NonceHash)>,
) -> Result<()> {
    let Some(p) = path.filter(|p| p.exists()) else {
        return Ok(());
    };
    let file = read_small(p)?;
    if let Some((np, nh)) = nonce_hash {
        if file.len() < 8 || file[..8] != nh.as_bytes()[..8] {
            bail!(
                "{}: does not start with the nonce hash of --nonce-hash {} ({}...); the vendor \
                 packer would take its AES-CTR nonce from {0}: make the two files agree",
                p.display(),
                np.display(),
                secure::record::hex(&nh.as_bytes()[..8])
            );
        }
        return Ok(());
    }
    let want = signer.verifying_key().sig_hash()?;
    if file.len() < 8 || file[..8] != want[..8] {
        bail!(
            "{}: does not start with the SHA-256 of the signing key's public DER ({}...); the \
             vendor packer takes its AES-CTR nonce from this file, the device from its efuse: \
             regenerate it (imgtool getpub KEY --dumpsig STEM), or, for a chip with an \
             unprogrammed efuse and this key in its flash table, give --nonce-hash {0}",
            p.display(),
            secure::record::hex(&want[..8])
        );
    }
    Ok(())
}

/// Everything a secure build writes, planned: the online set, and the v1 package if asked.
pub fn plan_secure(
    inputs: &[SecureInput],
    build: &SecureBuildArgs,
    keys: &KeyPaths<'_>,
    offline_v1: bool,
) -> Result<(OnlineDfu, Option<Vec<u8>>)> {
    let params = build.params()?;
    let images: Vec<OnlineImage> = inputs.iter().map(|i| i.image.clone()).collect();
    let root = load_root(keys.root)?;
    let signer = load_signer(keys.signer)?;
    let nonce_hash = match &build.nonce_hash {
        Some(p) => Some((p.as_path(), load_nonce_hash(p)?)),
        None => None,
    };
    check_sig_hash(
        &signer,
        keys.sig_hash,
        nonce_hash.as_ref().map(|(p, h)| (*p, h)),
    )?;
    let session = load_session(build.session_key.as_deref())?;
    let k = BuildKeys {
        root: &root,
        signer: &signer,
        session_key: &session,
        nonce_hash: nonce_hash.as_ref().map(|(_, h)| h),
    };
    if offline_v1 {
        let (dfu, pkg) = secure::offline_v1::build_offline_v1(&images, &params, &k)?;
        Ok((dfu, Some(pkg)))
    } else {
        Ok((secure::online::build_online(&images, &params, &k)?, None))
    }
}

/// The files of a planned build, named the vendor's way, in `dir`.
pub fn artifacts(
    inputs: &[SecureInput],
    dfu: &OnlineDfu,
    v1: Option<Vec<u8>>,
    dir: &Path,
    naming: Naming,
    debug_plaintext: bool,
) -> Vec<Artifact> {
    let mut out = Vec::new();
    for (inp, sealed) in inputs.iter().zip(&dfu.images) {
        let (id, flag) = (Some(inp.image.img_id), inp.image.flag);
        if flag & FLAG_COMPRESS != 0 {
            let path = dir.join(input_name(&inp.stem, flag));
            out.push(Artifact::new(
                path,
                "compressed image (com_)",
                id,
                inp.image.data.clone(),
            ));
        }
        let role = if flag & FLAG_ENC != 0 {
            "encrypted image records"
        } else {
            "image records"
        };
        let path = dir.join(record_name(&inp.stem, flag, naming));
        out.push(Artifact::new(path, role, id, sealed.file.clone()));
    }
    out.push(Artifact::new(
        dir.join("ctrl_packet.bin"),
        "control packet",
        None,
        dfu.ctrl.clone(),
    ));
    let body = dfu.ctrl[32..dfu.ctrl.len() - secure::keys::SIG_LEN].to_vec();
    out.push(Artifact::new(
        dir.join("enc_header.txt"),
        "encrypted control packet body",
        None,
        body,
    ));
    if debug_plaintext {
        let mut a = Artifact::new(
            dir.join("control_packet_value.txt"),
            "PLAINTEXT control packet with the session key (debug only)",
            None,
            dfu.ctrl_plain.clone(),
        );
        a.private = true;
        out.push(a);
    }
    if let Some(pkg) = v1 {
        out.push(Artifact::new(
            dir.join("offline_install.bin"),
            "offline package v1",
            None,
            pkg,
        ));
    }
    out
}

/// Refuses what the device's DFU code rejects ([`secure::rules`]) and warns on stderr when the
/// SF32LB52x rule could not be checked (no --chip).
pub fn check_rules(build: &SecureBuildArgs, ids: &[(u8, u16)]) -> Result<()> {
    let (dev, chip) = (
        device_build(&build.device_build),
        build.chip.map(Chip::from),
    );
    if let Some(rule) = check_device_rules(build.dfu_id(), ids, dev, chip)
        .into_iter()
        .next()
    {
        return Err(anyhow::Error::new(rule).context("nothing written"));
    }
    if let Some(w) = unchecked_chip_warning(build.dfu_id(), ids, dev, chip) {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// Refuses vendor triples the device would reject, before any file is read.
pub fn check_triples(
    build: &SecureBuildArgs,
    triples: &[(String, u16, u8)],
    offline_v1: bool,
) -> Result<()> {
    let ids: Vec<(u8, u16)> = triples.iter().map(|t| (t.2, t.1)).collect();
    check_policy(build.dfu_id(), &ids).context("nothing written")?;
    check_rules(build, &ids)?;
    if offline_v1 {
        if let Some(t) = triples.iter().find(|t| t.1 != FLAG_COMPRESS) {
            bail!(
                "--img_para {}: flag {}; --offline_img=1 packs the compressed plaintext com_ \
                 files, so every flag must be 16; nothing written",
                t.0,
                t.1
            );
        }
    }
    Ok(())
}

/// A C array of `bytes` (the DER, to compile into a device image).
pub fn c_array(name: &str, bytes: &[u8]) -> String {
    let mut s = format!("const unsigned char {name}[{}] = {{\n", bytes.len());
    for line in bytes.chunks(12) {
        let row: Vec<String> = line.iter().map(|b| format!("0x{b:02x}")).collect();
        s.push_str(&format!("    {},\n", row.join(", ")));
    }
    s.push_str("};\n");
    s
}

/// True when `text` is an RSA key file (PEM or DER) rather than an ed25519 one.
pub fn is_rsa_key(text: &[u8]) -> bool {
    match VerifyingKey::from_file_bytes(text, "") {
        Ok(_) | Err(secure::SecureError::RsaBits { .. }) => true,
        Err(_) => String::from_utf8_lossy(text).contains("BEGIN RSA "),
    }
}
