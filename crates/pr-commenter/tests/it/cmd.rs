//! CLI behaviour as executable docs: `tests/cmd/*.trycmd` (help, a misspelled flag, a missing
//! result file, a hand-off prepared from coverage-gate's result on a real fixture). The commenter
//! reads no config file, so it has no bad-key case. `TRYCMD=overwrite cargo test --test it cmd`
//! rewrites the expected output, and the input result too.

// TRYCMD is read to rewrite the input result along with the expected output.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

#[test]
fn cli_cases() {
    coverage_result_is_current(Path::new(
        "tests/cmd/prepare.in/gates-results/coverage.json",
    ));
    let cases =
        gates_testkit::cmd::trycmd_cases("pr-commenter", env!("CARGO_BIN_EXE_pr-commenter"));
    // The repository and head commit a pull_request job has (here, not in a case's command line:
    // these override that).
    cases
        .env("GITHUB_REPOSITORY", "Codertocat/Hello-World")
        .env("GITHUB_SHA", "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
    cases.case("tests/cmd/*.trycmd");
}

/// The `prepare` case's input is coverage-gate's result for fixtures/cobertura/coveragepy.xml
/// with `--min-lines 75`, as coverage-gate writes it today: checked here so it never goes stale.
fn coverage_result_is_current(committed: &Path) {
    let root = gates_testkit::cmd::workspace_root();
    let cfg = coverage_gate::config::CoverageConfig {
        min_lines: Some(75.0),
        ..Default::default()
    };
    let inputs = coverage_gate::gate::Inputs {
        reports: vec![root.join("fixtures/cobertura/coveragepy.xml")],
        cwd: root.clone(),
        policy: coverage_gate::policy::Policy::from_config(&cfg),
        ..Default::default()
    };
    let outcome = coverage_gate::gate::run(&inputs, &gates_core::ActionsEnv::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("coverage.json");
    gates_core::result_file::write(&fresh, &outcome).unwrap();
    let fresh = std::fs::read_to_string(fresh).unwrap();
    assert!(!fresh.contains(root.to_str().unwrap()), "{fresh}");
    if std::env::var_os("TRYCMD").is_some_and(|v| v == "overwrite") {
        std::fs::create_dir_all(committed.parent().unwrap()).unwrap();
        std::fs::write(committed, &fresh).unwrap();
    }
    let now = std::fs::read_to_string(committed).unwrap_or_default();
    assert!(
        now == fresh,
        "{} is stale: rerun with TRYCMD=overwrite and review the cases",
        committed.display()
    );
}
