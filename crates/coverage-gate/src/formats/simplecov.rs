//! SimpleCov `.resultset.json` (0.18+ `{"lines": [...], "branches": {...}}` per file, and the
//! older bare line arrays; several command names, i.e. test suites, are merged) and the JSON
//! formatter's `coverage.json` (`{"meta": ..., "coverage": ...}`, skipped lines `"ignored"`,
//! branches as a list).
//!
//! SimpleCov drops `# :nocov:` blocks at report time, from the source; [`apply_nocov`] does the
//! same when the source is in the checkout, so totals match what SimpleCov printed.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::Value;

use crate::model::{saturate, FileCoverage, FileMap, LineCov, Report};

#[derive(Deserialize)]
struct Run {
    coverage: BTreeMap<String, Value>,
}

/// Either format: the formatter's single run, or the resultset's runs by command name.
#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    Formatter {
        // Required so the untagged match tells the two shapes apart; never read.
        #[serde(rename = "meta")]
        _meta: serde::de::IgnoredAny,
        coverage: BTreeMap<String, Value>,
    },
    Resultset(BTreeMap<String, Run>),
}

pub fn parse<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let bytes = super::read_all(input, path)?;
    let doc: Doc = serde_json::from_slice(&bytes)
        .map_err(|e| super::json_error(path, e, "SimpleCov .resultset.json or coverage.json"))?;
    let runs: Vec<Run> = match doc {
        Doc::Formatter { coverage, .. } => vec![Run { coverage }],
        Doc::Resultset(runs) => runs.into_values().collect(),
    };
    let mut report = Report::default();
    let mut files = FileMap::new();
    for run in runs {
        for (name, cov) in run.coverage {
            let bad = |what: &str| {
                InputError::new(
                    path,
                    format!("{name}: {what}"),
                    "the resultset is damaged; regenerate it",
                )
            };
            let (lines, branches) = match &cov {
                Value::Array(a) => (a, None),
                Value::Object(o) => (
                    o.get("lines")
                        .and_then(Value::as_array)
                        .ok_or_else(|| bad("no lines array"))?,
                    o.get("branches"),
                ),
                _ => return Err(bad("neither a lines array nor an object")),
            };
            let mut fc = FileCoverage::default();
            for (i, v) in lines.iter().enumerate() {
                let hits = match v {
                    Value::Null | Value::String(_) => continue,
                    v => v
                        .as_u64()
                        .ok_or_else(|| bad("a line count is not a non-negative integer"))?,
                };
                fc.record(
                    i as u32 + 1,
                    LineCov {
                        hits: saturate(hits),
                        ..Default::default()
                    },
                );
            }
            if let Some(Value::Array(list)) = branches {
                for b in list {
                    let line = b
                        .get("start_line")
                        .and_then(Value::as_u64)
                        .and_then(|l| u32::try_from(l).ok())
                        .filter(|&l| l > 0)
                        .ok_or_else(|| bad("branch without a start_line"))?;
                    let Some(hits) = b.get("coverage").and_then(Value::as_u64) else {
                        continue;
                    };
                    fc.lines.update(line, LineCov::branch_only(), |l| {
                        l.branches_total += 1;
                        l.branches_covered += u32::from(hits > 0);
                    });
                }
            }
            if let Some(Value::Object(conds)) = branches {
                for (cond, outcomes) in conds {
                    let line = branch_line(cond).ok_or_else(|| bad("branch key without a line"))?;
                    fc.lines.update(line, LineCov::branch_only(), |l| {
                        for hits in outcomes.as_object().into_iter().flat_map(|o| o.values()) {
                            l.branches_total += 1;
                            l.branches_covered += u32::from(hits.as_u64().unwrap_or(0) > 0);
                        }
                    });
                }
            }
            files.entry(name).or_default().merge(fc);
        }
    }
    report.files = files.into();
    Ok(report)
}

/// `"[:if, 0, 8, 4, 8, 22]"` → 8 (type, id, start line, start column, end line, end column).
fn branch_line(key: &str) -> Option<u32> {
    key.trim_matches(['[', ']'])
        .split(',')
        .nth(2)?
        .trim()
        .parse()
        .ok()
        .filter(|&l| l > 0)
}

/// Drop the lines between `# :nocov:` markers, as SimpleCov does when it builds its report.
pub fn apply_nocov(fc: &mut FileCoverage, source: &str) {
    let mut skipping = false;
    for (i, text) in source.lines().enumerate() {
        let marker = text
            .trim_start()
            .strip_prefix('#')
            .is_some_and(|rest| rest.trim_start().starts_with(":nocov:"));
        if marker {
            skipping = !skipping;
        }
        if marker || skipping {
            fc.lines.remove(i as u32 + 1);
        }
    }
}
