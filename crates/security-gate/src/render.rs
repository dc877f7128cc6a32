//! What people see: verdict, reasons, annotations (new first, by severity), the job summary's
//! tables, metrics and outputs. Finding text never includes a secret: parsers never keep one.

use std::collections::BTreeMap;

use gates_core::markdown::{code, escape, table};
use gates_core::{Context, Finding as Annotation, Level, Outcome, Section, Verdict};

use crate::gate::{count, Evaluation};
use crate::metrics::{severity_counts, SecurityMetrics};
use crate::model::{Finding, Severity};

/// Rows of top new findings in the summary.
const TOP: usize = 25;

fn level(s: Severity) -> Level {
    match s {
        Severity::Critical | Severity::High => Level::Error,
        Severity::Medium => Level::Warning,
        _ => Level::Notice,
    }
}

fn where_(f: &Finding) -> String {
    match (&f.path, f.start_line, &f.package) {
        (_, _, Some(p)) => format!("{} {}", p.name, p.version),
        (Some(p), Some(l), _) => format!("{p}:{l}"),
        (Some(p), None, _) => p.to_string(),
        _ => String::new(),
    }
}

/// Build the outcome.
pub fn outcome(eval: &Evaluation, informational: bool, context: Context) -> Outcome {
    let active: Vec<&Finding> = eval.active().collect();
    let counts = count(active.iter().copied());
    let new_counts = count(active.iter().copied().filter(|f| f.new));
    let suppressed =
        eval.findings.len() - active.len() + eval.native_hidden.values().sum::<u64>() as usize;
    let failed = gates_core::outcome::Failed::of(&eval.checks);
    let verdict = Verdict::of_checks(&eval.checks, informational);
    let shown: Vec<String> = Severity::ALL
        .iter()
        .filter(|s| counts[s] > 0)
        .map(|s| format!("{} {}", counts[s], s.name()))
        .collect();
    let mut title = format!(
        "Security: {}",
        if shown.is_empty() {
            "no findings".to_string()
        } else {
            shown.join(", ")
        }
    );
    if eval.has_baseline {
        title.push_str(&format!("; {} new, {} fixed", eval.new, eval.fixed));
    }
    if !eval.unread.is_empty() {
        title.push_str(&format!(
            "; {} file{} not scanned",
            eval.unread.len(),
            if eval.unread.len() == 1 { "" } else { "s" }
        ));
    }
    title.push_str(&failed.headline(informational, "limit", "exceeded"));

    let metrics = SecurityMetrics {
        total: active.len() as u64,
        severity: severity_counts(&counts),
        new: eval.has_baseline.then_some(eval.new as u64),
        new_severity: eval.has_baseline.then(|| severity_counts(&new_counts)),
        fixed: eval.has_baseline.then_some(eval.fixed as u64),
        suppressed: suppressed as u64,
        tools: eval.tools.clone(),
        fingerprints: eval
            .findings
            .iter()
            .map(|f| f.fingerprint.to_string())
            .collect(),
    };
    let metrics = gates_core::result_file::metrics_map(&metrics);

    // New first, then by severity (the findings are already sorted by severity).
    let mut ordered: Vec<&Finding> = active.clone();
    ordered.sort_by_key(|f| (!f.new, f.severity));
    let failed_rules = failed.enforced().map(|c| c.finding(informational));
    let findings = failed_rules
        .chain(ordered.iter().map(|f| {
            let rule = crate::rules::for_kind(f.kind).to_string();
            let mut title = String::with_capacity(f.rule.len() + 10);
            title.push_str(f.severity.name());
            title.push(' ');
            title.push_str(&f.rule);
            Annotation {
                rule,
                level: level(f.severity),
                message: message(f),
                path: f
                    .path
                    .as_deref()
                    .filter(|_| f.start_line.is_some())
                    .map(str::to_string),
                start_line: f.start_line,
                end_line: f.end_line.or(f.start_line),
                title: Some(title),
                tool_rule: Some(f.rule.to_string()),
                pointer: None,
                base_pointer: None,
            }
        }))
        .collect();

    Outcome {
        gate: gates_core::cli::SECURITY.name.into(),
        verdict,
        title,
        reasons: failed.enforced().map(|c| c.reason()).collect(),
        metrics,
        findings,
        sections: sections(eval, &ordered, &counts),
        context,
        informational,
        notes: failed
            .allowed_notes()
            .into_iter()
            .chain(notes(eval, &counts))
            .collect(),
        outputs: vec![
            ("total", active.len().to_string()),
            ("critical", counts[&Severity::Critical].to_string()),
            ("high", counts[&Severity::High].to_string()),
            ("medium", counts[&Severity::Medium].to_string()),
            (
                "new",
                if eval.has_baseline {
                    eval.new.to_string()
                } else {
                    String::new()
                },
            ),
        ],
    }
}

/// `New: title [tool rule] message (severity: why)`, built without the formatting machinery:
/// it runs once per finding.
fn message(f: &Finding) -> String {
    let parts = [
        if f.new { "New: " } else { "" },
        &f.title,
        " [",
        &f.tool,
        " ",
        &f.rule,
        "] ",
        &f.message,
        " (",
        f.severity.name(),
        ": ",
        &f.severity_source,
        ")",
    ];
    let mut m = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        m.push_str(p);
    }
    m
}

/// Longest "What" in the summary table: a whole Semgrep message can be a paragraph.
const WHAT_CHARS: usize = 200;

/// The "What" column: the scanner's message (its first line), which says what is wrong; the
/// title alone is often only a rule name ("Semgrep Finding: x", Bandit's test name).
fn what(f: &Finding) -> String {
    let first = f.message.lines().map(str::trim).find(|l| !l.is_empty());
    match first {
        Some(m) => gates_core::text::cap(m, WHAT_CHARS).into_owned(),
        None => f.title.to_string(),
    }
}

fn sections(
    eval: &Evaluation,
    ordered: &[&Finding],
    counts: &BTreeMap<Severity, u64>,
) -> Vec<Section> {
    let mut out = Vec::new();
    // Tool × severity, active findings.
    let mut head = vec!["Tool"];
    head.extend(Severity::ALL.iter().map(|s| s.name()));
    head.push("suppressed");
    let mut rows = Vec::new();
    for tool in &eval.tools {
        let c = count(eval.active().filter(|f| f.reported_by().any(|t| t == tool)));
        let mut row = vec![escape(tool)];
        row.extend(Severity::ALL.iter().map(|s| c[s].to_string()));
        let supp = eval
            .findings
            .iter()
            .filter(|f| f.suppressed.is_some() && f.reported_by().any(|t| t == tool))
            .count() as u64
            + eval.native_hidden.get(tool).copied().unwrap_or(0);
        row.push(supp.to_string());
        rows.push(row);
    }
    let mut total = vec!["**all (deduplicated)**".to_string()];
    total.extend(Severity::ALL.iter().map(|s| format!("**{}**", counts[s])));
    total.push(String::new());
    rows.push(total);
    let mut body = table(
        &head,
        &[false, true, true, true, true, true, true, true],
        &rows,
    );
    if eval.has_baseline {
        body.push_str(&format!(
            "\nAgainst the baseline: **{} new**, {} existing, {} fixed.\n",
            eval.new,
            eval.active().filter(|f| !f.new).count(),
            eval.fixed
        ));
    }
    out.push(Section {
        heading: "Findings".into(),
        body,
        essential: true,
    });

    let list: Vec<&&Finding> = ordered
        .iter()
        .filter(|f| !eval.has_baseline || f.new)
        .take(TOP)
        .collect();
    if !list.is_empty() {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|f| {
                vec![
                    f.severity.name().to_string(),
                    escape(&f.rule),
                    code(&where_(f)),
                    escape(&what(f)),
                    escape(&f.reported_by().collect::<Vec<_>>().join(", ")),
                    escape(&f.severity_source),
                ]
            })
            .collect();
        let heading = if eval.has_baseline {
            "New findings"
        } else {
            "Top findings"
        };
        out.push(Section {
            heading: heading.into(),
            body: table(
                &[
                    "Severity",
                    "Rule",
                    "Where",
                    "What",
                    "Reported by",
                    "Why this severity",
                ],
                &[false; 6],
                &rows,
            ),
            essential: true,
        });
    }
    let r = &eval.review;
    let mut body = String::new();
    for (what, list) in [
        ("Expired (no longer suppressing)", &r.expired),
        ("Expiring within 14 days", &r.expiring),
        ("Unused", &r.unused),
    ] {
        for e in list {
            body.push_str(&format!("- {what}: {}\n", escape(e)));
        }
    }
    if !body.is_empty() {
        out.push(Section {
            heading: "Suppressions".into(),
            body,
            essential: true,
        });
    }
    if eval.outside_diff > 0 {
        out.push(Section { heading: "Outside the change".into(), body: format!("{} findings are not on lines this change touched (--diff-filter) and are not counted.\n", eval.outside_diff), essential: false });
    }
    if !eval.skipped.is_empty() {
        let body: String = eval
            .skipped
            .iter()
            .map(|s| format!("- {}\n", escape(s)))
            .collect();
        out.push(Section {
            heading: "Reports skipped (--allow-missing)".into(),
            body,
            essential: true,
        });
    }
    if !eval.unread.is_empty() {
        let body: String = eval
            .unread
            .iter()
            .map(|s| format!("- {}\n", escape(s)))
            .collect();
        out.push(Section {
            heading: "Files the scanners could not read (--allow-missing)".into(),
            body,
            essential: true,
        });
    }
    out
}

fn notes(eval: &Evaluation, counts: &BTreeMap<Severity, u64>) -> Vec<String> {
    let mut n = vec![format!("scanners: {}", eval.tools.join(", "))];
    n.push(format!(
        "  {}",
        Severity::ALL
            .iter()
            .map(|s| format!("{} {}", s.name(), counts[s]))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let r = &eval.review;
    n.extend(
        r.expired
            .iter()
            .map(|e| format!("warning: expired suppression no longer applies: {e}")),
    );
    n.extend(
        r.expiring
            .iter()
            .map(|e| format!("note: suppression expires soon: {e}")),
    );
    n.extend(
        r.unused
            .iter()
            .map(|e| format!("note: unused suppression: {e}")),
    );
    n.extend(
        eval.skipped
            .iter()
            .map(|s| format!("warning: skipped: {s}")),
    );
    n.extend(eval.repeated.iter().map(|s| format!("note: {s}")));
    n.extend(
        eval.unread
            .iter()
            .map(|s| format!("warning: not scanned, its findings are missing: {s}")),
    );
    n
}
