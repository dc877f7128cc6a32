//! Turning an evaluation into what people see: title, reasons, metrics, annotations, summary
//! sections, terminal notes and step outputs.

use gates_core::markdown::{code, escape, table};
use gates_core::{Context, Finding, Level, Outcome, Section, Verdict};

use crate::config::AnnotationLevel;
use crate::gate::{format_delta, Evaluation};
use crate::metrics::{BaseMetric, CoverageMetrics, HeadlineMetric};
use crate::model::Counter;
use crate::policy::{pct, rules, truncate2, Policy};

/// Rows in the essential patch table; the rest go to a collapsed section.
const PATCH_ROWS: usize = 25;

fn show(c: Counter) -> String {
    c.percent().map_or_else(|| "n/a".to_string(), pct)
}

/// The producer's headline as the producer prints it (see [`crate::model::Rounding`]).
fn headline_shown(h: &crate::model::Headline) -> String {
    h.counter
        .percent()
        .map_or_else(|| "n/a".to_string(), |p| h.rounding.show(p))
}

fn output_value(c: Option<Counter>) -> String {
    c.and_then(|c| c.percent())
        .map(|p| pct(p).trim_end_matches('%').to_string())
        .unwrap_or_default()
}

/// Build the outcome.
pub fn outcome(eval: &Evaluation, policy: &Policy, context: Context) -> Outcome {
    let failed = gates_core::outcome::Failed::of(&eval.checks);
    let verdict = match Verdict::of_checks(&eval.checks, policy.informational) {
        Verdict::Pass if eval.merged.files.is_empty() => Verdict::Inconclusive,
        v => v,
    };
    let t = &eval.totals;
    let mut title = format!("Coverage: lines {}", show(t.lines));
    if let Some(p) = &eval.patch {
        title.push_str(&format!(
            ", patch {}",
            if p.total.total == 0 {
                "n/a (no coverable changed lines)".to_string()
            } else {
                format!(
                    "{} ({} of {} changed lines)",
                    show(p.total),
                    p.total.covered,
                    p.total.total
                )
            }
        ));
    }
    let delta = eval
        .baseline
        .and_then(|b| Some(t.lines.percent()? - b.lines.percent()?));
    if let Some(d) = delta {
        title.push_str(&format!(", {} points vs base", format_delta(d)));
    }
    title.push_str(&failed.headline(policy.informational, "rule", "failed"));
    let reasons = failed.enforced().map(|c| c.reason()).collect();

    let metrics = CoverageMetrics {
        lines: t.lines.into(),
        branches: t.branches.into(),
        functions: t.functions.into(),
        patch: eval.patch.as_ref().map(|p| p.total.into()),
        base: eval.patch.as_ref().map(|p| BaseMetric {
            sha: p.base.sha.clone(),
            how: p.base.how.clone(),
        }),
        delta: delta.map(|d| format_delta(d).parse::<f64>().unwrap_or(0.0)),
        headline: eval.merged.headline.as_ref().map(|h| HeadlineMetric {
            name: h.name.to_string(),
            covered: h.counter.covered,
            total: h.counter.total,
            percent: h.counter.percent().map(truncate2),
            shown: headline_shown(h),
            formula: h.formula.to_string(),
        }),
        gated: "lines".into(),
        files: eval.merged.files.len() as u64,
        unresolved: eval.merged.unresolved.len() as u64,
    };
    let metrics = gates_core::result_file::metrics_map(&metrics);

    let outputs = vec![
        ("lines", output_value(Some(t.lines))),
        ("branches", output_value(Some(t.branches))),
        ("functions", output_value(Some(t.functions))),
        ("patch", output_value(eval.patch.as_ref().map(|p| p.total))),
        ("delta", delta.map(format_delta).unwrap_or_default()),
    ];

    Outcome {
        gate: gates_core::cli::COVERAGE.name.into(),
        verdict,
        title,
        reasons,
        metrics,
        findings: failed
            .enforced()
            .map(|c| c.finding(policy.informational))
            .chain(findings(eval, policy))
            .collect(),
        sections: sections(eval, policy, delta),
        context,
        notes: failed
            .allowed_notes()
            .into_iter()
            .chain(notes(eval))
            .collect(),
        outputs,
        informational: policy.informational,
    }
}

fn findings(eval: &Evaluation, policy: &Policy) -> Vec<Finding> {
    let level = match policy.annotations {
        AnnotationLevel::Off => return Vec::new(),
        AnnotationLevel::Error => Level::Error,
        AnnotationLevel::Warning => Level::Warning,
        AnnotationLevel::Notice => Level::Notice,
    };
    let Some(patch) = &eval.patch else {
        return Vec::new();
    };
    // Files are already worst first; within a file, top to bottom.
    let mut out = Vec::new();
    for f in &patch.files {
        for &(s, e) in &f.uncovered {
            let message = if s == e {
                format!("Added line #L{s} is not covered by tests")
            } else {
                format!("Added lines #L{s}-L{e} are not covered by tests")
            };
            out.push(Finding {
                rule: rules::UNCOVERED_PATCH.into(),
                level,
                message,
                path: Some(f.path.clone()),
                start_line: Some(s),
                end_line: Some(e),
                title: Some("Not covered".into()),
                tool_rule: None,
                pointer: None,
                base_pointer: None,
            });
        }
    }
    out
}

fn ranges(r: &[(u32, u32)]) -> String {
    r.iter()
        .map(|&(s, e)| {
            if s == e {
                s.to_string()
            } else {
                format!("{s}-{e}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sections(eval: &Evaluation, policy: &Policy, delta: Option<f64>) -> Vec<Section> {
    let t = &eval.totals;
    let mut out = Vec::new();
    let min = |m: Option<f64>| m.map_or_else(String::new, |m| format!("{m}%"));
    let mut rows = vec![
        vec![
            "Lines (gated)".to_string(),
            t.lines.covered.to_string(),
            t.lines.total.to_string(),
            show(t.lines),
            min(policy.min_lines),
        ],
        vec![
            "Branches".to_string(),
            t.branches.covered.to_string(),
            t.branches.total.to_string(),
            show(t.branches),
            min(policy.min_branches),
        ],
        vec![
            "Functions".to_string(),
            t.functions.covered.to_string(),
            t.functions.total.to_string(),
            show(t.functions),
            min(policy.min_functions),
        ],
    ];
    if let Some(p) = &eval.patch {
        rows.push(vec![
            "Patch".to_string(),
            p.total.covered.to_string(),
            p.total.total.to_string(),
            show(p.total),
            min(policy.min_patch),
        ]);
    }
    let mut body = table(
        &["", "Covered", "Total", "%", "Minimum"],
        &[false, true, true, true, true],
        &rows,
    );
    if let (Some(d), Some(b)) = (delta, eval.baseline) {
        body.push_str(&format!(
            "\nAgainst the baseline ({} lines): **{} points**.\n",
            show(b.lines),
            format_delta(d)
        ));
    }
    if let Some(h) = &eval.merged.headline {
        body.push_str(&format!(
            "\nThe producer's own headline: {} {} ({} of {}) — {}. The gate checks lines.\n",
            h.name,
            headline_shown(h),
            h.counter.covered,
            h.counter.total,
            escape(h.formula)
        ));
    }
    out.push(Section {
        heading: "Totals".into(),
        body,
        essential: true,
    });

    if let Some(p) = &eval.patch {
        let mut body = format!("Changed lines since {}.\n\n", escape(&p.base.how));
        if p.files.is_empty() {
            body.push_str("No coverable line was changed.\n");
            out.push(Section {
                heading: "Patch coverage".into(),
                body,
                essential: true,
            });
        } else {
            let row = |f: &crate::patch::FilePatch| {
                vec![
                    code(&f.path),
                    f.counter.covered.to_string(),
                    f.counter.total.to_string(),
                    show(f.counter),
                    escape(&ranges(&f.uncovered)),
                ]
            };
            let head = ["File", "Covered", "Changed", "%", "Not covered"];
            let align = [false, true, true, true, false];
            let rows: Vec<_> = p.files.iter().take(PATCH_ROWS).map(row).collect();
            body.push_str(&table(&head, &align, &rows));
            let more = p.files.len().saturating_sub(PATCH_ROWS);
            if more > 0 {
                body.push_str(&format!("\n…and {more} more files, listed below.\n"));
            }
            out.push(Section {
                heading: "Patch coverage".into(),
                body,
                essential: true,
            });
            if more > 0 {
                let rest: Vec<_> = p.files.iter().skip(PATCH_ROWS).map(row).collect();
                out.push(Section {
                    heading: format!("All {} changed files", p.files.len()),
                    body: table(&head, &align, &rest),
                    essential: false,
                });
            }
        }
        // Least covered changed files, by their whole-file coverage.
        let mut least: Vec<(String, Counter)> = p
            .files
            .iter()
            .filter_map(|f| Some((f.path.clone(), eval.merged.files.get(&f.path)?.lines())))
            .collect();
        least.sort_by(|a, b| {
            a.1.percent()
                .partial_cmp(&b.1.percent())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.0.cmp(&b.0))
        });
        if !least.is_empty() {
            let rows: Vec<_> = least
                .iter()
                .take(10)
                .map(|(p, c)| vec![code(p), show(*c), format!("{} of {}", c.covered, c.total)])
                .collect();
            out.push(Section {
                heading: "Least covered changed files".into(),
                body: table(&["File", "Lines", "Covered"], &[false, true, true], &rows),
                essential: false,
            });
        }
        if !p.unmeasured.is_empty() {
            let list: Vec<String> = p
                .unmeasured
                .iter()
                .take(100)
                .map(|f| format!("- {}", code(f)))
                .collect();
            out.push(Section {
                heading: format!("{} changed files without coverage data", p.unmeasured.len()),
                body: list.join("\n") + "\n",
                essential: false,
            });
        }
    } else if let Some(why) = &eval.patch_skipped {
        out.push(Section {
            heading: "Patch coverage".into(),
            body: format!("Not measured: {}.\n", escape(why)),
            essential: true,
        });
    }

    if !eval.path_results.is_empty() {
        let rows: Vec<_> = eval
            .path_results
            .iter()
            .map(|(g, t)| vec![code(g), show(t.lines), show(t.branches)])
            .collect();
        out.push(Section {
            heading: "Paths".into(),
            body: table(&["Glob", "Lines", "Branches"], &[false, true, true], &rows),
            essential: true,
        });
    }
    if !eval.merged.unresolved.is_empty() {
        let mut body = String::from("These report paths match no file in the checkout; their lines count in the totals but not in patch coverage. Map them with `--path-map FROM=TO` (or `path-map` in `.github/gates.yml`).\n\n");
        for (p, origin) in eval.merged.unresolved.iter().take(100) {
            body.push_str(&format!(
                "- {} (from {})\n",
                escape(p),
                escape(&eval.merged.reports[*origin].display().to_string())
            ));
        }
        out.push(Section {
            heading: format!("{} unresolved report paths", eval.merged.unresolved.len()),
            body,
            essential: false,
        });
    }
    if !eval.merged.warnings.is_empty() {
        let body: String = eval
            .merged
            .warnings
            .iter()
            .map(|w| format!("- {}\n", escape(w)))
            .collect();
        out.push(Section {
            heading: "Warnings".into(),
            body,
            essential: true,
        });
    }
    out
}

fn notes(eval: &Evaluation) -> Vec<String> {
    let mut n = Vec::new();
    let reports: Vec<String> = eval
        .merged
        .reports
        .iter()
        .zip(&eval.merged.formats)
        .map(|(p, f)| format!("{} ({})", p.display(), f.name()))
        .collect();
    n.push(format!("reports: {}", reports.join(", ")));
    let t = &eval.totals;
    let line = |name: &str, c: Counter| {
        format!(
            "  {name:<10} {:>8} of {:>8}  {:>8}",
            c.covered,
            c.total,
            show(c)
        )
    };
    n.push(line("lines", t.lines));
    n.push(line("branches", t.branches));
    n.push(line("functions", t.functions));
    if let Some(h) = &eval.merged.headline {
        n.push(format!(
            "  {:<10} {:>8} of {:>8}  {:>8}  (producer's headline: {})",
            h.name,
            h.counter.covered,
            h.counter.total,
            headline_shown(h),
            h.formula
        ));
    }
    match (&eval.patch, &eval.patch_skipped) {
        (Some(p), _) => {
            n.push(format!(
                "  {:<10} {:>8} of {:>8}  {:>8}  (changed lines since {})",
                "patch",
                p.total.covered,
                p.total.total,
                show(p.total),
                p.base.how
            ));
            for f in p.files.iter().filter(|f| !f.uncovered.is_empty()) {
                n.push(format!(
                    "    {}: not covered {}",
                    f.path,
                    ranges(&f.uncovered)
                ));
            }
        }
        (None, Some(why)) => n.push(format!("  patch: not measured ({why})")),
        _ => {}
    }
    if !eval.merged.unresolved.is_empty() {
        let names: Vec<&str> = eval
            .merged
            .unresolved
            .iter()
            .take(10)
            .map(|(p, _)| p.as_str())
            .collect();
        n.push(format!(
            "{} report paths not found in the checkout (use --path-map FROM=TO): {}{}",
            eval.merged.unresolved.len(),
            names.join(", "),
            if eval.merged.unresolved.len() > 10 {
                ", …"
            } else {
                ""
            }
        ));
    }
    n.extend(eval.merged.warnings.iter().map(|w| format!("warning: {w}")));
    n
}
