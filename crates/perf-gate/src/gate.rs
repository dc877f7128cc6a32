//! The policy: every threshold evaluated, every benchmark compared with the baseline, as checks.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use gates_core::outcome::Check;
use gates_core::InputError;

use crate::changepoint;
use crate::compare::{self, Comparison, Settings, Verdict};
use crate::history::{self, History, Point, Series, Step};
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
    /// Direction overrides: the first whose pattern matches a benchmark's name decides it.
    pub directions: Vec<DirectionOverride>,
    /// `--history`, and this run's identity to record in it.
    pub history: Option<HistoryInput>,
}

/// "This benchmark is better lower (or higher)", whatever its unit says.
#[derive(Debug, Clone)]
pub struct DirectionOverride {
    /// The name or glob as written.
    pub pattern: String,
    /// Its matcher.
    pub matcher: globset::GlobMatcher,
    /// The direction it sets.
    pub direction: crate::model::Direction,
    /// Where it was written (flag or config file), for the error when it matches nothing.
    pub origin: PathBuf,
}

impl DirectionOverride {
    /// An override of the benchmarks `pattern` names (a name or a glob).
    pub fn new(
        pattern: &str,
        direction: crate::model::Direction,
        origin: &Path,
    ) -> Result<DirectionOverride, InputError> {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
            .map_err(|e| {
                InputError::new(
                    origin,
                    format!("direction pattern {pattern:?} is not a glob: {e}"),
                    "write a benchmark name, or a glob such as `*throughput*`",
                )
            })?;
        Ok(DirectionOverride {
            pattern: pattern.to_string(),
            matcher: glob.compile_matcher(),
            direction,
            origin: origin.to_path_buf(),
        })
    }
}

/// Set the direction of each of `report`'s benchmarks an override names; an override that
/// names none is a typo, and an error.
fn apply_directions(
    report: &mut Report,
    overrides: &[DirectionOverride],
) -> Result<(), InputError> {
    let mut used = vec![false; overrides.len()];
    for m in &mut report.metrics {
        if let Some(i) = overrides.iter().position(|o| o.matcher.is_match(&m.name)) {
            m.direction = overrides[i].direction;
            used[i] = true;
        }
    }
    match overrides.iter().zip(&used).find(|(_, u)| !**u) {
        Some((o, _)) => Err(InputError::new(
            &o.origin,
            format!(
                "direction {:?} matches no benchmark of the report",
                o.pattern
            ),
            "write a benchmark's name as the report gives it, or a glob matching some",
        )),
        None => Ok(()),
    }
}

/// Where the history is, how much to keep, and what this run is called in it.
#[derive(Debug, Clone)]
pub struct HistoryInput {
    /// The file (need not exist yet).
    pub path: PathBuf,
    /// Runs kept.
    pub keep: usize,
    /// The commit measured.
    pub commit: String,
    /// The workflow run.
    pub run: Option<String>,
}

/// The history as this run found and left it.
#[derive(Debug, Clone)]
pub struct HistoryView {
    /// The file.
    pub path: PathBuf,
    /// The history with this run appended (what is written back).
    pub updated: History,
    /// Each benchmark's series in `updated`, with its steps.
    pub series: Vec<Series>,
    /// Every step change in `updated`, oldest first.
    pub steps: Vec<Step>,
    /// Benchmarks whose current segment is still too short to compare: (name, runs in it).
    pub warming_up: Vec<(String, usize)>,
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
    /// The history, when `--history` was given.
    pub history: Option<HistoryView>,
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
    let head = || crate::reports::read_all(&inputs.reports, inputs.format);
    // The two sides are read side by side (parsing is most of a large pair's time), the head
    // on this thread: a streamed k6 file read on another thread measured a third slower.
    let (base, report) = match inputs.baseline.is_empty() {
        true => (None, head()),
        false => {
            let (b, h) = gates_core::side_by_side(
                || crate::reports::read_all(&inputs.baseline, inputs.format),
                head,
            );
            (Some(b), h)
        }
    };
    let mut report = report?;
    apply_directions(&mut report, &inputs.directions)?;
    let mut thresholds = Vec::new();
    for (t, origin) in &inputs.thresholds {
        thresholds.push(threshold::evaluate(t, &report, origin)?);
    }
    let declared = declared_thresholds(inputs, &report, &thresholds)?;
    thresholds.extend(declared);
    let mut comparisons = Vec::new();
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    let base = base.transpose()?;
    let head_index = report.index_by_name();
    let base_index = base.as_ref().map(Report::index_by_name).unwrap_or_default();
    if let Some(base) = &base {
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
        let pairs: Vec<(&Metric, Option<&Metric>)> = report
            .metrics
            .iter()
            .filter(|m| compared(report.format, m))
            .map(|m| (m, base_index.get(&m.name).map(|&b| &base.metrics[b])))
            .collect();
        added = pairs
            .iter()
            .filter(|(_, b)| b.is_none())
            .map(|(m, _)| m.name.clone())
            .collect();
        comparisons = pairs
            .par_iter()
            .filter_map(|(m, b)| Some(compare::compare_one(b.as_ref()?, m)))
            .collect();
        removed = base
            .metrics
            .iter()
            .filter(|m| compared(base.format, m) && !head_index.contains_key(&m.name))
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
    }
    let history = match &inputs.history {
        Some(h) => Some(with_history(
            h,
            &report,
            &mut comparisons,
            !inputs.baseline.is_empty(),
        )?),
        None => None,
    };
    compare::decide(&mut comparisons, &inputs.settings);
    if let Some(base) = &base {
        compare::add_intervals(
            &mut comparisons,
            |name| {
                let b = &base.metrics[*base_index.get(name)?];
                let h = &report.metrics[*head_index.get(name)?];
                Some((b.samples.as_slice(), h.samples.as_slice()))
            },
            &inputs.settings,
        );
    }
    let mut checks: Vec<Check> = thresholds
        .iter()
        .map(|e| {
            let source = if e.declared {
                ", declared in the k6 script"
            } else {
                ""
            };
            let k6 = match e.k6_disagrees() {
                Some(true) => "; k6 reported it held",
                Some(false) => "; k6 reported it crossed",
                None => "",
            };
            Check::new(
                rules::THRESHOLD,
                e.ok,
                format!(
                    "{}: {} (is {}{}{source}{k6})",
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
        let check = match c.verdict {
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
        };
        // The annotation goes on the benchmark's source when the format names it.
        let at = head_index
            .get(&c.name)
            .and_then(|&i| report.metrics[i].location.as_ref());
        checks.push(match at {
            Some(l) => check.at(&l.file, l.line.and_then(|n| u32::try_from(n).ok())),
            None => check,
        });
    }
    inputs.levels.apply(&mut checks);
    Ok(Evaluation {
        report,
        thresholds,
        comparisons,
        added,
        removed,
        has_baseline: has_baseline(&inputs.baseline, &history),
        checks,
        settings: inputs.settings,
        history,
    })
}

/// Whether there is something to compare against: a baseline, or a history with a past run.
fn has_baseline(baseline: &[PathBuf], h: &Option<HistoryView>) -> bool {
    !baseline.is_empty() || h.as_ref().is_some_and(|h| h.updated.runs.len() > 1)
}

/// Read the history; without `--baseline`, compare each benchmark with its current segment;
/// then append this run.
fn with_history(
    h: &HistoryInput,
    report: &Report,
    comparisons: &mut Vec<Comparison>,
    has_baseline: bool,
) -> Result<HistoryView, InputError> {
    let mut updated = History::read(&h.path)?;
    let settings = changepoint::Settings::default();
    let past = updated.series(&settings);
    let mut warming_up = Vec::new();
    let measured: Vec<&Metric> = report
        .metrics
        .iter()
        .filter(|m| compared(report.format, m))
        .collect();
    if !has_baseline {
        for m in &measured {
            // A benchmark whose unit changed starts a new history.
            // `past` is in name order.
            let segment = past
                .binary_search_by(|s| s.name.as_str().cmp(&m.name))
                .ok()
                .map(|i| &past[i])
                .filter(|s| s.unit == m.unit.name())
                .map(Series::segment)
                .unwrap_or_default();
            if segment.len() >= history::MIN_RUNS {
                comparisons.push(compare::compare_history(&segment, m));
            } else {
                warming_up.push((m.name.clone(), segment.len()));
            }
        }
    }
    let points = measured
        .iter()
        .map(|m| {
            (
                m.name.clone(),
                Point {
                    unit: m.unit.name().into(),
                    value: compare::centre(m),
                },
            )
        })
        .filter(|(_, p)| p.value.is_finite())
        .collect();
    let run = history::Run {
        commit: h.commit.clone(),
        run: h.run.clone(),
        time: history::now(),
        format: report.format.name().into(),
        benchmarks: points,
    };
    updated.append(run, h.keep);
    let series = updated.series(&settings);
    let steps = updated.steps(&series);
    Ok(HistoryView {
        path: h.path.clone(),
        updated,
        series,
        steps,
        warming_up,
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

/// The thresholds the k6 script declared, re-evaluated from the report's values; one the user
/// also `asked` for (the same metric, statistic, operator and limit, in whatever unit) is
/// evaluated once. One the report cannot answer is an error like any other: k6 may have judged
/// it, but the gate does not take k6's word for it.
fn declared_thresholds(
    inputs: &Inputs,
    report: &Report,
    asked: &[Evaluated],
) -> Result<Vec<Evaluated>, InputError> {
    let origin = inputs
        .reports
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("the report"));
    let same = |a: &Evaluated, b: &Evaluated| {
        let (s, t) = (&a.threshold, &b.threshold);
        // The limits are equal when each is the same multiple of its own reading of the value.
        let limit = if a.actual != 0.0 && b.actual != 0.0 {
            (s.value / a.actual - t.value / b.actual).abs() <= 1e-9 * (s.value / a.actual).abs()
        } else {
            s.value == t.value && s.unit_name == t.unit_name
        };
        s.key == t.key && s.stat == t.stat && s.op == t.op && limit
    };
    let mut out = Vec::new();
    for m in &report.metrics {
        for d in &m.declared {
            for t in threshold::parse(&format!("{}: {}", m.name, d.expression), &origin)? {
                let mut e = threshold::evaluate(&t, report, &origin)?;
                if asked.iter().any(|a| same(a, &e)) {
                    continue;
                }
                e.declared = true;
                e.k6_ok = d.k6_ok;
                out.push(e);
            }
        }
    }
    Ok(out)
}
