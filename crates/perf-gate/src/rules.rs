//! The perf gate's rules.

use gates_core::rules::{Catalogue, Rule, RuleLevel::Deny};

/// An absolute limit (`--threshold`).
pub const THRESHOLD: &str = "perf/threshold";
/// A significant regression against the baseline larger than `--max-regression`.
pub const REGRESSION: &str = "perf/regression";

/// Every rule: the docs (`docs/rules/perf.md`), `--allow/--warn/--deny` and the uniqueness
/// test read it.
pub const CATALOGUE: Catalogue = Catalogue {
    gate: "perf",
    rules: &[
        Rule {
            id: THRESHOLD,
            level: Deny,
            doc: "A statistic of a metric or benchmark meets its limit, k6-style (`p(95) < 500ms`), recomputed from the report (never from the tool's own pass/fail).",
            example: "--threshold 'http_req_duration{status:200}: p(95) < 500ms, avg < 200ms'",
        },
        Rule {
            id: REGRESSION,
            level: Deny,
            doc: "No benchmark is significantly worse than the `--baseline` (Holm-corrected p below `--alpha`) by more than `--max-regression`; a comparison too small to ever reach significance is inconclusive.",
            example: "--baseline base.json --max-regression 10 --alpha 0.05",
        },
    ],
};

#[cfg(test)]
mod tests {
    #[test]
    fn rule_ids_are_unique_prefixed_and_documented() {
        assert_eq!(super::CATALOGUE.check(), Vec::<String>::new());
    }
}
