//! Files generated from the code and committed (schemas, rule docs, README tables): one check
//! that they are current, and one way to regenerate them (`GATES_BLESS=1 cargo test`).
//! Rendered output that is not a committed file of the repository is snapshot-tested with
//! `insta` instead.

use std::path::Path;

/// Panic unless `path` holds exactly `now`; with `GATES_BLESS` set, write it first.
pub fn assert_current(path: &Path, now: &str) {
    if std::env::var_os("GATES_BLESS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the directory");
        }
        std::fs::write(path, now).expect("write the generated file");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == now,
        "{} is stale: rerun the tests with GATES_BLESS=1 and commit the result",
        path.display()
    );
}

/// Panic unless the text between `start` and `end` in `path` is `now`; with `GATES_BLESS` set,
/// replace it first.
pub fn assert_current_between(path: &Path, start: &str, end: &str, now: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let (Some(a), Some(b)) = (text.find(start), text.find(end)) else {
        panic!("{} lacks the {start} … {end} markers", path.display())
    };
    let whole = format!("{}{start}{now}{}", &text[..a], &text[b..]);
    assert_current(path, &whole);
}

/// The workspace root.
fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Panic unless `doc` is a valid `gates-result/v1` document (`schemas/gates-result-v1.schema.json`)
/// whose `metrics` fit its gate's schema (`schemas/metrics/<gate>.schema.json`; an `error`
/// result has none).
pub fn assert_valid_result(doc: &serde_json::Value) {
    let check = |schema_path: &Path, value: &serde_json::Value| {
        let schema: serde_json::Value = serde_json::from_slice(
            &std::fs::read(schema_path)
                .unwrap_or_else(|e| panic!("{}: {e}", schema_path.display())),
        )
        .expect("the schema is JSON");
        let v = jsonschema::validator_for(&schema).expect("the schema itself is valid");
        let errors: Vec<String> = v
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "does not match {}: {errors:#?}",
            schema_path.display()
        );
    };
    check(&root().join("schemas/gates-result-v1.schema.json"), doc);
    if doc["verdict"] != "error" {
        let gate = doc["gate"].as_str().unwrap_or_default();
        check(
            &root().join(format!("schemas/metrics/{gate}.schema.json")),
            &doc["metrics"],
        );
    }
}
