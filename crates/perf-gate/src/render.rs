//! What people see: the verdict and its reasons, one annotation per failed threshold and per
//! regression, the job summary's tables, a plain table for the terminal, metrics and outputs.

use gates_core::markdown::{code, escape, table};
use gates_core::{Context, Outcome, Section, Verdict};

use crate::compare::{Comparison, Verdict as Cmp};
use crate::gate::{num, Evaluation};
use crate::history::{Series, Step};
use crate::metrics::{BenchmarkRow, HistoryMetrics, PerfMetrics, StepRow, ThresholdRow};

/// Rows the summary and terminal tables show; a run over thousands of benchmarks lists the
/// rest in the result file, not in the log or the summary (which GitHub caps at 1 MiB).
const MAX_ROWS: usize = 100;

/// The comparisons the tables show, and a line for those left out. Up to [`MAX_ROWS`] all
/// are shown in report order; beyond, the most telling first: regressions, inconclusive,
/// improvements, then the largest changes.
fn shown(all: &[Comparison]) -> (Vec<&Comparison>, Option<String>) {
    if all.len() <= MAX_ROWS {
        return (all.iter().collect(), None);
    }
    let rank = |v: Cmp| match v {
        Cmp::Regressed => 0,
        Cmp::Inconclusive => 1,
        Cmp::Improved => 2,
        Cmp::Unchanged => 3,
    };
    let mut order: Vec<&Comparison> = all.iter().collect();
    order.sort_by(|a, b| {
        rank(a.verdict)
            .cmp(&rank(b.verdict))
            .then(b.change.abs().total_cmp(&a.change.abs()))
    });
    let hidden = &order[MAX_ROWS..];
    let count = |v: Cmp| hidden.iter().filter(|c| c.verdict == v).count();
    let kinds: Vec<String> = [
        Cmp::Regressed,
        Cmp::Inconclusive,
        Cmp::Improved,
        Cmp::Unchanged,
    ]
    .into_iter()
    .filter(|&v| count(v) > 0)
    .map(|v| format!("{} {}", count(v), v.name()))
    .collect();
    let line = format!(
        "… and {} more benchmarks ({}); the result file lists every one",
        hidden.len(),
        kinds.join(", ")
    );
    order.truncate(MAX_ROWS);
    (order, Some(line))
}

fn pct(x: f64) -> String {
    format!("{:+.1}%", x * 100.0)
}

fn ci_or_p(c: &Comparison) -> String {
    match (c.ci, c.p_value) {
        (Some((lo, hi)), Some(p)) => format!("[{}, {}] p={p:.3}", pct(lo), pct(hi)),
        (None, Some(p)) => format!("p={p:.3}"),
        _ => "n/a".into(),
    }
}

fn row(c: &Comparison) -> BenchmarkRow {
    BenchmarkRow {
        name: c.name.clone(),
        unit: c.unit.clone(),
        base: c.base,
        head: c.head,
        change: c.change,
        ci_low: c.ci.map(|x| x.0),
        ci_high: c.ci.map(|x| x.1),
        p_value: c.p_value,
        method: c.method.name().into(),
        verdict: c.verdict.name().into(),
    }
}

/// Build the outcome.
pub fn outcome(eval: &Evaluation, informational: bool, context: Context) -> Outcome {
    let failed = gates_core::outcome::Failed::of(&eval.checks);
    let verdict = Verdict::of_checks(&eval.checks, informational);
    let count = |v: Cmp| eval.comparisons.iter().filter(|c| c.verdict == v).count();
    let (regressions, improvements) = (count(Cmp::Regressed), count(Cmp::Improved));
    let failed_thresholds = eval.thresholds.iter().filter(|t| !t.ok).count();
    let mut title = format!("Perf ({}):", eval.report.format.name());
    if !eval.thresholds.is_empty() {
        title.push_str(&format!(
            " {}/{} thresholds met",
            eval.thresholds.len() - failed_thresholds,
            eval.thresholds.len()
        ));
    }
    if eval.has_baseline {
        if !eval.thresholds.is_empty() {
            title.push(';');
        }
        title.push_str(&format!(
            " {} compared, {regressions} regressed, {improvements} improved",
            eval.comparisons.len()
        ));
        if let Some(g) = crate::compare::geomean(&eval.comparisons) {
            title.push_str(&format!(", geomean {}", pct(g)));
        }
    }
    if eval.thresholds.is_empty() && !eval.has_baseline {
        title.push_str(&format!(
            " {} metrics read, nothing asked",
            eval.report.metrics.len()
        ));
    }
    title.push_str(&failed.headline(informational, "check", "failed"));

    let geomean = crate::compare::geomean(&eval.comparisons).map(|g| BenchmarkRow {
        name: "geomean".into(),
        unit: String::new(),
        base: 1.0,
        head: 1.0 + g,
        change: g,
        ci_low: None,
        ci_high: None,
        p_value: None,
        method: "geomean".into(),
        verdict: String::new(),
    });
    let metrics = PerfMetrics {
        format: eval.report.format.name().into(),
        thresholds: eval
            .thresholds
            .iter()
            .map(|e| ThresholdRow {
                metric: e.threshold.key.clone(),
                expression: e.threshold.expression.clone(),
                value: e.actual,
                unit: e.threshold.unit_name.into(),
                ok: e.ok,
            })
            .collect(),
        benchmarks: eval.comparisons.iter().map(row).collect(),
        geomean,
        added: eval.added.clone(),
        removed: eval.removed.clone(),
        history: eval.history.as_ref().map(|h| HistoryMetrics {
            runs: h.updated.runs.len() as u64,
            steps: h.steps.iter().map(step_row).collect(),
            warming_up: h.warming_up.iter().map(|w| w.0.clone()).collect(),
        }),
        regressions: regressions as u64,
        improvements: improvements as u64,
    };
    let findings = failed
        .enforced()
        .map(|c| c.finding(informational))
        .collect();
    Outcome {
        gate: gates_core::cli::PERF.name.into(),
        verdict,
        title,
        reasons: failed.enforced().map(|c| c.reason()).collect(),
        metrics: gates_core::result_file::metrics_map(&metrics),
        findings,
        sections: sections(eval),
        context,
        informational,
        notes: failed
            .allowed_notes()
            .into_iter()
            .chain(terminal_table(eval))
            .collect(),
        outputs: vec![
            ("regressions", regressions.to_string()),
            ("improvements", improvements.to_string()),
        ],
    }
}

/// A threshold's "Met" cell: ours, and k6's beside it only when the two disagree.
fn met(e: &crate::threshold::Evaluated) -> String {
    let mark = |ok: bool| if ok { "✅" } else { "❌" };
    match e.k6_disagrees() {
        Some(k6) => format!("{} (k6: {})", mark(e.ok), mark(k6)),
        None => mark(e.ok).into(),
    }
}

fn sections(eval: &Evaluation) -> Vec<Section> {
    let mut out = Vec::new();
    if !eval.thresholds.is_empty() {
        let rows: Vec<Vec<String>> = eval
            .thresholds
            .iter()
            .map(|e| {
                vec![
                    code(&e.threshold.key),
                    if e.declared {
                        format!("{} (k6 script)", code(&e.threshold.expression))
                    } else {
                        code(&e.threshold.expression)
                    },
                    format!("{}{}", num(e.actual), escape(e.threshold.unit_name)),
                    met(e),
                ]
            })
            .collect();
        out.push(Section {
            heading: "Thresholds".into(),
            body: table(
                &["Metric", "Threshold", "Value", "Met"],
                &[false, false, true, false],
                &rows,
            ),
            essential: true,
        });
    }
    if eval.has_baseline && !eval.comparisons.is_empty() {
        let (listed, more) = shown(&eval.comparisons);
        let mut rows: Vec<Vec<String>> = listed
            .iter()
            .map(|c| {
                vec![
                    code(&c.name),
                    format!("{} {}", num(c.base), c.unit),
                    format!("{} {}", num(c.head), c.unit),
                    pct(c.change),
                    ci_or_p(c),
                    icon(c.verdict).to_string() + " " + c.verdict.name(),
                    c.method.name().into(),
                ]
            })
            .collect();
        if let Some(g) = crate::compare::geomean(&eval.comparisons) {
            rows.push(vec![
                "**geomean**".into(),
                String::new(),
                String::new(),
                pct(g),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        let mut body = table(
            &[
                "Benchmark",
                "Base",
                "Head",
                "Change",
                "CI / p",
                "Verdict",
                "Method",
            ],
            &[false, true, true, true, false, false, false],
            &rows,
        );
        if let Some(more) = more {
            body.push_str(&format!("\n{more}.\n"));
        }
        body.push_str(&format!(
            "\nα = {} (Holm-corrected), allowed regression {}%.\n",
            eval.settings.alpha,
            eval.settings.max_regression * 100.0
        ));
        for (what, list) in [
            ("Added (not compared)", &eval.added),
            ("Removed (not compared)", &eval.removed),
        ] {
            if !list.is_empty() {
                body.push_str(&format!(
                    "\n{what}: {}\n",
                    list.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        out.push(Section {
            heading: if eval
                .comparisons
                .iter()
                .any(|c| c.method == crate::compare::Method::History)
            {
                "Against the history".into()
            } else {
                "Against the baseline".into()
            },
            body,
            essential: true,
        });
    }
    out.extend(history_section(eval));
    out
}

fn step_row(s: &Step) -> StepRow {
    StepRow {
        benchmark: s.name.clone(),
        commit: s.commit.clone(),
        run: s.run.clone(),
        before: s.before,
        after: s.after,
        change: if s.before != 0.0 {
            s.after / s.before - 1.0
        } else {
            0.0
        },
    }
}

/// Charts drawn: the benchmarks that moved most, at most this many.
const CHARTS: usize = 3;

/// The history section: a trend chart of the benchmarks that moved most, the step changes
/// with the commit each starts at, and the benchmarks still warming up.
fn history_section(eval: &Evaluation) -> Option<Section> {
    let h = eval.history.as_ref()?;
    let mut body = format!(
        "{} runs kept in {}.\n",
        h.updated.runs.len(),
        code(&h.path.display().to_string())
    );
    let mut ranked: Vec<&Series> = h.series.iter().filter(|s| s.points.len() > 1).collect();
    let changes: std::collections::HashMap<&str, f64> = eval
        .comparisons
        .iter()
        .map(|c| (c.name.as_str(), c.change.abs()))
        .collect();
    let moved = |s: &Series| changes.get(s.name.as_str()).copied().unwrap_or(0.0);
    ranked.sort_by(|a, b| {
        (b.changes.len(), moved(b))
            .partial_cmp(&(a.changes.len(), moved(a)))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for s in ranked.iter().take(CHARTS) {
        body.push_str(&chart(s, &h.updated.runs));
    }
    if !h.steps.is_empty() {
        let rows: Vec<Vec<String>> = h
            .steps
            .iter()
            .rev()
            .take(20)
            .map(|st| {
                let r = step_row(st);
                vec![
                    code(&st.name),
                    code(&short(&st.commit)),
                    st.run.as_deref().map(code).unwrap_or_default(),
                    num(st.before),
                    num(st.after),
                    pct(r.change),
                ]
            })
            .collect();
        body.push_str("\nStep changes (newest first):\n\n");
        body.push_str(&table(
            &[
                "Benchmark",
                "From commit",
                "Run",
                "Before",
                "After",
                "Change",
            ],
            &[false, false, false, true, true, true],
            &rows,
        ));
    }
    if !h.warming_up.is_empty() {
        body.push_str(&format!(
            "\nNot compared yet (fewer than {} runs since the last step): {}\n",
            crate::history::MIN_RUNS,
            h.warming_up
                .iter()
                .map(|(n, k)| format!("{} ({k})", code(n)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Some(Section {
        heading: "History".into(),
        body,
        essential: false,
    })
}

/// The first 7 characters of a commit, hex only (it goes into a chart's labels).
fn short(commit: &str) -> String {
    commit
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(7)
        .collect()
}

/// A mermaid `xychart-beta` line chart of one series. Names come from reports, so only plain
/// characters reach the chart's quoted title.
fn chart(s: &Series, runs: &[crate::history::Run]) -> String {
    let title: String = s
        .name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | ' ' | '_' | '.' | ':' | '/' | '-' | '(' | ')' => c,
            _ => ' ',
        })
        .take(80)
        .collect();
    let unit: String = s.unit.chars().filter(char::is_ascii_alphabetic).collect();
    let labels: Vec<String> = s
        .points
        .iter()
        .map(|(i, _)| format!("\"{}\"", short(&runs[*i].commit)))
        .collect();
    let values: Vec<String> = s.points.iter().map(|(_, v)| num(*v)).collect();
    format!(
        "\n```mermaid\nxychart-beta\n    title \"{title}\"\n    x-axis [{}]\n    y-axis \"{unit}\"\n    line [{}]\n```\n",
        labels.join(", "),
        values.join(", ")
    )
}

fn icon(v: Cmp) -> &'static str {
    match v {
        Cmp::Regressed => "❌",
        Cmp::Improved => "🚀",
        Cmp::Unchanged => "✅",
        Cmp::Inconclusive => "❔",
    }
}

/// The comparison as fixed-width lines for the terminal (the summary's table is markdown).
fn terminal_table(eval: &Evaluation) -> Vec<String> {
    let mut lines = Vec::new();
    for e in &eval.thresholds {
        lines.push(format!(
            "threshold {} {}: {}{} {}",
            e.threshold.key,
            e.threshold.expression,
            num(e.actual),
            e.threshold.unit_name,
            if e.ok { "ok" } else { "FAILED" }
        ));
        if e.declared {
            lines
                .last_mut()
                .expect("pushed")
                .push_str(" (declared in the k6 script)");
        }
        if let Some(k6) = e.k6_disagrees() {
            let said = if k6 { "held" } else { "crossed" };
            lines.push(format!("  (k6 reported it {said})"));
        }
    }
    if eval.has_baseline {
        let head = [
            "benchmark",
            "base",
            "head",
            "change",
            "ci / p",
            "verdict",
            "method",
        ]
        .map(String::from);
        let mut rows = vec![head.to_vec()];
        let (listed, more) = shown(&eval.comparisons);
        for c in listed {
            rows.push(vec![
                c.name.clone(),
                format!("{} {}", num(c.base), c.unit),
                format!("{} {}", num(c.head), c.unit),
                pct(c.change),
                ci_or_p(c),
                c.verdict.name().into(),
                c.method.name().into(),
            ]);
        }
        if let Some(g) = crate::compare::geomean(&eval.comparisons) {
            rows.push(vec![
                "geomean".into(),
                String::new(),
                String::new(),
                pct(g),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        let widths: Vec<usize> = (0..7)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        for r in rows {
            let cells: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            lines.push(cells.join("  ").trim_end().to_string());
        }
        lines.extend(more);
        for n in &eval.added {
            lines.push(format!("added (not compared): {n}"));
        }
        for n in &eval.removed {
            lines.push(format!("removed (not compared): {n}"));
        }
    }
    if let Some(h) = &eval.history {
        lines.push(format!(
            "history: {} runs kept in {}",
            h.updated.runs.len(),
            h.path.display()
        ));
        for st in &h.steps {
            lines.push(format!(
                "step: {} from {} to {} at commit {}",
                st.name,
                num(st.before),
                num(st.after),
                short(&st.commit)
            ));
        }
        for (n, k) in &h.warming_up {
            lines.push(format!(
                "not compared yet: {n} ({k} of {} runs)",
                crate::history::MIN_RUNS
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Method;
    use crate::model::Direction;

    fn cmp(i: usize, verdict: Cmp, change: f64) -> Comparison {
        Comparison {
            name: format!("b{i}"),
            unit: "s".into(),
            base: 1.0,
            head: 1.0 + change,
            change,
            ci: None,
            p_value: Some(0.5),
            raw_p: Some(0.5),
            method: Method::MannWhitney,
            verdict,
            direction: Direction::LowerIsBetter,
            n: (10, 10),
            floor: None,
        }
    }

    /// A small run lists every benchmark in report order; a large one lists regressions
    /// first and says how many of which it left to the result file.
    #[test]
    fn large_runs_list_the_telling_rows_and_count_the_rest() {
        let few: Vec<Comparison> = (0..MAX_ROWS).map(|i| cmp(i, Cmp::Unchanged, 0.0)).collect();
        let (listed, more) = shown(&few);
        assert_eq!((listed.len(), more), (MAX_ROWS, None));
        assert_eq!(listed[0].name, "b0");

        let mut many: Vec<Comparison> = (0..MAX_ROWS + 50)
            .map(|i| cmp(i, Cmp::Unchanged, i as f64 / 1e4))
            .collect();
        many[120] = cmp(120, Cmp::Regressed, 0.3);
        many[5] = cmp(5, Cmp::Improved, -0.2);
        let (listed, more) = shown(&many);
        assert_eq!(listed.len(), MAX_ROWS);
        assert_eq!(
            (listed[0].name.as_str(), listed[1].name.as_str()),
            ("b120", "b5")
        );
        assert_eq!(listed[2].name, "b149", "then the largest changes");
        assert_eq!(
            more.as_deref(),
            Some("… and 50 more benchmarks (50 unchanged); the result file lists every one")
        );
    }
}
