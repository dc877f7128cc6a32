//! coverage-gate: read coverage reports of any supported format, merge them, resolve their
//! paths against the checkout, and gate overall, patch, per-path and baseline coverage.

pub mod config;
pub mod formats;
pub mod gate;
pub mod merge;
pub mod metrics;
pub mod model;
pub mod patch;
pub mod paths;
pub mod policy;
pub mod render;
