//! `hyperfine --export-json <file>`: `{results: [{command, mean, stddev, median, min, max,
//! times}]}`, all in seconds; `times` are the raw runs.

use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::Value;

use crate::model::{Format, Kind, Metric, Report, Summary, Unit};

/// Whether parsed JSON is a hyperfine export.
pub fn sniff(v: &Value) -> bool {
    v.get("results")
        .and_then(Value::as_array)
        .is_some_and(|r| r.first().is_some_and(|x| x.get("command").is_some()))
}

#[derive(Deserialize)]
struct Run {
    command: String,
    mean: f64,
    stddev: Option<f64>,
    median: f64,
    min: f64,
    max: f64,
    #[serde(default)]
    times: Vec<f64>,
}

/// Read a parsed hyperfine export.
pub fn read(path: &Path, v: &Value) -> Result<Report, InputError> {
    let fix = "regenerate it with `hyperfine --export-json <file> ...`";
    let mut out = Vec::new();
    for (i, r) in v["results"].as_array().expect("sniffed").iter().enumerate() {
        let r: Run = serde_json::from_value(r.clone())
            .map_err(|e| InputError::new(path, format!("results[{i}]: {e}"), fix))?;
        let mut all = vec![r.mean, r.median, r.min, r.max, r.stddev.unwrap_or(0.0)];
        all.extend(&r.times);
        if let Some(x) = all.iter().find(|x| !x.is_finite() || **x < 0.0) {
            return Err(InputError::new(
                path,
                format!(
                    "command {:?} has the time {x}: a duration must be finite and not negative",
                    r.command
                ),
                fix,
            ));
        }
        let mut m = Metric::new(r.command, Kind::Trend, Unit::Seconds);
        for (k, x) in [
            ("min", r.min),
            ("max", r.max),
            ("avg", r.mean),
            ("med", r.median),
        ] {
            m.given.insert(k.into(), x);
        }
        m.given.insert("count".into(), r.times.len() as f64);
        if let Some(sd) = r.stddev {
            m.summary = Some(Summary {
                mean: r.mean,
                stddev: sd,
                n: r.times.len() as u64,
            });
        }
        m.has_samples = !r.times.is_empty();
        m.samples = r.times;
        out.push(m);
    }
    Ok(Report {
        format: Format::Hyperfine,
        metrics: out,
        tag_sets: Vec::new(),
    })
}
