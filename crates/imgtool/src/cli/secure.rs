//! The vendor's secure DFU from the command line, the parts `gen-dfu --offline_img=0/1`,
//! `pack --secure`, `enc`/`dec`, the checks and RSA `getpub` share: argument parsing, key
//! files and printing only; the flow is [`imgtool::secure`], the formats and crypto crate
//! `secure`.

use super::common_args::given_names;
use super::common_args::number;
use anyhow::{bail, Context, Result};
pub use imgtool::secure::{Artifact, Naming};
use imgtool::secure::{KeyFiles, SecureBuild, SecureKeys, SignerKey};
use secure::ctrl::{check_policy, FLAG_COMPRESS};
use secure::online::{OnlineParams, MAX_BKSIZE_FLASH, MAX_BKSIZE_NAND};
use secure::rules::{Chip, DeviceBuild};
use secure::{CommandRsaSigner, NonceHash, RootKey, RsaSigner, VerifyingKey};
use sign::Passphrase;
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

/// `--rsa-sign-command` and its public key: RSA signatures from an external program (a cloud
/// KMS client, an HSM tool) instead of a key file. Flattened into every command that signs
/// with RSA (`pack --secure`, `gen-dfu --offline_img 0/1`, `enc`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RsaCommandArgs {
    /// Sign with this shell command instead of an RSA key file (cloud KMS, HSM tool): it reads
    /// the 32-byte SHA-256 digest on stdin and prints the 256-byte PKCS#1 v1.5 signature on
    /// stdout (raw bytes, or hex or base64 text). Needs --rsa-sign-pub
    #[arg(
        long,
        value_name = "CMD",
        requires = "rsa_sign_pub",
        help_heading = "RSA signing command"
    )]
    pub rsa_sign_command: Option<String>,

    /// RSA-2048 public key (PEM or DER) that every --rsa-sign-command signature must verify
    /// with; its hash also gives the AES-CTR nonce
    #[arg(
        long,
        value_name = "PUB",
        requires = "rsa_sign_command",
        help_heading = "RSA signing command"
    )]
    pub rsa_sign_pub: Option<PathBuf>,

    /// Seconds --rsa-sign-command may take per signature before it is stopped [default: 60]
    #[arg(
        long,
        value_name = "SECONDS",
        requires = "rsa_sign_command",
        help_heading = "RSA signing command",
        value_parser = number::<u32>
    )]
    pub rsa_sign_timeout: Option<u32>,
}

impl RsaCommandArgs {
    /// The command signer, when --rsa-sign-command is given (its public key read).
    pub fn signer(&self) -> Result<Option<CommandRsaSigner>> {
        let (Some(command), Some(public)) = (&self.rsa_sign_command, &self.rsa_sign_pub) else {
            return Ok(None);
        };
        let key = load_verifier(public)?;
        let mut signer = CommandRsaSigner::new(command, key, &public.display().to_string());
        if let Some(s) = self.rsa_sign_timeout {
            signer = signer.with_timeout(std::time::Duration::from_secs(s.into()));
        }
        Ok(Some(signer))
    }

    /// Refuses a signing key option (`flag`, when `given`) together with --rsa-sign-command:
    /// both say how to sign, and the command would win without a word.
    pub fn refuse_with_key(&self, flag: &str, given: bool) -> Result<()> {
        if given && self.rsa_sign_command.is_some() {
            bail!(
                "{flag} and --rsa-sign-command both say how to sign: give one (the command's \
                 public key is --rsa-sign-pub)"
            );
        }
        Ok(())
    }

    /// The options given, by name.
    fn given(&self) -> Vec<&'static str> {
        given_names(&[
            ("--rsa-sign-command", self.rsa_sign_command.is_some()),
            ("--rsa-sign-pub", self.rsa_sign_pub.is_some()),
            ("--rsa-sign-timeout", self.rsa_sign_timeout.is_some()),
        ])
    }

    /// The RSA signer: the command, else `key` opened (a key file decrypted with
    /// `passphrase`, or a token key).
    pub fn signer_or_key(
        &self,
        key: &SignerKey,
        passphrase: Option<&Passphrase>,
    ) -> Result<Box<dyn RsaSigner>> {
        Ok(match self.signer()? {
            Some(s) => Box::new(s),
            None => key.open(passphrase)?,
        })
    }
}

/// Reads an RSA-2048 public key (SPKI PEM/DER, or the public half of a private key).
pub(crate) fn load_verifier(path: &Path) -> Result<VerifyingKey> {
    let b = read_small(path)?;
    match VerifyingKey::from_file_bytes(&b, &path.display().to_string()) {
        Ok(key) => Ok(key),
        // Where a public key is wanted, a passphrase is not the fix.
        Err(secure::SecureError::Key(sign::SignError::Encrypted { .. })) => bail!(
            "{}: this is an encrypted private key; give its public key instead \
             (imgtool getpub {} --passphrase-file FILE -o PUB.pem)",
            path.display(),
            path.display()
        ),
        Err(e) => Err(e.into()),
    }
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

impl From<Chip> for ChipOpt {
    fn from(c: Chip) -> Self {
        match c {
            Chip::Sf32lb52x => ChipOpt::Sf32lb52x,
            Chip::Sf32lb55x => ChipOpt::Sf32lb55x,
            Chip::Sf32lb56x => ChipOpt::Sf32lb56x,
            Chip::Sf32lb58x => ChipOpt::Sf32lb58x,
        }
    }
}

impl From<imgtool::secure::DeviceBuildName> for DeviceBuildOpt {
    fn from(d: imgtool::secure::DeviceBuildName) -> Self {
        use imgtool::secure::DeviceBuildName as N;
        match d {
            N::Lite => DeviceBuildOpt::Lite,
            N::SectionChange => DeviceBuildOpt::SectionChange,
        }
    }
}

/// The device the secure files are for: the options that decide which image ids its DFU code
/// accepts ([`secure::rules`]). Declared once, flattened where they act: gen-dfu and
/// pack --secure (through [`SecureBuildArgs`]) and verify.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DeviceTargetArgs {
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
}

impl DeviceTargetArgs {
    /// The library's target: --device-build, and the chip from --chip, else `layout_chip`.
    pub fn target(&self, layout_chip: Option<Chip>) -> imgtool::secure::DeviceTarget {
        imgtool::secure::DeviceTarget {
            build: DeviceBuild {
                ota_manager_lite: self.device_build.contains(&DeviceBuildOpt::Lite),
                section_change: self.device_build.contains(&DeviceBuildOpt::SectionChange),
            },
            chip: self.chip.map(Chip::from).or(layout_chip),
        }
    }

    /// The options given, by name.
    pub fn given(&self) -> Vec<&'static str> {
        given_names(&[
            ("--device-build", !self.device_build.is_empty()),
            ("--chip", self.chip.is_some()),
        ])
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

    /// The device the files are for (its DFU build options and chip)
    #[command(flatten)]
    pub device: DeviceTargetArgs,

    /// Take the AES-CTR nonce from this 32-byte hash file (like <sigkey>_hash.bin) instead of
    /// the signing key's: for a chip whose efuse is not programmed (it uses the SDK's
    /// development hash, e.g. tools/secureboot/sifli02/sig_hash.bin) with a custom key in its
    /// flash table (docs/secure-dfu.md)
    #[arg(long, value_name = "FILE", help_heading = "Secure DFU")]
    pub nonce_hash: Option<PathBuf>,

    /// RSA signatures from an external command instead of a key file
    #[command(flatten)]
    pub rsa: RsaCommandArgs,
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
        let mut v = given_names(&[
            ("--bksize", self.bksize.is_some()),
            ("--dfu_id", self.dfu_id.is_some()),
            ("--hw_ver", self.hw_ver.is_some()),
            ("--sdk_ver", self.sdk_ver.is_some()),
            ("--fw_ver", self.fw_ver.is_some()),
            ("--align", self.align.is_some()),
            ("--nand", self.nand),
            ("--session-key", self.session_key.is_some()),
            ("--debug-plaintext", self.debug_plaintext),
            ("--nonce-hash", self.nonce_hash.is_some()),
        ]);
        v.extend(self.device.given());
        v.extend(self.rsa.given());
        v
    }

    /// The library's [`SecureBuild`] from the options (`--align` must be 0 or 1); the chip is
    /// --chip, else `layout_chip`.
    pub fn to_build(&self, naming: Naming, layout_chip: Option<Chip>) -> Result<SecureBuild> {
        let align = match self.align.unwrap_or(1) {
            0 => false,
            1 => true,
            n => bail!("--align={n}: 0 or 1"),
        };
        let target = self.device.target(layout_chip);
        Ok(SecureBuild {
            params: OnlineParams {
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
                device_build: target.build,
                chip: target.chip,
            },
            debug_plaintext: self.debug_plaintext,
            naming,
        })
    }

    /// The key files of a build: `root`, `signer` (a key file is decrypted with
    /// `passphrase`), the `sig_hash` to cross-check, and the `--session-key` and
    /// `--nonce-hash` files given.
    pub fn key_files(
        &self,
        root: &Path,
        signer: SignerKey,
        sig_hash: Option<&Path>,
        passphrase: Option<Passphrase>,
    ) -> KeyFiles {
        KeyFiles {
            root: root.to_path_buf(),
            signer,
            sig_hash: sig_hash.map(Path::to_path_buf),
            session: self.session_key.clone(),
            nonce_hash: self.nonce_hash.clone(),
            passphrase,
        }
    }

    /// The keys of a build: `files`, with the --rsa-sign-command signer instead of the
    /// signing key file when given.
    pub fn keys(&self, files: &KeyFiles) -> Result<SecureKeys> {
        Ok(match self.rsa.signer()? {
            Some(s) => SecureKeys::with_signer(files, Box::new(s))?,
            None => SecureKeys::load(files)?,
        })
    }
}

/// Writes every planned artifact, all or none (an output that is one of `inputs`, two
/// artifacts that are the same file, or a protected file unless `force`, is refused before
/// anything is written), and prints one line per file.
pub fn write_all(artifacts: &[Artifact], inputs: &[&Path], force: bool) -> Result<()> {
    imgtool::secure::write_artifacts(artifacts, inputs, force)?;
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

/// Refuses what the device's DFU code rejects ([`secure::rules`]) and warns on stderr when the
/// SF32LB52x rule could not be checked (no --chip, no `layout_chip`).
pub fn check_rules(
    build: &SecureBuildArgs,
    ids: &[(u8, u16)],
    layout_chip: Option<Chip>,
) -> Result<()> {
    let target = build.device.target(layout_chip);
    let warning =
        imgtool::secure::check_device(build.dfu_id(), ids, target).context("nothing written")?;
    if let Some(w) = warning {
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
    check_rules(build, &ids, None)?;
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
