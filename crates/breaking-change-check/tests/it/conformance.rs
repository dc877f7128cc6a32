//! Conformance with oasdiff: the 99 base/revision pairs of tests/conformance/oasdiff (taken from
//! oasdiff's own tests, see the README there) each name a rule id, level and operation oasdiff
//! reports (`fires: true`) or does not (`fires: false`), and many pin more: other findings the
//! same test asserts (`also_expected`), ids that must stay silent (`must_not_fire`) and how many
//! findings there are (`exact_count`). Ours must agree on all of it, except the cases listed in
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
        let got: Vec<(String, &str, Option<String>)> = match (
            load(case["base_file"].as_str().unwrap()),
            load(case["revision_file"].as_str().unwrap()),
        ) {
            (Ok(b), Ok(h)) => compare(&b, &h, TODAY)
                .into_iter()
                .map(|c| {
                    (
                        c.rule.id.trim_start_matches("breaking-change/").to_string(),
                        rules::level_name(c.rule.level),
                        c.op,
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
        let problems = disagreements(case, id, level, fires, &got);
        let ok = problems.is_empty();
        let known = KNOWN_DISAGREEMENTS.contains(&folder);
        if !ok {
            let mut ours: Vec<String> = got
                .iter()
                .map(|(i, l, op)| format!("{i} {l} {}", op.as_deref().unwrap_or("-")))
                .collect();
            ours.sort();
            table.push(format!(
                "{folder}: {}; ours: [{}]",
                problems.join("; "),
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

/// What of `case` our findings `got` (id, level, operation) do not bear out; empty when they
/// agree.
fn disagreements(
    case: &serde_json::Value,
    id: &str,
    level: &str,
    fires: bool,
    got: &[(String, &str, Option<String>)],
) -> Vec<String> {
    let mut out = Vec::new();
    let found = |id: &str, level: &str, op: Option<&str>| {
        got.iter()
            .any(|(i, l, o)| i == id && *l == level && (op.is_none() || o.as_deref() == op))
    };
    let op = case["operation"].as_str();
    if fires && !found(id, level, op) {
        out.push(format!(
            "oasdiff reports {id} {level} on {}",
            op.unwrap_or("the document")
        ));
    }
    if !fires && got.iter().any(|(i, _, _)| i == id) {
        out.push(format!("oasdiff does not report {id}"));
    }
    let mut ids = vec![id.to_string()];
    for also in case["also_expected"].as_array().into_iter().flatten() {
        let (a, l) = (
            also["oasdiff_id"].as_str().unwrap(),
            also["level"].as_str().unwrap(),
        );
        ids.push(a.to_string());
        if !found(a, l, also["operation"].as_str()) {
            out.push(format!("oasdiff also reports {a} {l}"));
        }
    }
    for silent in case["must_not_fire"].as_array().into_iter().flatten() {
        let silent = silent.as_str().unwrap();
        if got.iter().any(|(i, _, _)| i == silent) {
            out.push(format!("oasdiff does not report {silent}"));
        }
    }
    if let Some(n) = case["exact_count"].as_u64() {
        // A test of one oasdiff check counts that check's findings (the ids it asserts); a test
        // of every check counts all findings at the levels it collected.
        let rank = |l: &str| {
            ["INFO", "WARN", "ERR"]
                .iter()
                .position(|x| *x == l)
                .unwrap_or(0)
        };
        let min = rank(case["min_level"].as_str().unwrap_or("INFO"));
        let single = case["oasdiff_scope"]
            .as_str()
            .is_some_and(|s| s.starts_with("single-check"));
        let ours = got
            .iter()
            .filter(|(i, l, _)| {
                if single {
                    ids.contains(i)
                } else {
                    rank(l) >= min
                }
            })
            .count() as u64;
        if ours != n && !(single && !fires && n == 0 && ours == 0) {
            out.push(format!("oasdiff reports {n} finding(s) there, ours {ours}"));
        }
    }
    out
}
