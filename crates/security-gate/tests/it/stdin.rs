//! `-` reads the report from stdin (a tool piped into the gate), with the same result as the
//! file.

use gates_testkit::cmd::metrics_from_file_and_stdin as both_ways;

#[test]
fn a_report_on_stdin_counts_what_the_file_counts() {
    let (file, piped) = both_ways(
        env!("CARGO_BIN_EXE_security-gate"),
        "fixtures/security/bandit.json",
        &[],
    );
    assert_eq!(file, piped);
    // bandit.txt, Bandit's own report of the same scan: 12 issues, 4 high.
    assert_eq!(file["total"], 12, "{file}");
    assert_eq!(file["severity"]["high"], 4, "{file}");
}
