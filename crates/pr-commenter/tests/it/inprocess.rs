//! The commenter's library, run in-process: which result files it reads, and the template.

use std::path::PathBuf;

use gates_core::outcome::{Context, Outcome, Verdict};
use gates_github::body::Footer;

fn outcome(gate: &str, verdict: Verdict, title: &str) -> Outcome {
    Outcome {
        gate: gate.into(),
        verdict,
        title: title.into(),
        reasons: Vec::new(),
        metrics: Default::default(),
        findings: Vec::new(),
        sections: Vec::new(),
        context: Context::default(),
        notes: Vec::new(),
        outputs: Vec::new(),
        informational: false,
    }
}

#[test]
fn results_are_read_from_a_directory_in_display_order_skipping_other_json() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("shard-1");
    std::fs::create_dir_all(&sub).unwrap();
    let w = |p: PathBuf, o: &Outcome| gates_core::result_file::write(&p, o).unwrap();
    w(
        sub.join("security.json"),
        &outcome("security", Verdict::Fail, "Security: 1 high"),
    );
    w(
        dir.path().join("coverage.json"),
        &outcome("coverage", Verdict::Pass, "Coverage: 80%"),
    );
    std::fs::write(
        dir.path().join("package.json"),
        r#"{"name": "not a result"}"#,
    )
    .unwrap();
    let results = pr_commenter::load(&[dir.path().to_path_buf()]).unwrap();
    let gates: Vec<&str> = results.iter().map(|r| r.gate.as_str()).collect();
    assert_eq!(gates, ["coverage", "security"]);
}

#[test]
fn a_template_renders_fields_inert() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.hbs");
    std::fs::write(&t, "{{#each results}}{{gate}}: {{{title}}}\n{{/each}}").unwrap();
    let p = dir.path().join("r.json");
    gates_core::result_file::write(
        &p,
        &outcome("coverage", Verdict::Pass, "@team <!-- gates:x -->"),
    )
    .unwrap();
    let results = pr_commenter::load(&[p]).unwrap();
    let footer = Footer::default();
    let out = pr_commenter::template::render_template(&t, &results, &footer, 7).unwrap();
    assert!(out.starts_with("coverage: "), "{out}");
    assert!(!out.contains("@team") && !out.contains("<!--"), "{out}");
}

/// A gate that could not run shows as such, with its reason, beside the ones that passed: a
/// broken pipeline is never a green comment (issue 9's "could not run: <reason>").
#[test]
fn a_gate_that_could_not_run_is_shown_with_its_reason_not_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let err = gates_core::InputError::new(
        "coverage.xml",
        "it ends early (truncated?)",
        "regenerate the report",
    );
    let gate = gates_core::cli::GateId {
        name: "coverage",
        binary: "coverage-gate",
    };
    let w = |name: &str, o: &Outcome| {
        gates_core::result_file::write(&dir.path().join(name), o).unwrap()
    };
    w(
        "coverage.json",
        &Outcome::could_not_run(gate, &err, Context::default()),
    );
    w(
        "security.json",
        &outcome("security", Verdict::Pass, "Security: nothing new"),
    );
    let results = pr_commenter::load(&[dir.path().to_path_buf()]).unwrap();
    let body = gates_github::body::render(&results, &Footer::default(), 60_000);
    let headline = body.lines().next().unwrap();
    assert!(headline.contains("1 could not run"), "{body}");
    assert!(headline.contains("1 passed"), "{body}");
    assert!(body.contains("could not run"), "{body}");
    assert!(
        body.contains("it ends early (truncated?)"),
        "the reason is shown: {body}"
    );
}

/// The sticky flows, run in-process against the fake GitHub API: the first run creates the
/// comment, a rerun with the same results leaves it, a gate that then could not run updates it
/// in place to say so ("could not run: <reason>", never a green comment), `--mode recreate`
/// replaces it, and `--delete-on-pass` removes it once every gate passes.
#[test]
fn sticky_comment_flows_in_process_create_unchanged_update_recreate_delete() {
    use clap::Parser;
    use gates_testkit::github::FakeGitHub;

    const TOKEN: &str = "ghs_INPROCESS0123456789abcdefTOKEN";
    let fake = FakeGitHub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/events/pull_request.opened.json"),
        &event,
    )
    .unwrap();
    let outputs = dir.path().join("outputs");
    let env = gates_core::ActionsEnv::from_vars([
        ("GITHUB_API_URL", fake.api_url.as_str()),
        ("GITHUB_GRAPHQL_URL", fake.graphql_url.as_str()),
        ("GITHUB_TOKEN", TOKEN),
        ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
    ]);
    let results = dir.path().join("results");
    std::fs::create_dir_all(&results).unwrap();
    let coverage = results.join("coverage.json");
    gates_core::result_file::write(
        &coverage,
        &outcome("coverage", Verdict::Pass, "Coverage: 80%"),
    )
    .unwrap();
    let run = |extra: &[&str]| -> String {
        let _ = std::fs::remove_file(&outputs);
        let mut args = vec![
            "pr-commenter",
            results.to_str().unwrap(),
            "--retry-backoff-ms",
            "20",
        ];
        args.extend_from_slice(extra);
        let cli = pr_commenter::Cli::parse_from(args);
        let ran = gates_core::emit::block_on(pr_commenter::run(&cli, &env)).unwrap();
        assert!(ran.is_ok(), "{:?}", ran.err().map(|f| f.into_input_error()));
        // The `action` output (`action<<DELIM`, its value, `DELIM`).
        let text = std::fs::read_to_string(&outputs).unwrap_or_default();
        let mut lines = text.lines();
        lines.find(|l| l.starts_with("action<<"));
        lines.next().unwrap_or_default().to_string()
    };
    let ours = || {
        fake.comments(2)
            .into_iter()
            .filter(|c| c.body.starts_with("<!-- gates:gates -->"))
            .collect::<Vec<_>>()
    };

    assert_eq!(run(&[]), "created");
    let first = ours();
    assert_eq!(first.len(), 1);
    assert_eq!(run(&[]), "unchanged");

    let err = gates_core::InputError::new(
        "coverage.xml",
        "it ends early (truncated?)",
        "regenerate the report",
    );
    gates_core::result_file::write(
        &coverage,
        &Outcome::could_not_run(gates_core::cli::COVERAGE, &err, Context::default()),
    )
    .unwrap();
    assert_eq!(run(&[]), "updated");
    let now = ours();
    assert_eq!((now.len(), now[0].id), (1, first[0].id), "updated in place");
    assert!(
        now[0].body.contains("could not run") && now[0].body.contains("it ends early"),
        "{}",
        now[0].body
    );
    // A gate that could not run is not a pass: --delete-on-pass keeps the comment.
    assert_eq!(run(&["--delete-on-pass"]), "unchanged");

    assert_eq!(run(&["--mode", "recreate"]), "created");
    let recreated = ours();
    assert_eq!(recreated.len(), 1);
    assert_ne!(recreated[0].id, first[0].id);

    gates_core::result_file::write(
        &coverage,
        &outcome("coverage", Verdict::Pass, "Coverage: 81%"),
    )
    .unwrap();
    assert_eq!(run(&["--delete-on-pass"]), "deleted");
    assert!(ours().is_empty());
    fake.assert_conforms();
}
