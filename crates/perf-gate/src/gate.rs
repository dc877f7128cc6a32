//! The policy: every threshold evaluated, every benchmark compared with the baseline, as checks.

use std::path::{Path, PathBuf};

use gates_core::outcome::Check;
use gates_core::InputError;

use crate::compare::{self, Comparison, Settings, Verdict};
use crate::model::{Format, Kind, Metric, Report};
use crate::rules;
use crate::threshold::{self, Evaluated, Threshold};

/// What the gate was asked.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Head reports.
    pub reports: Vec<PathBuf>,
    /// Forced format.
    pub format: Option<crate::model::Format>,
    /// Limits, each with where it was written (flag or config file).
    pub thresholds: Vec<(Threshold, PathBuf)>,
    /// Baseline reports (one per flag).
    pub baseline: Vec<PathBuf>,
    /// Comparison settings.
    pub settings: Settings,
    /// Rule levels.
    pub levels: gates_core::rules::Levels,
}

/// What the gate found.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The head report.
    pub report: Report,
    /// Every threshold's result.
    pub thresholds: Vec<Evaluated>,
    /// Every compared benchmark, after Holm's correction.
    pub comparisons: Vec<Comparison>,
    /// Head-only benchmarks.
    pub added: Vec<String>,
    /// Base-only benchmarks.
    pub removed: Vec<String>,
    /// Whether a baseline was given.
    pub has_baseline: bool,
    /// The checks, levels applied.
    pub checks: Vec<Check>,
    /// The settings used.
    pub settings: Settings,
}

/// The k6 metrics compared against a baseline: end-to-end durations and custom trends, not the
/// phases of a request (blocked, connecting, ...), which only add noise and comparisons.
fn compared(format: Format, m: &Metric) -> bool {
    if format.is_benchmark() {
        return true;
    }
    m.kind == Kind::Trend
        && !m.name.contains('{')
        && (m.name == "http_req_duration" || !m.name.starts_with("http_req_"))
        && !matches!(m.name.as_str(), "group_duration")
}

/// Run the policy.
pub fn evaluate(inputs: &Inputs) -> Result<Evaluation, InputError> {
    let report = crate::formats::read_all(&inputs.reports, inputs.format)?;
    let mut thresholds = Vec::new();
    for (t, origin) in &inputs.thresholds {
        thresholds.push(threshold::evaluate(t, &report, origin)?);
    }
    let mut comparisons = Vec::new();
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    if !inputs.baseline.is_empty() {
        let base = crate::formats::read_all(&inputs.baseline, inputs.format)?;
        if base.format != report.format {
            return Err(InputError::new(
                &inputs.baseline[0],
                format!(
                    "the baseline is a {} report, the head a {} report",
                    base.format.name(),
                    report.format.name()
                ),
                "give a baseline made by the same tool with the same command on the base commit",
            ));
        }
        for m in report.metrics.iter().filter(|m| compared(report.format, m)) {
            match base.get(&m.name) {
                Some(b) => comparisons.push(compare::compare_one(b, m, &inputs.settings)),
                None => added.push(m.name.clone()),
            }
        }
        removed = base
            .metrics
            .iter()
            .filter(|m| compared(base.format, m) && report.get(&m.name).is_none())
            .map(|m| m.name.clone())
            .collect();
        if comparisons.is_empty() {
            return Err(InputError::new(
                &inputs.baseline[0],
                format!(
                    "the baseline and the head have no benchmark in common (head: {}; baseline: {})",
                    list(&added),
                    list(&removed)
                ),
                "give a baseline of the same benchmarks, run on the base commit",
            ));
        }
        compare::decide(&mut comparisons, &inputs.settings);
    }
    let mut checks: Vec<Check> = thresholds
        .iter()
        .map(|e| {
            Check::new(
                rules::THRESHOLD,
                e.ok,
                format!(
                    "{}: {} (is {}{})",
                    e.threshold.key,
                    e.threshold.expression,
                    num(e.actual),
                    e.threshold.unit_name
                ),
            )
        })
        .collect();
    let pct = inputs.settings.max_regression * 100.0;
    for c in &comparisons {
        let what = format!(
            "{}: {} → {} {} ({:+.1}%, {})",
            c.name,
            num(c.base),
            num(c.head),
            c.unit,
            c.change * 100.0,
            c.method.name()
        );
        checks.push(match c.verdict {
            Verdict::Inconclusive => Check::unanswered(
                rules::REGRESSION,
                format!(
                    "{what}: {} and {} samples can never reach p < {}; take more samples",
                    c.n.0, c.n.1, inputs.settings.alpha
                ),
            ),
            Verdict::Regressed => Check::new(
                rules::REGRESSION,
                false,
                format!(
                    "{what}: regressed by more than {pct}% (p = {})",
                    c.p_value.map_or("n/a".into(), |p| format!("{p:.3}"))
                ),
            ),
            v => Check::new(rules::REGRESSION, true, format!("{what}: {}", v.name())),
        });
    }
    inputs.levels.apply(&mut checks);
    Ok(Evaluation {
        report,
        thresholds,
        comparisons,
        added,
        removed,
        has_baseline: !inputs.baseline.is_empty(),
        checks,
        settings: inputs.settings,
    })
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    let mut s = v.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
    if v.len() > 10 {
        s.push_str(&format!(" and {} more", v.len() - 10));
    }
    s
}

/// A number for people: four significant digits.
pub fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// Where a threshold came from when it was a flag.
pub fn flag_origin() -> &'static Path {
    Path::new("--threshold")
}
