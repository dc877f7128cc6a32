//! github-action-benchmark's custom JSON (`tool: customSmallerIsBetter` or
//! `customBiggerIsBetter`): a list of `{name, unit, value, range?, extra?}`, one number per
//! benchmark. The file does not say which tool it was written for: recognised from the
//! content, each entry's direction comes from its unit (`…/s` higher, else lower); with
//! `--format custom-smaller-is-better` or `custom-bigger-is-better` every entry takes that
//! direction, as github-action-benchmark does.

use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::Value;

use crate::formats::finite;
use crate::model::{Direction, Format, Kind, Metric, Report, Unit};

/// Whether parsed JSON is github-action-benchmark custom JSON.
pub fn sniff(v: &Value) -> bool {
    v.as_array().is_some_and(|a| {
        !a.is_empty()
            && a.iter().all(|e| {
                e.get("name").is_some_and(Value::is_string)
                    && e.get("unit").is_some_and(Value::is_string)
                    && e.get("value").is_some()
            })
    })
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    unit: String,
    value: f64,
}

/// The gate's unit for a unit string a user wrote.
pub(crate) fn unit_named(u: &str) -> Unit {
    if let Some(t) = Unit::time(u) {
        return t;
    }
    match u {
        "B" | "bytes" => Unit::Bytes,
        "ops/s" | "ops/sec" => Unit::OpsPerSec,
        "B/s" => Unit::BytesPerSec,
        "allocs" => Unit::Allocs,
        other => Unit::Custom(other.to_string()),
    }
}

/// Read parsed custom JSON, read as `format` (which decides the direction).
pub fn read(path: &Path, v: &Value, format: Format) -> Result<Report, InputError> {
    let fix = "write a JSON list of {\"name\": ..., \"unit\": ..., \"value\": <number>} (github-action-benchmark custom format)";
    let mut out: Vec<Metric> = Vec::new();
    for (i, e) in v.as_array().expect("sniffed").iter().enumerate() {
        let e: Entry = serde_json::from_value(e.clone())
            .map_err(|err| InputError::new(path, format!("entry {i}: {err}"), fix))?;
        let unit = unit_named(&e.unit);
        let what = format!("{:?} value", e.name);
        let x = match unit.is_time() {
            true => crate::formats::duration(path, &what, e.value, fix)?,
            false => finite(path, &what, e.value, fix)?,
        };
        if out.iter().any(|m| m.name == e.name) {
            return Err(InputError::new(
                path,
                format!("{:?} is listed twice", e.name),
                "give each benchmark one entry (put the unit in the name to keep several)",
            ));
        }
        let direction = match format {
            Format::CustomBiggerIsBetter => Direction::HigherIsBetter,
            Format::CustomSmallerIsBetter => Direction::LowerIsBetter,
            _ => unit.direction(),
        };
        let mut m = Metric::new(e.name, Kind::Trend, unit).with_direction(direction);
        m.given.insert("value".into(), x);
        m.given.insert("avg".into(), x);
        out.push(m);
    }
    Ok(Report {
        format,
        metrics: out,
        tag_sets: Vec::new(),
    })
}
