//! Reader and gate throughput on inputs grown from the real fixtures (`cargo bench -p
//! perf-gate`): a k6 JSON-lines file of the real run's lines repeated, and a pytest-benchmark
//! pair of the real report's benchmarks repeated under new names. The 100 MB and 10,000-benchmark
//! budgets, beside Python on the same inputs, are `scripts/bench-perf.sh`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use perf_gate::compare::Settings;
use perf_gate::gate::{self, Inputs};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/perf")
        .join(name)
}

/// The real k6 run's Metric lines once, then its Point lines repeated until `bytes`.
fn k6_jsonl(bytes: usize) -> String {
    let text = std::fs::read_to_string(fixture("k6/k6.jsonl")).unwrap();
    let (metrics, points): (Vec<&str>, Vec<&str>) = text
        .lines()
        .partition(|l| l.contains("\"type\":\"Metric\""));
    let mut out: String = metrics.iter().map(|l| format!("{l}\n")).collect();
    while out.len() < bytes {
        for l in &points {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The real pytest-benchmark report's benchmarks repeated `n` times under distinct names.
fn pytest(n: usize, slower: f64) -> String {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("pytest-benchmark/base.json")).unwrap())
            .unwrap();
    let template = v["benchmarks"].as_array().unwrap().clone();
    let mut all = Vec::with_capacity(n);
    for i in 0..n {
        let mut b = template[i % template.len()].clone();
        let name = format!("{}[{i}]", b["fullname"].as_str().unwrap());
        b["fullname"] = name.into();
        let k = if i % 50 == 0 { slower } else { 1.0 };
        let data: Vec<f64> = b["stats"]["data"].as_array().unwrap()[..100]
            .iter()
            .map(|x| x.as_f64().unwrap() * k)
            .collect();
        b["stats"]["data"] = data.into();
        all.push(b);
    }
    v["benchmarks"] = all.into();
    v.to_string()
}

fn inputs(reports: Vec<PathBuf>, baseline: Vec<PathBuf>, threshold: &str) -> Inputs {
    let thresholds = match threshold {
        "" => Vec::new(),
        t => perf_gate::threshold::parse(t, Path::new("--threshold"))
            .unwrap()
            .into_iter()
            .map(|t| (t, PathBuf::from("--threshold")))
            .collect(),
    };
    Inputs {
        reports,
        format: None,
        thresholds,
        baseline,
        settings: Settings::default(),
        levels: Default::default(),
        directions: Vec::new(),
        history: None,
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let k6 = dir.path().join("k6.jsonl");
    let text = k6_jsonl(16 << 20);
    std::fs::write(&k6, &text).unwrap();
    let mut g = c.benchmark_group("k6");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(text.len() as u64));
    let k6_inputs = inputs(
        vec![k6],
        Vec::new(),
        "http_req_duration: p(95)<500, p(99)<800",
    );
    g.bench_function("threshold_16MiB", |b| {
        b.iter(|| gate::evaluate(&k6_inputs).unwrap())
    });
    g.finish();

    let (base, head) = (dir.path().join("base.json"), dir.path().join("head.json"));
    std::fs::write(&base, pytest(1000, 1.0)).unwrap();
    std::fs::write(&head, pytest(1000, 1.3)).unwrap();
    let mut g = c.benchmark_group("pytest-benchmark");
    g.sample_size(10);
    let pair = inputs(vec![head], vec![base], "");
    g.bench_function("pair_1000", |b| b.iter(|| gate::evaluate(&pair).unwrap()));
    g.finish();
}

mod group {
    #![allow(missing_docs)]
    use super::*;
    criterion_group!(benches, bench);
}

criterion_main!(group::benches);
