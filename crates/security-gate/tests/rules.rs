//! Rule levels: `--allow/--warn/--deny <rule>` and the config's `levels:`, and the generated
//! rule docs.

mod common;
use common::{fixture, gate, read_json, root};

#[test]
fn rule_docs_are_current() {
    gates_testkit::generated::assert_current(
        &root().join("docs/rules/security.md"),
        &security_gate::rules::CATALOGUE.markdown(),
    );
}

/// bandit.json has 4 high findings: `--max high=0` fails, and the rule's level decides what the
/// failure does.
#[test]
fn a_rules_level_decides_what_its_failure_does() {
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("r.json");
    let bandit = fixture("bandit.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            bandit.to_str().unwrap(),
            "--max",
            "high=0",
            "--result",
            result.to_str().unwrap(),
            "--print",
            "github",
        ];
        args.extend_from_slice(extra);
        let out = gate(dir.path(), &args, &[]);
        (out, read_json(&result))
    };
    let (out, r) = run(&[]);
    assert_eq!(
        (out.status.code(), r["verdict"].as_str()),
        (Some(1), Some("fail"))
    );

    let (out, r) = run(&["--warn", "security/max"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        (out.status.code(), r["verdict"].as_str()),
        (Some(0), Some("warn")),
        "{stdout}"
    );
    assert!(
        stdout.contains("::warning title=security/max failed::"),
        "{stdout}"
    );
    assert!(r["title"]
        .as_str()
        .unwrap()
        .contains("warned (level warn): security/max"));

    let (out, r) = run(&["--allow", "security/max"]);
    assert_eq!(
        (out.status.code(), r["verdict"].as_str()),
        (Some(0), Some("pass"))
    );
    assert!(r["reasons"].as_array().is_none_or(|a| a.is_empty()), "{r}");

    // The config's level, and a flag over it.
    std::fs::create_dir_all(dir.path().join(".github")).unwrap();
    std::fs::write(
        dir.path().join(".github/gates.yml"),
        "security:\n  levels:\n    security/max: warn\n",
    )
    .unwrap();
    let (out, _) = run(&[]);
    assert_eq!(out.status.code(), Some(0));
    let (out, _) = run(&["--deny", "security/max"]);
    assert_eq!(out.status.code(), Some(1));

    // An id that is not a rule is exit 2, listing the ones there are.
    let (out, _) = run(&["--allow", "security/maximum"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no rule \"security/maximum\"")
            && err.contains("security/max, security/max-new"),
        "{err}"
    );
}
