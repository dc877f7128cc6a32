//! What users see of a run on a real fixture, as insta snapshots in `tests/snapshots/`: the
//! job-summary markdown and the result file (`INSTA_UPDATE=always` or `cargo insta accept`
//! rewrites them).

use gates_testkit::snapshot;

/// Bandit's report of fixtures/projects/insecure against `high=0`: four high findings fail it.
#[test]
fn bandit_report_summary_and_result() {
    let r = snapshot::run(
        env!("CARGO_BIN_EXE_security-gate"),
        &[
            "fixtures/security/bandit.json",
            "--max",
            "critical=0,high=0",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{r:?}");
    insta::assert_snapshot!("bandit-summary", r.summary);
    insta::assert_snapshot!("bandit-result", r.result);
}
