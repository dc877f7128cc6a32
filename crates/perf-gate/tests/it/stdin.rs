//! `-` reads the report from stdin (a tool piped into the gate), with the same result as the
//! file.

use gates_testkit::cmd::metrics_from_file_and_stdin as both_ways;

#[test]
fn a_report_on_stdin_measures_what_the_file_measures() {
    let (file, piped) = both_ways(
        env!("CARGO_BIN_EXE_perf-gate"),
        "fixtures/perf/k6/k6.jsonl",
        &["--threshold", "http_req_duration: p(95)<100000"],
    );
    assert_eq!(file, piped);
    assert!(file.to_string().contains("http_req_duration"), "{file}");
}
