//! Merging any number of reports, of any formats, into one coverage map keyed by repository
//! path.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::formats::{self, Format};
use crate::model::{FileCoverage, Headline, Report};
use crate::paths::{Resolved, Resolver};

/// All reports combined.
#[derive(Debug, Default)]
pub struct Merged {
    /// Files by repository path (or by the report's path when unresolved).
    pub files: BTreeMap<String, FileCoverage>,
    /// Report paths not found in the checkout, with the report that named them.
    pub unresolved: Vec<(String, PathBuf)>,
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
    let mut out = Merged::default();
    let mut owner: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut headline: Option<Option<Headline>> = None;
    let mut disagreements = 0usize;
    for report in reports {
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
        // Resolve first, combining two report paths that name the same file as repeats.
        let mut this: BTreeMap<String, FileCoverage> = BTreeMap::new();
        for (raw, fc) in report.files {
            let key = match resolver.resolve(&raw, &report.sources) {
                Resolved::Repo(p) => p,
                Resolved::Unresolved(p) => {
                    out.unresolved.push((raw, report.origin.clone()));
                    p
                }
            };
            match this.get_mut(&key) {
                Some(existing) => {
                    for (n, l) in fc.lines {
                        existing.record(n, l);
                    }
                    for (k, h) in fc.functions {
                        existing.record_function(k, h);
                    }
                }
                None => {
                    this.insert(key, fc);
                }
            }
        }
        for (key, mut fc) in this {
            if report.format == Some(Format::Simplecov) {
                if let Ok(src) = std::fs::read_to_string(resolver.root().join(&key)) {
                    formats::apply_nocov(&mut fc, &src);
                }
            }
            match out.files.get_mut(&key) {
                Some(existing) => {
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
                            owner[&key].display(),
                            report.origin.display(),
                            a.total,
                            b.total
                        ));
                    }
                    existing.merge(fc);
                }
                None => {
                    owner.insert(key.clone(), report.origin.clone());
                    out.files.insert(key, fc);
                }
            }
        }
    }
    out.headline = headline.flatten();
    out
}
