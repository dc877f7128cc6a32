//! Line-independent identities: code that moved is not new, a second copy of a flagged line is.
//!
//! - code: rule + path + normalised flagged text (else the scanner's message, else the line)
//!   + occurrence index among equal ones;
//! - dependencies: ecosystem + package + version + the advisory's canonical id (CVE first);
//! - secrets: the hash of the secret.

use crate::model::{Finding, Fingerprint, Kind, Package, TextDigest};
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

/// Fill in every finding's fingerprint. Equal identities are numbered in line order, so the
/// n-th copy of a flagged line keeps its number when code above it moves.
pub fn assign(findings: &mut [Finding]) {
    // (identity, line, index), sorted: equal identities end up adjacent, in line order.
    let mut keyed: Vec<([u8; 16], u32, usize)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| (identity(f), f.start_line.unwrap_or(0), i))
        .collect();
    keyed.sort_unstable();
    let mut copy = 0u32;
    for k in 0..keyed.len() {
        let (digest, _, i) = keyed[k];
        copy = if k > 0 && keyed[k - 1].0 == digest {
            copy + 1
        } else {
            0
        };
        findings[i].fingerprint = Fingerprint { digest, copy };
    }
}

/// The digest of flagged code, whitespace-normalised (indentation and line breaks do not
/// change it); `None` for blank text.
pub fn text_digest(text: &str) -> Option<TextDigest> {
    let mut words = text.split_whitespace().peekable();
    words.peek()?;
    let mut h = Sha256::new();
    for word in words {
        h.update(word.as_bytes());
        h.update([0u8]);
    }
    Some(truncate(h.finalize().into()))
}

fn truncate(d: [u8; 32]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&d[..16]);
    out
}

/// The identity of a finding before occurrence numbering.
fn identity(f: &Finding) -> [u8; 16] {
    // Hash the identity's parts (separated by NUL) without building one big string.
    let mut h = Sha256::new();
    let mut part = |s: &[u8]| {
        h.update(s);
        h.update([0u8]);
    };
    match f.kind {
        Kind::Secret => {
            part(b"secret");
            part(f.secret_hash.as_deref().unwrap_or("").as_bytes());
        }
        Kind::Dependency => {
            part(b"dep");
            if let Some(p) = &f.package {
                let (e, n, v) = package_key(p);
                part(e.as_bytes());
                part(n.as_bytes());
                part(v.as_bytes());
            }
            part(canonical_id(&f.ids).as_bytes());
        }
        Kind::Code => {
            match &f.flagged_text {
                Some(text) => {
                    part(b"code");
                    part(f.rule.as_bytes());
                    part(f.path.as_deref().unwrap_or("").as_bytes());
                    part(text);
                }
                // Without the flagged text (a logged-out Semgrep writes "requires login" in
                // its place), the scanner's message stands in: it does not move with edits
                // above the finding, as a line number does, and equal ones are numbered in line
                // order.
                None if !f.message.trim().is_empty() => {
                    part(b"code-message");
                    part(f.rule.as_bytes());
                    part(f.path.as_deref().unwrap_or("").as_bytes());
                    part(f.message.trim().as_bytes());
                }
                // Nothing but the line identifies it (it then moves with edits).
                None => {
                    part(b"code-line");
                    part(f.rule.as_bytes());
                    part(f.path.as_deref().unwrap_or("").as_bytes());
                    part(f.start_line.unwrap_or(0).to_string().as_bytes());
                }
            }
        }
    }
    truncate(h.finalize().into())
}
