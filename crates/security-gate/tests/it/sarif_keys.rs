//! A SARIF object with a key twice is refused: a reader may take either value (issue 10).

use crate::common;

use common::{assert_exit, gate, text};

/// Results on lines of their own, so the error's line is the second key's.
fn log(run_tail: &str) -> String {
    format!(
        r#"{{"version": "2.1.0", "runs": [{{
"tool": {{"driver": {{"name": "T"}}}},
"results": [{{"ruleId": "plain", "message": {{"text": "in two.py"}}, "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "two.py"}}, "region": {{"startLine": 2}}}}}}]}}],
{run_tail}
}}]}}"#
    )
}

/// A run with a second `results` key and a late `originalUriBaseIds`: the second list's
/// pending base was resolved onto the first list's finding, which was reported at
/// `src/one.py` instead of `two.py`. The log is exit 2 at the line of the second key.
#[test]
fn a_sarif_run_with_a_duplicate_results_key_is_exit_2_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text_of = log(
        r#""results": [{"ruleId": "based", "message": {"text": "in one.py"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "one.py", "uriBaseId": "SRC"}, "region": {"startLine": 1}}}]}],
"originalUriBaseIds": {"SRC": {"uri": "src/"}}"#,
    );
    std::fs::write(dir.path().join("dup.sarif"), &text_of).unwrap();
    let out = gate(dir.path(), &["dup.sarif"], &[]);
    assert_exit(&out, 2);
    let (_, err) = text(&out);
    assert!(
        err.contains("dup.sarif:4:") && err.contains("duplicate key `results` in a run"),
        "{err}"
    );
}

/// Other keys the gate reads: in the log, a run's `originalUriBaseIds`, a result, a rule's
/// `properties`.
#[test]
fn duplicate_keys_in_the_objects_the_gate_reads_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"{"version": "2.1.0", "version": "2.1.0", "runs": []}"#,
            "duplicate key `version` in the log",
        ),
        (
            &*log(r#""originalUriBaseIds": {"SRC": {"uri": "a/"}, "SRC": {"uri": "b/"}}"#),
            "duplicate key `SRC`",
        ),
        (
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "a", "ruleId": "b", "message": {"text": "m"}}]}]}"#,
            "duplicate field `ruleId`",
        ),
        (
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T", "rules": [{"id": "a", "properties": {"security-severity": "9.5", "security-severity": "1.0"}}]}}, "results": []}]}"#,
            "duplicate key `security-severity`",
        ),
    ];
    for (i, (log, want)) in cases.iter().enumerate() {
        let name = format!("case{i}.sarif");
        std::fs::write(dir.path().join(&name), log).unwrap();
        let out = gate(dir.path(), &[&name], &[]);
        assert_exit(&out, 2);
        let (_, err) = text(&out);
        assert!(err.contains(&name) && err.contains(want), "{err}");
    }
}
