//! The run: read every report, put every finding on one scale, dedupe, suppress, fingerprint,
//! compare with the baseline, apply the limits.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use gates_core::input::MAX_REPORT_BYTES;
use gates_core::{Check, InputError};
use serde_json::Value;

use crate::config::SecurityConfig;
use crate::formats::{self, Format};
use crate::model::{Finding, Fingerprint, Name, Severity};
use crate::suppress::{Day, Review, Suppressions};
use crate::{dedupe, fingerprint, rules};

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Report files.
    pub reports: Vec<PathBuf>,
    /// Forced format.
    pub format: Option<Format>,
    /// Most findings per severity.
    pub max: BTreeMap<Severity, u64>,
    /// Most new findings per severity.
    pub max_new: BTreeMap<Severity, u64>,
    /// Where `max_new` was set (the flag or the config file), for the error without a baseline.
    pub max_new_from: Setting,
    /// Rule levels (`--allow/--warn/--deny`, `levels:`).
    pub levels: gates_core::rules::Levels,
    /// The base branch's reports or result file.
    pub baseline: Vec<PathBuf>,
    /// Suppressions file.
    pub suppressions: Option<PathBuf>,
    /// Config section.
    pub config: SecurityConfig,
    /// Where the config came from, for errors.
    pub config_path: PathBuf,
    /// Severity for findings without one.
    pub unknown_as: Option<Severity>,
    /// Skip unreadable reports with a warning instead of failing.
    pub allow_missing: bool,
    /// The checkout.
    pub root: PathBuf,
    /// Today, for expiry.
    pub today: Day,
    /// Without a baseline: keep only findings on the change (`--diff-filter`).
    pub diff: Option<(DiffFilter, gates_core::git::ChangedLines)>,
}

/// Where a setting came from, so an error blames the right place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// A command-line flag (or the action input that became it).
    Flag(&'static str),
    /// A key of the config file.
    Config(PathBuf),
}

/// Which findings count when there is no baseline (reviewdog's filter modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFilter {
    /// Findings on added or modified lines.
    Added,
    /// Findings within three lines of a change.
    DiffContext,
    /// Findings in changed files.
    File,
    /// Every finding.
    Nofilter,
}

impl DiffFilter {
    /// Does the finding touch the change? A dependency is on its manifest's line that names it
    /// (`locate`); one whose line was not found counts when its manifest changed.
    pub fn keeps(self, f: &Finding, changed: &gates_core::git::ChangedLines) -> bool {
        let Some(lines) = f
            .path
            .as_deref()
            .and_then(|p| changed.get(p.trim_start_matches('/')))
        else {
            return self == DiffFilter::Nofilter;
        };
        let (start, end) = match (f.start_line, f.end_line) {
            (Some(s), e) => (s, e.unwrap_or(s).max(s)),
            // A file-level finding in a changed file (a dependency in a changed manifest).
            _ => return true,
        };
        match self {
            DiffFilter::Nofilter | DiffFilter::File => true,
            DiffFilter::Added => lines.range(start..=end).next().is_some(),
            DiffFilter::DiffContext => lines
                .range(start.saturating_sub(3)..=end.saturating_add(3))
                .next()
                .is_some(),
        }
    }
}

/// What the run found.
#[derive(Debug)]
pub struct Evaluation {
    /// Every finding, suppressed ones included, most severe first.
    pub findings: Vec<Finding>,
    /// How many findings are new against the baseline (each is marked `new`).
    pub new: usize,
    /// Baseline findings gone from this run.
    pub fixed: usize,
    /// A baseline was given.
    pub has_baseline: bool,
    /// Findings a scanner suppressed without reporting them (Bandit's `nosec`).
    pub native_hidden: BTreeMap<String, u64>,
    /// Suppressions file review.
    pub review: Review,
    /// Reports skipped under `--allow-missing`.
    pub skipped: Vec<String>,
    /// Reports that repeat an earlier report's run (one scan written as JSON and as SARIF),
    /// counted once: "later is the same tool run as earlier".
    pub repeated: Vec<String>,
    /// Files the scanners could not read, kept under `--allow-missing` (their reports' other
    /// findings count): "report: tool could not read path (reason)".
    pub unread: Vec<String>,
    /// Scanners read.
    pub tools: Vec<String>,
    /// Limits checked.
    pub checks: Vec<Check>,
    /// Findings left out by `--diff-filter` (not on the change).
    pub outside_diff: usize,
}

impl Evaluation {
    /// Findings not suppressed.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }
}

/// One check per limit: `counts` against `limits`, worded with `adjective` ("new ").
fn limit_checks(
    rule: &'static str,
    adjective: &str,
    counts: &BTreeMap<Severity, u64>,
    limits: &BTreeMap<Severity, u64>,
) -> Vec<Check> {
    limits
        .iter()
        .map(|(sev, max)| {
            let n = counts[sev];
            Check::new(
                rule,
                n <= *max,
                format!(
                    "{n} {adjective}{} finding{} (at most {max} allowed)",
                    sev.name(),
                    if n == 1 { "" } else { "s" }
                ),
            )
        })
        .collect()
}

/// Counts per severity.
pub fn count<'a>(fs: impl Iterator<Item = &'a Finding>) -> BTreeMap<Severity, u64> {
    let mut m: BTreeMap<Severity, u64> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
    for f in fs {
        *m.entry(f.severity).or_default() += 1;
    }
    m
}

struct Read {
    findings: Vec<Finding>,
    tools: Vec<String>,
    hidden: BTreeMap<String, u64>,
    skipped: Vec<String>,
    unread: Vec<String>,
    repeated: Vec<String>,
}

/// One scanner's run as read from one report: the tool and what it found, for recognising the
/// same run written twice (Bandit's or Semgrep's JSON and SARIF of one scan).
struct Run {
    report: PathBuf,
    /// The tool's first word, lower-case: Semgrep's SARIF calls itself "Semgrep OSS".
    tool: String,
    /// (rule, path, line) of every finding, sorted.
    found: Vec<(Name, Option<Name>, Option<u32>)>,
    /// Bandit's `nosec` count, which only its JSON carries.
    hidden: u64,
}

impl Run {
    /// The run of a single-tool report with findings (an empty one repeats nothing worth
    /// counting, and a log with several runs is not one run).
    fn of(report: &Path, rep: &crate::model::Report) -> Option<Run> {
        let [tool] = rep.tools.as_slice() else {
            return None;
        };
        if rep.findings.is_empty() {
            return None;
        }
        let mut found: Vec<_> = rep
            .findings
            .iter()
            .map(|f| (f.rule.clone(), f.path.clone(), f.start_line))
            .collect();
        found.sort_unstable();
        Some(Run {
            report: report.to_path_buf(),
            tool: tool.split_whitespace().next().unwrap_or("").to_string(),
            found,
            hidden: rep.hidden_suppressed,
        })
    }
}

/// A report whose scanner could not read some files: refused, or under `--allow-missing` kept
/// with those files listed (`out`).
fn check_unread(
    report: &Path,
    rep: &crate::model::Report,
    allow_missing: bool,
    out: &mut Vec<String>,
) -> Result<(), InputError> {
    if rep.unread.is_empty() {
        return Ok(());
    }
    let tool = rep.tools.first().map_or("the scanner", String::as_str);
    let files: Vec<String> = rep
        .unread
        .iter()
        .map(|u| format!("{} ({})", u.path, u.reason))
        .collect();
    if !allow_missing {
        return Err(InputError::new(
            report,
            format!(
                "{tool} could not read {} file{}, so their findings are missing: {}",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                files.join("; ")
            ),
            "fix those files (or exclude them from the scan) and scan again, or pass --allow-missing to count the findings reported and list the unread files",
        ));
    }
    out.extend(
        files
            .into_iter()
            .map(|f| format!("{}: {tool} could not read {f}", report.display())),
    );
    Ok(())
}

fn read(paths: &[PathBuf], inputs: &Inputs) -> Result<Read, InputError> {
    let mut r = Read {
        findings: Vec::new(),
        tools: Vec::new(),
        hidden: BTreeMap::new(),
        skipped: Vec::new(),
        unread: Vec::new(),
        repeated: Vec::new(),
    };
    let mut runs: Vec<Run> = Vec::new();
    let paths = formats::expand(paths)?;
    // One report cannot repeat another: its (large) list of runs is not built.
    let several = paths.len() > 1;
    for p in paths {
        match formats::parse_file(&p, inputs.format, &inputs.root) {
            Ok(rep) => {
                check_unread(&p, &rep, inputs.allow_missing, &mut r.unread)?;
                if let Some(run) = several.then(|| Run::of(&p, &rep)).flatten() {
                    if let Some(same) = runs
                        .iter_mut()
                        .find(|x| x.tool == run.tool && x.found == run.found)
                    {
                        r.repeated.push(format!(
                            "{} is the same {} run as {} (the same findings): counted once",
                            p.display(),
                            run.tool,
                            same.report.display()
                        ));
                        if run.hidden > same.hidden {
                            *r.hidden.entry(rep.tools[0].clone()).or_default() +=
                                run.hidden - same.hidden;
                            same.hidden = run.hidden;
                        }
                        continue;
                    }
                    runs.push(run);
                }
                for t in rep.tools {
                    if !r.tools.contains(&t) {
                        r.tools.push(t);
                    }
                }
                r.findings.extend(rep.findings);
                if rep.hidden_suppressed > 0 {
                    if let Some(tool) = r.tools.last() {
                        *r.hidden.entry(tool.clone()).or_default() += rep.hidden_suppressed;
                    }
                }
            }
            Err(e) if inputs.allow_missing => r.skipped.push(e.to_string()),
            Err(e) => return Err(e),
        }
    }
    Ok(r)
}

/// Severity overrides and `unknown-as`, then dedupe, suppressions and fingerprints.
fn normalise(
    mut findings: Vec<Finding>,
    inputs: &Inputs,
    supp: &mut Suppressions,
) -> Result<Vec<Finding>, InputError> {
    let o = inputs.config.overrides.resolve();
    for f in &mut findings {
        // A rule's override wins over its tool's.
        for (severity, why) in [o.tools.get(&*f.tool), o.rules.get(&*f.rule)]
            .into_iter()
            .flatten()
        {
            f.severity = *severity;
            f.severity_source = why.clone();
        }
        if let (Severity::Unknown, Some(s)) = (f.severity, inputs.unknown_as) {
            f.severity = s;
            f.severity_source = format!("{} → unknown-as {}", f.severity_source, s.name()).into();
        }
    }
    let mut findings = dedupe::dedupe(findings);
    for f in &mut findings {
        supp.apply(f);
    }
    fingerprint::assign(&mut findings);
    Ok(findings)
}

fn baseline_fingerprints(inputs: &Inputs) -> Result<HashSet<Fingerprint>, InputError> {
    let mut reports = Vec::new();
    let mut fps = HashSet::new();
    for p in formats::expand(&inputs.baseline)? {
        // An unreadable one is reported when it is read as a report, below.
        let v: Option<Value> = gates_core::input::read_regular_file(&p, MAX_REPORT_BYTES)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        match v {
            Some(v) if v["schema"] == gates_core::result_file::SCHEMA => {
                let m: crate::metrics::SecurityMetrics =
                    gates_core::result_file::ResultFile::baseline(&p, "security")?;
                for fp in &m.fingerprints {
                    let fp = fp.parse().map_err(|_| {
                        InputError::new(
                            &p,
                            format!("metrics.fingerprints holds {fp:?}, not a fingerprint"),
                            "pass the result file security-gate wrote on the base branch, unedited",
                        )
                    })?;
                    fps.insert(fp);
                }
            }
            _ => reports.push(p),
        }
    }
    if !reports.is_empty() {
        let read = read(&reports, inputs)?;
        // The base's own suppressions do not matter: a finding accepted there is still known.
        let mut none = Suppressions::new(Vec::new(), &inputs.config_path, inputs.today)?;
        fps.extend(
            normalise(read.findings, inputs, &mut none)?
                .into_iter()
                .map(|f| f.fingerprint),
        );
    }
    Ok(fps)
}

/// Most severe first, then by path and line. Paths are ranked once, so the sort compares
/// integers, and the findings (large) are moved into place once each, along the cycles of the
/// sorted permutation.
fn sort(findings: &mut [Finding]) {
    let mut paths: Vec<&str> = findings
        .iter()
        .filter_map(|f| f.path.as_deref())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    paths.sort_unstable();
    let rank: HashMap<&str, u32> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, i as u32 + 1))
        .collect();
    let mut keyed: Vec<(Severity, u32, u32, usize)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                f.severity,
                f.path.as_deref().map_or(0, |p| rank[p]),
                f.start_line.unwrap_or(0),
                i,
            )
        })
        .collect();
    keyed.sort_unstable();
    let mut order: Vec<usize> = keyed.into_iter().map(|k| k.3).collect();
    // Position i takes the finding now at order[i]; done entries point at themselves.
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != start {
            let from = order[at];
            findings.swap(at, from);
            order[at] = at;
            at = from;
        }
        order[at] = at;
    }
}

/// Run the gate's analysis.
pub fn evaluate(inputs: &Inputs) -> Result<Evaluation, InputError> {
    let mut supp = Suppressions::new(
        inputs.config.suppressions.clone(),
        &inputs.config_path,
        inputs.today,
    )?;
    if let Some(p) = &inputs.suppressions {
        supp.extend(Suppressions::load(p, inputs.today)?);
    }
    let head = read(&inputs.reports, inputs)?;
    if head.tools.is_empty() && head.skipped.is_empty() {
        return Err(InputError::new(
            inputs.reports.first().map_or_else(
                gates_core::error::Origin::command_line,
                gates_core::error::Origin::from,
            ),
            "no reports to read",
            "pass the scanners' report files or a directory holding them",
        ));
    }
    let mut findings = normalise(head.findings, inputs, &mut supp)?;
    crate::locate::manifest_lines(&mut findings, &inputs.root);
    let before = findings.len();
    if let Some((filter, changed)) = inputs.diff.as_ref().filter(|_| inputs.baseline.is_empty()) {
        findings.retain(|f| filter.keeps(f, changed));
    }
    let outside_diff = before - findings.len();
    sort(&mut findings);

    let has_baseline = !inputs.baseline.is_empty();
    let (new, fixed) = if has_baseline {
        let base = baseline_fingerprints(inputs)?;
        let head: HashSet<Fingerprint> = findings.iter().map(|f| f.fingerprint).collect();
        let mut new = 0;
        for f in &mut findings {
            f.new = f.suppressed.is_none() && !base.contains(&f.fingerprint);
            new += usize::from(f.new);
        }
        (new, base.difference(&head).count())
    } else {
        (0, 0)
    };

    let mut eval = Evaluation {
        findings,
        new,
        fixed,
        has_baseline,
        native_hidden: head.hidden,
        review: supp.review(),
        skipped: head.skipped,
        unread: head.unread,
        repeated: head.repeated,
        tools: head.tools,
        checks: Vec::new(),
        outside_diff,
    };
    let active = count(eval.active());
    eval.checks
        .extend(limit_checks(rules::MAX, "", &active, &inputs.max));
    if !inputs.max_new.is_empty() {
        if !has_baseline {
            let base = "pass the base branch's reports or result file with --baseline";
            return Err(match &inputs.max_new_from {
                Setting::Flag(flag) => InputError::new(
                    gates_core::error::Origin::Flag((*flag).into()),
                    "limits new findings, which needs a baseline to tell new from existing",
                    format!("{base}, or drop {flag}"),
                ),
                Setting::Config(path) => InputError::new(
                    path,
                    "`security.max-new` limits new findings, which needs a baseline to tell new from existing",
                    format!("{base}, or remove `max-new` from this file"),
                ),
            });
        }
        let new = count(eval.active().filter(|f| f.new));
        eval.checks
            .extend(limit_checks(rules::MAX_NEW, "new ", &new, &inputs.max_new));
    }
    inputs.levels.apply(&mut eval.checks);
    Ok(eval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_orders_by_severity_path_and_line_keeping_equal_ones_in_input_order() {
        let sevs = [Severity::Low, Severity::Critical, Severity::Medium];
        let paths = [None, Some("b.py"), Some("a.py"), Some("a/b.py")];
        let mut findings: Vec<Finding> = (0..200u32)
            .map(|i| {
                let mut f = Finding::code(
                    "t".into(),
                    "r".into(),
                    sevs[(i * 7 % 3) as usize],
                    "s".into(),
                );
                f.path = paths[(i * 5 % 4) as usize].map(Into::into);
                f.start_line = (i % 3 > 0).then_some(i * 13 % 5);
                f.message = i.to_string();
                f
            })
            .collect();
        let mut expected = findings.clone();
        expected.sort_by(|a, b| {
            (a.severity, a.path.as_deref(), a.start_line.unwrap_or(0)).cmp(&(
                b.severity,
                b.path.as_deref(),
                b.start_line.unwrap_or(0),
            ))
        });
        sort(&mut findings);
        let messages = |v: &[Finding]| v.iter().map(|f| f.message.clone()).collect::<Vec<_>>();
        assert_eq!(messages(&findings), messages(&expected));
    }
}
