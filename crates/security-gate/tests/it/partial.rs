//! Reports of scans that could not read every file: the findings reported still count, and the
//! files not scanned are named (issue 9).

use crate::common;

use common::{assert_exit, fixture, gate, read_json, text};

/// Bandit read `app/ok.py` (2 findings) but not `app/broken.py` (a syntax error). Without
/// `--allow-missing` the gate refuses the report and names the file; with it, the 2 findings
/// count and the unread file is named, where the whole report used to be dropped ("no findings").
#[test]
fn allow_missing_keeps_a_partial_bandit_reports_findings_and_names_the_unread_file() {
    let dir = tempfile::tempdir().unwrap();
    let report = fixture("partial/bandit.json").display().to_string();
    let out = gate(dir.path(), &[&report], &[]);
    assert_exit(&out, 2);
    let (_, err) = text(&out);
    assert!(
        err.contains("partial/bandit.json")
            && err.contains("app/broken.py (syntax error while parsing AST from file)")
            && err.contains("--allow-missing"),
        "{err}"
    );

    let result = dir.path().join("r.json");
    let out = gate(
        dir.path(),
        &[
            &report,
            "--allow-missing",
            "--result",
            result.to_str().unwrap(),
            "--print",
            "human",
        ],
        &[],
    );
    assert_exit(&out, 0);
    let r = read_json(&result);
    // B404 (import subprocess, low) and B602 (shell=True, high) in app/ok.py.
    assert_eq!(r["metrics"]["total"], 2, "{r:#}");
    assert_eq!(r["metrics"]["severity"]["high"], 1);
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("1 file not scanned")
            && stdout.contains("bandit could not read app/broken.py"),
        "{stdout}"
    );
}

/// Semgrep's own error about one file (level `error`, with its `path`) is handled the same way.
/// The real report of that scan has it as a warning (a file parsed in part), which Semgrep does
/// not count as failing; raised to an error here, it names the file and keeps the finding.
#[test]
fn allow_missing_keeps_a_partial_semgrep_reports_findings_and_names_the_unread_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = read_json(&fixture("partial/semgrep.json"));
    assert_eq!(v["errors"][0]["level"], "warn");
    let warned = dir.path().join("warned.json");
    std::fs::write(&warned, v.to_string()).unwrap();
    assert_exit(&gate(dir.path(), &["warned.json"], &[]), 0);

    v["errors"][0]["level"] = "error".into();
    std::fs::write(dir.path().join("errored.json"), v.to_string()).unwrap();
    let out = gate(dir.path(), &["errored.json"], &[]);
    assert_exit(&out, 2);
    assert!(text(&out).1.contains("app/broken.py"), "{}", text(&out).1);
    let result = dir.path().join("r.json");
    let out = gate(
        dir.path(),
        &[
            "errored.json",
            "--allow-missing",
            "--result",
            result.to_str().unwrap(),
            "--print",
            "human",
        ],
        &[],
    );
    assert_exit(&out, 0);
    assert_eq!(read_json(&result)["metrics"]["total"], 1);
    assert!(
        text(&out)
            .0
            .contains("semgrep could not read app/broken.py"),
        "{}",
        text(&out).0
    );
}
