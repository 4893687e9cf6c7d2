//! `imgtool gen-dfu --offline_img=0|1`: the vendor's secure online files (control packet and
//! record files) and the offline package v1, from the vendor's own command line.

use super::args::Args;
use crate::cli::secure::{check_triples, write_all, Naming};
use crate::cli::Outcome;
use anyhow::{bail, Context, Result};
use imgtool::pack::{plan_package, Compression, ImageSpec, PackConfig, PackOptions};
use imgtool::secure::{in_dir, plan_secure, SecureConfig, SecureImage};
use layout::ImageId;
use secure::ctrl::{FLAG_COMPRESS, FLAG_ENC};
use std::path::PathBuf;

/// Each stem names its own files (com_STEM.bin, the records outcom_STEM.bin): a stem given
/// twice would write them twice, the second image's over the first's.
fn check_stems(t: &[(String, u16, u8)]) -> Result<()> {
    for (i, (stem, _, _)) in t.iter().enumerate() {
        if let Some(j) = t[..i].iter().position(|(s, _, _)| s == stem) {
            bail!(
                "--img_para: stem {stem:?} is given twice (triples {} and {}); the secure files \
                 are named by stem (e.g. the record file outcom_{stem}.bin), so both images \
                 would write the same files: give each image its own STEM.bin; nothing written",
                j + 1,
                i + 1
            );
        }
    }
    Ok(())
}

/// Runs `gen-dfu` for `--offline_img` 0 (online files) or 1 (offline package v1).
pub fn run(args: &Args, offline: u8) -> Result<Outcome> {
    if offline > 1 {
        bail!("--offline_img={offline}: 0 (online files), 1 (offline package v1) or 2 (offline package v2)");
    }
    let v = &args.vendor;
    if let (Some(d), Some(o)) = (&v.dst_dir, &args.output) {
        bail!(
            "--dst_dir {} and -o {} both name the output directory: give one (--dst_dir also \
             selects the newest packer's file names)",
            d.display(),
            o.display()
        );
    }
    if let Some(f) = v.flags.filter(|f| *f > 1) {
        bail!(
            "--flags={f}: the vendor's global flags have one bit, bit 0 (1: image signatures over \
             the stored, encrypted bytes, the default and what the device checks; 0: over the \
             plaintext); give 0 or 1"
        );
    }
    let (dir, naming) = match &v.dst_dir {
        Some(d) => (d.clone(), Naming::Prefixed),
        None => (
            args.output.clone().unwrap_or_else(|| args.dir.clone()),
            Naming::Classic,
        ),
    };
    // The directory rule of every command (created if missing, refused if a file), before
    // anything is read.
    fsio::output::plan_output_dir(
        &dir,
        &["ctrl_packet.bin", "the record files"],
        &[],
        args.force.force,
    )?;
    let t: Vec<(String, u16, u8)> = args
        .images
        .images()?
        .into_iter()
        .map(|i| (i.stem, i.flag, i.id.0))
        .collect();
    check_triples(&v.build, &t, offline == 1)?;
    check_stems(&t)?;
    if v.flags.is_some_and(|f| f & 1 == 0) && t.iter().any(|t| t.1 & FLAG_ENC != 0) {
        bail!("--flags={}: signatures over the plaintext, but the device verifies the stored ciphertext of encrypted images; every one would fail (use --flags=1); nothing written", v.flags.unwrap_or(0));
    }
    let codec = args.images.codec()?;
    let specs = t
        .iter()
        .map(|(stem, flag, id)| ImageSpec {
            id: ImageId(*id),
            path: args.dir.join(format!("{stem}.bin")),
            compression: Some(if flag & FLAG_COMPRESS != 0 {
                Compression::Codec(codec)
            } else {
                Compression::None
            }),
            // The vendor tool packs STEM.bin files as they are.
            format: imgtool::pack::InputFormat::Bin,
        })
        .collect();
    let mut options = PackOptions {
        compression: Compression::Codec(codec),
        ..PackOptions::default()
    };
    options.pksize = args.pksize;
    options.allow_large_pksize = args.allow_large_pksize;
    let planned = plan_package(&PackConfig {
        layout: None,
        images: specs,
        options,
    })
    .context("nothing written")?;
    for warning in &planned.warnings {
        eprintln!("warning: {warning}");
    }
    let images: Vec<SecureImage> = t
        .iter()
        .zip(planned.plan.images())
        .map(|((stem, flag, id), p)| SecureImage {
            stem: stem.clone(),
            flag: *flag,
            img_id: *id,
            payload: p.payload.clone(),
        })
        .collect();
    let key = v.key.as_deref().unwrap_or("sifli01key");
    let sigkey = v.sigkey.as_deref().unwrap_or("sifli01key");
    let root = PathBuf::from(format!("{key}.bin"));
    let signer = v.pkcs11.rsa_signer(sigkey, true)?;
    if signer.file().is_none() || v.build.rsa.rsa_sign_command.is_some() {
        args.passphrase.refuse_unused(
            "the signing key is not a file here (--rsa-sign-command, pkcs11: key)",
        )?;
    }
    // A token key has no STEM_hash.bin beside it to cross-check.
    let hash = signer
        .file()
        .map(|_| PathBuf::from(format!("{sigkey}_hash.bin")));
    let config = SecureConfig {
        images,
        build: v.build.to_build(naming, None).context("nothing written")?,
        offline_v1: offline == 1,
    };
    let files = v.build.key_files(
        &root,
        signer.clone(),
        hash.as_deref(),
        args.passphrase.passphrase()?,
    );
    let plan = v
        .build
        .keys(&files)
        .and_then(|keys| Ok(plan_secure(&config, &keys)?))
        .context("nothing written")?;
    let mut inputs: Vec<PathBuf> = t
        .iter()
        .map(|(stem, _, _)| args.dir.join(format!("{stem}.bin")))
        .collect();
    inputs.push(root);
    inputs.extend(signer.file().map(PathBuf::from));
    inputs.extend(args.passphrase.path().map(PathBuf::from));
    inputs.extend(v.build.rsa.rsa_sign_pub.clone());
    let refs: Vec<&std::path::Path> = inputs.iter().map(PathBuf::as_path).collect();
    write_all(&in_dir(&plan, &dir), &refs, args.force.force)?;
    Ok(Outcome::Ok)
}
