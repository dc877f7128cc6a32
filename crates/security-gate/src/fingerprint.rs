//! Line-independent identities: code that moved is not new, a second copy of a flagged line is.
//!
//! - code: rule + path + normalised flagged text + occurrence index among equal ones;
//! - dependencies: ecosystem + package + version + the advisory's canonical id (CVE first);
//! - secrets: the hash of the secret.

use std::collections::HashMap;

use crate::formats::hash;
use crate::model::{Finding, Kind, Package};

/// Ecosystem names as the scanners spell them, reduced to one per ecosystem.
pub fn ecosystem(e: &str) -> String {
    match e.to_ascii_lowercase().as_str() {
        "pip" | "python" | "pypi" | "python-pkg" | "pipenv" | "poetry" => "pypi".into(),
        "npm" | "node-pkg" | "yarn" | "pnpm" | "javascript" => "npm".into(),
        "cargo" | "rust-crate" | "crates.io" | "rust-binary" => "crates.io".into(),
        "gomod" | "go-module" | "go" | "gobinary" => "go".into(),
        "jar" | "pom" | "maven" | "java-archive" | "gradle" => "maven".into(),
        other => other.to_string(),
    }
}

/// A package name as registries compare it (PyPI folds case and `_`/`.` to `-`).
pub fn package_key(p: &Package) -> (String, String, String) {
    let eco = ecosystem(&p.ecosystem);
    let name = if eco == "pypi" {
        p.name.to_ascii_lowercase().replace(['_', '.'], "-")
    } else {
        p.name.clone()
    };
    (eco, name, p.version.clone())
}

/// The advisory id used for identity: a CVE when any alias is one, else a GHSA, else the first.
pub fn canonical_id(ids: &[String]) -> String {
    ids.iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| ids.iter().find(|i| i.starts_with("GHSA-")))
        .or_else(|| ids.first())
        .cloned()
        .unwrap_or_default()
}

fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fill in every finding's fingerprint. Findings must be in report order (line order within a
/// file) so occurrence indexes are stable.
pub fn assign(findings: &mut [Finding]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| (findings[i].path.clone(), findings[i].start_line, i));
    for i in order {
        let f = &findings[i];
        let base = match f.kind {
            Kind::Secret => format!("secret\0{}", f.secret_hash.as_deref().unwrap_or("")),
            Kind::Dependency => match &f.package {
                Some(p) => {
                    let (e, n, v) = package_key(p);
                    format!("dep\0{e}\0{n}\0{v}\0{}", canonical_id(&f.ids))
                }
                None => format!("dep\0{}", canonical_id(&f.ids)),
            },
            Kind::Code => match &f.snippet {
                Some(s) if !s.trim().is_empty() => format!(
                    "code\0{}\0{}\0{}",
                    f.rule,
                    f.path.as_deref().unwrap_or(""),
                    normalise(s)
                ),
                // Without the flagged text only the line identifies it (it then moves with edits).
                _ => format!(
                    "code-line\0{}\0{}\0{}",
                    f.rule,
                    f.path.as_deref().unwrap_or(""),
                    f.start_line.unwrap_or(0)
                ),
            },
        };
        let n = seen.entry(base.clone()).or_default();
        let fp = hash(&format!("{base}\0{n}"));
        *n += 1;
        findings[i].fingerprint = fp[..32].to_string();
    }
}
