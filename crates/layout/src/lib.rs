//! `layout`: see the workspace README.
