//! What users see of a run on a real fixture, as insta snapshots in `tests/snapshots/`: the
//! job-summary markdown and the result file (`INSTA_UPDATE=always` or `cargo insta accept`
//! rewrites them).

use gates_testkit::snapshot;

/// pytest-benchmark's two runs of the same code, compared: nothing significantly worse.
#[test]
fn pytest_benchmark_rerun_summary_and_result() {
    let r = snapshot::run(
        env!("CARGO_BIN_EXE_perf-gate"),
        &[
            "fixtures/perf/pytest-benchmark/rerun.json",
            "--baseline",
            "fixtures/perf/pytest-benchmark/base.json",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{r:?}");
    insta::assert_snapshot!("pytest-benchmark-summary", r.summary);
    insta::assert_snapshot!("pytest-benchmark-result", r.result);
}
