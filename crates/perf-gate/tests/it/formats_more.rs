//! The formats beyond k6 JSON-lines, the summary export, pytest-benchmark and hyperfine: each
//! real fixture against the numbers its own tool printed for the same run (the `*.txt` beside
//! it), the `schema-*` files against the statistics they document, recognition of every
//! fixture as its own format only, and the hand-written `malformed-*` files.

use crate::common;
use common::fixture;

use std::collections::BTreeMap;

use perf_gate::formats;
use perf_gate::model::{Direction, Format, Kind, Metric, Report, Stat, Unit};

fn read(name: &str) -> Report {
    formats::read(&fixture(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn metric<'a>(r: &'a Report, name: &str) -> &'a Metric {
    r.get(name).unwrap_or_else(|| {
        let names: Vec<&str> = r.metrics.iter().map(|m| m.name.as_str()).collect();
        panic!("no metric {name:?} among {names:?}")
    })
}

fn stat(r: &Report, name: &str, s: &str) -> f64 {
    stat_tagged(r, name, s, &[])
}

fn stat_tagged(r: &Report, name: &str, s: &str, tags: &[(String, String)]) -> f64 {
    metric(r, name)
        .stat(&Stat::parse(s).unwrap(), tags, &r.tag_sets)
        .unwrap_or_else(|| panic!("{name} has no {s}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn json(name: &str) -> serde_json::Value {
    common::read_json(&fixture(name))
}

// ---------------------------------------------------------------------------------------------
// k6 handleSummary()

/// A k6 summary-text value (`597.39µs`, `4.25ms`, `0s`, `88.33%`) in the metric's unit
/// (milliseconds for times).
fn k6_value(v: &str) -> f64 {
    for (suffix, scale) in [("µs", 1e-3), ("ms", 1.0), ("s", 1e3), ("%", 1.0)] {
        if let Some(n) = v.strip_suffix(suffix) {
            return n.parse::<f64>().unwrap() * scale;
        }
    }
    v.parse().unwrap()
}

/// What k6 prints for a time in ms: the unit it picks, cut (not rounded) to two decimals.
fn k6_print_ms(ms: f64) -> f64 {
    let (x, back) = match ms {
        0.0 => return 0.0,
        m if m < 1.0 => (m * 1e3, 1e-3),
        m if m < 1e3 => (m, 1.0),
        m => (m / 1e3, 1e3),
    };
    ((x * 100.0).floor() / 100.0) * back
}

/// The `TOTAL RESULTS` lines of k6's text summary: metric (submetric lines as
/// `parent{tag:value}`) → the text after the dots.
fn k6_printed(txt: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut parent = String::new();
    let total = txt.split("█ TOTAL RESULTS").nth(1).unwrap();
    let total = total.split("█ GROUP").next().unwrap();
    for line in total.lines() {
        let t = line.trim();
        let Some((name, value)) = t.split_once(": ") else {
            continue;
        };
        let name = name.trim_end_matches('.');
        let name = if let Some(sub) = name.strip_prefix("{ ") {
            format!("{parent}{{{}}}", sub.trim_end_matches(" }"))
        } else {
            parent = name.to_string();
            name.to_string()
        };
        out.insert(name, value.trim().to_string());
    }
    out
}

/// handleSummary data: every statistic of every metric equals what k6 printed in its text
/// summary of the same run, equals the `--summary-export` of the same run, and (trends)
/// equals what the gate recomputes from that run's raw JSON-lines samples.
#[test]
fn k6_handle_summary_equals_what_k6_printed_and_exported() {
    let r = read("k6-handle-summary/handle-summary.json");
    assert_eq!(r.format, Format::K6HandleSummary);
    let export = read("k6-handle-summary/summary-export.json");
    assert_eq!(export.format, Format::K6Summary);
    let jsonl = read("k6-handle-summary/k6.jsonl");
    let printed = k6_printed(&text("k6-handle-summary/summary.txt"));

    let mut trend_stats = 0;
    let mut printed_stats = 0;
    for m in r.metrics.iter().filter(|m| m.kind == Kind::Trend) {
        // k6 leaves group_duration out of its text summary.
        let line = match printed.get(&m.name) {
            Some(l) => l.clone(),
            None if m.name == "group_duration" => {
                let keys: Vec<String> = metric(&r, &m.name).given.keys().cloned().collect();
                keys.iter()
                    .map(|k| format!("{k}=-"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            None => panic!("k6 printed no {}", m.name),
        };
        let (base, tags) = match m.name.split_once('{') {
            Some((b, t)) => {
                let (k, v) = t.trim_end_matches('}').split_once(':').unwrap();
                (b, vec![(k.to_string(), v.to_string())])
            }
            None => (m.name.as_str(), vec![]),
        };
        for kv in line.split_whitespace() {
            let (k, v) = kv.split_once('=').unwrap();
            let ours = stat(&r, &m.name, k);
            if v == "-" {
                // Not printed: compared with the export and the raw samples only.
            } else if k == "count" {
                assert_eq!(ours, v.parse::<f64>().unwrap(), "{} count", m.name);
            } else {
                assert!(
                    close(k6_print_ms(ours), k6_value(v)),
                    "{} {k}: k6 printed {v}, the data has {ours}",
                    m.name
                );
            }
            printed_stats += usize::from(v != "-");
            assert!(
                close(ours, stat(&export, &m.name, k)),
                "{} {k} export",
                m.name
            );
            let raw = stat_tagged(&jsonl, base, k, &tags);
            assert!(
                close(ours, raw),
                "{} {k}: data {ours}, raw samples {raw}",
                m.name
            );
            trend_stats += 1;
        }
    }
    // Eleven trends (two of them submetrics), eight statistics each (summaryTrendStats), all
    // but group_duration's printed.
    assert_eq!(trend_stats, 11 * 8);
    assert_eq!(printed_stats, 10 * 8);

    // http_req_failed: 11.66% 7 out of 60; checks_succeeded: 88.33% 53 out of 60.
    for (name, line) in [
        ("http_req_failed", &printed["http_req_failed"]),
        ("checks", &printed["checks_succeeded"]),
    ] {
        let w: Vec<&str> = line.split_whitespace().collect();
        let rate = stat(&r, name, "rate");
        assert_eq!((rate * 1e4).floor() / 100.0, k6_value(w[0]), "{name}");
        assert_eq!(stat(&r, name, "count"), w[4].parse::<f64>().unwrap());
        assert!(close(rate * stat(&r, name, "count"), w[1].parse().unwrap()));
        assert!(close(rate, stat(&jsonl, name, "rate")));
    }
    assert_eq!(metric(&r, "checks").direction, Direction::HigherIsBetter);
    assert_eq!(
        metric(&r, "http_req_failed").direction,
        Direction::LowerIsBetter
    );
    // http_reqs: 60  496.889056/s
    let w: Vec<&str> = printed["http_reqs"].split_whitespace().collect();
    assert_eq!(stat(&r, "http_reqs", "count"), w[0].parse::<f64>().unwrap());
    let per_s: f64 = w[1].trim_end_matches("/s").parse().unwrap();
    assert!((metric(&r, "http_reqs").given["rate"] - per_s).abs() < 1e-6);
    assert!(metric(&r, "http_req_duration")
        .declared
        .iter()
        .any(|d| d.expression == "p(95)<500" && d.k6_ok == Some(true)));
}

// ---------------------------------------------------------------------------------------------
// locust

/// A row of locust's printed request table: name → (reqs, fails, avg, min, max, med, req/s).
fn locust_printed(txt: &str) -> BTreeMap<String, Vec<f64>> {
    let mut out = BTreeMap::new();
    let table = txt.split("Response time percentiles").next().unwrap();
    for line in table.lines() {
        let parts: Vec<&str> = line.split('|').collect();
        if parts.len() != 3 || line.starts_with("Type ") || line.starts_with('-') {
            continue;
        }
        let mut w: Vec<&str> = parts[0].split_whitespace().collect();
        // `reqs fails(pct%)` end the first part.
        let fails = w.pop().unwrap().split('(').next().unwrap();
        let reqs = w.pop().unwrap();
        let mut v = vec![reqs.parse().unwrap(), fails.parse().unwrap()];
        for p in &parts[1..] {
            v.extend(p.split_whitespace().map(|x| x.parse::<f64>().unwrap()));
        }
        out.insert(w.join(" "), v);
    }
    out
}

/// locust's printed percentile rows: name → the eleven percentiles.
fn locust_percentiles(txt: &str) -> BTreeMap<String, Vec<f64>> {
    let table = txt.split("Response time percentiles").nth(1).unwrap();
    let mut out = BTreeMap::new();
    for line in table.lines().skip(2) {
        if line.starts_with("---") || line.trim().is_empty() {
            if line.trim().is_empty() {
                break;
            }
            continue;
        }
        let mut w: Vec<&str> = line.split_whitespace().collect();
        let nums: Vec<f64> = w
            .split_off(w.len() - 12)
            .iter()
            .map(|x| x.parse().unwrap())
            .collect();
        out.insert(w.join(" "), nums[..11].to_vec());
    }
    out
}

const LOCUST_PCTS: [&str; 11] = [
    "p(50)", "p(66)", "p(75)", "p(80)", "p(90)", "p(95)", "p(98)", "p(99)", "p(99.9)", "p(99.99)",
    "p(100)",
];

/// `locust --csv`: every row equals the table locust printed at the end of the same run
/// (locust prints times as whole milliseconds, cut, and req/s to two decimals).
#[test]
fn locust_csv_stats_equal_what_locust_printed() {
    let r = read("locust/locust_stats.csv");
    assert_eq!(r.format, Format::LocustStats);
    let printed = locust_printed(&text("locust/csv.txt"));
    assert_eq!(printed.len(), 3, "{printed:?}");
    for (name, p) in &printed {
        assert_eq!(stat(&r, name, "count"), p[0], "{name} requests");
        let failed = stat(&r, &format!("{name} failed"), "rate");
        assert!(close(failed * p[0], p[1]), "{name} failures");
        for (i, s) in ["avg", "min", "max", "med"].iter().enumerate() {
            assert_eq!(stat(&r, name, s).trunc(), p[2 + i], "{name} {s}");
        }
        let rps = stat(&r, &format!("{name} rps"), "value");
        assert_eq!(format!("{rps:.2}"), format!("{:.2}", p[6]), "{name} req/s");
        assert_eq!(metric(&r, name).unit, Unit::Millis);
    }
    for (name, pcts) in locust_percentiles(&text("locust/csv.txt")) {
        for (s, want) in LOCUST_PCTS.iter().zip(pcts) {
            assert_eq!(stat(&r, &name, s), want, "{name} {s}");
        }
    }
    assert_eq!(
        metric(&r, "Aggregated rps").direction,
        Direction::HigherIsBetter
    );
}

/// `_stats_history.csv`: the last row of each name carries the run's totals, the same numbers
/// locust printed.
#[test]
fn locust_csv_history_last_rows_equal_the_printed_totals() {
    let r = read("locust/locust_stats_history.csv");
    assert_eq!(r.format, Format::LocustHistory);
    let stats = read("locust/locust_stats.csv");
    let printed = locust_printed(&text("locust/csv.txt"));
    for (name, p) in &printed {
        assert_eq!(stat(&r, name, "count"), p[0], "{name}");
        assert!(close(
            stat(&r, &format!("{name} failed"), "rate") * p[0],
            p[1]
        ));
        for s in ["avg", "min", "max", "med"] {
            assert!(
                close(stat(&r, name, s), stat(&stats, name, s)),
                "{name} {s}"
            );
        }
    }
}

/// `locust --json`: the merged totals equal the `Aggregated` row locust printed after the
/// JSON (its request rows print as zeros with --json in locust 2.47, so only the total is
/// compared), percentiles included, computed from the rounded histogram as locust does.
#[test]
fn locust_json_totals_equal_what_locust_printed() {
    let r = read("locust/locust.json");
    assert_eq!(r.format, Format::LocustJson);
    let printed = &locust_printed(&text("locust/json.txt"))["Aggregated"];
    assert_eq!(stat(&r, "Aggregated", "count"), printed[0]);
    assert!(close(
        stat(&r, "Aggregated failed", "rate") * printed[0],
        printed[1]
    ));
    for (i, s) in ["avg", "min", "max", "med"].iter().enumerate() {
        assert_eq!(stat(&r, "Aggregated", s).trunc(), printed[2 + i], "{s}");
    }
    let pcts = &locust_percentiles(&text("locust/json.txt"))["Aggregated"];
    for (s, want) in LOCUST_PCTS.iter().zip(pcts) {
        assert_eq!(stat(&r, "Aggregated", s), *want, "{s}");
    }
    // Each request entry's own count, from the file.
    let entries = json("locust/locust.json");
    let sum: u64 = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["num_requests"].as_u64().unwrap())
        .sum();
    assert_eq!(sum as f64, printed[0]);
    assert_eq!(stat(&r, "GET /missing failed", "rate"), 1.0);
}

// ---------------------------------------------------------------------------------------------
// criterion

/// criterion's printed number: scaled to ns/µs/ms/s below 1000, four significant digits.
fn criterion_time(ns: f64) -> String {
    let (x, unit) = match ns {
        n if n < 1e3 => (n, "ns"),
        n if n < 1e6 => (n / 1e3, "µs"),
        n if n < 1e9 => (n / 1e6, "ms"),
        n => (n / 1e9, "s"),
    };
    format!("{} {unit}", short(x))
}

fn short(x: f64) -> String {
    match x.abs() {
        a if a < 10.0 => format!("{x:.4}"),
        a if a < 100.0 => format!("{x:.3}"),
        a if a < 1000.0 => format!("{x:.2}"),
        _ => format!("{x:.1}"),
    }
}

/// `<bench> time: [lo mid hi]` and `change: [lo mid hi]` lines criterion printed.
fn criterion_printed(txt: &str) -> BTreeMap<String, (String, Option<String>)> {
    let mut out = BTreeMap::new();
    let mut last = String::new();
    fn mid(l: &str) -> Vec<&str> {
        let inner = l.split('[').nth(1).unwrap().split(']').next().unwrap();
        inner.split_whitespace().collect()
    }
    for line in txt.lines() {
        if let Some((name, _)) = line.split_once(" time:") {
            let w = mid(line);
            last = name.trim().to_string();
            out.insert(last.clone(), (format!("{} {}", w[2], w[3]), None));
        } else if line.trim_start().starts_with("change:") {
            let w = mid(line);
            out.get_mut(&last).unwrap().1 = Some(w[1].to_string());
        }
    }
    out
}

/// estimates.json: the typical time (slope) is the one criterion printed; sample.json: the
/// per-iteration times (times[i] / iters[i]) have the mean, median and standard deviation of
/// the estimates criterion wrote for them; change/estimates.json: the printed change.
#[test]
fn criterion_files_equal_what_criterion_printed() {
    let base_txt = criterion_printed(&text("criterion/base.txt"));
    let new_txt = criterion_printed(&text("criterion/new.txt"));
    assert_eq!(base_txt.len(), 2);
    for bench in ["sum_squares", "sort_500"] {
        for (dir, printed) in [("base", &base_txt), ("new", &new_txt)] {
            let est = read(&format!("criterion/{bench}/{dir}/estimates.json"));
            assert_eq!(est.format, Format::CriterionEstimates);
            assert_eq!(est.metrics.len(), 1);
            assert_eq!(est.metrics[0].name, bench);
            let typical = stat(&est, bench, "value");
            assert_eq!(criterion_time(typical), printed[bench].0, "{bench} {dir}");

            let sample = read(&format!("criterion/{bench}/{dir}/sample.json"));
            assert_eq!(sample.format, Format::CriterionSample);
            let m = metric(&sample, bench);
            assert!(m.has_samples);
            assert_eq!(m.samples.len(), 100);
            assert_eq!(m.unit, Unit::Nanos);
            let e = json(&format!("criterion/{bench}/{dir}/estimates.json"));
            let point = |k: &str| e[k]["point_estimate"].as_f64().unwrap();
            let s = m.summary.unwrap();
            assert!(close(s.mean, point("mean")), "{bench} {dir} mean");
            assert!(close(s.stddev, point("std_dev")), "{bench} {dir} std_dev");
            assert!(close(stat(&sample, bench, "med"), point("median")));
            assert!(close(stat(&est, bench, "avg"), point("mean")));
        }
        let change = read(&format!("criterion/{bench}/change/estimates.json"));
        assert_eq!(change.format, Format::CriterionChange);
        let pct = stat(&change, bench, "avg") * 100.0;
        let printed = new_txt[bench].1.clone().unwrap();
        let sign = if pct >= 0.0 { "+" } else { "" };
        assert_eq!(format!("{sign}{}%", short(pct)), printed, "{bench}");
    }
}

/// `--output-format bencher`: one ns/iter number per benchmark, as printed.
#[test]
fn criterion_bencher_text_reads_each_line() {
    let r = read("criterion/bencher.txt");
    assert_eq!(r.format, Format::CriterionBencher);
    let printed: Vec<(String, f64)> = text("criterion/bencher.txt")
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[1].to_string(), w[4].replace(',', "").parse().unwrap())
        })
        .collect();
    assert_eq!(r.metrics.len(), printed.len());
    for (name, ns) in printed {
        assert_eq!(stat(&r, &name, "med"), ns);
        assert_eq!(metric(&r, &name).unit, Unit::Nanos);
    }
}

// ---------------------------------------------------------------------------------------------
// Google Benchmark

/// Google Benchmark's console number (`FormatTime`: three decimals below 1, two below 10,
/// one below 100, else none).
fn gbench_time(x: f64) -> String {
    match x {
        x if x < 1.0 => format!("{x:.3}"),
        x if x < 10.0 => format!("{x:.2}"),
        x if x < 100.0 => format!("{x:.1}"),
        x => format!("{x:.0}"),
    }
}

/// Repetitions are the raw samples, in order, as the console table printed them; the
/// printed mean, median and stddev rows are those of the samples.
#[test]
fn google_benchmark_repetitions_equal_the_printed_table() {
    let r = read("gbench/gbench.json");
    assert_eq!(r.format, Format::GoogleBenchmark);
    let txt = text("gbench/gbench.txt");
    let mut rows: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for line in txt.lines().filter(|l| l.starts_with("BM_")) {
        let w: Vec<&str> = line.split_whitespace().collect();
        rows.entry(w[0].to_string())
            .or_default()
            .push((w[1].to_string(), w[3].to_string()));
    }
    let mut checked = 0;
    for run in ["BM_SumSquares/1000", "BM_SumSquares/4000", "BM_Sort"] {
        let real = metric(&r, run);
        let cpu = metric(&r, &format!("{run} cpu_time"));
        assert_eq!(real.samples.len(), 5, "{run}");
        for (i, (rt, ct)) in rows[run].iter().enumerate() {
            assert_eq!(&gbench_time(real.samples[i]), rt, "{run} #{i} real");
            assert_eq!(&gbench_time(cpu.samples[i]), ct, "{run} #{i} cpu");
            checked += 1;
        }
        let agg = |suffix: &str| rows[&format!("{run}_{suffix}")][0].clone();
        for (m, col) in [(real, 0), (cpu, 1)] {
            let s = m.summary.unwrap();
            let med = m.stat(&Stat::Med, &[], &[]).unwrap();
            let pick = |t: (String, String)| if col == 0 { t.0 } else { t.1 };
            assert_eq!(gbench_time(s.mean), pick(agg("mean")), "{run} mean");
            assert_eq!(gbench_time(med), pick(agg("median")), "{run} median");
            assert_eq!(gbench_time(s.stddev), pick(agg("stddev")), "{run} stddev");
        }
    }
    assert_eq!(checked, 15);
    assert_eq!(metric(&r, "BM_Sort").unit, Unit::Micros);
    assert_eq!(metric(&r, "BM_SumSquares/1000").unit, Unit::Nanos);
    // Counters: throughputs, higher is better; their mean is the tool's own mean row.
    let items = metric(&r, "BM_SumSquares/1000 items_per_second");
    assert_eq!(items.direction, Direction::HigherIsBetter);
    let doc = json("gbench/gbench.json");
    let mean_row = doc["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "BM_SumSquares/1000_mean")
        .unwrap();
    assert!(close(
        items.summary.unwrap().mean,
        mean_row["items_per_second"].as_f64().unwrap()
    ));
    assert_eq!(
        metric(&r, "BM_Sort bytes_per_second").unit,
        Unit::BytesPerSec
    );
}

// ---------------------------------------------------------------------------------------------
// Go

/// `go test -bench -count 5 -benchmem`: each run is a sample, per unit, as printed.
#[test]
fn go_bench_runs_are_samples_per_unit() {
    let r = read("go/bench.txt");
    assert_eq!(r.format, Format::GoBench);
    let txt = text("go/bench.txt");
    let mut printed: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for line in txt.lines().filter(|l| l.starts_with("Benchmark")) {
        let w: Vec<&str> = line.split_whitespace().collect();
        for pair in w[2..].chunks(2) {
            let name = match pair[1] {
                "ns/op" => w[0].to_string(),
                u => format!("{} {u}", w[0]),
            };
            printed
                .entry(name)
                .or_default()
                .push(pair[0].parse().unwrap());
        }
    }
    // Two benchmarks: time, B/op and allocs/op each, plus SumSquares' custom items/op.
    assert_eq!(printed.len(), 7);
    assert_eq!(r.metrics.len(), 7);
    for (name, samples) in &printed {
        let m = metric(&r, name);
        assert_eq!(&m.samples, samples, "{name}");
        assert_eq!(samples.len(), 5);
    }
    assert_eq!(metric(&r, "BenchmarkSort-2").unit, Unit::Nanos);
    assert_eq!(metric(&r, "BenchmarkSort-2 B/op").unit, Unit::Bytes);
    assert_eq!(metric(&r, "BenchmarkSort-2 allocs/op").unit, Unit::Allocs);
    assert_eq!(
        metric(&r, "BenchmarkSumSquares-2 items/op").unit,
        Unit::Custom("items/op".into())
    );
    let s = metric(&r, "BenchmarkSort-2").summary.unwrap();
    assert_eq!(s.n, 5);
}

// ---------------------------------------------------------------------------------------------
// schema- files (the tools do not install here)

/// JMH: rawData are the samples (the score is their mean, the percentiles theirs); thrpt is
/// higher-is-better, read in ops/s; params name the benchmark; sample mode's histogram expands.
#[test]
fn jmh_raw_data_mode_and_units() {
    let r = read("jmh/schema-jmh.json");
    assert_eq!(r.format, Format::Jmh);
    let doc = json("jmh/schema-jmh.json");
    let thrpt = metric(&r, "org.example.ParseBench.parse(size=100)");
    assert_eq!(thrpt.direction, Direction::HigherIsBetter);
    assert_eq!(thrpt.unit, Unit::OpsPerSec);
    assert_eq!(thrpt.samples.len(), 10);
    let score = doc[0]["primaryMetric"]["score"].as_f64().unwrap();
    // ops/ms read as ops/s.
    assert!(close(thrpt.summary.unwrap().mean, score * 1e3));
    let avgt = metric(&r, "org.example.ParseBench.tokenize");
    assert_eq!(avgt.direction, Direction::LowerIsBetter);
    assert_eq!(avgt.unit, Unit::Micros);
    let p = &doc[1]["primaryMetric"];
    assert!(close(
        avgt.summary.unwrap().mean,
        p["score"].as_f64().unwrap()
    ));
    assert!(close(
        stat(&r, "org.example.ParseBench.tokenize", "min"),
        p["scorePercentiles"]["0.0"].as_f64().unwrap()
    ));
    assert!(close(
        stat(&r, "org.example.ParseBench.tokenize", "max"),
        p["scorePercentiles"]["100.0"].as_f64().unwrap()
    ));
    let alloc = metric(&r, "org.example.ParseBench.tokenize ·gc.alloc.rate.norm");
    assert_eq!(
        (alloc.unit.clone(), alloc.direction),
        (Unit::Bytes, Direction::LowerIsBetter)
    );
    let sample = metric(&r, "org.example.ParseBench.load");
    assert_eq!(sample.samples.len(), 13);
    assert_eq!(sample.unit, Unit::Millis);
    assert!(close(
        sample.summary.unwrap().mean,
        doc[2]["primaryMetric"]["score"].as_f64().unwrap()
    ));
}

/// BenchmarkDotNet: the Workload/Result measurements per operation are the samples whose
/// statistics the report carries; memory is a second metric.
#[test]
fn benchmarkdotnet_result_measurements_are_the_samples() {
    let r = read("bdn/schema-bdn-full.json");
    assert_eq!(r.format, Format::BenchmarkDotNet);
    let doc = json("bdn/schema-bdn-full.json");
    for (i, name) in [
        "Example.Benchmarks.ParseBench.Parse(Size=100)",
        "Example.Benchmarks.ParseBench.Tokenize",
    ]
    .iter()
    .enumerate()
    {
        let st = &doc["Benchmarks"][i]["Statistics"];
        let m = metric(&r, name);
        assert_eq!(m.unit, Unit::Nanos);
        assert_eq!(m.samples.len() as u64, st["N"].as_u64().unwrap());
        let orig: Vec<f64> = st["OriginalValues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        for (a, b) in m.samples.iter().zip(&orig) {
            assert!(close(*a, *b), "{name}: {a} vs {b}");
        }
        let mut v = m.samples.clone();
        let mean = perf_gate::model::stat_of(Kind::Trend, &Stat::Avg, &mut v).unwrap();
        assert!(close(mean, st["Mean"].as_f64().unwrap()));
        assert!(close(stat(&r, name, "med"), st["Median"].as_f64().unwrap()));
        assert!(close(
            m.summary.unwrap().stddev,
            st["StandardDeviation"].as_f64().unwrap()
        ));
    }
    assert_eq!(
        stat(
            &r,
            "Example.Benchmarks.ParseBench.Parse(Size=100) allocated",
            "avg"
        ),
        1024.0
    );
}

/// github-action-benchmark custom JSON: one value each; the direction from the unit when
/// recognised, from the named tool with --format.
#[test]
fn gab_custom_json_direction_follows_the_tool() {
    let smaller = read("gab/schema-custom-smaller.json");
    assert_eq!(smaller.format, Format::GabCustom);
    assert_eq!(stat(&smaller, "parse large file", "value"), 480.25);
    assert_eq!(metric(&smaller, "parse small file").unit, Unit::Millis);
    assert_eq!(
        metric(&smaller, "peak memory").unit,
        Unit::Custom("MB".into())
    );
    assert!(smaller
        .metrics
        .iter()
        .all(|m| m.direction == Direction::LowerIsBetter));

    let sniffed = read("gab/schema-custom-bigger.json");
    // req/s is a throughput; "percent" says nothing, so only the tool's name makes it higher.
    assert_eq!(
        metric(&sniffed, "requests handled").direction,
        Direction::HigherIsBetter
    );
    assert_eq!(
        metric(&sniffed, "cache hit ratio").direction,
        Direction::LowerIsBetter
    );
    let bigger = formats::read(
        &fixture("gab/schema-custom-bigger.json"),
        Some(Format::CustomBiggerIsBetter),
    )
    .unwrap();
    assert!(bigger
        .metrics
        .iter()
        .all(|m| m.direction == Direction::HigherIsBetter));
    assert_eq!(stat(&bigger, "cache hit ratio", "value"), 97.25);
}

/// Bencher BMF: measures become metrics with Bencher's units; bounds kept.
#[test]
fn bencher_bmf_measures() {
    let r = read("bmf/schema-bmf.json");
    assert_eq!(r.format, Format::Bmf);
    assert_eq!(r.metrics.len(), 4);
    assert_eq!(metric(&r, "parse::small").unit, Unit::Nanos);
    assert_eq!(
        (
            stat(&r, "parse::small", "min"),
            stat(&r, "parse::small", "value"),
            stat(&r, "parse::small", "max")
        ),
        (87.42, 88.0, 88.88)
    );
    let t = metric(&r, "parse::large throughput");
    assert_eq!(
        (t.unit.clone(), t.direction),
        (Unit::OpsPerSec, Direction::HigherIsBetter)
    );
    assert_eq!(metric(&r, "binary file-size").unit, Unit::Bytes);
}

// ---------------------------------------------------------------------------------------------
// Recognition

/// Every fixture and the format it is.
const FIXTURES: [(&str, Format); 19] = [
    ("k6/k6.jsonl", Format::K6Jsonl),
    ("k6/summary-export.json", Format::K6Summary),
    (
        "k6-handle-summary/handle-summary.json",
        Format::K6HandleSummary,
    ),
    ("pytest-benchmark/base.json", Format::PytestBenchmark),
    ("hyperfine/hyperfine.json", Format::Hyperfine),
    ("locust/locust_stats.csv", Format::LocustStats),
    ("locust/locust_stats_history.csv", Format::LocustHistory),
    ("locust/locust.json", Format::LocustJson),
    (
        "criterion/sort_500/new/estimates.json",
        Format::CriterionEstimates,
    ),
    (
        "criterion/sort_500/new/sample.json",
        Format::CriterionSample,
    ),
    (
        "criterion/sort_500/change/estimates.json",
        Format::CriterionChange,
    ),
    ("criterion/bencher.txt", Format::CriterionBencher),
    ("gbench/gbench.json", Format::GoogleBenchmark),
    ("go/bench.txt", Format::GoBench),
    ("jmh/schema-jmh.json", Format::Jmh),
    ("bdn/schema-bdn-full.json", Format::BenchmarkDotNet),
    ("gab/schema-custom-smaller.json", Format::GabCustom),
    ("gab/schema-custom-bigger.json", Format::GabCustom),
    ("bmf/schema-bmf.json", Format::Bmf),
];

/// Each fixture is recognised as its own format, and as no other: no JSON shape matches
/// another format's, and no text file passes for a JSON format or another text format.
#[test]
fn every_fixture_is_recognised_as_its_own_format_only() {
    use clap::ValueEnum;
    for (name, want) in FIXTURES {
        assert_eq!(read(name).format, want, "{name}");
        let bytes = std::fs::read(fixture(name)).unwrap();
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1 << 16)]).into_owned();
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(v) if !want.is_text() => {
                assert_eq!(formats::sniff_text(&head), None, "{name}");
                for f in Format::value_variants() {
                    let same = *f == want
                        || (want == Format::GabCustom
                            && matches!(
                                f,
                                Format::CustomBiggerIsBetter | Format::CustomSmallerIsBetter
                            ));
                    assert_eq!(formats::sniff_json_as(&v, *f), same, "{name} as {f:?}");
                }
            }
            _ => assert_eq!(formats::sniff_text(&head), Some(want), "{name}"),
        }
        // Forcing the wrong format is refused (a JSON document) or fails to parse (text).
        for f in Format::value_variants() {
            let related = *f == want
                || (want == Format::GabCustom
                    && matches!(
                        f,
                        Format::CustomBiggerIsBetter | Format::CustomSmallerIsBetter
                    ));
            if !related {
                assert!(
                    formats::read(&fixture(name), Some(*f)).is_err(),
                    "{name} read as {f:?}"
                );
            }
        }
    }
    assert!(Format::GoBench.is_benchmark() && Format::Jmh.is_benchmark());
    assert!(!Format::LocustJson.is_benchmark() && !Format::K6HandleSummary.is_benchmark());
}

// ---------------------------------------------------------------------------------------------
// Bad input

/// Every hand-written bad file: an error naming the file (and the line, for text formats),
/// saying what is wrong and what to do.
#[test]
fn malformed_reports_name_the_file_line_and_fix() {
    let cases: [(&str, Option<u64>, &str); 17] = [
        ("malformed-truncated.go.txt", Some(7), "truncated"),
        ("malformed-nan.go.txt", Some(6), "NaN"),
        ("malformed-truncated.bencher.txt", Some(2), "truncated"),
        ("malformed-truncated.locust_stats.csv", Some(3), "truncated"),
        ("malformed-nan.locust_stats.csv", Some(2), "NaN"),
        (
            "malformed-negative.locust_stats_history.csv",
            Some(4),
            "-5.44",
        ),
        ("malformed-truncated.locust.json", None, "truncated"),
        ("malformed-truncated.gbench.json", None, "truncated"),
        ("malformed-negative.gbench.json", None, "-2008.6"),
        ("malformed-negative.criterion-sample.json", None, "negative"),
        (
            "malformed-negative.criterion-estimates.json",
            None,
            "median estimate",
        ),
        ("malformed-negative.locust.json", None, "max_response_time"),
        ("malformed-negative.jmh.json", None, "-2.342"),
        ("malformed-negative.bdn.json", None, "negative"),
        ("malformed-negative.gab.json", None, "negative"),
        ("malformed-negative.bmf.json", None, "negative"),
        ("malformed-negative.handle-summary.json", None, "negative"),
    ];
    for (name, line, what) in cases {
        let path = fixture(&format!("malformed/{name}"));
        let err = formats::read(&path, None).expect_err(name).to_string();
        let place = match line {
            Some(l) => format!("{name}:{l}:"),
            None => name.to_string(),
        };
        assert!(err.contains(&place), "{name}: {err}");
        assert!(err.contains(what), "{name}: {err}");
        assert!(err.contains("help: "), "{name}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// What the formats give the comparison

/// criterion's raw samples reach Mann-Whitney, and the real 2x slowdown between the base and
/// new runs of sum_squares (PERF_SLOW=1) is a regression, as criterion itself said ("Performance
/// has regressed"); its estimates alone compare by ratio.
#[test]
fn criterion_samples_compare_by_mann_whitney_and_find_the_real_slowdown() {
    use perf_gate::compare::{compare_one, decide, Method, Settings, Verdict};
    let s = Settings::default();
    let base = read("criterion/sum_squares/base/sample.json");
    let head = read("criterion/sum_squares/new/sample.json");
    let mut c = vec![compare_one(&base.metrics[0], &head.metrics[0])];
    decide(&mut c, &s);
    assert_eq!(
        (c[0].method, c[0].verdict),
        (Method::MannWhitney, Verdict::Regressed)
    );
    assert!(text("criterion/new.txt").contains("Performance has regressed."));
    assert_eq!(c[0].unit, "ns");

    let base = read("criterion/sum_squares/base/estimates.json");
    let head = read("criterion/sum_squares/new/estimates.json");
    assert_eq!(
        compare_one(&base.metrics[0], &head.metrics[0]).method,
        Method::Ratio
    );
}

/// The direction the format set decides which way is worse: JMH throughput falling is a
/// regression, the same fall in an average time an improvement.
#[test]
fn jmh_throughput_direction_reaches_the_verdict() {
    use perf_gate::compare::{compare_one, decide, Settings, Verdict};
    let s = Settings::default();
    let r = read("jmh/schema-jmh.json");
    for (name, want) in [
        ("org.example.ParseBench.parse(size=100)", Verdict::Regressed),
        ("org.example.ParseBench.tokenize", Verdict::Improved),
    ] {
        let base = metric(&r, name);
        let mut head = base.clone();
        // Every sample 30% lower.
        head.set_samples(base.samples.iter().map(|x| x * 0.7).collect());
        let mut c = vec![compare_one(base, &head)];
        decide(&mut c, &s);
        assert_eq!(c[0].verdict, want, "{name}");
    }
}

/// pytest names the benchmark's file in its node id; the metric keeps it for annotations.
#[test]
fn pytest_benchmarks_keep_their_file() {
    let r = read("pytest-benchmark/base.json");
    let loc = metric(&r, "bench_fast.py::test_sorted")
        .location
        .clone()
        .unwrap();
    assert_eq!((loc.file.as_str(), loc.line), ("bench_fast.py", None));
}

/// Every text field of every new real and schema fixture carrying workflow-command text (the
/// criterion files with their benchmark.json, whose `full_id` names the benchmark): the gate
/// judges or stops, and nothing it prints is a command it did not mean.
#[test]
fn hostile_text_in_the_new_formats_never_becomes_a_workflow_command() {
    use gates_testkit::runner::{assert_run_inert, hostile_variant};
    let d = tempfile::tempdir().unwrap();
    let reports = [
        "k6-handle-summary/handle-summary.json",
        "locust/locust_stats.csv",
        "locust/locust_stats_history.csv",
        "locust/locust.json",
        "criterion/sort_500/new/estimates.json",
        "criterion/sort_500/new/sample.json",
        "criterion/sort_500/change/estimates.json",
        "criterion/bencher.txt",
        "gbench/gbench.json",
        "go/bench.txt",
        "jmh/schema-jmh.json",
        "bdn/schema-bdn-full.json",
        "gab/schema-custom-smaller.json",
        "bmf/schema-bmf.json",
    ];
    let hostile = |rel: &str| {
        let to = d.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(&to, hostile_variant(&std::fs::read(fixture(rel)).unwrap())).unwrap();
    };
    hostile("criterion/sort_500/new/benchmark.json");
    let mut judged = 0;
    for rel in reports {
        hostile(rel);
        let summary = d.path().join("summary.md");
        let o = common::gate(
            d.path(),
            &[rel, "--baseline", rel, "--print", "github"],
            &[
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ],
        );
        if assert_run_inert(rel, &o) {
            judged += 1;
        }
    }
    // The ten JSON documents stay valid with hostile strings, so those at least are judged.
    assert!(judged >= 10, "only {judged} hostile reports were judged");
}

/// locust's and criterion's files beside the reports are named for what they are, with the
/// file to give instead.
#[test]
fn companion_files_say_which_file_to_give() {
    for (name, want) in [
        ("locust/locust_failures.csv", "_stats.csv"),
        ("locust/locust_exceptions.csv", "_stats.csv"),
        ("criterion/sort_500/new/benchmark.json", "sample.json"),
        ("criterion/sort_500/new/tukey.json", "sample.json"),
    ] {
        let err = formats::read(&fixture(name), None)
            .expect_err(name)
            .to_string();
        assert!(err.contains(want), "{name}: {err}");
    }
}
