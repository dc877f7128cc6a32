//! Line-independent identities: code that moved is not new, a second copy of a flagged line is.
//!
//! - code: rule + path + normalised flagged text + occurrence index among equal ones;
//! - dependencies: ecosystem + package + version + the advisory's canonical id (CVE first);
//! - secrets: the hash of the secret.

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

/// Fill in every finding's fingerprint. Equal identities are numbered in line order, so the
/// n-th copy of a flagged line keeps its number when code above it moves.
pub fn assign(findings: &mut [Finding]) {
    // (identity, line, index), sorted: equal identities end up adjacent, in line order.
    let mut keyed: Vec<([u8; 32], u32, usize)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| (identity(f), f.start_line.unwrap_or(0), i))
        .collect();
    keyed.sort_unstable();
    let mut n = 0usize;
    for k in 0..keyed.len() {
        let (base, _, i) = keyed[k];
        n = if k > 0 && keyed[k - 1].0 == base {
            n + 1
        } else {
            0
        };
        // The first copy is the identity itself; later copies carry their number.
        let mut fp = hex(&base[..16]);
        if n > 0 {
            fp.push('-');
            fp.push_str(&n.to_string());
        }
        findings[i].fingerprint = fp;
    }
}

/// The identity of a finding before occurrence numbering.
fn identity(f: &Finding) -> [u8; 32] {
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
    h.finalize().into()
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
