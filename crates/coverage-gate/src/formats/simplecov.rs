//! SimpleCov `.resultset.json` (0.18+ `{"lines": [...], "branches": {...}}` per file, and the
//! older bare line arrays). Several command names (test suites) are merged.
//!
//! SimpleCov drops `# :nocov:` blocks at report time, from the source; [`apply_nocov`] does the
//! same when the source is in the checkout, so totals match what SimpleCov printed.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::Value;

use crate::model::{FileCoverage, LineCov, Report};

#[derive(Deserialize)]
struct Run {
    coverage: BTreeMap<String, Value>,
}

pub fn parse<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let bytes = super::read_all(input, path)?;
    let doc: BTreeMap<String, Run> = serde_json::from_slice(&bytes)
        .map_err(|e| super::json_error(path, e, "SimpleCov .resultset.json"))?;
    let mut report = Report::default();
    for run in doc.into_values() {
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
                        hits,
                        ..Default::default()
                    },
                );
            }
            if let Some(Value::Object(conds)) = branches {
                for (cond, outcomes) in conds {
                    let line = branch_line(cond).ok_or_else(|| bad("branch key without a line"))?;
                    let l = fc.lines.entry(line).or_insert(LineCov {
                        branch_only: true,
                        ..Default::default()
                    });
                    for hits in outcomes.as_object().into_iter().flat_map(|o| o.values()) {
                        l.branches_total += 1;
                        l.branches_covered += u32::from(hits.as_u64().unwrap_or(0) > 0);
                    }
                }
            }
            report.files.entry(name).or_default().merge(fc);
        }
    }
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
            fc.lines.remove(&(i as u32 + 1));
        }
    }
}
