//! Parser throughput on real-shaped reports (`cargo bench -p coverage-gate`): the records of the
//! real gcovr Cobertura report and `lcov --capture` tracefile in `fixtures/` repeated under
//! distinct file names, as `scripts/real-cobertura.py` and `scripts/real-lcov.py` make the
//! 100 MB inputs of `scripts/bench-cobertura.sh` and `scripts/bench-lcov.sh` (which run the peers
//! beside the gate).

use std::path::Path;

use coverage_gate::formats::{parse_reader, Format};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const SIZE: usize = 16 * 1024 * 1024;

fn fixture(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    std::fs::read_to_string(root.join(path)).expect("fixture")
}

/// gcovr's `<classes>` repeated, each copy's file names under their own directory.
fn cobertura() -> Vec<u8> {
    let text = fixture("cobertura/gcovr.xml");
    let start = text.find("<classes>").expect("classes") + "<classes>".len();
    let end = text.find("</classes>").expect("classes end");
    let (head, classes, tail) = (&text[..start], &text[start..end], &text[end..]);
    let mut out = head.to_string();
    for n in 0.. {
        if out.len() >= SIZE {
            break;
        }
        out.push_str(&classes.replace("filename=\"", &format!("filename=\"pkg{}/m{n}/", n / 100)));
    }
    out.push_str(tail);
    out.into_bytes()
}

/// geninfo's records repeated, each copy's SF under its own directory.
fn lcov() -> Vec<u8> {
    let text = fixture("lcov/geninfo.lcov");
    let mut out = String::new();
    for n in 0.. {
        if out.len() >= SIZE {
            break;
        }
        out.push_str(&text.replace(
            "SF:/tmp/gates-fixture-build/",
            &format!("SF:/tmp/gates-fixture-build/pkg{}/m{n}/", n / 100),
        ));
    }
    out.into_bytes()
}

fn bench(c: &mut Criterion) {
    let (cob, lcov) = (cobertura(), lcov());
    let mut g = c.benchmark_group("parse");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(cob.len() as u64));
    g.bench_function("cobertura_gcovr_16MiB", |b| {
        b.iter(|| parse_reader(Format::Cobertura, cob.as_slice(), Path::new("bench.xml")).unwrap())
    });
    g.throughput(Throughput::Bytes(lcov.len() as u64));
    g.bench_function("lcov_geninfo_16MiB", |b| {
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
