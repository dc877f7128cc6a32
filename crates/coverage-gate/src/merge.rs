//! Merging any number of reports, of any formats, into one coverage map keyed by repository
//! path.

use std::collections::BTreeMap;
use std::path::PathBuf;

use itertools::{EitherOrBoth, Itertools};

use crate::formats::{self, Format};
use crate::model::{FileCoverage, Headline, Report};
use crate::paths::{Resolved, Resolver};

/// All reports combined.
#[derive(Debug, Default)]
pub struct Merged {
    /// Files by repository path (or by the report's path when unresolved).
    pub files: BTreeMap<String, FileCoverage>,
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
///
/// Each report's files are resolved, sorted by key and then merged with the files so far in one
/// linear pass, so a report of a hundred thousand files costs a sort, not a hundred thousand
/// keyed inserts.
pub fn merge(reports: Vec<Report>, resolver: &Resolver) -> Merged {
    let mut out = Merged::default();
    // Key → (the first report that had it, by index into `out.reports`; its coverage).
    let mut acc: Vec<(String, (usize, FileCoverage))> = Vec::new();
    let mut headline: Option<Option<Headline>> = None;
    let mut disagreements = 0usize;
    for (index, report) in reports.into_iter().enumerate() {
        out.formats.extend(report.format);
        out.reports.push(report.origin.clone());
        headline = Some(match (headline, report.headline) {
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
        let mut this: Vec<(String, FileCoverage)> = Vec::with_capacity(report.files.len());
        for (raw, fc) in report.files {
            let key = match resolver.resolve(&raw, &report.sources) {
                Resolved::Repo(p) => p,
                Resolved::Unresolved(p) => {
                    out.unresolved.push((raw, index));
                    p
                }
            };
            this.push((key, fc));
        }
        // Stable, so two report paths that name the same file combine in the report's order.
        if !this.is_sorted_by(|a, b| a.0 <= b.0) {
            this.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let mut this = combine_repeats(this);
        if report.format == Some(Format::Simplecov) {
            for (key, fc) in &mut this {
                if let Ok(src) = std::fs::read_to_string(resolver.root().join(&*key)) {
                    formats::apply_nocov(fc, &src);
                }
            }
        }
        if acc.is_empty() {
            acc = this.into_iter().map(|(k, fc)| (k, (index, fc))).collect();
            continue;
        }
        let before = std::mem::take(&mut acc);
        acc.reserve(before.len().max(this.len()));
        for pair in before.into_iter().merge_join_by(this, |a, b| a.0.cmp(&b.0)) {
            acc.push(match pair {
                EitherOrBoth::Both((key, (owner, mut existing)), (_, fc)) => {
                    let a = existing.lines();
                    let b = fc.lines();
                    if a.total > 0
                        && b.total > 0
                        && a.total != b.total
                        && disagreements < MAX_DISAGREEMENTS
                    {
                        disagreements += 1;
                        out.warnings.push(format!(
                            "{} and {} disagree on which lines of {key} can be covered ({} vs {} lines): were they made from different commits?",
                            out.reports[owner].display(),
                            out.reports[index].display(),
                            a.total,
                            b.total
                        ));
                    }
                    existing.merge(fc);
                    (key, (owner, existing))
                }
                EitherOrBoth::Left(kept) => kept,
                EitherOrBoth::Right((key, fc)) => (key, (index, fc)),
            });
        }
    }
    // Sorted and unique already: the map is built in one pass.
    out.files = acc.into_iter().map(|(k, (_, fc))| (k, fc)).collect();
    out.headline = headline.flatten();
    out
}

/// Two report paths of one report that resolve to the same file are repeats of it, combined
/// as repeated records are (`list` is sorted by key).
fn combine_repeats(list: Vec<(String, FileCoverage)>) -> Vec<(String, FileCoverage)> {
    let mut out: Vec<(String, FileCoverage)> = Vec::with_capacity(list.len());
    for (key, fc) in list {
        match out.last_mut() {
            Some((k, existing)) if *k == key => {
                for (n, l) in fc.lines {
                    existing.record(n, l);
                }
                for (k, h) in fc.functions.iter() {
                    existing.record_function(k, h);
                }
            }
            _ => out.push((key, fc)),
        }
    }
    out
}
