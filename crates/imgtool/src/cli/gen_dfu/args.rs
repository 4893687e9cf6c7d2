//! The arguments of `imgtool gen-dfu`, spelled like the vendor tool's; shared by the
//! offline package v2 path (`mod.rs`) and the secure paths (`vendor_secure.rs`).

use crate::cli::common_args::{number, ForceArg, VendorImagesArg};
use crate::cli::secure::SecureBuildArgs;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Example (the vendor's own command line, unchanged):
  imgtool gen-dfu --img_para hcpu 16 0 dfu 16 6 --com_type=0 --offline_img=2
      Reads hcpu.bin and dfu.bin from the current directory (or --dir) and writes
      offline_install.bin there: hcpu.bin compressed as image 0, dfu.bin compressed as
      image 6 (the DFU installer).

--img_para takes triples STEM FLAG ID: the file STEM.bin, flag 16 (compressed) or 0 (raw), and
the image id (a number, or a name such as hcpu or dfu). --com_type=0 compresses in gzip mode
(EZIP engine), --com_type=1 in zlib mode. There are no layout checks here: `imgtool pack
--layout` does them. See docs/migrating-from-imgtoolv37.md.

The vendor's secure path (docs/secure-dfu.md), same command lines:
  imgtool gen-dfu --img_para hcpu 17 0 --key=s01 --sigkey=sig --offline_img=0 --session-key k.bin
      Reads s01.bin (root key), sig_pri.pem (RSA-2048) and hcpu.bin; writes com_hcpu.bin,
      enccom_hcpu.bin (records), ctrl_packet.bin and enc_header.txt. Flags: 0, 1 (encrypted),
      16 (compressed), 17. With --dst_dir DIR the newest packer's names (enc_com_hcpu.bin) in DIR.
  imgtool gen-dfu --img_para hcpu 16 0 --key=s01 --sigkey=sig --offline_img=1
      Also offline_install.bin in the legacy v1 format (flag 16 only).
  imgtool gen-dfu --img_para hcpu 17 0 --key=s01 --sigkey='pkcs11:token=dfu;object=dfu-sig' \\
                  --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin-file pin.txt
      The signing key in an HSM token (docs/secure-dfu.md, Keys in an HSM).
With --key/--sigkey the default is --offline_img=0, as in the vendor tool. The session key is
random unless --session-key; control_packet_value.txt (plaintext, with the session key) is
written only with --debug-plaintext.";

/// Arguments of `imgtool gen-dfu` (spelled like the vendor tool's).
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The images (--img_para) and their codec (--com_type)
    #[command(flatten)]
    pub images: VendorImagesArg,

    /// 0 online files (control packet + records), 1 offline package v1, 2 offline package
    /// v2 (default without --key/--sigkey; with them the vendor's default 0)
    #[arg(long = "offline_img", value_name = "N", value_parser = number::<u8>)]
    pub offline_img: Option<u8>,

    /// Uncompressed chunk size of compressed images (the vendor's --pksize; above 65536 only
    /// with --allow-large-pksize: the installer allocates pksize + 2 x the largest packet)
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = ezip::payload::DEFAULT_PKSIZE,
        value_parser = number::<u32>
    )]
    pub pksize: u32,

    /// Accept a --pksize above 65536 bytes (the device's installer must have the heap free)
    #[arg(long)]
    pub allow_large_pksize: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: ForceArg,

    /// Directory holding the STEM.bin files (default: the current directory)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Where to write offline_install.bin (default: the --dir directory; with --dst_dir, the
    /// current directory, as the newest vendor packer)
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// The vendor's secure path (--offline_img 0/1): keys, control packet options
    #[command(flatten)]
    pub vendor: GenDfuSecureArgs,

    /// The passphrase of an encrypted STEM_pri.pem
    #[command(flatten)]
    pub passphrase: crate::cli::common_args::PassphraseArg,
}

/// The vendor's secure-path options of `gen_dfu`.
#[derive(clap::Args, Debug, Clone)]
pub struct GenDfuSecureArgs {
    /// Root key file stem: reads STEM.bin (32 raw bytes). Vendor default sifli01key
    #[arg(
        long,
        value_name = "STEM",
        help_heading = "Secure DFU (--offline_img 0/1)"
    )]
    pub key: Option<String>,

    /// Signing key file stem: reads STEM_pri.pem (RSA-2048; not with --rsa-sign-command),
    /// checks STEM_hash.bin if present; or a pkcs11: URI of an RSA-2048 key in an HSM token.
    /// Vendor default sifli01key
    #[arg(
        long,
        value_name = "STEM",
        help_heading = "Secure DFU (--offline_img 0/1)"
    )]
    pub sigkey: Option<String>,

    /// Output directory; also selects the newest packer's names (enc_com_x.bin instead of
    /// enccom_x.bin). With --offline_img 2 the directory of the STEM.bin inputs, as in that
    /// packer
    #[arg(
        long = "dst_dir",
        alias = "dst-dir",
        value_name = "DIR",
        help_heading = "Secure DFU (--offline_img 0/1)"
    )]
    pub dst_dir: Option<PathBuf>,

    /// Vendor global flags: bit 0 = sign the stored (encrypted) bytes, the default 1 and the
    /// only value the device verifies for encrypted images
    #[arg(
        long,
        value_name = "N",
        help_heading = "Secure DFU (--offline_img 0/1)",
        value_parser = number::<u8>
    )]
    pub flags: Option<u8>,

    /// Control packet and record options
    #[command(flatten)]
    pub build: SecureBuildArgs,

    /// Module and PIN of a pkcs11: --sigkey
    #[command(flatten)]
    pub pkcs11: crate::cli::common_args::Pkcs11Args,
}

impl GenDfuSecureArgs {
    /// The options given that only the secure paths use (`--dst_dir` excepted: offline
    /// package v2 reads its inputs from it, as the newest vendor packer does), split into the
    /// vendor packer's own (which it takes and ignores with --offline_img 2) and imgtool's.
    pub fn unused_by_package_v2(&self) -> (Vec<&'static str>, Vec<&'static str>) {
        const VENDOR: [&str; 7] = [
            "--bksize",
            "--dfu_id",
            "--hw_ver",
            "--sdk_ver",
            "--fw_ver",
            "--align",
            "--flags",
        ];
        let mut v = self.build.given();
        if self.flags.is_some() {
            v.push("--flags");
        }
        v.extend(self.pkcs11.given());
        v.into_iter().partition(|o| VENDOR.contains(o))
    }

    /// True when a key option was given (then the vendor's default is --offline_img=0).
    pub fn any_key(&self) -> bool {
        self.key.is_some() || self.sigkey.is_some() || self.build.rsa.rsa_sign_command.is_some()
    }
}
