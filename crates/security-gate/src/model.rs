//! One finding model for every scanner, and one severity scale.

use serde::Serialize;

/// The documented scale. Order: most severe first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// CVSS 9.0–10, scanner "critical".
    Critical,
    /// CVSS 7.0–8.9, scanner "high"/"error".
    High,
    /// CVSS 4.0–6.9, scanner "medium"/"moderate"/"warning".
    Medium,
    /// CVSS 0.1–3.9, scanner "low"/"note".
    Low,
    /// Informational.
    Info,
    /// The scanner gave none (mapped by `unknown-as` when configured).
    Unknown,
}

impl Severity {
    /// Every level, most severe first.
    pub const ALL: [Severity; 6] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
        Severity::Unknown,
    ];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
            Severity::Unknown => "unknown",
        }
    }

    /// Parse a name of the scale.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s.trim()))
    }

    /// The CVSS band of a base score (FIRST's qualitative scale); 0 is none.
    pub fn from_cvss(score: f64) -> Option<Severity> {
        match score {
            s if !s.is_finite() || s <= 0.0 || s > 10.0 => None,
            s if s >= 9.0 => Some(Severity::Critical),
            s if s >= 7.0 => Some(Severity::High),
            s if s >= 4.0 => Some(Severity::Medium),
            _ => Some(Severity::Low),
        }
    }

    /// A mid-band `security-severity` for SARIF output (GitHub reads "over 9.0" as critical,
    /// so exact band edges are avoided).
    pub fn sarif_score(self) -> Option<&'static str> {
        match self {
            Severity::Critical => Some("9.5"),
            Severity::High => Some("8.0"),
            Severity::Medium => Some("5.5"),
            Severity::Low => Some("2.0"),
            Severity::Info | Severity::Unknown => None,
        }
    }
}

/// What kind of problem a finding is; decides its fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A flagged piece of code (SAST, IaC).
    Code,
    /// A vulnerable dependency.
    Dependency,
    /// A leaked secret.
    Secret,
}

/// A package a dependency finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Package {
    /// Ecosystem (PyPI, npm, crates.io, ...), lower-case.
    pub ecosystem: String,
    /// Name.
    pub name: String,
    /// Installed version.
    pub version: String,
}

/// One finding, from any scanner. It never holds a secret's value: parsers drop it and keep a
/// hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Scanner that reported it (after dedupe: the first of `reported_by`).
    pub tool: String,
    /// Kind.
    pub kind: Kind,
    /// The scanner's rule or advisory id.
    pub rule: String,
    /// Short description.
    pub title: String,
    /// What the scanner says.
    pub message: String,
    /// On the gate's scale.
    pub severity: Severity,
    /// Why it has that severity, in words.
    pub severity_source: String,
    /// Repository path.
    pub path: Option<String>,
    /// First line.
    pub start_line: Option<u32>,
    /// Last line.
    pub end_line: Option<u32>,
    /// The flagged code, normalised, for the line-independent fingerprint (never for secrets).
    #[serde(skip)]
    pub snippet: Option<String>,
    /// For dependency findings.
    pub package: Option<Package>,
    /// Advisory id and aliases (CVE, GHSA, OSV, RUSTSEC, PYSEC), upper-case.
    pub ids: Vec<String>,
    /// SHA-256 of a secret's value, for its fingerprint.
    #[serde(skip)]
    pub secret_hash: Option<String>,
    /// Suppressed, and why (native suppression or the suppressions file).
    pub suppressed: Option<String>,
    /// Scanners that reported it (cross-tool dedupe).
    pub reported_by: Vec<String>,
    /// Line-independent identity, filled in by `fingerprint`.
    pub fingerprint: String,
}

impl Finding {
    /// A code finding with the common fields.
    pub fn code(tool: &str, rule: &str, severity: Severity, source: String) -> Self {
        Finding {
            tool: tool.to_string(),
            kind: Kind::Code,
            rule: rule.to_string(),
            title: String::new(),
            message: String::new(),
            severity,
            severity_source: source,
            path: None,
            start_line: None,
            end_line: None,
            snippet: None,
            package: None,
            ids: Vec::new(),
            secret_hash: None,
            suppressed: None,
            reported_by: vec![tool.to_string()],
            fingerprint: String::new(),
        }
    }
}

/// What one report file held.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Scanner names in the file (SARIF can hold several runs).
    pub tools: Vec<String>,
    /// Findings, suppressed ones included.
    pub findings: Vec<Finding>,
    /// Findings the scanner suppressed without listing them (Bandit's `# nosec`).
    pub hidden_suppressed: u64,
}
