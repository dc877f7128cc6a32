//! `metrics` of the coverage gate's result file, as one type: written by `render`, read back by
//! `--baseline`, and the source of `schemas/metrics/coverage.schema.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::Counter;
use crate::policy::truncate2;

/// Covered of total, and the percentage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CounterMetric {
    /// Covered items.
    pub covered: u64,
    /// All items.
    pub total: u64,
    /// covered/total*100 truncated to 2 decimals; null when total is 0.
    #[schemars(range(min = 0, max = 100))]
    pub percent: Option<f64>,
}

impl From<Counter> for CounterMetric {
    fn from(c: Counter) -> Self {
        CounterMetric {
            covered: c.covered,
            total: c.total,
            percent: c.percent().map(truncate2),
        }
    }
}

impl CounterMetric {
    /// Back to a counter; `None` when covered exceeds total (an edited file).
    pub fn counter(self) -> Option<Counter> {
        (self.covered <= self.total).then_some(Counter {
            covered: self.covered,
            total: self.total,
        })
    }
}

/// The base patch coverage was measured from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BaseMetric {
    /// The commit diffed from.
    pub sha: String,
    /// How it was chosen, in words.
    pub how: String,
}

/// The producer's own headline number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HeadlineMetric {
    /// What is counted, e.g. `statements`.
    pub name: String,
    /// Covered items.
    pub covered: u64,
    /// All items.
    pub total: u64,
    /// Truncated to 2 decimals.
    pub percent: Option<f64>,
    /// As the producer prints it (`72%`).
    pub shown: String,
    /// How the producer computes it.
    pub formula: String,
}

/// The coverage gate's metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "coverage metrics")]
pub struct CoverageMetrics {
    /// Lines over all files.
    pub lines: CounterMetric,
    /// Branch outcomes.
    pub branches: CounterMetric,
    /// Functions.
    pub functions: CounterMetric,
    /// Coverable lines the change added or modified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<CounterMetric>,
    /// The base of the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseMetric>,
    /// Line coverage now minus the baseline's, in percentage points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<f64>,
    /// The producer's headline, when it counts something other than lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<HeadlineMetric>,
    /// What the thresholds check: `lines`.
    pub gated: String,
    /// Files in the merged report.
    pub files: u64,
    /// Report paths not found in the checkout.
    pub unresolved: u64,
}
