//! What users see of a run on a real fixture, as insta snapshots in `tests/snapshots/`: the
//! job-summary markdown and the result file (`INSTA_UPDATE=always` or `cargo insta accept`
//! rewrites them).

use gates_testkit::snapshot;

/// GitHub's GraphQL schema from 15.12.0 to 15.18.1: no breaking change, 13 dangerous ones.
#[test]
fn github_graphql_schema_summary_and_result() {
    let r = snapshot::run(
        env!("CARGO_BIN_EXE_breaking-change-check"),
        &[
            "fixtures/graphql/github-15.18.1.graphql",
            "--base-file",
            "fixtures/graphql/github-15.12.0.graphql",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{r:?}");
    insta::assert_snapshot!("github-graphql-summary", r.summary);
    insta::assert_snapshot!("github-graphql-result", r.result);
}
