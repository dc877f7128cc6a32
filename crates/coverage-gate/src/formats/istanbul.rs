//! Istanbul JSON: `coverage-final.json` (per statement, as nyc, c8, jest and vitest write it) and
//! `coverage-summary.json` (totals only).
//!
//! Lines are derived as istanbul derives them: a statement counts on the line it starts on, and
//! a line's count is the largest of its statements'. Istanbul's headline is statements.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;

use crate::model::{
    file_in, saturate, Counter, FileMap, Headline, LineCov, Report, Rounding, SummaryCounts,
};

#[derive(Deserialize)]
struct Pos {
    line: Option<u32>,
}

#[derive(Deserialize)]
struct Loc {
    start: Pos,
}

#[derive(Deserialize)]
struct FnEntry {
    name: Option<String>,
    decl: Option<Loc>,
    loc: Option<Loc>,
    line: Option<u32>,
}

#[derive(Deserialize)]
struct BranchEntry {
    loc: Option<Loc>,
    line: Option<u32>,
    #[serde(default)]
    locations: Vec<Loc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileCov {
    path: Option<String>,
    statement_map: HashMap<String, Loc>,
    #[serde(default)]
    fn_map: HashMap<String, FnEntry>,
    #[serde(default)]
    branch_map: HashMap<String, BranchEntry>,
    s: HashMap<String, f64>,
    #[serde(default)]
    f: HashMap<String, f64>,
    #[serde(default)]
    b: HashMap<String, Vec<f64>>,
}

fn count(v: f64, path: &Path, file: &str) -> Result<u64, InputError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v as u64)
    } else {
        Err(InputError::new(
            path,
            format!("{file}: count {v} is not a non-negative number"),
            "the report is damaged; regenerate it",
        ))
    }
}

pub fn parse_final<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let bytes = super::read_all(input, path)?;
    let doc: BTreeMap<String, FileCov> = serde_json::from_slice(&bytes)
        .map_err(|e| super::json_error(path, e, "Istanbul coverage-final.json"))?;
    let mut report = Report::default();
    let mut files = FileMap::new();
    let mut statements = Counter::default();
    for (key, f) in doc {
        let name = f.path.clone().unwrap_or(key);
        let fc = file_in(&mut files, &name);
        for (id, loc) in &f.statement_map {
            let hits = count(*f.s.get(id).unwrap_or(&0.0), path, &name)?;
            statements.count(hits > 0);
            let Some(line) = loc.start.line.filter(|&l| l > 0) else {
                continue;
            };
            fc.record(
                line,
                LineCov {
                    hits: saturate(hits),
                    ..Default::default()
                },
            );
        }
        for (id, entry) in &f.branch_map {
            let counts = f.b.get(id).map(Vec::as_slice).unwrap_or(&[]);
            let line = entry
                .line
                .or_else(|| entry.loc.as_ref().and_then(|l| l.start.line))
                .or_else(|| entry.locations.first().and_then(|l| l.start.line));
            let Some(line) = line.filter(|&l| l > 0) else {
                continue;
            };
            let mut taken = 0;
            for &c in counts {
                taken += u32::from(count(c, path, &name)? > 0);
            }
            let outcomes = u32::try_from(counts.len()).unwrap_or(u32::MAX);
            fc.lines.update(line, LineCov::branch_only(), |l| {
                l.branches_total += outcomes;
                l.branches_covered += taken;
            });
        }
        for (id, entry) in &f.fn_map {
            let hits = count(*f.f.get(id).unwrap_or(&0.0), path, &name)?;
            let line = entry
                .line
                .or_else(|| entry.decl.as_ref().and_then(|d| d.start.line))
                .or_else(|| entry.loc.as_ref().and_then(|d| d.start.line))
                .unwrap_or(0);
            // Anonymous functions share names; the id keeps them apart as istanbul does.
            fc.record_function(
                &format!(
                    "{}#{id}@{line}",
                    entry.name.as_deref().unwrap_or("(anonymous)")
                ),
                hits,
            );
        }
    }
    report.headline = Some(Headline {
        name: "statements",
        counter: statements,
        formula: "istanbul: executed statements / statements",
        rounding: Rounding::Truncate2,
    });
    report.files = files.into();
    Ok(report)
}

#[derive(Deserialize)]
struct Metric {
    total: u64,
    covered: u64,
}

#[derive(Deserialize)]
struct SummaryEntry {
    lines: Metric,
    statements: Option<Metric>,
    functions: Option<Metric>,
    branches: Option<Metric>,
}

pub fn parse_summary<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let bytes = super::read_all(input, path)?;
    let doc: BTreeMap<String, SummaryEntry> = serde_json::from_slice(&bytes)
        .map_err(|e| super::json_error(path, e, "Istanbul coverage-summary.json"))?;
    let mut report = Report::default();
    let mut files = FileMap::new();
    let mut statements = Counter::default();
    let c = |m: &Metric, what: &str, file: &str| {
        if m.covered > m.total {
            Err(InputError::new(
                path,
                format!(
                    "{file}: {what} covered {} exceeds total {}",
                    m.covered, m.total
                ),
                "the report is damaged; regenerate it",
            ))
        } else {
            Ok(Counter {
                covered: m.covered,
                total: m.total,
            })
        }
    };
    for (name, e) in doc {
        if name == "total" {
            continue;
        }
        let s = SummaryCounts {
            lines: c(&e.lines, "lines", &name)?,
            branches: e
                .branches
                .as_ref()
                .map(|m| c(m, "branches", &name))
                .transpose()?
                .unwrap_or_default(),
            functions: e
                .functions
                .as_ref()
                .map(|m| c(m, "functions", &name))
                .transpose()?
                .unwrap_or_default(),
        };
        if let Some(m) = &e.statements {
            statements.add(c(m, "statements", &name)?);
        }
        file_in(&mut files, &name).summary = Some(Box::new(s));
    }
    report.headline = Some(Headline {
        name: "statements",
        counter: statements,
        formula: "istanbul: executed statements / statements",
        rounding: Rounding::Truncate2,
    });
    report.files = files.into();
    Ok(report)
}
