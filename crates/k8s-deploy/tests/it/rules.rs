//! The generated rule docs, config schema and metrics schema are current, and `rules` lists the
//! catalogue.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn rule_docs_are_current() {
    gates_testkit::generated::assert_current(
        &root().join("docs/rules/k8s-deploy.md"),
        &k8s_deploy::rules::CATALOGUE.markdown(),
    );
}

#[test]
fn config_schema_is_current() {
    gates_testkit::generated::assert_current(
        &root().join("schemas/config/k8s-deploy.schema.json"),
        &k8s_deploy::config::schema_json(),
    );
}

#[test]
fn metrics_schema_is_current() {
    gates_testkit::generated::assert_current(
        &root().join("schemas/metrics/k8s-deploy.schema.json"),
        &gates_core::result_file::metrics_schema_json::<k8s_deploy::gate::Metrics>(),
    );
}

#[test]
fn rules_lists_every_rule_with_its_level() {
    let o =
        gates_testkit::cmd::run_gate(env!("CARGO_BIN_EXE_k8s-deploy"), &root(), &["rules"], &[]);
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        out.lines().count(),
        k8s_deploy::rules::CATALOGUE.rules.len()
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("k8s-deploy/image-tag") && l.contains(" deny ")),
        "{out}"
    );
}
