//! One finding model for every scanner, and one severity scale.

use std::sync::Arc;

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
    /// CVSS 0.1–3.9, scanner "low"/"note" (and Semgrep's "INFO", which Semgrep maps to Low).
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

/// Text many findings share (scanner, rule, title, path, severity reason): one allocation per
/// distinct value, interned while reading (see `formats::Ctx::name`).
pub type Name = Arc<str>;

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
/// hash. Reports run to hundreds of thousands of findings, so shared text is a [`Name`] and
/// the flagged code is kept only as a digest.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Scanner that reported it (after dedupe: the first of [`Finding::reported_by`]).
    pub tool: Name,
    /// Kind.
    pub kind: Kind,
    /// On the gate's scale.
    pub severity: Severity,
    /// New against the baseline (set by the gate when there is one).
    pub new: bool,
    /// The scanner's rule or advisory id.
    pub rule: Name,
    /// Short description.
    pub title: Name,
    /// What the scanner says.
    pub message: String,
    /// Why it has that severity, in words.
    pub severity_source: Name,
    /// Repository path.
    pub path: Option<Name>,
    /// First line.
    pub start_line: Option<u32>,
    /// Last line.
    pub end_line: Option<u32>,
    /// Digest of the flagged code, whitespace-normalised (`fingerprint::text_digest`), for the
    /// line-independent fingerprint; never for secrets.
    pub flagged_text: Option<TextDigest>,
    /// For dependency findings.
    pub package: Option<Box<Package>>,
    /// Advisory id and aliases (CVE, GHSA, OSV, RUSTSEC, PYSEC), upper-case.
    pub ids: Vec<String>,
    /// SHA-256 of a secret's value, for its fingerprint.
    pub secret_hash: Option<String>,
    /// Suppressed, and why (native suppression or the suppressions file).
    pub suppressed: Option<Name>,
    /// Other scanners that reported the same advisory (cross-tool dedupe).
    pub also_reported_by: Vec<Name>,
    /// Line-independent identity, filled in by `fingerprint::assign`.
    pub fingerprint: Fingerprint,
}

/// A digest of flagged text.
pub type TextDigest = [u8; 16];

/// A finding's line-independent identity: the digest of what it is about, and which copy of
/// equal ones it is (0 for the first). Written as hex, with `-n` for the n-th later copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint {
    /// Identity digest.
    pub digest: [u8; 16],
    /// Occurrence among equal identities, in line order.
    pub copy: u32,
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&gates_core::random::hex(&self.digest))?;
        if self.copy > 0 {
            write!(f, "-{}", self.copy)?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let (hex, copy) = match s.split_once('-') {
            Some((h, n)) => (h, n.parse::<u32>().map_err(|_| ())?),
            None => (s, 0),
        };
        if hex.len() != 32 || !hex.is_ascii() {
            return Err(());
        }
        let mut digest = [0u8; 16];
        for (i, d) in digest.iter_mut().enumerate() {
            *d = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| ())?;
        }
        Ok(Fingerprint { digest, copy })
    }
}

impl Finding {
    /// A code finding with the common fields.
    pub fn code(tool: Name, rule: Name, severity: Severity, source: Name) -> Self {
        Finding {
            title: rule.clone(),
            tool,
            kind: Kind::Code,
            severity,
            new: false,
            rule,
            message: String::new(),
            severity_source: source,
            path: None,
            start_line: None,
            end_line: None,
            flagged_text: None,
            package: None,
            ids: Vec::new(),
            secret_hash: None,
            suppressed: None,
            also_reported_by: Vec::new(),
            fingerprint: Fingerprint::default(),
        }
    }

    /// Every scanner that reported it, `tool` first.
    pub fn reported_by(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&*self.tool).chain(self.also_reported_by.iter().map(|t| &**t))
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
    /// Files the scanner says it could not read: their findings are missing from the report.
    pub unread: Vec<Unread>,
}

/// A file a scanner could not read (Bandit's and Semgrep's `errors[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// The file, as a repository path.
    pub path: Name,
    /// The scanner's reason.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip_through_their_text() {
        let mut digest = [0u8; 16];
        digest[0] = 0xab;
        digest[15] = 0x01;
        for copy in [0, 1, 12] {
            let fp = Fingerprint { digest, copy };
            let text = fp.to_string();
            assert_eq!(
                text.len(),
                32 + if copy == 0 {
                    0
                } else {
                    1 + copy.to_string().len()
                }
            );
            assert!(text.starts_with("ab000000"));
            assert_eq!(text.parse::<Fingerprint>(), Ok(fp));
        }
        for bad in [
            "",
            "ab",
            "zz000000000000000000000000000000",
            "ab000000000000000000000000000001-x",
            "é0000000000000000000000000000000",
        ] {
            assert_eq!(bad.parse::<Fingerprint>(), Err(()), "{bad:?}");
        }
    }
}
