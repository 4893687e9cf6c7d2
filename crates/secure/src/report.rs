//! Verification findings shared by the readers: each failed check with the offset it concerns,
//! and the hash-mismatch message they (and [`crate::error`]) word alike.

use crate::raw::crypto::DEVICE_HASH_CMP_LEN;
use std::fmt;

/// One failed check: where in the file and what did not hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// File offset of the field or record the check is about.
    pub offset: usize,
    /// What was checked and what was found.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {:#010x}: {}", self.offset, self.message)
    }
}

/// The failures of one reader run; empty means every check held.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Findings(pub Vec<Failure>);

impl Findings {
    /// Records a failure at `offset`.
    pub fn fail(&mut self, offset: usize, message: impl Into<String>) {
        self.0.push(Failure {
            offset,
            message: message.into(),
        });
    }

    /// True when no check failed.
    pub fn ok(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends another reader's failures.
    pub fn extend(&mut self, other: Findings) {
        self.0.extend(other.0);
    }
}

/// "`what` SHA-256 mismatch: stored .., computed ..", noting when the first 8 bytes (all the
/// device compares) match.
pub(crate) fn hash_message(what: &str, got: &[u8; 32], want: &[u8; 32]) -> String {
    let first8 = if got[..DEVICE_HASH_CMP_LEN] == want[..DEVICE_HASH_CMP_LEN] {
        " (the first 8 bytes, all the device compares, match)"
    } else {
        ""
    };
    format!(
        "{what} SHA-256 mismatch: stored {}, computed {}{first8}",
        hex(want),
        hex(got)
    )
}

/// Lower-case hex of `b`.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
