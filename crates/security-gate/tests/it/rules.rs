//! Rule levels: `--allow/--warn/--deny <rule>` and the config's `levels:`, and the generated
//! rule docs.

use crate::common;
use common::{fixture, gate, read_json, root};

#[test]
fn rule_docs_are_current() {
    gates_testkit::generated::assert_current(
        &root().join("docs/rules/security.md"),
        &security_gate::rules::CATALOGUE.markdown(),
    );
}

/// Every finding's gate rule is a rule of the catalogue, whatever the scanner and format, and
/// the scanner's own id stands beside it; the merged SARIF keeps the scanner's id as `ruleId`
/// and names the gate's rule in the result's properties.
#[test]
fn every_finding_has_a_catalogue_rule_and_its_scanners_id_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("r.json");
    let sarif = dir.path().join("merged.sarif");
    let reports = [
        "bandit.json",
        "semgrep.sarif",
        "schema-gitleaks.json",
        "schema-osv.json",
    ];
    let paths: Vec<_> = reports.iter().map(|r| fixture(r)).collect();
    let mut args: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    args.extend([
        "--result",
        result.to_str().unwrap(),
        "--sarif",
        sarif.to_str().unwrap(),
    ]);
    let out = gate(dir.path(), &args, &[]);
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = read_json(&result);
    let mut kinds = std::collections::BTreeSet::new();
    for f in r["findings"].as_array().unwrap() {
        let rule = f["rule"].as_str().unwrap();
        assert!(
            security_gate::rules::CATALOGUE.get(rule).is_some(),
            "{rule} is not in the catalogue: {f}"
        );
        if f["tool_rule"].is_string() {
            kinds.insert(rule.to_string());
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "security/code",
            "security/leaked-secret",
            "security/vulnerable-dependency"
        ],
        "{r}"
    );
    let log = read_json(&sarif);
    for run in log["runs"].as_array().unwrap() {
        for res in run["results"].as_array().unwrap() {
            let rule = res["properties"]["gates/rule"].as_str().unwrap_or_default();
            assert!(security_gate::rules::CATALOGUE.get(rule).is_some(), "{res}");
            assert!(
                !res["ruleId"].as_str().unwrap().starts_with("security/"),
                "{res}"
            );
        }
    }
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

/// `--annotations` (a common flag, applied by gates-core's emitter for every gate) caps the
/// annotations' level or turns them off; the verdict and the result file keep every finding at
/// its own level, and a gate that could not run still shows its one `::error`.
#[test]
fn annotations_flag_caps_levels_and_off_shows_none_but_an_error_still_shows() {
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
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let count = |level: &str| {
            let (a, b) = (format!("::{level} "), format!("::{level}::"));
            stdout
                .lines()
                .filter(|l| l.starts_with(&a) || l.starts_with(&b))
                .count()
        };
        (
            out.status.code(),
            [count("error"), count("warning"), count("notice")],
            read_json(&result),
        )
    };
    let (code, own, r) = run(&[]);
    assert_eq!(code, Some(1));
    assert!(own[0] > 0 && own[1] > 0, "{own:?}");
    let errors_in_result = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == "error")
        .count();

    let (code, capped, r) = run(&["--annotations", "warning"]);
    assert_eq!(code, Some(1), "the verdict does not change");
    assert_eq!(capped[0], 0, "{capped:?}");
    assert_eq!(capped[1], (own[0] + own[1]).min(10), "{own:?} {capped:?}");
    let errors_now = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == "error")
        .count();
    assert_eq!(
        errors_now, errors_in_result,
        "the result file keeps each level"
    );

    let (_, notices, _) = run(&["--annotations", "notice"]);
    assert_eq!(notices[..2], [0, 0], "{notices:?}");
    assert!(notices[2] > 0);

    let (code, off, _) = run(&["--annotations", "off"]);
    assert_eq!((code, off), (Some(1), [0, 0, 0]));

    let missing = dir.path().join("missing.json");
    let out = gate(
        dir.path(),
        &[
            missing.to_str().unwrap(),
            "--annotations",
            "off",
            "--print",
            "github",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("::error ") || l.starts_with("::error::"))
            .count(),
        1,
        "{stdout}"
    );
}
