//! CLI behaviour as executable docs: `tests/cmd/*.trycmd` (help, exit codes, a misspelled flag,
//! a bad config key, an error). `TRYCMD=overwrite cargo test` rewrites the expected output.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .env("GITHUB_ACTIONS", "false")
        .register_bin(
            "coverage-gate",
            std::path::PathBuf::from(env!("CARGO_BIN_EXE_coverage-gate")),
        )
        .case("tests/cmd/*.trycmd");
}
