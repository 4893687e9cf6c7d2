//! `ezip`: see the workspace README.
