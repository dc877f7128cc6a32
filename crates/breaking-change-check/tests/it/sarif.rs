//! `--sarif`: GitHub's SARIF rules accept the log, it holds the result file's findings on the
//! same head lines with the catalogue's doc lines as rule descriptions, and a run that could not
//! be done (exit 2) writes none.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common;
use common::{read_json, root, run, text};

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance/oasdiff")
        .join(name)
}

/// A run over real inputs with every level: GitHub's GraphQL schema 14.58.0 -> 15.12.0
/// (graphql-inspector: 3 breaking, 4 dangerous, 389 non-breaking) and three oasdiff pairs (an
/// ERR, a WARN and an INFO rule), in a checkout-like folder; writes `r.json` and `out.sarif`.
fn real_run(dir: &Path) -> Output {
    let g = root().join("fixtures/graphql");
    std::fs::copy(g.join("github-14.58.0.graphql"), dir.join("base.graphql")).unwrap();
    std::fs::copy(g.join("github-15.12.0.graphql"), dir.join("schema.graphql")).unwrap();
    let mut args = vec!["--base-file".to_string(), "base.graphql".to_string()];
    let mut specs = vec!["schema.graphql".to_string()];
    for name in [
        "061-response-required-property-removed",
        "067-response-property-enum-value-added",
        "008-endpoint-added",
    ] {
        let ext = if case(name).join("base.json").exists() {
            "json"
        } else {
            "yaml"
        };
        let base = format!("{name}.base.{ext}");
        let head = format!("{name}.{ext}");
        std::fs::copy(case(name).join(format!("base.{ext}")), dir.join(&base)).unwrap();
        std::fs::copy(case(name).join(format!("revision.{ext}")), dir.join(&head)).unwrap();
        args.extend(["--base-file".to_string(), base]);
        specs.push(head);
    }
    args.extend(specs);
    // No removal day GitHub names has passed: the levels are graphql-inspector's.
    args.extend(
        [
            "--today",
            "1970-01-01",
            "--result",
            "r.json",
            "--sarif",
            "out.sarif",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(dir, &args)
}

#[test]
fn sarif_holds_the_result_files_findings_on_the_same_lines() {
    let d = tempfile::tempdir().unwrap();
    let o = real_run(d.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let result = read_json(&d.path().join("r.json"));
    let log = read_json(&d.path().join("out.sarif"));
    let findings = result["findings"].as_array().unwrap();
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(
        run["automationDetails"]["id"],
        "gates/breaking-change/breaking-change-check/"
    );
    let results = run["results"].as_array().unwrap();
    // GraphQL 3 breaking, 4 dangerous (graphql-inspector's), 64 infos; the oasdiff pairs 1 ERR,
    // 2 WARN, 2 INFO.
    assert_eq!(findings.len(), 76);
    assert_eq!(results.len(), findings.len());
    for (f, r) in findings.iter().zip(results) {
        let loc = &r["locations"][0]["physicalLocation"];
        let level = match f["level"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            "notice" => "note",
            other => panic!("level {other}"),
        };
        assert_eq!(
            (
                &r["ruleId"],
                r["level"].as_str().unwrap(),
                &r["message"]["text"],
                &loc["artifactLocation"]["uri"],
                &loc["region"]["startLine"],
                &loc["region"]["endLine"],
                &r["properties"]["pointer"],
                &r["properties"]["basePointer"],
            ),
            (
                &f["rule"],
                level,
                &f["message"],
                &f["path"],
                &f["start_line"],
                &f["end_line"],
                &f["pointer"],
                &f["base_pointer"],
            )
        );
    }
    let levels = |l: &str| results.iter().filter(|r| r["level"] == l).count();
    assert_eq!(
        (levels("error"), levels("warning"), levels("note")),
        (4, 6, 66)
    );
    // The OpenAPI results carry their pointers (GraphQL's have none).
    assert_eq!(
        results
            .iter()
            .filter(|r| r["properties"]["pointer"].is_string())
            .count(),
        5
    );
    // The REST break on its head line, as the action test sees it annotated.
    assert!(results.iter().any(|r| {
        r["ruleId"] == "breaking-change/response-required-property-removed"
            && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "061-response-required-property-removed.json"
            && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 28
    }));
    // Every rule a result names is described by its catalogue doc line.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let doc = breaking_change_check::rules::CATALOGUE
            .rules
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("{id} not in the catalogue"))
            .doc;
        assert_eq!(rule["shortDescription"]["text"], doc, "{id}");
    }
    // The same change keeps the same fingerprint, and different changes differ.
    let mut prints: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["gatesFindingHash/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), results.len());
}

/// The log passes Microsoft's SARIF validator with GitHub's rules (errors fail).
#[test]
fn sarif_passes_the_sarif_multitool_with_githubs_rules() {
    let d = tempfile::tempdir().unwrap();
    let o = real_run(d.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    gates_testkit::cmd::assert_sarif_valid(&d.path().join("out.sarif"));
}

#[test]
fn a_run_that_cannot_be_done_writes_no_sarif() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        case("061-response-required-property-removed").join("base.json"),
        d.path().join("base.json"),
    )
    .unwrap();
    std::fs::write(
        d.path().join("malformed-json.json"),
        "{\"openapi\": \"3.0.3\", \"paths\": {",
    )
    .unwrap();
    let o = run(
        d.path(),
        &[
            "--base-file",
            "base.json",
            "malformed-json.json",
            "--result",
            "r.json",
            "--sarif",
            "out.sarif",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(read_json(&d.path().join("r.json"))["verdict"], "error");
    assert!(!d.path().join("out.sarif").exists());
    // Nor is a log from an earlier run replaced by a partial one.
    std::fs::write(d.path().join("out.sarif"), "earlier").unwrap();
    let o = run(
        d.path(),
        &[
            "--base-file",
            "base.json",
            "malformed-json.json",
            "--sarif",
            "out.sarif",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(d.path().join("out.sarif")).unwrap(),
        "earlier"
    );
}
