//! Moved code is not new: a logged-out Semgrep writes `extra.lines: "requires login"` in its
//! JSON, and fingerprints built on that placeholder (or on the line number) called every finding
//! below an insertion new. Real scans before and after 4 lines (one new MD5 call) are added at the
//! top of a file (`fixtures/security/moved/`, made by `fixtures/regenerate-security.sh`).

use crate::common;
use common::{fixture, gate, read_json};

/// Findings semgrep printed in a screen report ("│ 7 Code Findings │").
fn printed(name: &str) -> u64 {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let line = text.lines().find(|l| l.contains("Code Findings")).unwrap();
    line.trim_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap()
}

#[test]
fn code_moved_down_by_an_insertion_is_not_new_in_semgrep_json_or_sarif() {
    let json = std::fs::read_to_string(fixture("moved/head.semgrep.json")).unwrap();
    assert!(
        json.contains("\"requires login\""),
        "the fixture must be a logged-out scan"
    );
    for ext in ["json", "sarif"] {
        let dir = tempfile::tempdir().unwrap();
        let result = dir.path().join("r.json");
        let head = fixture(&format!("moved/head.semgrep.{ext}"));
        let base = fixture(&format!("moved/base.semgrep.{ext}"));
        let out = gate(
            dir.path(),
            &[
                head.to_str().unwrap(),
                "--baseline",
                base.to_str().unwrap(),
                "--result",
                result.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{ext}");
        let r = read_json(&result);
        assert_eq!(
            r["metrics"]["total"],
            printed("moved/head.semgrep.txt"),
            "{ext}"
        );
        assert_eq!(
            (r["metrics"]["new"].as_u64(), r["metrics"]["fixed"].as_u64()),
            (Some(1), Some(0)),
            "{ext}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let new: Vec<&serde_json::Value> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["message"].as_str().is_some_and(|m| m.starts_with("New")))
            .collect();
        assert_eq!(new.len(), 1, "{ext}: {new:?}");
        let msg = new[0]["message"].as_str().unwrap();
        assert!(msg.contains(" insecure-hash-md5] "), "{ext}: {msg}");
        // The scanner's own rule id is a field of its own, beside the gate's rule.
        assert_eq!(new[0]["tool_rule"], "insecure-hash-md5", "{ext}");
        assert_eq!(new[0]["rule"], "security/code", "{ext}");
        if ext == "sarif" {
            // SARIF carries the flagged code, so the new one of two equal findings is known.
            assert_eq!(new[0]["start_line"], 3, "{msg}");
        }
        // Semgrep JSON without the code tells two MD5 findings of one file apart only by their
        // order: the count is exact, but the one called new may be the other (README).
    }
    // The baseline run itself: as many findings as semgrep printed.
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("r.json");
    let base = fixture("moved/base.semgrep.json");
    gate(
        dir.path(),
        &[base.to_str().unwrap(), "--result", result.to_str().unwrap()],
        &[],
    );
    assert_eq!(
        read_json(&result)["metrics"]["total"],
        printed("moved/base.semgrep.txt")
    );
}
