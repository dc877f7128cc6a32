//! The security gate's rules: the limits, and the three kinds of finding. A finding's gate rule
//! is its kind's ([`for_kind`]); the scanner's own rule id (Bandit `B602`, Checkov `CKV_K8S_8`)
//! is beside it, typed (`tool_rule` in the result file, the SARIF result's `ruleId` in the
//! scanner's own run).

use gates_core::rules::{
    Catalogue, Rule,
    RuleLevel::{Deny, Warn},
};

use crate::model::Kind;

/// Most findings per severity.
pub const MAX: &str = "security/max";
/// Most new findings per severity, against the baseline.
pub const MAX_NEW: &str = "security/max-new";
/// A flagged piece of code or configuration (SAST, IaC): a finding, not a limit.
pub const CODE: &str = "security/code";
/// A dependency with a known advisory: a finding, not a limit.
pub const DEPENDENCY: &str = "security/vulnerable-dependency";
/// A leaked secret: a finding, not a limit.
pub const SECRET: &str = "security/leaked-secret";

/// The gate rule of a finding of this kind.
pub fn for_kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Code => CODE,
        Kind::Dependency => DEPENDENCY,
        Kind::Secret => SECRET,
    }
}

/// Every rule: the docs (`docs/rules/security.md`), `--allow/--warn/--deny` and the uniqueness
/// test read it.
pub const CATALOGUE: Catalogue = Catalogue {
    gate: "security",
    rules: &[
        Rule {
            id: MAX,
            level: Deny,
            doc: "At most the given number of active (not suppressed) findings per severity, counted once across scanners.",
            example: "--max critical=0,high=0,medium=5",
        },
        Rule {
            id: MAX_NEW,
            level: Deny,
            doc: "At most the given number of findings per severity that the `--baseline` does not have (moved code is not new).",
            example: "--baseline base.sarif --max-new high=0",
        },
        Rule {
            id: CODE,
            level: Warn,
            doc: "A finding, not a limit: code or configuration a scanner flagged (Bandit, Semgrep, Checkov, Trivy's misconfigurations), annotated at its severity's level and counted by `security/max`; the scanner's rule id is its `tool_rule`.",
            example: "bandit -f json -o bandit.json -r src",
        },
        Rule {
            id: DEPENDENCY,
            level: Warn,
            doc: "A finding, not a limit: a dependency with a known advisory (Trivy, Grype, OSV-Scanner, pip-audit, npm audit, cargo-audit, Safety), counted once across scanners by `security/max`; the advisory id is its `tool_rule`.",
            example: "osv-scanner --format json -r . > osv.json",
        },
        Rule {
            id: SECRET,
            level: Warn,
            doc: "A finding, not a limit: a secret in the code (Gitleaks, TruffleHog), counted by `security/max`; its value is never shown, only where it is.",
            example: "gitleaks detect --report-format sarif --report-path gitleaks.sarif",
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
