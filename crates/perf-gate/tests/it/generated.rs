//! The committed files generated from the code are current: the rule docs, the config schema
//! and the metrics schema.

use crate::common;

use common::root;

#[test]
fn rule_docs_are_current() {
    gates_testkit::generated::assert_current(
        &root().join("docs/rules/perf.md"),
        &perf_gate::rules::CATALOGUE.markdown(),
    );
}

#[test]
fn config_schema_is_current() {
    gates_testkit::generated::assert_current(
        &root().join("schemas/config/perf.schema.json"),
        &perf_gate::config::schema_json(),
    );
}

#[test]
fn metrics_schema_is_current() {
    gates_testkit::generated::assert_current(
        &root().join("schemas/metrics/perf.schema.json"),
        &gates_core::result_file::metrics_schema_json::<perf_gate::metrics::PerfMetrics>(),
    );
}
