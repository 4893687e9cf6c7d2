//! Import of the SiFli SDK's `ptab.json` partition tables into a [`Layout`].
//!
//! The importer is lenient where the SDK files vary (unknown keys are ignored, numbers may be
//! hex strings, decimal strings or JSON numbers, `tags`/`img`/`exec`/`ftab`/`custom` are
//! optional) and strict where a value is malformed: the error names the JSON path
//! (`[0].regions[3].max_size`) and what was expected. See `docs/layouts.md` for how memory
//! kinds, the chip family, region labels, `xip` and the image map are derived.

mod derive;
mod json;

use crate::{Layout, LayoutError, MemoryKind};
use std::collections::BTreeMap;

/// Choices the importer cannot read from `ptab.json` itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Chip family; inferred from the layout name (`...lb52...` -> `SF32LB52x`) when `None`.
    pub chip: Option<String>,
    /// Memory kind per memory name, overriding the inference from the name.
    pub memory_kinds: BTreeMap<String, MemoryKind>,
    /// Erase unit per memory name, overriding the default for its kind and chip.
    pub erase_units: BTreeMap<String, u32>,
    /// Stored as the layout's `description` (e.g. which file it came from).
    pub description: Option<String>,
}

/// Why a `ptab.json` could not be imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Not JSON at all.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A value has the wrong type or form.
    #[error("{path}: expected {expected}, found {found}")]
    Field {
        /// JSON path, e.g. `[0].regions[3].max_size`.
        path: String,
        /// What was expected.
        expected: &'static str,
        /// What was found (shortened JSON).
        found: String,
    },
    /// A required key is absent.
    #[error("{path}: missing required key {key:?}")]
    Missing {
        /// JSON path of the object.
        path: String,
        /// The key.
        key: &'static str,
    },
    /// The memory kind cannot be told from the memory's name.
    #[error("{path}: cannot tell the kind of memory {memory:?} from its name; pass an override (e.g. --memory-kind {memory}=nor)")]
    UnknownMemoryKind {
        /// JSON path of the memory.
        path: String,
        /// Memory name.
        memory: String,
    },
    /// The chip family cannot be inferred.
    #[error("cannot tell the chip family of layout {name:?} from its name (no \"lb52\", \"lb55\", \"lb56\" or \"lb58\" in it); pass the chip (e.g. --chip SF32LB52x)")]
    UnknownChip {
        /// The layout name.
        name: String,
    },
    /// The layout name mentions two chip families.
    #[error("layout name {name:?} mentions both {a} and {b}; name it after the board's real chip family, or pass --chip")]
    ConflictingChip {
        /// The layout name.
        name: String,
        /// One family.
        a: String,
        /// The other.
        b: String,
    },
    /// The inferred chip family has no such memory.
    #[error("{path}: memory {memory:?} does not exist on {chip} (it has flash1 and flash2 only); is the chip family right?")]
    ChipMismatch {
        /// JSON path of the memory.
        path: String,
        /// Memory name.
        memory: String,
        /// The chip family.
        chip: String,
    },
    /// The table lists no memories (`[]`): there is nothing to make a layout of.
    #[error("the table lists no memories (it is []): a ptab.json is a list of {{\"mem\", \"base\", \"regions\"}} objects")]
    NoMemories,
    /// An override (`--memory-kind`, `--erase-unit`) names a memory the table does not have.
    #[error("{option} names memory {memory:?}, which the table does not have; its memories: {}", known.join(", "))]
    UnknownOverride {
        /// The option (`--memory-kind` or `--erase-unit`).
        option: &'static str,
        /// The memory name given.
        memory: String,
        /// The table's memory names, in order.
        known: Vec<String>,
    },
    /// The converted layout breaks a layout rule.
    #[error("the imported layout is invalid: {0}")]
    Invalid(#[from] LayoutError),
}

/// The `description` imports record: the source file's name (no directory, so the output
/// does not depend on where the import ran).
pub fn source_description(file_name: &str) -> String {
    format!("imported from {file_name} by imgtool layout import")
}

/// Converts the text of a `ptab.json` into a validated [`Layout`] called `name`.
pub fn import(name: &str, json: &str, opts: &ImportOptions) -> Result<Layout, ImportError> {
    let table = json::parse(json)?;
    if table.is_empty() {
        return Err(ImportError::NoMemories);
    }
    check_overrides(&table, opts)?;
    let chip = match &opts.chip {
        // Canonical spelling for a known family; validation rejects an unknown one.
        Some(c) => crate::Chip::from_name(c).map_or(c.clone(), |k| k.name().to_string()),
        None => derive::chip_from_name(name)?,
    };
    derive::check_chip_memories(&chip, &table)?;
    let mut layout = derive::build(name, &chip, &table, opts)?;
    layout.validate()?;
    Ok(layout)
}

/// An override for a memory the table does not have is a typo that would silently do nothing.
fn check_overrides(table: &[json::PMemory], opts: &ImportOptions) -> Result<(), ImportError> {
    let kinds = opts.memory_kinds.keys().map(|m| ("--memory-kind", m));
    let units = opts.erase_units.keys().map(|m| ("--erase-unit", m));
    for (option, memory) in kinds.chain(units) {
        if !table.iter().any(|m| &m.name == memory) {
            return Err(ImportError::UnknownOverride {
                option,
                memory: memory.clone(),
                known: table.iter().map(|m| m.name.clone()).collect(),
            });
        }
    }
    Ok(())
}
