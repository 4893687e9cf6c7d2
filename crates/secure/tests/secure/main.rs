//! Tests of the `secure` crate on real bytes: the SDK's sifli02 development keys, golden files
//! (`IMGTOOL_BLESS=1 cargo test -p secure` rewrites them), an independent second code path
//! through the `openssl` command line, byte flips and refused inputs.

mod common;
mod enc;
mod errors;
mod ftab;
mod keys;
mod layout;
mod offline_v1;
mod online;
mod rules;
mod signer;
