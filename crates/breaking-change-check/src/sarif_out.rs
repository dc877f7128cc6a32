//! The gate's findings as SARIF, through the suite's SARIF emitter ([`gates_core::sarif`]):
//! this file says how an API change reads as SARIF. The results are the outcome's findings
//! (the ones the result file holds, after the ignore file and `--informational`), on the same
//! head file and line, with the finding's JSON pointers in the result's `properties`
//! (`pointer`, `basePointer`); each rule carries its catalogue doc line.

use std::path::Path;

use gates_core::sarif::{self, RuleInfo, SarifFinding, SarifLevel};
use gates_core::{Finding, Level};
use sha2::{Digest, Sha256};

use crate::rules;

/// The SARIF run's tool name (`automationDetails.id` `gates/breaking-change/<tool>/`).
pub const TOOL: &str = "breaking-change-check";

/// One finding of the outcome, seen by the SARIF writer (a wrapper: the trait and the finding
/// type both live in gates-core).
struct Item<'a>(&'a Finding);

impl SarifFinding for Item<'_> {
    fn tool(&self) -> &str {
        TOOL
    }
    fn rule_id(&self) -> &str {
        &self.0.rule
    }
    fn level(&self) -> SarifLevel {
        match self.0.level {
            Level::Error => SarifLevel::Error,
            Level::Warning => SarifLevel::Warning,
            Level::Notice => SarifLevel::Note,
        }
    }
    fn message(&self) -> &str {
        &self.0.message
    }
    fn path(&self) -> Option<&str> {
        self.0.path.as_deref()
    }
    fn lines(&self) -> (Option<u32>, Option<u32>) {
        (self.0.start_line, self.0.end_line)
    }
    fn fingerprint(&self) -> String {
        // Rule, file and message (which names the operation or coordinate and the spot): the
        // same change stays the same alert when lines above it move.
        let mut h = Sha256::new();
        for part in [
            self.0.rule.as_str(),
            self.0.path.as_deref().unwrap_or(""),
            &self.0.message,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        gates_core::random::hex(&h.finalize()[..16])
    }
    fn suppression(&self) -> Option<&str> {
        // Accepted changes are taken out before the outcome is built, as in the result file.
        None
    }
    fn rule(&self) -> RuleInfo {
        let r = rules::CATALOGUE.rules.iter().find(|r| r.id == self.0.rule);
        let (doc, example, default) = match r {
            Some(r) => (r.doc, r.example, rules::level_name(r.level)),
            None => ("", "", ""),
        };
        RuleInfo {
            short: doc.to_string(),
            full: format!("{doc} Default level {default}. Example: {example}"),
            help: format!(
                "{doc}\nIf the change is intended, accept it in the ignore file (rule `{}` with the operation, JSON pointer or schema coordinate and a reason), or change the rule's level with --allow/--warn/--deny.",
                self.0.rule.trim_start_matches("breaking-change/")
            ),
            tags: vec!["api", "breaking-change"],
            security_severity: None,
        }
    }
    fn properties(&self) -> Vec<(&'static str, &str)> {
        // The pointers an ignore entry can name, for copying from the log as from the result.
        [
            ("pointer", self.0.pointer.as_deref()),
            ("basePointer", self.0.base_pointer.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
    }
}

/// Write `findings` (the outcome's, most severe first) as SARIF to `path`, atomically and
/// within GitHub's limits; the warnings say what was left out.
pub fn write(path: &Path, findings: &[Finding]) -> std::io::Result<Vec<String>> {
    let items: Vec<Item<'_>> = findings.iter().map(Item).collect();
    sarif::write(path, rules::GATE, &items)
}
