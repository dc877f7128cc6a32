//! The canonical coverage model every format parses into.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// Covered out of total, with the percentage derived on demand (never read from a report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counter {
    /// Covered items.
    pub covered: u64,
    /// All items.
    pub total: u64,
}

impl Counter {
    /// Covered share in percent; `None` when there is nothing to cover.
    pub fn percent(&self) -> Option<f64> {
        (self.total > 0).then(|| self.covered as f64 * 100.0 / self.total as f64)
    }

    /// Add another counter.
    pub fn add(&mut self, other: Counter) {
        self.covered = self.covered.saturating_add(other.covered);
        self.total = self.total.saturating_add(other.total);
    }

    /// Count one item.
    pub fn count(&mut self, covered: bool) {
        self.total = self.total.saturating_add(1);
        self.covered = self.covered.saturating_add(u64::from(covered));
    }
}

/// One source line's measurement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineCov {
    /// Times executed (0 = coverable but not run).
    pub hits: u64,
    /// Branch outcomes taken on this line.
    pub branches_covered: u32,
    /// Branch outcomes on this line.
    pub branches_total: u32,
    /// The report measured branches here but not the line itself (istanbul's JSX lines in
    /// LCOV): the branches count, the line does not.
    pub branch_only: bool,
}

impl LineCov {
    /// Combine two measurements of the same line from the same report (a line repeated under
    /// several classes or methods): the larger of each.
    pub fn absorb(&mut self, other: LineCov) {
        self.hits = self.hits.max(other.hits);
        self.branches_covered = self.branches_covered.max(other.branches_covered);
        self.branches_total = self.branches_total.max(other.branches_total);
        self.branch_only &= other.branch_only;
    }
}

/// Per-file totals for what a format has no detail of (Istanbul `coverage-summary.json` has no
/// lines at all; Clover from istanbul counts methods without listing them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SummaryCounts {
    /// Lines.
    pub lines: Counter,
    /// Branch outcomes.
    pub branches: Counter,
    /// Functions.
    pub functions: Counter,
}

/// Coverage of one source file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileCoverage {
    /// Coverable lines by number.
    pub lines: BTreeMap<u32, LineCov>,
    /// Functions by a key unique within the file (name, or name and line), with their hits.
    pub functions: BTreeMap<String, u64>,
    /// Totals only, when the format has no line data.
    pub summary: Option<SummaryCounts>,
}

impl FileCoverage {
    /// Record a line, merging with an earlier record of it in the same report.
    pub fn record(&mut self, line: u32, cov: LineCov) {
        match self.lines.entry(line) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(cov);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => o.get_mut().absorb(cov),
        }
    }

    /// Record a function's hits, merging repeats within a report.
    pub fn record_function(&mut self, key: String, hits: u64) {
        let h = self.functions.entry(key).or_default();
        *h = (*h).max(hits);
    }

    /// Line counter.
    pub fn lines(&self) -> Counter {
        let mut c = Counter::default();
        for l in self.lines.values().filter(|l| !l.branch_only) {
            c.count(l.hits > 0);
        }
        self.or_summary(c, |s| s.lines)
    }

    /// Branch-outcome counter.
    pub fn branches(&self) -> Counter {
        let mut c = Counter::default();
        for l in self.lines.values() {
            c.covered += u64::from(l.branches_covered);
            c.total += u64::from(l.branches_total);
        }
        self.or_summary(c, |s| s.branches)
    }

    /// Function counter.
    pub fn functions(&self) -> Counter {
        let mut c = Counter::default();
        for &h in self.functions.values() {
            c.count(h > 0);
        }
        self.or_summary(c, |s| s.functions)
    }

    /// Detail wins; the summary fills in what the format has no detail for.
    fn or_summary(&self, detail: Counter, pick: impl Fn(&SummaryCounts) -> Counter) -> Counter {
        match &self.summary {
            Some(s) if detail.total == 0 => pick(s),
            _ => detail,
        }
    }

    /// Merge the same file from another report: hits add up, a line is covered if any report
    /// covered it, branch outcomes take the larger count (reports do not name their branches
    /// consistently enough to union them).
    pub fn merge(&mut self, other: FileCoverage) {
        for (n, l) in other.lines {
            let Some(e) = self.lines.get_mut(&n) else {
                self.lines.insert(n, l);
                continue;
            };
            e.hits = e.hits.saturating_add(l.hits);
            e.branches_covered = e.branches_covered.max(l.branches_covered);
            e.branches_total = e.branches_total.max(l.branches_total);
            e.branch_only &= l.branch_only;
        }
        for (k, h) in other.functions {
            let e = self.functions.entry(k).or_default();
            *e = e.saturating_add(h);
        }
        if self.summary.is_none() {
            self.summary = other.summary;
        }
    }
}

/// The producer's own headline number, when it is not plain line coverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// What is counted, e.g. `statements`.
    pub name: &'static str,
    /// The counts.
    #[serde(flatten)]
    pub counter: Counter,
    /// How the producer computes it, in words.
    pub formula: &'static str,
    /// How the producer rounds it when it prints it.
    #[serde(skip)]
    pub rounding: Rounding,
}

/// How a producer prints its headline percentage. The headline is shown as its producer shows
/// it, so the numbers match the tool's own output; the gate's thresholds keep truncating
/// ([`crate::policy::pct`]), so 79.999 never passes a minimum of 80.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rounding {
    /// Two decimals, truncated (istanbul, and where the producer's rule is not known).
    #[default]
    Truncate2,
    /// `printf("%.Nf")`: nearest, ties to even on the exact binary value (go tool cover with 1,
    /// llvm-cov with 2).
    Fixed(u8),
    /// coverage.py's `display_covered`: nearest at `precision` decimals, except that a value
    /// strictly between 0 and 100 never shows as 0 or 100.
    CoveragePy(u8),
}

impl Rounding {
    /// `p` as the producer prints it, with a `%`.
    pub fn show(self, p: f64) -> String {
        match self {
            Rounding::Truncate2 => crate::policy::pct(p),
            Rounding::Fixed(n) => format!("{p:.*}%", usize::from(n)),
            Rounding::CoveragePy(n) => {
                let near = 10f64.powi(-i32::from(n));
                let p = if p > 0.0 && p < near {
                    near
                } else if p > 100.0 - near && p < 100.0 {
                    100.0 - near
                } else {
                    p
                };
                format!("{p:.*}%", usize::from(n))
            }
        }
    }
}

/// One parsed report, paths as the report wrote them.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The file it came from.
    pub origin: PathBuf,
    /// Its format.
    pub format: Option<crate::formats::Format>,
    /// Source roots the report declares (Cobertura `<source>`).
    pub sources: Vec<String>,
    /// Files by the report's path.
    pub files: BTreeMap<String, FileCoverage>,
    /// The producer's headline number, when it differs from line coverage.
    pub headline: Option<Headline>,
}

impl Report {
    /// The entry for `path`, created on first use.
    pub fn file(&mut self, path: &str) -> &mut FileCoverage {
        if !self.files.contains_key(path) {
            self.files.insert(path.to_string(), FileCoverage::default());
        }
        self.files.get_mut(path).expect("inserted above")
    }
}

/// Line, branch and function counters summed over files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Lines.
    pub lines: Counter,
    /// Branch outcomes.
    pub branches: Counter,
    /// Functions.
    pub functions: Counter,
}

impl Totals {
    /// Sum over files.
    pub fn of<'a>(files: impl IntoIterator<Item = &'a FileCoverage>) -> Self {
        let mut t = Totals::default();
        for f in files {
            t.lines.add(f.lines());
            t.branches.add(f.branches());
            t.functions.add(f.functions());
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::Rounding;

    #[test]
    fn headlines_round_as_their_producers_print_them() {
        // dateutil: coverage.py with precision 2 prints 75.38%, where truncation showed 75.37%.
        assert_eq!(Rounding::CoveragePy(2).show(75.375), "75.38%");
        assert_eq!(Rounding::CoveragePy(0).show(71.951), "72%");
        // coverage.py never shows a partial total as 100 or 0.
        assert_eq!(Rounding::CoveragePy(0).show(99.6), "99%");
        assert_eq!(Rounding::CoveragePy(2).show(0.001), "0.01%");
        assert_eq!(Rounding::CoveragePy(0).show(100.0), "100%");
        assert_eq!(Rounding::Fixed(1).show(66.66), "66.7%");
        assert_eq!(Rounding::Truncate2.show(75.375), "75.37%");
    }
}
