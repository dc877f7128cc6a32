//! What users see of a run on a real fixture, as insta snapshots in `tests/it/snapshots/`: the
//! job-summary markdown and the result file (`INSTA_UPDATE=always` or `cargo insta accept`
//! rewrites them).

use gates_testkit::snapshot;

/// coverage.py's Cobertura report (47 of 60 lines) against `--min-lines 80`: it fails.
#[test]
fn coveragepy_cobertura_summary_and_result() {
    let r = snapshot::run(
        env!("CARGO_BIN_EXE_coverage-gate"),
        &["fixtures/cobertura/coveragepy.xml", "--min-lines", "80"],
        &[],
    );
    assert_eq!(r.code, 1, "{r:?}");
    insta::assert_snapshot!("coveragepy-summary", r.summary);
    insta::assert_snapshot!("coveragepy-result", r.result);
}
