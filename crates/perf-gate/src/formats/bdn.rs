//! BenchmarkDotNet's full JSON exporter (`--exporters json`, `*-report-full.json`):
//! `{Title, HostEnvironmentInfo, Benchmarks: [{FullName, Namespace, Type, Method, Parameters,
//! Statistics: {N, Mean, Median, Min, Max, StandardDeviation, Percentiles, OriginalValues?},
//! Memory?: {BytesAllocatedPerOperation}, Measurements: [{IterationMode, IterationStage,
//! Operations, Nanoseconds}]}]}`. Times are nanoseconds per operation.
//!
//! Raw samples: the `Workload`/`Result` measurements (the actual iterations with the
//! overhead subtracted, the values BenchmarkDotNet's statistics are of), each
//! `Nanoseconds / Operations`; else `Workload`/`Actual`; else `Statistics.OriginalValues`.
//! `<FullName> allocated` is the memory diagnoser's bytes per operation.

use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::Value;

use crate::formats::duration;
use crate::model::{Format, Kind, Metric, Report, Summary, Unit};

/// Whether parsed JSON is a BenchmarkDotNet full JSON report.
pub fn sniff(v: &Value) -> bool {
    v.get("Benchmarks").is_some_and(Value::is_array)
        && (v.get("HostEnvironmentInfo").is_some() || v.get("Title").is_some())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Bench {
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    r#type: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    parameters: Option<String>,
    #[serde(default)]
    statistics: Option<Stats>,
    #[serde(default)]
    memory: Option<Memory>,
    #[serde(default)]
    measurements: Vec<Measurement>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Stats {
    n: u64,
    mean: f64,
    median: f64,
    min: f64,
    max: f64,
    standard_deviation: f64,
    #[serde(default)]
    original_values: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Memory {
    bytes_allocated_per_operation: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Measurement {
    iteration_mode: String,
    iteration_stage: String,
    operations: f64,
    nanoseconds: f64,
}

/// Read a parsed BenchmarkDotNet report.
pub fn read(path: &Path, v: &Value) -> Result<Report, InputError> {
    let fix = "regenerate it with BenchmarkDotNet's full JSON exporter (`--exporters json`, the *-report-full.json file)";
    let mut out = Vec::new();
    for (i, b) in v["Benchmarks"]
        .as_array()
        .expect("sniffed")
        .iter()
        .enumerate()
    {
        let b: Bench = serde_json::from_value(b.clone())
            .map_err(|e| InputError::new(path, format!("Benchmarks[{i}]: {e}"), fix))?;
        let name = match (&b.full_name, &b.r#type, &b.method) {
            (Some(f), _, _) => f.clone(),
            (None, Some(t), Some(m)) => match b.parameters.as_deref() {
                Some(p) if !p.is_empty() => format!("{t}.{m}({p})"),
                _ => format!("{t}.{m}"),
            },
            _ => {
                return Err(InputError::new(
                    path,
                    format!("Benchmarks[{i}] has no FullName (nor Type and Method)"),
                    fix,
                ))
            }
        };
        let mut m = Metric::new(name.clone(), Kind::Trend, Unit::Nanos);
        let per_op = |stage: &str| -> Result<Vec<f64>, InputError> {
            let mut v = Vec::new();
            for (j, x) in b
                .measurements
                .iter()
                .filter(|x| x.iteration_mode == "Workload" && x.iteration_stage == stage)
                .enumerate()
            {
                let what = format!("{name:?} {stage} measurement {}", j + 1);
                let ns = duration(path, &what, x.nanoseconds, fix)?;
                if !(x.operations.is_finite() && x.operations > 0.0) {
                    return Err(InputError::new(
                        path,
                        format!(
                            "{what} has {} operations: it must be positive",
                            x.operations
                        ),
                        fix,
                    ));
                }
                v.push(ns / x.operations);
            }
            Ok(v)
        };
        let mut samples = per_op("Result")?;
        if samples.is_empty() {
            samples = per_op("Actual")?;
        }
        if let Some(s) = &b.statistics {
            for (k, x) in [
                ("avg", s.mean),
                ("med", s.median),
                ("min", s.min),
                ("max", s.max),
            ] {
                m.given
                    .insert(k.into(), duration(path, &format!("{name:?} {k}"), x, fix)?);
            }
            duration(
                path,
                &format!("{name:?} StandardDeviation"),
                s.standard_deviation,
                fix,
            )?;
            if samples.is_empty() {
                for x in &s.original_values {
                    samples.push(duration(
                        path,
                        &format!("{name:?} OriginalValues"),
                        *x,
                        fix,
                    )?);
                }
            }
            m.given.insert("count".into(), s.n as f64);
            m.summary = Some(Summary {
                mean: s.mean,
                stddev: s.standard_deviation,
                n: s.n,
            });
        }
        if !samples.is_empty() {
            let summary = m.summary;
            m.set_samples(samples);
            // The tool's own summary, when it has one, is of these same samples.
            m.summary = summary.or(m.summary);
        }
        if m.summary.is_none() && !m.has_samples {
            return Err(InputError::new(
                path,
                format!("{name:?} has neither Statistics nor Measurements (the benchmark failed?)"),
                fix,
            ));
        }
        out.push(m);
        if let Some(mem) = &b.memory {
            let x = crate::formats::non_negative(
                path,
                &format!("{name:?} BytesAllocatedPerOperation"),
                mem.bytes_allocated_per_operation,
                fix,
            )?;
            let mut a = Metric::new(format!("{name} allocated"), Kind::Trend, Unit::Bytes);
            a.given.insert("avg".into(), x);
            a.given.insert("value".into(), x);
            out.push(a);
        }
    }
    Ok(Report {
        format: Format::BenchmarkDotNet,
        metrics: out,
        tag_sets: Vec::new(),
    })
}
