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
