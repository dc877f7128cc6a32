//! JMH JSON (`-rf json`): a list of `{benchmark, mode, params?, primaryMetric: {score,
//! scoreError, scorePercentiles, scoreUnit, rawData | rawDataHistogram}, secondaryMetrics}`.
//! `rawData` holds one list per fork of the measurement iterations' scores: the raw samples.
//! In `sample` mode the samples are `rawDataHistogram` (per fork, per iteration, `[value,
//! count]` pairs), kept as samples up to [`MAX_EXPANDED`] and summarised beyond.
//!
//! The mode decides the direction: `thrpt` (operations per time) is higher-is-better; `avgt`,
//! `sample` and `ss` (time per operation) lower. Throughput is read as operations per second
//! (`ops/ms` scores times 1000, ...), times in their own unit. A benchmark with `params` is
//! named `<benchmark>(k=v, ...)`; a secondary metric `<name> <secondary>`.

use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::formats::finite;
use crate::model::{Direction, Format, Kind, Metric, Report, Summary, Unit};

/// Most histogram samples kept one by one (a long `sample` run records millions).
pub const MAX_EXPANDED: u64 = 100_000;

/// Whether parsed JSON is a JMH report.
pub fn sniff(v: &Value) -> bool {
    v.as_array().is_some_and(|a| {
        a.first().is_some_and(|b| {
            b.get("benchmark").is_some()
                && b.get("mode").is_some()
                && b.get("primaryMetric").is_some()
        })
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bench {
    benchmark: String,
    mode: String,
    #[serde(default)]
    params: Map<String, Value>,
    primary_metric: Score,
    #[serde(default)]
    secondary_metrics: Map<String, Value>,
}

/// `rawDataHistogram`: per fork, per iteration, `[value, count]` pairs.
type Histogram = Vec<Vec<Vec<(f64, u64)>>>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Score {
    score: f64,
    #[serde(default)]
    score_percentiles: Map<String, Value>,
    score_unit: String,
    #[serde(default)]
    raw_data: Option<Vec<Vec<f64>>>,
    #[serde(default)]
    raw_data_histogram: Option<Histogram>,
}

/// The unit of a JMH score unit and the factor to it (`ops/ms` is 1000 ops/s).
fn unit_of(u: &str) -> (Unit, f64) {
    if let Some(per) = u.strip_prefix("ops/") {
        let f = match per {
            "s" => Some(1.0),
            "ms" => Some(1e3),
            "us" => Some(1e6),
            "ns" => Some(1e9),
            "min" => Some(1.0 / 60.0),
            _ => None,
        };
        if let Some(f) = f {
            return (Unit::OpsPerSec, f);
        }
    }
    if let Some(t) = u.strip_suffix("/op").and_then(Unit::time) {
        return (t, 1.0);
    }
    match u {
        "B/op" => (Unit::Bytes, 1.0),
        other => (Unit::Custom(other.to_string()), 1.0),
    }
}

/// Read a parsed JMH report.
pub fn read(path: &Path, v: &Value) -> Result<Report, InputError> {
    let fix = "regenerate it with `java -jar benchmarks.jar -rf json -rff <file>`";
    let mut out = Vec::new();
    for (i, b) in v.as_array().expect("sniffed").iter().enumerate() {
        let b: Bench = serde_json::from_value(b.clone())
            .map_err(|e| InputError::new(path, format!("benchmark {i}: {e}"), fix))?;
        let name = match b.params.is_empty() {
            true => b.benchmark.clone(),
            false => {
                let p: Vec<String> = b
                    .params
                    .iter()
                    .map(|(k, v)| {
                        format!("{k}={}", v.as_str().map_or(v.to_string(), str::to_string))
                    })
                    .collect();
                format!("{}({})", b.benchmark, p.join(", "))
            }
        };
        let direction = match b.mode.as_str() {
            "thrpt" => Direction::HigherIsBetter,
            "avgt" | "sample" | "ss" => Direction::LowerIsBetter,
            other => {
                return Err(InputError::new(
                    path,
                    format!("{name:?} has the mode {other:?} (thrpt, avgt, sample or ss expected)"),
                    fix,
                ))
            }
        };
        out.push(metric(path, &name, &b.primary_metric, direction, fix)?);
        for (sec, s) in &b.secondary_metrics {
            let s: Score = serde_json::from_value(s.clone()).map_err(|e| {
                InputError::new(path, format!("{name:?} secondary metric {sec:?}: {e}"), fix)
            })?;
            // Secondary metrics are costs (allocation rates, GC counts) unless they count
            // operations (group benchmarks, @AuxCounters in thrpt mode).
            let d = match unit_of(&s.score_unit).0 {
                Unit::OpsPerSec => Direction::HigherIsBetter,
                _ => Direction::LowerIsBetter,
            };
            out.push(metric(path, &format!("{name} {sec}"), &s, d, fix)?);
        }
    }
    Ok(Report {
        format: Format::Jmh,
        metrics: out,
        tag_sets: Vec::new(),
    })
}

fn metric(
    path: &Path,
    name: &str,
    s: &Score,
    direction: Direction,
    fix: &str,
) -> Result<Metric, InputError> {
    let (unit, f) = unit_of(&s.score_unit);
    let check = |what: &str, x: f64| -> Result<f64, InputError> {
        let x = finite(path, &format!("{what} of {name:?}"), x, fix)?;
        if x < 0.0 && (unit.is_time() || unit == Unit::OpsPerSec) {
            return Err(InputError::new(
                path,
                format!("{what} of {name:?} is {x}: a time or throughput must not be negative"),
                fix,
            ));
        }
        Ok(x * f)
    };
    let mut m = Metric::new(name, Kind::Trend, unit.clone()).with_direction(direction);
    m.given.insert("avg".into(), check("score", s.score)?);
    for (p, x) in &s.score_percentiles {
        let (Ok(p), Some(x)) = (p.parse::<f64>(), x.as_f64()) else {
            continue;
        };
        let x = check("a score percentile", x)?;
        let key = match p {
            0.0 => "min".to_string(),
            50.0 => "med".to_string(),
            100.0 => "max".to_string(),
            p => format!("p({p})"),
        };
        m.given.insert(key, x);
    }
    if let Some(raw) = &s.raw_data {
        let mut samples = Vec::new();
        for x in raw.iter().flatten() {
            samples.push(check("a rawData score", *x)?);
        }
        m.set_samples(samples);
    } else if let Some(h) = &s.raw_data_histogram {
        let pairs: Vec<(f64, u64)> = h.iter().flatten().flatten().copied().collect();
        let n = pairs.iter().fold(0u64, |n, p| n.saturating_add(p.1));
        for (x, _) in &pairs {
            check("a rawDataHistogram value", *x)?;
        }
        if n <= MAX_EXPANDED {
            let samples = pairs
                .iter()
                .flat_map(|(x, c)| std::iter::repeat_n(x * f, *c as usize))
                .collect();
            m.set_samples(samples);
        } else {
            let mean = pairs.iter().map(|(x, c)| x * f * *c as f64).sum::<f64>() / n as f64;
            let var = pairs
                .iter()
                .map(|(x, c)| (x * f - mean).powi(2) * *c as f64)
                .sum::<f64>()
                / (n - 1) as f64;
            m.summary = Some(Summary {
                mean,
                stddev: var.sqrt(),
                n,
            });
        }
    }
    Ok(m)
}
