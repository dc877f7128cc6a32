//! The committed JSON Schemas: the result file validates against its schema, and the config
//! schema is what the types generate.

use serde_json::Value;

use crate::fixtures;

fn schemas() -> std::path::PathBuf {
    fixtures().join("../schemas")
}

/// Panic unless `doc` is a valid gates-result/v1 document.
pub fn assert_valid_result(doc: &Value) {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(schemas().join("gates-result-v1.schema.json")).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).expect("the schema itself is valid");
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "result file does not match the schema: {errors:#?}"
    );
}

#[test]
fn config_schema_is_current() {
    gates_testkit::generated::assert_current(
        &schemas().join("config/coverage.schema.json"),
        &coverage_gate::config::schema_json(),
    );
}

#[test]
fn the_schema_rejects_what_it_must() {
    let mut doc = serde_json::json!({
        "schema": "gates-result/v1", "gate": "coverage", "verdict": "pass", "title": "t", "summary": "",
        "metrics": {}, "findings": [], "context": {}
    });
    assert_valid_result(&doc);
    doc["verdict"] = "maybe".into();
    let schema: Value = serde_json::from_slice(
        &std::fs::read(schemas().join("gates-result-v1.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(!jsonschema::is_valid(&schema, &doc));
}

#[test]
fn rule_docs_are_current() {
    let cat = coverage_gate::policy::rules::CATALOGUE;
    gates_testkit::generated::assert_current(
        &schemas().join("../docs/rules/coverage.md"),
        &cat.markdown(),
    );
}
