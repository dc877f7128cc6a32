//! Blue-green deploys of the seeds' production manifests through the binary against the fake
//! API server: slots alternating, a failed new slot never switched, a failed health check
//! after the switch switched back, a paused deploy promoted and one rejected, and a release
//! deployed rolling before moving to blue-green. Each checks the outputs, the summary, the
//! result file and that the cluster is as the summary says.

use crate::common;

use std::time::Duration;

use gates_testkit::k8s::{Failure, FakeKube};
use gates_testkit::prometheus::{Answer, FakePrometheus};
use serde_json::Value;

const SLOT: &str = "gates.dev/slot";

/// `command` of the seeds' production manifests with the gateway at `image`, blue-green,
/// scaled down at once, and `extra` flags.
fn bg(fake: &FakeKube, command: &str, image: &str, extra: &[&str]) -> (i32, Value, String) {
    let gateway = format!("medical-kg-rev/gateway=ghcr.io/org/gateway:{image}");
    // The seeds' directory and variables; both images pinned.
    let mut args = common::PRODUCTION_SEEDS[..5].to_vec();
    args.extend([
        "--image",
        &gateway,
        "--image",
        "prom/statsd-exporter=prom/statsd-exporter:v0.28.0",
        "--allow",
        "k8s-deploy/production-pdb",
        "--timeout",
        "60s",
        "--scale-down-delay",
        "0s",
    ]);
    if command != "deploy" {
        args.retain(|a| !a.starts_with("fixtures/"));
    }
    args.extend_from_slice(extra);
    common::against(fake, command, &args)
}

fn deploy(fake: &FakeKube, image: &str, extra: &[&str]) -> (i32, Value, String) {
    bg(
        fake,
        "deploy",
        image,
        &[&["--strategy", "blue-green"][..], extra].concat(),
    )
}

fn get(fake: &FakeKube, kind: &str, name: &str) -> Option<Value> {
    let api = match kind {
        "Deployment" => "apps/v1",
        "HorizontalPodAutoscaler" => "autoscaling/v2",
        _ => "v1",
    };
    fake.get(api, kind, Some("production"), name)
}

/// The slot Service `name` selects.
fn selected(fake: &FakeKube, name: &str) -> Value {
    get(fake, "Service", name).expect("the Service")["spec"]["selector"][SLOT].clone()
}

/// Deployment `name`'s replicas and image.
fn workload(fake: &FakeKube, name: &str) -> (i64, String) {
    let d = get(fake, "Deployment", name).unwrap_or_else(|| panic!("no Deployment {name}"));
    (
        d["spec"]["replicas"].as_i64().unwrap(),
        d["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

fn image(tag: &str) -> String {
    format!("ghcr.io/org/gateway:{tag}")
}

#[test]
fn slots_alternate_and_the_old_one_is_scaled_down_after_the_switch() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let (code, doc, out) = deploy(&fake, "v1", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        common::output(&out, "strategy").as_deref(),
        Some("blue-green")
    );
    assert_eq!(
        common::output(&out, "active-slot").as_deref(),
        Some("blue"),
        "{out}"
    );
    assert_eq!(selected(&fake, "gateway"), "blue");
    assert_eq!(selected(&fake, "gateway-preview"), "blue");
    assert_eq!(workload(&fake, "gateway-blue"), (3, image("v1")));
    assert!(
        get(&fake, "Deployment", "gateway").is_none(),
        "no unslotted copy"
    );
    assert_eq!(doc["metrics"]["blue_green"]["switched"], true, "{doc}");
    assert_eq!(doc["metrics"]["blue_green"]["previous"], Value::Null);

    let (code, doc, out) = deploy(&fake, "v2", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        common::output(&out, "active-slot").as_deref(),
        Some("green")
    );
    assert_eq!(selected(&fake, "gateway"), "green");
    assert_eq!(workload(&fake, "gateway-green"), (3, image("v2")));
    assert_eq!(
        workload(&fake, "gateway-blue"),
        (0, image("v1")),
        "scaled down"
    );
    let hpa = get(&fake, "HorizontalPodAutoscaler", "gateway").unwrap();
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "gateway-green");
    assert_eq!(doc["metrics"]["blue_green"]["previous"], "blue");
    assert_eq!(
        doc["metrics"]["blue_green"]["scaled_down"][0],
        "gateway-blue"
    );
    assert!(
        out.contains("### Blue-green") || out.contains("Blue-green"),
        "{out}"
    );
    assert!(
        out.contains("switched Service gateway to slot green"),
        "{out}"
    );
    // The selector of the other Service is not the deploy's to touch.
    assert_eq!(selected(&fake, "gateway-admin"), Value::Null);

    let (code, _, out) = deploy(&fake, "v3", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(selected(&fake, "gateway"), "blue");
    assert_eq!(workload(&fake, "gateway-blue"), (3, image("v3")));
    assert_eq!(workload(&fake, "gateway-green"), (0, image("v2")));
}

#[test]
fn a_new_slot_that_fails_its_rollout_is_never_switched_to() {
    let fake = FakeKube::start();
    let controller = fake.controller();
    controller.fail_image("gateway:crash", Failure::CrashLoopBackOff);
    let _c = controller.run_every(Duration::from_millis(20));
    let (code, _, out) = deploy(&fake, "v1", &[]);
    assert_eq!(code, 0, "{out}");
    let (code, doc, out) = deploy(&fake, "crash", &[]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        common::output(&out, "rolled-back").as_deref(),
        Some("true"),
        "{out}"
    );
    assert_eq!(
        common::output(&out, "active-slot").as_deref(),
        Some("blue"),
        "{out}"
    );
    assert!(out.contains("never switched"), "{out}");
    assert_eq!(selected(&fake, "gateway"), "blue");
    assert_eq!(workload(&fake, "gateway-blue"), (3, image("v1")));
    assert_eq!(
        workload(&fake, "gateway-green").0,
        0,
        "the bad slot scaled down"
    );
    assert_eq!(doc["metrics"]["blue_green"]["switched"], false, "{doc}");
    assert_eq!(doc["verdict"], "fail");
}

#[test]
fn a_failed_preview_health_check_never_switches() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let (code, _, out) = deploy(&fake, "v1", &[]);
    assert_eq!(code, 0, "{out}");
    let (bad, _h) = common::health_server(&[503]);
    let (code, doc, out) = deploy(
        &fake,
        "v2",
        &["--preview-health", &bad, "--health-attempts", "2"],
    );
    assert_eq!(code, 1, "{out}");
    let reason = common::output(&out, "reason").unwrap();
    assert!(reason.starts_with("preview health check"), "{reason}");
    assert_eq!(common::output(&out, "rolled-back").as_deref(), Some("true"));
    assert_eq!(common::output(&out, "active-slot").as_deref(), Some("blue"));
    assert_eq!(doc["metrics"]["blue_green"]["switched"], false, "{doc}");
    assert_eq!(selected(&fake, "gateway"), "blue", "never switched");
    assert_eq!(workload(&fake, "gateway-blue"), (3, image("v1")));
    assert_eq!(
        workload(&fake, "gateway-green").0,
        0,
        "the bad slot scaled down"
    );
    assert!(out.contains("503"), "the check's answer is shown: {out}");

    // A preview that answers lets the deploy switch.
    let (good, _g) = common::health_server(&[200]);
    let (code, _, out) = deploy(&fake, "v2", &["--preview-health", &good]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(selected(&fake, "gateway"), "green");
}

#[test]
fn a_failed_health_check_after_the_switch_switches_back() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let (code, _, out) = deploy(&fake, "v1", &[]);
    assert_eq!(code, 0, "{out}");
    let (bad, _h) = common::health_server(&[503]);
    let (code, doc, out) = deploy(&fake, "v2", &["--health", &bad, "--health-attempts", "2"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(common::output(&out, "rolled-back").as_deref(), Some("true"));
    assert_eq!(
        common::output(&out, "active-slot").as_deref(),
        Some("blue"),
        "{out}"
    );
    assert_eq!(doc["metrics"]["blue_green"]["switched"], true, "{doc}");
    assert_eq!(doc["metrics"]["blue_green"]["switched_back"], true, "{doc}");
    assert_eq!(selected(&fake, "gateway"), "blue", "switched back");
    assert_eq!(workload(&fake, "gateway-blue"), (3, image("v1")));
    assert_eq!(workload(&fake, "gateway-green").0, 0);
    let hpa = get(&fake, "HorizontalPodAutoscaler", "gateway").unwrap();
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "gateway-blue");
    assert!(
        !out.contains("s3cret"),
        "the check's query is not shown: {out}"
    );
}

#[test]
fn a_paused_deploy_is_promoted_later() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    assert_eq!(deploy(&fake, "v1", &[]).0, 0);
    let (code, doc, out) = deploy(&fake, "v2", &["--auto-promote", "false"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        common::output(&out, "paused").as_deref(),
        Some("true"),
        "{out}"
    );
    assert_eq!(common::output(&out, "active-slot").as_deref(), Some("blue"));
    assert!(out.contains("k8s-deploy promote"), "{out}");
    assert_eq!(doc["metrics"]["blue_green"]["paused"], true);
    assert_eq!(selected(&fake, "gateway"), "blue", "not switched yet");
    assert_eq!(selected(&fake, "gateway-preview"), "green");
    assert_eq!(workload(&fake, "gateway-green"), (3, image("v2")));

    let (code, doc, out) = bg(&fake, "promote", "v2", &["-n", "production"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        common::output(&out, "active-slot").as_deref(),
        Some("green"),
        "{out}"
    );
    assert_eq!(doc["metrics"]["blue_green"]["switched"], true);
    assert_eq!(selected(&fake, "gateway"), "green");
    assert_eq!(workload(&fake, "gateway-blue").0, 0);
    // Nothing is waiting any more.
    let (code, _, out) = bg(&fake, "promote", "v2", &["-n", "production"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no deploy waiting"), "{out}");
}

#[test]
fn a_paused_deploy_is_rejected() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    assert_eq!(deploy(&fake, "v1", &[]).0, 0);
    assert_eq!(deploy(&fake, "v2", &["--auto-promote", "false"]).0, 0);
    let (code, doc, out) = bg(&fake, "reject", "v2", &["-n", "production"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        common::output(&out, "rolled-back").as_deref(),
        Some("true"),
        "{out}"
    );
    assert_eq!(
        common::output(&out, "active-slot").as_deref(),
        Some("blue"),
        "{out}"
    );
    assert_eq!(
        doc["metrics"]["blue_green"]["scaled_down"][0],
        "gateway-green"
    );
    assert_eq!(selected(&fake, "gateway"), "blue");
    assert_eq!(workload(&fake, "gateway-green").0, 0);
    assert_eq!(workload(&fake, "gateway-blue"), (3, image("v1")));
}

#[test]
fn a_release_deployed_rolling_moves_to_blue_green() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let (code, _, out) = bg(&fake, "deploy", "v1", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(common::output(&out, "strategy").as_deref(), Some("rolling"));
    assert_eq!(workload(&fake, "gateway"), (3, image("v1")));
    let (code, _, out) = deploy(&fake, "v2", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(selected(&fake, "gateway"), "blue");
    assert_eq!(workload(&fake, "gateway-blue"), (3, image("v2")));
    assert_eq!(
        workload(&fake, "gateway"),
        (0, image("v1")),
        "the old one scaled down"
    );
}

/// A fast template (hand-written for these tests): the error rate and p95 latency of the
/// Service the deploy names, measured twice, 100 ms apart; p95 against the baseline.
const ANALYSIS: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: gateway-slo
spec:
  args:
    - name: service
    - name: namespace
  metrics:
    - name: error-rate
      interval: 100ms
      count: 2
      successCondition: result[0] < 0.05
      provider:
        prometheus:
          address: http://prometheus.monitoring.svc:9090
          query: errors{service="{{args.service}}",namespace="{{args.namespace}}"}
    - name: latency-p95
      interval: 100ms
      count: 2
      successCondition: result[0] <= 2 * baseline[0]
      provider:
        prometheus:
          address: http://prometheus.monitoring.svc:9090
          query: p95{service="{{args.service}}",namespace="{{args.namespace}}"}
"#;

/// Deploy `v2` blue-green over a `v1` with the analysis against `prom`.
fn analysed(fake: &FakeKube, prom: &FakePrometheus) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("analysis.yml");
    std::fs::write(&template, ANALYSIS).unwrap();
    assert_eq!(deploy(fake, "v1", &[]).0, 0);
    deploy(
        fake,
        "v2",
        &[
            "--analysis",
            template.to_str().unwrap(),
            "--prometheus-url",
            prom.url(),
        ],
    )
}

/// The live Service's series (the baseline, then after the switch) and the preview's.
fn script(prom: &FakePrometheus, live: (f64, &[Answer]), preview: (f64, Answer)) {
    prom.on_containing(
        r#"errors{service="gateway-preview""#,
        [Answer::value(preview.0)],
    );
    prom.on_containing(r#"p95{service="gateway-preview""#, [preview.1]);
    prom.on_containing(r#"errors{service="gateway""#, [Answer::value(live.0)]);
    prom.on_containing(r#"p95{service="gateway""#, live.1.to_vec());
}

/// `promote` runs the post-promotion analysis of a paused deploy and switches back when it
/// fails, as a deploy that switched by itself does.
#[test]
fn a_promote_whose_post_promotion_analysis_fails_switches_back() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    script(
        &prom,
        (
            0.01,
            &[Answer::value(0.2), Answer::value(0.2), Answer::value(0.5)],
        ),
        (0.01, Answer::value(0.25)),
    );
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("analysis.yml");
    std::fs::write(&template, ANALYSIS).unwrap();
    let analysis = [
        "--analysis",
        template.to_str().unwrap(),
        "--prometheus-url",
        prom.url(),
    ];
    assert_eq!(deploy(&fake, "v1", &[]).0, 0);
    let paused = [&analysis[..], &["--auto-promote", "false"]].concat();
    let (code, doc, out) = deploy(&fake, "v2", &paused);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["blue_green"]["paused"], true);
    assert_eq!(
        common::phases(&doc),
        ["baseline successful", "pre-promotion successful"]
    );
    let promote = [&["-n", "production"][..], &analysis[..]].concat();
    let (code, doc, out) = bg(&fake, "promote", "v2", &promote);
    assert_eq!(code, 1, "{out}");
    assert!(
        common::phases(&doc).contains(&"post-promotion failed".to_string()),
        "{doc}"
    );
    assert_eq!(doc["metrics"]["blue_green"]["switched_back"], true, "{doc}");
    assert_eq!(common::output(&out, "rolled-back").as_deref(), Some("true"));
    assert_eq!(selected(&fake, "gateway"), "blue", "switched back");
    assert_eq!(workload(&fake, "gateway-green").0, 0);
}

#[test]
fn analysis_before_and_after_the_switch_passes_against_the_baseline() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    // Baseline p95 0.2 s; the new slot at 0.25 s behind the preview, 0.3 s once live.
    script(
        &prom,
        (0.01, &[Answer::value(0.2), Answer::value(0.3)]),
        (0.01, Answer::value(0.25)),
    );
    let (code, doc, out) = analysed(&fake, &prom);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        common::phases(&doc),
        [
            "baseline successful",
            "pre-promotion successful",
            "post-promotion successful"
        ]
    );
    assert_eq!(selected(&fake, "gateway"), "green");
    assert!(out.contains("#### Analysis"), "{out}");
    assert!(
        out.contains(r#"p95{service="gateway-preview",namespace="production"}"#),
        "{out}"
    );
    let queries = prom.queries();
    assert!(
        queries.iter().any(|q| q.contains("gateway-preview")),
        "{queries:?}"
    );
}

#[test]
fn an_error_rate_over_five_percent_behind_the_preview_never_switches() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    script(
        &prom,
        (0.01, &[Answer::value(0.2)]),
        (0.12, Answer::value(0.2)),
    );
    let (code, doc, out) = analysed(&fake, &prom);
    assert_eq!(code, 1, "{out}");
    let reason = common::output(&out, "reason").unwrap();
    assert!(reason.contains("pre-promotion analysis failed"), "{reason}");
    assert!(reason.contains("error-rate"), "{reason}");
    assert_eq!(selected(&fake, "gateway"), "blue", "never switched");
    assert_eq!(workload(&fake, "gateway-green").0, 0);
    assert_eq!(doc["metrics"]["blue_green"]["switched"], false);
    assert_eq!(
        common::phases(&doc),
        ["baseline successful", "pre-promotion failed"]
    );
}

#[test]
fn a_p95_over_twice_the_baseline_after_the_switch_switches_back() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    script(
        &prom,
        (0.01, &[Answer::value(0.2), Answer::value(0.5)]),
        (0.01, Answer::value(0.25)),
    );
    let (code, doc, out) = analysed(&fake, &prom);
    assert_eq!(code, 1, "{out}");
    assert!(
        common::output(&out, "reason")
            .unwrap()
            .contains("post-promotion analysis failed"),
        "{out}"
    );
    assert_eq!(selected(&fake, "gateway"), "blue", "switched back");
    assert_eq!(doc["metrics"]["blue_green"]["switched_back"], true);
    assert_eq!(common::output(&out, "active-slot").as_deref(), Some("blue"));
    assert_eq!(workload(&fake, "gateway-green").0, 0);
    // The Service goes back to the live slot before the bad one is scaled down: the other way
    // round, it selected no pods in between.
    let steps: Vec<&str> = doc["metrics"]["blue_green"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let at = |what: &str| steps.iter().position(|s| s.starts_with(what)).unwrap();
    assert!(
        at("re-applied the known-good set") < at("scaled gateway-green down"),
        "{steps:?}"
    );
    let requests = fake.requests();
    let last = |what: &str| {
        requests
            .iter()
            .rposition(|r| r.method == "PATCH" && r.path.ends_with(what))
    };
    let paths: Vec<_> = requests.iter().map(|r| (&r.method, &r.path)).collect();
    assert!(
        last("/services/gateway") < last("/deployments/gateway-green"),
        "the selector went back after the scale-down: {paths:?}"
    );
}

#[test]
fn no_data_behind_the_preview_is_not_a_pass() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    prom.on_containing("gateway-preview", [Answer::Empty]);
    prom.on_containing(r#"service="gateway""#, [Answer::value(0.01)]);
    let (code, doc, out) = analysed(&fake, &prom);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("inconclusive"), "{out}");
    assert_eq!(selected(&fake, "gateway"), "blue");
    assert_eq!(doc["metrics"]["blue_green"]["switched"], false);
}

#[test]
fn a_rolling_deploy_whose_analysis_fails_rolls_back() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    prom.on_containing("errors", [Answer::value(0.2)]);
    prom.on_containing("p95", [Answer::value(0.2)]);
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("analysis.yml");
    std::fs::write(&template, ANALYSIS).unwrap();
    assert_eq!(bg(&fake, "deploy", "v1", &[]).0, 0);
    let (code, doc, out) = bg(
        &fake,
        "deploy",
        "v2",
        &[
            "--analysis",
            template.to_str().unwrap(),
            "--analysis-arg",
            "service=gateway",
            "--prometheus-url",
            prom.url(),
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        common::output(&out, "reason")
            .unwrap()
            .contains("post-deploy analysis failed"),
        "{out}"
    );
    assert_eq!(common::output(&out, "rolled-back").as_deref(), Some("true"));
    assert_eq!(workload(&fake, "gateway"), (3, image("v1")));
    assert_eq!(
        common::phases(&doc),
        ["baseline successful", "post-deploy failed"]
    );
}

#[test]
fn the_analysis_is_given_the_live_and_new_slots_pod_template_hashes() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    prom.on_containing("up{", [Answer::value(1.0)]);
    assert_eq!(deploy(&fake, "v1", &[]).0, 0);
    let dir = tempfile::tempdir().unwrap();
    let template = common::hash_template(dir.path());
    let (code, doc, out) = deploy(
        &fake,
        "v2",
        &["--analysis", &template, "--prometheus-url", prom.url()],
    );
    assert_eq!(code, 0, "{out}");
    let runs = doc["metrics"]["analysis"].as_array().unwrap();
    let phase = |p: &str| runs.iter().find(|r| r["phase"] == p).unwrap();
    let (stable, canary) = common::hash_args(phase("baseline"));
    assert_eq!(stable, canary, "the baseline measures the live slot");
    assert_eq!(
        common::replica_set_image(&fake, "gateway-blue", &stable),
        image("v1")
    );
    for p in ["pre-promotion", "post-promotion"] {
        let (stable, canary) = common::hash_args(phase(p));
        assert_eq!(
            common::replica_set_image(&fake, "gateway-blue", &stable),
            image("v1"),
            "{p}"
        );
        assert_eq!(
            common::replica_set_image(&fake, "gateway-green", &canary),
            image("v2"),
            "{p}"
        );
    }
}
