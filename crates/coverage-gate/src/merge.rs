//! Merging any number of reports, of any formats, into one coverage map keyed by repository
//! path.

use std::path::PathBuf;

use crate::formats::{self, Format};
use crate::model::{FileCoverage, Files, Headline, Report};
use crate::paths::{Resolved, Resolver};

/// All reports combined.
#[derive(Debug, Default)]
pub struct Merged {
    /// Files by repository path (or by the report's path when unresolved).
    pub files: Files,
    /// Report paths not found in the checkout, with the report that named them (an index
    /// into `reports`).
    pub unresolved: Vec<(String, usize)>,
    /// Things a user should know (disagreeing reports).
    pub warnings: Vec<String>,
    /// The producers' headline, when every report has one of the same kind.
    pub headline: Option<Headline>,
    /// Formats read, in input order.
    pub formats: Vec<Format>,
    /// Report files read.
    pub reports: Vec<PathBuf>,
}

/// At most this many "reports disagree" warnings, so a stale shard cannot flood the log.
const MAX_DISAGREEMENTS: usize = 5;

/// Merge reports: within a report repeated records were already combined; across reports a line
/// is covered if any report covered it.
pub fn merge(reports: Vec<Report>, resolver: &Resolver) -> Merged {
    combine(reports.into_iter().map(|r| prepare(r, resolver)).collect())
}

/// One report's files resolved to repository paths, sorted and combined: the part of a merge
/// that needs no other report, so it runs on the thread that parsed the report.
#[derive(Debug)]
pub struct Prepared {
    origin: PathBuf,
    format: Option<Format>,
    headline: Option<Headline>,
    /// The report's paths not found in the checkout, as the report wrote them.
    unresolved: Vec<String>,
    /// (key, coverage), sorted by key and unique.
    files: Vec<(String, FileCoverage)>,
}

/// Resolve and sort the files of `report`.
pub fn prepare(report: Report, resolver: &Resolver) -> Prepared {
    let mut unresolved = Vec::new();
    // The report's own list, each path replaced by its key in place.
    let mut files: Vec<(String, FileCoverage)> = report.files.into_iter().collect();
    for (path, _) in &mut files {
        let key = match resolver.resolve(path, &report.sources) {
            Resolved::Repo(p) => p,
            Resolved::Unresolved(p) => {
                unresolved.push(std::mem::take(path));
                p
            }
        };
        *path = key;
    }
    // Stable, so two report paths that name the same file combine in the report's order.
    if !files.is_sorted_by(|a, b| a.0 <= b.0) {
        files.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let kept = combine_repeats(&mut files);
    files.truncate(kept);
    if report.format == Some(Format::Simplecov) {
        for (key, fc) in &mut files {
            if let Ok(src) = std::fs::read_to_string(resolver.root().join(&*key)) {
                formats::apply_nocov(fc, &src);
            }
        }
    }
    Prepared {
        origin: report.origin,
        format: report.format,
        headline: report.headline,
        unresolved,
        files,
    }
}

/// Merge prepared reports (in input order). All reports' files go in one list, sorted by key
/// (stable, so a file's reports stay in input order) and combined in one linear pass: a hundred
/// thousand files cost a sort, not a hundred thousand keyed inserts, and sixteen shards do not
/// rebuild the files so far once per shard.
pub fn combine(prepared: Vec<Prepared>) -> Merged {
    let mut out = Merged::default();
    let mut headline: Option<Option<Headline>> = None;
    let count = prepared.len();
    if count == 1 {
        // One report: its files are sorted and combined already.
        let p = prepared.into_iter().next().expect("one report");
        out.formats.extend(p.format);
        out.reports.push(p.origin);
        out.headline = p.headline;
        out.unresolved = p.unresolved.into_iter().map(|raw| (raw, 0)).collect();
        out.files = Files::from_sorted(p.files);
        return out;
    }
    let mut all: Vec<(String, usize, FileCoverage)> = Vec::new();
    for (index, p) in prepared.into_iter().enumerate() {
        out.formats.extend(p.format);
        out.reports.push(p.origin);
        headline = Some(match (headline, p.headline) {
            (None, h) => h,
            (Some(Some(mut a)), Some(b)) if a.name == b.name => {
                a.counter.add(b.counter);
                if a.rounding != b.rounding {
                    a.rounding = crate::model::Rounding::default();
                }
                Some(a)
            }
            _ => None,
        });
        out.unresolved
            .extend(p.unresolved.into_iter().map(|raw| (raw, index)));
        all.extend(p.files.into_iter().map(|(key, fc)| (key, index, fc)));
    }
    // Each report's run is sorted: the stable sort merges the runs.
    all.sort_by(|a, b| a.0.cmp(&b.0));
    // (report, position of the file, lines before, lines of the report), found in key order
    // and reported in input order, as merging report by report would.
    let mut disagree: Vec<(usize, usize, u64, u64)> = Vec::new();
    // Combined in place: the files so far are all[..=w].
    let mut w = 0;
    for r in 1..all.len() {
        if all[r].0 == all[w].0 {
            let (_, index, fc) = std::mem::take(&mut all[r]);
            let existing = &mut all[w].2;
            let a = existing.lines();
            let b = fc.lines();
            if a.total > 0 && b.total > 0 && a.total != b.total {
                disagree.push((index, w, a.total, b.total));
            }
            existing.merge(fc);
        } else {
            w += 1;
            all.swap(w, r);
        }
    }
    all.truncate(w + 1);
    disagree.sort_unstable_by_key(|&(index, pos, ..)| (index, pos));
    for (index, pos, a, b) in disagree.into_iter().take(MAX_DISAGREEMENTS) {
        let (key, owner, _) = &all[pos];
        out.warnings.push(format!(
            "{} and {} disagree on which lines of {key} can be covered ({a} vs {b} lines): were they made from different commits?",
            out.reports[*owner].display(),
            out.reports[index].display(),
        ));
    }
    // Sorted and unique already; collected in place.
    out.files = Files::from_sorted(all.into_iter().map(|(k, _, fc)| (k, fc)).collect());
    out.headline = headline.flatten();
    out
}

/// Two report paths of one report that resolve to the same file are repeats of it, combined
/// as repeated records are (`list` is sorted by key), in place: the combined files are the
/// first of the returned count.
fn combine_repeats(list: &mut [(String, FileCoverage)]) -> usize {
    if list.is_empty() {
        return 0;
    }
    let mut w = 0;
    for r in 1..list.len() {
        if list[r].0 == list[w].0 {
            let fc = std::mem::take(&mut list[r].1);
            let existing = &mut list[w].1;
            for (n, l) in fc.lines {
                existing.record(n, l);
            }
            for (k, h) in fc.functions.iter() {
                existing.record_function(k, h);
            }
        } else {
            w += 1;
            list.swap(w, r);
        }
    }
    w + 1
}
