//! perf-gate: k6-style absolute limits and statistically sound regressions against a baseline
//! or a history, over k6 (JSON-lines, summary export, handleSummary data), locust (CSV, JSON),
//! pytest-benchmark, hyperfine, criterion, Google Benchmark, Go, JMH, BenchmarkDotNet,
//! github-action-benchmark and Bencher reports (see [`formats`]).

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
