//! Google Benchmark JSON (`--benchmark_format=json` or `--benchmark_out_format=json`):
//! `{context, benchmarks: [{name, run_name, run_type, repetitions, repetition_index,
//! iterations, real_time, cpu_time, time_unit, aggregate_name?, aggregate_unit?, <counters>}]}`.
//! With `--benchmark_repetitions=N` each benchmark has N `run_type: "iteration"` rows (the raw
//! samples) and aggregate rows (`mean`, `median`, `stddev`, `cv`; with
//! `--benchmark_report_aggregates_only` only those).
//!
//! Per `run_name`: `<run_name>` (real time, the tool's headline), `<run_name> cpu_time`, and
//! `<run_name> <counter>` for each user counter (`items_per_second` and `bytes_per_second`
//! are throughputs, higher is better; other counters carry no unit in the JSON and are taken
//! as lower-is-better plain numbers).

use std::path::Path;

use gates_core::InputError;
use serde_json::{Map, Value};

use crate::formats::{duration, finite};
use crate::model::{Direction, Format, Kind, Metric, Report, Summary, Unit};

/// Whether parsed JSON is a Google Benchmark report.
pub fn sniff(v: &Value) -> bool {
    v.get("context").is_some_and(Value::is_object)
        && v.get("benchmarks")
            .and_then(Value::as_array)
            .is_some_and(|b| {
                b.first()
                    .is_some_and(|x| x.get("run_type").is_some() || x.get("time_unit").is_some())
            })
}

/// Keys of a row that are not user counters.
const FIXED: [&str; 17] = [
    "name",
    "family_index",
    "per_family_instance_index",
    "run_name",
    "run_type",
    "repetitions",
    "repetition_index",
    "threads",
    "iterations",
    "real_time",
    "cpu_time",
    "time_unit",
    "aggregate_name",
    "aggregate_unit",
    "error_occurred",
    "error_message",
    "label",
];

/// One series being collected: a name, its unit and direction, and its values by row kind.
struct Series {
    name: String,
    unit: Unit,
    direction: Direction,
    samples: Vec<f64>,
    mean: Option<f64>,
    median: Option<f64>,
    stddev: Option<f64>,
    repetitions: u64,
}

/// Read a parsed Google Benchmark report.
pub fn read(path: &Path, v: &Value) -> Result<Report, InputError> {
    let fix = "regenerate it with `<bench> --benchmark_out=<file> --benchmark_out_format=json` (add --benchmark_repetitions=N for samples)";
    let mut series: Vec<Series> = Vec::new();
    for (i, row) in v["benchmarks"]
        .as_array()
        .expect("sniffed")
        .iter()
        .enumerate()
    {
        let Some(row) = row.as_object() else {
            return Err(InputError::new(
                path,
                format!("benchmarks[{i}] is not an object"),
                fix,
            ));
        };
        let s = |k: &str| row.get(k).and_then(Value::as_str);
        let name = s("name")
            .ok_or_else(|| InputError::new(path, format!("benchmarks[{i}] has no name"), fix))?;
        if row.get("error_occurred").and_then(Value::as_bool) == Some(true) {
            return Err(InputError::new(
                path,
                format!(
                    "benchmark {name:?} failed: {}",
                    s("error_message").unwrap_or("(no message)")
                ),
                "fix the benchmark (it called state.SkipWithError), then rerun it",
            ));
        }
        let run_name = s("run_name").unwrap_or(name);
        let aggregate = match s("run_type") {
            Some("aggregate") => match s("aggregate_name") {
                Some(a @ ("mean" | "median" | "stddev")) => Some(a),
                // cv is a percentage; BigO and RMS describe complexity fits.
                _ => continue,
            },
            _ => None,
        };
        let unit_name = s("time_unit").unwrap_or("ns");
        let unit = Unit::time(unit_name).ok_or_else(|| {
            InputError::new(
                path,
                format!(
                    "benchmark {name:?} has the time unit {unit_name:?} (ns, us, ms or s expected)"
                ),
                fix,
            )
        })?;
        let repetitions = row.get("repetitions").and_then(Value::as_u64).unwrap_or(1);
        let mut values: Vec<(String, Unit, Direction, f64)> = Vec::new();
        for (k, label) in [("real_time", ""), ("cpu_time", " cpu_time")] {
            let x = num(row, k).ok_or_else(|| {
                InputError::new(
                    path,
                    format!("benchmark {name:?} has no {k} (truncated?)"),
                    fix,
                )
            })?;
            let x = duration(path, &format!("{k} of {name:?}"), x, fix)?;
            values.push((
                format!("{run_name}{label}"),
                unit.clone(),
                Direction::LowerIsBetter,
                x,
            ));
        }
        for (k, x) in row {
            if FIXED.contains(&k.as_str()) {
                continue;
            }
            let Some(x) = x.as_f64() else { continue };
            let x = finite(path, &format!("counter {k} of {name:?}"), x, fix)?;
            let unit = match k.as_str() {
                "items_per_second" => Unit::OpsPerSec,
                "bytes_per_second" => Unit::BytesPerSec,
                _ => Unit::Plain,
            };
            let direction = unit.direction();
            values.push((format!("{run_name} {k}"), unit, direction, x));
        }
        for (series_name, unit, direction, x) in values {
            let at = match series.iter().position(|s| s.name == series_name) {
                Some(at) => at,
                None => {
                    series.push(Series {
                        name: series_name,
                        unit,
                        direction,
                        samples: Vec::new(),
                        mean: None,
                        median: None,
                        stddev: None,
                        repetitions,
                    });
                    series.len() - 1
                }
            };
            let s = &mut series[at];
            match aggregate {
                None => s.samples.push(x),
                Some("mean") => s.mean = Some(x),
                Some("median") => s.median = Some(x),
                Some(_) => s.stddev = Some(x),
            }
        }
    }
    if series.is_empty() {
        return Err(InputError::new(path, "no benchmarks in the report", fix));
    }
    let metrics = series
        .into_iter()
        .map(|s| {
            let mut m = Metric::new(s.name, Kind::Trend, s.unit).with_direction(s.direction);
            if s.samples.is_empty() {
                // Aggregates only: the tool's mean, median and stddev over its repetitions.
                if let Some(x) = s.mean {
                    m.given.insert("avg".into(), x);
                }
                if let Some(x) = s.median {
                    m.given.insert("med".into(), x);
                }
                m.given.insert("count".into(), s.repetitions as f64);
                if let (Some(mean), Some(stddev)) = (s.mean, s.stddev) {
                    m.summary = Some(Summary {
                        mean,
                        stddev,
                        n: s.repetitions,
                    });
                }
            } else {
                m.set_samples(s.samples);
            }
            m
        })
        .collect();
    Ok(Report {
        format: Format::GoogleBenchmark,
        metrics,
        tag_sets: Vec::new(),
    })
}

fn num(row: &Map<String, Value>, k: &str) -> Option<f64> {
    row.get(k).and_then(Value::as_f64)
}
