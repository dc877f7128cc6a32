//! Patch coverage: the coverable lines a change added or modified, and how many of them ran.
//! Which lines changed comes from `gates_core::git`.

use gates_core::git::{Base, ChangedLines};

use crate::model::{Counter, Files};

/// Patch coverage of one changed file.
#[derive(Debug, Clone, PartialEq)]
pub struct FilePatch {
    /// Repository path.
    pub path: String,
    /// Changed coverable lines, covered of total.
    pub counter: Counter,
    /// Uncovered changed lines as inclusive ranges.
    pub uncovered: Vec<(u32, u32)>,
}

/// Patch coverage of the whole change.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    /// What it was measured against.
    pub base: Base,
    /// Changed files with coverable changed lines, most uncovered lines first.
    pub files: Vec<FilePatch>,
    /// Over all files.
    pub total: Counter,
    /// Changed files the reports say nothing about.
    pub unmeasured: Vec<String>,
    /// Changed files the reports count only in total, with no per-line data (gcovr's JaCoCo).
    pub no_line_detail: Vec<String>,
}

/// Intersect the change with the coverage: only coverable changed lines count.
pub fn measure(base: Base, changed: &ChangedLines, files: &Files) -> Patch {
    let mut out = Patch {
        base,
        files: Vec::new(),
        total: Counter::default(),
        unmeasured: Vec::new(),
        no_line_detail: Vec::new(),
    };
    for (path, lines) in changed {
        let Some(fc) = files.get(path) else {
            out.unmeasured.push(path.clone());
            continue;
        };
        if fc.lines.values().all(|l| l.branch_only) && fc.lines().total > 0 {
            out.no_line_detail.push(path.clone());
            continue;
        }
        let mut counter = Counter::default();
        let mut uncovered: Vec<(u32, u32)> = Vec::new();
        // Consecutive uncovered lines join one range when nothing coverable that is either
        // covered or unchanged lies between them.
        let mut open: Option<(u32, u32)> = None;
        for (n, l) in fc.lines.iter().filter(|(_, l)| !l.branch_only) {
            let changed_here = lines.contains(&n);
            if changed_here {
                counter.count(l.hits > 0);
            }
            if changed_here && l.hits == 0 {
                open = Some(match open {
                    Some((s, _)) => (s, n),
                    None => (n, n),
                });
            } else if let Some(r) = open.take() {
                uncovered.push(r);
            }
        }
        uncovered.extend(open);
        if counter.total > 0 {
            out.total.add(counter);
            out.files.push(FilePatch {
                path: path.clone(),
                counter,
                uncovered,
            });
        }
    }
    out.files.sort_by(|a, b| {
        (b.counter.total - b.counter.covered)
            .cmp(&(a.counter.total - a.counter.covered))
            .then_with(|| a.path.cmp(&b.path))
    });
    out
}
