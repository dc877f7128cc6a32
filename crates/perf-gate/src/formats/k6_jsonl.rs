//! `k6 run --out json=<file>`: one JSON object per line, `{"type":"Metric",...}` declaring a
//! metric (its type, what it contains, its thresholds) and `{"type":"Point",...}` holding one
//! sample with its tags. Read line by line; tag sets are kept once each, keyed by their raw text.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::model::{Format, Kind, Metric, Report, Tags, Unit};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    metric: String,
    #[serde(borrow)]
    data: &'a RawValue,
}

#[derive(Deserialize)]
struct MetricData {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    contains: String,
    #[serde(default)]
    thresholds: Vec<String>,
}

#[derive(Deserialize)]
struct PointData<'a> {
    value: f64,
    #[serde(borrow, default)]
    tags: Option<&'a RawValue>,
}

/// Whether the first line of a file looks like k6 JSON-lines.
pub fn sniff(first_line: &str) -> bool {
    let t = first_line.trim_start();
    t.starts_with('{')
        && (t.contains("\"type\":\"Metric\"") || t.contains("\"type\":\"Point\""))
        && t.contains("\"metric\":")
}

/// Read a k6 JSON-lines file.
pub fn read(path: &Path, reader: impl BufRead) -> Result<Report, InputError> {
    let mut metrics: Vec<Metric> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut tag_index: HashMap<String, u32> = HashMap::new();
    let mut tag_sets: Vec<Tags> = Vec::new();
    let fix = "regenerate it with `k6 run --out json=<file>`; the file must be complete (k6 writes it to the end only when the run ends)";
    gates_core::input::each_text_line(path, reader, |line_no, line| {
        let text = line.trim_end();
        if text.is_empty() {
            return Ok(());
        }
        let bad = |what: String| InputError::new(path, what, fix).at(line_no, None);
        // serde counts lines within the record: the file's line is ours, the column serde's.
        let line: Line = serde_json::from_str(text).map_err(|e| {
            InputError::json(path, "not a k6 JSON-lines record", &e, fix)
                .at(line_no, Some(e.column() as u64))
        })?;
        match line.kind {
            "Metric" => {
                let d: MetricData = serde_json::from_str(line.data.get())
                    .map_err(|e| bad(format!("bad Metric data: {e}")))?;
                let kind = match d.kind.as_str() {
                    "trend" => Kind::Trend,
                    "rate" => Kind::Rate,
                    "counter" => Kind::Counter,
                    "gauge" => Kind::Gauge,
                    other => return Err(bad(format!("unknown k6 metric type {other:?}"))),
                };
                let unit = match (kind, d.contains.as_str()) {
                    (Kind::Trend, "time") => Unit::Millis,
                    (_, "data") => Unit::Bytes,
                    _ => Unit::Plain,
                };
                if !index.contains_key(&line.metric) {
                    index.insert(line.metric.clone(), metrics.len());
                    let direction = crate::formats::k6_direction(kind, &line.metric);
                    let mut m = Metric::new(line.metric, kind, unit).with_direction(direction);
                    m.has_samples = true;
                    // The JSON output records what the script declared, not k6's verdicts.
                    m.declared = d
                        .thresholds
                        .into_iter()
                        .map(|expression| crate::model::Declared {
                            expression,
                            k6_ok: None,
                        })
                        .collect();
                    metrics.push(m);
                }
            }
            "Point" => {
                let d: PointData = serde_json::from_str(line.data.get())
                    .map_err(|e| bad(format!("bad Point data: {e}")))?;
                let Some(&i) = index.get(&line.metric) else {
                    return Err(bad(format!(
                        "a Point of metric {:?} before its Metric line",
                        line.metric
                    )));
                };
                let m = &mut metrics[i];
                if !d.value.is_finite() || (m.unit.is_time() && d.value < 0.0) {
                    return Err(bad(format!(
                        "metric {:?} has the value {} (a duration must be finite and not negative)",
                        m.name, d.value
                    )));
                }
                let raw = d.tags.map(RawValue::get).unwrap_or("{}");
                let t = match tag_index.get(raw) {
                    Some(t) => *t,
                    None => {
                        let tags: Tags =
                            serde_json::from_str::<HashMap<String, serde_json::Value>>(raw)
                                .map_err(|e| bad(format!("bad tags: {e}")))?
                                .into_iter()
                                .map(|(k, v)| {
                                    let v = match v {
                                        serde_json::Value::String(s) => s,
                                        other => other.to_string(),
                                    };
                                    (k, v)
                                })
                                .collect();
                        let t = tag_sets.len() as u32;
                        tag_sets.push(tags);
                        tag_index.insert(raw.to_string(), t);
                        t
                    }
                };
                m.samples.push(d.value);
                m.sample_tags.push(t);
            }
            other => return Err(bad(format!("unknown record type {other:?}"))),
        }
        Ok(())
    })?;
    if metrics.is_empty() {
        return Err(InputError::new(path, "no k6 metrics in the file", fix));
    }
    Ok(Report {
        format: Format::K6Jsonl,
        metrics,
        tag_sets,
    })
}
