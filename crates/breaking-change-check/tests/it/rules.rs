//! The generated rule docs and config schema are current, and a rule's level is changed by the
//! config's `levels:` and by `--allow/--warn/--deny`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn rule_docs_are_current() {
    gates_testkit::generated::assert_current(
        &root().join("docs/rules/breaking-change.md"),
        &breaking_change_check::rules::CATALOGUE.markdown(),
    );
}

#[test]
fn config_schema_is_current() {
    gates_testkit::generated::assert_current(
        &root().join("schemas/config/breaking-change.schema.json"),
        &breaking_change_check::config::schema_json(),
    );
}

/// A removed query parameter is WARN by default: it passes, fails with `--deny` or the config's
/// level, and passes again with `--allow` over the config.
#[test]
fn a_rules_level_comes_from_config_and_flags() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let spec = |param: &str| {
        format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      parameters: [{param}]\n      responses: {{'200': {{description: ok}}}}\n")
    };
    std::fs::write(
        p.join("base.yaml"),
        spec("{in: query, name: q, schema: {type: string}}"),
    )
    .unwrap();
    std::fs::write(p.join("head.yaml"), spec("")).unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_breaking-change-check"))
            .args(["--base-file", "base.yaml", "head.yaml"])
            .args(extra)
            .current_dir(p)
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_EVENT_PATH")
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run(&[]), Some(0));
    assert_eq!(run(&["--fail-on", "WARN"]), Some(1));
    assert_eq!(
        run(&["--deny", "breaking-change/request-parameter-removed"]),
        Some(1)
    );
    std::fs::create_dir(p.join(".github")).unwrap();
    std::fs::write(
        p.join(".github/gates.yml"),
        "breaking-change:\n  levels:\n    breaking-change/request-parameter-removed: deny\n",
    )
    .unwrap();
    assert_eq!(run(&[]), Some(1));
    assert_eq!(
        run(&["--allow", "breaking-change/request-parameter-removed"]),
        Some(0)
    );
    std::fs::write(
        p.join(".github/gates.yml"),
        "breaking-change:\n  fail-on: WARN\n",
    )
    .unwrap();
    assert_eq!(run(&[]), Some(1));
    std::fs::write(
        p.join(".github/gates.yml"),
        "breaking-change:\n  levels:\n    breaking-change/nope: deny\n",
    )
    .unwrap();
    assert_eq!(run(&[]), Some(2));
}

/// An ignore entry accepts its change; an expired one no longer does; a stale one and an
/// expired one are reported; an entry without a reason is exit 2.
#[test]
fn the_ignore_file_accepts_changes_and_reports_stale_and_expired_entries() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let spec = |param: &str| {
        format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      parameters: [{param}]\n      responses: {{'200': {{description: ok}}}}\n")
    };
    std::fs::write(p.join("base.yaml"), spec("")).unwrap();
    std::fs::write(
        p.join("head.yaml"),
        spec("{in: query, name: q, required: true, schema: {type: string}}"),
    )
    .unwrap();
    let run = |ignore: &str| {
        std::fs::write(p.join("ignore.yaml"), ignore).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_breaking-change-check"))
            .args([
                "--base-file",
                "base.yaml",
                "head.yaml",
                "--ignore",
                "ignore.yaml",
                "--today",
                "2026-06-01",
                "--result",
                "r.json",
            ])
            .current_dir(p)
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_EVENT_PATH")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.code(), text)
    };
    let accepted = "ignore:\n  - rule: new-required-request-parameter\n    operation: GET /a\n    reason: clients all send q\n";
    let (code, out) = run(accepted);
    assert_eq!(code, Some(0), "{out}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("r.json")).unwrap()).unwrap();
    assert_eq!(
        (
            r["metrics"]["breaking"].as_u64(),
            r["metrics"]["ignored"].as_u64()
        ),
        (Some(0), Some(1))
    );
    let (code, out) = run(&format!("{accepted}    expires: 2026-05-31\n  - rule: breaking-change/request-parameter-removed\n    operation: GET /a\n    reason: old\n"));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("expired on 2026-05-31"), "{out}");
    assert!(
        out.contains("breaking-change/request-parameter-removed GET /a is stale"),
        "{out}"
    );
    let (code, out) =
        run("ignore:\n  - rule: new-required-request-parameter\n    operation: GET /a\n");
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("ignore.yaml:2") && out.contains("reason"),
        "{out}"
    );
}

#[test]
fn metrics_schema_is_current() {
    gates_testkit::generated::assert_current(
        &root().join("schemas/metrics/breaking-change.schema.json"),
        &gates_core::result_file::metrics_schema_json::<breaking_change_check::gate::Metrics>(),
    );
}
