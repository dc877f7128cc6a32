//! The command line: config file and flags, per-path rules, the annotation budget.

use std::path::Path;

use crate::e2e::gate;
use crate::repo::run;

/// A git repository with `src/app.py` (40 lines) on main and a change to it on `feature`.
fn repo_with_change(dir: &Path, changed_lines: &[u32]) {
    gates_testkit::cmd::git_init(dir);
    let git = |args: &[&str]| run(dir, "git", args);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let lines: Vec<String> = (1..=40).map(|i| format!("x{i} = {i}")).collect();
    std::fs::write(dir.join("src/app.py"), lines.join("\n") + "\n").unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    git(&["checkout", "-q", "-b", "feature"]);
    let lines: Vec<String> = (1..=40)
        .map(|i| {
            if changed_lines.contains(&i) {
                format!("y{i} = {i}")
            } else {
                format!("x{i} = {i}")
            }
        })
        .collect();
    std::fs::write(dir.join("src/app.py"), lines.join("\n") + "\n").unwrap();
    git(&["commit", "-q", "-am", "change"]);
}

/// An LCOV report of `src/app.py` where the given lines are not hit (test data for the policy,
/// not a parser fixture).
fn lcov(dir: &Path, uncovered: &[u32]) {
    let mut s = String::from("TN:\nSF:src/app.py\n");
    for i in 1..=40 {
        s.push_str(&format!("DA:{i},{}\n", u32::from(!uncovered.contains(&i))));
    }
    s.push_str("end_of_record\n");
    std::fs::write(dir.join("app.lcov"), s).unwrap();
}

#[test]
fn annotation_budget_keeps_ten_and_points_to_the_summary() {
    let d = tempfile::tempdir().unwrap();
    let changed: Vec<u32> = (1..=40).step_by(2).collect(); // 20 separate changed lines
    repo_with_change(d.path(), &changed);
    lcov(d.path(), &changed);
    let out = gate(
        d.path(),
        &["app.lcov", "--base", "main", "--print", "github"],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let warnings = stdout
        .lines()
        .filter(|l| l.starts_with("::warning "))
        .count();
    let notices: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::notice"))
        .collect();
    assert_eq!(warnings, 10, "{stdout}");
    assert_eq!(notices, ["::notice::10 more findings were not annotated (GitHub shows at most 10 per level); see the job summary for the full list"]);
    // Ranges join lines with nothing coverable and unchanged between them: none here.
    assert!(
        stdout.contains("line=1,endLine=1::") && stdout.contains("line=19,endLine=19::"),
        "{stdout}"
    );
}

#[test]
fn consecutive_uncovered_changed_lines_become_one_range() {
    let d = tempfile::tempdir().unwrap();
    repo_with_change(d.path(), &[5, 6, 7, 8, 20]);
    lcov(d.path(), &[5, 6, 7, 8, 20]);
    let out = gate(
        d.path(),
        &["app.lcov", "--base", "main", "--print", "github"],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ann: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::warning "))
        .collect();
    assert_eq!(
        ann,
        [
            "::warning title=Not covered,file=src/app.py,line=5,endLine=8::Added lines #L5-L8 are not covered by tests",
            "::warning title=Not covered,file=src/app.py,line=20,endLine=20::Added line #L20 is not covered by tests"
        ]
    );
}

#[test]
fn config_file_rules_flags_override_and_per_path_reasons() {
    let d = tempfile::tempdir().unwrap();
    repo_with_change(d.path(), &[3]);
    lcov(d.path(), &[1, 2, 3, 4]); // 36 of 40 = 90%
    std::fs::create_dir_all(d.path().join(".github")).unwrap();
    std::fs::write(
        d.path().join(".github/gates.yml"),
        "coverage:\n  min-lines: 95\n  paths:\n    - path: \"src/**\"\n      min-lines: 92\n",
    )
    .unwrap();
    let out = gate(d.path(), &["app.lcov", "--print", "human"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("lines 90% < 95% (36 of 40 covered) (coverage/min-lines)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("lines of src/** 90% < 92% (36 of 40 covered) (coverage/path-min)"),
        "{stdout}"
    );
    // A flag overrides the file's overall minimum; the path rule still fails.
    let out = gate(
        d.path(),
        &["app.lcov", "--min-lines", "85", "--print", "human"],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("coverage/min-lines") && stdout.contains("coverage/path-min"),
        "{stdout}"
    );
    // Informational: the same failures only warn.
    let out = gate(
        d.path(),
        &["app.lcov", "--informational", "--print", "human"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("WARN"));
}

#[test]
fn a_typo_in_the_config_is_exit_2_at_its_line() {
    let d = tempfile::tempdir().unwrap();
    repo_with_change(d.path(), &[3]);
    lcov(d.path(), &[]);
    std::fs::create_dir_all(d.path().join(".github")).unwrap();
    std::fs::write(
        d.path().join(".github/gates.yml"),
        "coverage:\n  min-lines: 80\n  min-line: 70\n",
    )
    .unwrap();
    let out = gate(d.path(), &["app.lcov"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("gates.yml:3:") && err.contains("min-line"),
        "{err}"
    );
    std::fs::write(
        d.path().join(".github/gates.yml"),
        "coverage:\n  min-lines: 180\n",
    )
    .unwrap();
    let out = gate(d.path(), &["app.lcov"], &[]);
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("gates.yml:2:3: coverage: 180 is not a percentage"));
}

#[test]
fn bad_flags_and_missing_reports_are_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 5] = [
        &["x.lcov", "--format", "cobertura"],
        &["nope.xml"],
        &["reports/*.xml"],
        &["x.lcov", "--min-patch=-1"],
        &["x.lcov", "--max-drop", "1"],
    ];
    std::fs::write(d.path().join("x.lcov"), "SF:a.c\nDA:1,1\nend_of_record\n").unwrap();
    for args in cases {
        let out = gate(d.path(), args, &[]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("help:"),
            "{args:?}"
        );
    }
}

#[test]
fn push_event_measures_against_before() {
    let d = tempfile::tempdir().unwrap();
    repo_with_change(d.path(), &[10, 11]);
    lcov(d.path(), &[11]);
    let before = run(d.path(), "git", &["rev-parse", "main"])
        .trim()
        .to_string();
    let mut ev: serde_json::Value =
        serde_json::from_slice(&std::fs::read(crate::fixtures().join("events/push.json")).unwrap())
            .unwrap();
    ev["before"] = before.into();
    let event = d.path().join("push.json");
    std::fs::write(&event, ev.to_string()).unwrap();
    let result = d.path().join("r.json");
    let out = gate(
        d.path(),
        &["app.lcov", "--result", result.to_str().unwrap()],
        &[("GITHUB_EVENT_PATH", event.to_str().unwrap())],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(r["metrics"]["patch"]["covered"], 1);
    assert_eq!(r["metrics"]["patch"]["total"], 2);
    crate::schema::assert_valid_result(&r);
}

#[test]
fn a_renamed_file_counts_only_its_changed_lines() {
    let d = tempfile::tempdir().unwrap();
    repo_with_change(d.path(), &[40]);
    run(d.path(), "git", &["mv", "src/app.py", "src/main.py"]);
    let text = std::fs::read_to_string(d.path().join("src/main.py"))
        .unwrap()
        .replace("x7 = 7", "z7 = 7");
    std::fs::write(d.path().join("src/main.py"), text).unwrap();
    run(d.path(), "git", &["commit", "-q", "-am", "rename"]);
    let report = std::fs::read_to_string({
        lcov(d.path(), &[7, 8]);
        d.path().join("app.lcov")
    })
    .unwrap()
    .replace("SF:src/app.py", "SF:src/main.py");
    std::fs::write(d.path().join("app.lcov"), report).unwrap();
    let result = d.path().join("r.json");
    let out = gate(
        d.path(),
        &[
            "app.lcov",
            "--base",
            "main",
            "--result",
            result.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    // Lines 7 and 40 changed; line 8 is uncovered too but moved unchanged with the file.
    assert_eq!(
        (
            r["metrics"]["patch"]["covered"].as_u64(),
            r["metrics"]["patch"]["total"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(r["findings"][0]["start_line"], 7);
    assert_eq!(r["findings"].as_array().unwrap().len(), 1);
}

/// A missing baseline artifact (the first run on a repository) was exit 2 with no way round:
/// `--baseline-optional` notes it and goes on; without it, exit 2 still names the file.
#[test]
fn a_missing_baseline_is_noted_with_baseline_optional() {
    let scratch = tempfile::tempdir().unwrap();
    let report = crate::fixtures().join("cobertura/coveragepy.xml");
    let args = [
        report.to_str().unwrap(),
        "--baseline",
        "gone.json",
        "--max-drop",
        "1",
    ];
    let strict = crate::e2e::gate(scratch.path(), &args, &[]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("gone.json"));
    let optional = crate::e2e::gate(
        scratch.path(),
        &[&args[..], &["--baseline-optional"]].concat(),
        &[],
    );
    let stdout = String::from_utf8_lossy(&optional.stdout);
    assert_eq!(optional.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("baseline gone.json not found"), "{stdout}");
}

/// Under `--informational` the headline read "WARN — 1 rule failed": it says what would have
/// failed, by rule.
#[test]
fn informational_headline_says_what_would_have_failed() {
    let scratch = tempfile::tempdir().unwrap();
    let report = crate::fixtures().join("cobertura/coveragepy.xml");
    let out = crate::e2e::gate(
        scratch.path(),
        &[
            report.to_str().unwrap(),
            "--min-lines",
            "90",
            "--informational",
            "--print",
            "human",
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let head = stdout.lines().next().unwrap();
    assert!(
        head.starts_with("WARN")
            && head.contains("would fail without --informational: coverage/min-lines"),
        "{head}"
    );
}

/// `--format lcov` on a Cobertura file said "the tracefile is damaged; regenerate it": it says
/// the file is not LCOV, what it looks like, and which --format to pass.
#[test]
fn a_forced_format_that_does_not_fit_says_what_the_file_looks_like() {
    let scratch = tempfile::tempdir().unwrap();
    let report = crate::fixtures().join("cobertura/coveragepy.xml");
    let out = crate::e2e::gate(
        scratch.path(),
        &["--format", "lcov", report.to_str().unwrap()],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not lcov") && err.contains("--format cobertura"),
        "{err}"
    );
    assert!(!err.contains("regenerate"), "{err}");
}

/// coverage-gate rejected a directory ("Is a directory (os error 21)"): it reads the reports
/// in it, as security-gate and pr-commenter do, and a directory with none is exit 2.
#[test]
fn a_directory_input_reads_the_reports_in_it() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("coverage");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("README.md"), "not a report\n").unwrap();
    let out = crate::e2e::gate(scratch.path(), &["coverage", "--print", "human"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no coverage report"));
    std::fs::copy(
        crate::fixtures().join("cobertura/coveragepy.xml"),
        dir.join("coverage.xml"),
    )
    .unwrap();
    let out = crate::e2e::gate(scratch.path(), &["coverage", "--print", "human"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("47 of") && stdout.contains("coverage.xml (cobertura)"),
        "{stdout}"
    );
}

/// The producer's headline is printed as the producer rounds it (coverage.py's 71.95% as its
/// `coverage report` prints: 72%), while the thresholds keep truncating (79.999 never shows
/// as 80 where it decides a limit).
#[test]
fn the_producers_headline_is_shown_as_the_producer_rounds_it() {
    let scratch = tempfile::tempdir().unwrap();
    let report = crate::fixtures().join("coveragepy-json/coverage.json");
    let printed =
        std::fs::read_to_string(crate::fixtures().join("coveragepy-json/coveragepy.report.txt"))
            .unwrap();
    let total = printed
        .lines()
        .find(|l| l.starts_with("TOTAL"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .to_string();
    let out = crate::e2e::gate(
        scratch.path(),
        &[report.to_str().unwrap(), "--print", "human"],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("producer's headline"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains(&format!(" {total} ")), "{total} in {line}");
    assert!(!line.contains("71.95"), "{line}");
}

/// serde's "invalid type: string \"80%\", expected f64 at line 2 column 14" reads like the
/// rest of the suite, and range and glob errors name their line.
#[test]
fn config_value_errors_read_like_the_suite_and_name_their_line() {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(scratch.path().join(".github")).unwrap();
    let report = crate::fixtures().join("cobertura/coveragepy.xml");
    for (yaml, want) in [
        (
            "coverage:\n  min-lines: 80%\n",
            "gates.yml:2:14: coverage.min-lines: 80% is not a number: write 80",
        ),
        (
            "coverage:\n  min-patch: 180\n",
            "gates.yml:2:3: coverage: 180 is not a percentage: give a number from 0 to 100",
        ),
        (
            "coverage:\n  exclude:\n    - \"gen/[x\"\n",
            "gates.yml:2:3: coverage: \"gen/[x\" is not a glob",
        ),
    ] {
        std::fs::write(scratch.path().join(".github/gates.yml"), yaml).unwrap();
        let out = crate::e2e::gate(scratch.path(), &[report.to_str().unwrap()], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{yaml}: {err}");
        assert!(err.contains(want), "{yaml}: wanted {want:?} in {err}");
        assert!(
            !err.contains("expected f64") && !err.contains("at line"),
            "{err}"
        );
    }
}

/// A push that created its branch (`before` all zeros) said "run on a pull_request or push
/// event": it is measured against the default branch's merge-base when that is in the clone,
/// and otherwise says why there is no base and what to do.
#[test]
fn a_new_branch_push_is_measured_against_the_default_branch() {
    let d = tempfile::tempdir().unwrap();
    repo_with_change(d.path(), &[10, 11]);
    lcov(d.path(), &[11]);
    let mut ev: serde_json::Value =
        serde_json::from_slice(&std::fs::read(crate::fixtures().join("events/push.json")).unwrap())
            .unwrap();
    ev["before"] = "0000000000000000000000000000000000000000".into();
    ev["repository"]["default_branch"] = "main".into();
    let event = d.path().join("push.json");
    std::fs::write(&event, ev.to_string()).unwrap();
    let result = d.path().join("r.json");
    let args = [
        "app.lcov",
        "--result",
        result.to_str().unwrap(),
        "--print",
        "human",
    ];
    let env = [("GITHUB_EVENT_PATH", event.to_str().unwrap())];
    let out = gate(d.path(), &args, &env);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(r["metrics"]["patch"]["covered"], 1, "{stdout}");
    assert_eq!(r["metrics"]["patch"]["total"], 2);
    assert!(stdout.contains("the default branch main"), "{stdout}");

    // A default branch that is not in the clone: patch coverage is skipped, saying why.
    ev["repository"]["default_branch"] = "trunk".into();
    std::fs::write(&event, ev.to_string()).unwrap();
    let out = gate(d.path(), &args, &env);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("this push created the branch")
            && stdout.contains("--base origin/trunk")
            && !stdout.contains("run on a pull_request or push event"),
        "{stdout}"
    );
}

/// `levels:` in the config and `--allow/--warn/--deny` set what a failed rule does.
#[test]
fn rule_levels_from_the_config_and_flags() {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(scratch.path().join(".github")).unwrap();
    std::fs::write(
        scratch.path().join(".github/gates.yml"),
        "coverage:\n  min-lines: 90\n  levels:\n    coverage/min-lines: warn\n",
    )
    .unwrap();
    let report = crate::fixtures().join("cobertura/coveragepy.xml");
    let r = report.to_str().unwrap();
    let out = crate::e2e::gate(scratch.path(), &[r, "--print", "human"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("WARN") && stdout.contains("warned (level warn): coverage/min-lines"),
        "{stdout}"
    );
    let out = crate::e2e::gate(scratch.path(), &[r, "--deny", "coverage/min-lines"], &[]);
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(
        scratch.path().join(".github/gates.yml"),
        "coverage:\n  levels:\n    coverage/min-line: allow\n",
    )
    .unwrap();
    let out = crate::e2e::gate(scratch.path(), &[r], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("no rule \"coverage/min-line\" in the coverage gate"));
}

/// Colour follows the conventions (through anstyle-query): CLICOLOR_FORCE colours a pipe,
/// NO_COLOR wins over it, TERM=dumb does not stop it (as anstream), and a pipe alone gets
/// plain text, whatever TERM says. The terminal cases are gates-core's `ColorEnv` tests.
#[test]
fn terminal_colour_follows_no_color_and_clicolor_force() {
    let scratch = tempfile::tempdir().unwrap();
    let report = crate::fixtures().join("cobertura/coveragepy.xml");
    let args = [report.to_str().unwrap(), "--print", "human"];
    let run = |env: &[(&str, &str)]| {
        let out = crate::e2e::gate(scratch.path(), &args, env);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run(&[("CLICOLOR_FORCE", "1")]).starts_with("\u{1b}["));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\u{1b}'));
    assert!(!run(&[]).contains('\u{1b}'));
    assert!(run(&[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")]).starts_with("\u{1b}["));
    assert!(!run(&[("TERM", "xterm-256color"), ("CLICOLOR", "1")]).contains('\u{1b}'));
}
