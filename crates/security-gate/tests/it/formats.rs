//! Every format: counts equal the scanners' own printed totals, one severity scale, SARIF read whatever its key order, every fixture read as every format.

// Tests set up the programs' environment from the real one (PATH, SARIF_MULTITOOL).
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::path::Path;

use security_gate::formats::{self, Format};

use crate::common;
use common::{fixture, root};
use security_gate::gate::count;
use security_gate::model::{Report, Severity};

fn parse(name: &str) -> Report {
    formats::parse_file(
        &fixture(name),
        None,
        &root().join("fixtures/projects/insecure"),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sev(r: &Report) -> BTreeMap<&'static str, u64> {
    count(r.findings.iter().filter(|f| f.suppressed.is_none()))
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| (s.name(), n))
        .collect()
}

#[test]
fn bandit_counts_equal_bandits_own_totals() {
    // fixtures/security/bandit.txt: "Total issues (by severity): Low: 4, Medium: 4, High: 4";
    // the `# nosec` line is in `skipped_tests`, not in the results.
    let r = parse("bandit.json");
    assert_eq!(
        sev(&r),
        BTreeMap::from([("high", 4), ("medium", 4), ("low", 4)])
    );
}

#[test]
fn semgrep_json_and_sarif_count_what_semgrep_printed() {
    // fixtures/security/semgrep.txt: "6 findings" (rules.yml: 4 ERROR, 1 WARNING, 1 INFO; Semgrep
    // maps INFO to Low).
    let r = parse("semgrep.json");
    assert_eq!(r.findings.len(), 6);
    assert_eq!(
        sev(&r),
        BTreeMap::from([("high", 4), ("medium", 1), ("low", 1)])
    );
    // The same scan as SARIF: error/warning/note levels.
    let s = parse("semgrep.sarif");
    assert_eq!(
        sev(&s),
        BTreeMap::from([("high", 4), ("medium", 1), ("low", 1)])
    );
}

#[test]
fn checkov_counts_failed_and_skipped_checks() {
    // checkov.txt: dockerfile 2 failed; terraform 16 failed, 1 skipped (#checkov:skip with a reason).
    let r = parse("checkov.json");
    assert_eq!(sev(&r), BTreeMap::from([("unknown", 18)]));
    let skipped: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_some())
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0]
        .suppressed
        .as_deref()
        .unwrap()
        .contains("central logging account"));
    assert!(
        r.findings
            .iter()
            .all(|f| f.path.as_deref().is_some_and(|p| p.starts_with("infra/"))),
        "repository paths"
    );
}

#[test]
fn schema_fixtures_map_to_the_one_scale() {
    type Case<'a> = (&'a str, Format, &'a [(&'a str, u64)]);
    let cases: [Case<'_>; 9] = [
        ("schema-gitleaks.json", Format::Gitleaks, &[("high", 1)]),
        (
            "schema-trufflehog.jsonl",
            Format::Trufflehog,
            &[("critical", 1)],
        ),
        (
            "schema-trivy.json",
            Format::Trivy,
            &[("critical", 1), ("high", 2), ("medium", 1)],
        ),
        (
            "schema-grype.json",
            Format::Grype,
            &[("critical", 1), ("low", 1)],
        ),
        ("schema-osv.json", Format::Osv, &[("critical", 2)]),
        ("schema-pip-audit.json", Format::PipAudit, &[("unknown", 1)]),
        (
            "schema-npm-audit.json",
            Format::NpmAudit,
            &[("critical", 1), ("high", 1), ("medium", 1)],
        ),
        (
            "schema-cargo-audit.json",
            Format::CargoAudit,
            &[("medium", 1), ("unknown", 1)],
        ),
        ("schema-safety.json", Format::Safety, &[("critical", 1)]),
    ];
    for (file, format, want) in cases {
        let text = std::fs::read_to_string(fixture(file)).unwrap();
        let v: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        assert_eq!(formats::detect(&text, v.as_ref()), Some(format), "{file}");
        assert_eq!(
            sev(&parse(file)),
            want.iter().copied().collect::<BTreeMap<_, _>>(),
            "{file}"
        );
    }
    // What the scanner itself suppressed (trivy --show-suppressed, grype ignore rules) is
    // counted as suppressed, with the scanner's reason.
    for (file, rule, reason) in [
        (
            "schema-trivy.json",
            "CVE-2021-33503",
            "Trivy ignored (.trivyignore): only used in tests",
        ),
        (
            "schema-grype.json",
            "GHSA-q2q7-5pp4-w6pg",
            "Grype ignore rule: only used in tests",
        ),
    ] {
        let suppressed: Vec<(String, String)> = parse(file)
            .findings
            .iter()
            .filter_map(|f| Some((f.rule.to_string(), f.suppressed.as_deref()?.to_string())))
            .collect();
        assert_eq!(
            suppressed,
            vec![(rule.to_string(), reason.to_string())],
            "{file}"
        );
    }
    // cargo-audit gives only a vector: CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H scores 5.9.
    assert_eq!(
        formats::cvss_vector_score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"),
        Some(5.9)
    );
    assert_eq!(
        formats::cvss_vector_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        Some(9.8)
    );
    assert_eq!(
        formats::cvss_vector_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
        Some(6.1)
    );
    // CVSS v4.0 vectors are scored too (they got none when the formula was hand-written): the
    // scores FIRST's v4.0 calculator gives.
    assert_eq!(
        formats::cvss_vector_score(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        ),
        Some(9.3)
    );
    assert_eq!(
        formats::cvss_vector_score(
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        ),
        Some(8.5)
    );
    assert_eq!(formats::cvss_vector_score("CVSS:3.1/AV:X"), None);
    assert_eq!(formats::cvss_vector_score("not a vector"), None);
}

#[test]
fn sarif_level_falls_back_to_the_rule_then_warning_and_security_severity_wins() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.sarif");
    let log = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "X", "rules": [
      {"id": "r1", "defaultConfiguration": {"level": "error"}},
      {"id": "r2", "properties": {"security-severity": "9.1"}},
      {"id": "r3"}]}},
    "results": [
      {"ruleId": "r1", "message": {"text": "a"}},
      {"ruleId": "r2", "level": "note", "message": {"text": "b"}},
      {"ruleId": "r3", "message": {"text": "c"}},
      {"ruleId": "r3", "kind": "pass", "message": {"text": "not a finding"}},
      {"ruleId": "r3", "message": {"text": "d"}, "suppressions": [{"kind": "inSource", "justification": "ok"}]},
      {"ruleId": "r3", "message": {"text": "e"}, "suppressions": [{"kind": "external", "status": "rejected"}]}
    ]}]});
    std::fs::write(&p, log.to_string()).unwrap();
    let r = formats::parse_file(&p, None, dir.path()).unwrap();
    let s: Vec<(Severity, bool)> = r
        .findings
        .iter()
        .map(|f| (f.severity, f.suppressed.is_some()))
        .collect();
    assert_eq!(
        s,
        [
            (Severity::High, false),
            (Severity::Critical, false),
            (Severity::Medium, false),
            (Severity::Medium, true),
            (Severity::Medium, false)
        ]
    );
}

/// Results are read as they stream by; a run that lists them before its `tool`, or before the
/// `originalUriBaseIds` their locations use, still resolves.
#[test]
fn sarif_key_order_does_not_matter() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let result = r#"{"ruleId": "r1", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a.py", "uriBaseId": "SRC"}, "region": {"startLine": 3}}}]}"#;
    let tool = r#"{"driver": {"name": "Late", "rules": [{"id": "r1", "properties": {"security-severity": "7.5"}}]}}"#;
    let bases = format!(r#"{{"SRC": {{"uri": "file://{}/"}}}}"#, root.display());
    for run in [
        format!(r#"{{"results": [{result}], "tool": {tool}, "originalUriBaseIds": {bases}}}"#),
        format!(r#"{{"tool": {tool}, "results": [{result}], "originalUriBaseIds": {bases}}}"#),
    ] {
        let p = root.join("t.sarif");
        std::fs::write(&p, format!(r#"{{"runs": [{run}], "version": "2.1.0"}}"#)).unwrap();
        let r = formats::parse_file(&p, None, root).unwrap();
        assert_eq!(r.tools, ["late"]);
        assert_eq!(r.findings.len(), 1);
        assert_eq!(
            (r.findings[0].path.as_deref(), r.findings[0].severity),
            (Some("src/a.py"), Severity::High)
        );
    }
}

/// A SARIF log whose `version` comes after a long `runs` is recognised from its content too.
#[test]
fn sarif_with_version_last_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("late.sarif");
    let results: Vec<String> = (0..200).map(|i| format!(r#"{{"ruleId": "r{i}", "level": "note", "message": {{"text": "padding padding padding {i}"}}}}"#)).collect();
    std::fs::write(&p, format!(r#"{{"runs": [{{"tool": {{"driver": {{"name": "T"}}}}, "results": [{}]}}], "version": "2.1.0"}}"#, results.join(","))).unwrap();
    let r = formats::parse_file(&p, None, dir.path()).unwrap();
    assert_eq!(r.findings.len(), 200);
}

#[test]
fn every_fixture_read_as_every_format_gives_a_report_or_an_error() {
    for name in MUTATION_SEEDS {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for format in each_format() {
            let _ = formats::parse_bytes(&bytes, Path::new(name), format, &root());
        }
    }
}

/// Bandit writes `runs` first and `version` last: its log must still go to the streaming SARIF
/// reader, not the generic JSON tree (a 100 MB Bandit log took 4x the time and 6x the memory).
#[test]
fn a_bandit_sarif_log_is_streamed_whatever_its_key_order() {
    let text = std::fs::read_to_string(fixture("bandit.sarif")).unwrap();
    let head: String = text.chars().take(4096).collect();
    assert!(
        !head.contains("2.1.0"),
        "the fixture must have its SARIF version past the first 4 KiB, as Bandit writes it"
    );
    assert!(formats::looks_like_sarif(&text));
}

// Every reader survives damaged input: real fixtures cut short, with bytes flipped or spliced,
// read as themselves and as every other format, give a report or an error, never a panic (the
// stable-toolchain stand-in for the `security_formats` fuzz target).
const MUTATION_SEEDS: &[&str] = &[
    "bandit.json",
    "semgrep.json",
    "semgrep.sarif",
    "checkov.json",
    "schema-gitleaks.json",
    "schema-trufflehog.jsonl",
    "schema-trivy.json",
    "schema-grype.json",
    "schema-osv.json",
    "schema-pip-audit.json",
    "schema-npm-audit.json",
    "schema-cargo-audit.json",
    "schema-safety.json",
];

/// Recognised from the content (`None`), then forced to each format in turn.
fn each_format() -> impl Iterator<Item = Option<Format>> {
    std::iter::once(None).chain(Format::ALL.map(Some))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

    #[test]
    fn damaged_reports_never_panic(
        which in 0usize..64,
        format in 0usize..14,
        cut in 0.0f64..1.0,
        flips in proptest::collection::vec((0.0f64..1.0, proptest::prelude::any::<u8>()), 0..8),
        splice in proptest::prelude::any::<Vec<u8>>(),
    ) {
        let mut bytes = std::fs::read(fixture(MUTATION_SEEDS[which % MUTATION_SEEDS.len()])).unwrap();
        for (at, b) in flips {
            let i = ((bytes.len() as f64) * at) as usize;
            if i < bytes.len() {
                bytes[i] = b;
            }
        }
        bytes.truncate((((bytes.len() as f64) * cut) as usize).max(1));
        bytes.extend_from_slice(&splice);
        let _ = formats::parse_bytes(&bytes, Path::new("mutated"), each_format().nth(format).unwrap(), &root());
    }
}
