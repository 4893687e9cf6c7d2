//! The chip families imgtool knows, with what differs between them: the one place code
//! branches on a chip (adding a chip is a variant here plus its data; see ARCHITECTURE.md).

use std::fmt;

/// A SiFli SF32LB5x chip family (a layout's `chip`, the SDK's `SOC_SF32LB5xX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chip {
    /// SF32LB52x.
    Sf32lb52x,
    /// SF32LB55x.
    Sf32lb55x,
    /// SF32LB56x.
    Sf32lb56x,
    /// SF32LB58x.
    Sf32lb58x,
}

impl Chip {
    /// Every family, in order.
    pub const ALL: [Chip; 4] = [
        Chip::Sf32lb52x,
        Chip::Sf32lb55x,
        Chip::Sf32lb56x,
        Chip::Sf32lb58x,
    ];

    /// The family's name as layouts and the SDK write it (`SF32LB52x`).
    pub fn name(self) -> &'static str {
        match self {
            Chip::Sf32lb52x => "SF32LB52x",
            Chip::Sf32lb55x => "SF32LB55x",
            Chip::Sf32lb56x => "SF32LB56x",
            Chip::Sf32lb58x => "SF32LB58x",
        }
    }

    /// The family named `s` (case-insensitive: `sf32lb52x` is `SF32LB52x`).
    pub fn from_name(s: &str) -> Option<Chip> {
        Chip::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s))
    }

    /// The family whose second digit is `d` (`'2'` for SF32LB52x), as ptab names say it.
    pub fn from_digit(d: char) -> Option<Chip> {
        Chip::ALL
            .into_iter()
            .find(|c| c.name().as_bytes()[7] == d as u8)
    }

    /// Default NOR flash erase unit: 8 KiB on SF32LB55x, 4 KiB elsewhere.
    pub fn nor_erase_unit(self) -> u32 {
        match self {
            Chip::Sf32lb55x => 8 * 1024,
            _ => 4 * 1024,
        }
    }

    /// Whether the SDK compiles out the LCPU and patch image cases of its DFU code for this
    /// family (`#ifndef SOC_SF32LB52X`): image ids 1 and 2 cannot be installed.
    pub fn lacks_lcpu_images(self) -> bool {
        self == Chip::Sf32lb52x
    }
}

impl fmt::Display for Chip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_insensitively() {
        for c in Chip::ALL {
            assert_eq!(Chip::from_name(c.name()), Some(c));
            assert_eq!(Chip::from_name(&c.name().to_lowercase()), Some(c));
            assert_eq!(Chip::from_digit(c.name().as_bytes()[7] as char), Some(c));
        }
        assert_eq!(Chip::from_name("SF32LB54x"), None);
        assert_eq!(Chip::from_digit('4'), None);
    }
}
