//! CLI behaviour as executable docs: `tests/cmd/*.trycmd` (help, exit codes, a misspelled flag,
//! a bad config key, a missing input and its error result, a passing run on a real fixture).
//! `TRYCMD=overwrite cargo test --test cmd` rewrites the expected output.

#[test]
fn cli_cases() {
    let cases = trycmd::TestCases::new();
    for (k, v) in gates_testkit::cmd::case_env() {
        cases.env(k, v);
    }
    cases
        .register_bin(
            "security-gate",
            std::path::PathBuf::from(env!("CARGO_BIN_EXE_security-gate")),
        )
        .case("tests/cmd/*.trycmd");
}
