//! SARIF 2.1.0 from any tool. Level: `result.level`, else the rule's
//! `defaultConfiguration.level`, else `warning`; the rule's numeric `security-severity` wins and
//! is banded as GitHub bands it. `kind` other than `fail` is not a finding; `suppressions` with
//! status absent or `accepted` suppress; several runs per file.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::{secret_rule, Ctx};
use crate::model::{Finding, Kind, Report, Severity};

#[derive(Deserialize)]
struct Log {
    #[serde(default)]
    runs: Vec<Run>,
    version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    #[serde(default)]
    results: Vec<SarifResult>,
    #[serde(default)]
    original_uri_base_ids: HashMap<String, ArtifactLocation>,
}

#[derive(Deserialize)]
struct Tool {
    driver: Component,
    #[serde(default)]
    extensions: Vec<Component>,
}

#[derive(Deserialize)]
struct Component {
    name: String,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: Option<String>,
    name: Option<String>,
    short_description: Option<Message>,
    default_configuration: Option<Config>,
    properties: Option<HashMap<String, Value>>,
}

#[derive(Deserialize)]
struct Config {
    level: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: Option<String>,
    rule_index: Option<usize>,
    rule: Option<RuleRef>,
    level: Option<String>,
    kind: Option<String>,
    message: Option<Message>,
    #[serde(default)]
    locations: Vec<Location>,
    #[serde(default)]
    suppressions: Vec<Suppression>,
    baseline_state: Option<String>,
    #[serde(default)]
    partial_fingerprints: HashMap<String, String>,
}

#[derive(Deserialize)]
struct RuleRef {
    id: Option<String>,
    index: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: Option<PhysicalLocation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Option<ArtifactLocation>,
    region: Option<Region>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: Option<String>,
    uri_base_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: Option<u32>,
    end_line: Option<u32>,
    snippet: Option<Message>,
}

#[derive(Deserialize)]
struct Suppression {
    kind: Option<String>,
    status: Option<String>,
    justification: Option<String>,
}

fn level_severity(level: &str) -> Option<Severity> {
    match level {
        "error" => Some(Severity::High),
        "warning" => Some(Severity::Medium),
        "note" => Some(Severity::Low),
        "none" => Some(Severity::Info),
        _ => None,
    }
}

pub fn parse(bytes: &[u8], ctx: &Ctx<'_>) -> Result<Report, String> {
    let log: Log = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "invalid SARIF at line {} column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    if log.version.as_deref().is_some_and(|v| v != "2.1.0") {
        return Err(format!(
            "SARIF version {:?} is not 2.1.0",
            log.version.unwrap_or_default()
        ));
    }
    let mut report = Report::default();
    for run in log.runs {
        let tool = run.tool.driver.name.to_lowercase();
        report.tools.push(tool.clone());
        let rules: Vec<&Rule> = run
            .tool
            .driver
            .rules
            .iter()
            .chain(run.tool.extensions.iter().flat_map(|e| e.rules.iter()))
            .collect();
        let by_id: HashMap<&str, &Rule> = rules
            .iter()
            .filter_map(|r| Some((r.id.as_deref()?, *r)))
            .collect();
        for r in &run.results {
            // pass, notApplicable, informational, review, open: not a failure.
            if r.kind.as_deref().is_some_and(|k| k != "fail") {
                continue;
            }
            let index = r.rule_index.or(r.rule.as_ref().and_then(|x| x.index));
            let rule_id = r
                .rule_id
                .clone()
                .or_else(|| r.rule.as_ref().and_then(|x| x.id.clone()))
                .or_else(|| index.and_then(|i| rules.get(i)).and_then(|x| x.id.clone()))
                .unwrap_or_else(|| "(no rule)".into());
            let rule = index
                .and_then(|i| rules.get(i).copied())
                .or_else(|| by_id.get(rule_id.as_str()).copied());
            let score = rule
                .and_then(|x| x.properties.as_ref())
                .and_then(|p| p.get("security-severity"))
                .and_then(|v| {
                    v.as_str()
                        .and_then(|s| s.trim().parse::<f64>().ok())
                        .or_else(|| v.as_f64())
                });
            let level = r.level.clone().or_else(|| {
                rule.and_then(|x| x.default_configuration.as_ref())
                    .and_then(|c| c.level.clone())
            });
            let (severity, source) = match (score.and_then(Severity::from_cvss), &level) {
                (Some(s), _) => (
                    s,
                    format!("security-severity {}", score.unwrap_or_default()),
                ),
                (None, Some(l)) => (
                    level_severity(l).unwrap_or(Severity::Medium),
                    format!("SARIF level {l}"),
                ),
                (None, None) => (Severity::Medium, "SARIF default level warning".to_string()),
            };
            let is_secret = secret_rule(&rule_id)
                || rule
                    .and_then(|x| x.properties.as_ref())
                    .and_then(|p| p.get("tags"))
                    .is_some_and(|t| t.to_string().to_lowercase().contains("secret"));
            let mut f = Finding::code(&tool, &rule_id, severity, source);
            f.title = rule
                .and_then(|x| {
                    x.short_description
                        .as_ref()
                        .and_then(|m| m.text.clone())
                        .or_else(|| x.name.clone())
                })
                .unwrap_or_else(|| rule_id.clone());
            f.message = r
                .message
                .as_ref()
                .and_then(|m| m.text.clone())
                .unwrap_or_default();
            if let Some(pl) = r
                .locations
                .first()
                .and_then(|l| l.physical_location.as_ref())
            {
                if let Some(a) = &pl.artifact_location {
                    let base = a
                        .uri_base_id
                        .as_ref()
                        .and_then(|b| run.original_uri_base_ids.get(b))
                        .and_then(|b| b.uri.clone());
                    f.path = a.uri.as_deref().map(|u| {
                        ctx.repo_path(&match &base {
                            Some(b) if !u.contains("://") => {
                                format!("{}/{}", b.trim_end_matches('/'), u)
                            }
                            _ => u.to_string(),
                        })
                    });
                }
                if let Some(reg) = &pl.region {
                    f.start_line = reg.start_line;
                    f.end_line = reg.end_line.or(reg.start_line);
                    if !is_secret {
                        f.snippet = reg.snippet.as_ref().and_then(|s| s.text.clone());
                    }
                }
            }
            if is_secret {
                f.kind = Kind::Secret;
                // The snippet of a secret rule is the secret: never kept; its hash identifies it.
                let snippet = r
                    .locations
                    .first()
                    .and_then(|l| l.physical_location.as_ref())
                    .and_then(|p| p.region.as_ref())
                    .and_then(|r| r.snippet.as_ref())
                    .and_then(|s| s.text.as_deref())
                    .unwrap_or("");
                f.secret_hash = Some(super::hash(&format!(
                    "{rule_id}\0{}\0{snippet}",
                    f.path.as_deref().unwrap_or("")
                )));
                f.message = f.title.clone();
            }
            // Without a snippet, the producer's own line hash stands in for the flagged text.
            if f.snippet.is_none() && !is_secret {
                f.snippet = r
                    .partial_fingerprints
                    .get("primaryLocationLineHash")
                    .cloned();
            }
            if r.baseline_state.as_deref() == Some("absent") {
                continue;
            }
            if let Some(s) = r
                .suppressions
                .iter()
                .find(|s| matches!(s.status.as_deref(), None | Some("accepted")))
            {
                f.suppressed = Some(format!(
                    "SARIF suppression ({}){}",
                    s.kind.as_deref().unwrap_or("external"),
                    s.justification
                        .as_deref()
                        .map(|j| format!(": {j}"))
                        .unwrap_or_default()
                ));
            }
            report.findings.push(f);
        }
    }
    Ok(report)
}
