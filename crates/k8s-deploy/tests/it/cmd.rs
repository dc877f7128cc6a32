//! CLI behaviour as executable docs: `tests/cmd/*.trycmd` (help, exit codes, a misspelled flag,
//! a bad config key, a missing input and its error result, a passing run on a real fixture).
//! `TRYCMD=overwrite cargo test --test it cmd` rewrites the expected output.

#[test]
fn cli_cases() {
    let cases = gates_testkit::cmd::trycmd_cases("k8s-deploy", env!("CARGO_BIN_EXE_k8s-deploy"));
    cases.case("tests/cmd/*.trycmd");
}
