//! perf-gate: k6-style absolute limits and statistically sound regressions against a baseline,
//! over k6 (JSON-lines and summary export), pytest-benchmark and hyperfine reports.

pub mod changepoint;
pub mod compare;
pub mod config;
pub mod formats;
pub mod gate;
pub mod history;
pub mod metrics;
pub mod model;
pub mod render;
pub mod reports;
pub mod rules;
pub mod threshold;
