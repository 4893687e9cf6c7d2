//! The power-cut sweep: one run per flash operation of the uncut flow, power lost just before
//! that operation, then the device left to settle.

use crate::flash::FlashOp;
use crate::outcome::{Class, Outcome};
use crate::scenario::{RunReport, Scenario};
use rayon::prelude::*;

/// One power cut and how it ended.
#[derive(Debug, Clone)]
pub struct CutResult {
    /// The operation that never happened (power was lost just before it).
    pub op: FlashOp,
    /// The end state.
    pub outcome: Outcome,
    /// What each program did, power cut and recovery included.
    pub trace: Vec<String>,
}

/// A run of consecutive cuts with the same outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// First operation of the window.
    pub first: FlashOp,
    /// Last operation of the window.
    pub last: FlashOp,
    /// The outcome of every cut in it.
    pub outcome: Outcome,
}

impl Window {
    /// Number of cuts in the window.
    pub fn len(&self) -> u64 {
        self.last.index - self.first.index + 1
    }

    /// Never empty; here for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The sweep's results.
#[derive(Debug, Clone)]
pub struct PowerCutReport {
    /// The uncut run the cuts are taken from.
    pub reference: RunReport,
    /// One result per operation of the reference run, in order.
    pub cuts: Vec<CutResult>,
}

impl PowerCutReport {
    /// How many cuts ended in `class`.
    pub fn count(&self, class: Class) -> usize {
        self.cuts
            .iter()
            .filter(|c| c.outcome.class() == class)
            .count()
    }

    /// The first cut that ends broken.
    pub fn first_broken(&self) -> Option<&CutResult> {
        self.cuts
            .iter()
            .find(|c| c.outcome.class() == Class::Broken)
    }

    /// Whether every cut (and the uncut run) leaves a device that comes back.
    pub fn safe(&self) -> bool {
        self.reference.passed() && self.first_broken().is_none()
    }

    /// Consecutive cuts grouped by identical outcome.
    pub fn windows(&self) -> Vec<Window> {
        let mut out: Vec<Window> = Vec::new();
        for c in &self.cuts {
            match out.last_mut() {
                Some(w) if w.outcome == c.outcome && w.last.index + 1 == c.op.index => {
                    w.last = c.op.clone();
                }
                _ => out.push(Window {
                    first: c.op.clone(),
                    last: c.op.clone(),
                    outcome: c.outcome.clone(),
                }),
            }
        }
        out
    }
}

impl Scenario {
    /// Runs the flow once per flash operation, cutting power just before it.
    pub fn power_cuts(&self) -> PowerCutReport {
        let reference = self.run();
        // Cuts are independent runs from the same start: one per core, results in op order.
        let cuts = reference
            .ops
            .par_iter()
            .map(|op| {
                let (outcome, trace) = self.run_with_cut(op.index);
                CutResult {
                    op: op.clone(),
                    outcome,
                    trace,
                }
            })
            .collect();
        PowerCutReport { reference, cuts }
    }
}
