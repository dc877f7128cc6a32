//! security-gate: counts equal the scanners' own, one scale, dedupe, baseline, suppressions,
//! merged SARIF that GitHub's rules accept, and secrets that appear in no output.

// Tests set up the programs' environment from the real one (PATH, SARIF_MULTITOOL).
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use security_gate::formats::{self, Format};

mod common;
use common::{assert_exit, fixture, gate, read_json, root};
use security_gate::gate::count;
use security_gate::model::{Report, Severity};

const SENTINEL: &str = "GATES_SENTINEL_SECRET_7f3a9c2e1b";

fn parse(name: &str) -> Report {
    formats::parse_file(
        &fixture(name),
        None,
        &root().join("fixtures/projects/insecure"),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sev(r: &Report) -> BTreeMap<&'static str, u64> {
    count(r.findings.iter().filter(|f| f.suppressed.is_none()))
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| (s.name(), n))
        .collect()
}

#[test]
fn bandit_counts_equal_bandits_own_totals() {
    // fixtures/security/bandit.txt: "Total issues (by severity): Low: 4, Medium: 4, High: 4";
    // the `# nosec` line is in `skipped_tests`, not in the results.
    let r = parse("bandit.json");
    assert_eq!(
        sev(&r),
        BTreeMap::from([("high", 4), ("medium", 4), ("low", 4)])
    );
}

#[test]
fn semgrep_json_and_sarif_count_what_semgrep_printed() {
    // fixtures/security/semgrep.txt: "6 findings" (rules.yml: 4 ERROR, 1 WARNING, 1 INFO; Semgrep
    // maps INFO to Low).
    let r = parse("semgrep.json");
    assert_eq!(r.findings.len(), 6);
    assert_eq!(
        sev(&r),
        BTreeMap::from([("high", 4), ("medium", 1), ("low", 1)])
    );
    // The same scan as SARIF: error/warning/note levels.
    let s = parse("semgrep.sarif");
    assert_eq!(
        sev(&s),
        BTreeMap::from([("high", 4), ("medium", 1), ("low", 1)])
    );
}

#[test]
fn checkov_counts_failed_and_skipped_checks() {
    // checkov.txt: dockerfile 2 failed; terraform 16 failed, 1 skipped (#checkov:skip with a reason).
    let r = parse("checkov.json");
    assert_eq!(sev(&r), BTreeMap::from([("unknown", 18)]));
    let skipped: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_some())
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0]
        .suppressed
        .as_deref()
        .unwrap()
        .contains("central logging account"));
    assert!(
        r.findings
            .iter()
            .all(|f| f.path.as_deref().is_some_and(|p| p.starts_with("infra/"))),
        "repository paths"
    );
}

#[test]
fn schema_fixtures_map_to_the_one_scale() {
    type Case<'a> = (&'a str, Format, &'a [(&'a str, u64)]);
    let cases: [Case<'_>; 9] = [
        ("schema-gitleaks.json", Format::Gitleaks, &[("high", 1)]),
        (
            "schema-trufflehog.jsonl",
            Format::Trufflehog,
            &[("critical", 1)],
        ),
        (
            "schema-trivy.json",
            Format::Trivy,
            &[("critical", 1), ("high", 2), ("medium", 1)],
        ),
        (
            "schema-grype.json",
            Format::Grype,
            &[("critical", 1), ("low", 1)],
        ),
        ("schema-osv.json", Format::Osv, &[("critical", 2)]),
        ("schema-pip-audit.json", Format::PipAudit, &[("unknown", 1)]),
        (
            "schema-npm-audit.json",
            Format::NpmAudit,
            &[("critical", 1), ("high", 1), ("medium", 1)],
        ),
        (
            "schema-cargo-audit.json",
            Format::CargoAudit,
            &[("medium", 1), ("unknown", 1)],
        ),
        ("schema-safety.json", Format::Safety, &[("critical", 1)]),
    ];
    for (file, format, want) in cases {
        let text = std::fs::read_to_string(fixture(file)).unwrap();
        let v: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        assert_eq!(formats::detect(&text, v.as_ref()), Some(format), "{file}");
        assert_eq!(
            sev(&parse(file)),
            want.iter().copied().collect::<BTreeMap<_, _>>(),
            "{file}"
        );
    }
    // What the scanner itself suppressed (trivy --show-suppressed, grype ignore rules) is
    // counted as suppressed, with the scanner's reason.
    for (file, rule, reason) in [
        (
            "schema-trivy.json",
            "CVE-2021-33503",
            "Trivy ignored (.trivyignore): only used in tests",
        ),
        (
            "schema-grype.json",
            "GHSA-q2q7-5pp4-w6pg",
            "Grype ignore rule: only used in tests",
        ),
    ] {
        let suppressed: Vec<(String, String)> = parse(file)
            .findings
            .iter()
            .filter_map(|f| Some((f.rule.to_string(), f.suppressed.as_deref()?.to_string())))
            .collect();
        assert_eq!(
            suppressed,
            vec![(rule.to_string(), reason.to_string())],
            "{file}"
        );
    }
    // cargo-audit gives only a vector: CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H scores 5.9.
    assert_eq!(
        formats::cvss_vector_score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"),
        Some(5.9)
    );
    assert_eq!(
        formats::cvss_vector_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        Some(9.8)
    );
    assert_eq!(
        formats::cvss_vector_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
        Some(6.1)
    );
    // CVSS v4.0 vectors are scored too (they got none when the formula was hand-written): the
    // scores FIRST's v4.0 calculator gives.
    assert_eq!(
        formats::cvss_vector_score(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        ),
        Some(9.3)
    );
    assert_eq!(
        formats::cvss_vector_score(
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        ),
        Some(8.5)
    );
    assert_eq!(formats::cvss_vector_score("CVSS:3.1/AV:X"), None);
    assert_eq!(formats::cvss_vector_score("not a vector"), None);
}

#[test]
fn sarif_level_falls_back_to_the_rule_then_warning_and_security_severity_wins() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.sarif");
    let log = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "X", "rules": [
      {"id": "r1", "defaultConfiguration": {"level": "error"}},
      {"id": "r2", "properties": {"security-severity": "9.1"}},
      {"id": "r3"}]}},
    "results": [
      {"ruleId": "r1", "message": {"text": "a"}},
      {"ruleId": "r2", "level": "note", "message": {"text": "b"}},
      {"ruleId": "r3", "message": {"text": "c"}},
      {"ruleId": "r3", "kind": "pass", "message": {"text": "not a finding"}},
      {"ruleId": "r3", "message": {"text": "d"}, "suppressions": [{"kind": "inSource", "justification": "ok"}]},
      {"ruleId": "r3", "message": {"text": "e"}, "suppressions": [{"kind": "external", "status": "rejected"}]}
    ]}]});
    std::fs::write(&p, log.to_string()).unwrap();
    let r = formats::parse_file(&p, None, dir.path()).unwrap();
    let s: Vec<(Severity, bool)> = r
        .findings
        .iter()
        .map(|f| (f.severity, f.suppressed.is_some()))
        .collect();
    assert_eq!(
        s,
        [
            (Severity::High, false),
            (Severity::Critical, false),
            (Severity::Medium, false),
            (Severity::Medium, true),
            (Severity::Medium, false)
        ]
    );
}

#[test]
fn one_advisory_found_by_five_tools_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        "schema-trivy.json",
        "schema-grype.json",
        "schema-osv.json",
        "schema-pip-audit.json",
        "schema-safety.json",
    ];
    let mut args: Vec<String> = files
        .iter()
        .map(|f| fixture(f).display().to_string())
        .collect();
    let result = dir.path().join("r.json");
    args.extend([
        "--result".into(),
        result.display().to_string(),
        "--print".into(),
        "human".into(),
    ]);
    let out = gate(
        dir.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    assert_exit(&out, 0);
    let r: serde_json::Value = read_json(&result);
    let pyyaml: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["message"].as_str().unwrap().contains("PyYAML")
                || f["message"].as_str().unwrap().contains("pyyaml 5.3")
        })
        .collect();
    assert_eq!(pyyaml.len(), 1, "{pyyaml:#?}");
    let m = pyyaml[0]["message"].as_str().unwrap();
    for t in ["trivy", "grype", "osv-scanner", "pip-audit", "safety"] {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(t), "{t} missing: {stdout}");
    }
    assert!(m.contains("critical"), "{m}");
}

fn summary_table_line<'a>(md: &'a str, tool: &str) -> &'a str {
    md.lines()
        .find(|l| l.starts_with(&format!("| {tool} |")))
        .unwrap_or_else(|| panic!("no row for {tool}:\n{md}"))
}

#[test]
fn limits_exit_codes_and_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.md");
    let output = dir.path().join("o");
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ("GITHUB_OUTPUT", output.to_str().unwrap()),
    ];
    let reports = [
        fixture("bandit.json"),
        fixture("semgrep.json"),
        fixture("checkov.json"),
    ]
    .map(|p| p.display().to_string());
    let mut args: Vec<&str> = reports.iter().map(String::as_str).collect();
    args.extend(["--max", "critical=0,high=0,medium=5"]);
    let out = gate(dir.path(), &args, &env);
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("- 8 high findings (at most 0 allowed) (security/max)"),
        "{md}"
    );
    assert_eq!(
        summary_table_line(&md, "bandit"),
        "| bandit | 0 | 4 | 4 | 4 | 0 | 0 | 1 |"
    );
    assert_eq!(
        summary_table_line(&md, "checkov"),
        "| checkov | 0 | 0 | 0 | 0 | 0 | 18 | 1 |"
    );
    let outs: BTreeMap<String, String> =
        gates_core::outputs::parse(&std::fs::read_to_string(&output).unwrap())
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(
        (
            outs["verdict"].as_str(),
            outs["high"].as_str(),
            outs["total"].as_str()
        ),
        ("fail", "8", "36")
    );
    let out = gate(dir.path(), &[reports[0].as_str(), "--max", "high=4"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let out = gate(dir.path(), &[reports[0].as_str(), "--max", "hihg=4"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fails_closed_on_missing_empty_broken_and_errored_reports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.json"), "").unwrap();
    std::fs::write(d.join("cut.json"), "{\"results\": [").unwrap();
    std::fs::write(d.join("semgrep-errors.json"), r#"{"results": [], "errors": [{"level": "error", "message": "Invalid rule"}], "paths": {"scanned": []}}"#).unwrap();
    std::fs::write(d.join("pip-skip.json"), r#"{"dependencies": [{"name": "private-pkg", "version": "1.0", "skip_reason": "Dependency not found on PyPI"}], "fixes": []}"#).unwrap();
    std::fs::write(d.join("npm-error.json"), r#"{"message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk", "statusCode": 405}"#).unwrap();
    for f in [
        "missing.json",
        "empty.json",
        "cut.json",
        "semgrep-errors.json",
        "pip-skip.json",
        "npm-error.json",
    ] {
        let out = gate(d, &[f], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{f}: {err}");
        assert!(err.contains(f) && err.contains("help:"), "{f}: {err}");
    }
    let bandit = fixture("bandit.json").display().to_string();
    let out = gate(
        d,
        &[
            bandit.as_str(),
            "missing.json",
            "semgrep-errors.json",
            "--allow-missing",
            "--print",
            "human",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("warning: skipped"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

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

fn bandit_scan(dir: &Path, out: &str) {
    let status = Command::new("bandit")
        .args(["-r", ".", "-f", "json", "-o", out, "-q"])
        .current_dir(dir)
        .status()
        .expect("bandit runs (installed by .ci/run)");
    assert!(status.code().is_some_and(|c| c <= 1), "bandit failed");
}

/// Base and head of a change, scanned by the real Bandit: code that moved is not new, a second
/// copy of a flagged line is, a removed finding is fixed.
#[test]
fn base_head_new_existing_fixed_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let head = dir.path().join("head");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::create_dir_all(&head).unwrap();
    std::fs::write(base.join("a.py"), "import subprocess\nimport pickle\n\n\ndef run(x):\n    return subprocess.call(x, shell=True)\n\n\ndef calc(y):\n    return eval(y)\n\n\ndef load(z):\n    return pickle.loads(z)\n").unwrap();
    std::fs::write(head.join("a.py"), "import subprocess\nimport yaml\n\n\ndef calc(y):\n    return eval(y)\n\n\ndef calc2(y):\n    return eval(y)\n\n\ndef conf(w):\n    return yaml.load(w)\n\n\ndef run(x):\n    return subprocess.call(x, shell=True)\n").unwrap();
    bandit_scan(&base, "../base.json");
    bandit_scan(&head, "../head.json");
    let result = dir.path().join("r.json");
    let out = gate(
        &head,
        &[
            "../head.json",
            "--baseline",
            "../base.json",
            "--max-new",
            "high=0,medium=0",
            "--result",
            result.to_str().unwrap(),
            "--print",
            "human",
        ],
        &[],
    );
    let r: serde_json::Value = read_json(&result);
    // Head: B404 subprocess import, B602 shell (moved), B307 eval x2, B506 yaml.load.
    // Base: B404, B403 pickle import, B602, B307, B301 pickle.loads.
    assert_eq!(r["metrics"]["total"], 5);
    assert_eq!(
        r["metrics"]["new"],
        2,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(r["metrics"]["fixed"], 2);
    assert_eq!(r["metrics"]["new_severity"]["medium"], 2);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("2 new medium findings (at most 0 allowed)"),
        "{stdout}"
    );
    // The result file of the base run works as a baseline too.
    let base_result = dir.path().join("base-result.json");
    gate(
        &base,
        &["../base.json", "--result", base_result.to_str().unwrap()],
        &[],
    );
    let out = gate(
        &head,
        &[
            "../head.json",
            "--baseline",
            base_result.to_str().unwrap(),
            "--result",
            result.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let r2: serde_json::Value = read_json(&result);
    assert_eq!(
        (r2["metrics"]["new"].clone(), r2["metrics"]["fixed"].clone()),
        (r["metrics"]["new"].clone(), r["metrics"]["fixed"].clone())
    );
}

/// The secret a scanner found reaches no output: log, annotations, summary, outputs, result
/// file, SARIF.
#[test]
fn secrets_never_leak_into_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, output, result, sarif) = (
        dir.path().join("s.md"),
        dir.path().join("o"),
        dir.path().join("r.json"),
        dir.path().join("m.sarif"),
    );
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ("GITHUB_OUTPUT", output.to_str().unwrap()),
    ];
    let files = [
        "schema-gitleaks.json",
        "schema-trufflehog.jsonl",
        "schema-trivy.json",
    ]
    .map(|f| fixture(f).display().to_string());
    let out = gate(
        dir.path(),
        &[
            files[0].as_str(),
            files[1].as_str(),
            files[2].as_str(),
            "--max",
            "critical=0",
            "--result",
            result.to_str().unwrap(),
            "--sarif",
            sarif.to_str().unwrap(),
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    let everything = [
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        std::fs::read_to_string(&summary).unwrap(),
        std::fs::read_to_string(&output).unwrap(),
        std::fs::read_to_string(&result).unwrap(),
        std::fs::read_to_string(&sarif).unwrap(),
    ];
    for (i, text) in everything.iter().enumerate() {
        assert!(
            !text.contains(SENTINEL) && !text.contains("AKIAGATESSENTINEL0001"),
            "output {i} leaks the secret"
        );
    }
    assert!(
        everything[0].contains("::error title=critical AWS"),
        "{}",
        everything[0]
    );
}

/// The merged SARIF passes Microsoft's SARIF validator with GitHub's rules (errors fail).
#[test]
fn merged_sarif_passes_the_sarif_multitool_with_githubs_rules() {
    let tool = std::env::var("SARIF_MULTITOOL").expect("SARIF_MULTITOOL must name the Sarif.Multitool binary (.ci/run installs npm @microsoft/sarif-multitool)");
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("merged.sarif");
    let reports = root().join("fixtures/security");
    let out = gate(
        &root().join("fixtures/projects/insecure"),
        &[
            reports.to_str().unwrap(),
            "--sarif",
            sarif.to_str().unwrap(),
        ],
        &[],
    );
    assert_exit(&out, 0);
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let ids: Vec<&str> = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        ids.len(),
        "automationDetails.id must be unique per run"
    );
    let v = Command::new(&tool)
        .args(["validate", "--rule-kind", "Gh;Sarif", "--output"])
        .arg(dir.path().join("validation.sarif"))
        .arg(&sarif)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&v.stdout);
    assert!(v.status.success(), "{text}");
    let errors: Vec<&str> = text.lines().filter(|l| l.contains(": error ")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn result_file_matches_the_schema_and_config_schema_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("r.json");
    let b = fixture("bandit.json").display().to_string();
    gate(
        dir.path(),
        &[b.as_str(), "--result", result.to_str().unwrap()],
        &[],
    );
    gates_testkit::generated::assert_current(
        &root().join("schemas/metrics/security.schema.json"),
        &gates_core::result_file::metrics_schema_json::<security_gate::metrics::SecurityMetrics>(),
    );
    gates_testkit::generated::assert_valid_result(&read_json(&result));
    gates_testkit::generated::assert_current(
        &root().join("schemas/config/security.schema.json"),
        &security_gate::config::schema_json(),
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

/// The `security` composite action, run the way the runner runs it, against this build.
#[test]
fn security_action_passes_fails_and_writes_sarif() {
    use gates_testkit::action::{check_readme, run_composite, Job};
    check_readme(&root().join("security"));
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("reports")).unwrap();
    for f in ["bandit.json", "semgrep.json"] {
        std::fs::copy(fixture(f), ws.path().join("reports").join(f)).unwrap();
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_security-gate"))
        .parent()
        .unwrap()
        .display()
        .to_string();
    let job = Job {
        workspace: ws.path().to_path_buf(),
        env: [("GATES_LOCAL_BIN".to_string(), bin)].into_iter().collect(),
        token: "t".into(),
    };
    let action = root().join("security");
    let pass = run_composite(
        &action,
        &[
            ("reports", "reports/"),
            ("max", "critical=0,high=10"),
            ("sarif", "out/security.sarif"),
        ],
        &job,
    );
    assert!(pass.success, "{:#?}", pass.steps);
    assert_eq!(
        (
            pass.outputs["verdict"].as_str(),
            pass.outputs["high"].as_str(),
            pass.outputs["total"].as_str()
        ),
        ("pass", "8", "18")
    );
    assert_eq!(pass.outputs["sarif"], "out/security.sarif");
    assert!(
        ws.path().join("out/security.sarif").exists()
            && ws.path().join("gates-results/security.json").exists()
    );
    let fail = run_composite(
        &action,
        &[
            ("reports", "reports/bandit.json reports/semgrep.json"),
            ("max", "high=0"),
        ],
        &job,
    );
    assert!(!fail.success);
    assert_eq!(fail.outputs["verdict"], "fail");
    assert!(
        fail.summary()
            .contains("8 high findings (at most 0 allowed)"),
        "{}",
        fail.summary()
    );
}

/// Results are read as they stream by; a run that lists them before its `tool`, or before the
/// `originalUriBaseIds` their locations use, still resolves.
#[test]
fn sarif_key_order_does_not_matter() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let result = r#"{"ruleId": "r1", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a.py", "uriBaseId": "SRC"}, "region": {"startLine": 3}}}]}"#;
    let tool = r#"{"driver": {"name": "Late", "rules": [{"id": "r1", "properties": {"security-severity": "7.5"}}]}}"#;
    let bases = format!(r#"{{"SRC": {{"uri": "file://{}/"}}}}"#, root.display());
    for run in [
        format!(r#"{{"results": [{result}], "tool": {tool}, "originalUriBaseIds": {bases}}}"#),
        format!(r#"{{"tool": {tool}, "results": [{result}], "originalUriBaseIds": {bases}}}"#),
    ] {
        let p = root.join("t.sarif");
        std::fs::write(&p, format!(r#"{{"runs": [{run}], "version": "2.1.0"}}"#)).unwrap();
        let r = formats::parse_file(&p, None, root).unwrap();
        assert_eq!(r.tools, ["late"]);
        assert_eq!(r.findings.len(), 1);
        assert_eq!(
            (r.findings[0].path.as_deref(), r.findings[0].severity),
            (Some("src/a.py"), Severity::High)
        );
    }
}

/// A SARIF log whose `version` comes after a long `runs` is recognised from its content too.
#[test]
fn sarif_with_version_last_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("late.sarif");
    let results: Vec<String> = (0..200).map(|i| format!(r#"{{"ruleId": "r{i}", "level": "note", "message": {{"text": "padding padding padding {i}"}}}}"#)).collect();
    std::fs::write(&p, format!(r#"{{"runs": [{{"tool": {{"driver": {{"name": "T"}}}}, "results": [{}]}}], "version": "2.1.0"}}"#, results.join(","))).unwrap();
    let r = formats::parse_file(&p, None, dir.path()).unwrap();
    assert_eq!(r.findings.len(), 200);
}

#[test]
fn dependency_findings_are_annotated_on_their_manifest_line() {
    let dir = tempfile::tempdir().unwrap();
    // The manifest Trivy's report names (Target requirements.txt), as it is in the checkout.
    std::fs::write(
        dir.path().join("requirements.txt"),
        "# app\nflask==2.0.0\nrequests==2.25.0\nPyYAML==5.3\n",
    )
    .unwrap();
    let result = dir.path().join("r.json");
    let report = fixture("schema-trivy.json").display().to_string();
    let out = gate(
        dir.path(),
        &[&report, "--result", result.to_str().unwrap()],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_exit(&out, 0);
    let r: serde_json::Value = read_json(&result);
    let lines: BTreeMap<String, u64> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "requirements.txt")
        .map(|f| {
            (
                f["title"].as_str().unwrap().to_string(),
                f["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines["critical CVE-2020-14343"], 4, "{lines:?}");
    assert_eq!(lines["medium CVE-2023-32681"], 3, "{lines:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "::error title=critical CVE-2020-14343,file=requirements.txt,line=4,endLine=4::"
        ),
        "{stdout}"
    );
}

// Every reader survives damaged input: real fixtures cut short, with bytes flipped or spliced,
// read as themselves and as every other format, give a report or an error, never a panic (the
// stable-toolchain stand-in for the `security_formats` fuzz target).
const MUTATION_SEEDS: &[&str] = &[
    "bandit.json",
    "semgrep.json",
    "semgrep.sarif",
    "checkov.json",
    "schema-gitleaks.json",
    "schema-trufflehog.jsonl",
    "schema-trivy.json",
    "schema-grype.json",
    "schema-osv.json",
    "schema-pip-audit.json",
    "schema-npm-audit.json",
    "schema-cargo-audit.json",
    "schema-safety.json",
];

/// Recognised from the content (`None`), then forced to each format in turn.
fn each_format() -> impl Iterator<Item = Option<Format>> {
    std::iter::once(None).chain(Format::ALL.map(Some))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

    #[test]
    fn damaged_reports_never_panic(
        which in 0usize..64,
        format in 0usize..14,
        cut in 0.0f64..1.0,
        flips in proptest::collection::vec((0.0f64..1.0, proptest::prelude::any::<u8>()), 0..8),
        splice in proptest::prelude::any::<Vec<u8>>(),
    ) {
        let mut bytes = std::fs::read(fixture(MUTATION_SEEDS[which % MUTATION_SEEDS.len()])).unwrap();
        for (at, b) in flips {
            let i = ((bytes.len() as f64) * at) as usize;
            if i < bytes.len() {
                bytes[i] = b;
            }
        }
        bytes.truncate((((bytes.len() as f64) * cut) as usize).max(1));
        bytes.extend_from_slice(&splice);
        let _ = formats::parse_bytes(&bytes, Path::new("mutated"), each_format().nth(format).unwrap(), &root());
    }
}

#[test]
fn every_fixture_read_as_every_format_gives_a_report_or_an_error() {
    for name in MUTATION_SEEDS {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for format in each_format() {
            let _ = formats::parse_bytes(&bytes, Path::new(name), format, &root());
        }
    }
}

/// Bandit writes `runs` first and `version` last: its log must still go to the streaming SARIF
/// reader, not the generic JSON tree (a 100 MB Bandit log took 4x the time and 6x the memory).
#[test]
fn a_bandit_sarif_log_is_streamed_whatever_its_key_order() {
    let text = std::fs::read_to_string(fixture("bandit.sarif")).unwrap();
    let head: String = text.chars().take(4096).collect();
    assert!(
        !head.contains("2.1.0"),
        "the fixture must have its SARIF version past the first 4 KiB, as Bandit writes it"
    );
    assert!(formats::looks_like_sarif(&text));
}
