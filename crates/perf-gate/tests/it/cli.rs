//! The binary end to end on the real fixtures: verdicts and exit codes, the result file and the
//! outputs, and every kind of bad input ending in exit 2 with an `error` result.

use crate::common;

use common::{fixture, gate, read_json, text};

/// Run the gate in a fresh directory with the fixtures' folder at `f/`, writing `r.json` and
/// the step outputs as the runner does; returns (exit code, stdout + stderr, result, outputs).
fn run(args: &[&str]) -> (Option<i32>, String, serde_json::Value, Outputs) {
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(fixture(""), d.path().join("f")).unwrap();
    let outputs = d.path().join("out.txt");
    std::fs::write(&outputs, "").unwrap();
    let mut all = vec!["--result", "r.json"];
    all.extend_from_slice(args);
    let o = gate(
        d.path(),
        &all,
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
        ],
    );
    let (out, err) = text(&o);
    let result = read_json(&d.path().join("r.json"));
    gates_testkit::generated::assert_valid_result(&result);
    (
        o.status.code(),
        format!("{out}{err}"),
        result,
        gates_core::outputs::parse(&std::fs::read_to_string(&outputs).unwrap())
            .unwrap()
            .into_iter()
            .collect(),
    )
}

type Outputs = std::collections::BTreeMap<String, String>;

#[test]
fn k6_thresholds_are_recomputed_and_a_crossed_one_fails() {
    let (code, out, r, outputs) = run(&[
        "f/k6/k6.jsonl",
        "--threshold",
        "http_req_duration: p(95)<500",
        "--threshold",
        "http_req_failed: rate<0.01",
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(r["verdict"], "fail");
    let t = r["metrics"]["thresholds"].as_array().unwrap();
    // The two asked, then the script's own `avg<200` and `rate<0.5` (its `p(95)<500` is the
    // first one asked).
    assert_eq!(t.len(), 4);
    assert_eq!(t[0]["ok"], true);
    assert_eq!(t[1]["ok"], false);
    assert_eq!(outputs["verdict"], "fail");
    assert!(out.contains("http_req_failed: rate<0.01"), "{out}");
}

#[test]
fn a_real_slowdown_regresses_and_a_rerun_of_the_same_code_does_not() {
    let (code, out, r, outputs) = run(&[
        "f/pytest-benchmark/slow.json",
        "--baseline",
        "f/pytest-benchmark/base.json",
    ]);
    assert_eq!(code, Some(1), "{out}");
    let rows = r["metrics"]["benchmarks"].as_array().unwrap();
    let sorted = rows
        .iter()
        .find(|b| b["name"] == "bench_fast.py::test_sorted")
        .unwrap();
    assert_eq!(sorted["verdict"], "regressed");
    assert_eq!(sorted["method"], "mann-whitney");
    assert_eq!(outputs["regressions"], "1");
    // The annotation sits on the benchmark's test file, which pytest's node id names.
    let finding = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("test_sorted"))
        .unwrap();
    assert_eq!(finding["path"], "bench_fast.py", "{finding}");

    let (code, out, r, outputs) = run(&[
        "f/pytest-benchmark/rerun.json",
        "--baseline",
        "f/pytest-benchmark/base.json",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(r["metrics"]["regressions"], 0);
    assert_eq!(outputs["regressions"], "0");
}

#[test]
fn too_few_runs_are_inconclusive_and_never_pass() {
    let (code, out, r, _) = run(&[
        "f/hyperfine/few-head.json",
        "--baseline",
        "f/hyperfine/few-base.json",
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(r["metrics"]["benchmarks"][0]["verdict"], "inconclusive");
    assert!(out.contains("take more samples"), "{out}");
}

/// Every kind of bad input: exit 2, an `error` result naming the file, and the fix.
#[test]
fn bad_input_is_exit_2_with_an_error_result() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["f/k6/k6.jsonl", "--threshold", "http_reqs: rate>100"],
            "which `--out json` does not record",
        ),
        (
            &[
                "f/k6/k6.jsonl",
                "--threshold",
                "http_req_duration{status:500}: p(95)<100",
            ],
            "no sample of \"http_req_duration\" carries the tags status:500",
        ),
        (
            &["f/malformed/malformed-truncated.k6.jsonl"],
            "malformed-truncated.k6.jsonl:",
        ),
        (
            &["f/malformed/malformed-negative.pytest.json"],
            "must be finite and not negative",
        ),
        (
            &["f/malformed/malformed-nan.pytest.json"],
            "488:25: not JSON: NaN is not a JSON number",
        ),
        (
            &[
                "f/malformed/malformed-renamed.pytest.json",
                "--baseline",
                "f/pytest-benchmark/base.json",
            ],
            "no benchmark in common",
        ),
        (
            &[
                "f/pytest-benchmark/base.json",
                "--baseline",
                "f/hyperfine/hyperfine.json",
            ],
            "the baseline is a hyperfine report",
        ),
        (
            &["f/pytest-benchmark/base.json", "f/hyperfine/hyperfine.json"],
            "a pytest-benchmark report among hyperfine reports",
        ),
        (
            &["f/k6/k6.jsonl", "--threshold", "nope: p(95)<500"],
            "has no such metric",
        ),
        (
            &[
                "f/k6/summary-export.json",
                "--threshold",
                "http_req_duration: p(99.9)<500",
            ],
            "summaryTrendStats",
        ),
        (
            &[
                "f/k6-handle-summary/handle-summary.json",
                "--threshold",
                "http_req_duration: p(99.9)<500",
            ],
            "summaryTrendStats",
        ),
        (
            &["f/k6/k6.jsonl", "--threshold", "http_req_duration p95"],
            "--threshold",
        ),
        (&["f/k6/k6.jsonl", "--alpha", "2"], "--alpha"),
        (&["f/nothing-here.json"], "nothing-here.json"),
    ];
    for (args, expect) in cases {
        let (code, out, r, outputs) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {out}");
        assert_eq!(r["verdict"], "error", "{args:?}");
        assert!(out.contains(expect), "{args:?}: wanted {expect:?} in {out}");
        assert_eq!(outputs["verdict"], "error", "{args:?}");
        assert!(
            r["metrics"].as_object().is_none_or(|m| m.is_empty()),
            "{args:?}: no metrics from a run that could not finish: {r}"
        );
    }
}

/// Every text field of every real fixture carrying workflow-command text: the gate judges or
/// stops, and nothing it prints is a command it did not mean.
#[test]
fn hostile_report_text_never_becomes_a_workflow_command() {
    use gates_testkit::runner::{assert_run_inert, hostile_variant};
    let d = tempfile::tempdir().unwrap();
    let mut judged = 0;
    for dir in ["k6", "pytest-benchmark", "hyperfine"] {
        for e in std::fs::read_dir(fixture(dir)).unwrap() {
            let p = e.unwrap().path();
            if !matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("json" | "jsonl")
            ) {
                continue;
            }
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            std::fs::write(
                d.path().join(&name),
                hostile_variant(&std::fs::read(&p).unwrap()),
            )
            .unwrap();
            let summary = d.path().join("summary.md");
            let o = gate(
                d.path(),
                &[&name, "--baseline", &name, "--print", "github"],
                &[
                    ("GITHUB_ACTIONS", "true"),
                    ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
                ],
            );
            if assert_run_inert(&name, &o) {
                judged += 1;
            }
        }
    }
    assert!(judged >= 3, "only {judged} hostile reports were judged");
}

#[test]
fn the_result_file_is_the_pr_comments_input() {
    let (_, _, r, _) = run(&[
        "f/pytest-benchmark/slow.json",
        "--baseline",
        "f/pytest-benchmark/base.json",
    ]);
    assert_eq!(r["gate"], "perf");
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "perf/regression"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains("bench_fast.py::test_sorted")),
        "{r}"
    );
}

/// A main-branch history built from real runs: benchmarks warm up for five runs, are then
/// compared with their history's current segment, a real slowdown regresses, and once it has
/// stayed three runs it is a step change reported at the commit it started at.
#[test]
fn history_compares_with_the_current_segment_and_reports_the_step() {
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(fixture(""), d.path().join("f")).unwrap();
    let step = |report: &str, sha: &str, run: &str| {
        let o = gate(
            d.path(),
            &[report, "--history", "h.json", "--result", "r.json"],
            &[("GITHUB_SHA", sha), ("GITHUB_RUN_ID", run)],
        );
        (o.status.code(), read_json(&d.path().join("r.json")))
    };
    for i in 0..5 {
        let report = if i % 2 == 0 { "base" } else { "rerun" };
        let (code, r) = step(
            &format!("f/pytest-benchmark/{report}.json"),
            &format!("aaaa{i}"),
            &format!("{i}"),
        );
        assert_eq!(code, Some(0), "{r}");
        assert_eq!(
            r["metrics"]["history"]["warming_up"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(r["metrics"]["history"]["runs"], i + 1);
    }
    let (code, r) = step("f/pytest-benchmark/slow.json", "bbbb0", "5");
    assert_eq!(code, Some(1), "{r}");
    let sorted = r["metrics"]["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "bench_fast.py::test_sorted")
        .unwrap()
        .clone();
    assert_eq!(
        (sorted["method"].as_str(), sorted["verdict"].as_str()),
        (Some("history-t"), Some("regressed"))
    );
    for i in 1..3 {
        step(
            "f/pytest-benchmark/slow.json",
            &format!("bbbb{i}"),
            &format!("{}", 5 + i),
        );
    }
    let steps = r_steps(&step("f/pytest-benchmark/slow.json", "bbbb3", "8").1);
    assert!(
        steps.contains(&(
            "bench_fast.py::test_sorted".to_string(),
            "bbbb0".to_string()
        )),
        "{steps:?}"
    );
    // The slow runs are the current segment now: the slowdown is the new normal.
    let (code, r) = step("f/pytest-benchmark/slow.json", "bbbb4", "9");
    assert_eq!(code, Some(0), "{r}");
    let h = read_json(&d.path().join("h.json"));
    assert_eq!(h["schema"], "gates-perf-history/v1");
    assert_eq!(h["runs"].as_array().unwrap().len(), 10);
    // A re-run of the same workflow run replaces its entry; --history-keep bounds the file.
    let o = gate(
        d.path(),
        &[
            "f/pytest-benchmark/slow.json",
            "--history",
            "h.json",
            "--history-keep",
            "4",
        ],
        &[("GITHUB_SHA", "bbbb4"), ("GITHUB_RUN_ID", "9")],
    );
    assert_eq!(o.status.code(), Some(0));
    let h = read_json(&d.path().join("h.json"));
    let commits: Vec<&str> = h["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["commit"].as_str().unwrap())
        .collect();
    assert_eq!(commits, ["bbbb1", "bbbb2", "bbbb3", "bbbb4"]);
}

fn r_steps(r: &serde_json::Value) -> Vec<(String, String)> {
    r["metrics"]["history"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["benchmark"].as_str().unwrap().into(),
                s["commit"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// A history file that is not one is exit 2, and the file is left as it was.
#[test]
fn a_bad_history_file_is_exit_2_and_left_alone() {
    let d = tempfile::tempdir().unwrap();
    let bad = "{\"schema\": \"gates-perf-history/v1\", \"runs\": [";
    std::fs::write(d.path().join("h.json"), bad).unwrap();
    let o = gate(
        d.path(),
        &[
            fixture("hyperfine/hyperfine.json").to_str().unwrap(),
            "--history",
            "h.json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let (out, err) = text(&o);
    assert!(
        err.contains("h.json:1:") && err.contains("ends early"),
        "{out}{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("h.json")).unwrap(),
        bad
    );
}

/// Interleaved A/B rounds (real hyperfine runs, three each): one round cannot decide; the three
/// rounds of each side, pooled, find the real slowdown.
#[test]
fn interleaved_rounds_are_pooled() {
    let (code, out, r, _) = run(&[
        "f/hyperfine/rounds/head-1.json",
        "--baseline",
        "f/hyperfine/rounds/base-1.json",
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(r["metrics"]["benchmarks"][0]["verdict"], "inconclusive");
    let (code, out, r, _) = run(&[
        "f/hyperfine/rounds/head-*.json",
        "--baseline",
        "f/hyperfine/rounds/base-*.json",
    ]);
    assert_eq!(code, Some(1), "{out}");
    let b = &r["metrics"]["benchmarks"][0];
    assert_eq!(
        (b["verdict"].as_str(), b["method"].as_str()),
        (Some("regressed"), Some("mann-whitney"))
    );
}

/// A criterion `new/` and `base/` directory, as criterion leaves them: the raw samples are
/// compared (not the estimates beside them, nor benchmark.json and tukey.json).
#[test]
fn criterion_directories_compare_their_raw_samples() {
    let (code, out, r, _) = run(&[
        "f/criterion/sort_500/new",
        "--baseline",
        "f/criterion/sort_500/base",
    ]);
    assert_eq!(code, Some(0), "{out}");
    let rows = r["metrics"]["benchmarks"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{r}");
    assert_eq!(
        (rows[0]["name"].as_str(), rows[0]["method"].as_str()),
        (Some("sort_500"), Some("mann-whitney"))
    );
}

/// A `--csv` folder as locust leaves it: only `_stats.csv` is read (the history holds the
/// same requests, the failures and exceptions files no statistics), so the folder gives what
/// the stats file alone gives.
#[test]
fn a_locust_csv_folder_reads_its_stats_file_once() {
    let d = tempfile::tempdir().unwrap();
    let folder = d.path().join("locust");
    std::fs::create_dir(&folder).unwrap();
    for f in [
        "locust_stats.csv",
        "locust_stats_history.csv",
        "locust_failures.csv",
        "locust_exceptions.csv",
    ] {
        std::fs::copy(common::fixture("locust").join(f), folder.join(f)).unwrap();
    }
    let limit = "Aggregated: count<0";
    let folder_arg = folder.display().to_string();
    let (_, out, whole, _) = run(&[&folder_arg, "--threshold", limit]);
    let (_, _, alone, _) = run(&["f/locust/locust_stats.csv", "--threshold", limit]);
    assert_eq!(
        whole["metrics"]["thresholds"][0]["value"], alone["metrics"]["thresholds"][0]["value"],
        "{out}"
    );
    assert!(whole["metrics"]["thresholds"][0]["value"].as_f64().unwrap() > 0.0);
}

/// Each of `report`'s numbers named in `fields` multiplied by `factor`, as a slower (or, for
/// a rate, faster) build would write them.
fn scaled(report: &str, fields: &[&str], factor: f64) -> String {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(report)).unwrap()).unwrap();
    for b in v["benchmarks"].as_array_mut().unwrap() {
        for f in fields {
            if let Some(x) = b[*f].as_f64() {
                b[*f] = serde_json::json!(x * factor);
            }
        }
    }
    v.to_string()
}

/// Regression (audit 2026-12-04): every benchmark of the real Google Benchmark run twice as
/// slow passed as "unchanged", because five repetitions can reach p < 0.05 alone but not after
/// Holm's correction over the run's nine series. It must not pass.
#[test]
fn a_doubling_too_few_repetitions_cannot_confirm_fails_as_inconclusive() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("head.json"),
        scaled("gbench/gbench.json", &["real_time", "cpu_time"], 2.0),
    )
    .unwrap();
    std::fs::copy(fixture("gbench/gbench.json"), d.path().join("base.json")).unwrap();
    let o = gate(
        d.path(),
        &["head.json", "--baseline", "base.json", "--result", "r.json"],
        &[],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    let r = read_json(&d.path().join("r.json"));
    let verdicts: Vec<&str> = r["metrics"]["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["verdict"].as_str().unwrap())
        .collect();
    assert!(!verdicts.is_empty());
    assert!(
        verdicts.iter().all(|v| *v != "unchanged"),
        "a doubling is never unchanged: {verdicts:?}"
    );
    assert!(verdicts.contains(&"inconclusive"), "{verdicts:?}");
}

/// The thresholds a k6 script declares are the gate's to judge, from the values: a script
/// limit the run crossed fails with no `--threshold` given, and k6's own verdict is shown only
/// where it disagrees (summary-export's booleans mean "crossed", k6 #1498).
#[test]
fn the_k6_scripts_own_thresholds_are_re_evaluated_and_k6_shown_only_when_it_disagrees() {
    let real = std::fs::read_to_string(fixture("k6/summary-export.json")).unwrap();
    let d = tempfile::tempdir().unwrap();
    // The script's `avg<200` made `avg<1` (the run's average is 2.9 ms).
    std::fs::write(
        d.path().join("strict.json"),
        real.replace("\"avg<200\"", "\"avg<1\""),
    )
    .unwrap();
    // k6's verdict on `p(95)<500` flipped to "crossed", though p(95) is 6.15 ms.
    std::fs::write(
        d.path().join("flipped.json"),
        real.replace("\"p(95)<500\": false", "\"p(95)<500\": true"),
    )
    .unwrap();
    std::fs::write(d.path().join("real.json"), &real).unwrap();

    let o = gate(d.path(), &["real.json", "--print", "human"], &[]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("4/4 thresholds met"), "{out}");
    assert!(
        !out.contains("k6 reported"),
        "k6 agrees: nothing to show: {out}"
    );

    let o = gate(d.path(), &["strict.json", "--result", "r.json"], &[]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(
        out.contains("avg<1") && out.contains("declared in the k6 script"),
        "{out}"
    );
    let r = read_json(&d.path().join("r.json"));
    assert_eq!(r["verdict"], "fail");

    let o = gate(d.path(), &["flipped.json", "--print", "human"], &[]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "ours decides: {out}{err}");
    assert!(out.contains("k6 reported it crossed"), "{out}");
}

/// `--direction` turns a benchmark's sense around where its unit says it wrong (a score in
/// seconds, say), and one that names no benchmark is a typo, refused.
#[test]
fn a_direction_override_decides_which_way_is_worse() {
    let (code, out, r, _) = run(&[
        "f/pytest-benchmark/slow.json",
        "--baseline",
        "f/pytest-benchmark/base.json",
        "--direction",
        "*test_sorted=higher",
    ]);
    assert_eq!(code, Some(0), "{out}");
    let sorted = r["metrics"]["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "bench_fast.py::test_sorted")
        .unwrap();
    assert_eq!(sorted["verdict"], "improved", "{sorted}");

    let (code, out, r, _) = run(&[
        "f/pytest-benchmark/slow.json",
        "--baseline",
        "f/pytest-benchmark/base.json",
        "--direction",
        "*test_sortd=higher",
    ]);
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(r["verdict"], "error");
    assert!(
        out.contains("\"*test_sortd\" matches no benchmark"),
        "{out}"
    );
    let (code, out, _, _) = run(&[
        "f/pytest-benchmark/slow.json",
        "--direction",
        "*test_sorted=up",
    ]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("PATTERN=lower or PATTERN=higher"), "{out}");
}

/// criterion's own comparison (`change/estimates.json`) can be held to a limit in percent: the
/// mean change criterion printed (`change: [+74.782% +97.867% +126.65%]`) fails `avg<10%`.
#[test]
fn criterions_change_estimate_is_limited_in_percent() {
    let (code, out, r, _) = run(&[
        "f/criterion/sum_squares/change/estimates.json",
        "--threshold",
        "sum_squares: avg<10%",
    ]);
    assert_eq!(code, Some(1), "{out}");
    let printed = std::fs::read_to_string(fixture("criterion/new.txt")).unwrap();
    let line = printed
        .lines()
        .find(|l| l.contains("change: [+74"))
        .unwrap();
    let mean: f64 = line
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_end_matches('%')
        .parse()
        .unwrap();
    let value = r["metrics"]["thresholds"][0]["value"].as_f64().unwrap();
    assert!((value - mean).abs() < 5e-4, "{value} vs printed {mean}");
    let (code, out, _, _) = run(&[
        "f/criterion/sort_500/change/estimates.json",
        "--threshold",
        "sort_500: avg<10%",
    ]);
    assert_eq!(code, Some(0), "{out}");
}
