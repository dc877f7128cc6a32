//! Diff throughput on GitHub's own API descriptions (`cargo bench -p breaking-change-check`):
//! the GraphQL schema pair in fixtures/graphql (npm @octokit/graphql-schema 15.12.0 -> 15.18.1)
//! and the REST pair ghes-3.18.json -> ghes-3.19.json of npm @octokit/openapi, each through the
//! whole gate (read, parse base and head, compare) and through the comparison alone. The REST
//! pair is what `scripts/bench-breaking.sh` installs into target/bench-npm; without it, the
//! largest oasdiff conformance pair stands in. The budgets beside graphql-inspector and Python
//! are that script's.

// Which REST pair was used is said on stderr.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use breaking_change_check::gate::{self, Pair};
use breaking_change_check::graphql;
use breaking_change_check::source::Source;
use breaking_change_check::spec::Spec;
use breaking_change_check::{diff, rules};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gates_core::rules::Levels;

/// Far enough ahead that no x-sunset or GraphQL removal day has passed: results do not move
/// with the calendar.
const TODAY: &str = "2026-01-01";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The REST pair, relative to the workspace root.
fn rest_pair() -> (String, String) {
    let generated = "target/bench-npm/node_modules/@octokit/openapi/generated";
    let (b, h) = (
        format!("{generated}/ghes-3.18.json"),
        format!("{generated}/ghes-3.19.json"),
    );
    if root().join(&b).exists() && root().join(&h).exists() {
        return (b, h);
    }
    let case =
        "crates/breaking-change-check/tests/conformance/oasdiff/041-request-property-removed";
    eprintln!("{b} is not installed (scripts/bench-breaking.sh installs it): the REST benchmark runs on {case}");
    (format!("{case}/base.yaml"), format!("{case}/revision.yaml"))
}

fn levels() -> Levels {
    Levels::new(
        &rules::CATALOGUE,
        &BTreeMap::new(),
        Path::new(".github/gates.yml"),
        &Default::default(),
    )
    .unwrap()
}

fn bytes(paths: &[&str]) -> u64 {
    paths
        .iter()
        .map(|p| std::fs::metadata(root().join(p)).unwrap().len())
        .sum()
}

fn bench_pair(c: &mut Criterion, group: &str, base: &str, head: &str) {
    let src = Source::Dir(root());
    let levels = levels();
    let pairs = [Pair {
        base: base.to_string(),
        head: head.to_string(),
    }];
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes(&[base, head])));
    g.bench_function("gate", |b| {
        b.iter(|| gate::evaluate(&pairs, &src, &src, &levels, TODAY, None).unwrap())
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let (old, new) = (
        "fixtures/graphql/github-15.12.0.graphql",
        "fixtures/graphql/github-15.18.1.graphql",
    );
    bench_pair(c, "graphql-github-15.12.0..15.18.1", old, new);
    let schema = |p: &str| {
        graphql::load(&[(
            p.to_string(),
            std::fs::read_to_string(root().join(p)).unwrap(),
        )])
        .unwrap()
    };
    let (b, h) = (schema(old), schema(new));
    let mut g = c.benchmark_group("graphql-github-15.12.0..15.18.1");
    g.sample_size(20);
    g.bench_function("compare", |x| {
        x.iter(|| graphql::diff::compare(&b, &h, TODAY))
    });
    g.finish();

    let (base, head) = rest_pair();
    bench_pair(c, "rest", &base, &head);
    let src = Source::Dir(root());
    let load = |p: &str| Spec::load(p, &|f| src.require(f)).unwrap();
    let (b, h) = (load(&base), load(&head));
    let mut g = c.benchmark_group("rest");
    g.sample_size(10);
    g.bench_function("compare", |x| x.iter(|| diff::compare(&b, &h, TODAY)));
    let text = std::fs::read_to_string(root().join(&head)).unwrap();
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse-head", |x| {
        x.iter(|| breaking_change_check::spec::parse(&head, &text).unwrap())
    });
    g.finish();
}

mod group {
    #![allow(missing_docs)]
    use super::*;
    criterion_group!(benches, bench);
}

criterion_main!(group::benches);
