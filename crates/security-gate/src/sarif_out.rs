//! Merged SARIF that GitHub code scanning accepts: one run per tool with its own
//! `automationDetails.id`, rules with descriptions and a numeric `security-severity`,
//! repository-relative URIs, `partialFingerprints`, and GitHub's limits enforced. Written
//! straight from the findings by serde, compact: logs run to hundreds of megabytes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

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

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    automation_details: Id,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Id {
    id: String,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: String,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Level,
    properties: RuleProps,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProps {
    tags: [&'static str; 2],
    precision: &'static str,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: TextRef<'a>,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression<'a>; 1]>,
}

#[derive(Serialize)]
struct TextRef<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: Physical<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical<'a> {
    artifact_location: Artifact<'a>,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact<'a> {
    uri: &'a str,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    end_line: u32,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "gatesFindingHash/v1")]
    hash: String,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    status: &'static str,
    justification: &'a str,
}

fn rule(f: &Finding) -> Rule {
    let title = if f.title.is_empty() {
        f.rule.clone()
    } else {
        f.title.clone()
    };
    Rule {
        id: f.rule.to_string(),
        short_description: Text {
            text: cut(&title, 1024),
        },
        full_description: Text {
            text: cut(
                &format!(
                    "{title} (reported by {})",
                    f.reported_by().collect::<Vec<_>>().join(", ")
                ),
                1024,
            ),
        },
        help: Text {
            text: cut(
                &format!(
                    "{}\nSeverity {}: {}.",
                    title,
                    f.severity.name(),
                    f.severity_source
                ),
                1024,
            ),
        },
        default_configuration: Level {
            level: level(f.severity),
        },
        properties: RuleProps {
            tags: ["security", f.severity.name()],
            precision: "high",
            security_severity: f.severity.sarif_score(),
        },
    }
}

/// Build the log; the second value lists what was left out to respect GitHub's limits.
fn build(findings: &[Finding]) -> (Log<'_>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut by_tool: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_tool.entry(&*f.tool).or_default().push(f);
    }
    let mut runs = Vec::new();
    for (tool, list) in by_tool {
        if runs.len() == MAX_RUNS {
            warnings.push(format!(
                "{tool}: GitHub accepts {MAX_RUNS} runs per file; left out"
            ));
            continue;
        }
        let located: Vec<&Finding> = list.iter().copied().filter(|f| f.path.is_some()).collect();
        if located.len() < list.len() {
            warnings.push(format!("{tool}: {} findings without a file location are not in the SARIF (code scanning needs one)", list.len() - located.len()));
        }
        if located.len() > MAX_RESULTS_PER_RUN {
            warnings.push(format!(
                "{tool}: {} results, GitHub keeps {MAX_RESULTS_PER_RUN}; the most severe are kept",
                located.len()
            ));
        }
        let mut rules: Vec<Rule> = Vec::new();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        let mut results = Vec::new();
        for f in located.into_iter().take(MAX_RESULTS_PER_RUN) {
            let i = *index.entry(&*f.rule).or_insert_with(|| {
                rules.push(rule(f));
                rules.len() - 1
            });
            // A manifest-level finding (a dependency) points at line 1, as Trivy's SARIF does.
            let l = f.start_line.unwrap_or(1);
            results.push(SarifResult {
                rule_id: &f.rule,
                rule_index: i,
                level: level(f.severity),
                message: TextRef {
                    text: if f.message.is_empty() {
                        &f.title
                    } else {
                        &f.message
                    },
                },
                locations: [Location {
                    physical_location: Physical {
                        artifact_location: Artifact {
                            uri: f
                                .path
                                .as_deref()
                                .unwrap_or_default()
                                .trim_start_matches('/'),
                            uri_base_id: "%SRCROOT%",
                        },
                        region: Region {
                            start_line: l,
                            end_line: f.end_line.unwrap_or(l).max(l),
                        },
                    },
                }],
                partial_fingerprints: Fingerprints {
                    hash: f.fingerprint.to_string(),
                },
                suppressions: f.suppressed.as_deref().map(|why| {
                    [Suppression {
                        kind: "external",
                        status: "accepted",
                        justification: why,
                    }]
                }),
            });
        }
        runs.push(Run {
            tool: Tool {
                driver: Driver {
                    name: tool.to_string(),
                    information_uri: "https://github.com/org/gates",
                    rules,
                },
            },
            automation_details: Id {
                id: format!("gates/security/{tool}/"),
            },
            column_kind: "utf16CodeUnits",
            results,
        });
    }
    (
        Log {
            schema: "https://json.schemastore.org/sarif-2.1.0.json",
            version: "2.1.0",
            runs,
        },
        warnings,
    )
}

/// Write the merged SARIF (atomically, through a temporary file).
pub fn write(path: &Path, findings: &[Finding]) -> std::io::Result<Vec<String>> {
    let (log, warnings) = build(findings);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("sarif.tmp");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    serde_json::to_writer(&mut out, &log).map_err(std::io::Error::other)?;
    out.flush()?;
    drop(out);
    std::fs::rename(&tmp, path)?;
    Ok(warnings)
}
