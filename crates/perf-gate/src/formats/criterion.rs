//! criterion's files under `target/criterion/<bench>/`: `new/estimates.json` (and `base/`),
//! the bootstrap estimates `{mean, median, median_abs_dev, slope?, std_dev}` each with
//! `point_estimate` and `confidence_interval`, in nanoseconds; `new/sample.json`, the raw
//! measurements `{sampling_mode, iters, times}` (sample i took `times[i]` ns for `iters[i]`
//! iterations); and `change/estimates.json`, `{mean, median}` of the relative change between
//! base and new (0.05 = 5% slower). None of them names its benchmark: the name is
//! `full_id` of `benchmark.json` beside it (or in `../new/` for `change/`), else the
//! directory's.
//!
//! For a comparison give `sample.json` (raw samples: Mann-Whitney); `estimates.json` alone
//! carries no sample count, so it compares by ratio.

use std::path::{Path, PathBuf};

use gates_core::InputError;
use serde::Deserialize;
use serde_json::Value;

use crate::formats::duration;
use crate::model::{Format, Kind, Metric, Report, Unit};

/// Which criterion file parsed JSON is, if any.
pub fn sniff(v: &Value) -> Option<Format> {
    let o = v.as_object()?;
    let est = |k: &str| o.get(k).is_some_and(|e| e.get("point_estimate").is_some());
    if o.contains_key("iters") && o.contains_key("times") && o.contains_key("sampling_mode") {
        Some(Format::CriterionSample)
    } else if est("mean") && est("median") && est("std_dev") {
        Some(Format::CriterionEstimates)
    } else if est("mean") && est("median") && o.len() == 2 {
        Some(Format::CriterionChange)
    } else {
        None
    }
}

/// Whether parsed JSON is one of criterion's files beside the measurements: `benchmark.json`
/// (the id) or `tukey.json` (four outlier fences).
pub fn is_companion(v: &Value) -> bool {
    v.get("full_id").is_some() && v.get("directory_name").is_some()
        || v.as_array()
            .is_some_and(|a| a.len() == 4 && a.iter().all(Value::is_number))
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct Estimates {
    mean: Estimate,
    median: Estimate,
    #[serde(default)]
    std_dev: Option<Estimate>,
    #[serde(default)]
    slope: Option<Estimate>,
}

#[derive(Deserialize)]
struct Sample {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// Read a parsed criterion file of `format`.
pub fn read(path: &Path, v: &Value, format: Format) -> Result<Report, InputError> {
    let fix = "give the file criterion wrote under target/criterion/<bench>/ (new/sample.json, new/estimates.json or change/estimates.json), whole";
    let name = bench_name(path);
    let bad = |e: serde_json::Error| InputError::new(path, format!("{}: {e}", format.name()), fix);
    let m = match format {
        Format::CriterionSample => {
            let s: Sample = serde_json::from_value(v.clone()).map_err(bad)?;
            if s.iters.len() != s.times.len() || s.iters.is_empty() {
                return Err(InputError::new(
                    path,
                    format!(
                        "{} iteration counts and {} times: they must pair up (truncated?)",
                        s.iters.len(),
                        s.times.len()
                    ),
                    fix,
                ));
            }
            let mut per_iter = Vec::with_capacity(s.times.len());
            for (i, (t, n)) in s.times.iter().zip(&s.iters).enumerate() {
                let t = duration(path, &format!("times[{i}]"), *t, fix)?;
                if !(n.is_finite() && *n > 0.0) {
                    return Err(InputError::new(
                        path,
                        format!("iters[{i}] is {n}: an iteration count must be positive"),
                        fix,
                    ));
                }
                per_iter.push(t / n);
            }
            let mut m = Metric::new(name, Kind::Trend, Unit::Nanos);
            m.set_samples(per_iter);
            m
        }
        Format::CriterionEstimates => {
            let e: Estimates = serde_json::from_value(v.clone()).map_err(bad)?;
            let mut m = Metric::new(name, Kind::Trend, Unit::Nanos);
            let typical = e.slope.as_ref().unwrap_or(&e.mean);
            for (k, what, est) in [
                ("avg", "mean", &e.mean),
                ("med", "median", &e.median),
                ("value", "typical (slope, else mean)", typical),
            ] {
                check(path, what, est, fix)?;
                m.given.insert(k.into(), est.point_estimate);
            }
            if let Some(sd) = &e.std_dev {
                check(path, "std_dev", sd, fix)?;
            }
            m
        }
        Format::CriterionChange => {
            let e: Estimates = serde_json::from_value(v.clone()).map_err(bad)?;
            // A relative change: any sign, but a number.
            let mut m = Metric::new(name, Kind::Trend, Unit::Plain);
            for (k, what, est) in [("avg", "mean", &e.mean), ("med", "median", &e.median)] {
                let all = [
                    est.point_estimate,
                    est.confidence_interval.lower_bound,
                    est.confidence_interval.upper_bound,
                ];
                for x in all {
                    crate::formats::finite(path, &format!("the {what} change"), x, fix)?;
                }
                m.given.insert(k.into(), est.point_estimate);
            }
            m
        }
        _ => unreachable!("criterion formats only"),
    };
    Ok(Report {
        format,
        metrics: vec![m],
        tag_sets: Vec::new(),
    })
}

fn check(path: &Path, what: &str, e: &Estimate, fix: &str) -> Result<(), InputError> {
    for x in [
        e.point_estimate,
        e.confidence_interval.lower_bound,
        e.confidence_interval.upper_bound,
    ] {
        duration(path, &format!("the {what} estimate"), x, fix)?;
    }
    Ok(())
}

/// The benchmark's id: `full_id` of the `benchmark.json` criterion writes beside the file (for
/// `change/`, beside `new/` or `base/`), else the directory above `new`/`base`/`change`.
fn bench_name(path: &Path) -> String {
    let dir = path.parent().unwrap_or(Path::new(""));
    let up = dir.parent().unwrap_or(Path::new(""));
    let candidates: [PathBuf; 3] = [
        dir.join("benchmark.json"),
        up.join("new/benchmark.json"),
        up.join("base/benchmark.json"),
    ];
    for c in candidates {
        let Ok(bytes) = gates_core::input::read_regular_file(&c, 1 << 20) else {
            continue;
        };
        if let Some(id) = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("full_id")?.as_str().map(str::to_string))
        {
            return id;
        }
    }
    let leaf = dir.file_name().and_then(|s| s.to_str()).unwrap_or("");
    let named = match leaf {
        "new" | "base" | "change" => up,
        _ => dir,
    };
    named
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("criterion")
        .to_string()
}

/// The files of one criterion directory (`<bench>/new/`, `base/`) the gate reads when the
/// directory is given: `sample.json` (the raw samples) when present, else `estimates.json`.
/// `benchmark.json` and `tukey.json` hold no measurements, and reading both sample and
/// estimates would count the benchmark twice. Other directories are left as they are.
pub fn choose_in_directory(files: &mut Vec<PathBuf>) {
    let has = |files: &[PathBuf], n: &str| files.iter().any(|f| super::file_name(f) == n);
    if !has(files, "benchmark.json") {
        return;
    }
    let keep = if has(files, "sample.json") {
        "sample.json"
    } else {
        "estimates.json"
    };
    files.retain(|f| super::file_name(f) == keep);
}
