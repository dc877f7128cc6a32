//! security-gate: one policy over SARIF and the native reports of a dozen scanners: one severity
//! scale, counted thresholds, new-findings-only against the base branch's reports, expiring
//! suppressions with reasons, cross-tool dedupe, merged SARIF, and secrets that never leak.

pub mod config;
pub mod dedupe;
pub mod fingerprint;
pub mod formats;
pub mod gate;
pub mod locate;
pub mod metrics;
pub mod model;
pub mod render;
pub mod rules;
pub mod sarif_out;
pub mod suppress;
