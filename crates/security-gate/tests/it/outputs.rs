//! What people see: limits and exit codes, the summary, failing closed, secrets in no output, merged SARIF GitHub accepts, the result file, annotations on manifests, the action.

// Tests set up the programs' environment from the real one (PATH).
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;

use crate::common;
use common::{assert_exit, fixture, gate, read_json, root};

const SENTINEL: &str = "GATES_SENTINEL_SECRET_7f3a9c2e1b";

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
    gates_testkit::cmd::assert_sarif_valid(&sarif);
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
    let job = Job::local(ws.path(), env!("CARGO_BIN_EXE_security-gate"));
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
