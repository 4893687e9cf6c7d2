//! `imgtool compress` / `decompress` (to be written).
use super::Outcome;
/// Arguments of `imgtool compress`.
#[derive(clap::Args, Debug)]
pub struct CompressArgs {}
/// Arguments of `imgtool decompress`.
#[derive(clap::Args, Debug)]
pub struct DecompressArgs {}
pub fn run_compress(_a: CompressArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("compress: not implemented yet")
}
pub fn run_decompress(_a: DecompressArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("decompress: not implemented yet")
}
