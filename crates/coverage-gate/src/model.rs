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
    /// Times executed (0 = coverable but not run), saturating: only "ran or not" is ever
    /// reported, and 32 bits keep a 100 MB report's millions of lines compact.
    pub hits: u32,
    /// Branch outcomes taken on this line.
    pub branches_covered: u32,
    /// Branch outcomes on this line.
    pub branches_total: u32,
    /// The report measured branches here but not the line itself (istanbul's JSX lines in
    /// LCOV): the branches count, the line does not.
    pub branch_only: bool,
}

impl LineCov {
    /// A line that ran `hits` times, or not at all.
    pub fn ran(hits: u64) -> Self {
        LineCov {
            hits: saturate(hits),
            ..Default::default()
        }
    }

    /// Record `hits` more runs.
    pub fn add_hits(&mut self, hits: u64) {
        self.hits = self.hits.saturating_add(saturate(hits));
    }

    /// A line measured only for its branches.
    pub fn branch_only() -> Self {
        LineCov {
            branch_only: true,
            ..Default::default()
        }
    }

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

/// A hit count in 32 bits.
pub fn saturate(hits: u64) -> u32 {
    u32::try_from(hits).unwrap_or(u32::MAX)
}

/// A line as [`Lines`] stores it: 12 bytes where `(u32, LineCov)` took 20, and a 100 MB LCOV
/// report has four million lines. The branch counts share 32 bits: covered in 15, total in 16,
/// the top bit for [`LineCov::branch_only`]; counts too large for those bits (a generated line
/// with tens of thousands of branches) live in [`Lines::wide`], so nothing saturates.
/// Hand-packed: bitfield crates generate accessors, not this spill to a side map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    line: u32,
    hits: u32,
    branches: u32,
}

/// [`Packed::branches`]: the branch-only bit.
const ONLY: u32 = 1 << 31;
/// [`Packed::branches`]: the total's bits, and the total that says "in [`Lines::wide`]".
const WIDE: u32 = 0xFFFF;
/// [`Packed::branches`]: the largest covered count kept inline.
const COVERED_MAX: u32 = 0x7FFF;

impl Packed {
    /// `cov` of `line`, and the branch counts that go to [`Lines::wide`] when they do not fit.
    fn pack(line: u32, cov: LineCov) -> (Packed, Option<(u32, u32)>) {
        let only = if cov.branch_only { ONLY } else { 0 };
        let fits = cov.branches_total < WIDE && cov.branches_covered <= COVERED_MAX;
        let (branches, wide) = match fits {
            true => (only | cov.branches_covered << 16 | cov.branches_total, None),
            false => (
                only | WIDE,
                Some((cov.branches_covered, cov.branches_total)),
            ),
        };
        let p = Packed {
            line,
            hits: cov.hits,
            branches,
        };
        (p, wide)
    }

    /// The measurement, the wide counts looked up in `wide` when they are there.
    fn unpack(self, wide: Option<&BTreeMap<u32, (u32, u32)>>) -> LineCov {
        let total = self.branches & WIDE;
        let (branches_covered, branches_total) = match total {
            WIDE => wide
                .and_then(|w| w.get(&self.line).copied())
                .unwrap_or_default(),
            _ => ((self.branches >> 16) & COVERED_MAX, total),
        };
        LineCov {
            hits: self.hits,
            branches_covered,
            branches_total,
            branch_only: self.branches & ONLY != 0,
        }
    }
}

/// The coverable lines of a file by number. Producers write a file's lines in order, so they
/// are kept in a sorted Vec (a third of a `BTreeMap`'s memory on big reports, and read in one
/// linear scan); a line that comes out of order goes to a side map, so a hostile order costs
/// O(log n) per line instead of shifting the Vec.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    sorted: Vec<Packed>,
    /// Boxed, and absent until a line comes out of order: the common case pays one word
    /// instead of an empty map's three, on each of hundreds of thousands of files.
    #[allow(clippy::box_collection)]
    late: Option<Box<BTreeMap<u32, LineCov>>>,
    /// Branch counts of `sorted` lines too large to pack, by line; absent until one is.
    #[allow(clippy::box_collection)]
    wide: Option<Box<BTreeMap<u32, (u32, u32)>>>,
}

impl Lines {
    /// Change the measurement of `line` with `f`, starting from `new` when it has none.
    pub fn update(&mut self, line: u32, new: LineCov, f: impl FnOnce(&mut LineCov)) {
        let last = self.sorted.last().map(|p| p.line);
        if last.is_none_or(|n| n < line) {
            let mut cov = new;
            f(&mut cov);
            self.push(line, cov);
            return;
        }
        match self.sorted.binary_search_by_key(&line, |p| p.line) {
            Ok(i) => {
                let mut cov = self.sorted[i].unpack(self.wide.as_deref());
                f(&mut cov);
                self.store(i, cov);
            }
            Err(_) => f(self.late.get_or_insert_default().entry(line).or_insert(new)),
        }
    }

    /// Append `cov` of `line`, past every line there is.
    fn push(&mut self, line: u32, cov: LineCov) {
        let (p, wide) = Packed::pack(line, cov);
        self.sorted.push(p);
        if let Some(w) = wide {
            self.wide.get_or_insert_default().insert(line, w);
        }
    }

    /// Replace the measurement at `sorted[i]`.
    fn store(&mut self, i: usize, cov: LineCov) {
        let line = self.sorted[i].line;
        let (p, wide) = Packed::pack(line, cov);
        self.sorted[i] = p;
        match wide {
            Some(w) => {
                self.wide.get_or_insert_default().insert(line, w);
            }
            None => {
                if let Some(m) = &mut self.wide {
                    m.remove(&line);
                }
            }
        }
    }

    /// The measurement of `line`.
    pub fn get(&self, line: u32) -> Option<LineCov> {
        match self.sorted.binary_search_by_key(&line, |p| p.line) {
            Ok(i) => Some(self.sorted[i].unpack(self.wide.as_deref())),
            Err(_) => self.late.as_ref()?.get(&line).copied(),
        }
    }

    /// Forget `line` (an excluded line).
    pub fn remove(&mut self, line: u32) {
        match self.sorted.binary_search_by_key(&line, |p| p.line) {
            Ok(i) => {
                self.sorted.remove(i);
                if let Some(m) = &mut self.wide {
                    m.remove(&line);
                }
            }
            Err(_) => {
                if let Some(late) = &mut self.late {
                    late.remove(&line);
                }
            }
        }
    }

    /// Lines in order of their number.
    pub fn iter(&self) -> impl Iterator<Item = (u32, LineCov)> + '_ {
        use itertools::{Either, Itertools};
        let wide = self.wide.as_deref();
        let sorted = self.sorted.iter().map(move |p| (p.line, p.unpack(wide)));
        // No out-of-order lines (the common case): a plain slice walk, which the totals over
        // every line of a big report do several times.
        match &self.late {
            None => Either::Left(sorted),
            Some(late) => {
                Either::Right(sorted.merge_by(late.iter().map(|(n, l)| (*n, *l)), |a, b| a.0 < b.0))
            }
        }
    }

    /// Measurements in order of their line.
    pub fn values(&self) -> impl Iterator<Item = LineCov> + '_ {
        self.iter().map(|(_, l)| l)
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.sorted.len() + self.late.as_ref().map_or(0, |m| m.len())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fold the out-of-order lines in and free spare capacity: called once a file is read.
    pub fn compact(&mut self) {
        if self.late.is_some() {
            *self = Lines::from_sorted(std::mem::take(self));
        }
        self.sorted.shrink_to_fit();
    }

    /// Take in `other`'s lines, combining a line both have with `both(mine, theirs)`: one
    /// linear merge of the two sorted lists.
    pub fn merge(&mut self, other: Lines, both: impl Fn(&mut LineCov, LineCov)) {
        if self.is_empty() {
            *self = other;
            return;
        }
        use itertools::{EitherOrBoth, Itertools};
        let mine = std::mem::take(self);
        let merged = mine
            .into_iter()
            .merge_join_by(other, |a, b| a.0.cmp(&b.0))
            .map(|pair| match pair {
                EitherOrBoth::Both((n, mut e), (_, l)) => {
                    both(&mut e, l);
                    (n, e)
                }
                EitherOrBoth::Left(x) | EitherOrBoth::Right(x) => x,
            });
        *self = Lines::from_sorted(merged);
    }

    /// Lines from a list already sorted by number with no repeats.
    pub fn from_sorted(sorted: impl IntoIterator<Item = (u32, LineCov)>) -> Self {
        let sorted = sorted.into_iter();
        let mut out = Lines {
            sorted: Vec::with_capacity(sorted.size_hint().0),
            ..Lines::default()
        };
        for (n, cov) in sorted {
            debug_assert!(out.sorted.last().is_none_or(|p| p.line < n));
            out.push(n, cov);
        }
        out
    }
}

impl PartialEq for Lines {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl IntoIterator for Lines {
    type Item = (u32, LineCov);
    type IntoIter = IntoLines;

    fn into_iter(self) -> IntoLines {
        IntoLines {
            sorted: self.sorted.into_iter().peekable(),
            late: self.late.map(|m| m.into_iter().peekable()),
            wide: self.wide,
        }
    }
}

/// [`Lines`]' measurements by value, in order of their line.
pub struct IntoLines {
    sorted: std::iter::Peekable<std::vec::IntoIter<Packed>>,
    late: Option<std::iter::Peekable<std::collections::btree_map::IntoIter<u32, LineCov>>>,
    #[allow(clippy::box_collection)]
    wide: Option<Box<BTreeMap<u32, (u32, u32)>>>,
}

impl Iterator for IntoLines {
    type Item = (u32, LineCov);

    fn next(&mut self) -> Option<(u32, LineCov)> {
        let next_late = self.late.as_mut().and_then(|l| l.peek().map(|(n, _)| *n));
        let next_sorted = self.sorted.peek().map(|p| p.line);
        match (next_sorted, next_late) {
            (Some(s), Some(l)) if l < s => self.late.as_mut()?.next(),
            (Some(_), _) => {
                let p = self.sorted.next()?;
                Some((p.line, p.unpack(self.wide.as_deref())))
            }
            (None, Some(_)) => self.late.as_mut()?.next(),
            (None, None) => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.sorted.len() + self.late.as_ref().map_or(0, |l| l.len());
        (n, Some(n))
    }
}

/// A file's functions by a key unique within it, with their hits. Most files have a handful,
/// kept as a sorted Vec: a `BTreeMap` spends a 370-byte node on two of them, which was a third of
/// a big LCOV report's memory. A file with more than [`Functions::SMALL`] moves to a map, so a
/// hostile report with a million functions in one file costs O(log n) an insert, not a shift.
#[derive(Debug, Clone)]
pub enum Functions {
    /// Sorted by key.
    Small(Vec<(Box<str>, u64)>),
    /// Beyond [`Functions::SMALL`].
    Large(BTreeMap<Box<str>, u64>),
}

impl Default for Functions {
    fn default() -> Self {
        Functions::Small(Vec::new())
    }
}

impl PartialEq for Functions {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Functions {
    /// Most functions kept in the sorted Vec.
    pub const SMALL: usize = 64;

    /// The hits of `key`, inserted at 0 when absent.
    fn slot(&mut self, key: &str) -> &mut u64 {
        if let Functions::Small(v) = self {
            if v.len() >= Self::SMALL && v.binary_search_by(|(k, _)| (**k).cmp(key)).is_err() {
                *self = Functions::Large(std::mem::take(v).into_iter().collect());
            }
        }
        match self {
            Functions::Small(v) => {
                let i = match v.binary_search_by(|(k, _)| (**k).cmp(key)) {
                    Ok(i) => i,
                    Err(i) => {
                        v.insert(i, (key.into(), 0));
                        i
                    }
                };
                &mut v[i].1
            }
            Functions::Large(m) => {
                if !m.contains_key(key) {
                    m.insert(key.into(), 0);
                }
                m.get_mut(key).expect("inserted above")
            }
        }
    }

    /// Record `hits` of `key`, keeping the larger of repeated records (one report).
    pub fn record_max(&mut self, key: &str, hits: u64) {
        let h = self.slot(key);
        *h = (*h).max(hits);
    }

    /// Add `hits` to `key` (repeated blocks, or another report).
    pub fn record_add(&mut self, key: &str, hits: u64) {
        let h = self.slot(key);
        *h = h.saturating_add(hits);
    }

    /// Free spare capacity (once a file is read).
    pub fn shrink_to_fit(&mut self) {
        if let Functions::Small(v) = self {
            v.shrink_to_fit();
        }
    }

    /// How many functions.
    pub fn len(&self) -> usize {
        match self {
            Functions::Small(v) => v.len(),
            Functions::Large(m) => m.len(),
        }
    }

    /// True without functions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each function and its hits, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        match self {
            Functions::Small(v) => itertools::Either::Left(v.iter().map(|(k, h)| (&**k, *h))),
            Functions::Large(m) => itertools::Either::Right(m.iter().map(|(k, h)| (&**k, *h))),
        }
    }
}

/// Coverage of one source file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileCoverage {
    /// Coverable lines by number.
    pub lines: Lines,
    /// Functions by a key unique within the file (name, or name and line), with their hits.
    pub functions: Functions,
    /// Totals only, when the format has no line data. Boxed: most formats never set it, and a
    /// big LCOV report has hundreds of thousands of files.
    pub summary: Option<Box<SummaryCounts>>,
}

impl FileCoverage {
    /// Record a line, merging with an earlier record of it in the same report.
    pub fn record(&mut self, line: u32, cov: LineCov) {
        // Absorbing a fresh copy of itself leaves it as it is.
        self.lines.update(line, cov, |l| l.absorb(cov));
    }

    /// Record a function's hits, merging repeats within a report.
    pub fn record_function(&mut self, key: &str, hits: u64) {
        self.functions.record_max(key, hits);
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
        for (_, h) in self.functions.iter() {
            c.count(h > 0);
        }
        self.or_summary(c, |s| s.functions)
    }

    /// Detail wins; the summary fills in what the format has no detail for.
    fn or_summary(&self, detail: Counter, pick: impl Fn(&SummaryCounts) -> Counter) -> Counter {
        match self.summary.as_deref() {
            Some(s) if detail.total == 0 => pick(s),
            _ => detail,
        }
    }

    /// Merge the same file from another report: hits add up, a line is covered if any report
    /// covered it, branch outcomes take the larger count (reports do not name their branches
    /// consistently enough to union them).
    pub fn merge(&mut self, other: FileCoverage) {
        self.lines.merge(other.lines, |e, l| {
            e.hits = e.hits.saturating_add(l.hits);
            e.branches_covered = e.branches_covered.max(l.branches_covered);
            e.branches_total = e.branches_total.max(l.branches_total);
            e.branch_only &= l.branch_only;
        });
        for (k, h) in other.functions.iter() {
            self.functions.record_add(k, h);
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
    pub files: Files,
    /// The producer's headline number, when it differs from line coverage.
    pub headline: Option<Headline>,
}

/// Files by path while a format reads them in the report's order, which need not be the
/// paths' order; [`Files`] once read.
pub type FileMap = BTreeMap<String, FileCoverage>;

/// The entry for `path` in `files`, created on first use (no key copied when it is there).
pub fn file_in<'a>(files: &'a mut FileMap, path: &str) -> &'a mut FileCoverage {
    if !files.contains_key(path) {
        files.insert(path.to_string(), FileCoverage::default());
    }
    files.get_mut(path).expect("inserted above")
}

/// Files by path, in path order, each path once. A sorted Vec rather than a map: files are
/// sorted once on their way from the parser to the merge, and `BTreeMap::from_iter` copies a
/// sorted list and sorts it again before building its nodes, which for a big LCOV report's
/// hundreds of thousands of files was three lists alive at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Files(Vec<(String, FileCoverage)>);

impl Files {
    /// Files from a list sorted by path with no repeats.
    pub fn from_sorted(sorted: Vec<(String, FileCoverage)>) -> Self {
        debug_assert!(sorted.windows(2).all(|w| w[0].0 < w[1].0));
        Files(sorted)
    }

    /// The coverage of `path`.
    pub fn get(&self, path: &str) -> Option<&FileCoverage> {
        let i = self
            .0
            .binary_search_by(|(p, _)| p.as_str().cmp(path))
            .ok()?;
        Some(&self.0[i].1)
    }

    /// Whether `path` is one of the files.
    pub fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Paths and coverage, in path order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &FileCoverage)> + '_ {
        self.0.iter().map(|(p, f)| (p, f))
    }

    /// Paths, in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &String> + '_ {
        self.0.iter().map(|(p, _)| p)
    }

    /// Coverage, in path order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &FileCoverage> + '_ {
        self.0.iter().map(|(_, f)| f)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keep the files `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &FileCoverage) -> bool) {
        self.0.retain(|(p, f)| keep(p, f));
    }
}

impl From<FileMap> for Files {
    fn from(map: FileMap) -> Self {
        // A map's iteration order is its key order; its nodes are freed as they are read.
        Files(map.into_iter().collect())
    }
}

impl IntoIterator for Files {
    type Item = (String, FileCoverage);
    type IntoIter = std::vec::IntoIter<(String, FileCoverage)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl std::ops::Index<&str> for Files {
    type Output = FileCoverage;

    fn index(&self, path: &str) -> &FileCoverage {
        self.get(path)
            .unwrap_or_else(|| panic!("no file {path} in the report"))
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

    #[test]
    fn functions_keep_max_or_sum_and_move_to_a_map_beyond_the_small_vec() {
        let mut f = Functions::default();
        f.record_max("b", 2);
        f.record_max("a", 1);
        f.record_max("b", 1);
        f.record_add("a", 4);
        assert_eq!(f.iter().collect::<Vec<_>>(), [("a", 5), ("b", 2)]);
        assert!(matches!(f, Functions::Small(_)));
        // Out of order, past the Vec's size: the same answers from the map.
        let mut big = Functions::default();
        let mut small = Vec::new();
        for i in (0..1000).rev() {
            big.record_add(&format!("f{i:04}"), i);
            small.push((format!("f{i:04}"), i));
        }
        assert!(matches!(big, Functions::Large(_)));
        small.sort();
        assert!(big.iter().eq(small.iter().map(|(k, h)| (k.as_str(), *h))));
        let as_vec = Functions::Small(
            small
                .iter()
                .map(|(k, h)| (k.clone().into_boxed_str(), *h))
                .collect(),
        );
        assert_eq!(big, as_vec, "equal whatever the representation");
    }

    use super::{Functions, LineCov, Lines, Rounding};

    fn numbers(l: &Lines) -> Vec<(u32, u32)> {
        l.iter().map(|(n, c)| (n, c.hits)).collect()
    }

    #[test]
    fn lines_out_of_order_are_found_kept_in_order_and_folded_in() {
        let mut l = Lines::default();
        for n in [5, 7, 9] {
            l.update(n, LineCov::default(), |c| c.hits = n);
        }
        // Out of order: a new line, then the same line again, then an existing one.
        l.update(6, LineCov::ran(60), |c| c.add_hits(1));
        l.update(6, LineCov::default(), |c| c.add_hits(1));
        l.update(7, LineCov::default(), |c| c.add_hits(1));
        l.update(1, LineCov::default(), |c| c.hits = 1);
        assert_eq!(l.len(), 5);
        assert_eq!(numbers(&l), [(1, 1), (5, 5), (6, 62), (7, 8), (9, 9)]);
        assert_eq!(l.get(6).map(|c| c.hits), Some(62));
        let before = l.clone();
        l.compact();
        assert_eq!(l, before);
        l.remove(6);
        l.remove(4);
        assert_eq!(numbers(&l), [(1, 1), (5, 5), (7, 8), (9, 9)]);
        let mut other = Lines::default();
        other.update(2, LineCov::ran(2), |_| {});
        other.update(7, LineCov::ran(3), |_| {});
        l.merge(other, |mine, theirs| mine.hits += theirs.hits);
        assert_eq!(
            l.into_iter().map(|(n, c)| (n, c.hits)).collect::<Vec<_>>(),
            [(1, 1), (2, 2), (5, 5), (7, 11), (9, 9)]
        );
    }

    /// Branch counts past the packed bits are kept whole, in order and out of it, and a line
    /// that shrinks back fits again; the branch-only flag survives packing.
    #[test]
    fn branch_counts_too_large_to_pack_are_kept_exactly() {
        let many = |covered, total| LineCov {
            branches_covered: covered,
            branches_total: total,
            ..LineCov::default()
        };
        let mut l = Lines::default();
        l.update(1, many(0x7FFF, 0xFFFE), |_| {});
        l.update(2, many(0x8000, 3_000_000), |_| {});
        l.update(3, LineCov::branch_only(), |c| {
            c.branches_covered = 70_000;
            c.branches_total = 70_001;
        });
        l.update(4, many(1, 2), |_| {});
        let want = [
            (1, many(0x7FFF, 0xFFFE)),
            (2, many(0x8000, 3_000_000)),
            (
                3,
                LineCov {
                    branch_only: true,
                    ..many(70_000, 70_001)
                },
            ),
            (4, many(1, 2)),
        ];
        assert_eq!(l.iter().collect::<Vec<_>>(), want);
        assert_eq!(l.clone().into_iter().collect::<Vec<_>>(), want);
        assert!(l.wide.as_ref().is_some_and(|w| w.len() == 2));
        l.update(2, LineCov::default(), |c| *c = many(1, 1));
        assert_eq!(l.get(2), Some(many(1, 1)));
        assert!(
            l.wide.as_ref().is_some_and(|w| w.len() == 1),
            "the spill is gone"
        );
        let mut other = Lines::default();
        other.update(2, many(5, 100_000), |_| {});
        l.merge(other, |mine, theirs| {
            mine.branches_total = mine.branches_total.max(theirs.branches_total);
            mine.branches_covered = mine.branches_covered.max(theirs.branches_covered);
        });
        assert_eq!(l.get(2), Some(many(5, 100_000)));
        assert_eq!(l.get(3).map(|c| c.branch_only), Some(true));
        assert_eq!(std::mem::size_of::<super::Packed>(), 12);
    }

    #[test]
    fn hits_saturate_instead_of_wrapping() {
        let mut c = LineCov::ran(u64::MAX);
        assert_eq!(c.hits, u32::MAX);
        c.add_hits(5);
        assert_eq!(c.hits, u32::MAX);
    }

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
