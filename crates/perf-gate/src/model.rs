//! The normalised model every format is read into: a report is a list of metrics (a k6 metric,
//! a pytest benchmark, a hyperfine command), each with its raw samples when the format has them
//! and the tool's own statistics when it has only those.

use std::collections::{BTreeMap, HashMap};

/// What a metric measures, which decides its statistics (k6's metric types; a benchmark is a
/// trend of per-iteration times).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Samples summarised by avg, min, med, max, p(N), count.
    Trend,
    /// Share of non-zero samples.
    Rate,
    /// A sum.
    Counter,
    /// The last value, with min and max.
    Gauge,
}

impl Kind {
    /// k6's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Trend => "trend",
            Kind::Rate => "rate",
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        }
    }

    /// The statistics a metric of this kind has (what a threshold may name).
    pub fn stats(self) -> &'static str {
        match self {
            Kind::Trend => "avg, min, med, max, p(N), count",
            Kind::Rate => "rate, count",
            Kind::Counter => "count",
            Kind::Gauge => "value, min, max",
        }
    }
}

/// The unit of a metric's values: the producing tool's own unit, kept so the numbers read as the
/// tool printed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// Nanoseconds (criterion, Go `ns/op`, Google Benchmark, BenchmarkDotNet).
    Nanos,
    /// Microseconds (Google Benchmark `us`, JMH `us/op`).
    Micros,
    /// Milliseconds (k6 `contains: time`, locust).
    Millis,
    /// Seconds (pytest-benchmark, hyperfine).
    Seconds,
    /// Bytes (k6 `contains: data`, Go `B/op`, BenchmarkDotNet allocated memory).
    Bytes,
    /// Allocations (Go `allocs/op`).
    Allocs,
    /// Operations (requests, items, iterations) per second: a throughput.
    OpsPerSec,
    /// Bytes per second: a throughput.
    BytesPerSec,
    /// No unit (counts, rates, gauges, relative changes).
    Plain,
    /// A unit the tool names and the gate does not interpret (Go `b.ReportMetric`,
    /// github-action-benchmark and Bencher BMF `unit` strings).
    Custom(String),
}

impl Unit {
    /// Short name for tables.
    pub fn name(&self) -> &str {
        match self {
            Unit::Nanos => "ns",
            Unit::Micros => "us",
            Unit::Millis => "ms",
            Unit::Seconds => "s",
            Unit::Bytes => "B",
            Unit::Allocs => "allocs",
            Unit::OpsPerSec => "ops/s",
            Unit::BytesPerSec => "B/s",
            Unit::Plain => "",
            Unit::Custom(s) => s,
        }
    }

    /// Whether values are durations (lower is better).
    pub fn is_time(&self) -> bool {
        self.seconds().is_some()
    }

    /// Seconds per unit, for durations.
    pub fn seconds(&self) -> Option<f64> {
        match self {
            Unit::Nanos => Some(1e-9),
            Unit::Micros => Some(1e-6),
            Unit::Millis => Some(1e-3),
            Unit::Seconds => Some(1.0),
            _ => None,
        }
    }

    /// A duration unit by its usual short name (`ns`, `us`, `µs`, `ms`, `s`).
    pub fn time(name: &str) -> Option<Unit> {
        Some(match name {
            "ns" => Unit::Nanos,
            "us" | "µs" | "μs" => Unit::Micros,
            "ms" => Unit::Millis,
            "s" => Unit::Seconds,
            _ => return None,
        })
    }

    /// Which way is better when nothing else is known: throughputs higher, everything else
    /// (times, sizes, counts) lower.
    pub fn direction(&self) -> Direction {
        match self {
            Unit::OpsPerSec | Unit::BytesPerSec => Direction::HigherIsBetter,
            Unit::Custom(s) if is_rate_unit(s) => Direction::HigherIsBetter,
            _ => Direction::LowerIsBetter,
        }
    }
}

/// Whether a tool's unit string is "something per time" (`MB/s`, `ops/sec`, `req/s`): a
/// throughput, higher is better.
pub fn is_rate_unit(unit: &str) -> bool {
    unit.rsplit_once('/').is_some_and(|(_, per)| {
        matches!(
            per.trim(),
            "s" | "sec" | "second" | "ms" | "us" | "µs" | "ns" | "min"
        )
    })
}

/// Which way is better for the compared value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
pub enum Direction {
    /// Times, sizes, error rates.
    #[serde(rename = "lower")]
    LowerIsBetter,
    /// Throughput, success rates.
    #[serde(rename = "higher")]
    HigherIsBetter,
}

/// Where a benchmark is defined, when the format names it (annotations point there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Source file, as the report names it (relative to where the tool ran).
    pub file: String,
    /// 1-based line, when the report gives one.
    pub line: Option<u64>,
}

/// One tag set, shared by the samples that carry it (k6 tags).
pub type Tags = BTreeMap<String, String>;

/// One metric or benchmark.
#[derive(Debug, Clone)]
pub struct Metric {
    /// Metric name (k6) or benchmark name (pytest `fullname`, hyperfine `command`).
    pub name: String,
    /// Its type.
    pub kind: Kind,
    /// Its unit.
    pub unit: Unit,
    /// Which way is better, set by the format that read it (the unit's default unless the
    /// format knows better: JMH throughput modes, github-action-benchmark
    /// `customBiggerIsBetter`, k6 `checks`).
    pub direction: Direction,
    /// The benchmark's source file and line, when the format names them.
    pub location: Option<Location>,
    /// Raw samples, in `unit`, when the format has them.
    pub samples: Vec<f64>,
    /// Index into [`Report::tag_sets`] of each sample's tags (k6 JSON-lines only; empty
    /// otherwise).
    pub sample_tags: Vec<u32>,
    /// Statistics the tool itself computed (summary-only formats), by threshold name (`avg`,
    /// `p(95)`, `rate`, ...). Used only when there are no samples.
    pub given: BTreeMap<String, f64>,
    /// Mean, standard deviation and count the tool gives, for Welch's t without samples.
    pub summary: Option<Summary>,
    /// Whether the report carries its raw samples.
    pub has_samples: bool,
    /// The thresholds the k6 script declared on this metric: the gate re-evaluates them.
    pub declared: Vec<Declared>,
}

/// A threshold a k6 script declared (`thresholds: {http_req_duration: ['p(95)<500']}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The expression as the script wrote it (`p(95)<500`).
    pub expression: String,
    /// k6's own verdict, where the report records it (true: held).
    pub k6_ok: Option<bool>,
}

/// Mean, standard deviation and sample count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub stddev: f64,
    /// Number of samples.
    pub n: u64,
}

impl Summary {
    /// Mean, sample standard deviation (n − 1) and count of `v`; `None` when empty.
    pub fn of(v: &[f64]) -> Option<Summary> {
        let n = v.len();
        if n == 0 {
            return None;
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let var = match n {
            1 => 0.0,
            _ => v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64,
        };
        Some(Summary {
            mean,
            stddev: var.sqrt(),
            n: n as u64,
        })
    }
}

impl Metric {
    /// A metric with no data yet, its direction the unit's default ([`Unit::direction`]).
    pub fn new(name: impl Into<String>, kind: Kind, unit: Unit) -> Metric {
        Metric {
            name: name.into(),
            kind,
            direction: unit.direction(),
            unit,
            location: None,
            samples: Vec::new(),
            sample_tags: Vec::new(),
            given: BTreeMap::new(),
            summary: None,
            has_samples: false,
            declared: Vec::new(),
        }
    }

    /// The same metric, with `direction`.
    pub fn with_direction(mut self, direction: Direction) -> Metric {
        self.direction = direction;
        self
    }

    /// Keep `samples` as the metric's raw samples, with their mean, standard deviation and
    /// count as its summary (for the formats whose statistics are of these samples).
    pub fn set_samples(&mut self, samples: Vec<f64>) {
        self.summary = Summary::of(&samples);
        self.has_samples = !samples.is_empty();
        self.samples = samples;
    }

    /// A statistic by its threshold name, from the samples (restricted to the samples whose
    /// tags contain every `filter` pair) or else from the tool's own numbers. `None` when the
    /// report cannot give it.
    pub fn stat(&self, stat: &Stat, filter: &[(String, String)], tag_sets: &[Tags]) -> Option<f64> {
        if !self.has_samples {
            if !filter.is_empty() {
                return None;
            }
            return self.given.get(&stat.key()).copied();
        }
        let mut values: Vec<f64> = if filter.is_empty() {
            self.samples.clone()
        } else {
            self.samples
                .iter()
                .zip(&self.sample_tags)
                .filter(|(_, t)| {
                    let tags = &tag_sets[**t as usize];
                    filter
                        .iter()
                        .all(|(k, v)| tags.get(k).is_some_and(|x| x == v))
                })
                .map(|(v, _)| *v)
                .collect()
        };
        stat_of(self.kind, stat, &mut values)
    }
}

/// A statistic a threshold can name.
#[derive(Debug, Clone, PartialEq)]
pub enum Stat {
    /// Mean.
    Avg,
    /// Smallest.
    Min,
    /// Median (k6's `med`, p(50)).
    Med,
    /// Largest.
    Max,
    /// Percentile, 0 to 100.
    P(f64),
    /// Share of non-zero samples (rate) or per second (counter, summary export only).
    Rate,
    /// Number of samples (trend, rate) or sum (counter).
    Count,
    /// Last value (gauge) or rate value (summary export).
    Value,
}

impl Stat {
    /// Parse `avg`, `p(95)`, ...
    pub fn parse(s: &str) -> Option<Stat> {
        Some(match s {
            "avg" | "mean" => Stat::Avg,
            "min" => Stat::Min,
            "med" | "median" => Stat::Med,
            "max" => Stat::Max,
            "rate" => Stat::Rate,
            "count" => Stat::Count,
            "value" => Stat::Value,
            _ => {
                let n = s.strip_prefix("p(")?.strip_suffix(')')?;
                let p: f64 = n.trim().parse().ok()?;
                if !(0.0..=100.0).contains(&p) {
                    return None;
                }
                Stat::P(p)
            }
        })
    }

    /// The key k6's summary export uses for it.
    pub fn key(&self) -> String {
        match self {
            Stat::Avg => "avg".into(),
            Stat::Min => "min".into(),
            Stat::Med => "med".into(),
            Stat::Max => "max".into(),
            Stat::P(p) => format!("p({p})"),
            Stat::Rate => "rate".into(),
            Stat::Count => "count".into(),
            Stat::Value => "value".into(),
        }
    }
}

/// A statistic of raw samples, computed as k6 computes it (`metrics/sink.go`).
pub fn stat_of(kind: Kind, stat: &Stat, values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    match (kind, stat) {
        (Kind::Trend, Stat::Count) | (Kind::Rate, Stat::Count) => Some(n as f64),
        (Kind::Counter, Stat::Count) => Some(values.iter().sum()),
        (Kind::Rate, Stat::Rate) | (Kind::Rate, Stat::Value) if n > 0 => {
            Some(values.iter().filter(|v| **v != 0.0).count() as f64 / n as f64)
        }
        (Kind::Gauge, Stat::Value) => values.last().copied(),
        (Kind::Trend | Kind::Gauge, Stat::Min) => values.iter().copied().reduce(f64::min),
        (Kind::Trend | Kind::Gauge, Stat::Max) => values.iter().copied().reduce(f64::max),
        (Kind::Trend, Stat::Avg) if n > 0 => Some(values.iter().sum::<f64>() / n as f64),
        (Kind::Trend, Stat::Med) if n > 0 => {
            values.sort_by(f64::total_cmp);
            Some(percentile_sorted(values, 0.5))
        }
        (Kind::Trend, Stat::P(p)) if n > 0 => {
            values.sort_by(f64::total_cmp);
            Some(percentile_sorted(values, p / 100.0))
        }
        _ => None,
    }
}

/// k6's percentile (TrendSink.P): linear interpolation between the closest ranks of the sorted
/// samples, at rank `pct × (n − 1)`.
pub fn percentile_sorted(sorted: &[f64], pct: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let i = pct * (n as f64 - 1.0);
            let lo = sorted[i.floor() as usize];
            let hi = sorted[i.ceil() as usize];
            lo + (hi - lo) * (i - i.floor())
        }
    }
}

/// Which format a report was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `k6 run --out json=<file>`: one JSON object per line.
    K6Jsonl,
    /// `k6 run --summary-export=<file>` (the legacy summary JSON).
    K6Summary,
    /// The `data` object k6 passes to `handleSummary()`, written with `JSON.stringify`.
    K6HandleSummary,
    /// `locust --csv <prefix>`: `<prefix>_stats.csv`.
    LocustStats,
    /// `locust --csv <prefix>`: `<prefix>_stats_history.csv` (the last row of each name).
    LocustHistory,
    /// `locust --json` (or `--json-file`).
    LocustJson,
    /// `pytest --benchmark-json=<file>` (or a `--benchmark-save` file).
    PytestBenchmark,
    /// `hyperfine --export-json <file>`.
    Hyperfine,
    /// criterion `target/criterion/<bench>/{new,base}/estimates.json`.
    CriterionEstimates,
    /// criterion `target/criterion/<bench>/{new,base}/sample.json` (raw iteration times).
    CriterionSample,
    /// criterion `target/criterion/<bench>/change/estimates.json` (relative change).
    CriterionChange,
    /// `cargo bench -- --output-format bencher` (criterion or libtest): `test … bench: …`.
    CriterionBencher,
    /// Google Benchmark `--benchmark_format=json` / `--benchmark_out_format=json`.
    GoogleBenchmark,
    /// `go test -bench` text output.
    GoBench,
    /// JMH `-rf json`.
    Jmh,
    /// BenchmarkDotNet's full JSON exporter.
    #[value(name = "benchmarkdotnet")]
    BenchmarkDotNet,
    /// github-action-benchmark custom JSON, direction from each unit (recognised from the
    /// content, which does not say which `tool` it was written for).
    #[value(name = "github-action-benchmark")]
    GabCustom,
    /// github-action-benchmark custom JSON for `tool: customSmallerIsBetter`.
    CustomSmallerIsBetter,
    /// github-action-benchmark custom JSON for `tool: customBiggerIsBetter`.
    CustomBiggerIsBetter,
    /// Bencher Metric Format (BMF) JSON.
    Bmf,
}

impl Format {
    /// Its name in messages and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Format::K6Jsonl => "k6 JSON-lines",
            Format::K6Summary => "k6 summary export",
            Format::K6HandleSummary => "k6 handleSummary data",
            Format::LocustStats => "locust CSV stats",
            Format::LocustHistory => "locust CSV stats history",
            Format::LocustJson => "locust JSON",
            Format::PytestBenchmark => "pytest-benchmark",
            Format::Hyperfine => "hyperfine",
            Format::CriterionEstimates => "criterion estimates",
            Format::CriterionSample => "criterion sample",
            Format::CriterionChange => "criterion change estimates",
            Format::CriterionBencher => "bencher text (cargo bench --output-format bencher)",
            Format::GoogleBenchmark => "Google Benchmark JSON",
            Format::GoBench => "go test -bench text",
            Format::Jmh => "JMH JSON",
            Format::BenchmarkDotNet => "BenchmarkDotNet JSON",
            Format::GabCustom => "github-action-benchmark custom JSON",
            Format::CustomSmallerIsBetter => "github-action-benchmark customSmallerIsBetter JSON",
            Format::CustomBiggerIsBetter => "github-action-benchmark customBiggerIsBetter JSON",
            Format::Bmf => "Bencher Metric Format JSON",
        }
    }

    /// Whether its metrics are benchmarks to compare against a baseline (every one), or load
    /// test metrics (k6, locust) of which only the end-to-end durations are compared.
    pub fn is_benchmark(self) -> bool {
        !matches!(
            self,
            Format::K6Jsonl
                | Format::K6Summary
                | Format::K6HandleSummary
                | Format::LocustStats
                | Format::LocustHistory
                | Format::LocustJson
        )
    }

    /// Whether it is a text format, streamed line by line.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Format::K6Jsonl
                | Format::LocustStats
                | Format::LocustHistory
                | Format::GoBench
                | Format::CriterionBencher
        )
    }
}

/// One or more reports of the same format, read.
#[derive(Debug, Clone)]
pub struct Report {
    /// The format.
    pub format: Format,
    /// The metrics, in the report's order.
    pub metrics: Vec<Metric>,
    /// Distinct k6 tag sets, indexed by [`Metric::sample_tags`].
    pub tag_sets: Vec<Tags>,
}

impl Report {
    /// Each metric's index by name, so lookups over thousands of benchmarks stay linear.
    pub fn index_by_name(&self) -> HashMap<String, usize> {
        self.metrics
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.clone(), i))
            .collect()
    }

    /// The metric of that name.
    pub fn get(&self, name: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_between_closest_ranks() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile_sorted(&v, 0.5), 2.5);
        assert_eq!(percentile_sorted(&v, 0.9), 3.7);
        assert_eq!(percentile_sorted(&v, 1.0), 4.0);
        assert_eq!(percentile_sorted(&[7.0], 0.95), 7.0);
    }

    #[test]
    fn stat_names() {
        assert_eq!(Stat::parse("p(99.9)"), Some(Stat::P(99.9)));
        assert_eq!(Stat::parse("p(101)"), None);
        assert_eq!(Stat::P(95.0).key(), "p(95)");
        assert_eq!(Stat::parse("pp"), None);
    }
}
