//! End to end: the binary on a real repository with a real coverage.py report, checked against
//! diff-cover, and a pull_request run as the Actions runner would make it.

use std::path::Path;
use std::process::Output;

use gates_core::outputs;
use serde_json::Value;

use crate::repo::{run, Repo};

/// Run coverage-gate in `dir` with only the given environment (plus PATH and HOME for git).
pub fn gate(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    gates_testkit::cmd::run_gate(env!("CARGO_BIN_EXE_coverage-gate"), dir, args, env)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// The uncovered ranges the result file lists, per file.
fn ranges(result: &Value) -> Vec<(String, u64, u64)> {
    result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start_line"].as_u64().unwrap(),
                f["end_line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn patch_coverage_equals_diff_cover_on_the_same_repo_and_report() {
    let repo = Repo::python_pr();
    run(
        &repo.path,
        "diff-cover",
        &[
            "coverage.xml",
            "--compare-branch=main",
            "--json-report",
            "diff-cover.json",
            "-q",
        ],
    );
    let dc = read_json(&repo.path.join("diff-cover.json"));
    let out = gate(
        &repo.path,
        &["coverage.xml", "--base", "main", "--result", "result.json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let result = read_json(&repo.path.join("result.json"));
    let patch = &result["metrics"]["patch"];
    let dc_total = dc["total_num_lines"].as_u64().unwrap();
    let dc_missing = dc["total_num_violations"].as_u64().unwrap();
    assert!(
        dc_total > 0 && dc_missing > 0,
        "the change must have covered and uncovered lines: {dc}"
    );
    assert_eq!(patch["total"].as_u64().unwrap(), dc_total);
    assert_eq!(
        patch["total"].as_u64().unwrap() - patch["covered"].as_u64().unwrap(),
        dc_missing
    );
    // Every line diff-cover calls a violation lies in one of our ranges, and every range starts
    // and ends on such a line.
    let ours = ranges(&result);
    let mut violations = Vec::new();
    for (file, stats) in dc["src_stats"].as_object().unwrap() {
        for l in stats["violation_lines"].as_array().unwrap() {
            violations.push((file.clone(), l.as_u64().unwrap()));
        }
    }
    for (f, l) in &violations {
        assert!(
            ours.iter().any(|(p, s, e)| p == f && s <= l && l <= e),
            "{f}:{l} is not annotated: {ours:?}"
        );
    }
    for (p, s, e) in &ours {
        assert!(
            violations.contains(&(p.clone(), *s)) && violations.contains(&(p.clone(), *e)),
            "{p}:{s}-{e} is not diff-cover's: {violations:?}"
        );
    }
}

fn pr_event(repo: &Repo, dir: &Path) -> std::path::PathBuf {
    let mut ev: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::fixtures().join("events/pull_request.opened.json"))
            .unwrap(),
    )
    .unwrap();
    ev["pull_request"]["base"]["sha"] = Value::String(repo.base_sha.clone());
    ev["pull_request"]["head"]["sha"] = Value::String(repo.head_sha.clone());
    let p = dir.join("event.json");
    std::fs::write(&p, serde_json::to_vec(&ev).unwrap()).unwrap();
    p
}

#[test]
fn pull_request_run_shows_annotations_outputs_summary_and_result() {
    let repo = Repo::python_pr();
    repo.checkout_test_merge();
    let scratch = tempfile::tempdir().unwrap();
    let event = pr_event(&repo, scratch.path());
    let (output, summary, result) = (
        scratch.path().join("output"),
        scratch.path().join("summary.md"),
        scratch.path().join("out/result.json"),
    );
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ("GITHUB_REF", "refs/pull/2/merge"),
        ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_RUN_ID", "42"),
        ("GITHUB_OUTPUT", output.to_str().unwrap()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    let out = gate(
        &repo.path,
        &[
            "coverage.xml",
            "--min-lines",
            "60",
            "--min-patch",
            "90",
            "--result",
            result.to_str().unwrap(),
        ],
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "patch is below 90%: {}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);

    // Annotations: the failed rule, then the uncovered changed ranges, the file with most uncovered lines first, nothing else as a command
    // outside the stop-commands block.
    let annotations: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            l.starts_with("::warning") || l.starts_with("::error") || l.starts_with("::notice")
        })
        .collect();
    // The failed rule is the one error annotation (issue 11), before the uncovered ranges.
    assert_eq!(
        annotations,
        [
            "::error title=coverage/min-patch failed::patch 80%25 < 90%25 (20 of 25 covered)",
            "::warning title=Not covered,file=shop/shipping.py,line=6,endLine=6::Added line #L6 is not covered by tests",
            "::warning title=Not covered,file=shop/shipping.py,line=9,endLine=10::Added lines #L9-L10 are not covered by tests",
            "::warning title=Not covered,file=shop/pricing.py,line=35,endLine=35::Added line #L35 is not covered by tests",
            "::warning title=Not covered,file=shop/pricing.py,line=38,endLine=38::Added line #L38 is not covered by tests",
        ]
    );
    assert!(stdout.starts_with("::stop-commands::"));

    // Outputs parse back the way the runner reads them.
    let outs: std::collections::BTreeMap<String, String> =
        outputs::parse(&std::fs::read_to_string(&output).unwrap())
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(outs["verdict"], "fail");
    assert_eq!(outs["result"], result.to_str().unwrap());
    let res = read_json(&result);
    let patch = &res["metrics"]["patch"];
    assert_eq!(
        (patch["covered"].as_u64(), patch["total"].as_u64()),
        (Some(20), Some(25))
    );
    assert_eq!(outs["patch"], "80");
    assert_eq!(
        outs["lines"],
        res["metrics"]["lines"]["percent"]
            .as_f64()
            .unwrap()
            .to_string()
    );

    // The base is the test merge's first parent; context names the PR and the head commit.
    assert_eq!(res["metrics"]["base"]["sha"], repo.base_sha.as_str());
    assert_eq!(res["context"]["pr"], 2);
    assert_eq!(res["context"]["sha"], repo.head_sha.as_str());
    assert_eq!(
        res["context"]["run_url"],
        "https://github.com/Codertocat/Hello-World/actions/runs/42"
    );
    assert_eq!(res["verdict"], "fail");

    // The job summary: verdict heading, the failed rule, the patch table.
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("### ❌ Coverage: lines"), "{md}");
    assert!(
        md.contains("- patch 80% &lt; 90% (20 of 25 covered) (coverage/min-patch)"),
        "{md}"
    );
    assert!(
        md.contains("| `shop/shipping.py` | 5 | 8 | 62.5% | 6, 9-10 |"),
        "{md}"
    );
    crate::schema::assert_valid_result(&res);
}

#[test]
fn shallow_clone_without_the_base_says_how_to_fetch_it() {
    let repo = Repo::python_pr();
    let scratch = tempfile::tempdir().unwrap();
    let clone = scratch.path().join("clone");
    run(
        scratch.path(),
        "git",
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "feature",
            &format!("file://{}", repo.path.display()),
            clone.to_str().unwrap(),
        ],
    );
    std::fs::copy(repo.path.join("coverage.xml"), clone.join("coverage.xml")).unwrap();
    let event = pr_event(&repo, scratch.path());
    let result = scratch.path().join("result.json");
    let out = gate(
        &clone,
        &["coverage.xml", "--result", result.to_str().unwrap()],
        &[("GITHUB_EVENT_PATH", event.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("shallow") && err.contains("fetch-depth: 0") && err.contains(&repo.base_sha),
        "{err}"
    );
    let doc = read_json(&result);
    assert_eq!(doc["verdict"], "error", "exit 2 leaves an error result");
}

#[test]
fn baseline_delta_and_uncovered_growth() {
    let repo = Repo::python_pr();
    let base_result = repo.path.join("base.json");
    // The base branch's result: the same project before the change.
    run(&repo.path, "git", &["stash", "-u", "-q"]);
    run(&repo.path, "git", &["checkout", "-q", "main"]);
    run(
        &repo.path,
        "coverage",
        &["run", "--branch", "-m", "unittest", "-q"],
    );
    run(&repo.path, "coverage", &["xml", "-q", "-o", "base.xml"]);
    let out = gate(
        &repo.path,
        &["base.xml", "--result", base_result.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    run(&repo.path, "git", &["checkout", "-q", "feature"]);
    run(
        &repo.path,
        "coverage",
        &["run", "--branch", "-m", "unittest", "-q"],
    );
    run(&repo.path, "coverage", &["xml", "-q", "-o", "coverage.xml"]);
    let head = repo.path.join("head.json");
    let out = gate(
        &repo.path,
        &[
            "coverage.xml",
            "--baseline",
            base_result.to_str().unwrap(),
            "--max-drop",
            "5",
            "--uncovered-must-not-increase",
            "--result",
            head.to_str().unwrap(),
        ],
        &[],
    );
    let res = read_json(&head);
    let before = read_json(&base_result);
    let pct = |v: &Value| v["metrics"]["lines"]["percent"].as_f64().unwrap();
    let delta = res["metrics"]["delta"].as_f64().unwrap();
    assert!(
        (delta - (pct(&res) - pct(&before))).abs() < 0.011,
        "{delta}"
    );
    // The change adds 5 uncovered lines, so the uncovered-lines rule fails while the drop is small.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("uncovered lines 18 vs baseline 13 (coverage/uncovered-increase)"),
        "{stdout}"
    );
    assert!(!stdout.contains("coverage/max-drop)"), "{stdout}");
}

#[test]
fn comment_flag_posts_the_gates_own_sticky_comment_and_never_changes_the_verdict() {
    use gates_testkit::github::FakeGitHub;
    let fake = FakeGitHub::start("ghs_token_for_coverage_test");
    let scratch = tempfile::tempdir().unwrap();
    let event = scratch.path().join("event.json");
    std::fs::copy(
        crate::fixtures().join("events/pull_request.opened.json"),
        &event,
    )
    .unwrap();
    let report = crate::fixtures().join("cobertura/coveragepy.xml");
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_API_URL", fake.api_url.as_str()),
        ("GITHUB_GRAPHQL_URL", fake.graphql_url.as_str()),
        ("GITHUB_TOKEN", "ghs_token_for_coverage_test"),
        ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
    ];
    let args = [report.to_str().unwrap(), "--min-lines", "90", "--comment"];
    let out = gate(scratch.path(), &args, &env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let comments = fake.comments(2);
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0].body.starts_with("<!-- gates:coverage -->")
            && comments[0].body.contains("Coverage: lines 78.33%"),
        "{}",
        comments[0].body
    );
    // Again: the same comment, still one.
    gate(scratch.path(), &args, &env);
    assert_eq!(fake.comments(2).len(), 1);
    // A fork's read-only token: a warning, the same verdict.
    fake.state().read_only = true;
    let out = gate(
        scratch.path(),
        &["--min-lines", "50", "--comment", report.to_str().unwrap()],
        &env,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("::warning::cannot comment: the token is read-only"),
        "{}",
        text(&out.stdout)
    );
    fake.assert_conforms();
}

/// A PR author must not bypass patch coverage with a file name git ends with a TAB (a space in
/// it), a line that starts with `++ `, or git settings that change the diff's paths.
#[test]
fn new_file_with_a_space_in_its_name_counts_whatever_the_git_config() {
    let repo = Repo::python_pr();
    std::fs::write(
        repo.path.join("shop/new module.py"),
        "def never():\n    x = 1\n    ++x\n    return x\n\n\ndef again():\n    return 2\n",
    )
    .unwrap();
    for (k, v) in [
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("diff.relative", "true"),
        ("diff.interHunkContext", "5"),
    ] {
        run(&repo.path, "git", &["config", k, v]);
    }
    run(&repo.path, "git", &["add", "-A"]);
    run(
        &repo.path,
        "git",
        &["commit", "-q", "-m", "untested module"],
    );
    run(
        &repo.path,
        "coverage",
        &["run", "--branch", "--source=shop", "-m", "unittest", "-q"],
    );
    run(&repo.path, "coverage", &["xml", "-q", "-o", "coverage.xml"]);
    let result = repo.path.join("result.json");
    let out = gate(
        &repo.path.join("shop"),
        &[
            "../coverage.xml",
            "--base",
            "main",
            "--result",
            result.to_str().unwrap(),
        ],
        &[],
    );
    let doc = read_json(&result);
    let uncovered: Vec<_> = ranges(&doc)
        .into_iter()
        .filter(|(p, _, _)| p == "shop/new module.py")
        .collect();
    assert!(
        !uncovered.is_empty(),
        "the new file's lines are not in the patch: {}",
        text(&out.stdout)
    );
}

/// A report from another project (no path in the checkout) said "PASS ... patch n/a" under
/// `--min-patch 90`: the gate could not see, so it is inconclusive, fails, and says why in an
/// error annotation that names the `--path-map` to try.
#[test]
fn report_whose_paths_are_not_in_the_checkout_cannot_pass_min_patch() {
    let repo = Repo::python_pr();
    let foreign = crate::fixtures().join("cobertura/gcovr.xml");
    let out = gate(
        &repo.path,
        &[
            foreign.to_str().unwrap(),
            "--base",
            "main",
            "--min-patch",
            "90",
            "--print",
            "github",
        ],
        &[("GITHUB_ACTIONS", "true")],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let error = stdout
        .lines()
        .find(|l| l.starts_with("::error") && l.contains("coverage/min-patch"))
        .unwrap_or_else(|| panic!("no error annotation: {stdout}"));
    assert!(
        error.contains("--path-map") && error.contains("calc.c"),
        "{error}"
    );
}

#[test]
fn comment_with_a_token_ending_in_a_newline_warns_and_keeps_the_verdict_instead_of_panicking() {
    use gates_testkit::github::FakeGitHub;
    // A sentinel: no part of it may appear in any output.
    const SECRET: &str = "ghs_SENTINELnewline0123456789TOKEN";
    let fake = FakeGitHub::start(SECRET);
    let scratch = tempfile::tempdir().unwrap();
    let event = scratch.path().join("event.json");
    std::fs::copy(
        crate::fixtures().join("events/pull_request.opened.json"),
        &event,
    )
    .unwrap();
    let report = crate::fixtures().join("cobertura/coveragepy.xml");
    for (token, min, verdict) in [
        (format!("{SECRET}\n"), "90", 1),
        (format!("{SECRET}\r\n"), "50", 0),
        ("ghs_SENTINEL\u{7}inner".to_string(), "50", 0),
        ("ghs_SENTINEL\u{e9}accent".to_string(), "50", 0),
    ] {
        let env = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_API_URL", fake.api_url.as_str()),
            ("GITHUB_GRAPHQL_URL", fake.graphql_url.as_str()),
            ("GITHUB_TOKEN", token.as_str()),
            ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ];
        let args = [report.to_str().unwrap(), "--min-lines", min, "--comment"];
        let out = gate(scratch.path(), &args, &env);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            out.status.code(),
            Some(verdict),
            "{token:?}\n{stdout}\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stdout.contains("::warning::cannot comment: GITHUB_TOKEN: "),
            "{stdout}"
        );
        assert!(
            !stdout.contains("SENTINEL") && !stderr.contains("SENTINEL"),
            "the token leaked:\n{stdout}\n{stderr}"
        );
    }
    assert!(fake.comments(2).is_empty());
    // Nothing was sent with a broken token.
    assert!(fake.state().log.is_empty());
}

/// "Changed lines since merge-base with main (e5f51aeec430)" showed main's tip: the commit named
/// is now the merge-base diffed from, the tip beside it.
#[test]
fn the_base_shown_is_the_merge_base_not_the_base_branch_tip() {
    let repo = Repo::python_pr();
    run(&repo.path, "git", &["checkout", "-q", "main"]);
    std::fs::write(repo.path.join("NEWS"), "main moved on\n").unwrap();
    run(&repo.path, "git", &["add", "NEWS"]);
    run(&repo.path, "git", &["commit", "-q", "-m", "main moves on"]);
    let tip = run(&repo.path, "git", &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    run(&repo.path, "git", &["checkout", "-q", "feature"]);
    let scratch = tempfile::tempdir().unwrap();
    let event = pr_event(&repo, scratch.path());
    let mut ev = read_json(&event);
    ev["pull_request"]["base"]["sha"] = Value::String(tip.clone());
    std::fs::write(&event, serde_json::to_vec(&ev).unwrap()).unwrap();
    let result = scratch.path().join("result.json");
    gate(
        &repo.path,
        &["coverage.xml", "--result", result.to_str().unwrap()],
        &[("GITHUB_EVENT_PATH", event.to_str().unwrap())],
    );
    let base = &read_json(&result)["metrics"]["base"];
    assert_eq!(base["sha"], repo.base_sha.as_str());
    let how = base["how"].as_str().unwrap();
    assert!(
        how.starts_with(&format!("merge-base {}", &repo.base_sha[..12])),
        "{how}"
    );
    assert!(how.contains(&format!("tip {}", &tip[..12])), "{how}");
}

/// `--exclude toolz/sandbox` excluded nothing (only `toolz/sandbox/**` worked), and an exclude
/// that matched nothing was silent: a directory name excludes the directory, and an unused
/// exclude is reported.
#[test]
fn a_directory_name_excludes_the_directory_and_an_unused_exclude_is_reported() {
    let repo = Repo::python_pr();
    let all = read_json(&{
        let r = repo.path.join("all.json");
        gate(
            &repo.path,
            &["coverage.xml", "--result", r.to_str().unwrap()],
            &[],
        );
        r
    });
    let out = gate(
        &repo.path,
        &[
            "coverage.xml",
            "--exclude",
            "tests",
            "--exclude",
            "shop/nope.py",
            "--result",
            "ex.json",
        ],
        &[],
    );
    let ex = read_json(&repo.path.join("ex.json"));
    assert!(
        ex["metrics"]["lines"]["total"].as_u64() < all["metrics"]["lines"]["total"].as_u64(),
        "tests/ was not excluded"
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("exclude shop/nope.py matches no file"),
        "{stdout}"
    );
    assert!(!stdout.contains("exclude tests matches"), "{stdout}");
}
