//! `--format` forces a reader, but never onto a report of another shape (issue 9).

use crate::common;

use std::path::Path;

use common::{assert_exit, fixture, gate, root, text};
use security_gate::formats::{self, Format};

/// The real reports, each with the format it is.
const REPORTS: &[(&str, Format)] = &[
    ("bandit.json", Format::Bandit),
    ("bandit.sarif", Format::Sarif),
    ("partial/bandit.json", Format::Bandit),
    ("partial/semgrep.json", Format::Semgrep),
    ("semgrep.json", Format::Semgrep),
    ("semgrep.sarif", Format::Sarif),
    ("checkov.json", Format::Checkov),
    ("schema-gitleaks.json", Format::Gitleaks),
    ("schema-trufflehog.jsonl", Format::Trufflehog),
    ("schema-trivy.json", Format::Trivy),
    ("schema-grype.json", Format::Grype),
    ("schema-osv.json", Format::Osv),
    ("schema-pip-audit.json", Format::PipAudit),
    ("schema-npm-audit.json", Format::NpmAudit),
    ("schema-cargo-audit.json", Format::CargoAudit),
    ("schema-safety.json", Format::Safety),
];

/// `security-gate bandit.json --format semgrep` said "PASS Security: 21 unknown" with empty
/// paths and rules; it is exit 2, naming the file, what it looks like, and the flag to pass.
#[test]
fn a_forced_wrong_format_is_exit_2_saying_what_the_report_looks_like() {
    let dir = tempfile::tempdir().unwrap();
    let bandit = fixture("bandit.json").display().to_string();
    let out = gate(dir.path(), &[&bandit, "--format", "semgrep"], &[]);
    assert_exit(&out, 2);
    let (_, err) = text(&out);
    assert!(
        err.contains("bandit.json")
            && err.contains("--format semgrep was given, but this is not a Semgrep report")
            && err.contains("it looks like Bandit")
            && err.contains("pass --format bandit"),
        "{err}"
    );
    // Forced onto SARIF too.
    let out = gate(dir.path(), &[&bandit, "--format", "sarif"], &[]);
    assert_exit(&out, 2);
    assert!(
        text(&out).1.contains("it looks like Bandit"),
        "{}",
        text(&out).1
    );
    // The right format forced still reads it.
    assert_exit(&gate(dir.path(), &[&bandit, "--format", "bandit"], &[]), 0);
}

/// Every real report read as every other format is refused; read as its own, it is read.
#[test]
fn no_report_is_read_as_another_tools() {
    for (name, own) in REPORTS {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for f in Format::ALL {
            let r = formats::parse_bytes(&bytes, Path::new(name), Some(f), &root());
            if f == *own {
                assert!(r.is_ok(), "{name} as {f:?}: {r:?}");
            } else {
                let e = r.err().unwrap_or_else(|| panic!("{name} read as {f:?}"));
                assert!(e.to_string().contains(name), "{e}");
            }
        }
    }
}
