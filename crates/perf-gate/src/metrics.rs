//! `metrics` of the perf gate's result file, as one type: written by `render`, and the source
//! of `schemas/metrics/perf.schema.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The perf gate's metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "perf metrics")]
pub struct PerfMetrics {
    /// The format of the reports read.
    pub format: String,
    /// Every threshold, evaluated.
    pub thresholds: Vec<ThresholdRow>,
    /// Every benchmark compared with the baseline (empty without `--baseline`).
    pub benchmarks: Vec<BenchmarkRow>,
    /// The geometric mean of the compared benchmarks' cost ratios (head/base where lower is
    /// better, base/head where higher is: +10% is 10% worse on average; `name` "geomean",
    /// `method` "geomean"); absent without a comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geomean: Option<BenchmarkRow>,
    /// Benchmarks only the head has (not compared).
    pub added: Vec<String>,
    /// Benchmarks only the baseline has (not compared).
    pub removed: Vec<String>,
    /// The history, when `--history` was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryMetrics>,
    /// Benchmarks that regressed.
    pub regressions: u64,
    /// Benchmarks that improved.
    pub improvements: u64,
}

/// One threshold's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThresholdRow {
    /// The metric with its tag filter, as written: `http_req_duration{status:200}`.
    pub metric: String,
    /// `stat op value[unit]` as written.
    pub expression: String,
    /// The statistic's value, in `unit`.
    pub value: f64,
    /// The unit of `value` (the limit's unit; empty for the metric's own).
    pub unit: String,
    /// Whether the limit held.
    pub ok: bool,
}

/// One benchmark compared with the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BenchmarkRow {
    /// Benchmark (or k6 metric) name.
    pub name: String,
    /// Unit of `base` and `head`.
    pub unit: String,
    /// Base centre: median of the samples, else the mean.
    pub base: f64,
    /// Head centre.
    pub head: f64,
    /// `head / base − 1` (0.1 = 10% larger).
    pub change: f64,
    /// Low end of the bootstrap interval of the change (raw samples only).
    pub ci_low: Option<f64>,
    /// High end of that interval.
    pub ci_high: Option<f64>,
    /// Holm-corrected p-value (absent for the plain ratio).
    pub p_value: Option<f64>,
    /// `mann-whitney`, `welch-t`, `ratio (low confidence)` or `geomean`.
    pub method: String,
    /// `regressed`, `improved`, `unchanged` or `inconclusive`.
    pub verdict: String,
}

/// What `--history` held after this run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HistoryMetrics {
    /// Runs kept, this one included.
    pub runs: u64,
    /// Every step change found, oldest first.
    pub steps: Vec<StepRow>,
    /// Benchmarks not compared yet: their current segment has fewer runs than needed (5).
    pub warming_up: Vec<String>,
}

/// A step change in one benchmark's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepRow {
    /// Benchmark name.
    pub benchmark: String,
    /// The first commit of the new level.
    pub commit: String,
    /// Its workflow run, when known.
    pub run: Option<String>,
    /// Mean of the segment before.
    pub before: f64,
    /// Mean of the segment from `commit` on.
    pub after: f64,
    /// `after / before − 1`.
    pub change: f64,
}
