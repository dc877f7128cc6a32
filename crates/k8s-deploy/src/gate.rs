//! The gate's steps over manifests: render (read, fill templates, substitute images, set the
//! namespace), then the lint's outcome for every output channel.

use std::collections::BTreeMap;
use std::io::Read;

use gates_core::error::Origin;
use gates_core::markdown::{code, escape, table};
use gates_core::rules::{Levels, RuleLevel};
use gates_core::{Context, Finding, InputError, Level, Outcome, Section, Verdict};
use serde::{Deserialize, Serialize};

use crate::images::{self, Change, Substitution};
use crate::lint::{self, Report};
use crate::manifest::{self, Manifest};
use crate::rules;
use crate::template::Vars;

/// The metrics of a lint run (the result file's `metrics`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Metrics {
    /// Objects in the manifests.
    pub objects: u64,
    /// Findings at level error (deny rules).
    pub errors: u64,
    /// Findings at level warning.
    pub warnings: u64,
    /// Findings of rules set to `allow`: counted, not shown.
    pub allowed: u64,
    /// Findings an annotation suppressed.
    pub suppressed: u64,
    /// Container images `--image` replaced.
    pub images_substituted: u64,
    /// What `plan` found on the cluster; absent for `lint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanCounts>,
    /// What `deploy` applied and how the rollouts ended; absent for `lint` and `plan`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<crate::deploy_summary::DeployCounts>,
    /// What a blue-green deploy (or `promote`, `reject`) did with the slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blue_green: Option<crate::blue_green::SlotReport>,
    /// What a canary deploy did, step by step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<crate::canary::CanaryReport>,
    /// Every analysis run of `deploy` or `promote` (the baseline first), with every
    /// measurement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub analysis: Vec<crate::analysis::Run>,
    /// The Argo Rollouts `deploy` (or `promote`, `reject`) followed, as their controller
    /// reported them last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub argo_rollouts: Vec<crate::argo::Followed>,
}

/// The plan's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlanCounts {
    /// Objects applying would create.
    pub created: u64,
    /// Objects applying would change.
    pub updated: u64,
    /// Objects applying would leave as they are.
    pub unchanged: u64,
    /// Objects of the last deploy gone from the manifests, that `--prune` would delete.
    pub pruned: u64,
    /// Objects the server refused (422) or that conflict with another field manager (409).
    pub rejected: u64,
}

/// The manifests ready to lint or apply.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Every object, in the order read.
    pub manifests: Vec<Manifest>,
    /// The images substituted.
    pub changes: Vec<Change>,
}

/// What rendering needs.
pub struct RenderOptions<'a> {
    /// Files, directories, globs, `-`.
    pub inputs: &'a [String],
    /// Template variables.
    pub vars: &'a Vars<'a>,
    /// `--image` entries.
    pub images: &'a [Substitution],
    /// The namespace of objects that name none.
    pub namespace: Option<&'a str>,
}

/// Read and render the manifests.
pub fn render(opts: &RenderOptions<'_>, stdin: &mut dyn Read) -> Result<Rendered, InputError> {
    let mut manifests = manifest::load(opts.inputs, opts.vars, stdin)?;
    if manifests.is_empty() {
        return Err(InputError::new(
            Origin::command_line(),
            "the manifests hold no object",
            "name the files or directories of the objects to deploy",
        ));
    }
    let changes = images::substitute(&mut manifests, opts.images).map_err(|e| {
        InputError::new(
            Origin::Flag("--image".into()),
            e,
            "give the repository as the manifests write it",
        )
    })?;
    if let Some(ns) = opts.namespace {
        manifest::set_namespace(&mut manifests, ns)?;
    }
    Ok(Rendered { manifests, changes })
}

/// The file path a finding can carry: stdin and a release's known-good set (`(…)`) have none.
fn repo_path(m: &Manifest) -> Option<String> {
    (!m.file.starts_with('(')).then(|| m.file.clone())
}

/// The lint's outcome: findings by level, verdict, metrics and the summary's sections.
pub fn outcome(
    rendered: &Rendered,
    report: &Report,
    levels: &Levels,
    informational: bool,
    context: Context,
) -> Outcome {
    let mut metrics = Metrics {
        objects: rendered.manifests.len() as u64,
        suppressed: report.suppressed.len() as u64,
        images_substituted: rendered.changes.len() as u64,
        ..Metrics::default()
    };
    let mut findings = Vec::new();
    for issue in &report.issues {
        let m = &rendered.manifests[issue.manifest];
        let level = match levels.of(issue.rule) {
            RuleLevel::Allow => {
                metrics.allowed += 1;
                continue;
            }
            RuleLevel::Warn => Level::Warning,
            RuleLevel::Deny if informational => Level::Warning,
            RuleLevel::Deny => Level::Error,
        };
        match levels.of(issue.rule) {
            RuleLevel::Deny => metrics.errors += 1,
            _ => metrics.warnings += 1,
        }
        let line = m.line(&issue.pointer);
        let path = repo_path(m);
        findings.push(Finding {
            rule: issue.rule.to_string(),
            level,
            message: match &path {
                Some(_) => issue.message.clone(),
                None => format!(
                    "{} ({}, line {line})",
                    issue.message,
                    m.file.trim_matches(['(', ')'])
                ),
            },
            start_line: path.as_ref().map(|_| line),
            end_line: path.as_ref().map(|_| line),
            path,
            title: Some(issue.rule.to_string()),
            tool_rule: None,
            pointer: Some(m.pointer(&issue.pointer)),
            base_pointer: None,
        });
    }
    // Most severe first, then by file and line: the annotation budget keeps the errors.
    findings
        .sort_by(|a, b| (a.level, &a.path, a.start_line).cmp(&(b.level, &b.path, b.start_line)));
    let verdict = match (metrics.errors > 0, informational, metrics.warnings > 0) {
        (true, false, _) => Verdict::Fail,
        (true, true, _) | (false, _, true) => Verdict::Warn,
        _ => Verdict::Pass,
    };
    let title = format!(
        "k8s manifests: {}, {}, {}",
        count(metrics.objects, "object"),
        count(metrics.errors, "error"),
        count(metrics.warnings, "warning")
    );
    let sections = vec![
        Section {
            heading: "Lint".into(),
            body: lint_table(&findings, &metrics),
            essential: true,
        },
        Section {
            heading: "Objects".into(),
            body: objects(rendered),
            essential: false,
        },
    ];
    Outcome {
        gate: rules::GATE.into(),
        verdict,
        title,
        reasons: if metrics.errors > 0 && !informational {
            vec![format!("{} in the lint", count(metrics.errors, "error"))]
        } else {
            Vec::new()
        },
        outputs: vec![
            ("errors", metrics.errors.to_string()),
            ("warnings", metrics.warnings.to_string()),
        ],
        metrics: gates_core::result_file::metrics_map(&metrics),
        findings,
        sections,
        context,
        notes: report
            .suppressed
            .iter()
            .map(|s| {
                let m = &rendered.manifests[s.issue.manifest];
                format!(
                    "suppressed by {}: {} ({}:{})",
                    s.by,
                    s.issue.rule,
                    m.file,
                    m.line(&s.issue.pointer)
                )
            })
            .collect(),
        informational,
    }
}

/// A finding of the cluster's (a refusal, a failed rollout) on `m`'s line of `pointer`: an
/// error, a warning when informational. Stdin has no file: the line goes into the message.
pub fn cluster_finding(
    m: &Manifest,
    pointer: &str,
    rule: &str,
    message: &str,
    informational: bool,
) -> Finding {
    let line = m.line(pointer);
    let path = repo_path(m);
    Finding {
        rule: rule.to_string(),
        level: if informational {
            Level::Warning
        } else {
            Level::Error
        },
        message: match &path {
            Some(_) => format!("{}: {message}", m.id()),
            None => format!(
                "{}: {message} ({}, line {line})",
                m.id(),
                m.file.trim_matches(['(', ')'])
            ),
        },
        start_line: path.as_ref().map(|_| line),
        end_line: path.as_ref().map(|_| line),
        path,
        title: Some(rule.to_string()),
        tool_rule: None,
        pointer: Some(m.pointer(pointer)),
        base_pointer: None,
    }
}

/// What the cluster found wrong fails the run with `reason`, or only warns when informational.
pub fn fail_with(outcome: &mut Outcome, informational: bool, reason: String) {
    if informational {
        if outcome.verdict == Verdict::Pass {
            outcome.verdict = Verdict::Warn;
        }
    } else {
        outcome.verdict = Verdict::Fail;
        outcome.reasons.push(reason);
    }
}

/// `1 error`, `2 errors`.
fn count(n: u64, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// At most this many findings are listed in the summary (the result file has them all).
const TABLE_ROWS: usize = 50;

fn lint_table(findings: &[Finding], metrics: &Metrics) -> String {
    if findings.is_empty() {
        return format!(
            "No findings in {} objects ({} suppressed by annotations).\n",
            metrics.objects, metrics.suppressed
        );
    }
    let rows: Vec<Vec<String>> = findings
        .iter()
        .take(TABLE_ROWS)
        .map(|f| {
            let at = match (&f.path, f.start_line) {
                (Some(p), Some(l)) => code(&format!("{p}:{l}")),
                _ => "stdin".into(),
            };
            vec![
                match f.level {
                    Level::Error => "❌ error".into(),
                    Level::Warning => "⚠️ warning".into(),
                    Level::Notice => "notice".into(),
                },
                code(f.rule.trim_start_matches("k8s-deploy/")),
                at,
                escape(&f.message),
            ]
        })
        .collect();
    let mut out = table(&["level", "rule", "where", "what"], &[false; 4], &rows);
    if findings.len() > TABLE_ROWS {
        out.push_str(&format!(
            "\n…and {} more in the result file.\n",
            findings.len() - TABLE_ROWS
        ));
    }
    if metrics.suppressed > 0 || metrics.allowed > 0 {
        out.push_str(&format!(
            "\n{} suppressed by annotations, {} of rules set to allow.\n",
            metrics.suppressed, metrics.allowed
        ));
    }
    out
}

fn objects(rendered: &Rendered) -> String {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &rendered.manifests {
        *kinds.entry(m.kind()).or_default() += 1;
    }
    let list: Vec<String> = kinds
        .iter()
        .map(|(k, n)| format!("{} × {n}", escape(k)))
        .collect();
    let mut out = format!("{}\n", list.join(", "));
    for c in &rendered.changes {
        let m = &rendered.manifests[c.manifest];
        out.push_str(&format!(
            "\n- image of {}: {} → {}",
            escape(&m.id()),
            code(&c.from),
            code(&c.to)
        ));
    }
    if !rendered.changes.is_empty() {
        out.push('\n');
    }
    out
}

/// Lint with `settings` and the rules' levels: [`lint::lint`] then [`outcome`].
pub fn lint_outcome(
    rendered: &Rendered,
    settings: &lint::Settings,
    levels: &Levels,
    informational: bool,
    context: Context,
) -> Outcome {
    let report = lint::lint(&rendered.manifests, settings);
    outcome(rendered, &report, levels, informational, context)
}
