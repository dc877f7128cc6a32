//! Integration tests of coverage-gate: one binary, one module per concern.

// Tests set up the programs' environment from the real one (PATH, GATES_BLESS).
#![allow(clippy::disallowed_methods)]

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

use std::path::PathBuf;

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}
