//! Reader and gate throughput on a synthetic SARIF log (`cargo bench -p security-gate`). The
//! 100 MB budget run beside Python's json.load is `scripts/bench-sarif.sh`.

use std::collections::BTreeMap;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use security_gate::formats;
use security_gate::gate::{self, DiffFilter, Inputs};

#[path = "synth.rs"]
mod synth;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.sarif");
    let mut log = Vec::new();
    synth::sarif(&mut log, 8 * 1024 * 1024).unwrap();
    std::fs::write(&path, &log).unwrap();
    let mut g = c.benchmark_group("sarif");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.bench_function("read_8MiB", |b| {
        b.iter(|| formats::parse_file(&path, None, dir.path()).unwrap())
    });
    let inputs = Inputs {
        reports: vec![path.clone()],
        format: None,
        max: BTreeMap::new(),
        max_new: BTreeMap::new(),
        max_new_from: gate::Setting::Flag("--max-new"),
        levels: Default::default(),
        baseline: Vec::new(),
        suppressions: None,
        config: Default::default(),
        config_path: Path::new("gates.yml").into(),
        unknown_as: None,
        allow_missing: false,
        root: dir.path().into(),
        today: security_gate::suppress::parse_day("2026-11-23").unwrap(),
        diff: None::<(DiffFilter, _)>,
    };
    g.bench_function("evaluate_8MiB", |b| {
        b.iter(|| gate::evaluate(&inputs).unwrap())
    });
    g.finish();
}

mod group {
    #![allow(missing_docs)]
    use super::*;
    criterion_group!(benches, bench);
}

criterion_main!(group::benches);
