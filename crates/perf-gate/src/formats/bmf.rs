//! Bencher Metric Format (BMF) JSON: `{"<benchmark>": {"<measure>": {value, lower_value?,
//! upper_value?}}}`. Bencher's built-in measures keep their units: `latency` nanoseconds,
//! `throughput` operations per second (higher is better), `file-size` bytes, `build-time`
//! seconds; any other measure is a number in its own unit, lower is better. The `latency`
//! measure is named `<benchmark>`, every other `<benchmark> <measure>`.

use std::path::Path;

use gates_core::InputError;
use serde_json::Value;

use crate::formats::finite;
use crate::model::{Format, Kind, Metric, Report, Unit};

/// Whether parsed JSON is BMF: an object of objects of `{value, lower_value?, upper_value?}`.
pub fn sniff(v: &Value) -> bool {
    let is_measure = |m: &Value| {
        m.as_object().is_some_and(|o| {
            o.get("value").is_some_and(Value::is_number)
                && o.keys()
                    .all(|k| matches!(k.as_str(), "value" | "lower_value" | "upper_value"))
        })
    };
    v.as_object().is_some_and(|o| {
        !o.is_empty()
            && o.values().all(|b| {
                b.as_object()
                    .is_some_and(|ms| !ms.is_empty() && ms.values().all(is_measure))
            })
    })
}

/// Read parsed BMF.
pub fn read(path: &Path, v: &Value) -> Result<Report, InputError> {
    let fix =
        "write {\"<benchmark>\": {\"<measure>\": {\"value\": <number>}}} (Bencher Metric Format)";
    let mut out = Vec::new();
    for (bench, measures) in v.as_object().expect("sniffed") {
        for (measure, m) in measures.as_object().expect("sniffed") {
            let unit = match measure.as_str() {
                "latency" => Unit::Nanos,
                "throughput" => Unit::OpsPerSec,
                "file-size" => Unit::Bytes,
                "build-time" => Unit::Seconds,
                other => Unit::Custom(other.to_string()),
            };
            let name = match measure.as_str() {
                "latency" => bench.clone(),
                other => format!("{bench} {other}"),
            };
            let mut metric = Metric::new(name.clone(), Kind::Trend, unit.clone());
            if let Unit::Custom(_) = unit {
                // A measure's unit is configured in Bencher, not in the file: lower is
                // better unless it is one of the built-in throughputs above.
                metric.direction = crate::model::Direction::LowerIsBetter;
            }
            for (k, key) in [
                ("value", "avg"),
                ("lower_value", "min"),
                ("upper_value", "max"),
            ] {
                let Some(x) = m.get(k) else { continue };
                let Some(x) = x.as_f64() else {
                    return Err(InputError::new(
                        path,
                        format!("{name:?} {k} is {x}, not a number"),
                        fix,
                    ));
                };
                let what = format!("{name:?} {k}");
                let x = match &unit {
                    u if u.is_time() => crate::formats::duration(path, &what, x, fix)?,
                    Unit::Bytes => crate::formats::non_negative(path, &what, x, fix)?,
                    _ => finite(path, &what, x, fix)?,
                };
                metric.given.insert(key.into(), x);
                if k == "value" {
                    metric.given.insert("value".into(), x);
                }
            }
            out.push(metric);
        }
    }
    Ok(Report {
        format: Format::Bmf,
        metrics: out,
        tag_sets: Vec::new(),
    })
}
