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
