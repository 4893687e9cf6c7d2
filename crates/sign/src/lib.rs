//! `sign`: see the workspace README.
