//! Line-independent identities: code that moved is not new, a second copy of a flagged line is.
//!
//! - code: rule + path + normalised flagged text + occurrence index among equal ones;
//! - dependencies: ecosystem + package + version + the advisory's canonical id (CVE first);
//! - secrets: the hash of the secret.

use std::collections::HashMap;

use crate::model::{Finding, Kind, Package};
use sha2::{Digest, Sha256};

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

/// Fill in every finding's fingerprint. Findings must be in report order (line order within a
/// file) so occurrence indexes are stable.
pub fn assign(findings: &mut [Finding]) {
    let mut seen: HashMap<[u8; 32], usize> = HashMap::with_capacity(findings.len());
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| {
        (findings[a].path.as_deref(), findings[a].start_line, a).cmp(&(
            findings[b].path.as_deref(),
            findings[b].start_line,
            b,
        ))
    });
    for i in order {
        let f = &findings[i];
        // Hash the identity's parts (separated by NUL) without building one big string.
        let mut h = Sha256::new();
        let mut part = |s: &str| {
            h.update(s.as_bytes());
            h.update([0u8]);
        };
        match f.kind {
            Kind::Secret => {
                part("secret");
                part(f.secret_hash.as_deref().unwrap_or(""));
            }
            Kind::Dependency => {
                part("dep");
                if let Some(p) = &f.package {
                    let (e, n, v) = package_key(p);
                    part(&e);
                    part(&n);
                    part(&v);
                }
                part(&canonical_id(&f.ids));
            }
            Kind::Code => match f.snippet.as_deref().filter(|s| !s.trim().is_empty()) {
                Some(s) => {
                    part("code");
                    part(&f.rule);
                    part(f.path.as_deref().unwrap_or(""));
                    // Whitespace-normalised without building the normalised string.
                    for word in s.split_whitespace() {
                        part(word);
                    }
                }
                // Without the flagged text only the line identifies it (it then moves with edits).
                None => {
                    part("code-line");
                    part(&f.rule);
                    part(f.path.as_deref().unwrap_or(""));
                    part(&f.start_line.unwrap_or(0).to_string());
                }
            },
        }
        let base: [u8; 32] = h.finalize().into();
        let n = seen.entry(base).or_default();
        let mut h = Sha256::new();
        h.update(base);
        h.update(n.to_le_bytes());
        *n += 1;
        findings[i].fingerprint = h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}
