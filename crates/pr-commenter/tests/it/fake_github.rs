//! pr-commenter against the fake GitHub API: one current comment across reruns, forks, flaky
//! answers and rate limits; every exchange checked against GitHub's REST description.

// Tests set up the programs' environment from the real one (PATH).
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gates_testkit::github::{bad_gateway, secondary_rate_limit, FakeGitHub};
use serde_json::{json, Value};

/// A token value that must never appear in any output.
const TOKEN: &str = "ghs_SENTINEL0123456789abcdefTOKEN";
const REPO: &str = "Codertocat/Hello-World";
const PR: u64 = 2;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Run {
    out: Output,
    summary: String,
    outputs: String,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
}

/// A pull_request event payload (real, from @octokit/webhooks-examples) for PR #2.
fn pr_event(dir: &Path) -> PathBuf {
    let p = dir.join("event.json");
    std::fs::copy(root().join("fixtures/events/pull_request.opened.json"), &p).unwrap();
    p
}

fn run(fake: &FakeGitHub, dir: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
    let summary = dir.join("summary.md");
    let outputs = dir.join("outputs");
    let _ = std::fs::remove_file(&summary);
    let _ = std::fs::remove_file(&outputs);
    let event = if extra_env.iter().any(|(k, _)| *k == "GITHUB_EVENT_PATH") {
        None
    } else {
        Some(pr_event(dir))
    };
    let mut c = Command::new(env!("CARGO_BIN_EXE_pr-commenter"));
    c.args(args)
        .arg("--retry-backoff-ms")
        .arg("20")
        .current_dir(dir)
        .env_clear();
    if let Some(p) = std::env::var_os("PATH") {
        c.env("PATH", p);
    }
    c.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", &fake.api_url)
        .env("GITHUB_GRAPHQL_URL", &fake.graphql_url)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_RUN_ID", "77")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs);
    if let Some(e) = event {
        c.env("GITHUB_EVENT_PATH", e);
    }
    c.envs(extra_env.iter().copied());
    let out = c.output().unwrap();
    let r = Run {
        out,
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
    };
    // The token never leaks: not in stderr, summary, outputs, comments; on stdout only inside
    // the add-mask command that registers it.
    assert!(
        !r.stderr().contains(TOKEN) && !r.summary.contains(TOKEN) && !r.outputs.contains(TOKEN),
        "token leaked"
    );
    assert!(
        r.stdout()
            .lines()
            .filter(|l| l.contains(TOKEN))
            .all(|l| l.starts_with("::add-mask::")),
        "token leaked on stdout"
    );
    assert!(
        fake.state()
            .comments
            .iter()
            .all(|c| !c.body.contains(TOKEN)),
        "token leaked into a comment"
    );
    r
}

fn result(gate: &str, verdict: &str, summary: &str) -> Value {
    json!({ "schema": "gates-result/v1", "gate": gate, "verdict": verdict, "title": format!("{gate} title"), "summary": summary,
            "metrics": {}, "findings": [], "context": {} })
}

fn write_results(dir: &Path, results: &[Value]) -> PathBuf {
    let d = dir.join("results");
    std::fs::create_dir_all(&d).unwrap();
    for (i, r) in results.iter().enumerate() {
        std::fs::write(d.join(format!("r{i}.json")), r.to_string()).unwrap();
    }
    d
}

fn ours(fake: &FakeGitHub) -> Vec<gates_testkit::github::Comment> {
    fake.comments(PR)
        .into_iter()
        .filter(|c| c.body.starts_with("<!-- gates:gates -->"))
        .collect()
}

#[test]
fn first_run_creates_one_comment_reruns_update_it_in_place() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(
        dir.path(),
        &[result("coverage", "pass", "### ✅ Coverage: lines 80%\n")],
    );
    let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    assert_eq!(ours(&fake).len(), 1);
    let id = ours(&fake)[0].id;
    assert!(r.outputs.contains("created"), "{}", r.outputs);
    // Posted: the gates' own summaries hold the results; no second copy.
    assert!(r.summary.is_empty(), "{}", r.summary);
    // Same results: nothing to edit.
    let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    assert!(r.outputs.contains("unchanged"), "{}", r.outputs);
    // New results: the same comment, edited.
    let res = write_results(
        dir.path(),
        &[result("coverage", "fail", "### ❌ Coverage: lines 70%\n")],
    );
    run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    let c = ours(&fake);
    assert_eq!((c.len(), c[0].id), (1, id));
    assert!(c[0].body.contains("lines 70%") && c[0].body.contains("❌ 1 failed"));
    fake.assert_conforms();
}

#[test]
fn rerun_finds_the_comment_on_page_three() {
    let fake = FakeGitHub::start(TOKEN);
    for i in 0..230 {
        fake.add_comment(PR, "octocat", &format!("comment {i}"));
    }
    let id = fake.add_comment(PR, "github-actions[bot]", "<!-- gates:gates -->\nold");
    for i in 0..20 {
        fake.add_comment(PR, "octocat", &format!("later {i}"));
    }
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ new\n")]);
    let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    let c = ours(&fake);
    assert_eq!((c.len(), c[0].id), (1, id));
    assert!(c[0].body.contains("new"));
    let pages: Vec<String> = fake
        .state()
        .log
        .iter()
        .filter(|x| x.method == "GET")
        .map(|x| x.query.clone())
        .collect();
    assert!(pages.iter().any(|q| q.contains("page=3")), "{pages:?}");
    fake.assert_conforms();
}

#[test]
fn a_human_quoting_the_marker_is_left_alone() {
    let fake = FakeGitHub::start(TOKEN);
    let human = fake.add_comment(PR, "octocat", "<!-- gates:gates -->\nI copied your marker");
    let other_bot = fake.add_comment(
        PR,
        "github-actions[bot]",
        "Some other action says hi <!-- gates:gates -->",
    );
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    let all = fake.comments(PR);
    assert_eq!(all.len(), 3);
    assert_eq!(
        all.iter().find(|c| c.id == human).unwrap().body,
        "<!-- gates:gates -->\nI copied your marker"
    );
    assert!(all.iter().any(|c| c.id == other_bot));
    fake.assert_conforms();
}

#[test]
fn a_502_after_the_create_landed_leaves_one_comment() {
    let fake = FakeGitHub::start(TOKEN);
    fake.fault(bad_gateway("POST", "/comments", true));
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    assert_eq!(ours(&fake).len(), 1);
    fake.assert_conforms();
}

#[test]
fn a_502_before_the_create_landed_is_posted_once_more() {
    let fake = FakeGitHub::start(TOKEN);
    fake.fault(bad_gateway("POST", "/comments", false));
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    assert_eq!(ours(&fake).len(), 1);
}

#[test]
fn flaky_reads_are_retried_and_secondary_rate_limits_waited_out() {
    let fake = FakeGitHub::start(TOKEN);
    fake.fault(bad_gateway("GET", "/comments", false));
    fake.fault(secondary_rate_limit("GET", "/comments", 1));
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    assert_eq!(ours(&fake).len(), 1);
    let statuses: Vec<u16> = fake
        .state()
        .log
        .iter()
        .filter(|x| x.method == "GET")
        .map(|x| x.status)
        .collect();
    assert_eq!(statuses[..3], [502, 403, 200]);
    fake.assert_conforms();
}

#[test]
fn a_fork_token_degrades_to_a_warning_and_the_job_summary() {
    let fake = FakeGitHub::start(TOKEN);
    fake.state().read_only = true;
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(
        dir.path(),
        &[result("coverage", "fail", "### ❌ Coverage: lines 10%\n")],
    );
    let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    assert!(
        r.stdout().contains("::warning::cannot comment on PR #2"),
        "{}",
        r.stdout()
    );
    assert!(r.summary.contains("Coverage: lines 10%"));
    let r = run(
        &fake,
        dir.path(),
        &[res.to_str().unwrap(), "--fail-if-cannot-comment"],
        &[],
    );
    assert_eq!(r.out.status.code(), Some(2));
    assert!(
        r.stderr()
            .contains("Resource not accessible by integration"),
        "{}",
        r.stderr()
    );
    fake.assert_conforms();
}

#[test]
fn an_oversized_body_is_trimmed_and_keeps_every_verdict() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let big = |g: &str, v: &str, icon: &str| {
        let details: String = (0..2000)
            .map(|i| format!("| row {i} | {} |\n", "x".repeat(20)))
            .collect();
        result(g, v, &format!("### {icon} {g} verdict line\n\n- reason of {g}\n\n#### Table\n\n{details}\n<details><summary>more</summary>\n\n{details}\n</details>\n"))
    };
    let res = write_results(
        dir.path(),
        &[
            big("coverage", "fail", "❌"),
            big("security", "pass", "✅"),
            big("perf", "warn", "⚠️"),
        ],
    );
    let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    let c = &ours(&fake)[0];
    assert!(c.body.chars().count() <= 65_536);
    for g in ["coverage", "security", "perf"] {
        assert!(
            c.body.contains(&format!("{g} verdict line")),
            "{g} verdict missing"
        );
    }
    assert!(c.body.contains("job summary"));
    // Posted: the full text is in the gates' own job summaries, not copied again.
    assert!(r.summary.is_empty());
    fake.assert_conforms();
}

#[test]
fn ghes_base_path_and_graphql_hide_mode() {
    let fake = FakeGitHub::start_at(TOKEN, "/api/v3");
    let old = fake.add_comment(PR, "github-actions[bot]", "<!-- gates:gates -->\nold");
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    // GHES: no GITHUB_GRAPHQL_URL given; it is derived from GITHUB_API_URL (/api/v3 → /api/graphql).
    let mut c = Command::new(env!("CARGO_BIN_EXE_pr-commenter"));
    let event = pr_event(dir.path());
    let out = c
        .args([res.to_str().unwrap(), "--mode", "hide"])
        .env_clear()
        .env("GITHUB_API_URL", &fake.api_url)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_PATH", event)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = fake.comments(PR);
    assert!(all.iter().find(|c| c.id == old).unwrap().minimized);
    assert_eq!(all.len(), 2);
    assert!(fake.state().log.iter().any(|x| x.path == "/graphql"));
    fake.assert_conforms();
}

#[test]
fn recreate_only_modes_and_delete_on_pass() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let pass = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    let p = pass.to_str().unwrap();
    let r = run(&fake, dir.path(), &[p, "--mode", "only-update"], &[]);
    assert!(r.outputs.contains("skipped") && ours(&fake).is_empty());
    run(&fake, dir.path(), &[p, "--mode", "only-create"], &[]);
    let first = ours(&fake)[0].id;
    let r = run(&fake, dir.path(), &[p, "--mode", "only-create"], &[]);
    assert!(r.outputs.contains("skipped"));
    run(&fake, dir.path(), &[p, "--mode", "recreate"], &[]);
    let c = ours(&fake);
    assert_eq!(c.len(), 1);
    assert_ne!(c[0].id, first);
    run(&fake, dir.path(), &[p, "--delete-on-pass"], &[]);
    assert!(ours(&fake).is_empty());
    fake.assert_conforms();
}

#[test]
fn fork_safe_prepare_then_publish_checks_the_head_commit() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(
        dir.path(),
        &[result(
            "coverage",
            "fail",
            "### ❌ lines 10% @org/team <!-- gates:gates -->\n",
        )],
    );
    let handoff = dir.path().join("handoff");
    // pull_request job: no token needed, nothing posted.
    let r = run(
        &fake,
        dir.path(),
        &[
            res.to_str().unwrap(),
            "--prepare",
            handoff.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    assert!(fake.state().log.is_empty());
    let payload: Value =
        serde_json::from_slice(&std::fs::read(handoff.join("gates-comment.json")).unwrap())
            .unwrap();
    let head = payload["head_sha"].as_str().unwrap().to_string();
    assert_eq!(payload["pr"], 2);

    // workflow_run job: the PR still points at that commit, so it is posted (defanged).
    let run_event = dir.path().join("run.json");
    std::fs::write(
        &run_event,
        json!({ "workflow_run": { "id": 9, "head_sha": head, "event": "pull_request" } })
            .to_string(),
    )
    .unwrap();
    fake.state().pulls.insert(PR, head.clone());
    let env = [("GITHUB_EVENT_PATH", run_event.to_str().unwrap())];
    let r = run(
        &fake,
        dir.path(),
        &["--publish", handoff.to_str().unwrap()],
        &env,
    );
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    let c = ours(&fake);
    assert_eq!(c.len(), 1);
    assert!(c[0].body.contains("&#64;org/team") && !c[0].body.contains("@org/team"));
    assert_eq!(
        c[0].body.matches("<!-- gates:gates -->").count(),
        1,
        "the payload cannot forge a marker"
    );

    // The PR moved on: stale results are not posted.
    fake.state().pulls.insert(PR, "0".repeat(40));
    let before = ours(&fake)[0].body.clone();
    let r = run(
        &fake,
        dir.path(),
        &["--publish", handoff.to_str().unwrap()],
        &env,
    );
    assert_eq!(r.out.status.code(), Some(0));
    assert!(r.stdout().contains("moved on"), "{}", r.stdout());
    assert_eq!(ours(&fake)[0].body, before);

    // A payload from another repository is refused.
    let r = run(
        &fake,
        dir.path(),
        &["--publish", handoff.to_str().unwrap()],
        &[
            ("GITHUB_EVENT_PATH", run_event.to_str().unwrap()),
            ("GITHUB_REPOSITORY", "evil/fork"),
        ],
    );
    assert_eq!(r.out.status.code(), Some(2));
    fake.assert_conforms();
}

#[test]
fn no_pull_request_is_exit_2_and_says_what_to_do() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let push = dir.path().join("push.json");
    std::fs::copy(root().join("fixtures/events/push.json"), &push).unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    let r = run(
        &fake,
        dir.path(),
        &[res.to_str().unwrap()],
        &[("GITHUB_EVENT_PATH", push.to_str().unwrap())],
    );
    assert_eq!(r.out.status.code(), Some(2));
    assert!(
        r.stderr().contains("no pull request to comment on") && r.stderr().contains("--pr"),
        "{}",
        r.stderr()
    );
}

#[test]
fn a_template_renders_the_results() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "fail", "### ❌ x\n")]);
    let t = dir.path().join("t.hbs");
    std::fs::write(
        &t,
        "PR {{pr}}:{{#each results}} {{gate}}={{verdict}}{{/each}}\n",
    )
    .unwrap();
    run(
        &fake,
        dir.path(),
        &[res.to_str().unwrap(), "--template", t.to_str().unwrap()],
        &[],
    );
    assert_eq!(
        ours(&fake)[0].body,
        "<!-- gates:gates -->\nPR 2: coverage=fail\n"
    );
}

/// With no arguments the commenter looked nowhere, though the actions write to `gates-results/`.
#[test]
fn no_arguments_reads_gates_results() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(
        dir.path(),
        &[result("coverage", "pass", "### ✅ Coverage: lines 80%\n")],
    );
    std::fs::rename(&res, dir.path().join("gates-results")).unwrap();
    let r = run(&fake, dir.path(), &[], &[]);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    assert!(ours(&fake)[0].body.contains("Coverage: lines 80%"));
}

/// A template's fields come from result files a fork may have written: `{{gate}}`, a finding's
/// `{{message}}` and the triple-stash `{{{...}}}` all render inert (no mention, no HTML, no
/// sticky marker), as the summary and the title already did.
#[test]
fn template_fields_render_inert_even_triple_stashed() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let mut r = result(
        "<img src=x>@admins",
        "fail",
        "### x @team <!-- gates:gates -->\n",
    );
    r["findings"] = json!([{ "rule": "r", "level": "error", "message": "<!-- gates:gates --> @octocat [x](http://e)" }]);
    let res = write_results(dir.path(), &[r]);
    let t = dir.path().join("t.hbs");
    std::fs::write(
        &t,
        "{{#each results}}{{gate}} {{{gate}}} {{{summary}}}{{#each findings}} {{message}} {{{message}}}{{/each}}{{/each}}\n",
    )
    .unwrap();
    run(
        &fake,
        dir.path(),
        &[res.to_str().unwrap(), "--template", t.to_str().unwrap()],
        &[],
    );
    let body = ours(&fake)[0].body.clone();
    let rendered = body.strip_prefix("<!-- gates:gates -->\n").unwrap();
    for bad in ["<img", "@admins", "@team", "@octocat", "<!--", "[x](http"] {
        assert!(!rendered.contains(bad), "{bad:?} in {rendered}");
    }
}

/// End to end: coverage-gate's result on a real fixture, rendered into the comment; the body is
/// compared with the insta snapshot `tests/snapshots/it__coverage-comment.snap`
/// (`INSTA_UPDATE=always` or `cargo insta accept` rewrites it).
#[test]
fn coverage_result_renders_into_the_comment_snapshot() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let cfg = coverage_gate::config::CoverageConfig {
        min_lines: Some(80.0),
        ..Default::default()
    };
    let inputs = coverage_gate::gate::Inputs {
        reports: vec![root().join("fixtures/cobertura/coveragepy.xml")],
        cwd: root().canonicalize().unwrap(),
        policy: coverage_gate::policy::Policy::from_config(&cfg),
        ..Default::default()
    };
    let outcome = coverage_gate::gate::run(&inputs, &gates_core::ActionsEnv::default()).unwrap();
    let result = dir.path().join("coverage.json");
    gates_core::result_file::write(&result, &outcome).unwrap();
    run(&fake, dir.path(), &[result.to_str().unwrap()], &[]);
    let body = ours(&fake)[0].body.clone();
    insta::assert_snapshot!("coverage-comment", body);
    fake.assert_conforms();
}

#[test]
fn primary_rate_limit_waits_for_the_reset_and_429_for_retry_after() {
    let fake = FakeGitHub::start(TOKEN);
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1;
    fake.fault(gates_testkit::github::Fault {
        method: "GET",
        path_contains: "/comments".into(),
        status: 403,
        headers: vec![("x-ratelimit-remaining".into(), "0".into()), ("x-ratelimit-reset".into(), reset.to_string())],
        body: json!({ "message": "API rate limit exceeded for installation ID 1.", "documentation_url": "https://docs.github.com/rest/rate-limit" }),
        times: 1,
        ..Default::default()
    });
    fake.fault(gates_testkit::github::Fault {
        method: "POST",
        path_contains: "/comments".into(),
        status: 429,
        headers: vec![("retry-after".into(), "1".into())],
        body: json!({ "message": "Too Many Requests", "documentation_url": "https://docs.github.com/rest" }),
        times: 1,
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    assert_eq!(ours(&fake).len(), 1);
    let statuses: Vec<(String, u16)> = fake
        .state()
        .log
        .iter()
        .map(|x| (x.method.clone(), x.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("GET".into(), 403),
            ("GET".into(), 200),
            ("POST".into(), 429),
            ("POST".into(), 201)
        ]
    );
    fake.assert_conforms();
}

/// The `pr-comment` composite action, run the way the runner runs it, against this build.
#[test]
fn pr_comment_action_posts_through_the_composite_steps() {
    use gates_testkit::action::{run_composite, Job};
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    write_results(
        dir.path(),
        &[result("coverage", "pass", "### ✅ Coverage: lines 90%\n")],
    );
    let event = pr_event(dir.path());
    let bin = Path::new(env!("CARGO_BIN_EXE_pr-commenter"))
        .parent()
        .unwrap()
        .display()
        .to_string();
    let env = [
        ("GATES_LOCAL_BIN", bin.as_str()),
        ("GITHUB_API_URL", fake.api_url.as_str()),
        ("GITHUB_GRAPHQL_URL", fake.graphql_url.as_str()),
        ("GITHUB_REPOSITORY", REPO),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
    ];
    let job = Job {
        workspace: dir.path().to_path_buf(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        token: TOKEN.into(),
    };
    let r = run_composite(&root().join("pr-comment"), &[("results", "results")], &job);
    assert!(r.success, "{:#?}", r.steps);
    assert_eq!(r.outputs["action"], "created");
    assert_eq!(r.outputs["pr"], "2");
    assert_eq!(ours(&fake).len(), 1);
    assert!(!r
        .stdout()
        .lines()
        .any(|l| l.contains(TOKEN) && !l.starts_with("::add-mask::")));
    // Failing case: a push event has no pull request, and the step fails saying what to do.
    let push = dir.path().join("push.json");
    std::fs::copy(root().join("fixtures/events/push.json"), &push).unwrap();
    let mut job = job;
    job.env
        .insert("GITHUB_EVENT_PATH".into(), push.display().to_string());
    let r = run_composite(&root().join("pr-comment"), &[("results", "results")], &job);
    assert!(!r.success);
    assert_eq!(r.steps.last().unwrap().code, Some(2));
    assert!(
        r.stdout()
            .contains("::error title=pr-commenter could not run::"),
        "{}",
        r.stdout()
    );
    fake.assert_conforms();
}

#[test]
fn a_read_that_times_out_is_retried() {
    let fake = FakeGitHub::start(TOKEN);
    fake.fault(gates_testkit::github::Fault {
        method: "GET",
        path_contains: "/comments".into(),
        status: 200,
        body: json!([]),
        times: 1,
        delay_ms: 1500,
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    let r = run(
        &fake,
        dir.path(),
        &[res.to_str().unwrap(), "--timeout-ms", "500"],
        &[],
    );
    assert_eq!(r.out.status.code(), Some(0), "{}", r.stderr());
    assert_eq!(ours(&fake).len(), 1);
    let gets = fake
        .state()
        .log
        .iter()
        .filter(|x| x.method == "GET")
        .count();
    // The fake answers one request at a time, so the retry can queue behind the slow answer and
    // time out too; what matters is that reads were asked again until one answered in time.
    assert!(gets >= 2, "the timed-out list was asked again: {gets}");
}

#[test]
fn a_token_with_a_trailing_newline_is_refused_by_name_without_a_panic_or_echo() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    let newline = format!("{TOKEN}\n");
    let r = run(
        &fake,
        dir.path(),
        &[res.to_str().unwrap()],
        &[("GITHUB_TOKEN", &newline)],
    );
    assert_eq!(r.out.status.code(), Some(2), "{}", r.stderr());
    let all = r.stdout() + &r.stderr();
    assert!(
        all.contains("GITHUB_TOKEN: ends with a line break") && all.contains("trailing newline"),
        "{all}"
    );
    assert!(
        !all.contains("SENTINEL") && !all.contains("panicked"),
        "{all}"
    );
    let inner = format!("--token=ghs_{}x", '\u{7}');
    let r = run(&fake, dir.path(), &[res.to_str().unwrap(), &inner], &[]);
    assert_eq!(r.out.status.code(), Some(2), "{}", r.stderr());
    assert!(
        r.stderr().contains("--token: holds a control"),
        "{}",
        r.stderr()
    );
    assert!(fake.state().log.is_empty());
}

#[test]
fn a_redirect_answering_a_comment_write_is_an_error_not_created_comment_0() {
    use gates_testkit::github::moved;
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    for status in [301, 302, 307, 308] {
        let fake = FakeGitHub::start(TOKEN);
        let list = format!("{}/repos/{REPO}/issues/{PR}/comments", fake.api_url);
        fake.fault(moved("POST", "/comments", status, &list));
        let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
        assert_eq!(r.out.status.code(), Some(2), "{status}: {}", r.stdout());
        assert!(
            r.stderr().contains(&format!(
                "POST /repos/{REPO}/issues/{PR}/comments: HTTP {status}"
            )) && r.stderr().contains(&list),
            "{}",
            r.stderr()
        );
        assert!(!r.stdout().contains("created comment"), "{}", r.stdout());
        assert!(ours(&fake).is_empty());
        // Nothing was re-sent to the Location, as GET or as POST.
        let after: Vec<String> = fake
            .state()
            .log
            .iter()
            .skip_while(|x| x.method != "POST")
            .skip(1)
            .map(|x| format!("{} {}", x.method, x.path))
            .collect();
        assert!(after.is_empty(), "{status}: {after:?}");
    }
    // An edit too.
    let fake = FakeGitHub::start(TOKEN);
    let id = fake.add_comment(PR, "github-actions[bot]", "<!-- gates:gates -->\nold");
    let target = format!("{}/repos/{REPO}/issues/comments/{id}", fake.api_url);
    fake.fault(moved("PATCH", "/comments/", 307, &target));
    let r = run(&fake, dir.path(), &[res.to_str().unwrap()], &[]);
    assert_eq!(r.out.status.code(), Some(2), "{}", r.stdout());
    assert!(r.stderr().contains("HTTP 307"), "{}", r.stderr());
    assert_eq!(ours(&fake)[0].body, "<!-- gates:gates -->\nold");
    fake.assert_conforms();
}

#[test]
fn an_unreachable_api_names_the_url_it_tried_and_why() {
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let res = write_results(dir.path(), &[result("coverage", "pass", "### ✅ ok\n")]);
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = format!("http://127.0.0.1:{port}");
    let r = run(
        &fake,
        dir.path(),
        &[res.to_str().unwrap()],
        &[("GITHUB_API_URL", &api)],
    );
    assert_eq!(r.out.status.code(), Some(2), "{}", r.stderr());
    let err = r.stderr();
    // The URL tried, the reason under octocrab's "client error (Connect)", and what to check.
    assert!(
        err.contains(&format!("GET {api}/repos/{REPO}/issues/{PR}/comments")),
        "{err}"
    );
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(err.contains("GITHUB_API_URL is the API's address"), "{err}");
}
