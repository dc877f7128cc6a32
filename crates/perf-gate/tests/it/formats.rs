//! Every format against the numbers its own tool printed for the same file.

use crate::common;
use common::fixture;

use perf_gate::formats;
use perf_gate::model::{Format, Kind, Report, Stat};

fn stat(r: &Report, metric: &str, s: &str, tags: &[(&str, &str)]) -> f64 {
    let m = r.get(metric).unwrap_or_else(|| panic!("no {metric}"));
    let tags: Vec<(String, String)> = tags
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    m.stat(&Stat::parse(s).unwrap(), &tags, &r.tag_sets)
        .unwrap_or_else(|| panic!("{metric} {s}"))
}

/// k6's summary text cuts to two decimals (5.5961 prints as 5.59).
fn k6(x: f64) -> String {
    format!("{:.2}", (x * 100.0).floor() / 100.0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// The statistics the gate computes from k6's raw JSON-lines samples equal the ones k6 itself
/// computed for the same run: exactly those of `--summary-export`, and, rounded as k6 rounds
/// them, the end-of-test summary text (k6/summary.txt).
#[test]
fn k6_jsonl_statistics_equal_k6s_own() {
    let jsonl = formats::read(&fixture("k6/k6.jsonl"), None).unwrap();
    assert_eq!(jsonl.format, Format::K6Jsonl);
    let export = formats::read(&fixture("k6/summary-export.json"), None).unwrap();
    assert_eq!(export.format, Format::K6Summary);
    let mut compared = 0;
    for m in export.metrics.iter().filter(|m| m.kind == Kind::Trend) {
        let (name, tags) = match m.name.split_once('{') {
            Some((n, t)) => {
                let (k, v) = t.trim_end_matches('}').split_once(':').unwrap();
                (n, vec![(k, v)])
            }
            None => (m.name.as_str(), vec![]),
        };
        for (key, want) in &m.given {
            let got = stat(&jsonl, name, key, &tags);
            assert!(close(got, *want), "{} {key}: gate {got}, k6 {want}", m.name);
            compared += 1;
        }
    }
    // Ten trends (three of them submetrics) with eight statistics each.
    assert_eq!(compared, 10 * 8);

    // k6/summary.txt, as k6 printed it.
    let d = |s: &str| stat(&jsonl, "http_req_duration", s, &[]);
    // avg=2.91ms min=852.55µs med=2.11ms max=15.47ms p(90)=5.59ms p(95)=6.15ms p(99)=13.71ms count=60
    let printed = [
        ("avg", 2.91),
        ("med", 2.11),
        ("max", 15.47),
        ("p(90)", 5.59),
        ("p(95)", 6.15),
        ("p(99)", 13.71),
    ];
    for (s, want) in printed {
        assert_eq!(k6(d(s)), format!("{want:.2}"), "{s}");
    }
    assert_eq!(k6(d("min") * 1000.0), "852.55");
    assert_eq!(d("count"), 60.0);
    let ok = |s: &str| stat(&jsonl, "http_req_duration", s, &[("status", "200")]);
    // { status:200 }: avg=2.58ms max=6.98ms p(95)=5.71ms count=53
    assert_eq!(
        (k6(ok("avg")), k6(ok("max")), k6(ok("p(95)")), ok("count")),
        ("2.58".into(), "6.98".into(), "5.71".into(), 53.0)
    );
    // http_req_failed: 11.66% 7 out of 60 (k6 truncates the percentage).
    let failed = stat(&jsonl, "http_req_failed", "rate", &[]);
    assert!(close(failed, 7.0 / 60.0), "{failed}");
    assert_eq!(stat(&jsonl, "http_req_failed", "count", &[]), 60.0);
    assert_eq!(stat(&jsonl, "http_reqs", "count", &[]), 60.0);
    assert_eq!(stat(&jsonl, "checks", "rate", &[]), 53.0 / 60.0);
    // iteration_duration: avg=3.35ms p(95)=6.47ms max=15.88ms
    let it = |s: &str| k6(stat(&jsonl, "iteration_duration", s, &[]));
    assert_eq!(
        (it("avg"), it("p(95)"), it("max")),
        ("3.35".into(), "6.47".into(), "15.88".into())
    );
    // The summary export's own rate equals the recomputed one.
    assert!(close(stat(&export, "http_req_failed", "rate", &[]), failed));
}

/// pytest-benchmark: the raw rounds are kept, and the report's own statistics are read
/// (pytest-benchmark/base.txt prints them in microseconds).
#[test]
fn pytest_benchmark_reads_rounds_and_stats() {
    let r = formats::read(&fixture("pytest-benchmark/base.json"), None).unwrap();
    assert_eq!(r.format, Format::PytestBenchmark);
    let sorted = r.get("bench_fast.py::test_sorted").unwrap();
    assert_eq!(sorted.samples.len(), 1047); // Rounds 1047
    let us = |m: &str, s: &str| format!("{:.4}", stat(&r, m, s, &[]) * 1e6);
    assert_eq!(us("bench_fast.py::test_sorted", "min"), "29.5450");
    assert_eq!(us("bench_fast.py::test_sorted", "max"), "355.4620");
    assert_eq!(us("bench_fast.py::test_sorted", "avg"), "38.7485");
    assert_eq!(us("bench_fast.py::test_sorted", "med"), "37.9640");
    assert_eq!(us("bench_fast.py::test_sum_squares", "med"), "176.6590");
    assert_eq!(
        stat(&r, "bench_fast.py::test_sum_squares", "count", &[]),
        241.0
    );
    let s = sorted.summary.unwrap();
    assert_eq!(format!("{:.4}", s.stddev * 1e6), "11.3368");
}

/// hyperfine: `times` are the raw runs; hyperfine/hyperfine.txt prints mean ± σ and range.
#[test]
fn hyperfine_reads_times() {
    let r = formats::read(&fixture("hyperfine/hyperfine.json"), None).unwrap();
    assert_eq!(r.format, Format::Hyperfine);
    assert_eq!(r.metrics.len(), 2);
    let ms = |m: &str, s: &str| format!("{:.1}", stat(&r, m, s, &[]) * 1e3);
    assert_eq!(r.get("sleep 0.01").unwrap().samples.len(), 20);
    assert_eq!(
        (
            ms("sleep 0.01", "avg"),
            ms("sleep 0.01", "min"),
            ms("sleep 0.01", "max")
        ),
        ("12.4".into(), "11.5".into(), "15.0".into())
    );
    assert_eq!(
        (
            ms("sleep 0.02", "avg"),
            ms("sleep 0.02", "min"),
            ms("sleep 0.02", "max")
        ),
        ("23.2".into(), "21.4".into(), "28.2".into())
    );
    assert_eq!(
        format!(
            "{:.1}",
            r.get("sleep 0.02").unwrap().summary.unwrap().stddev * 1e3
        ),
        "2.1"
    );
}
