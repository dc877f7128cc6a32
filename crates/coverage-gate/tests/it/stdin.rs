//! `-` reads the report from stdin (a tool piped into the gate), with the same result as the
//! file.

use gates_testkit::cmd::metrics_from_file_and_stdin as both_ways;

#[test]
fn a_report_on_stdin_covers_what_the_file_covers() {
    let (file, piped) = both_ways(
        env!("CARGO_BIN_EXE_coverage-gate"),
        "fixtures/cobertura/coveragepy.xml",
        &[],
    );
    assert_eq!(file, piped);
    assert!(file["lines"]["total"].as_u64().unwrap() > 0, "{file}");
}
