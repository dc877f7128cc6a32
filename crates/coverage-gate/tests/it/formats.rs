//! Every fixture made by a real tool parses to the totals that tool printed for it. The expected
//! numbers are copied from the tool's own summary stored beside the fixture (named in each test).

use coverage_gate::formats::{self, Format};
use coverage_gate::model::{Counter, Report, Totals};

use crate::fixtures;

fn parse(rel: &str) -> Report {
    formats::parse_file(&fixtures().join(rel), None).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn totals(r: &Report) -> Totals {
    Totals::of(r.files.values())
}

fn c(covered: u64, total: u64) -> Counter {
    Counter { covered, total }
}

#[test]
fn coveragepy_xml_matches_coverage_report() {
    // cobertura/coveragepy.report.txt: TOTAL 60 stmts, 13 miss, 22 branches (12 taken per the
    // XML header), 72% = (47 + 12) / (60 + 22).
    let r = parse("cobertura/coveragepy.xml");
    assert_eq!(r.format, Some(Format::Cobertura));
    let t = totals(&r);
    assert_eq!((t.lines, t.branches), (c(47, 60), c(12, 22)));
    assert_eq!(r.files["shop/pricing.py"].lines(), c(19, 26));
    assert_eq!(r.sources.len(), 1);
}

#[test]
fn coveragepy_json_matches_coverage_report_including_its_headline() {
    let r = parse("coveragepy-json/coverage.json");
    assert_eq!(r.format, Some(Format::CoveragepyJson));
    let t = totals(&r);
    assert_eq!((t.lines, t.branches), (c(47, 60), c(12, 22)));
    let h = r.headline.expect("coverage.py headline");
    assert_eq!(h.counter, c(59, 82));
    // Shown as `coverage report` prints it (TOTAL ... 72%), not truncated to 71.95%.
    assert_eq!(h.rounding.show(h.counter.percent().unwrap()), "72%");
    assert_eq!(r.files["shop/inventory.py"].lines(), c(13, 18));
}

#[test]
fn coveragepy_lcov_matches_coverage_report() {
    let t = totals(&parse("lcov/coveragepy.lcov"));
    assert_eq!((t.lines, t.branches), (c(47, 60), c(12, 22)));
}

#[test]
fn gcovr_cobertura_matches_gcovr_txt() {
    // cobertura/gcovr.txt: TOTAL 28 lines, 18 exec; gcovr.branches.txt: 19 branches, 12 taken.
    // gcovr repeats every line under <methods> and <lines>: counted once.
    let t = totals(&parse("cobertura/gcovr.xml"));
    assert_eq!(
        (t.lines, t.branches, t.functions),
        (c(18, 28), c(12, 19), c(4, 5))
    );
}

#[test]
fn geninfo_lcov_matches_lcov_summary() {
    // lcov/geninfo.summary.txt: lines 18 of 28, functions 4 of 5, branches 12 of 19.
    let r = parse("lcov/geninfo.lcov");
    assert_eq!(r.format, Some(Format::Lcov));
    let t = totals(&r);
    assert_eq!(
        (t.lines, t.functions, t.branches),
        (c(18, 28), c(4, 5), c(12, 19))
    );
}

#[test]
fn gcovr_lcov_matches_gcovr() {
    let t = totals(&parse("lcov/gcovr.lcov"));
    assert_eq!(
        (t.lines, t.functions, t.branches),
        (c(18, 28), c(4, 5), c(12, 19))
    );
}

#[test]
fn gcovr_clover_lines_match_gcovr_txt() {
    let r = parse("clover/gcovr.xml");
    assert_eq!(r.format, Some(Format::Clover));
    assert_eq!(totals(&r).lines, c(18, 28));
}

#[test]
fn c8_reports_match_c8_text_summary() {
    // istanbul/c8.text-summary.txt: statements 36/48, branches 8/12, functions 3/5, lines 36/48.
    for rel in [
        "cobertura/c8.xml",
        "lcov/c8.lcov",
        "istanbul/c8-coverage-final.json",
        "istanbul/c8-coverage-summary.json",
    ] {
        let t = totals(&parse(rel));
        assert_eq!(t.lines, c(36, 48), "{rel}");
        if rel != "cobertura/c8.xml" {
            assert_eq!(t.functions, c(3, 5), "{rel}");
        }
        assert_eq!(t.branches, c(8, 12), "{rel}");
    }
    let f = parse("istanbul/c8-coverage-final.json");
    assert_eq!(f.format, Some(Format::IstanbulFinal));
    assert_eq!(f.headline.unwrap().counter, c(36, 48));
    assert_eq!(
        parse("istanbul/c8-coverage-summary.json").format,
        Some(Format::IstanbulSummary)
    );
}

#[test]
fn nyc_reports_match_nyc_text_summary() {
    // istanbul/nyc.text-summary.txt: statements 14/21, branches 6/14, functions 3/6, lines 14/21.
    for rel in [
        "cobertura/nyc.xml",
        "lcov/nyc.lcov",
        "istanbul/nyc-coverage-final.json",
        "istanbul/nyc-coverage-summary.json",
        "clover/nyc.xml",
    ] {
        let t = totals(&parse(rel));
        assert_eq!(t.lines, c(14, 21), "{rel}");
        assert_eq!(t.functions, c(3, 6), "{rel}");
        // Istanbul's XML writers put branches on statement lines only, so the default
        // parameter's branch on `function money(cents, currency = 'EUR')` (a declaration line)
        // is in its header count but in no <line>; the line data is what we count.
        let branches = if rel.ends_with(".xml") {
            c(5, 13)
        } else {
            c(6, 14)
        };
        assert_eq!(t.branches, branches, "{rel}");
    }
    assert_eq!(
        parse("istanbul/nyc-coverage-final.json")
            .headline
            .unwrap()
            .counter,
        c(14, 21)
    );
}

fn go_total(rel: &str) -> String {
    // The last line of `go tool cover -func`: "total:\t\t\t\t\t(statements)\t50.0%".
    let text = std::fs::read_to_string(fixtures().join(rel)).unwrap();
    text.lines()
        .last()
        .unwrap()
        .split_whitespace()
        .last()
        .unwrap()
        .to_string()
}

#[test]
fn go_profiles_match_go_tool_cover() {
    for (profile, func) in [
        ("go/set.out", "go/set.func.txt"),
        ("go/count.out", "go/count.func.txt"),
        ("go/coverpkg-atomic.out", "go/coverpkg-atomic.func.txt"),
    ] {
        let r = parse(profile);
        assert_eq!(r.format, Some(Format::Go));
        let h = r.headline.unwrap();
        assert_eq!(h.name, "statements");
        assert_eq!(
            h.rounding.show(h.counter.percent().unwrap()),
            go_total(func),
            "{profile}"
        );
    }
    // -coverpkg lists every block once per test binary; merged, the totals equal a single run's
    // statement count.
    let dup = parse("go/coverpkg-atomic.out").headline.unwrap().counter;
    let raw_blocks = std::fs::read_to_string(fixtures().join("go/coverpkg-atomic.out"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert!(
        raw_blocks > dup.total as usize / 2,
        "the fixture must contain repeated blocks"
    );
    assert_eq!(
        dup.total,
        parse("go/count.out").headline.unwrap().counter.total
    );
}

#[test]
fn jacoco_matches_jacoco_counters() {
    // jacoco/jacoco.xml.csv sums: INSTRUCTION 58/91, BRANCH 5/12, LINE 13/20, METHOD 5/6.
    let r = parse("jacoco/jacoco.xml");
    assert_eq!(r.format, Some(Format::Jacoco));
    let t = totals(&r);
    assert_eq!(
        (t.lines, t.branches, t.functions),
        (c(13, 20), c(5, 12), c(5, 6))
    );
    assert_eq!(r.headline.unwrap().counter, c(58, 91));
    assert!(r.files.contains_key("com/example/shop/Pricing.java"));
}

#[test]
fn llvm_cov_json_matches_llvm_cov_report_and_its_lcov_export() {
    // llvm-cov/geometry.report.txt: regions 17 (5 missed), functions 4 (1 missed), lines 23
    // (7 missed), branches 10 (5 missed).
    let r = parse("llvm-cov/geometry.json");
    assert_eq!(r.format, Some(Format::LlvmCov));
    let t = totals(&r);
    assert_eq!(
        (t.lines, t.functions, t.branches),
        (c(16, 23), c(3, 4), c(5, 10))
    );
    assert_eq!(r.headline.unwrap().counter, c(12, 17));
    // Line by line, the segments give what llvm-cov itself exported as LCOV DA records.
    let lcov = parse("llvm-cov/geometry.lcov");
    let (a, b) = (
        r.files.values().next().unwrap(),
        lcov.files.values().next().unwrap(),
    );
    let hits = |f: &coverage_gate::model::FileCoverage| {
        f.lines
            .iter()
            .filter(|(_, l)| !l.branch_only)
            .map(|(n, l)| (n, l.hits))
            .collect::<Vec<_>>()
    };
    assert_eq!(hits(a), hits(b));
}

#[test]
fn simplecov_resultset_lines_before_nocov() {
    // simplecov/resultset.json holds 16 relevant lines, 12 run; SimpleCov printed 11 / 14 after
    // dropping the `# :nocov:` block, which needs the source (see the end-to-end test).
    let r = parse("simplecov/resultset.json");
    assert_eq!(r.format, Some(Format::Simplecov));
    assert_eq!(totals(&r).lines, c(12, 16));
    let mut f = r.files.values().next().unwrap().clone();
    let src = std::fs::read_to_string(fixtures().join("projects/ruby/lib/cart.rb")).unwrap();
    formats::apply_nocov(&mut f, &src);
    assert_eq!(f.lines(), c(11, 14));
}

#[test]
fn opencover_lines_from_sequence_points_and_its_summary_headline() {
    // Written from the schema (see fixtures/opencover/README.md). Lines: 6,7,8 hit; 9,10 (one
    // point spanning both) not; 11, 14, 15 hit; 18, 19 not => 6 of 10. Branch points 2 of 4.
    // <Summary>: 9 sequence points, 6 visited. Methods: 2 of 3 visited.
    let r = parse("opencover/schema-opencover.xml");
    assert_eq!(r.format, Some(Format::Opencover));
    let t = totals(&r);
    assert_eq!(
        (t.lines, t.branches, t.functions),
        (c(6, 10), c(2, 4), c(2, 3))
    );
    assert_eq!(r.headline.unwrap().counter, c(6, 9));
    assert_eq!(
        r.files.keys().collect::<Vec<_>>(),
        ["C:\\agent\\_work\\1\\s\\src\\Shop\\Pricing.cs"]
    );
}

#[test]
fn simplecov_json_formatter_output_already_excludes_nocov() {
    // Same run as resultset.json; SimpleCov printed 11 / 14 LOC. Branches: 5 outcomes, 3 taken.
    let r = parse("simplecov/schema-coverage.json");
    assert_eq!(r.format, Some(Format::Simplecov));
    let t = totals(&r);
    assert_eq!((t.lines, t.branches), (c(11, 14), c(3, 5)));
    assert_eq!(totals(&parse("simplecov/resultset.json")).branches, c(3, 5));
}

/// gcovr's JaCoCo writes `<line nr>` without `ci`/`mi`: the gate read lines 0/0 and
/// `--min-lines 80` passed. The sourcefile counters give gcovr's own totals (`gcovr.txt`:
/// TOTAL 28 lines, 18 executed).
#[test]
fn jacoco_written_by_gcovr_counts_what_gcovr_printed() {
    let t = totals(&parse("jacoco/gcovr.xml"));
    assert_eq!(
        (t.lines, t.branches, t.functions),
        (c(18, 28), c(12, 19), c(4, 5))
    );
}

/// The same report cannot answer `--min-patch`: no per-line hits. Inconclusive, exit 1.
#[test]
fn jacoco_written_by_gcovr_cannot_answer_min_patch() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    for f in ["calc.c", "calc.h", "main.c"] {
        std::fs::copy(fixtures().join("projects/c").join(f), repo.join(f)).unwrap();
    }
    gates_testkit::cmd::git_init(repo);
    gates_testkit::cmd::run(repo, "git", &["add", "-A"]);
    gates_testkit::cmd::run(repo, "git", &["commit", "-q", "-m", "base"]);
    let mut calc = std::fs::read_to_string(repo.join("calc.c")).unwrap();
    calc.push_str("int added(void) { return 1; }\n");
    std::fs::write(repo.join("calc.c"), calc).unwrap();
    let report = fixtures().join("jacoco/gcovr.xml");
    let result = repo.join("result.json");
    let args = [
        report.to_str().unwrap(),
        "--base",
        "HEAD",
        "--min-patch",
        "90",
    ];
    let out = crate::e2e::gate(
        repo,
        &[&args[..], &["--result", result.to_str().unwrap()]].concat(),
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(doc["verdict"], "inconclusive");
    let informational = crate::e2e::gate(repo, &[&args[..], &["--informational"]].concat(), &[]);
    assert_eq!(informational.status.code(), Some(0));
}

/// Regression (issue 9): a threshold on something the reports do not measure never passes.
/// Go cover profiles have no branches: `--min-branches 50` is inconclusive and fails (unless
/// `--informational`), while `--min-lines` on the same profile is judged.
#[test]
fn a_threshold_on_what_the_report_does_not_measure_is_inconclusive() {
    let dir = tempfile::tempdir().unwrap();
    let report = fixtures().join("go/set.out");
    let result = dir.path().join("result.json");
    let args = [report.to_str().unwrap(), "--min-branches", "50"];
    let out = crate::e2e::gate(
        dir.path(),
        &[&args[..], &["--result", result.to_str().unwrap()]].concat(),
        &[],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(doc["verdict"], "inconclusive", "{doc}");
    let informational =
        crate::e2e::gate(dir.path(), &[&args[..], &["--informational"]].concat(), &[]);
    assert_eq!(informational.status.code(), Some(0));
    let lines = crate::e2e::gate(
        dir.path(),
        &[report.to_str().unwrap(), "--min-lines", "1"],
        &[],
    );
    assert_eq!(
        lines.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lines.stdout)
    );
}
