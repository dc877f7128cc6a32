//! Merged SARIF of every scanner's findings, through the suite's SARIF emitter
//! ([`gates_core::sarif`]): this file says how a security finding reads as SARIF.

use std::path::Path;

use gates_core::sarif::{self, RuleInfo, SarifFinding, SarifLevel};

use crate::model::{Finding, Severity};

fn level(s: Severity) -> SarifLevel {
    match s {
        Severity::Critical | Severity::High => SarifLevel::Error,
        Severity::Medium => SarifLevel::Warning,
        _ => SarifLevel::Note,
    }
}

impl SarifFinding for Finding {
    fn tool(&self) -> &str {
        &self.tool
    }
    fn rule_id(&self) -> &str {
        &self.rule
    }
    fn level(&self) -> SarifLevel {
        level(self.severity)
    }
    fn message(&self) -> &str {
        if self.message.is_empty() {
            &self.title
        } else {
            &self.message
        }
    }
    fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }
    fn lines(&self) -> (Option<u32>, Option<u32>) {
        (self.start_line, self.end_line)
    }
    fn fingerprint(&self) -> String {
        self.fingerprint.to_string()
    }
    fn suppression(&self) -> Option<&str> {
        self.suppressed.as_deref()
    }
    /// The scanner's rule is the SARIF `ruleId` (code scanning groups alerts by it); the gate's
    /// rule stands beside it.
    fn properties(&self) -> Vec<(&'static str, &str)> {
        vec![("gates/rule", crate::rules::for_kind(self.kind))]
    }
    fn rule(&self) -> RuleInfo {
        let title = if self.title.is_empty() {
            &self.rule
        } else {
            &self.title
        };
        RuleInfo {
            short: title.to_string(),
            full: format!(
                "{title} (reported by {})",
                self.reported_by().collect::<Vec<_>>().join(", ")
            ),
            help: format!(
                "{title}\nSeverity {}: {}.",
                self.severity.name(),
                self.severity_source
            ),
            tags: vec!["security", self.severity.name()],
            security_severity: self.severity.sarif_score(),
        }
    }
}

/// Write the merged SARIF within GitHub's limits; the warnings say what was left out.
pub fn write(path: &Path, findings: &[Finding]) -> std::io::Result<Vec<String>> {
    sarif::write(path, "security", findings)
}
