//! `k8s-deploy deploy` against the fake Kubernetes API server and its simulated controllers:
//! a rollout that completes, a crash loop that fails fast, a rollout that misses the deadline,
//! and a lint error that stops the deploy before anything is applied.

use crate::common;

use std::time::Duration;

use gates_testkit::k8s::{Failure, FakeKube};
use serde_json::Value;

fn deploy(fake: &FakeKube, args: &[&str]) -> (i32, Value, String) {
    common::against(fake, "deploy", args)
}

fn staging(image: &str) -> Vec<String> {
    vec![
        "fixtures/k8s/seeds/staging/".into(),
        "--image".into(),
        format!("medical-kg-rev/gateway={image}"),
    ]
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn a_rollout_that_completes_passes_with_every_object_applied() {
    let fake = FakeKube::start();
    let _controllers = fake.controller().run_every(Duration::from_millis(20));
    let args = staging("ghcr.io/org/gateway:abc123");
    let (code, doc, out) = deploy(&fake, &[&refs(&args)[..], &["--timeout", "60s"]].concat());
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["deploy"]["applied"], 3, "{doc}");
    assert_eq!(doc["metrics"]["deploy"]["ready"], 1, "{doc}");
    assert!(
        out.contains("Deployment staging/gateway: rolled out"),
        "{out}"
    );
    let (group, end) = (
        out.find("::group::k8s-deploy: rollouts")
            .unwrap_or_else(|| panic!("{out}")),
        out.find("::endgroup::").unwrap(),
    );
    let line = out.find("Deployment staging/gateway: rolled out").unwrap();
    assert!(
        group < line && line < end,
        "the progress is inside the group: {out}"
    );
    let live = fake
        .get("apps/v1", "Deployment", Some("staging"), "gateway")
        .unwrap();
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/org/gateway:abc123"
    );
    assert!(live["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["manager"] == "gates-k8s-deploy" && m["operation"] == "Apply"));
}

#[test]
fn a_crash_loop_fails_fast_naming_the_pod_and_its_reason() {
    let fake = FakeKube::start();
    let controller = fake.controller();
    controller.fail_image("gateway:bad", Failure::CrashLoopBackOff);
    let _controllers = controller.run_every(Duration::from_millis(20));
    let args = staging("ghcr.io/org/gateway:bad");
    let (code, doc, out) = deploy(&fake, &[&refs(&args)[..], &["--timeout", "120s"]].concat());
    assert_eq!(code, 1, "{out}");
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "k8s-deploy/rollout-failed")
        .unwrap_or_else(|| panic!("{doc}"));
    // The pod's state, not the deadline: it failed fast.
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("CrashLoopBackOff") && !message.contains("--timeout"),
        "{f}"
    );
    assert!(
        f["path"].as_str().unwrap().ends_with("deployment.yaml"),
        "{f}"
    );
    assert!(
        out.contains("rolled-back<<") && out.contains("false"),
        "{out}"
    );
}

#[test]
fn a_rollout_that_never_gets_ready_fails_at_the_deadline() {
    let fake = FakeKube::start();
    let controller = fake.controller();
    controller.fail_image("gateway:slow", Failure::NeverReady);
    // Slow simulated time, so the Deployment's own progress deadline is not what ends it.
    controller.set_step_seconds(1);
    let _controllers = controller.run_every(Duration::from_millis(20));
    let args = staging("ghcr.io/org/gateway:slow");
    let (code, doc, out) = deploy(&fake, &[&refs(&args)[..], &["--timeout", "3s"]].concat());
    assert_eq!(code, 1, "{out}");
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["message"]
                .as_str()
                .unwrap()
                .contains("not done within --timeout: ")),
        "{doc}"
    );
}

#[test]
fn a_lint_error_stops_the_deploy_before_anything_is_applied() {
    let fake = FakeKube::start();
    // Without --image the seed's image has no tag: a deny rule of the lint.
    let (code, doc, out) = deploy(&fake, &["fixtures/k8s/seeds/staging/"]);
    assert_eq!(code, 1, "{out}");
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "k8s-deploy/image-tag"));
    assert!(
        fake.get("v1", "Namespace", None, "staging").is_none(),
        "nothing applied"
    );
    assert!(
        fake.requests().iter().all(|r| !r.is_write()),
        "nothing asked of the server"
    );
}

/// A Lease named for the lock, held by `holder` since `renewed` for `seconds`.
fn lease(holder: &str, renewed: &str, seconds: i64) -> Value {
    serde_json::json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "gates-k8s-deploy", "namespace": "staging"},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": seconds,
                 "acquireTime": renewed, "renewTime": renewed}
    })
}

#[test]
fn a_deploy_holds_the_namespace_lock_and_a_second_one_waits_then_names_the_holder() {
    let fake = FakeKube::start();
    let _controllers = fake.controller().run_every(Duration::from_millis(20));
    let args = staging("ghcr.io/org/gateway:abc123");
    fake.put(serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "staging"}}));
    // Another run holds the lock, renewed just now for an hour.
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    fake.put(lease(
        "https://github.com/org/app/actions/runs/7",
        &now,
        3600,
    ));
    let (code, doc, out) = deploy(
        &fake,
        &[&refs(&args)[..], &["-n", "staging", "--lock-timeout", "2s"]].concat(),
    );
    assert_eq!(code, 2, "{out}");
    assert_eq!(doc["verdict"], "error");
    assert!(
        out.contains("is being deployed by https://github.com/org/app/actions/runs/7"),
        "{out}"
    );
    assert!(
        fake.get("apps/v1", "Deployment", Some("staging"), "gateway")
            .is_none(),
        "nothing applied without the lock"
    );
    // A lock whose holder went away (expired) is taken over; it is released after the deploy.
    fake.put(lease(
        "https://github.com/org/app/actions/runs/6",
        "2026-01-01T00:00:00.000000Z",
        60,
    ));
    let (code, _, out) = deploy(&fake, &[&refs(&args)[..], &["-n", "staging"]].concat());
    assert_eq!(code, 0, "{out}");
    assert!(common::staging_lock(&fake).is_none(), "released");
    let lease_writes = fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("/leases") && r.is_write())
        .count();
    assert!(lease_writes >= 2, "taken and released: {lease_writes}");
}
