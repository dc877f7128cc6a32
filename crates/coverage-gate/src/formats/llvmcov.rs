//! llvm-cov export JSON (`llvm-cov export -format=text`, cargo-llvm-cov `--json`).
//!
//! Per-line counts are rebuilt from the region segments with LLVM's own rule
//! (`LineCoverageStats` in llvm/lib/ProfileData/Coverage/CoverageMapping.cpp), so they equal
//! what `llvm-cov export -format=lcov` writes as `DA` lines. The headline is regions.

use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::Value;

use crate::model::{file_in, saturate, Counter, FileMap, Headline, LineCov, Report, Rounding};

#[derive(Deserialize)]
struct Doc {
    data: Vec<Export>,
}

#[derive(Deserialize)]
struct Export {
    #[serde(default)]
    files: Vec<File>,
    #[serde(default)]
    functions: Vec<Function>,
    totals: Option<Totals>,
}

#[derive(Deserialize)]
struct File {
    filename: String,
    #[serde(default)]
    segments: Vec<Vec<Value>>,
    #[serde(default)]
    branches: Vec<Vec<Value>>,
}

#[derive(Deserialize)]
struct Function {
    name: String,
    count: Value,
    #[serde(default)]
    filenames: Vec<String>,
}

#[derive(Deserialize)]
struct Totals {
    regions: Option<Summary>,
}

#[derive(Deserialize)]
struct Summary {
    count: u64,
    covered: u64,
}

struct Segment {
    line: u32,
    count: u64,
    has_count: bool,
    region_entry: bool,
    gap: bool,
}

fn num(v: Option<&Value>) -> Option<u64> {
    let v = v?;
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f as u64)
    })
}

fn segment(v: &[Value]) -> Option<Segment> {
    Some(Segment {
        line: u32::try_from(num(v.first())?).ok()?,
        count: num(v.get(2))?,
        has_count: v.get(3)?.as_bool()?,
        region_entry: v.get(4)?.as_bool()?,
        gap: v.get(5).and_then(Value::as_bool).unwrap_or(false),
    })
}

pub fn parse<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let bytes = super::read_all(input, path)?;
    let doc: Doc = serde_json::from_slice(&bytes)
        .map_err(|e| super::json_error(path, e, "llvm-cov export JSON"))?;
    let bad = |file: &str, what: &str| {
        InputError::new(
            path,
            format!("{file}: {what}"),
            "the export is damaged; regenerate it with llvm-cov export -format=text",
        )
    };
    let mut report = Report::default();
    let mut files = FileMap::new();
    let mut regions = Counter::default();
    for export in doc.data {
        for f in export.files {
            let segs = f
                .segments
                .iter()
                .map(|s| segment(s))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad(&f.filename, "malformed segment"))?;
            // LLVM writes segments in line order; the line walk below relies on it.
            if !segs.windows(2).all(|w| w[0].line <= w[1].line) {
                return Err(bad(&f.filename, "segments are not in line order"));
            }
            if let (Some(a), Some(b)) = (segs.first(), segs.last()) {
                if b.line - a.line > super::MAX_SPAN {
                    return Err(bad(&f.filename, "segments span millions of lines"));
                }
            }
            let fc = file_in(&mut files, &f.filename);
            for (line, hits) in line_counts(&segs) {
                fc.record(
                    line,
                    LineCov {
                        hits: saturate(hits),
                        ..Default::default()
                    },
                );
            }
            for b in &f.branches {
                let (Some(line), Some(t), Some(fl)) =
                    (num(b.first()), num(b.get(4)), num(b.get(5)))
                else {
                    return Err(bad(&f.filename, "malformed branch"));
                };
                let line = u32::try_from(line)
                    .ok()
                    .filter(|&l| l > 0)
                    .ok_or_else(|| bad(&f.filename, "branch on line 0"))?;
                fc.lines.update(line, LineCov::branch_only(), |l| {
                    l.branches_total += 2;
                    l.branches_covered += u32::from(t > 0) + u32::from(fl > 0);
                });
            }
        }
        for func in export.functions {
            let Some(file) = func.filenames.first() else {
                continue;
            };
            let hits = num(Some(&func.count))
                .ok_or_else(|| bad(&func.name, "function count is not a number"))?;
            file_in(&mut files, file).record_function(&func.name, hits);
        }
        if let Some(r) = export.totals.and_then(|t| t.regions) {
            regions.add(Counter {
                covered: r.covered,
                total: r.count,
            });
        }
    }
    report.headline = Some(Headline {
        name: "regions",
        counter: regions,
        formula: "llvm-cov: executed code regions / regions",
        rounding: Rounding::Fixed(2),
    });
    report.files = files.into();
    Ok(report)
}

/// LLVM's per-line rule: a line is mapped when a region with a count starts on it or a counted
/// region wraps onto it, unless a skipped region starts it; its count is the largest of the
/// wrapping region's and those starting on the line.
fn line_counts(segs: &[Segment]) -> Vec<(u32, u64)> {
    let mut out = Vec::new();
    let Some(first) = segs.first() else {
        return out;
    };
    let start = |s: &Segment| !s.gap && s.has_count && s.region_entry;
    let mut wrapped: Option<&Segment> = None;
    let mut i = 0;
    let mut line = first.line;
    let mut on_line: Vec<&Segment> = Vec::new();
    while i < segs.len() {
        if let Some(last) = on_line.last() {
            wrapped = Some(last);
        }
        on_line.clear();
        while i < segs.len() && segs[i].line == line {
            on_line.push(&segs[i]);
            i += 1;
        }
        let starts = on_line.iter().filter(|s| start(s)).count();
        let skipped = on_line
            .first()
            .is_some_and(|s| !s.has_count && s.region_entry);
        let mapped = !skipped && (wrapped.is_some_and(|w| w.has_count) || starts > 0);
        if mapped {
            let mut count = wrapped.map_or(0, |w| w.count);
            if starts > 0 {
                for s in on_line.iter().filter(|s| start(s)) {
                    count = count.max(s.count);
                }
            }
            out.push((line, count));
        }
        line += 1;
    }
    out
}
