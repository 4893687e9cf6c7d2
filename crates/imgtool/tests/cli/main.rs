//! CLI integration tests: the built `imgtool` binary run in temp dirs on real files. One test
//! binary (one link, one place for the helpers in `common`); a module per command family.
//!
//! `IMGTOOL_BLESS=1 cargo test -p imgtool --test cli <module>::<test>` rewrites the golden
//! files a test compares with, after a deliberate change.

mod common;
mod compress;
mod device;
mod device_sim;
mod diff;
mod docs;
mod docs_send;
mod elf2bin;
mod files;
mod generated_docs;
mod hsm;
mod image;
mod issue16;
mod keys;
mod layout;
mod levels;
mod numbers;
mod options_misc;
mod options_pack;
mod options_secure;
mod options_sim;
mod pack;
mod paths;
mod secure;
mod send;
mod sign;
mod simulate;
