//! The `breaking-change` composite action run the way the runner runs it, against this build.

use std::path::{Path, PathBuf};

use gates_testkit::action::{check_readme, run_composite, Job};

fn action_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../breaking-change")
}

#[test]
fn action_readme_lists_every_input_and_output() {
    check_readme(&action_dir());
}

#[test]
fn the_action_fails_on_a_break_with_outputs_and_summary() {
    let ws = tempfile::tempdir().unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance/oasdiff/061-response-required-property-removed");
    std::fs::copy(case.join("base.json"), ws.path().join("base.json")).unwrap();
    std::fs::copy(case.join("revision.json"), ws.path().join("openapi.json")).unwrap();
    let job = Job::local(ws.path(), env!("CARGO_BIN_EXE_breaking-change-check"));
    let run = run_composite(
        &action_dir(),
        &[
            ("specs", "openapi.json"),
            ("base-file", "base.json"),
            ("sarif", "breaking.sarif"),
        ],
        &job,
    );
    assert!(!run.success, "{:#?}", run.steps);
    assert_eq!(run.outputs["verdict"], "fail");
    assert_eq!(run.outputs["breaking"], "1");
    assert_eq!(run.outputs["warnings"], "0");
    assert!(run
        .stdout()
        .contains("::error title=ERR breaking-change/response-required-property-removed,file=openapi.json,line=28"), "{}", run.stdout());
    assert!(
        run.summary().contains("GET /web/search"),
        "{}",
        run.summary()
    );
    let result = ws.path().join("gates-results/breaking-change.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(result).unwrap()).unwrap();
    gates_testkit::generated::assert_valid_result(&doc);
    assert_eq!(run.outputs["sarif"], "breaking.sarif");
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.path().join("breaking.sarif")).unwrap()).unwrap();
    assert_eq!(
        log["runs"][0]["results"][0]["ruleId"],
        "breaking-change/response-required-property-removed"
    );
}
