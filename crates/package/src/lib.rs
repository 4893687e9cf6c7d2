//! `package`: see the workspace README.
