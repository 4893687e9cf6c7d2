//! `package`: see the workspace README.

pub mod manifest;
