//! Parser throughput on synthetic reports (`cargo bench -p coverage-gate`). The 100 MB budget
//! run against pycobertura is `scripts/bench-cobertura.sh`.

use std::path::Path;

use coverage_gate::formats::{parse_reader, Format};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "synth.rs"]
mod synth;

fn bench(c: &mut Criterion) {
    let size = 8 * 1024 * 1024;
    let mut cob = Vec::new();
    synth::cobertura(&mut cob, size).unwrap();
    let mut lcov = Vec::new();
    synth::lcov(&mut lcov, size).unwrap();
    let mut g = c.benchmark_group("parse");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(cob.len() as u64));
    g.bench_function("cobertura_8MiB", |b| {
        b.iter(|| parse_reader(Format::Cobertura, cob.as_slice(), Path::new("bench.xml")).unwrap())
    });
    g.throughput(Throughput::Bytes(lcov.len() as u64));
    g.bench_function("lcov_8MiB", |b| {
        b.iter(|| parse_reader(Format::Lcov, lcov.as_slice(), Path::new("bench.info")).unwrap())
    });
    g.finish();
}

mod group {
    #![allow(missing_docs)]
    use super::*;
    criterion_group!(benches, bench);
}

criterion_main!(group::benches);
