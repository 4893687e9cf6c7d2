//! `imgtool gen-dfu`: the vendor packer's command line (`imgtoolv37 gen_dfu`), so existing
//! build scripts switch by changing the program name. Produces the same offline package v2,
//! with imgtool's compressor and the device-safe byte after each compressed payload.

use super::Outcome;
use crate::pack::{plan_package, Compression, ImageSpec, PackConfig, PackOptions};
use anyhow::{bail, Context, Result};
use layout::ImageId;
use package::Flag;
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
With --key/--sigkey the default is --offline_img=0, as in the vendor tool. The session key is
random unless --session-key; control_packet_value.txt (plaintext, with the session key) is
written only with --debug-plaintext.";

/// Arguments of `imgtool gen-dfu` (spelled like the vendor tool's).
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Triples STEM FLAG ID, e.g. `hcpu 16 0 dfu 16 6`
    #[arg(long = "img_para", value_name = "STEM FLAG ID", num_args = 3.., required = true)]
    pub img_para: Vec<String>,

    /// Packet codec: 0 gzip mode (EZIP engine, default), 1 zlib
    #[arg(long = "com_type", value_name = "N", default_value_t = 0)]
    pub com_type: u8,

    /// 0 online files (control packet + records), 1 offline package v1, 2 offline package
    /// v2 (default without --key/--sigkey; with them the vendor's default 0)
    #[arg(long = "offline_img", value_name = "N")]
    pub offline_img: Option<u8>,

    /// Uncompressed chunk size of compressed images (the vendor's --pksize; above 65536 only
    /// with --allow-large-pksize: the installer allocates pksize + 2 x the largest packet)
    #[arg(long, value_name = "BYTES", default_value_t = ezip::payload::DEFAULT_PKSIZE)]
    pub pksize: u32,

    /// Accept a --pksize above 65536 bytes (the device's installer must have the heap free)
    #[arg(long)]
    pub allow_large_pksize: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::ForceArg,

    /// Directory holding the STEM.bin files (default: the current directory)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Where to write offline_install.bin (default: the --dir directory)
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// The vendor's secure path (--offline_img 0/1): keys, control packet options
    #[command(flatten)]
    pub vendor: super::secure_gen::GenDfuSecureArgs,
}

fn parse_triples(args: &Args, codec: Compression) -> Result<Vec<ImageSpec>> {
    if args.img_para.len() % 3 != 0 {
        bail!(
            "--img_para takes triples STEM FLAG ID; got {} values ({:?})",
            args.img_para.len(),
            args.img_para
        );
    }
    let mut specs = Vec::new();
    for t in args.img_para.chunks(3) {
        let (stem, flag, id) = (&t[0], &t[1], &t[2]);
        let flag: u8 = flag
            .parse()
            .with_context(|| format!("--img_para {stem}: flag {flag:?} is not a number"))?;
        let compression = match Flag::from_u8(flag) {
            Some(Flag::Raw) => Compression::None,
            Some(Flag::Compressed) => codec,
            None if flag & 1 != 0 => bail!(
                "--img_para {stem}: flag {flag} asks for encryption, which offline package v2 \
                 does not have; the secure online files need --offline_img=0 with --key/--sigkey"
            ),
            None => bail!(
                "--img_para {stem}: flag {flag} is not supported; offline package v2 flags are \
                 0 (raw) and 16 (compressed) (the device would decompress any other non-zero flag)"
            ),
        };
        let id: ImageId = id
            .parse()
            .with_context(|| format!("--img_para {stem}: image id"))?;
        specs.push(ImageSpec {
            id,
            path: args.dir.join(format!("{stem}.bin")),
            compression: Some(compression),
            // The vendor tool packs STEM.bin files as they are.
            format: crate::pack::InputFormat::Bin,
        });
    }
    Ok(specs)
}

/// Runs `imgtool gen-dfu`.
pub fn run(args: Args) -> Result<Outcome> {
    let offline = args
        .offline_img
        .unwrap_or(if args.vendor.any_key() { 0 } else { 2 });
    if offline != 2 {
        return super::secure_gen::run(&args, offline);
    }
    if args.vendor.any_key() {
        bail!("--key/--sigkey apply to --offline_img 0 and 1; offline package v2 is not encrypted or RSA-signed");
    }
    let codec = match args.com_type {
        0 => Compression::Gzip,
        1 => Compression::Zlib,
        n => bail!("--com_type={n} is not supported: 0 (gzip / EZIP) or 1 (zlib)"),
    };
    let config = PackConfig {
        layout: None,
        images: parse_triples(&args, codec)?,
        options: PackOptions {
            compression: codec,
            pksize: args.pksize,
            allow_large_pksize: args.allow_large_pksize,
            ..PackOptions::default()
        },
    };
    let out_dir = args.output.clone().unwrap_or_else(|| args.dir.clone());
    let inputs: Vec<&std::path::Path> = config.images.iter().map(|i| i.path.as_path()).collect();
    let dest = crate::output::plan_output_dir(
        &out_dir,
        &[crate::pack::PACKAGE_FILE],
        &inputs,
        args.force.force,
    )?
    .remove(0);
    let planned = plan_package(&config).context("nothing written")?;
    for warning in &planned.warnings {
        eprintln!("warning: {warning}");
    }
    crate::output::write(&dest, &planned.bytes, crate::output::Mode::Public)?;
    let out = out_dir.join(crate::pack::PACKAGE_FILE);
    for (i, im) in planned.images.iter().enumerate() {
        println!(
            "{i}: {} -> image {} ({}), flag {}, {} -> {} bytes",
            im.source.display(),
            im.id.0,
            im.id,
            im.flag.to_u8(),
            im.raw_len,
            im.payload_len
        );
    }
    println!("wrote {} ({} bytes)", out.display(), planned.bytes.len());
    Ok(Outcome::Ok)
}
