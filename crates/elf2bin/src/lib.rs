//! `elf2bin`: see the workspace README.
