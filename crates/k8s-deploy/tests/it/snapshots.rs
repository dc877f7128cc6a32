//! What users see of a run on a real fixture, as insta snapshots in `tests/snapshots/`: the
//! job-summary markdown and the result file (`INSTA_UPDATE=always` or `cargo insta accept`
//! rewrites them).

use crate::common;

use gates_testkit::snapshot;

/// The seeds' production manifests linted (as `lint.rs` pins finding by finding): one error,
/// twelve warnings.
#[test]
fn production_seeds_lint_summary_and_result() {
    let r = snapshot::run(
        env!("CARGO_BIN_EXE_k8s-deploy"),
        &[&["lint"][..], &common::PRODUCTION_SEEDS].concat(),
        &[],
    );
    assert_eq!(r.code, 1, "{r:?}");
    insta::assert_snapshot!("production-lint-summary", r.summary);
    insta::assert_snapshot!("production-lint-result", r.result);
}
