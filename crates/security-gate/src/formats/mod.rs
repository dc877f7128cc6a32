//! Report formats: detection by content, and one reader per scanner.

mod native;
mod sarif;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gates_core::InputError;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{Finding, Name, Report, Severity};

pub use native::cvss_vector_score;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// SARIF 2.1.0 from any tool.
    Sarif,
    /// Bandit `-f json`.
    Bandit,
    /// Semgrep `--json`.
    Semgrep,
    /// Checkov `-o json`.
    Checkov,
    /// Gitleaks JSON.
    Gitleaks,
    /// TruffleHog v3 `--json` (lines).
    Trufflehog,
    /// Trivy JSON.
    Trivy,
    /// Grype JSON.
    Grype,
    /// OSV-Scanner JSON.
    Osv,
    /// pip-audit JSON.
    PipAudit,
    /// npm audit JSON (v1 and v2).
    NpmAudit,
    /// cargo-audit JSON.
    CargoAudit,
    /// Safety JSON.
    Safety,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 13] = [
        Format::Sarif,
        Format::Bandit,
        Format::Semgrep,
        Format::Checkov,
        Format::Gitleaks,
        Format::Trufflehog,
        Format::Trivy,
        Format::Grype,
        Format::Osv,
        Format::PipAudit,
        Format::NpmAudit,
        Format::CargoAudit,
        Format::Safety,
    ];

    /// The tool's name, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Format::Sarif => "SARIF",
            Format::Bandit => "Bandit",
            Format::Semgrep => "Semgrep",
            Format::Checkov => "Checkov",
            Format::Gitleaks => "Gitleaks",
            Format::Trufflehog => "TruffleHog",
            Format::Trivy => "Trivy",
            Format::Grype => "Grype",
            Format::Osv => "OSV-Scanner",
            Format::PipAudit => "pip-audit",
            Format::NpmAudit => "npm audit",
            Format::CargoAudit => "cargo-audit",
            Format::Safety => "Safety",
        }
    }

    /// The `--format` value.
    pub fn flag(self) -> String {
        clap::ValueEnum::to_possible_value(&self)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// Does the parsed report have the shape of `format`'s report? `Err` says what is missing.
/// Readers are lenient about fields that drift between versions, so a report of another tool
/// would otherwise pass as a report of this one with nothing in it (`--format` forced wrong).
fn shape(format: Format, v: &Value) -> Result<(), String> {
    // Every entry of `list` (when it is one) has one of `keys`.
    fn entries(v: &Value, list: &str, keys: &[&str]) -> Result<(), String> {
        let Some(items) = v.as_array() else {
            return Err(format!("`{list}` is not a list"));
        };
        match items
            .iter()
            .position(|x| !keys.iter().any(|k| x.get(*k).is_some()))
        {
            Some(i) => Err(format!("{list}[{i}] has no `{}`", keys.join("` or `"))),
            None => Ok(()),
        }
    }
    fn has(v: &Value, keys: &[&str]) -> Result<(), String> {
        if keys.iter().any(|k| v.get(*k).is_some()) {
            Ok(())
        } else {
            Err(format!("it has no `{}`", keys.join("` or `")))
        }
    }
    match format {
        Format::Bandit => {
            has(v, &["results"])?;
            entries(&v["results"], "results", &["test_id"])
        }
        Format::Semgrep => {
            has(v, &["results"])?;
            entries(&v["results"], "results", &["check_id"])
        }
        Format::Checkov => {
            let parts: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                o => vec![o],
            };
            for p in parts {
                // A scan of nothing is a bare summary with `checkov_version`.
                has(p, &["check_type", "checkov_version"])?;
                for list in ["failed_checks", "skipped_checks"] {
                    if let Some(l) = p["results"].get(list) {
                        entries(l, list, &["check_id"])?;
                    }
                }
            }
            Ok(())
        }
        Format::Gitleaks => entries(v, "the list", &["RuleID"]),
        Format::Trivy => {
            has(v, &["SchemaVersion", "ArtifactName", "Results"])?;
            match v.get("Results") {
                Some(r) => entries(r, "Results", &["Target"]),
                None => Ok(()),
            }
        }
        Format::Grype => {
            has(v, &["matches"])?;
            entries(&v["matches"], "matches", &["vulnerability"])
        }
        Format::Osv => {
            has(v, &["results"])?;
            entries(&v["results"], "results", &["packages", "source"])
        }
        Format::PipAudit => match v.get("dependencies") {
            Some(d) => entries(d, "dependencies", &["name"]),
            None => entries(v, "the list", &["name"]),
        },
        Format::NpmAudit => match (v.get("advisories"), v["vulnerabilities"].as_object()) {
            (Some(_), _) => Ok(()),
            (None, Some(vulns)) => match vulns.iter().find(|(_, x)| x.get("via").is_none()) {
                Some((name, _)) => Err(format!("vulnerabilities.{name} has no `via`")),
                None => Ok(()),
            },
            (None, None) => Err("it has no `advisories` or `vulnerabilities` object".into()),
        },
        Format::CargoAudit => {
            if v["vulnerabilities"].get("list").is_none() {
                return Err("it has no `vulnerabilities.list`".into());
            }
            entries(
                &v["vulnerabilities"]["list"],
                "vulnerabilities.list",
                &["advisory"],
            )
        }
        Format::Safety => match v.get("vulnerabilities") {
            Some(l) => entries(l, "vulnerabilities", &["package_name", "vulnerability_id"]),
            None if v.as_array().is_some_and(|a| a.iter().all(Value::is_array)) => Ok(()),
            None => Err("it has no `vulnerabilities`".into()),
        },
        // Checked by their readers: SARIF while streaming, TruffleHog per line.
        Format::Sarif | Format::Trufflehog => Ok(()),
    }
}

/// The error for a report that is not the format it was read as: what it looks like instead,
/// and what to do.
fn not_that_format(
    path: &Path,
    format: Format,
    forced: bool,
    why: &str,
    text: &str,
    value: Option<&Value>,
) -> InputError {
    let looks = detect(text, value).filter(|f| *f != format);
    let message = format!(
        "{}this is not a {} report: {why}{}",
        if forced {
            format!("--format {} was given, but ", format.flag())
        } else {
            String::new()
        },
        format.label(),
        looks.map_or(String::new(), |f| format!("; it looks like {}", f.label()))
    );
    let help = match (looks, forced) {
        (Some(f), true) => format!(
            "pass --format {} (or leave --format out: the format is recognised from the content)",
            f.flag()
        ),
        (None, true) => "leave --format out, or pass the scanner's own JSON output".to_string(),
        (_, false) => format!("pass {}'s own JSON output, unedited", format.label()),
    };
    InputError::new(path, message, help)
}

/// Where report paths are relative to, and the text shared between findings.
pub struct Ctx<'a> {
    /// The checkout (absolute).
    pub root: &'a Path,
    /// The checkout as a `/`-separated prefix ending in `/`, computed once.
    prefix: String,
    /// Interned names: a scanner, rule, title or path is allocated once however many findings
    /// carry it.
    names: RefCell<HashSet<Name>>,
}

impl<'a> Ctx<'a> {
    /// A context for the checkout at `root`.
    pub fn new(root: &'a Path) -> Self {
        let prefix = format!(
            "{}/",
            root.to_string_lossy()
                .replace('\\', "/")
                .trim_end_matches('/')
        );
        Ctx {
            root,
            prefix,
            names: RefCell::default(),
        }
    }

    /// The shared copy of `text`.
    pub fn name(&self, text: &str) -> Name {
        let mut names = self.names.borrow_mut();
        if let Some(n) = names.get(text) {
            return n.clone();
        }
        let n: Name = Arc::from(text);
        names.insert(n.clone());
        n
    }

    /// A report path as a repository path: `file://` and this checkout's root stripped, `/`
    /// separators, no `./`.
    pub fn repo_path(&self, p: &str) -> Name {
        let p = p.strip_prefix("file://").unwrap_or(p);
        let p: Cow<'_, str> = if p.contains('\\') {
            p.replace('\\', "/").into()
        } else {
            p.into()
        };
        let p = p.strip_prefix(self.prefix.as_str()).unwrap_or(&p);
        self.name(p.trim_start_matches("./"))
    }

    /// A code finding from `tool` with the common fields, its text interned.
    pub fn finding(&self, tool: &str, rule: &str, severity: Severity, source: &str) -> Finding {
        Finding::code(
            self.name(tool),
            self.name(rule),
            severity,
            self.name(source),
        )
    }
}

/// A string field, or "".
pub(crate) fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// Hex SHA-256: secrets are identified by it and never kept.
pub fn hash(text: &str) -> String {
    gates_core::random::hex(&Sha256::digest(text.as_bytes()))
}

/// Rule ids of secret detectors in SAST tools (their findings' snippets are the secret).
pub(crate) fn secret_rule(rule: &str) -> bool {
    let r = rule.to_ascii_lowercase();
    r.contains("secret")
        || r.contains("password")
        || r.contains("api-key")
        || r.contains("apikey")
        || r.contains("private-key")
        || r.contains("token")
}

/// A SARIF log, recognised from its first bytes whatever its key order: it names its version or
/// schema near the top, or (Bandit writes `runs` first and `version` last) it opens with a run's
/// `tool.driver`, which no other report has. Missing this sent a 100 MB Bandit log through the
/// generic JSON tree: 4x slower and 6x the memory. The typed reader checks the version wherever
/// it is.
pub fn looks_like_sarif(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(4096)
        .filter(|c| !c.is_whitespace())
        .collect();
    head.starts_with('{')
        && head.contains("\"runs\"")
        && (head.contains("\"version\":\"2.1.0\"")
            || head.contains("sarif-2.1.0")
            || head.contains("sarif-schema-2.1.0")
            || head.contains("\"runs\":[{\"tool\":{\"driver\":"))
}

/// Recognise a report from its parsed JSON (or, for TruffleHog, its first line).
pub fn detect(text: &str, v: Option<&Value>) -> Option<Format> {
    let Some(v) = v else {
        let first: Value =
            serde_json::from_str(text.lines().find(|l| !l.trim().is_empty())?).ok()?;
        return (first.get("DetectorName").is_some() || first.get("SourceMetadata").is_some())
            .then_some(Format::Trufflehog);
    };
    let has = |k: &str| v.get(k).is_some();
    Some(match v {
        Value::Array(a) => {
            let first = a.first();
            if first.is_some_and(|x| x.get("RuleID").is_some())
                || (a.is_empty() && text.trim() == "[]")
            {
                Format::Gitleaks
            } else if first.is_some_and(|x| x.get("check_type").is_some()) {
                Format::Checkov
            } else if first.is_some_and(|x| x.get("vulns").is_some()) {
                Format::PipAudit
            } else if first.is_some_and(|x| x.is_array()) {
                Format::Safety
            } else {
                return None;
            }
        }
        _ if has("runs") && (has("$schema") || has("version")) => Format::Sarif,
        _ if has("results") && v["metrics"].get("_totals").is_some() => Format::Bandit,
        _ if has("results") && (has("paths") || v["results"][0].get("check_id").is_some()) => {
            Format::Semgrep
        }
        _ if has("check_type") || v["results"].get("failed_checks").is_some() => Format::Checkov,
        _ if has("SchemaVersion") && has("Results") || has("ArtifactName") => Format::Trivy,
        _ if has("matches") && (has("source") || has("descriptor")) => Format::Grype,
        _ if v["results"]
            .as_array()
            .is_some_and(|r| r.iter().all(|x| x.get("packages").is_some())) =>
        {
            Format::Osv
        }
        _ if has("dependencies") && has("fixes") || v["dependencies"][0].get("vulns").is_some() => {
            Format::PipAudit
        }
        _ if has("auditReportVersion") || has("advisories") => Format::NpmAudit,
        _ if v["vulnerabilities"].get("list").is_some() => Format::CargoAudit,
        _ if v["vulnerabilities"].as_array().is_some() || has("report_meta") => Format::Safety,
        _ => return None,
    })
}

/// Read one report. A missing, empty or unrecognised file, or a scanner's own errors, are
/// `Err`: the gate fails closed. Files the scanner could not read are listed in
/// [`Report::unread`] beside the findings it did report; the caller decides (the gate refuses
/// them unless `--allow-missing`).
///
/// Only regular files (or symlinks to them) of at most
/// [`gates_core::input::MAX_REPORT_BYTES`] are read: a FIFO or device named as a report, or found
/// in a report directory, is an error before it is opened.
pub fn parse_file(path: &Path, forced: Option<Format>, root: &Path) -> Result<Report, InputError> {
    let bytes = gates_core::input::read_regular_file(path, gates_core::input::MAX_REPORT_BYTES)?;
    parse_bytes(&bytes, path, forced, root)
}

/// Read one report already in memory; `path` names it in errors.
pub fn parse_bytes(
    bytes: &[u8],
    path: &Path,
    forced: Option<Format>,
    root: &Path,
) -> Result<Report, InputError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(InputError::new(path, "the report is empty", "a scanner that found nothing still writes a report (an empty list or object); check that the scan step ran and wrote here"));
    }
    let ctx = Ctx::new(root);
    // SARIF is recognised from its first bytes and read by the typed streaming reader straight
    // from the bytes: a 100 MB log is neither validated twice nor parsed into a generic tree.
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let forced = forced.or_else(|| looks_like_sarif(&head).then_some(Format::Sarif));
    if forced == Some(Format::Sarif) {
        return sarif::parse(bytes, &ctx).map_err(|e| {
            // Forced onto another tool's report: say what it looks like.
            let text = String::from_utf8_lossy(bytes);
            let v: Option<Value> = serde_json::from_str(&text).ok();
            match detect(&text, v.as_ref()) {
                Some(f) if f != Format::Sarif && !looks_like_sarif(&head) => {
                    not_that_format(path, Format::Sarif, true, &e.message, &text, v.as_ref())
                }
                _ => sarif_error(path, e),
            }
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        InputError::new(
            path,
            "the report is not UTF-8 text",
            "pass the scanner's JSON or SARIF output",
        )
    })?;
    let value: Option<Value> = if forced == Some(Format::Trufflehog) {
        None
    } else {
        serde_json::from_str(text).ok()
    };
    let format = match forced {
        Some(f) => f,
        None => detect(text, value.as_ref()).ok_or_else(|| match serde_json::from_str::<Value>(text) {
            Err(e) => InputError::json(path, "not JSON", &e, "pass the scanner's JSON or SARIF output (truncated file?)"),
            Ok(_) => InputError::new(path, "not a report this gate reads", "supported: SARIF 2.1.0, Bandit, Semgrep, Checkov, Gitleaks, TruffleHog, Trivy, Grype, OSV-Scanner, pip-audit, npm audit, cargo-audit, Safety; pass --format to force one"),
        })?,
    };
    let need = |v: Option<Value>| {
        v.ok_or_else(|| InputError::new(path, "not JSON", "pass the scanner's JSON output"))
    };
    let result = match format {
        // Recognised only after parsing (its version comes late in the file).
        Format::Sarif => return sarif::parse(bytes, &ctx).map_err(|e| sarif_error(path, e)),
        Format::Trufflehog => {
            trufflehog_shape(text).map_err(|why| {
                let v: Option<Value> = serde_json::from_str(text).ok();
                not_that_format(path, format, forced.is_some(), &why, text, v.as_ref())
            })?;
            native::trufflehog(text, &ctx)
        }
        f => {
            let v = need(value)?;
            shape(f, &v)
                .map_err(|why| not_that_format(path, f, forced.is_some(), &why, text, Some(&v)))?;
            match f {
                Format::Bandit => native::bandit(&v, &ctx),
                Format::Semgrep => native::semgrep(&v, &ctx),
                Format::Checkov => native::checkov(&v, &ctx),
                Format::Gitleaks => native::gitleaks(&v, &ctx),
                Format::Trivy => native::trivy(&v, &ctx),
                Format::Grype => native::grype(&v, &ctx),
                Format::Osv => native::osv(&v, &ctx),
                Format::PipAudit => native::pip_audit(&v, &ctx),
                Format::NpmAudit => native::npm_audit(&v, &ctx),
                Format::CargoAudit => native::cargo_audit(&v, &ctx),
                Format::Safety => native::safety(&v, &ctx),
                Format::Sarif | Format::Trufflehog => unreachable!("handled above"),
            }
        }
    };
    result.map_err(|e| InputError::new(path, e, "fix the scan (its errors mean findings may be missing) or pass --allow-missing to accept a partial report"))
}

/// A SARIF log that could not be read, at its place in the file.
fn sarif_error(path: &Path, e: sarif::Error) -> InputError {
    let err = InputError::new(
        path,
        format!("invalid SARIF: {}", e.message),
        "regenerate the log with the scanner (a log cut short or edited cannot be trusted), or pass --allow-missing to skip it",
    );
    match e.line {
        Some(line) => err.at(line as u64, e.column.map(|c| c as u64)),
        None => err,
    }
}

/// TruffleHog writes one JSON object per line: findings (`DetectorName`) and log lines
/// (`level`, `msg`); a line that is neither is another tool's.
fn trufflehog_shape(text: &str) -> Result<(), String> {
    for (i, l) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let Ok(x) = serde_json::from_str::<Value>(l) else {
            // The reader reports lines that are not JSON, with their number.
            continue;
        };
        if x.get("DetectorName").is_none() && x.get("msg").is_none() {
            return Err(format!("line {} has no `DetectorName`", i + 1));
        }
    }
    Ok(())
}

/// Reports given as files or directories (every `.json`/`.sarif` in a directory).
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            out.extend(gates_core::input::walk(p, 0, &mut |f| {
                gates_core::input::has_extension(f, &["json", "sarif", "jsonl"])
            })?);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}
