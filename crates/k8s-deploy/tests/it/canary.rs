//! Canary deploys through the binary against the fake API server and the fake Prometheus:
//! the seeds' production manifests (their ingress-nginx Ingress carries the split) stepped
//! through 20/40/60/80 % with the analysis at each step, one aborted at step 2 on its error
//! rate, one without data, one whose canary never starts, and a Gateway API HTTPRoute split.
//! Each checks the outputs, the summary, the result file and that the cluster is as the
//! summary says.

use crate::common;

use std::time::Duration;

use gates_testkit::k8s::{Failure, FakeKube};
use gates_testkit::prometheus::{Answer, FakePrometheus};
use serde_json::{json, Value};

const TRACK: &str = "gates.dev/track";

/// Deploy the seeds' production manifests with the gateway at `image`, as a canary with no
/// pause between steps, and `extra` flags.
fn deploy(fake: &FakeKube, image: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut flags = vec!["--strategy", "canary", "--pause", "0s"];
    flags.extend_from_slice(extra);
    deploy_as(fake, image, &flags)
}

/// The seeds' production manifests with the gateway at `image`, with `flags` (a rolling
/// deploy without any).
fn deploy_as(fake: &FakeKube, image: &str, flags: &[&str]) -> (i32, Value, String) {
    let gateway = format!("medical-kg-rev/gateway=ghcr.io/org/gateway:{image}");
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
    ]);
    args.extend_from_slice(flags);
    common::against(fake, "deploy", &args)
}

fn get(fake: &FakeKube, api: &str, kind: &str, name: &str) -> Option<Value> {
    fake.get(api, kind, Some("production"), name)
}

/// Deployment `name`'s replicas, image and pod track.
fn workload(fake: &FakeKube, name: &str) -> (i64, String, Value) {
    let d =
        get(fake, "apps/v1", "Deployment", name).unwrap_or_else(|| panic!("no Deployment {name}"));
    (
        d["spec"]["replicas"].as_i64().unwrap(),
        d["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .to_string(),
        d["spec"]["template"]["metadata"]["labels"][TRACK].clone(),
    )
}

fn image(tag: &str) -> String {
    format!("ghcr.io/org/gateway:{tag}")
}

/// The weights the deploy set on the canary Ingress, in order (dry runs left out).
fn weights_sent(fake: &FakeKube) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|r| {
            r.is_write() && !r.is_dry_run() && r.path.ends_with("/ingresses/gateway-canary")
        })
        .filter_map(|r| {
            r.body.as_ref()?["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"]
                .as_str()
                .map(str::to_string)
        })
        .collect()
}

/// A fast template (hand-written for these tests): the error rate and p95 latency of the
/// Service the deploy names, measured twice, 50 ms apart; p95 against the baseline.
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
      interval: 50ms
      count: 2
      successCondition: result[0] < 0.05
      provider:
        prometheus:
          query: errors{service="{{args.service}}",namespace="{{args.namespace}}"}
    - name: latency-p95
      interval: 50ms
      count: 2
      successCondition: result[0] <= 2 * baseline[0]
      provider:
        prometheus:
          query: p95{service="{{args.service}}",namespace="{{args.namespace}}"}
"#;

/// The stable Service's series (the baseline) and the canary's error rates over time.
fn script(prom: &FakePrometheus, canary_errors: Vec<Answer>) {
    prom.on_containing(r#"errors{service="gateway-canary""#, canary_errors);
    prom.on_containing(r#"p95{service="gateway-canary""#, [Answer::value(0.25)]);
    prom.on_containing(r#"errors{service="gateway""#, [Answer::value(0.01)]);
    prom.on_containing(r#"p95{service="gateway""#, [Answer::value(0.2)]);
}

/// `v1` deployed (the first canary deploy, which establishes the stable track), then `v2` as
/// a canary with the analysis against `prom`.
fn analysed(fake: &FakeKube, prom: &FakePrometheus) -> (i32, Value, String) {
    analysed_with(fake, prom, &[])
}

/// [`analysed`] with more flags for the second deploy.
fn analysed_with(fake: &FakeKube, prom: &FakePrometheus, more: &[&str]) -> (i32, Value, String) {
    let (code, doc, out) = deploy(fake, "v1", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["canary"]["established"], true, "{doc}");
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("analysis.yml");
    std::fs::write(&template, ANALYSIS).unwrap();
    let mut flags = vec![
        "--analysis",
        template.to_str().unwrap(),
        "--prometheus-url",
        prom.url(),
    ];
    flags.extend_from_slice(more);
    deploy(fake, "v2", &flags)
}

#[test]
fn a_canary_passes_every_step_and_the_stable_track_takes_the_new_version() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    script(&prom, vec![Answer::value(0.01)]);
    let (code, doc, out) = analysed(&fake, &prom);
    assert_eq!(code, 0, "{out}");
    assert_eq!(common::output(&out, "strategy").as_deref(), Some("canary"));
    assert_eq!(common::output(&out, "step").as_deref(), Some("4"), "{out}");
    assert_eq!(
        common::output(&out, "rolled-back").as_deref(),
        Some("false")
    );
    let c = &doc["metrics"]["canary"];
    assert_eq!(c["promoted"], true, "{doc}");
    assert_eq!(c["weights"], json!([20, 40, 60, 80]));
    assert_eq!(c["scaled_down"], json!(["gateway-canary"]));
    assert_eq!(
        common::phases(&doc),
        [
            "baseline successful",
            "canary step 1/4 (20%) successful",
            "canary step 2/4 (40%) successful",
            "canary step 3/4 (60%) successful",
            "canary step 4/4 (80%) successful",
        ]
    );
    // The canary's replicas followed the weight (of 3 stable): 1, 2, 2, 3.
    assert!(
        out.contains(
            "step 2/4 (40%): 40% of the traffic to gateway-canary (gateway-canary at 2 replica(s))"
        ),
        "{out}"
    );
    assert_eq!(weights_sent(&fake), ["20", "40", "60", "80", "0"]);
    assert!(out.contains("#### Canary"), "{out}");
    assert!(out.contains("ingress-nginx canary Ingress"), "{out}");
    // The cluster as the summary says: the stable track on v2, the canary scaled to zero, no
    // traffic to it.
    assert_eq!(
        workload(&fake, "gateway"),
        (3, image("v2"), json!("stable"))
    );
    assert_eq!(
        workload(&fake, "gateway-canary"),
        (0, image("v2"), json!("canary"))
    );
    let ingress = get(&fake, "networking.k8s.io/v1", "Ingress", "gateway-canary").unwrap();
    assert_eq!(
        ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"],
        "0"
    );
    let service = get(&fake, "v1", "Service", "gateway").unwrap();
    assert_eq!(service["spec"]["selector"][TRACK], "stable");
    let canary = get(&fake, "v1", "Service", "gateway-canary").unwrap();
    assert_eq!(canary["spec"]["selector"][TRACK], "canary");
    assert!(
        prom.queries()
            .iter()
            .any(|q| q.contains(r#"errors{service="gateway-canary",namespace="production"}"#)),
        "the steps measure the canary's Service"
    );
}

#[test]
fn a_canary_over_five_percent_errors_at_step_two_is_aborted_and_the_stable_track_untouched() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    // Two good measurements at step 1, then 12 % errors.
    script(
        &prom,
        vec![
            Answer::value(0.01),
            Answer::value(0.01),
            Answer::value(0.12),
        ],
    );
    let (code, doc, out) = analysed(&fake, &prom);
    assert_eq!(code, 1, "{out}");
    assert_eq!(common::output(&out, "step").as_deref(), Some("2"), "{out}");
    assert_eq!(common::output(&out, "rolled-back").as_deref(), Some("true"));
    let reason = common::output(&out, "reason").unwrap();
    assert!(reason.starts_with("canary step 2/4 (40%)"), "{reason}");
    assert!(reason.contains("error-rate"), "{reason}");
    assert!(
        reason.contains("0.12"),
        "the measurement that failed: {reason}"
    );
    let c = &doc["metrics"]["canary"];
    assert_eq!(c["aborted"], true, "{doc}");
    assert_eq!(c["promoted"], false);
    assert_eq!(c["step"], 2);
    assert_eq!(c["weight"], 40);
    assert_eq!(
        common::phases(&doc),
        [
            "baseline successful",
            "canary step 1/4 (20%) successful",
            "canary step 2/4 (40%) failed",
        ]
    );
    assert_eq!(weights_sent(&fake), ["20", "40", "0"]);
    assert_eq!(doc["verdict"], "fail");
    assert_eq!(
        workload(&fake, "gateway"),
        (3, image("v1"), json!("stable"))
    );
    assert_eq!(workload(&fake, "gateway-canary").0, 0, "scaled down");
    let ingress = get(&fake, "networking.k8s.io/v1", "Ingress", "gateway-canary").unwrap();
    assert_eq!(
        ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"],
        "0"
    );
    assert!(out.contains("the weight is back to 0%"), "{out}");
}

/// The template's docs once showed `--analysis-arg service=gateway` with `strategy: canary`:
/// the user's value won, every step measured the stable Service, and a bad canary passed.
#[test]
fn a_service_arg_given_for_the_release_does_not_turn_the_steps_to_the_stable_pods() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    script(&prom, vec![Answer::value(0.12)]);
    let (code, doc, out) = analysed_with(&fake, &prom, &["--analysis-arg", "service=gateway"]);
    assert_eq!(code, 1, "{out}");
    let reason = common::output(&out, "reason").unwrap();
    assert!(reason.starts_with("canary step 1/4 (20%)"), "{reason}");
    assert!(reason.contains("0.12"), "the canary's series: {reason}");
    assert_eq!(doc["metrics"]["canary"]["promoted"], false);
    assert_eq!(workload(&fake, "gateway-canary").0, 0, "scaled down");
}

/// A `service` that is none of the routed Services cannot be measured at a step (the deploy
/// measures its own copy of one): refused before anything changes.
#[test]
fn a_service_arg_naming_no_routed_service_is_refused() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    script(&prom, vec![Answer::value(0.01)]);
    let (code, _, out) = analysed_with(&fake, &prom, &["--analysis-arg", "service=payments"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("service=payments names none of the Services this deploy routes (gateway)"),
        "{out}"
    );
    assert_eq!(
        workload(&fake, "gateway"),
        (3, image("v1"), json!("stable")),
        "untouched"
    );
    assert!(get(&fake, "apps/v1", "Deployment", "gateway-canary").is_none());
}

/// A release deployed rolling until now switched to `strategy: canary`: its first canary
/// deploy once rolled the new version straight out, with no step to stop a bad one.
#[test]
fn a_release_deployed_rolling_goes_through_the_steps_on_its_first_canary_deploy() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    script(&prom, vec![Answer::value(0.12)]);
    let (code, _, out) = deploy_as(&fake, "v1", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(workload(&fake, "gateway").2, Value::Null, "no track yet");
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("analysis.yml");
    std::fs::write(&template, ANALYSIS).unwrap();
    fake.clear_requests();
    let (code, doc, out) = deploy(
        &fake,
        "v2",
        &[
            "--analysis",
            template.to_str().unwrap(),
            "--prometheus-url",
            prom.url(),
        ],
    );
    assert_eq!(code, 1, "{out}");
    let c = &doc["metrics"]["canary"];
    assert_eq!(c["established"], false, "{doc}");
    assert_eq!(c["aborted"], true, "{doc}");
    assert_eq!(c["step"], 1);
    assert!(
        c["steps"][0]
            .as_str()
            .unwrap()
            .contains("runs without tracks: its running version labelled"),
        "{c}"
    );
    assert_eq!(
        workload(&fake, "gateway"),
        (3, image("v1"), json!("stable")),
        "the running version, labelled"
    );
    assert_eq!(workload(&fake, "gateway-canary").0, 0, "scaled down");
    // The labelling applies the running Deployments and nothing of the new version: the
    // release's first write is the stable Deployment, as it ran.
    let writes: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.is_write() && !r.is_dry_run())
        .filter(|r| !r.path.contains("/leases") && !r.path.contains("/secrets"))
        .map(|r| r.path)
        .collect();
    assert!(writes[0].ends_with("/deployments/gateway"), "{writes:?}");
    assert!(
        common::phases(&doc)[0] == "baseline successful",
        "the baseline is measured before the restart: {doc}"
    );
}

#[test]
fn a_canary_without_data_is_not_promoted() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let prom = FakePrometheus::start();
    script(&prom, vec![Answer::Empty]);
    let (code, doc, out) = analysed(&fake, &prom);
    assert_eq!(code, 1, "{out}");
    let reason = common::output(&out, "reason").unwrap();
    assert!(reason.starts_with("canary step 1/4 (20%)"), "{reason}");
    assert!(reason.contains("inconclusive"), "{reason}");
    assert_eq!(doc["metrics"]["canary"]["step"], 1);
    assert_eq!(
        workload(&fake, "gateway"),
        (3, image("v1"), json!("stable"))
    );
    assert_eq!(workload(&fake, "gateway-canary").0, 0);
}

#[test]
fn a_canary_that_never_starts_is_aborted_before_any_traffic() {
    let fake = FakeKube::start();
    let controller = fake.controller();
    controller.fail_image("gateway:crash", Failure::CrashLoopBackOff);
    let _c = controller.run_every(Duration::from_millis(20));
    assert_eq!(deploy(&fake, "v1", &[]).0, 0);
    let (code, doc, out) = deploy(&fake, "crash", &[]);
    assert_eq!(code, 1, "{out}");
    let reason = common::output(&out, "reason").unwrap();
    assert!(
        reason.starts_with("canary step 1/4 (20%): Deployment production/gateway-canary"),
        "{reason}"
    );
    assert_eq!(weights_sent(&fake), ["0"], "no traffic ever went to it");
    assert_eq!(doc["metrics"]["canary"]["aborted"], true);
    assert_eq!(
        workload(&fake, "gateway"),
        (3, image("v1"), json!("stable"))
    );
    assert_eq!(workload(&fake, "gateway-canary").0, 0);
}

#[test]
fn manifests_without_a_router_cannot_run_a_canary() {
    let fake = FakeKube::start();
    let (code, doc, out) = common::against(
        &fake,
        "deploy",
        &[
            "fixtures/k8s/seeds/staging/deployment.yaml",
            "--image",
            "medical-kg-rev/gateway=ghcr.io/org/gateway:v1",
            "--strategy",
            "canary",
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert_eq!(doc["verdict"], "error");
    assert!(out.contains("nothing to split the traffic with"), "{out}");
}

/// A minimal HTTPRoute CRD (hand-written: the fake does not validate custom resources
/// against their schema, so only the names and scope matter).
const HTTPROUTE_CRD: &str = "fixtures/k8s/crds/httproutes.hand-written.yaml";

#[test]
fn an_httproute_splits_the_traffic_by_backend_weights() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let route = dir.path().join("route.yaml");
    std::fs::write(
        &route,
        "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: gateway
  namespace: production
spec:
  parentRefs: [{name: public, namespace: infra}]
  hostnames: [api.example.com]
  rules:
    - backendRefs: [{name: gateway, port: 80}]
",
    )
    .unwrap();
    let route = route.to_str().unwrap();
    let run = |tag: &str| deploy(&fake, tag, &[HTTPROUTE_CRD, route, "--steps", "50"]);
    let (code, _, out) = run("v1");
    assert_eq!(code, 0, "{out}");
    let (code, doc, out) = run("v2");
    assert_eq!(code, 0, "{out}");
    assert_eq!(common::output(&out, "step").as_deref(), Some("1"));
    assert!(
        out.contains("Gateway API HTTPRoute backend weights"),
        "{out}"
    );
    let sent: Vec<Value> = fake
        .requests()
        .iter()
        .filter(|r| r.is_write() && !r.is_dry_run() && r.path.ends_with("/httproutes/gateway"))
        .filter_map(|r| {
            r.body
                .as_ref()
                .map(|b| b["spec"]["rules"][0]["backendRefs"].clone())
        })
        .collect();
    let split = |stable: u64, canary: u64| {
        json!([
            {"name": "gateway", "port": 80, "weight": stable},
            {"name": "gateway-canary", "port": 80, "weight": canary}
        ])
    };
    // The first deploy applied the route as written; the canary then 50 %, then 0.
    assert_eq!(sent[0], json!([{"name": "gateway", "port": 80}]));
    assert_eq!(sent[1..], [split(50, 50), split(100, 0)], "{sent:?}");
    let live = get(
        &fake,
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        "gateway",
    )
    .unwrap();
    assert_eq!(live["spec"]["rules"][0]["backendRefs"], split(100, 0));
    assert_eq!(doc["metrics"]["canary"]["promoted"], true);
    assert_eq!(
        workload(&fake, "gateway"),
        (3, image("v2"), json!("stable"))
    );
}

#[test]
fn the_analysis_is_given_the_stable_and_canary_pod_template_hashes() {
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
    let (stable, canary) = common::hash_args(&runs[0]);
    assert_eq!(runs[0]["phase"], "baseline");
    assert_eq!(stable, canary, "the baseline measures the stable pods");
    assert_eq!(
        common::replica_set_image(&fake, "gateway", &stable),
        image("v1")
    );
    let (stable, canary) = common::hash_args(&runs[1]);
    assert!(runs[1]["phase"]
        .as_str()
        .unwrap()
        .starts_with("canary step 1/4"));
    assert_eq!(
        common::replica_set_image(&fake, "gateway", &stable),
        image("v1")
    );
    assert_eq!(
        common::replica_set_image(&fake, "gateway-canary", &canary),
        image("v2")
    );
}
