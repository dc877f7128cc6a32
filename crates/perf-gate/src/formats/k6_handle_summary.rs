//! The `data` object k6 passes to `handleSummary(data)`, as a script writes it with
//! `JSON.stringify(data)`: `{root_group, options, state, metrics}` with each metric
//! `{type, contains, values: {…}, thresholds?: {"expr": {ok}}}` (k6 `internal/js/summary.go`).
//! Unlike the legacy `--summary-export`, every metric names its type and what it contains, a
//! rate keeps its `rate` key, and threshold results are `{ok}` objects (not inverted booleans).
//! k6 v1.1.0 passes this same shape in every `--summary-mode`.

use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::formats::{duration, finite, k6_direction};
use crate::model::{Format, Kind, Metric, Report, Unit};

/// Whether parsed JSON is a handleSummary data object: `metrics` whose entries carry `type`
/// and a `values` object (the legacy export's entries are flat).
pub fn sniff(v: &Value) -> bool {
    v.get("root_group").is_some()
        && v.get("metrics")
            .and_then(Value::as_object)
            .is_some_and(|m| {
                !m.is_empty()
                    && m.values().all(|x| {
                        x.get("type").is_some_and(Value::is_string)
                            && x.get("values").is_some_and(Value::is_object)
                    })
            })
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    contains: String,
    values: Map<String, Value>,
    #[serde(default)]
    thresholds: Map<String, Value>,
}

/// Read a parsed handleSummary data object.
pub fn read(path: &Path, v: &Value) -> Result<Report, InputError> {
    let fix = "write it from the script with `export function handleSummary(data) { return { 'summary.json': JSON.stringify(data) }; }`";
    let mut out = Vec::new();
    for (name, m) in v["metrics"].as_object().expect("sniffed") {
        let e: Entry = serde_json::from_value(m.clone())
            .map_err(|e| InputError::new(path, format!("metric {name:?}: {e}"), fix))?;
        let kind = match e.kind.as_str() {
            "trend" => Kind::Trend,
            "rate" => Kind::Rate,
            "counter" => Kind::Counter,
            "gauge" => Kind::Gauge,
            other => {
                return Err(InputError::new(
                    path,
                    format!("metric {name:?} has the unknown type {other:?}"),
                    fix,
                ))
            }
        };
        let unit = match (kind, e.contains.as_str()) {
            (Kind::Trend, "time") => Unit::Millis,
            (_, "data") => Unit::Bytes,
            _ => Unit::Plain,
        };
        let mut metric =
            Metric::new(name.clone(), kind, unit.clone()).with_direction(k6_direction(kind, name));
        for (k, x) in &e.values {
            let Some(x) = x.as_f64() else {
                return Err(InputError::new(
                    path,
                    format!("metric {name:?}: {k} is {x}, not a number"),
                    fix,
                ));
            };
            let what = format!("metric {name:?} {k}");
            let x = match unit.is_time() {
                true => duration(path, &what, x, fix)?,
                false => finite(path, &what, x, fix)?,
            };
            metric.given.insert(k.clone(), x);
        }
        if kind == Kind::Rate {
            let n = ["passes", "fails"]
                .iter()
                .map(|k| metric.given.get(*k).copied().unwrap_or(0.0))
                .sum::<f64>();
            metric.given.insert("count".into(), n);
            if let Some(r) = metric.given.get("rate").copied() {
                metric.given.insert("value".into(), r);
            }
        }
        metric.declared = e
            .thresholds
            .iter()
            .map(|(expression, v)| crate::model::Declared {
                expression: expression.clone(),
                k6_ok: v.get("ok").and_then(Value::as_bool),
            })
            .collect();
        out.push(metric);
    }
    Ok(Report {
        format: Format::K6HandleSummary,
        metrics: out,
        tag_sets: Vec::new(),
    })
}
