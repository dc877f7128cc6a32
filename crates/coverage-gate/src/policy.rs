//! The rules: each one checks one number and explains itself in one line.

pub use gates_core::Check;
use globset::{Glob, GlobMatcher};

use crate::config::{AnnotationLevel, CoverageConfig};
use crate::model::Counter;

/// Rule ids, stable: users filter on them and the result file carries them.
pub mod rules {
    /// Overall line coverage minimum.
    pub const MIN_LINES: &str = "coverage/min-lines";
    /// Overall branch coverage minimum.
    pub const MIN_BRANCHES: &str = "coverage/min-branches";
    /// Overall function coverage minimum.
    pub const MIN_FUNCTIONS: &str = "coverage/min-functions";
    /// Patch coverage minimum.
    pub const MIN_PATCH: &str = "coverage/min-patch";
    /// Per-path minimum.
    pub const PATH_MIN: &str = "coverage/path-min";
    /// Drop against the baseline.
    pub const MAX_DROP: &str = "coverage/max-drop";
    /// More uncovered lines than the baseline.
    pub const UNCOVERED_INCREASE: &str = "coverage/uncovered-increase";
    /// An uncovered changed line range (a finding, not a rule that fails).
    pub const UNCOVERED_PATCH: &str = "coverage/uncovered-patch";
    use gates_core::rules::{Catalogue, Rule, RuleLevel::Deny, RuleLevel::Warn};

    /// Every rule with what it checks: the docs (`docs/rules/coverage.md`), `--allow/--warn/
    /// --deny` and the uniqueness test read it.
    pub const CATALOGUE: Catalogue = Catalogue {
        gate: "coverage",
        rules: &[
            Rule { id: MIN_LINES, level: Deny, doc: "Line coverage over all files is at least `min-lines` percent.", example: "--min-lines 80" },
            Rule { id: MIN_BRANCHES, level: Deny, doc: "Branch coverage (taken outcomes of all branch outcomes) is at least `min-branches` percent; inconclusive when the reports measure no branches.", example: "--min-branches 70" },
            Rule { id: MIN_FUNCTIONS, level: Deny, doc: "Function coverage is at least `min-functions` percent.", example: "--min-functions 90" },
            Rule { id: MIN_PATCH, level: Deny, doc: "Coverage of the coverable lines the change added or modified is at least `min-patch` percent; passes when no coverable line changed, inconclusive when the report cannot see the changed files.", example: "--min-patch 90" },
            Rule { id: PATH_MIN, level: Deny, doc: "The files matching a `paths` glob together reach that rule's `min-lines` / `min-branches`.", example: "paths: [{path: \"src/core/**\", min-lines: 90}]" },
            Rule { id: MAX_DROP, level: Deny, doc: "Line coverage dropped at most `max-drop` percentage points against the `--baseline` result file.", example: "--baseline base.json --max-drop 0.5" },
            Rule { id: UNCOVERED_INCREASE, level: Deny, doc: "With `uncovered-must-not-increase`, there are no more uncovered lines than in the baseline (deleting covered code cannot fail it).", example: "--baseline base.json --uncovered-must-not-increase" },
            Rule { id: UNCOVERED_PATCH, level: Warn, doc: "A finding, not a limit: a range of changed lines no test ran, annotated at the `annotations` level.", example: "--annotations warning" },
        ],
    };
}

/// Thresholds after flags and config are combined.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Overall line minimum.
    pub min_lines: Option<f64>,
    /// Overall branch minimum.
    pub min_branches: Option<f64>,
    /// Overall function minimum.
    pub min_functions: Option<f64>,
    /// Patch minimum.
    pub min_patch: Option<f64>,
    /// Maximum drop in points vs baseline.
    pub max_drop: Option<f64>,
    /// Uncovered lines may not grow vs baseline.
    pub uncovered_must_not_increase: bool,
    /// Per-path rules, first match wins.
    pub paths: Vec<(GlobMatcher, crate::config::PathRule)>,
    /// Exclusion globs: each as written, and as a directory (`toolz/sandbox` excludes what is
    /// below it, as users expect).
    pub exclude: Vec<(String, GlobMatcher, GlobMatcher)>,
    /// Never fail.
    pub informational: bool,
    /// Annotation level of uncovered changed lines.
    pub annotations: AnnotationLevel,
    /// The `annotations` setting as given (flag over config): besides the uncovered lines'
    /// level, it caps every annotation ([`gates_core::annotations::Setting`]).
    pub annotations_setting: Option<gates_core::annotations::Setting>,
    /// Rule levels (`--allow/--warn/--deny`, `levels:`).
    pub levels: gates_core::rules::Levels,
}

impl Policy {
    /// Build from a validated config.
    pub fn from_config(cfg: &CoverageConfig) -> Self {
        let glob = |g: &str| {
            Glob::new(g)
                .expect("validated when the config was loaded")
                .compile_matcher()
        };
        Policy {
            min_lines: cfg.min_lines,
            min_branches: cfg.min_branches,
            min_functions: cfg.min_functions,
            min_patch: cfg.min_patch,
            max_drop: cfg.max_drop,
            uncovered_must_not_increase: cfg.uncovered_must_not_increase,
            // The config's `levels` need the flags too: set by the command line.
            levels: Default::default(),
            paths: cfg
                .paths
                .iter()
                .map(|r| (glob(&r.path), r.clone()))
                .collect(),
            exclude: cfg
                .exclude
                .iter()
                .map(|g| {
                    let dir = format!("{}/**", g.trim_end_matches('/'));
                    (g.clone(), glob(g), glob(&dir))
                })
                .collect(),
            informational: cfg.informational,
            annotations: cfg.annotations.unwrap_or(AnnotationLevel::Warning),
            annotations_setting: cfg.annotations.map(Into::into),
        }
    }

    /// True when `path` is excluded from every number.
    pub fn excluded(&self, path: &str) -> bool {
        self.exclude
            .iter()
            .any(|(_, f, d)| f.is_match(path) || d.is_match(path))
    }

    /// The exclude globs that match none of `paths`: a typo excludes nothing, silently.
    pub fn unused_excludes<'a>(&'a self, paths: &[&str]) -> Vec<&'a str> {
        self.exclude
            .iter()
            .filter(|(_, f, d)| !paths.iter().any(|p| f.is_match(p) || d.is_match(p)))
            .map(|(g, _, _)| g.as_str())
            .collect()
    }
}

/// Format a percentage as users read it: two decimals, truncated, so 79.999 never shows as 80.
pub fn pct(p: f64) -> String {
    let s = format!("{:.2}", truncate2(p));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// Truncate to two decimals; the epsilon absorbs binary noise (79.99 is 79.98999… as f64).
pub fn truncate2(p: f64) -> f64 {
    (p * 100.0 + 1e-7).floor() / 100.0
}

/// A minimum on a whole-report metric: when the reports measure none of it (branches of a run
/// without branch data, lines of a report whose line elements carry no counts), the limit
/// cannot be answered and the check is unanswered, never passed.
pub fn measured_minimum(rule: &'static str, what: &str, c: Counter, min: f64) -> Check {
    match c.percent() {
        None => Check::unanswered(
            rule,
            format!(
                "{what}: the reports measure no {what}, so the minimum of {min}% cannot be checked"
            ),
        ),
        Some(_) => minimum(rule, what, c, min),
    }
}

/// Check a counter against a minimum. A counter with nothing to cover passes.
pub fn minimum(rule: &'static str, what: &str, c: Counter, min: f64) -> Check {
    match c.percent() {
        None => Check::new(
            rule,
            true,
            format!("{what}: nothing to cover (minimum {min}%)"),
        ),
        Some(p) => {
            let passed = p >= min;
            let cmp = if passed { ">=" } else { "<" };
            Check::new(
                rule,
                passed,
                format!(
                    "{what} {} {cmp} {min}% ({} of {} covered)",
                    pct(p),
                    c.covered,
                    c.total
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_truncate_rather_than_round_up_to_the_limit() {
        assert_eq!(pct(79.999), "79.99%");
        assert_eq!(pct(100.0), "100%");
        assert_eq!(pct(64.2857), "64.28%");
        let c = minimum(
            rules::MIN_LINES,
            "lines",
            Counter {
                covered: 7999,
                total: 10000,
            },
            80.0,
        );
        assert!(!c.passed);
        assert_eq!(c.message, "lines 79.99% < 80% (7999 of 10000 covered)");
    }

    #[test]
    fn rule_ids_are_unique_prefixed_and_documented() {
        assert_eq!(rules::CATALOGUE.check(), Vec::<String>::new());
    }
}
