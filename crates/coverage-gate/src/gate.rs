//! The whole run: parse, merge, measure the patch, apply the policy, build the outcome.

use std::path::{Path, PathBuf};

use gates_core::result_file::ResultFile;
use gates_core::{ActionsEnv, InputError, Outcome};

use crate::formats::{self, Format};
use crate::merge::{self, Merged};
use crate::model::{Counter, Totals};
use crate::patch::{self, Patch};
use crate::paths::{PathMap, RepoIndex, Resolver};
use crate::policy::{self, rules, Check, Policy};
use crate::render;
use gates_core::git;

/// Everything a run needs, parsed and validated.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Report files (globs already expanded).
    pub reports: Vec<PathBuf>,
    /// Forced format.
    pub format: Option<Format>,
    /// Base revision for patch coverage.
    pub base: Option<String>,
    /// The base branch's result file.
    pub baseline: Option<PathBuf>,
    /// Thresholds.
    pub policy: Policy,
    /// Path rewrites.
    pub path_maps: Vec<PathMap>,
    /// Working directory (the checkout or a folder in it).
    pub cwd: PathBuf,
}

/// Numbers of the base branch, from its result file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    /// Its line counter.
    pub lines: Counter,
}

/// Everything measured, before rendering.
#[derive(Debug)]
pub struct Evaluation {
    /// Merged coverage.
    pub merged: Merged,
    /// Totals over the merged files.
    pub totals: Totals,
    /// Patch coverage, when there was a base.
    pub patch: Option<Patch>,
    /// Why there is no patch coverage.
    pub patch_skipped: Option<String>,
    /// The baseline, when given.
    pub baseline: Option<Baseline>,
    /// Per-path rule results: glob, counter, check.
    pub path_results: Vec<(String, Totals)>,
    /// Every rule that ran.
    pub checks: Vec<Check>,
}

/// Run the gate.
pub fn run(inputs: &Inputs, env: &ActionsEnv) -> Result<Outcome, InputError> {
    let eval = evaluate(inputs, env)?;
    let event = env.event()?;
    let context = env.context(event.as_ref());
    let outcome = render::outcome(&eval, &inputs.policy, context);
    // A big report's model takes a tenth of the run to free; nobody waits for that.
    gates_core::drop_in_background(eval);
    Ok(outcome)
}

/// Parse every report and prepare it for the merge (its paths resolved, its files sorted);
/// with several, on up to as many threads as there are cores. Each thread takes the next
/// unparsed report (shards differ in size), and the reports are returned in input order, so
/// the merge, and any error, are those of parsing them one after another.
fn parse_all(inputs: &Inputs, resolver: &Resolver) -> Result<Vec<merge::Prepared>, InputError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let n = inputs.reports.len();
    let cores = formats::cores();
    let threads = cores.min(n);
    if threads <= 1 {
        return inputs
            .reports
            .iter()
            .map(|p| {
                let report = formats::parse_file_on(p, inputs.format, cores)?;
                Ok(merge::prepare(report, resolver))
            })
            .collect();
    }
    // The cores are shared out over the reports: one report of several is not split again.
    let per_report = (cores / n).max(1);
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<merge::Prepared, InputError>>>> =
        (0..n).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = inputs.reports.get(i) else {
                    break;
                };
                let parsed = formats::parse_file_on(path, inputs.format, per_report)
                    .map(|report| merge::prepare(report, resolver));
                *slots[i].lock().expect("a parser thread panicked") = Some(parsed);
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .expect("a parser thread panicked")
                .expect("every report was parsed")
        })
        .collect()
}

/// Measure everything and apply the policy.
pub fn evaluate(inputs: &Inputs, env: &ActionsEnv) -> Result<Evaluation, InputError> {
    let git_root = git::git_root(&inputs.cwd);
    let root = git_root.clone().unwrap_or_else(|| inputs.cwd.clone());
    let index = git_root.as_deref().and_then(RepoIndex::from_git);
    let resolver = Resolver::new(&root, index, inputs.path_maps.clone());
    let prepared = parse_all(inputs, &resolver)?;
    let mut merged = merge::combine(prepared);
    // Without excludes, nothing below would change: skip the passes over every path (each
    // one a cache miss per file of a big report).
    if !inputs.policy.exclude.is_empty() {
        apply_excludes(&inputs.policy, &mut merged);
    }
    let totals = Totals::of(merged.files.values());

    let event = env.event()?;
    let (patch, patch_skipped) = match git::change(
        git_root.as_deref(),
        &inputs.cwd,
        inputs.base.as_deref(),
        event.as_ref(),
        env.get("GITHUB_REF"),
    )? {
        Ok((base, mut changed)) => {
            changed.retain(|p, _| !inputs.policy.excluded(p));
            (Some(patch::measure(base, &changed, &merged.files)), None)
        }
        Err(none) => (None, Some(none.reason().to_string())),
    };

    let baseline = match &inputs.baseline {
        Some(p) => Some(read_baseline(p)?),
        None => None,
    };

    let mut checks = Vec::new();
    let pol = &inputs.policy;
    if let Some(min) = pol.min_lines {
        checks.push(policy::measured_minimum(
            rules::MIN_LINES,
            "lines",
            totals.lines,
            min,
        ));
    }
    if let Some(min) = pol.min_branches {
        checks.push(policy::measured_minimum(
            rules::MIN_BRANCHES,
            "branches",
            totals.branches,
            min,
        ));
    }
    if let Some(min) = pol.min_functions {
        checks.push(policy::measured_minimum(
            rules::MIN_FUNCTIONS,
            "functions",
            totals.functions,
            min,
        ));
    }
    if let (Some(min), Some(p)) = (pol.min_patch, &patch) {
        checks.push(patch_check(p, &merged, min));
    }
    let mut path_results = Vec::new();
    for (matcher, rule) in &pol.paths {
        let t = Totals::of(
            merged
                .files
                .iter()
                .filter(|(p, _)| matcher.is_match(p.as_str()))
                .map(|(_, f)| f),
        );
        if let Some(min) = rule.min_lines {
            checks.push(policy::minimum(
                rules::PATH_MIN,
                &format!("lines of {}", rule.path),
                t.lines,
                min,
            ));
        }
        if let Some(min) = rule.min_branches {
            checks.push(policy::minimum(
                rules::PATH_MIN,
                &format!("branches of {}", rule.path),
                t.branches,
                min,
            ));
        }
        path_results.push((rule.path.clone(), t));
    }
    if let Some(b) = baseline {
        if let (Some(max), Some(now), Some(then)) =
            (pol.max_drop, totals.lines.percent(), b.lines.percent())
        {
            let drop = then - now;
            let passed = drop <= max + 1e-9;
            checks.push(Check::new(
                rules::MAX_DROP,
                passed,
                format!(
                    "lines {} vs baseline {}: {} points {} (at most {max} allowed)",
                    policy::pct(now),
                    policy::pct(then),
                    format_delta(-drop),
                    if drop > 0.0 { "drop" } else { "change" }
                ),
            ));
        }
        if pol.uncovered_must_not_increase {
            let now = totals.lines.total - totals.lines.covered;
            let then = b.lines.total - b.lines.covered;
            checks.push(Check::new(
                rules::UNCOVERED_INCREASE,
                now <= then,
                format!("uncovered lines {now} vs baseline {then}"),
            ));
        }
    }
    inputs.policy.levels.apply(&mut checks);
    Ok(Evaluation {
        merged,
        totals,
        patch,
        patch_skipped,
        baseline,
        path_results,
        checks,
    })
}

/// Drop the excluded files, and warn about excludes that match none.
fn apply_excludes(policy: &Policy, merged: &mut Merged) {
    let unresolved: Vec<String> = merged
        .unresolved
        .iter()
        .map(|(p, _)| crate::paths::normalize(p))
        .collect();
    let paths: Vec<&str> = merged
        .files
        .keys()
        .map(String::as_str)
        .chain(unresolved.iter().map(String::as_str))
        .collect();
    for g in policy.unused_excludes(&paths) {
        merged.warnings.push(format!(
            "exclude {g} matches no file of the reports; check the pattern (a directory name or dir/** excludes a directory)"
        ));
    }
    merged.files.retain(|p, _| !policy.excluded(p));
    merged
        .unresolved
        .retain(|(p, _)| !policy.excluded(&crate::paths::normalize(p)));
}

/// `min-patch`: when files changed but none of the report's paths is in the checkout, the
/// patch cannot be measured, and saying "no coverable changed lines" would pass a blind gate.
fn patch_check(p: &Patch, merged: &merge::Merged, min: f64) -> Check {
    if let Some(f) = p.no_line_detail.first() {
        return Check::unanswered(
            rules::MIN_PATCH,
            format!(
                "patch: the report counts {f} (and {} other changed files) only in total, without per-line hits, so patch coverage cannot be measured from it; have the tool write Cobertura or LCOV (gcovr --xml or --lcov)",
                p.no_line_detail.len() - 1
            ),
        );
    }
    let blind = p.total.total == 0 && !p.unmeasured.is_empty() && !merged.unresolved.is_empty();
    if !blind {
        return policy::minimum(rules::MIN_PATCH, "patch", p.total, min);
    }
    let names: Vec<&str> = merged
        .unresolved
        .iter()
        .take(3)
        .map(|(p, _)| p.as_str())
        .collect();
    Check::unanswered(
        rules::MIN_PATCH,
        format!(
            "patch: {} changed files, but none of the report's {} paths is in the checkout (e.g. {}); map them with --path-map FROM=TO",
            p.unmeasured.len(),
            merged.unresolved.len(),
            names.join(", ")
        ),
    )
}

/// `+1.25` / `-0.5` percentage points, truncated toward zero like every shown percentage.
pub fn format_delta(d: f64) -> String {
    let t = (d * 100.0 + 1e-7 * d.signum()).trunc() / 100.0;
    let s = format!("{t:+.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn read_baseline(path: &Path) -> Result<Baseline, InputError> {
    let m: crate::metrics::CoverageMetrics =
        ResultFile::baseline(path, gates_core::cli::COVERAGE.name)?;
    let lines = m.lines.counter().ok_or_else(|| {
        InputError::new(
            path,
            "the baseline's metrics.lines.covered exceeds total",
            "regenerate the baseline",
        )
    })?;
    Ok(Baseline { lines })
}
