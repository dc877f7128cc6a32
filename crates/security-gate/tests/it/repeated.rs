//! One scan written in two formats counts once (issue 10).

use crate::common;

use common::{assert_exit, fixture, gate, read_json, text};

/// Bandit's JSON and SARIF of one scan in a reports directory gave 8 high where Bandit found 4:
/// the second is recognised as the same run (same tool, same findings), counted once, and the
/// outcome says so, naming both files.
#[test]
fn one_scan_in_json_and_sarif_counts_once_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    for f in [
        "bandit.json",
        "bandit.sarif",
        "semgrep.json",
        "semgrep.sarif",
    ] {
        std::fs::copy(fixture(f), reports.join(f)).unwrap();
    }
    let result = dir.path().join("r.json");
    let out = gate(
        dir.path(),
        &[
            "reports",
            "--result",
            result.to_str().unwrap(),
            "--print",
            "human",
        ],
        &[],
    );
    assert_exit(&out, 0);
    let r = read_json(&result);
    // bandit.txt: 4 high, 4 medium, 4 low (and 1 nosec, which only the JSON counts); Semgrep's
    // 6 (4 high, 1 medium, 1 low).
    assert_eq!(
        r["metrics"]["severity"]["high"],
        4 + 4,
        "{:#}",
        r["metrics"]
    );
    assert_eq!(r["metrics"]["total"], 12 + 6);
    assert_eq!(r["metrics"]["suppressed"], 1);
    let (stdout, _) = text(&out);
    for (twice, first) in [
        ("bandit.sarif is the same bandit run as", "bandit.json"),
        ("semgrep.sarif is the same semgrep run as", "semgrep.json"),
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.contains(twice) && l.contains(first) && l.contains("counted once")),
            "{stdout}"
        );
    }
    // Two different scans by one tool both count.
    let out = gate(
        dir.path(),
        &[
            fixture("bandit.sarif").to_str().unwrap(),
            fixture("partial/bandit.json").to_str().unwrap(),
            "--allow-missing",
            "--result",
            result.to_str().unwrap(),
        ],
        &[],
    );
    assert_exit(&out, 0);
    assert_eq!(read_json(&result)["metrics"]["total"], 12 + 2);
}
