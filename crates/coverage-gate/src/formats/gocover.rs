//! Go coverprofiles (`go test -coverprofile`, modes set, count and atomic).
//!
//! With `-coverpkg` each block appears once per test binary; repeats are merged (OR for `set`,
//! sum otherwise). Go's own number counts statements, reported as the headline; lines are
//! derived from blocks (a line is covered when any block on it ran).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;

use crate::model::{file_in, saturate, Counter, FileMap, Headline, LineCov, Report, Rounding};

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Span {
    start_line: u32,
    start_col: u32,
    end_line: u32,
    end_col: u32,
}

pub fn parse<R: BufRead>(mut input: R, path: &Path) -> Result<Report, InputError> {
    let mut mode: Option<String> = None;
    // file → block → (statements, count); insertion order kept per file for determinism.
    let mut blocks: HashMap<String, HashMap<Span, (u64, u64)>> = HashMap::new();
    let mut line = String::new();
    let mut n = 0u64;
    loop {
        line.clear();
        if input
            .read_line(&mut line)
            .map_err(|e| InputError::io(path, &e).at(n + 1, None))?
            == 0
        {
            break;
        }
        n += 1;
        let l = line.trim_end_matches(['\n', '\r']);
        if l.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| {
            InputError::new(
                path,
                format!("{what}: {:?}", l.chars().take(80).collect::<String>()),
                "the profile is damaged; regenerate it with go test -coverprofile",
            )
            .at(n, None)
        };
        if let Some(m) = l.strip_prefix("mode:") {
            let m = m.trim().to_string();
            if !matches!(m.as_str(), "set" | "count" | "atomic") {
                return Err(bad("unknown coverage mode"));
            }
            // Concatenated profiles repeat the mode line; they must agree.
            if mode.as_ref().is_some_and(|old| *old != m) {
                return Err(bad("profiles with different modes were concatenated"));
            }
            mode = Some(m);
            continue;
        }
        if mode.is_none() {
            return Err(bad("a Go coverprofile starts with a mode: line"));
        }
        // importpath/file.go:sl.sc,el.ec stmts count — the file name may contain ':'.
        let (loc, rest) = l
            .rsplit_once(':')
            .ok_or_else(|| bad("not a coverprofile block"))?;
        let mut it = rest.split(' ');
        let (Some(range), Some(stmts), Some(count), None) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            return Err(bad("not a coverprofile block"));
        };
        let span = parse_span(range).ok_or_else(|| bad("bad block position"))?;
        let stmts: u64 = stmts
            .parse()
            .map_err(|_| bad("statement count is not a number"))?;
        let count: u64 = count
            .parse()
            .map_err(|_| bad("execution count is not a non-negative number"))?;
        let set = mode.as_deref() == Some("set");
        let e = blocks
            .entry(loc.to_string())
            .or_default()
            .entry(span)
            .or_insert((stmts, 0));
        if e.0 != stmts {
            return Err(bad("the same block appears with different statement counts (profiles of different builds?)"));
        }
        e.1 = if set {
            e.1.max(count)
        } else {
            e.1.saturating_add(count)
        };
    }
    if mode.is_none() {
        return Err(InputError::new(
            path,
            "no mode: line: not a Go coverprofile",
            "pass --format to choose the right format",
        ));
    }
    let mut report = Report::default();
    let mut by_path = FileMap::new();
    let mut statements = Counter::default();
    let mut files: Vec<_> = blocks.into_iter().collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (file, blocks) in files {
        let fc = file_in(&mut by_path, &file);
        for (span, (stmts, count)) in blocks {
            statements.add(Counter {
                covered: if count > 0 { stmts } else { 0 },
                total: stmts,
            });
            let mut last = span.end_line;
            // A block whose last line holds only its closing brace does not make that line
            // coverable (the convention codecov and gocover-cobertura follow).
            if span.end_line > span.start_line && span.end_col <= 2 {
                last -= 1;
            }
            for ln in span.start_line..=last {
                fc.lines.update(ln, LineCov::default(), |l| {
                    l.hits = l.hits.max(saturate(count))
                });
            }
        }
    }
    report.headline = Some(Headline {
        name: "statements",
        counter: statements,
        formula: "go tool cover: statements in executed blocks / all statements",
        rounding: Rounding::Fixed(1),
    });
    report.files = by_path.into();
    Ok(report)
}

fn parse_span(s: &str) -> Option<Span> {
    let (a, b) = s.split_once(',')?;
    let (sl, sc) = a.split_once('.')?;
    let (el, ec) = b.split_once('.')?;
    let span = Span {
        start_line: sl.parse().ok()?,
        start_col: sc.parse().ok()?,
        end_line: el.parse().ok()?,
        end_col: ec.parse().ok()?,
    };
    (span.start_line > 0
        && span.end_line >= span.start_line
        && span.end_line - span.start_line <= super::MAX_SPAN)
        .then_some(span)
}
