//! CLI behaviour as executable docs: `tests/cmd/*.trycmd` (help, exit codes, a misspelled flag,
//! a bad config key, an error). `TRYCMD=overwrite cargo test` rewrites the expected output.

#[test]
fn cli_cases() {
    let cases = trycmd::TestCases::new();
    for (k, v) in gates_testkit::cmd::case_env() {
        cases.env(k, v);
    }
    cases
        .register_bin(
            "coverage-gate",
            std::path::PathBuf::from(env!("CARGO_BIN_EXE_coverage-gate")),
        )
        .case("tests/cmd/*.trycmd");
}
