//! The `perf` composite action run the way the runner runs it, against this build.

use crate::common;

use std::path::PathBuf;

use gates_testkit::action::{check_readme, run_composite, ActionRun, Job};

fn action_dir() -> PathBuf {
    common::root().join("perf")
}

#[test]
fn action_readme_lists_every_input_and_output() {
    check_readme(&action_dir());
}

fn action(given: &[(&str, &str)]) -> (ActionRun, tempfile::TempDir) {
    let ws = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(common::fixture(""), ws.path().join("f")).unwrap();
    let job = Job::local(ws.path(), env!("CARGO_BIN_EXE_perf-gate"));
    (run_composite(&action_dir(), given, &job), ws)
}

#[test]
fn a_k6_run_over_its_limits_fails_with_outputs_and_summary() {
    let (run, ws) = action(&[
        ("report", "f/k6/k6.jsonl"),
        (
            "thresholds",
            "http_req_duration: p(95)<500ms\nhttp_req_failed: rate<0.01\n",
        ),
    ]);
    assert!(!run.success, "{:#?}", run.steps);
    assert_eq!(run.outputs["verdict"], "fail");
    assert!(
        run.stdout().contains("::error title=perf/threshold"),
        "{}",
        run.stdout()
    );
    assert!(
        run.summary().contains("http_req_failed"),
        "{}",
        run.summary()
    );
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("gates-results/perf.json")).unwrap(),
    )
    .unwrap();
    gates_testkit::generated::assert_valid_result(&doc);
    // The two asked for, and the script's own `avg<200` and `rate<0.5` (its `p(95)<500` is
    // the first one asked for, in another unit).
    let asked: Vec<String> = doc["metrics"]["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["metric"].as_str().unwrap(),
                t["expression"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        asked,
        [
            "http_req_duration p(95)<500ms",
            "http_req_failed rate<0.01",
            "http_req_duration avg<200",
            "http_req_failed rate<0.5"
        ]
    );
}

#[test]
fn a_benchmark_pair_with_a_percent_max_regression_and_rounds() {
    let (run, _ws) = action(&[
        ("report", "f/pytest-benchmark/rerun.json"),
        ("baseline", "f/pytest-benchmark/base.json"),
        ("max-regression", "10%"),
    ]);
    assert!(run.success, "{:#?}", run.steps);
    assert_eq!(run.outputs["verdict"], "pass");
    assert_eq!(run.outputs["regressions"], "0");
    let (run, _ws) = action(&[
        ("report", "f/hyperfine/rounds/head-*.json"),
        (
            "baseline",
            "f/hyperfine/rounds/base-1.json f/hyperfine/rounds/base-2.json\nf/hyperfine/rounds/base-3.json",
        ),
    ]);
    assert_eq!(run.outputs["regressions"], "1", "{:#?}", run.steps);
}
