//! The security gate's rules. Each finding also carries its scanner's own rule id
//! ([`crate::model::Finding::rule`]) and is annotated as `security/<tool>`.

use gates_core::rules::{Catalogue, Rule, RuleLevel::Deny};

/// Most findings per severity.
pub const MAX: &str = "security/max";
/// Most new findings per severity, against the baseline.
pub const MAX_NEW: &str = "security/max-new";

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
    ],
};

#[cfg(test)]
mod tests {
    #[test]
    fn rule_ids_are_unique_prefixed_and_documented() {
        assert_eq!(super::CATALOGUE.check(), Vec::<String>::new());
    }
}
