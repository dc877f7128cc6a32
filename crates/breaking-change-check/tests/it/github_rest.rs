//! GitHub's real REST descriptions (npm `@octokit/openapi` 23.0.2, installed by `.ci/run` and
//! named by `OCTOKIT_OPENAPI`, its `generated/` folder): each diffed with itself gives no change,
//! and ghes-3.18 -> ghes-3.19 gives the same changes on every run, the breaking ones pinned.

// The test reads where `.ci/run` installed the descriptions from the environment.
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;

use breaking_change_check::diff::{compare, Change};
use breaking_change_check::source::Source;
use breaking_change_check::spec::Spec;

fn generated() -> PathBuf {
    PathBuf::from(std::env::var("OCTOKIT_OPENAPI").expect(
        "OCTOKIT_OPENAPI must name the generated/ folder of npm @octokit/openapi 23.0.2 (.ci/run installs it)",
    ))
}

fn diff(base: &str, head: &str) -> Vec<Change> {
    let src = Source::Dir(generated());
    let load =
        |f: &str| Spec::load(f, &|p| src.require(p)).unwrap_or_else(|e| panic!("{f}: {e:?}"));
    compare(&load(base), &load(head), "2026-01-01")
}

#[test]
fn each_description_diffed_with_itself_has_no_change() {
    for f in ["api.github.com.json", "ghes-3.18.json", "ghes-3.19.json"] {
        let changes = diff(f, f);
        assert!(
            changes.is_empty(),
            "{f}: {:?}",
            changes
                .iter()
                .take(5)
                .map(|c| &c.message)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_version_pair_diffs_the_same_every_time_with_its_breaking_changes_pinned() {
    let key = |c: &Change| (c.rule.id, c.line, c.pointer.clone(), c.message.clone());
    let one: Vec<_> = diff("ghes-3.18.json", "ghes-3.19.json")
        .iter()
        .map(key)
        .collect();
    let two: Vec<_> = diff("ghes-3.18.json", "ghes-3.19.json")
        .iter()
        .map(key)
        .collect();
    assert_eq!(
        one, two,
        "the same pair, the same changes in the same order"
    );
    assert_eq!(one.len(), 150, "4 breaking and 146 info, as first measured");
    let changes = diff("ghes-3.18.json", "ghes-3.19.json");
    let mut breaking: Vec<(&str, String)> = changes
        .iter()
        .filter(|c| c.rule.level == gates_core::rules::RuleLevel::Deny)
        .map(|c| (c.rule.id, c.op.clone().unwrap_or_default()))
        .collect();
    breaking.sort();
    let config = "/code-security/configurations/{configuration_id}";
    // ghes-3.19 wraps code_scanning_default_setup_options' nullable $ref in an allOf with a
    // non-nullable object: null is no longer accepted, and an allOf subschema was added.
    assert_eq!(
        breaking,
        [
            (
                "breaking-change/request-property-all-of-added",
                format!("PATCH /enterprises/{{enterprise}}{config}")
            ),
            (
                "breaking-change/request-property-all-of-added",
                format!("PATCH /orgs/{{org}}{config}")
            ),
            (
                "breaking-change/request-property-became-not-nullable",
                format!("PATCH /enterprises/{{enterprise}}{config}")
            ),
            (
                "breaking-change/request-property-became-not-nullable",
                format!("PATCH /orgs/{{org}}{config}")
            ),
        ]
    );
}
