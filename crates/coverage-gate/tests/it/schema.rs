//! The committed JSON Schemas: the result file validates against its schema, and the config
//! schema is what the types generate.

use serde_json::Value;

use crate::fixtures;

fn schemas() -> std::path::PathBuf {
    fixtures().join("../schemas")
}

/// Panic unless `doc` is a valid gates-result/v1 document with valid coverage metrics.
pub fn assert_valid_result(doc: &Value) {
    gates_testkit::generated::assert_valid_result(doc);
}

/// The result file's schema and the coverage metrics' are what the types generate.
#[test]
fn result_schemas_are_current() {
    gates_testkit::generated::assert_current(
        &schemas().join("gates-result-v1.schema.json"),
        &gates_core::result_file::schema_json(),
    );
    gates_testkit::generated::assert_current(
        &schemas().join("metrics/coverage.schema.json"),
        &gates_core::result_file::metrics_schema_json::<coverage_gate::metrics::CoverageMetrics>(),
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
    let load = |rel: &str| -> Value {
        serde_json::from_slice(&std::fs::read(schemas().join(rel)).unwrap()).unwrap()
    };
    let (envelope, metrics) = (
        load("gates-result-v1.schema.json"),
        load("metrics/coverage.schema.json"),
    );
    let mut doc = serde_json::json!({
        "schema": "gates-result/v1", "gate": "coverage", "verdict": "error", "title": "t", "summary": "",
        "metrics": {}, "findings": [], "context": {}
    });
    // An error result has no metrics.
    assert_valid_result(&doc);
    for (field, bad) in [
        ("verdict", serde_json::json!("maybe")),
        ("title", serde_json::json!("two\nlines")),
        ("schema", serde_json::json!("gates-result/v2")),
        (
            "findings",
            serde_json::json!([{"rule": "Coverage/X", "level": "error", "message": "m"}]),
        ),
        (
            "findings",
            serde_json::json!([{"rule": "a/b", "level": "error", "message": "m", "extra": 1}]),
        ),
        ("context", serde_json::json!({"pr": 0})),
    ] {
        let mut d = doc.clone();
        d[field] = bad;
        assert!(!jsonschema::is_valid(&envelope, &d), "{field}: {d}");
    }
    // A passing result must carry the coverage metrics.
    doc["verdict"] = "pass".into();
    assert!(!jsonschema::is_valid(&metrics, &doc["metrics"]));
}

#[test]
fn rule_docs_are_current() {
    let cat = coverage_gate::policy::rules::CATALOGUE;
    gates_testkit::generated::assert_current(
        &schemas().join("../docs/rules/coverage.md"),
        &cat.markdown(),
    );
}
