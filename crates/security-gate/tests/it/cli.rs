//! Command-line behaviour a new user meets first.

use std::process::Command;

use crate::common;
use common::{fixture, gate};

/// `--baseline base.json cur.json` took the report as a second baseline and then said
/// "required arguments were not provided: <REPORT>": one value per flag.
#[test]
fn baseline_takes_one_value_and_leaves_the_report_alone() {
    let bandit = fixture("bandit.json");
    let b = bandit.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = gate(dir.path(), &["--baseline", b, b, "--print", "human"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("required arguments"), "{err}");
}

/// `--help` lists the values `--print` and `--unknown-as` take.
#[test]
fn help_lists_the_values_of_print_and_unknown_as() {
    let out = Command::new(env!("CARGO_BIN_EXE_security-gate"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("auto|github|human"), "{help}");
    assert!(help.contains("critical|high|medium|low|info"), "{help}");
}

/// security-gate did not expand globs, although its help said "globs are expanded by the
/// gate": it takes files, globs and directories like every gate.
#[test]
fn report_globs_are_expanded_and_one_matching_nothing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    std::fs::copy(
        fixture("bandit.json"),
        dir.path().join("reports/bandit.json"),
    )
    .unwrap();
    let run = |pattern: &str| {
        gate(
            dir.path(),
            &[pattern, "--max", "high=0", "--print", "human"],
            &[],
        )
    };
    let out = run("reports/*.json");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("high"), "{stdout}");
    let out = run("reports/*.sarif");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("reports/*.sarif") && err.contains("no file matches"),
        "{err}"
    );
}

/// The summary's "What" column showed "Semgrep Finding: <rule id>" or Bandit's test name: it
/// shows what the scanner says is wrong (its message's first line).
#[test]
fn the_summary_says_what_is_wrong_in_the_scanners_words() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    for (report, messages) in [
        ("semgrep.json", "/results/*/extra/message"),
        ("bandit.json", "/results/*/issue_text"),
    ] {
        let out = gate(
            dir.path(),
            &[fixture(report).to_str().unwrap()],
            &[
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{report}");
        let md = std::fs::read_to_string(&summary).unwrap();
        let doc = common::read_json(&fixture(report));
        let (list, field) = messages.trim_start_matches('/').split_once("/*/").unwrap();
        let said: Vec<String> = doc[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.pointer(&format!("/{field}"))
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .lines()
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let rows: Vec<&str> = md
            .lines()
            .skip_while(|l| !l.contains("| What |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .collect();
        assert!(!rows.is_empty(), "{report}: {md}");
        for row in rows {
            let what = row.split(" | ").nth(3).unwrap();
            assert!(
                said.iter()
                    .any(|m| gates_core::markdown::escape(m) == what || what.ends_with('…')),
                "{report}: {what:?} is not one of the scanner's messages"
            );
            assert!(!what.starts_with("Semgrep Finding"), "{row}");
        }
        std::fs::remove_file(&summary).unwrap();
    }
}

/// `--max-new` without `--baseline` blamed `.github/gates.yml`, which did not exist: the error
/// names where the limit was set, the flag or the config file.
#[test]
fn max_new_without_a_baseline_blames_where_it_was_set() {
    let dir = tempfile::tempdir().unwrap();
    let bandit = fixture("bandit.json");
    let b = bandit.to_str().unwrap();
    let out = gate(dir.path(), &[b, "--max-new", "high=0"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--max-new: limits new findings"), "{err}");
    assert!(err.contains("or drop --max-new"), "{err}");
    assert!(!err.contains("gates.yml"), "{err}");

    std::fs::create_dir_all(dir.path().join(".github")).unwrap();
    std::fs::write(
        dir.path().join(".github/gates.yml"),
        "security:\n  max-new:\n    high: 0\n",
    )
    .unwrap();
    let out = gate(dir.path(), &[b], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".github/gates.yml: `security.max-new` limits new findings")
            && err.contains("remove `max-new`"),
        "{err}"
    );
}

/// Value errors in gates.yml carried no line number, `expires: 2026-02-31` was accepted, and an
/// unknown `unknown-as` in the config blamed the command line.
#[test]
fn config_value_errors_name_their_line_and_what_to_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".github")).unwrap();
    let bandit = fixture("bandit.json");
    for (yaml, want) in [
        (
            "security:\n  max:\n    hgh: 0\n",
            "gates.yml:3:5: security.max: unknown severity \"hgh\": use critical",
        ),
        (
            "security:\n  unknown-as: hihg\n",
            "gates.yml:2:3: security: unknown severity \"hihg\"",
        ),
        (
            "security:\n  suppressions:\n    - rule: B301\n      reason: accepted\n      expires: 2026-02-31\n",
            "gates.yml:3:7: security.suppressions[0]: expires \"2026-02-31\" is not a day of the calendar",
        ),
        (
            "security:\n  max:\n    high: lots\n",
            "security.max.high: lots is not a whole number: write a count such as 0 or 5",
        ),
    ] {
        std::fs::write(dir.path().join(".github/gates.yml"), yaml).unwrap();
        let out = gate(dir.path(), &[bandit.to_str().unwrap()], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{yaml}: {err}");
        assert!(err.contains(want), "{yaml}: wanted {want:?} in {err}");
        assert!(!err.contains("(command line)") && !err.contains("at line"), "{err}");
    }
}

/// security/README said the suppressions file is a "YAML list", and a list fails: the README's
/// complete example is read by the gate as it stands, and does suppress.
#[test]
fn the_readmes_suppressions_example_is_a_working_file() {
    let readme = std::fs::read_to_string(common::root().join("security/README.md")).unwrap();
    let section = readme
        .split("## Suppressions")
        .nth(1)
        .expect("a Suppressions section");
    let example = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a yaml example");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yml");
    std::fs::write(&file, example).unwrap();
    let f = security_gate::suppress::Suppressions::load(
        &file,
        security_gate::suppress::parse_day("2027-03-20").unwrap(),
    )
    .unwrap_or_else(|e| panic!("the README's example: {e}"));
    let r = f.review();
    // 2027-03-31 is 11 days after 2027-03-20: listed as expiring, as the README says.
    assert_eq!(r.expiring.len(), 1, "{r:?}");
    assert!(section.contains("Expiring within 14 days"));
}

/// A payload without `pull_request` (workflow_dispatch, schedule) said "run on a pull_request or
/// push event" even when it was one: it says what the event lacks and what to pass.
#[test]
fn diff_filter_on_an_event_without_a_base_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    gates_testkit::cmd::git_init(dir.path());
    std::fs::write(dir.path().join("a.py"), "x = 1\n").unwrap();
    for args in [&["add", "-A"][..], &["commit", "-qm", "one"]] {
        assert!(Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .status()
            .unwrap()
            .success());
    }
    let event = dir.path().join("event.json");
    std::fs::write(&event, r#"{"inputs":{},"ref":"refs/heads/main"}"#).unwrap();
    let out = gate(
        dir.path(),
        &[
            fixture("bandit.json").to_str().unwrap(),
            "--diff-filter",
            "added",
        ],
        &[("GITHUB_EVENT_PATH", event.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no pull request event and no push with a previous commit")
            && err.contains("pass --base"),
        "{err}"
    );
}
