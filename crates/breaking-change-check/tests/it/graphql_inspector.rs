//! Our GraphQL verdicts against the real graphql-inspector's on GitHub's own schema versions
//! (fixtures/graphql: npm @octokit/graphql-schema, @graphql-inspector/cli 7.0.0 / core 8.0.0;
//! the command and versions are in fixtures/graphql/README.md, `regenerate.sh` remakes them).
//! Every breaking and dangerous change graphql-inspector reports must be ours, at the same
//! criticality, and we may report none it does not. One pair is also diffed by the real
//! graphql-inspector at test time (GRAPHQL_INSPECTOR_PREFIX, which .ci/run installs) and
//! compared with the gate's result file.

// The inspector's install prefix comes from the real environment (set by .ci/run).
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

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
    verdict_of(&std::fs::read_to_string(file).expect("fixture"))
}

/// graphql-inspector's changes (inspector.mjs's JSON) as a verdict, and how many there were.
fn verdict_of(json: &str) -> (Verdict, usize) {
    let all: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
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

/// The real graphql-inspector, run now on GitHub's 14.58.0 -> 15.12.0 pair (3 breaking, 4 dangerous), against the
/// gate's result file for the same pair: the same breaking and dangerous changes (change type
/// and criticality, as many of each), and the same counts as the result's metrics.
#[test]
fn the_real_graphql_inspector_agrees_with_the_result_file() {
    let prefix = std::env::var("GRAPHQL_INSPECTOR_PREFIX").expect("GRAPHQL_INSPECTOR_PREFIX must name the npm prefix holding @graphql-inspector/cli and graphql (.ci/run installs them)");
    let (old, new) = (
        fixtures().join("github-14.58.0.graphql"),
        fixtures().join("github-15.12.0.graphql"),
    );
    let live = Command::new("node")
        .arg(fixtures().join("inspector.mjs"))
        .args([&old, &new])
        .env("INSPECTOR_PREFIX", &prefix)
        .output()
        .expect("node runs");
    assert!(
        live.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    let (want, total) = verdict_of(&String::from_utf8(live.stdout).unwrap());
    assert!(
        total > 0 && !want.is_empty(),
        "graphql-inspector found nothing"
    );

    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("r.json");
    let out = Command::new(env!("CARGO_BIN_EXE_breaking-change-check"))
        .arg("--base-file")
        .args([&old, &new])
        // No removal day GitHub names has passed: the levels are graphql-inspector's.
        .args(["--today", "1970-01-01", "--print", "human", "--result"])
        .arg(&result)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_EVENT_PATH")
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c < 2), "{out:?}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    let by_type = |v: &Verdict, level: &str| -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for ((kind, _, l), n) in v {
            if l == level {
                *m.entry(kind.clone()).or_default() += n;
            }
        }
        m
    };
    let ours = |level: &str| -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for f in r["findings"].as_array().unwrap() {
            if f["level"] == level {
                *m.entry(f["tool_rule"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
        }
        m
    };
    assert_eq!(ours("error"), by_type(&want, "BREAKING"));
    assert_eq!(ours("warning"), by_type(&want, "DANGEROUS"));
    let count = |level: &str| {
        want.iter()
            .filter(|(k, _)| k.2 == level)
            .map(|(_, n)| n)
            .sum::<usize>()
    };
    assert_eq!(r["metrics"]["breaking"], count("BREAKING"));
    assert_eq!(r["metrics"]["warnings"], count("DANGEROUS"));
}
