//! Integration tests of coverage-gate: one binary, one module per concern.

mod action;
mod adversarial;
mod cli;
mod cmd;
mod e2e;
mod formats;
mod injection;
mod merge;
mod mutations;
mod rendered;
mod repo;
mod schema;
mod stdin;

use std::path::PathBuf;

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}
