//! Our GraphQL verdicts against the real graphql-inspector's on GitHub's own schema versions
//! (fixtures/graphql: npm @octokit/graphql-schema, @graphql-inspector/cli 7.0.0 / core 8.0.0;
//! the command and versions are in fixtures/graphql/README.md, `regenerate.sh` remakes them).
//! Every breaking and dangerous change graphql-inspector reports must be ours, at the same
//! criticality, and we may report none it does not.

use std::collections::BTreeMap;
use std::path::PathBuf;

use breaking_change_check::graphql::{self, diff};
use gates_core::rules::RuleLevel;

fn fixtures() -> PathBuf {
    gates_testkit::cmd::workspace_root().join("fixtures/graphql")
}

fn schema(version: &str) -> graphql::Schema {
    let path = format!("github-{version}.graphql");
    let text = std::fs::read_to_string(fixtures().join(&path)).expect("fixture");
    graphql::load(&[(path, text)]).expect("GitHub's schema loads")
}

fn criticality(l: RuleLevel) -> &'static str {
    match l {
        RuleLevel::Deny => "BREAKING",
        RuleLevel::Warn => "DANGEROUS",
        RuleLevel::Allow => "NON_BREAKING",
    }
}

/// (change type, path, criticality) -> how many times, for breaking and dangerous changes.
type Verdict = BTreeMap<(String, String, String), usize>;

fn inspector(old: &str, new: &str) -> (Verdict, usize) {
    let file = fixtures().join(format!("github-{old}..{new}.inspector.json"));
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(file).expect("fixture")).unwrap();
    let mut v = Verdict::new();
    for c in &all {
        let level = c["level"].as_str().unwrap().to_string();
        if level != "NON_BREAKING" {
            *v.entry((
                c["type"].as_str().unwrap().to_string(),
                c["path"].as_str().unwrap().to_string(),
                level,
            ))
            .or_default() += 1;
        }
    }
    (v, all.len())
}

fn ours(old: &str, new: &str) -> Verdict {
    // A day before every removal day GitHub names, so no sunset has passed and our levels are
    // graphql-inspector's criticality unchanged.
    let changes = diff::compare(&schema(old), &schema(new), "1970-01-01");
    let mut v = Verdict::new();
    for c in changes {
        let level = criticality(c.rule.level);
        if level != "NON_BREAKING" {
            *v.entry((c.kind.to_string(), c.path, level.to_string()))
                .or_default() += 1;
        }
    }
    v
}

fn same_as_inspector(old: &str, new: &str) {
    let (want, total) = inspector(old, new);
    let got = ours(old, new);
    assert!(
        total > 0 && !want.is_empty(),
        "{old}..{new}: graphql-inspector reported no breaking or dangerous change"
    );
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, n)| got.get(*k) != Some(n))
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, n)| want.get(*k) != Some(n))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{old}..{new}: graphql-inspector's but not ours (or other counts): {missing:#?}\nours only: {extra:#?}"
    );
}

#[test]
fn github_14_58_to_15_12_breaking_and_dangerous_changes_are_graphql_inspectors() {
    same_as_inspector("14.58.0", "15.12.0");
}

#[test]
fn github_15_12_to_15_18_1_breaking_and_dangerous_changes_are_graphql_inspectors() {
    same_as_inspector("15.12.0", "15.18.1");
}

#[test]
fn github_schemas_diffed_with_themselves_have_no_changes() {
    for v in ["14.58.0", "15.12.0", "15.18.1"] {
        let s = schema(v);
        assert!(s.types.len() > 900, "{v}: {} types", s.types.len());
        assert_eq!(diff::compare(&s, &s, "2026-01-01"), Vec::new(), "{v}");
    }
}

/// The same pair twice gives the same changes in the same order (the report is stable).
#[test]
fn a_github_pair_diffs_the_same_every_time() {
    let (a, b) = (schema("14.58.0"), schema("15.12.0"));
    let first = diff::compare(&a, &b, "2026-01-01");
    assert!(!first.is_empty());
    assert_eq!(first, diff::compare(&a, &b, "2026-01-01"));
}
