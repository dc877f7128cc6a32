//! `pytest --benchmark-json=<file>`: `{machine_info, commit_info, benchmarks: [{fullname,
//! stats: {min, max, mean, stddev, median, rounds, data?}}]}`. Times are seconds per round;
//! `stats.data` (always in `--benchmark-json`, with `--benchmark-save-data` otherwise) holds
//! the raw rounds.

use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::Value;

use crate::model::{Format, Kind, Location, Metric, Report, Summary, Unit};

/// Whether parsed JSON is a pytest-benchmark report.
pub fn sniff(v: &Value) -> bool {
    v.get("machine_info").is_some() && v.get("benchmarks").is_some_and(Value::is_array)
}

#[derive(Deserialize)]
struct Bench {
    fullname: String,
    stats: Stats,
}

#[derive(Deserialize)]
struct Stats {
    min: f64,
    max: f64,
    mean: f64,
    stddev: f64,
    median: f64,
    rounds: u64,
    #[serde(default)]
    data: Option<Vec<f64>>,
}

/// Read a parsed pytest-benchmark report.
pub fn read(path: &Path, v: &Value) -> Result<Report, InputError> {
    let fix = "regenerate it with `pytest --benchmark-json=<file>` (pytest-benchmark)";
    let mut out = Vec::new();
    for (i, b) in v["benchmarks"]
        .as_array()
        .expect("sniffed")
        .iter()
        .enumerate()
    {
        let b: Bench = serde_json::from_value(b.clone())
            .map_err(|e| InputError::new(path, format!("benchmarks[{i}]: {e}"), fix))?;
        let s = &b.stats;
        let mut all = vec![s.min, s.max, s.mean, s.stddev, s.median];
        all.extend(s.data.iter().flatten());
        if let Some(x) = all.iter().find(|x| !x.is_finite() || **x < 0.0) {
            return Err(InputError::new(
                path,
                format!(
                    "benchmark {:?} has the time {x}: a duration must be finite and not negative",
                    b.fullname
                ),
                fix,
            ));
        }
        let location = location(&b.fullname);
        let mut m = Metric::new(b.fullname, Kind::Trend, Unit::Seconds);
        m.location = location;
        for (k, x) in [
            ("min", s.min),
            ("max", s.max),
            ("avg", s.mean),
            ("med", s.median),
        ] {
            m.given.insert(k.into(), x);
        }
        m.given.insert("count".into(), s.rounds as f64);
        m.summary = Some(Summary {
            mean: s.mean,
            stddev: s.stddev,
            n: s.rounds,
        });
        if let Some(data) = &b.stats.data {
            m.samples = data.clone();
            m.has_samples = !data.is_empty();
        }
        out.push(m);
    }
    Ok(Report {
        format: Format::PytestBenchmark,
        metrics: out,
        tag_sets: Vec::new(),
    })
}

/// The test file of a pytest node id (`tests/bench_x.py::test_y[param]`), relative to where
/// pytest ran; pytest-benchmark does not record the line.
fn location(fullname: &str) -> Option<Location> {
    let (file, _) = fullname.split_once("::")?;
    file.ends_with(".py").then(|| Location {
        file: file.to_string(),
        line: None,
    })
}
