//! The lint's findings as SARIF, through the suite's SARIF emitter: the same manifest files and
//! lines as the annotations, the JSON pointer of the field in the result's properties, and each
//! rule's doc with the peer checks whose annotations suppress it.

use std::path::Path;

use gates_core::sarif::{self, RuleInfo, SarifFinding, SarifLevel};
use gates_core::{Finding, Level};
use sha2::{Digest, Sha256};

use crate::lint::IGNORE_ANNOTATION;
use crate::rules;

/// The SARIF run's tool name.
pub const TOOL: &str = "k8s-deploy";

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
        // Rule, file, pointer and message (which names the object and container): the same
        // issue stays the same alert when lines above it move.
        let mut h = Sha256::new();
        for part in [
            self.0.rule.as_str(),
            self.0.path.as_deref().unwrap_or(""),
            self.0.pointer.as_deref().unwrap_or(""),
            &self.0.message,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        gates_core::random::hex(&h.finalize()[..16])
    }
    fn suppression(&self) -> Option<&str> {
        // Suppressed issues are left out before the outcome is built, as in the result file.
        None
    }
    fn rule(&self) -> RuleInfo {
        let (doc, example) = rules::CATALOGUE
            .get(&self.0.rule)
            .map_or(("", ""), |r| (r.doc, r.example));
        let short = self.0.rule.trim_start_matches("k8s-deploy/");
        RuleInfo {
            short: doc.split(" (").next().unwrap_or(doc).to_string(),
            full: format!("{doc} Example: {example}"),
            help: format!(
                "{doc}\nFix it with: {example}\nOr suppress it on the object with the annotation `{IGNORE_ANNOTATION}: {short}` (or the peer tool's annotation named above), or change its level with --allow/--warn/--deny."
            ),
            tags: vec!["kubernetes", "k8s-deploy"],
            security_severity: None,
        }
    }
    fn properties(&self) -> Vec<(&'static str, &str)> {
        self.0
            .pointer
            .as_deref()
            .map(|p| vec![("pointer", p)])
            .unwrap_or_default()
    }
}

/// Write `findings` as SARIF to `path`, atomically and within GitHub's limits; the warnings say
/// what was left out.
pub fn write(path: &Path, findings: &[Finding]) -> std::io::Result<Vec<String>> {
    let items: Vec<Item<'_>> = findings.iter().map(Item).collect();
    sarif::write(path, rules::GATE, &items)
}
