//! Conformance with oasdiff: the 99 base/revision pairs of tests/conformance/oasdiff (taken from
//! oasdiff's own tests, see the README there) each name a rule id and level oasdiff reports
//! (`fires: true`) or does not (`fires: false`). Ours must agree, except the cases listed in
//! KNOWN_DISAGREEMENTS, which may only shrink: a listed case that starts agreeing fails the
//! test too, so the list is kept exact.

use std::path::Path;

use breaking_change_check::diff::compare;
use breaking_change_check::rules;
use breaking_change_check::source::Source;
use breaking_change_check::spec::Spec;

/// Cases where this first landing does not yet report what oasdiff reports, each with why.
const KNOWN_DISAGREEMENTS: &[&str] = &[];

/// oasdiff's test fixtures date sunsets either in the past or in 9999; any day between works.
const TODAY: &str = "2026-01-01";

#[test]
fn agrees_with_oasdiff_on_every_case_but_the_known_ones() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/oasdiff");
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap()).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 99, "cases.json holds the 99 cases");
    let mut table = Vec::new();
    let mut unexpected = Vec::new();
    for case in cases {
        let folder = case["folder"].as_str().unwrap();
        let id = case["oasdiff_id"].as_str().unwrap();
        let level = case["level"].as_str().unwrap();
        let fires = case["fires"].as_bool().unwrap();
        let src = Source::Dir(dir.join(folder));
        let load = |f: &str| Spec::load(f, &|p| src.require(p));
        let got: Vec<(String, &str)> = match (
            load(case["base_file"].as_str().unwrap()),
            load(case["revision_file"].as_str().unwrap()),
        ) {
            (Ok(b), Ok(h)) => compare(&b, &h, TODAY)
                .into_iter()
                .map(|c| {
                    (
                        c.rule.id.trim_start_matches("breaking-change/").to_string(),
                        rules::level_name(c.rule.level),
                    )
                })
                .collect(),
            (Err(e), _) | (_, Err(e)) => {
                table.push(format!(
                    "{folder}: could not load: {} {}",
                    e.place(),
                    e.message
                ));
                if !KNOWN_DISAGREEMENTS.contains(&folder) {
                    unexpected.push(folder.to_string());
                }
                continue;
            }
        };
        let ok = if fires {
            got.iter().any(|(i, l)| i == id && *l == level)
        } else {
            got.iter().all(|(i, _)| i != id)
        };
        let known = KNOWN_DISAGREEMENTS.contains(&folder);
        if !ok {
            let mut ours: Vec<String> = got.iter().map(|(i, l)| format!("{i} {l}")).collect();
            ours.sort();
            ours.dedup();
            table.push(format!(
                "{folder}: oasdiff {} {id} {level}; ours: [{}]",
                if fires { "fires" } else { "does not fire" },
                ours.join(", ")
            ));
        }
        if ok == known {
            unexpected.push(format!(
                "{folder} ({})",
                if ok {
                    "now agrees: remove it from KNOWN_DISAGREEMENTS"
                } else {
                    "disagrees"
                }
            ));
        }
    }
    // The table is the point of a failing run: cargo shows it with the failure.
    #[allow(clippy::print_stderr)]
    if !table.is_empty() {
        eprintln!(
            "cases that disagree with oasdiff ({}):\n{}",
            table.len(),
            table.join("\n")
        );
    }
    assert!(
        unexpected.is_empty(),
        "unexpected conformance results: {unexpected:#?}"
    );
}
