//! coverage.py JSON (`coverage json`, format 2 and 3).
//!
//! coverage.py's own headline (`coverage report`, `fail_under`) counts statements and branches
//! together; that number is reported as the headline beside plain line coverage.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;

use crate::model::{file_in, Counter, FileMap, Headline, LineCov, Report, Rounding};

#[derive(Deserialize)]
struct Doc {
    meta: Meta,
    files: BTreeMap<String, File>,
    #[serde(default)]
    totals: Totals,
}

/// Only the printed headline is read, for the precision coverage.py was configured with
/// (`[report] precision`): `"75.38"` is 2.
#[derive(Deserialize, Default)]
struct Totals {
    #[serde(default)]
    percent_covered_display: Option<String>,
}

impl Totals {
    fn precision(&self) -> u8 {
        self.percent_covered_display
            .as_deref()
            .and_then(|d| d.split_once('.'))
            .map_or(0, |(_, frac)| u8::try_from(frac.len().min(10)).unwrap_or(0))
    }
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    branch_coverage: bool,
}

#[derive(Deserialize)]
struct File {
    executed_lines: Vec<u32>,
    missing_lines: Vec<u32>,
    #[serde(default)]
    executed_branches: Vec<(i64, i64)>,
    #[serde(default)]
    missing_branches: Vec<(i64, i64)>,
}

pub fn parse<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let bytes = super::read_all(input, path)?;
    let doc: Doc = serde_json::from_slice(&bytes)
        .map_err(|e| super::json_error(path, e, "coverage.py JSON report"))?;
    let mut report = Report::default();
    let mut files = FileMap::new();
    let mut headline = Counter::default();
    for (name, f) in doc.files {
        let fc = file_in(&mut files, &name);
        for (lines, hits) in [(&f.executed_lines, 1), (&f.missing_lines, 0)] {
            for &l in lines {
                if l == 0 {
                    return Err(InputError::new(
                        path,
                        format!("{name}: line 0 is not a line"),
                        "the report is damaged; regenerate it",
                    ));
                }
                fc.record(
                    l,
                    LineCov {
                        hits,
                        ..Default::default()
                    },
                );
                headline.count(hits > 0);
            }
        }
        for (arcs, taken) in [(&f.executed_branches, true), (&f.missing_branches, false)] {
            for &(from, _) in arcs {
                let from = u32::try_from(from).ok().filter(|&l| l > 0).ok_or_else(|| {
                    InputError::new(
                        path,
                        format!("{name}: branch from line {from}"),
                        "the report is damaged; regenerate it",
                    )
                })?;
                fc.lines.update(from, LineCov::branch_only(), |l| {
                    l.branches_total += 1;
                    l.branches_covered += u32::from(taken);
                });
                headline.count(taken);
            }
        }
    }
    if doc.meta.branch_coverage {
        report.headline = Some(Headline {
            name: "statements+branches",
            counter: headline,
            formula: "coverage.py total: (executed statements + taken branches) / (statements + branches)",
            rounding: Rounding::CoveragePy(doc.totals.precision()),
        });
    }
    report.files = files.into();
    Ok(report)
}
