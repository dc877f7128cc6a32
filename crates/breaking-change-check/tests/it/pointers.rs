//! JSON pointers on real spec pairs: every change's pointer names, in its head file, the node
//! its line is taken from (and a removal's base pointer a node of base), and an ignore entry
//! keyed by pointer accepts exactly the changes at or under it, a stale one being reported.

use std::path::{Path, PathBuf};

use breaking_change_check::diff::compare;
use breaking_change_check::source::Source;
use breaking_change_check::spec::{self, Spec};

use crate::common;
use common::{result, run, text, write};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/oasdiff")
}

/// The 99 oasdiff pairs: each pointer resolves in the file the change names, to a node on the
/// change's line, and each base pointer resolves in base; most changes carry a pointer that
/// differs from the others' (the pointer is not one fixed spot).
#[test]
fn every_pointer_names_the_node_of_the_changes_line() {
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("cases.json")).unwrap())
            .unwrap();
    let (mut checked, mut removals) = (0, 0);
    let mut distinct = std::collections::BTreeSet::new();
    for case in cases["cases"].as_array().unwrap() {
        let folder = case["folder"].as_str().unwrap();
        let src = Source::Dir(corpus().join(folder));
        let load = |f: &str| Spec::load(f, &|p| src.require(p)).unwrap();
        let base = load(case["base_file"].as_str().unwrap());
        let head = load(case["revision_file"].as_str().unwrap());
        for c in compare(&base, &head, "2026-01-01") {
            let p = c
                .pointer
                .as_deref()
                .unwrap_or_else(|| panic!("{folder}: {c:?}"));
            let doc = head.docs.iter().find(|d| d.path == c.file).unwrap();
            let node = spec::pointer(&doc.root, p)
                .unwrap_or_else(|| panic!("{folder}: {p} is not in {}", c.file));
            assert_eq!(node.line, c.line, "{folder}: {p} ({})", c.message);
            if let Some(bp) = &c.base_pointer {
                assert!(
                    base.docs
                        .iter()
                        .any(|d| spec::pointer(&d.root, bp).is_some()),
                    "{folder}: base pointer {bp} is not in base ({})",
                    c.message
                );
                removals += 1;
            }
            distinct.insert(format!("{folder}{p}"));
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} changes");
    assert!(removals > 20, "{removals} removals");
    assert!(
        distinct.len() * 10 > checked * 9,
        "{} of {checked}",
        distinct.len()
    );
}

fn copy_pair(dir: &Path, case: &str) -> [String; 2] {
    let from = corpus().join(case);
    let ext = if from.join("base.json").exists() {
        "json"
    } else {
        "yaml"
    };
    let (base, head) = (format!("{case}.base.{ext}"), format!("{case}.{ext}"));
    std::fs::copy(from.join(format!("base.{ext}")), dir.join(&base)).unwrap();
    std::fs::copy(from.join(format!("revision.{ext}")), dir.join(&head)).unwrap();
    [base, head]
}

/// (rule, pointer) of the result file's findings, in order.
fn findings(dir: &Path) -> Vec<(String, String)> {
    result(dir)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["pointer"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Two oasdiff pairs in one run: `respenum` and `respenum2.respenum3` each lose an enum value
/// (one rule, two spots), and `CreateUserDto.email` is removed from a request. A pointer entry
/// for `respenum` accepts that change alone (`respenum2` only shares its first characters);
/// the removal is accepted by its base pointer, written in the `$ref` form; an entry for
/// `respenum2/properties/respenum`, a text prefix of a change's pointer but no token prefix,
/// is stale.
#[test]
fn a_pointer_entry_accepts_exactly_its_change_and_a_stale_one_is_reported() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let enums = copy_pair(p, "068-response-property-enum-value-removed");
    let removal = copy_pair(p, "041-request-property-removed");
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "--base-file",
            &enums[0],
            "--base-file",
            &removal[0],
            &enums[1],
            &removal[1],
            "--today",
            "2026-01-01",
            "--result",
            "r.json",
        ]
        .map(String::from)
        .to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let go = |extra: &[&'static str]| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        run(p, &a)
    };

    let o = go(&[]);
    assert_ne!(o.status.code(), Some(2), "{}", text(&o));
    let all = findings(p);
    let schema = "/paths/~1register/post/responses/default/content/application~1json/schema";
    let enum_removed = "breaking-change/response-property-enum-value-removed";
    let first = (
        enum_removed.to_string(),
        format!("{schema}/properties/respenum/enum"),
    );
    let second = (
        enum_removed.to_string(),
        format!("{schema}/properties/respenum2/properties/respenum3/enum"),
    );
    assert!(all.contains(&first) && all.contains(&second), "{all:#?}");
    let r = result(p);
    let gone = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "breaking-change/request-property-removed")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(
        gone["base_pointer"], "/components/schemas/CreateUserDto/properties/email",
        "{gone}"
    );
    assert_eq!(
        gone["pointer"], "/components/schemas/CreateUserDto/properties",
        "{gone}"
    );

    write(
        p,
        "ignore.yaml",
        &format!(
            "ignore:
  - rule: response-property-enum-value-removed
    pointer: {schema}/properties/respenum
    reason: no client matched on the value
  - rule: request-property-removed
    pointer: '#/components/schemas/CreateUserDto/properties/email'
    reason: the server ignores it since v3
  - rule: response-property-enum-value-removed
    pointer: {schema}/properties/respenum2/properties/respenum
    reason: written for a property that does not exist
"
        ),
    );
    let o = go(&["--ignore", "ignore.yaml"]);
    let out = text(&o);
    assert_ne!(o.status.code(), Some(2), "{out}");
    let left = findings(p);
    let expected: Vec<(String, String)> = all
        .iter()
        .filter(|f| **f != first && f.0 != "breaking-change/request-property-removed")
        .cloned()
        .collect();
    assert_eq!(left, expected, "{out}");
    assert!(left.contains(&second), "{out}");
    assert_eq!(left.len() + 2, all.len(), "{out}");
    assert_eq!(result(p)["metrics"]["ignored"], 2, "{out}");
    assert!(
        out.contains(&format!(
            "ignore entry response-property-enum-value-removed {schema}/properties/respenum2/properties/respenum is stale"
        )),
        "{out}"
    );
    assert_eq!(out.matches("is stale").count(), 1, "{out}");
    gates_testkit::generated::assert_valid_result(&result(p));
}
