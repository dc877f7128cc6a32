//! SARIF 2.1.0 that GitHub code scanning accepts, for any gate: one run per tool with its own
//! `automationDetails.id` (`gates/<gate>/<tool>/`), rules with descriptions and, for security
//! findings, a numeric `security-severity`, repository-relative URIs, `partialFingerprints`, and
//! GitHub's limits enforced. Written straight from the gate's findings by serde (through
//! [`SarifFinding`], without copying them), compact: logs run to hundreds of megabytes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde::Serialize;

/// A SARIF result level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SarifLevel {
    /// Red in code scanning.
    Error,
    /// Yellow.
    Warning,
    /// Blue.
    Note,
}

/// What a rule says about itself, asked once per rule id per tool.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleInfo {
    /// One line.
    pub short: String,
    /// A sentence or two.
    pub full: String,
    /// What to do.
    pub help: String,
    /// `tags` in the rule's properties (`security`, the severity name, ...).
    pub tags: Vec<&'static str>,
    /// GitHub's `security-severity` score as text (`"9.5"`), for security findings only.
    pub security_severity: Option<&'static str>,
}

/// A gate's finding as SARIF reads it. The gate hands them over most important first: when a
/// limit cuts results, the first ones are kept.
pub trait SarifFinding {
    /// The tool that found it: one run per tool.
    fn tool(&self) -> &str;
    /// The rule id.
    fn rule_id(&self) -> &str;
    /// Its level.
    fn level(&self) -> SarifLevel;
    /// The message.
    fn message(&self) -> &str;
    /// Repository-relative path; findings without one are left out (code scanning needs one).
    fn path(&self) -> Option<&str>;
    /// First and last line; a finding without lines points at line 1, as Trivy's SARIF does.
    fn lines(&self) -> (Option<u32>, Option<u32>);
    /// A line-independent identity (`partialFingerprints`).
    fn fingerprint(&self) -> String;
    /// The reason, when it is suppressed.
    fn suppression(&self) -> Option<&str>;
    /// The rule's description, asked for the first finding of each rule.
    fn rule(&self) -> RuleInfo;
    /// Facts for the result's property bag (`properties`), by name: a JSON pointer to the
    /// spot, say. None unless the gate has some.
    fn properties(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}

/// What GitHub code scanning accepts in one upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Runs per file.
    pub runs: usize,
    /// Results per run (GitHub keeps the rest out).
    pub results_per_run: usize,
    /// The file, gzip-compressed, in bytes.
    pub gzip_bytes: u64,
}

/// GitHub's published limits (20 runs, 25,000 results per run, 10 MB gzipped).
pub const GITHUB: Limits = Limits {
    runs: 20,
    results_per_run: 25_000,
    gzip_bytes: 10_000_000,
};

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
    level: SarifLevel,
}

#[derive(Serialize)]
struct RuleProps {
    tags: Vec<&'static str>,
    precision: &'static str,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: SarifLevel,
    message: TextRef<'a>,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression<'a>; 1]>,
    #[serde(skip_serializing_if = "Props::is_empty")]
    properties: Props<'a>,
}

/// A result's property bag, written as a JSON object.
struct Props<'a>(Vec<(&'static str, &'a str)>);

impl Props<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Props<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
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

fn rule(f: &impl SarifFinding) -> Rule {
    let info = f.rule();
    Rule {
        id: f.rule_id().to_string(),
        short_description: Text {
            text: cut(&info.short, 1024),
        },
        full_description: Text {
            text: cut(&info.full, 1024),
        },
        help: Text {
            text: cut(&info.help, 1024),
        },
        default_configuration: Level { level: f.level() },
        properties: RuleProps {
            tags: info.tags,
            precision: "high",
            security_severity: info.security_severity,
        },
    }
}

/// Build the log; the second value lists what was left out to respect the limits.
fn build<'a, F: SarifFinding>(
    gate: &str,
    findings: &'a [F],
    limits: Limits,
) -> (Log<'a>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut by_tool: BTreeMap<&str, Vec<&F>> = BTreeMap::new();
    for f in findings {
        by_tool.entry(f.tool()).or_default().push(f);
    }
    let mut runs = Vec::new();
    for (tool, list) in by_tool {
        if runs.len() == limits.runs {
            warnings.push(format!(
                "{tool}: GitHub accepts {} runs per file; left out",
                limits.runs
            ));
            continue;
        }
        let located: Vec<&F> = list
            .iter()
            .copied()
            .filter(|f| f.path().is_some())
            .collect();
        if located.len() < list.len() {
            warnings.push(format!("{tool}: {} findings without a file location are not in the SARIF (code scanning needs one)", list.len() - located.len()));
        }
        if located.len() > limits.results_per_run {
            warnings.push(format!(
                "{tool}: {} results, {} kept (the most severe) to stay within GitHub's limits",
                located.len(),
                limits.results_per_run
            ));
        }
        let mut rules: Vec<Rule> = Vec::new();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        let mut results = Vec::new();
        for f in located.into_iter().take(limits.results_per_run) {
            let i = *index.entry(f.rule_id()).or_insert_with(|| {
                rules.push(rule(f));
                rules.len() - 1
            });
            let (start, end) = f.lines();
            let l = start.unwrap_or(1);
            results.push(SarifResult {
                rule_id: f.rule_id(),
                rule_index: i,
                level: f.level(),
                message: TextRef { text: f.message() },
                locations: [Location {
                    physical_location: Physical {
                        artifact_location: Artifact {
                            uri: f.path().unwrap_or_default().trim_start_matches('/'),
                            uri_base_id: "%SRCROOT%",
                        },
                        region: Region {
                            start_line: l,
                            end_line: end.unwrap_or(l).max(l),
                        },
                    },
                }],
                partial_fingerprints: Fingerprints {
                    hash: f.fingerprint(),
                },
                suppressions: f.suppression().map(|why| {
                    [Suppression {
                        kind: "external",
                        status: "accepted",
                        justification: why,
                    }]
                }),
                properties: Props(f.properties()),
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
                id: format!("gates/{gate}/{tool}/"),
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

/// Write `gate`'s findings as SARIF (atomically, [`crate::files::write_atomic`]) within
/// GitHub's limits; the warnings say what was left out.
pub fn write<F: SarifFinding>(
    path: &Path,
    gate: &str,
    findings: &[F],
) -> std::io::Result<Vec<String>> {
    write_within(path, gate, findings, GITHUB)
}

/// [`write`] with explicit limits. The file is measured gzipped as it is written; when it is
/// over the limit it is written again with fewer results per run (the most severe kept).
pub fn write_within<F: SarifFinding>(
    path: &Path,
    gate: &str,
    findings: &[F],
    mut limits: Limits,
) -> std::io::Result<Vec<String>> {
    // The first gzipped size over the limit, for the warning.
    let mut over: Option<u64> = None;
    crate::files::write_atomic(path, |tmp| loop {
        let (log, mut warnings) = build(gate, findings, limits);
        let most = log.runs.iter().map(|r| r.results.len()).max().unwrap_or(0);
        let raw = write_log(tmp, &log)?;
        // gzip never grows a file by more than a few bytes per 64 KiB block: most logs are
        // known to fit without compressing them.
        let gzipped = if raw + raw / 8192 + 64 <= limits.gzip_bytes {
            raw
        } else {
            gzipped_size(tmp)?
        };
        if gzipped <= limits.gzip_bytes {
            if let Some(size) = over {
                warnings.push(format!(
                    "the merged log was {size} bytes gzipped, GitHub accepts {}: at most {} results per tool kept (the most severe)",
                    limits.gzip_bytes, limits.results_per_run
                ));
            }
            return Ok(warnings);
        }
        if most <= 1 {
            return Err(std::io::Error::other(format!(
                "the merged SARIF is {gzipped} bytes gzipped even with one result per tool; GitHub accepts {}",
                limits.gzip_bytes
            )));
        }
        over.get_or_insert(gzipped);
        // Scale the per-run cap by how far over the file is, with a margin, and try again.
        let keep = most as f64 * limits.gzip_bytes as f64 / gzipped as f64 * 0.9;
        limits.results_per_run = (keep as usize).clamp(1, most - 1);
    })
}

/// Write `log` compactly to `path`; its size in bytes.
fn write_log(path: &Path, log: &Log<'_>) -> std::io::Result<u64> {
    let mut out = crate::files::create_buffered(path)?;
    serde_json::to_writer(&mut out, log).map_err(std::io::Error::other)?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    Ok(file.metadata()?.len())
}

/// The file's size gzipped. The fastest level compresses least, so a log that fits at it fits
/// as uploaded.
fn gzipped_size(path: &Path) -> std::io::Result<u64> {
    struct Counter(u64);
    impl Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut gz = GzEncoder::new(Counter(0), Compression::fast());
    std::io::copy(&mut std::fs::File::open(path)?, &mut gz)?;
    Ok(gz.finish()?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding of a made-up gate.
    struct Item {
        tool: String,
        rule: String,
        rank: usize,
        path: String,
        line: u32,
        message: String,
    }

    impl SarifFinding for Item {
        fn tool(&self) -> &str {
            &self.tool
        }
        fn rule_id(&self) -> &str {
            &self.rule
        }
        fn level(&self) -> SarifLevel {
            [
                SarifLevel::Error,
                SarifLevel::Error,
                SarifLevel::Warning,
                SarifLevel::Note,
            ][self.rank]
        }
        fn message(&self) -> &str {
            &self.message
        }
        fn path(&self) -> Option<&str> {
            Some(&self.path)
        }
        fn lines(&self) -> (Option<u32>, Option<u32>) {
            (Some(self.line), None)
        }
        fn fingerprint(&self) -> String {
            format!("{}:{}", self.path, self.line)
        }
        fn suppression(&self) -> Option<&str> {
            None
        }
        fn rule(&self) -> RuleInfo {
            RuleInfo {
                short: self.rule.clone(),
                full: format!("{} in full", self.rule),
                help: "fix it".into(),
                tags: vec!["test"],
                security_severity: None,
            }
        }
    }

    /// `n` findings per tool, of varied rank (critical, high, medium, low), each with its own
    /// message.
    fn findings(tools: usize, n: usize) -> Vec<Item> {
        let mut out = Vec::new();
        for t in 0..tools {
            for i in 0..n {
                out.push(Item {
                    tool: format!("tool{t}"),
                    rule: format!("R{}", i % 7),
                    rank: i % 4,
                    path: format!("src/f{i}.py"),
                    line: i as u32 + 1,
                    message: format!("finding {i} of tool {t}: {:x}", i * 2_654_435_761),
                });
            }
        }
        // As a gate hands them over: most severe first.
        out.sort_by_key(|f| f.rank);
        out
    }

    fn read(path: &Path) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn results(log: &serde_json::Value) -> Vec<usize> {
        log["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["results"].as_array().unwrap().len())
            .collect()
    }

    #[test]
    fn runs_and_results_per_run_are_capped_keeping_the_most_severe() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.sarif");
        let limits = Limits {
            runs: 2,
            results_per_run: 5,
            gzip_bytes: u64::MAX,
        };
        let warnings = write_within(&path, "test", &findings(3, 12), limits).unwrap();
        let log = read(&path);
        assert_eq!(results(&log), vec![5, 5]);
        let levels: Vec<&str> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["level"].as_str().unwrap())
            .collect();
        // 12 findings cycle critical, high, medium, low: the 3 critical and 2 of the high.
        assert_eq!(levels, ["error"; 5]);
        assert_eq!(
            warnings,
            [
                "tool0: 12 results, 5 kept (the most severe) to stay within GitHub's limits",
                "tool1: 12 results, 5 kept (the most severe) to stay within GitHub's limits",
                "tool2: GitHub accepts 2 runs per file; left out",
            ]
        );
    }

    #[test]
    fn a_log_over_the_gzip_limit_is_cut_until_it_fits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.sarif");
        let all = findings(2, 400);
        let full = write_within(&path, "test", &all, GITHUB).unwrap();
        assert!(full.is_empty(), "{full:?}");
        let size = gzipped_size(&path).unwrap();

        let limits = Limits {
            gzip_bytes: size / 3,
            ..GITHUB
        };
        let warnings = write_within(&path, "test", &all, limits).unwrap();
        assert!(gzipped_size(&path).unwrap() <= size / 3);
        let kept = results(&read(&path));
        assert!(
            kept[0] < 400 && kept[0] > 50 && kept[0] == kept[1],
            "{kept:?}"
        );
        assert!(
            warnings.last().unwrap().starts_with(&format!("the merged log was {size} bytes gzipped, GitHub accepts {}: at most {} results per tool kept", size / 3, kept[0])),
            "{warnings:?}"
        );
        // Only the log itself: no temporary file left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_log_that_cannot_fit_is_an_error_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.sarif");
        let limits = Limits {
            gzip_bytes: 10,
            ..GITHUB
        };
        let err = write_within(&path, "test", &findings(1, 40), limits).unwrap_err();
        assert!(
            err.to_string().contains("even with one result per tool"),
            "{err}"
        );
        // Nothing written, not even a temporary file.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
