//! `metrics` of the security gate's result file, as one type: written by `render`, read back by
//! `--baseline` (its fingerprints), and the source of `schemas/metrics/security.schema.json`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// Counts per severity name (`critical`, `high`, `medium`, `low`, `info`, `unknown`).
pub type SeverityCounts = BTreeMap<String, u64>;

/// Counts by severity, every level present.
pub fn severity_counts(m: &BTreeMap<Severity, u64>) -> SeverityCounts {
    m.iter().map(|(k, v)| (k.name().to_string(), *v)).collect()
}

/// The security gate's metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "security metrics")]
pub struct SecurityMetrics {
    /// Active (not suppressed) findings, counted once across scanners.
    pub total: u64,
    /// Active findings per severity.
    pub severity: SeverityCounts,
    /// Findings the baseline does not have (with `--baseline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<u64>,
    /// New findings per severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_severity: Option<SeverityCounts>,
    /// Baseline findings that are gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<u64>,
    /// Findings suppressed (by the suppressions file or the scanner's own markers).
    pub suppressed: u64,
    /// The scanners whose reports were read.
    pub tools: Vec<String>,
    /// Every finding's line-independent identity (hashes only): the next run's `--baseline` can
    /// be this file.
    pub fingerprints: Vec<String>,
}
