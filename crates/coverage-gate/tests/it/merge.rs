//! Merging reports: the same coverage in several formats, shards, repeated records, and reports
//! that disagree.

use coverage_gate::gate::{evaluate, Inputs};
use coverage_gate::model::Counter;
use gates_core::ActionsEnv;

use crate::fixtures;

fn eval(reports: &[&str]) -> coverage_gate::gate::Evaluation {
    let root = fixtures().join("..").canonicalize().unwrap();
    let inputs = Inputs {
        reports: reports.iter().map(|r| fixtures().join(r)).collect(),
        cwd: root,
        ..Default::default()
    };
    evaluate(&inputs, &ActionsEnv::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn c(covered: u64, total: u64) -> Counter {
    Counter { covered, total }
}

#[test]
fn one_project_in_three_formats_merges_to_the_same_numbers() {
    let e = eval(&[
        "cobertura/coveragepy.xml",
        "coveragepy-json/coverage.json",
        "lcov/coveragepy.lcov",
    ]);
    assert_eq!((e.totals.lines, e.totals.branches), (c(47, 60), c(12, 22)));
    assert!(e.merged.warnings.is_empty(), "{:?}", e.merged.warnings);
    // All three name the same checkout files.
    assert!(
        e.merged
            .files
            .contains_key("fixtures/projects/python/shop/pricing.py"),
        "{:?}",
        e.merged.files.keys().collect::<Vec<_>>()
    );
    assert!(e.merged.unresolved.is_empty(), "{:?}", e.merged.unresolved);
}

#[test]
fn repeated_sf_blocks_and_repeated_reports_count_lines_once() {
    let dir = tempfile::tempdir().unwrap();
    let lcov = std::fs::read_to_string(fixtures().join("lcov/geninfo.lcov")).unwrap();
    let doubled = dir.path().join("doubled.lcov");
    std::fs::write(&doubled, format!("{lcov}{lcov}")).unwrap();
    let root = fixtures().join("..").canonicalize().unwrap();
    let inputs = Inputs {
        reports: vec![doubled, fixtures().join("cobertura/gcovr.xml")],
        cwd: root,
        ..Default::default()
    };
    let e = evaluate(&inputs, &ActionsEnv::default()).unwrap();
    assert_eq!(
        (e.totals.lines, e.totals.functions, e.totals.branches),
        (c(18, 28), c(4, 5), c(12, 19))
    );
}

#[test]
fn a_line_is_covered_if_any_shard_covered_it() {
    // Two shards of the C project: one with only line 8 of calc.c hit, one with the real run.
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join("shard.lcov");
    std::fs::write(
        &shard,
        "TN:\nSF:/ci/other/fixtures/projects/c/calc.c\nDA:8,1\nDA:24,0\nend_of_record\n",
    )
    .unwrap();
    let root = fixtures().join("..").canonicalize().unwrap();
    let inputs = Inputs {
        reports: vec![fixtures().join("lcov/geninfo.lcov"), shard],
        cwd: root,
        ..Default::default()
    };
    let e = evaluate(&inputs, &ActionsEnv::default()).unwrap();
    assert_eq!(e.totals.lines, c(19, 28));
    // The shard lists 2 coverable lines of calc.c where geninfo lists 22: they disagree.
    assert_eq!(e.merged.warnings.len(), 1, "{:?}", e.merged.warnings);
    assert!(
        e.merged.warnings[0].contains("calc.c")
            && e.merged.warnings[0].contains("different commits")
    );
}

#[test]
fn c8_and_nyc_disagree_on_coverable_lines_and_say_so() {
    let e = eval(&["lcov/c8.lcov", "lcov/nyc.lcov"]);
    assert!(!e.merged.warnings.is_empty());
}

#[test]
fn go_import_paths_java_packages_and_foreign_roots_resolve_into_the_checkout() {
    for (report, expect) in [
        ("go/count.out", "fixtures/projects/go/pricing/pricing.go"),
        (
            "jacoco/jacoco.xml",
            "fixtures/projects/java/src/main/java/com/example/shop/Pricing.java",
        ),
        (
            "istanbul/nyc-coverage-final.json",
            "fixtures/projects/js/lib/cart.js",
        ),
        (
            "llvm-cov/geometry.json",
            "fixtures/projects/llvm/geometry.c",
        ),
        ("cobertura/gcovr.xml", "fixtures/projects/c/calc.c"),
    ] {
        let e = eval(&[report]);
        assert!(
            e.merged.files.contains_key(expect),
            "{report}: {:?}",
            e.merged.files.keys().collect::<Vec<_>>()
        );
        assert!(
            e.merged.unresolved.is_empty(),
            "{report}: {:?}",
            e.merged.unresolved
        );
    }
}

#[test]
fn simplecov_drops_nocov_blocks_from_the_checkout_source_and_matches_simplecov() {
    // simplecov/simplecov.stdout.txt: "11 / 14 LOC (78.57%) covered".
    let e = eval(&["simplecov/resultset.json"]);
    assert_eq!(e.totals.lines, c(11, 14));
}

#[test]
fn exclusions_leave_files_out_of_every_number() {
    let root = fixtures().join("..").canonicalize().unwrap();
    let mut inputs = Inputs {
        reports: vec![fixtures().join("cobertura/coveragepy.xml")],
        cwd: root,
        ..Default::default()
    };
    let cfg = coverage_gate::config::CoverageConfig {
        exclude: vec!["**/tests/**".into()],
        ..Default::default()
    };
    inputs.policy = coverage_gate::policy::Policy::from_config(&cfg);
    let e = evaluate(&inputs, &ActionsEnv::default()).unwrap();
    // coverage report: tests/test_shop.py has 16 statements, 1 missed.
    assert_eq!(e.totals.lines, c(47 - 15, 60 - 16));
}

/// Shards parsed side by side (on as many threads as there are cores) merge to exactly what
/// parsing and merging them one after another gives: the same files, the same unresolved
/// paths in input order, and the same "disagree" warnings in the same order.
#[test]
fn shards_parsed_side_by_side_merge_as_one_after_another() {
    use coverage_gate::paths::Resolver;
    let dir = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for k in 0..9 {
        let mut text = String::new();
        // shared.c is in every shard, with one more line each time: every merge disagrees.
        text.push_str("SF:/build/shared.c\n");
        for line in 1..=k + 2 {
            text.push_str(&format!("DA:{line},{}\n", (line + k) % 2));
        }
        text.push_str("end_of_record\n");
        for f in 0..50 {
            text.push_str(&format!(
                "SF:/build/s{k}/f{f}.c\nFN:1,f{f}\nFNDA:{k},f{f}\nDA:1,{k}\nDA:2,0\nBRDA:2,0,0,{f}\nend_of_record\n"
            ));
        }
        let path = dir.path().join(format!("shard-{k}.info"));
        std::fs::write(&path, text).unwrap();
        reports.push(path);
    }
    let inputs = Inputs {
        reports: reports.clone(),
        cwd: dir.path().to_path_buf(),
        ..Default::default()
    };
    let side_by_side = evaluate(&inputs, &ActionsEnv::default()).unwrap().merged;
    let one_by_one = coverage_gate::merge::merge(
        reports
            .iter()
            .map(|p| coverage_gate::formats::parse_file_on(p, None, 1).unwrap())
            .collect(),
        &Resolver::new(dir.path(), None, Vec::new()),
    );
    assert_eq!(side_by_side.files, one_by_one.files);
    assert_eq!(side_by_side.unresolved, one_by_one.unresolved);
    assert_eq!(side_by_side.warnings, one_by_one.warnings);
    assert_eq!(
        side_by_side.warnings.len(),
        5,
        "{:?}",
        side_by_side.warnings
    );
    assert!(side_by_side.warnings[0].contains("shard-0.info and"));
}
