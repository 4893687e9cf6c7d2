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
(EZIP engine), --com_type=1 in zlib mode. Only --offline_img=2 (offline package v2) is
implemented; the vendor's secure path (signed/encrypted packages, flag 1, --offline_img=1) is
not yet and is refused. There are no layout checks here: `imgtool pack --layout` does them.
See docs/migrating-from-imgtoolv37.md.";

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

    /// Package format: 2 = offline package v2 (the only one implemented)
    #[arg(long = "offline_img", value_name = "N", default_value_t = 2)]
    pub offline_img: u8,

    /// Uncompressed chunk size of compressed images (the vendor's --pksize; above 65536 only
    /// with --force: the installer allocates pksize + 2 x the largest packet)
    #[arg(long, value_name = "BYTES", default_value_t = ezip::payload::DEFAULT_PKSIZE)]
    pub pksize: u32,

    /// Accept a --pksize above 65536 bytes
    #[arg(long)]
    pub force: bool,

    /// Directory holding the STEM.bin files (default: the current directory)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Where to write offline_install.bin (default: the --dir directory)
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Vendor secure-path options (key, signing key, versions): recognised so that scripts
    /// using them fail with a clear message instead of a parse error
    #[arg(
        long = "key",
        alias = "sigkey",
        alias = "dfu_id",
        alias = "hw_ver",
        alias = "sdk_ver",
        alias = "fw_ver",
        value_name = "VALUE",
        hide = true
    )]
    pub secure: Vec<String>,
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
                "--img_para {stem}: flag {flag} asks for encryption (the vendor's secure path), \
                 which imgtool does not implement yet"
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
    if !args.secure.is_empty() {
        bail!(
            "the vendor's secure path (keys, signed/encrypted DFU packages) is not implemented \
             in imgtool gen-dfu yet; drop the key/version options to build a plain offline package"
        );
    }
    if args.offline_img != 2 {
        bail!(
            "--offline_img={} is not implemented: imgtool gen-dfu writes offline package v2 \
             only (--offline_img=2)",
            args.offline_img
        );
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
            allow_large_pksize: args.force,
            ..PackOptions::default()
        },
    };
    let out_dir = args.output.clone().unwrap_or_else(|| args.dir.clone());
    let inputs: Vec<&std::path::Path> = config.images.iter().map(|i| i.path.as_path()).collect();
    let dest =
        crate::output::plan_output_dir(&out_dir, &[crate::pack::PACKAGE_FILE], &inputs, false)?
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
