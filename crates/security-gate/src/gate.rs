//! The run: read every report, put every finding on one scale, dedupe, suppress, fingerprint,
//! compare with the baseline, apply the limits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use gates_core::InputError;
use serde_json::Value;

use crate::config::SecurityConfig;
use crate::formats::{self, Format};
use crate::model::{Finding, Severity};
use crate::suppress::{Day, Review, Suppressions};
use crate::{dedupe, fingerprint};

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
    /// Does the finding touch the change? Findings without lines (dependencies) count when
    /// their file (the manifest) changed.
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

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// `security/max` or `security/max-new`.
    pub rule: &'static str,
    /// Passed.
    pub passed: bool,
    /// One line.
    pub message: String,
}

/// What the run found.
#[derive(Debug)]
pub struct Evaluation {
    /// Every finding, suppressed ones included, most severe first.
    pub findings: Vec<Finding>,
    /// Fingerprints of the findings that are new against the baseline.
    pub new: BTreeSet<String>,
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

    /// Is this finding new against the baseline?
    pub fn is_new(&self, f: &Finding) -> bool {
        self.has_baseline && self.new.contains(&f.fingerprint)
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
            Check {
                rule,
                passed: n <= *max,
                message: format!(
                    "{n} {adjective}{} finding{} (at most {max} allowed)",
                    sev.name(),
                    if n == 1 { "" } else { "s" }
                ),
            }
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
}

fn read(paths: &[PathBuf], inputs: &Inputs) -> Result<Read, InputError> {
    let mut r = Read {
        findings: Vec::new(),
        tools: Vec::new(),
        hidden: BTreeMap::new(),
        skipped: Vec::new(),
    };
    for p in formats::expand(paths)? {
        match formats::parse_file(&p, inputs.format, &inputs.root) {
            Ok(rep) => {
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
    let o = &inputs.config.overrides;
    for f in &mut findings {
        if let Some(name) = o.tools.get(&f.tool) {
            f.severity =
                crate::config::severity(name, "security.overrides.tools", &inputs.config_path)?;
            f.severity_source = format!("override for {}", f.tool);
        }
        if let Some(name) = o.rules.get(&f.rule) {
            f.severity =
                crate::config::severity(name, "security.overrides.rules", &inputs.config_path)?;
            f.severity_source = format!("override for rule {}", f.rule);
        }
        if let (Severity::Unknown, Some(s)) = (f.severity, inputs.unknown_as) {
            f.severity = s;
            f.severity_source = format!("{} → unknown-as {}", f.severity_source, s.name());
        }
    }
    let mut findings = dedupe::dedupe(findings);
    for f in &mut findings {
        supp.apply(f);
    }
    fingerprint::assign(&mut findings);
    Ok(findings)
}

fn baseline_fingerprints(inputs: &Inputs) -> Result<BTreeSet<String>, InputError> {
    let mut reports = Vec::new();
    let mut fps = BTreeSet::new();
    for p in formats::expand(&inputs.baseline)? {
        let v: Option<Value> = std::fs::read(&p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        match v {
            Some(v) if v["schema"] == gates_core::result_file::SCHEMA => {
                let list = v["metrics"]["fingerprints"].as_array().ok_or_else(|| InputError::new(&p, "this result file has no metrics.fingerprints", "pass the result file security-gate wrote on the base branch, or the base branch's reports"))?;
                fps.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
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
            inputs
                .reports
                .first()
                .map_or(Path::new("(none)"), |p| p.as_path()),
            "no reports to read",
            "pass the scanners' report files or a directory holding them",
        ));
    }
    let mut findings = normalise(head.findings, inputs, &mut supp)?;
    let before = findings.len();
    if let Some((filter, changed)) = inputs.diff.as_ref().filter(|_| inputs.baseline.is_empty()) {
        findings.retain(|f| filter.keeps(f, changed));
    }
    let outside_diff = before - findings.len();
    // Sort a permutation, then move each finding once: findings are large to move around.
    // Paths compared once, as ranks; the sort itself then compares integers.
    let mut paths: Vec<&str> = findings.iter().filter_map(|f| f.path.as_deref()).collect();
    paths.sort_unstable();
    paths.dedup();
    let rank: std::collections::HashMap<&str, u32> = paths
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
    let order: Vec<usize> = keyed.into_iter().map(|k| k.3).collect();
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let findings: Vec<Finding> = order.into_iter().filter_map(|i| slots[i].take()).collect();

    let has_baseline = !inputs.baseline.is_empty();
    let (new, fixed) = if has_baseline {
        let base = baseline_fingerprints(inputs)?;
        let head_fps: BTreeSet<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
        let new: BTreeSet<String> = findings
            .iter()
            .filter(|f| f.suppressed.is_none() && !base.contains(&f.fingerprint))
            .map(|f| f.fingerprint.clone())
            .collect();
        let fixed = base
            .iter()
            .filter(|fp| !head_fps.contains(fp.as_str()))
            .count();
        (new, fixed)
    } else {
        (BTreeSet::new(), 0)
    };

    let mut eval = Evaluation {
        findings,
        new,
        fixed,
        has_baseline,
        native_hidden: head.hidden,
        review: supp.review(),
        skipped: head.skipped,
        tools: head.tools,
        checks: Vec::new(),
        outside_diff,
    };
    let active = count(eval.active());
    eval.checks
        .extend(limit_checks("security/max", "", &active, &inputs.max));
    if !inputs.max_new.is_empty() {
        if !has_baseline {
            return Err(InputError::new(
                &inputs.config_path,
                "max-new needs a baseline",
                "pass the base branch's reports or result file with --baseline",
            ));
        }
        let new = count(eval.active().filter(|f| eval.new.contains(&f.fingerprint)));
        eval.checks.extend(limit_checks(
            "security/max-new",
            "new ",
            &new,
            &inputs.max_new,
        ));
    }
    Ok(eval)
}
