//! CLI behaviour as executable docs: `tests/cmd/*.trycmd` (help, exit codes, a misspelled flag,
//! a bad config key, an error). `TRYCMD=overwrite cargo test` rewrites the expected output.

#[test]
fn cli_cases() {
    let cases =
        gates_testkit::cmd::trycmd_cases("coverage-gate", env!("CARGO_BIN_EXE_coverage-gate"));
    cases.case("tests/cmd/*.trycmd");
}

/// The README's "When a gate cannot run" shows the broken-report case as the binary prints it.
#[test]
fn the_readme_shows_the_error_case_as_the_binary_prints_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let case = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd/broken-report.trycmd"),
    )
    .unwrap();
    let block = &case[case.find("```console").unwrap()..];
    assert!(
        readme.contains(block.trim_end()),
        "README.md must show this case as tests/cmd/broken-report.trycmd has it:\n{block}"
    );
}
