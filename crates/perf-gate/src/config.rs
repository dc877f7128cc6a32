//! The `perf:` section of `.github/gates.yml`. Flags add to (thresholds) and override it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// Settings of the perf gate.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PerfConfig {
    /// Limits, each `metric[{tag:value}]: stat op value[unit][, ...]`; `--threshold` adds more.
    #[serde(default)]
    pub thresholds: Vec<String>,
    /// Largest allowed significant worsening, in percent (default 10).
    #[serde(default, deserialize_with = "gates_core::config::percent")]
    pub max_regression: Option<f64>,
    /// Significance level of the regression tests (default 0.05).
    pub alpha: Option<f64>,
    /// Runs `--history` keeps (default 100, at most 1000).
    pub history_keep: Option<usize>,
    /// Which way is better, by benchmark name or glob (`"*throughput*": higher`), where the unit
    /// and format do not say it right; `--direction` entries come first.
    #[serde(default)]
    pub direction: BTreeMap<String, crate::model::Direction>,
    /// Rule levels by rule id (`perf/regression: warn`); `--allow/--warn/--deny` override them.
    #[serde(default)]
    pub levels: BTreeMap<String, gates_core::rules::RuleLevel>,
    /// Never fail: failed rules become warnings (`--informational`).
    #[serde(default)]
    pub informational: bool,
}

impl gates_core::config::Layered for PerfConfig {
    fn update(&mut self, over: Self) {
        self.thresholds.extend(over.thresholds);
        self.max_regression = over.max_regression.or(self.max_regression);
        self.alpha = over.alpha.or(self.alpha);
        self.history_keep = over.history_keep.or(self.history_keep);
        self.direction.extend(over.direction);
        self.levels.extend(over.levels);
        self.informational |= over.informational;
    }
}

/// The JSON Schema of the `perf:` section (`schemas/config/perf.schema.json`).
pub fn schema_json() -> String {
    serde_json::to_string_pretty(&schemars::schema_for!(PerfConfig)).expect("a schema serialises")
        + "\n"
}
