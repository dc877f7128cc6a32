//! The policy's inputs: suppressions, the config section, and --diff-filter.

// Tests set up the programs' environment from the real one (PATH, SARIF_MULTITOOL).
#![allow(clippy::disallowed_methods)]

use crate::common;
use common::{assert_exit, bandit_scan, fixture, gate, read_json};

#[test]
fn suppressions_need_reasons_expire_and_report_unused_ones() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("suppressions.yml");
    std::fs::write(&s, "suppressions:\n  - rule: B101\n    reason: asserts are fine in this tool\n    expires: 2026-12-01\n  - rule: B108\n    path: \"app/**\"\n    reason: tmp is per-container\n    expires: 2026-11-01\n  - id: CVE-1999-0001\n    reason: not used\n  - package: pyyaml\n    reason: loader is never given user input\n").unwrap();
    let result = dir.path().join("r.json");
    let files =
        [fixture("bandit.json"), fixture("schema-trivy.json")].map(|p| p.display().to_string());
    let out = gate(
        dir.path(),
        &[
            files[0].as_str(),
            files[1].as_str(),
            "--suppressions",
            s.to_str().unwrap(),
            "--today",
            "2026-11-23",
            "--result",
            result.to_str().unwrap(),
            "--print",
            "human",
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_exit(&out, 0);
    assert!(
        stdout.contains("warning: expired suppression no longer applies: rule B108"),
        "{stdout}"
    );
    assert!(
        stdout.contains("note: suppression expires soon: rule B101"),
        "{stdout}"
    );
    assert!(
        stdout.contains("note: unused suppression: id CVE-1999-0001"),
        "{stdout}"
    );
    let r: serde_json::Value = read_json(&result);
    // B101 (1) and the PyYAML advisory (1) suppressed, plus Bandit's own nosec (1) and the
    // advisory .trivyignore suppressed (1).
    assert_eq!(r["metrics"]["suppressed"], 4);
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["title"] == "medium B108"),
        "expired entries stop suppressing"
    );
    // A reason is required.
    std::fs::write(&s, "suppressions:\n  - rule: B101\n    reason: \"\"\n").unwrap();
    let out = gate(
        dir.path(),
        &[files[0].as_str(), "--suppressions", s.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reason is empty"));
    std::fs::write(&s, "suppressions:\n  - rule: B101\n    reasn: typo\n").unwrap();
    let out = gate(
        dir.path(),
        &[files[0].as_str(), "--suppressions", s.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("suppressions.yml:3"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn config_section_sets_limits_overrides_and_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".github")).unwrap();
    std::fs::write(
        dir.path().join(".github/gates.yml"),
        "security:\n  max:\n    high: 0\n  unknown-as: medium\n  overrides:\n    rules:\n      B602: critical\n  suppressions:\n    - rule: B324\n      reason: md5 is used for cache keys only\n",
    )
    .unwrap();
    let result = dir.path().join("r.json");
    let files = [fixture("bandit.json"), fixture("checkov.json")].map(|p| p.display().to_string());
    let out = gate(
        dir.path(),
        &[
            files[0].as_str(),
            files[1].as_str(),
            "--result",
            result.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r: serde_json::Value = read_json(&result);
    // B602 x3 → critical; B324 suppressed; checkov's 18 unknown → medium.
    assert_eq!(r["metrics"]["severity"]["critical"], 3);
    assert_eq!(r["metrics"]["severity"]["high"], 0);
    assert_eq!(r["metrics"]["severity"]["medium"], 4 + 18);
    std::fs::write(
        dir.path().join(".github/gates.yml"),
        "security:\n  maxx:\n    high: 0\n",
    )
    .unwrap();
    let out = gate(dir.path(), &[files[0].as_str()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("gates.yml:2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Without a baseline, `--diff-filter added` counts only findings on lines the change added.
#[test]
fn diff_filter_keeps_findings_on_changed_lines() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    gates_testkit::cmd::git_init(repo);
    let git = |args: &[&str]| {
        gates_testkit::cmd::run(repo, "git", args);
    };
    std::fs::write(
        repo.join("a.py"),
        "import subprocess\n\n\ndef run(x):\n    return subprocess.call(x, shell=True)\n",
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    git(&["checkout", "-q", "-b", "feature"]);
    std::fs::write(repo.join("a.py"), "import subprocess\n\n\ndef run(x):\n    return subprocess.call(x, shell=True)\n\n\ndef calc(y):\n    return eval(y)\n").unwrap();
    git(&["commit", "-q", "-am", "change"]);
    std::fs::create_dir_all(repo.join("out")).unwrap();
    bandit_scan(repo, "out/head.json");
    let result = repo.join("out/r.json");
    let out = gate(
        repo,
        &[
            "out/head.json",
            "--diff-filter",
            "added",
            "--base",
            "main",
            "--result",
            result.to_str().unwrap(),
        ],
        &[],
    );
    assert_exit(&out, 0);
    let r: serde_json::Value = read_json(&result);
    // Bandit flags the import (B404), shell=True (B602) and eval (B307); only eval is new code.
    assert_eq!(r["metrics"]["total"], 1);
    assert_eq!(r["findings"][0]["start_line"], 9);
    let out = gate(
        repo,
        &[
            "out/head.json",
            "--diff-filter",
            "file",
            "--base",
            "main",
            "--result",
            result.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let r: serde_json::Value = read_json(&result);
    assert_eq!(r["metrics"]["total"], 3);
}
