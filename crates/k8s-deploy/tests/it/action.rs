//! The `k8s-deploy` composite action run the way the runner runs it, against this build.

use std::path::{Path, PathBuf};

use gates_testkit::action::{check_readme, run_composite, Job};

fn action_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../k8s-deploy")
}

/// A workspace holding the seeds' production manifests in `k8s/production/`.
fn production_workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let src = gates_testkit::cmd::workspace_root().join("fixtures/k8s/seeds/production");
    let dst = ws.path().join("k8s/production");
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
    ws
}

#[test]
fn action_readme_lists_every_input_and_output() {
    check_readme(&action_dir());
}

/// The seeds' production manifests through the action: multi-line images and vars inputs
/// become flags, the lint error fails the step, and outputs, annotations, summary, result and
/// SARIF are where a workflow expects them.
#[test]
fn the_action_lints_the_seeds_with_outputs_and_summary() {
    let ws = production_workspace();
    let job = Job::local(ws.path(), env!("CARGO_BIN_EXE_k8s-deploy"));
    let run = run_composite(
        &action_dir(),
        &[
            ("manifests", "k8s/production/"),
            ("images", "medical-kg-rev/gateway=ghcr.io/org/gateway:abc123\nprom/statsd-exporter=prom/statsd-exporter:v0.28.0\n"),
            ("vars", "REPLICAS=3\nENVIRONMENT=production"),
            ("sarif", "k8s.sarif"),
        ],
        &job,
    );
    // Both images pinned now: warnings only.
    assert!(run.success, "{:#?}", run.steps);
    assert_eq!(run.outputs["verdict"], "warn");
    assert_eq!(run.outputs["errors"], "0");
    assert_eq!(run.outputs["warnings"], "12");
    assert_eq!(run.outputs["sarif"], "k8s.sarif");
    assert!(
        run.stdout().contains(
            "::warning title=k8s-deploy/production-replicas,file=k8s/production/hpa.yaml,line=11"
        ),
        "{}",
        run.stdout()
    );
    assert!(
        run.summary().contains("ghcr.io/org/gateway:abc123"),
        "{}",
        run.summary()
    );
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("gates-results/k8s-deploy.json")).unwrap(),
    )
    .unwrap();
    gates_testkit::generated::assert_valid_result(&doc);
    assert_eq!(doc["metrics"]["images_substituted"], 2);
    assert!(ws.path().join("k8s.sarif").is_file());
}

/// An undefined template variable fails the step with exit 2 and verdict error.
#[test]
fn the_action_reports_a_missing_variable_as_an_error() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(
        ws.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  tag: ${TAG}\n",
    )
    .unwrap();
    let job = Job::local(ws.path(), env!("CARGO_BIN_EXE_k8s-deploy"));
    let run = run_composite(&action_dir(), &[("manifests", "cm.yaml")], &job);
    assert!(!run.success);
    assert_eq!(run.outputs["verdict"], "error");
    assert!(
        run.stdout().contains("::error") && run.stdout().contains("TAG is not defined"),
        "{}",
        run.stdout()
    );
}

/// The strategy inputs through the action, against the fake API server: `strategy`,
/// `scale-down-delay`, `preview-health`, `health-attempts` and `timeout` become flags, and a
/// failed preview check fails the step with the slot outputs a workflow reads.
#[test]
fn the_action_deploys_blue_green_and_a_failed_preview_check_never_switches() {
    let ws = production_workspace();
    let fake = gates_testkit::k8s::FakeKube::start();
    let _c = fake
        .controller()
        .run_every(std::time::Duration::from_millis(20));
    let kube = tempfile::tempdir().unwrap();
    let mut job = Job::local(ws.path(), env!("CARGO_BIN_EXE_k8s-deploy"));
    job.env.insert(
        "KUBECONFIG".into(),
        fake.kubeconfig(kube.path()).display().to_string(),
    );
    let (bad, _h) = crate::common::health_server(&[503]);
    let deploy = |tag: &str, preview: &str| {
        let images = format!(
            "medical-kg-rev/gateway=ghcr.io/org/gateway:{tag}\nprom/statsd-exporter=prom/statsd-exporter:v0.28.0\n"
        );
        run_composite(
            &action_dir(),
            &[
                ("command", "deploy"),
                ("manifests", "k8s/production/"),
                ("images", &images),
                ("vars", "REPLICAS=3\nENVIRONMENT=production"),
                ("strategy", "blue-green"),
                ("scale-down-delay", "0s"),
                ("timeout", "60s"),
                ("preview-health", preview),
                ("health-attempts", "1"),
                ("github-deployment", "false"),
            ],
            &job,
        )
    };
    let run = deploy("v1", "");
    assert!(run.success, "{:#?}", run.steps);
    assert_eq!(run.outputs["strategy"], "blue-green");
    assert_eq!(run.outputs["active-slot"], "blue");
    let run = deploy("v2", &bad);
    assert!(!run.success, "the failed preview check fails the step");
    assert_eq!(run.outputs["rolled-back"], "true", "{:#?}", run.steps);
    assert_eq!(run.outputs["active-slot"], "blue");
    assert!(
        run.outputs["reason"].starts_with("preview health check"),
        "{}",
        run.outputs["reason"]
    );
    assert!(
        !run.stdout().contains("s3cret"),
        "the URL's query is never shown"
    );
}
