//! Merged SARIF that GitHub code scanning accepts: one run per tool with its own
//! `automationDetails.id`, rules with descriptions and a numeric `security-severity`,
//! repository-relative URIs, `partialFingerprints`, and GitHub's limits enforced.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::model::{Finding, Severity};

/// GitHub: results per run.
pub const MAX_RESULTS_PER_RUN: usize = 25_000;
/// GitHub: runs per file.
pub const MAX_RUNS: usize = 20;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        _ => "note",
    }
}

fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Build the log; the second value lists what was left out to respect GitHub's limits.
pub fn build(findings: &[Finding]) -> (Value, Vec<String>) {
    let mut warnings = Vec::new();
    let mut by_tool: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_tool.entry(f.tool.as_str()).or_default().push(f);
    }
    let mut runs = Vec::new();
    for (tool, list) in by_tool {
        if runs.len() == MAX_RUNS {
            warnings.push(format!(
                "{tool}: GitHub accepts {MAX_RUNS} runs per file; left out"
            ));
            continue;
        }
        let mut rules: Vec<Value> = Vec::new();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        let mut results = Vec::new();
        let located: Vec<&&Finding> = list.iter().filter(|f| f.path.is_some()).collect();
        if located.len() < list.len() {
            warnings.push(format!("{tool}: {} findings without a file location are not in the SARIF (code scanning needs one)", list.len() - located.len()));
        }
        if located.len() > MAX_RESULTS_PER_RUN {
            warnings.push(format!(
                "{tool}: {} results, GitHub keeps {MAX_RESULTS_PER_RUN}; the most severe are kept",
                located.len()
            ));
        }
        for f in located.into_iter().take(MAX_RESULTS_PER_RUN) {
            let i = *index.entry(f.rule.as_str()).or_insert_with(|| {
                let mut props = json!({ "tags": ["security", f.severity.name()], "precision": "high" });
                if let Some(score) = f.severity.sarif_score() {
                    props["security-severity"] = json!(score);
                }
                let title = if f.title.is_empty() { f.rule.clone() } else { f.title.clone() };
                rules.push(json!({
                    "id": f.rule,
                    "shortDescription": { "text": cut(&title, 1024) },
                    "fullDescription": { "text": cut(&format!("{title} (reported by {})", f.reported_by.join(", ")), 1024) },
                    "help": { "text": cut(&format!("{}\nSeverity {}: {}.", title, f.severity.name(), f.severity_source), 1024) },
                    "defaultConfiguration": { "level": level(f.severity) },
                    "properties": props
                }));
                rules.len() - 1
            });
            // A manifest-level finding (a dependency) points at line 1, as Trivy's SARIF does.
            let l = f.start_line.unwrap_or(1);
            let uri = f
                .path
                .as_deref()
                .unwrap_or_default()
                .trim_start_matches('/');
            let physical = json!({
                "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" },
                "region": { "startLine": l, "endLine": f.end_line.unwrap_or(l).max(l) }
            });
            let mut r = json!({
                "ruleId": f.rule,
                "ruleIndex": i,
                "level": level(f.severity),
                "message": { "text": if f.message.is_empty() { f.title.clone() } else { f.message.clone() } },
                "locations": [{ "physicalLocation": physical }],
                "partialFingerprints": { "gatesFindingHash/v1": f.fingerprint }
            });
            if let Some(why) = &f.suppressed {
                r["suppressions"] =
                    json!([{ "kind": "external", "status": "accepted", "justification": why }]);
            }
            results.push(r);
        }
        runs.push(json!({
            "tool": { "driver": { "name": tool, "informationUri": "https://github.com/org/gates", "rules": rules } },
            "automationDetails": { "id": format!("gates/security/{tool}/") },
            "columnKind": "utf16CodeUnits",
            "results": results
        }));
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs
    });
    (log, warnings)
}

/// Write the merged SARIF (atomically).
pub fn write(path: &Path, findings: &[Finding]) -> std::io::Result<Vec<String>> {
    let (log, warnings) = build(findings);
    let text = serde_json::to_vec_pretty(&log).map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("sarif.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(warnings)
}
