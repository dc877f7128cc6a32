//! `k6 run --summary-export=<file>`: the legacy summary JSON, `{root_group, metrics}` with each
//! metric a flat object of aggregates. Its `thresholds` booleans mean "crossed" (k6 #1498): they
//! are read as k6's verdicts (inverted), shown only where the gate's own evaluation disagrees.

use std::path::Path;

use gates_core::InputError;
use serde_json::{Map, Value};

use crate::model::{Format, Kind, Metric, Report, Unit};

/// Whether parsed JSON is a k6 summary export.
pub fn sniff(v: &Value) -> bool {
    v.get("root_group").is_some()
        && v.get("metrics").is_some_and(Value::is_object)
        && !crate::formats::k6_handle_summary::sniff(v)
}

/// Read a parsed summary export.
pub fn read(path: &Path, v: &Value) -> Result<Report, InputError> {
    let fix = "regenerate it with `k6 run --summary-export=<file>`";
    let metrics = v["metrics"].as_object().expect("sniffed");
    let mut out = Vec::new();
    for (name, m) in metrics {
        let Some(m) = m.as_object() else {
            return Err(InputError::new(
                path,
                format!("metric {name:?} is not an object"),
                fix,
            ));
        };
        let has = |k: &str| m.contains_key(k);
        // The legacy export has no type: it is told by the keys k6 writes for each type.
        let kind = if has("passes") && has("fails") {
            Kind::Rate
        } else if has("avg") || has("med") {
            Kind::Trend
        } else if has("count") {
            Kind::Counter
        } else {
            Kind::Gauge
        };
        let unit = match kind {
            Kind::Trend if is_time(name) => Unit::Millis,
            _ if name.starts_with("data_") => Unit::Bytes,
            _ => Unit::Plain,
        };
        let mut metric = Metric::new(name.clone(), kind, unit.clone())
            .with_direction(crate::formats::k6_direction(kind, name));
        for (k, val) in m {
            if k == "thresholds" {
                if let Some(t) = val.as_object() {
                    metric.declared = t
                        .iter()
                        .map(|(expression, crossed)| crate::model::Declared {
                            expression: expression.clone(),
                            k6_ok: crossed.as_bool().map(|c| !c),
                        })
                        .collect();
                }
                continue;
            }
            let Some(x) = val.as_f64() else { continue };
            if !x.is_finite() || (unit.is_time() && x < 0.0) {
                return Err(InputError::new(
                    path,
                    format!(
                        "metric {name:?} has {k} = {x}: a duration must be finite and not negative"
                    ),
                    fix,
                ));
            }
            metric.given.insert(k.clone(), x);
        }
        if kind == Kind::Rate {
            // Renamed from `rate` to `value` by the export; both names are accepted.
            if let Some(v) = metric.given.get("value").copied() {
                metric.given.insert("rate".into(), v);
            }
            let n = get(m, "passes") + get(m, "fails");
            metric.given.insert("count".into(), n);
        }
        out.push(metric);
    }
    if out.is_empty() {
        return Err(InputError::new(
            path,
            "no k6 metrics in the summary export",
            fix,
        ));
    }
    Ok(Report {
        format: Format::K6Summary,
        metrics: out,
        tag_sets: Vec::new(),
    })
}

fn get(m: &Map<String, Value>, k: &str) -> f64 {
    m.get(k).and_then(Value::as_f64).unwrap_or(0.0)
}

/// k6's built-in time trends (the export does not say what a trend contains); custom trends
/// are taken as plain numbers.
fn is_time(name: &str) -> bool {
    let base = name.split('{').next().unwrap_or(name);
    base.starts_with("http_req_")
        || matches!(
            base,
            "iteration_duration"
                | "group_duration"
                | "ws_session_duration"
                | "ws_connecting"
                | "grpc_req_duration"
        )
}
