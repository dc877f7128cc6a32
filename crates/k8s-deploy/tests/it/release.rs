//! A release's life through the binary against the fake API server and its controllers: first
//! deploy, update, crash loop and image pull error rolled back to the known-good set, a first
//! deploy that fails with nothing to roll back to, prune, health checks, `rollback` on demand,
//! throttling and server errors ridden out, watches that expire, CRDs with their resources,
//! and cancellation.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use gates_testkit::k8s::{Failure, FakeKube, Fault};
use serde_json::Value;

fn gate(fake: &FakeKube, command: &str, args: &[&str]) -> (i32, Value, String) {
    common::against(fake, command, args)
}

const SEEDS: &str = "fixtures/k8s/seeds/staging/";

/// `deploy` of the staging seeds with `image` and `extra` flags.
fn deploy(fake: &FakeKube, image: &str, extra: &[&str]) -> (i32, Value, String) {
    let image = format!("medical-kg-rev/gateway=ghcr.io/org/gateway:{image}");
    let args = [&[SEEDS, "--image", &image, "--timeout", "60s"][..], extra].concat();
    gate(fake, "deploy", &args)
}

fn live_image(fake: &FakeKube) -> Value {
    fake.get("apps/v1", "Deployment", Some("staging"), "gateway")
        .unwrap()["spec"]["template"]["spec"]["containers"][0]["image"]
        .clone()
}

#[test]
fn first_deploy_then_update_records_the_known_good_set_in_the_inventory() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let (code, doc, out) = deploy(&fake, "v1", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["plan"]["created"], 3, "{doc}");
    let inventory = fake
        .get("v1", "Secret", Some("staging"), "k8s-deploy.default")
        .expect("the inventory Secret in the manifests' namespace");
    assert_eq!(inventory["type"], "gates.dev/k8s-deploy-inventory");
    let (code, doc, out) = deploy(&fake, "v2", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["plan"]["updated"], 1, "{doc}");
    assert_eq!(doc["metrics"]["plan"]["unchanged"], 2, "{doc}");
    assert_eq!(
        common::output(&out, "rolled-back").as_deref(),
        Some("false")
    );
    assert_eq!(live_image(&fake), "ghcr.io/org/gateway:v2");
    // The kubeconfig's token is masked in the job's log before anything could print it.
    let mask = out
        .find("::add-mask::fake-token")
        .expect("the token masked");
    assert!(mask < out.find("::group::").unwrap(), "{out}");
}

#[test]
fn a_crash_loop_or_an_image_pull_error_rolls_back_to_the_known_good_set() {
    for (image, failure, said) in [
        ("crash", Failure::CrashLoopBackOff, "CrashLoopBackOff"),
        ("nopull", Failure::ImagePull, "ImagePull"),
    ] {
        let fake = FakeKube::start();
        let controller = fake.controller();
        controller.fail_image(&format!("gateway:{image}"), failure);
        let _c = controller.run_every(Duration::from_millis(20));
        let (code, _, out) = deploy(&fake, "good", &[]);
        assert_eq!(code, 0, "{out}");
        let (code, doc, out) = deploy(&fake, image, &[]);
        assert_eq!(code, 1, "{image}: {out}");
        assert_eq!(
            common::output(&out, "rolled-back").as_deref(),
            Some("true"),
            "{out}"
        );
        let reason = common::output(&out, "reason").unwrap();
        assert!(
            reason.contains("Deployment staging/gateway") && reason.contains(said),
            "{reason}"
        );
        assert_eq!(doc["metrics"]["deploy"]["rolled_back"], true, "{doc}");
        assert_eq!(doc["metrics"]["deploy"]["rollback_ready"], true, "{doc}");
        assert_eq!(live_image(&fake), "ghcr.io/org/gateway:good", "{image}");
        assert!(out.contains("#### Rollback"), "{out}");
        assert!(out.contains("<summary>Failed pods</summary>"), "{out}");
        assert!(out.contains("events:\n"), "the failed pod's events: {out}");
    }
}

#[test]
fn a_first_deploy_that_fails_says_there_is_nothing_to_roll_back_to() {
    let fake = FakeKube::start();
    let controller = fake.controller();
    controller.fail_image("gateway:crash", Failure::CrashLoopBackOff);
    let _c = controller.run_every(Duration::from_millis(20));
    let (code, _, out) = deploy(&fake, "crash", &[]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        common::output(&out, "rolled-back").as_deref(),
        Some("false")
    );
    assert!(out.contains("no known-good set"), "{out}");
    assert_eq!(
        live_image(&fake),
        "ghcr.io/org/gateway:crash",
        "left as applied"
    );
    // And `rollback` on demand has nothing to go back to either.
    let (code, doc, out) = gate(&fake, "rollback", &["-n", "staging"]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(doc["verdict"], "error");
    assert!(out.contains("has no known-good set"), "{out}");
}

#[test]
fn rollback_on_demand_re_applies_the_known_good_set() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    assert_eq!(deploy(&fake, "v1", &[]).0, 0);
    // Someone changed the image by hand (another manager): the known-good set wins it back.
    let mut live = fake
        .get("apps/v1", "Deployment", Some("staging"), "gateway")
        .unwrap();
    live["spec"]["template"]["spec"]["containers"][0]["image"] =
        "ghcr.io/org/gateway:manual".into();
    fake.put(live);
    let (code, doc, out) = gate(&fake, "rollback", &["-n", "staging", "--force-conflicts"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(common::output(&out, "rolled-back").as_deref(), Some("true"));
    assert!(
        doc["title"].as_str().unwrap().starts_with("k8s rollback"),
        "{doc}"
    );
    assert_eq!(live_image(&fake), "ghcr.io/org/gateway:v1");
}

#[test]
fn a_field_another_manager_owns_stops_the_deploy_before_anything_is_applied() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    assert_eq!(deploy(&fake, "v1", &[]).0, 0);
    // `kubectl scale` took the replicas.
    let mut live = fake
        .get("apps/v1", "Deployment", Some("staging"), "gateway")
        .unwrap();
    live["spec"]["replicas"] = 4.into();
    for m in live["metadata"]["managedFields"].as_array_mut().unwrap() {
        if let Some(spec) = m["fieldsV1"]["f:spec"].as_object_mut() {
            spec.remove("f:replicas");
        }
    }
    live["metadata"]["managedFields"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "manager": "kubectl-scale", "operation": "Update", "apiVersion": "apps/v1",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}
        }));
    fake.put(live);
    fake.clear_requests();
    let (code, doc, out) = deploy(&fake, "v2", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "k8s-deploy/field-conflict"
            && f["message"].as_str().unwrap().contains("kubectl-scale")));
    assert!(out.contains("nothing was applied"), "{out}");
    assert!(fake
        .requests()
        .iter()
        .all(|r| !r.is_write() || r.is_dry_run()));
    assert_eq!(live_image(&fake), "ghcr.io/org/gateway:v1");
}

#[test]
fn the_seeds_production_manifests_deploy_end_to_end() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let (code, doc, out) = gate(
        &fake,
        "deploy",
        &[
            "fixtures/k8s/seeds/production/",
            "--image",
            "medical-kg-rev/gateway=ghcr.io/org/gateway:abc123",
            "--image",
            "prom/statsd-exporter=prom/statsd-exporter:v0.28.0",
            "--var",
            "REPLICAS=3",
            "--var",
            "ENVIRONMENT=production",
            "--var",
            "LOG_LEVEL=info",
            "--timeout",
            "60s",
        ],
    );
    assert_eq!(code, 0, "warnings only: {out}");
    assert_eq!(doc["verdict"], "warn");
    assert_eq!(doc["metrics"]["deploy"]["applied"], 6, "{doc}");
    assert_eq!(doc["metrics"]["deploy"]["ready"], 1, "{doc}");
    let hpa = fake
        .get(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            Some("production"),
            "gateway",
        )
        .expect("the HPA applied");
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "gateway");
    assert!(fake
        .get("v1", "Secret", Some("production"), "k8s-deploy.default")
        .is_some());
}

/// `yaml` as a manifest file of its own; the directory lives as long as the first value.
fn manifest_file(yaml: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("extra.yaml");
    std::fs::write(&path, yaml).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

#[test]
fn prune_deletes_only_what_the_release_applied_and_dropped() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let (_dir, extra) = manifest_file(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old-settings, namespace: staging}\ndata: {a: b}\n",
    );
    let extra = extra.as_str();
    let image = "medical-kg-rev/gateway=ghcr.io/org/gateway:v1";
    let (code, _, out) = gate(&fake, "deploy", &[SEEDS, extra, "--image", image]);
    assert_eq!(code, 0, "{out}");
    // Not the release's: never pruned.
    fake.put(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "someone-elses", "namespace": "staging"}}));
    // Without --prune the dropped ConfigMap stays.
    let (code, _, out) = gate(&fake, "deploy", &[SEEDS, "--image", image]);
    assert_eq!(code, 0, "{out}");
    assert!(fake
        .get("v1", "ConfigMap", Some("staging"), "old-settings")
        .is_some());
    // The plan lists what --prune would delete.
    let (code, doc, out) = gate(&fake, "plan", &[SEEDS, "--image", image, "--prune"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["plan"]["pruned"], 1, "{doc}");
    assert!(
        out.contains("| prune | ConfigMap | `staging/old-settings` |"),
        "{out}"
    );
    let (code, doc, out) = gate(&fake, "deploy", &[SEEDS, "--image", image, "--prune"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        common::output(&out, "pruned").as_deref(),
        Some("1"),
        "{out}"
    );
    assert_eq!(doc["metrics"]["deploy"]["pruned"], 1);
    assert!(fake
        .get("v1", "ConfigMap", Some("staging"), "old-settings")
        .is_none());
    assert!(fake
        .get("v1", "ConfigMap", Some("staging"), "someone-elses")
        .is_some());
}

#[test]
fn prune_keeps_namespaces_and_what_another_manager_took_over() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let (_dir, extra) = manifest_file(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: scratch}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: staging}\ndata: {a: b}\n",
    );
    let image = "medical-kg-rev/gateway=ghcr.io/org/gateway:v1";
    let with_extra = [SEEDS, extra.as_str(), "--image", image, "-n", "staging"];
    let (code, _, out) = gate(&fake, "deploy", &with_extra);
    assert_eq!(code, 0, "{out}");
    // Another team's pipeline took the ConfigMap over.
    let mut shared = fake
        .get("v1", "ConfigMap", Some("staging"), "shared")
        .unwrap();
    shared["metadata"]["managedFields"] = serde_json::json!([{
        "manager": "other-pipeline", "operation": "Apply", "apiVersion": "v1",
        "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}
    }]);
    fake.put(shared);
    let without = [SEEDS, "--image", image, "-n", "staging", "--prune"];
    let (code, doc, out) = gate(&fake, "deploy", &without);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["deploy"]["pruned"], 0, "{doc}");
    assert!(
        fake.get("v1", "Namespace", None, "scratch").is_some(),
        "a Namespace is never pruned"
    );
    assert!(fake
        .get("v1", "ConfigMap", Some("staging"), "shared")
        .is_some());
    assert!(
        out.contains("not pruned: Namespace scratch: a Namespace is never pruned"),
        "{out}"
    );
    assert!(
        out.contains("not pruned: ConfigMap staging/shared: gates-k8s-deploy no longer manages it"),
        "{out}"
    );
}

#[test]
fn a_health_url_that_is_not_one_stops_before_anything_is_applied() {
    let fake = FakeKube::start();
    let (code, doc, out) = deploy(&fake, "v1", &["--health", "api.example.com/health"]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(doc["verdict"], "error");
    assert!(out.contains("--health"), "{out}");
    assert!(fake.requests().is_empty(), "nothing asked of the server");
}

#[test]
fn an_apply_that_fails_halfway_leaves_every_object_in_the_inventory() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    // The Ingress (applied last) meets a server that keeps failing.
    fake.fault(Fault::new(
        "PATCH",
        "/apis/networking.k8s.io/v1/namespaces/staging/ingresses",
        500,
        100,
    ));
    let (code, _, out) = deploy(&fake, "v1", &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("applying Ingress staging/gateway"), "{out}");
    let secret = fake
        .get("v1", "Secret", Some("staging"), "k8s-deploy.default")
        .expect("the inventory was written before the apply");
    let secret: k8s_openapi::api::core::v1::Secret = serde_json::from_value(secret).unwrap();
    let gz = &secret.data.unwrap()["inventory.json.gz"].0;
    let mut json = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut json).unwrap();
    let inv: Value = serde_json::from_str(&json).unwrap();
    let kinds: Vec<&str> = inv["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"Ingress") && kinds.contains(&"Deployment"),
        "{inv}"
    );
    assert!(inv["known_good"].is_null(), "{inv}");
}

#[test]
fn health_checks_retry_then_pass_or_roll_back() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let (ok, _h) = common::health_server(&[503, 503, 200]);
    let (code, doc, out) = deploy(&fake, "v1", &["--health", &ok]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["deploy"]["health_passed"], 1, "{doc}");
    assert!(out.contains("| 3 |"), "three attempts: {out}");
    assert!(
        !out.contains("s3cret"),
        "the URL's query never shows: {out}"
    );
    let (bad, _h) = common::health_server(&[503]);
    let (code, doc, out) = deploy(&fake, "v2", &["--health", &bad, "--health-attempts", "2"]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("s3cret"), "{out}");
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "k8s-deploy/health-check-failed")
        .unwrap_or_else(|| panic!("{doc}"));
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("HTTP 503 after 2 attempt(s)"),
        "{f}"
    );
    assert_eq!(common::output(&out, "rolled-back").as_deref(), Some("true"));
    assert_eq!(live_image(&fake), "ghcr.io/org/gateway:v1");
}

#[test]
fn throttling_and_server_errors_are_ridden_out() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    fake.fault(
        Fault::new(
            "PATCH",
            "/apis/apps/v1/namespaces/staging/deployments",
            429,
            2,
        )
        .retry_after(1),
    );
    fake.fault(Fault::new(
        "GET",
        "/api/v1/namespaces/staging/secrets",
        500,
        1,
    ));
    let (code, _, out) = deploy(&fake, "v1", &[]);
    assert_eq!(code, 0, "{out}");
    let patches: Vec<bool> = fake
        .requests()
        .iter()
        .filter(|r| {
            r.method == "PATCH"
                && r.path
                    .starts_with("/apis/apps/v1/namespaces/staging/deployments/")
        })
        .map(|r| r.is_dry_run())
        .collect();
    // The namespace is new, so the plan could not dry-run the Deployment: the apply was
    // throttled twice, then went through.
    assert_eq!(patches, [false, false, false]);
    assert_eq!(live_image(&fake), "ghcr.io/org/gateway:v1");
}

#[test]
fn a_refused_request_is_an_error_not_a_wait() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    fake.deny("list", "pods");
    let (code, doc, out) = deploy(&fake, "v1", &[]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(doc["verdict"], "error");
    assert!(out.contains("403"), "{out}");
}

#[test]
fn a_watch_the_server_expires_is_listed_again() {
    let fake = FakeKube::start();
    let controller = fake.controller();
    // Slow simulated time: the rollout is still going when the watches expire.
    controller.set_step_seconds(1);
    let _c = controller.run_every(Duration::from_millis(100));
    let (code, _, out) = std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..5 {
                std::thread::sleep(Duration::from_millis(300));
                fake.expire_watches();
            }
        });
        deploy(&fake, "v1", &[])
    });
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Deployment staging/gateway: rolled out"),
        "{out}"
    );
}

#[test]
fn a_crd_and_its_resources_deploy_together() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("crd.yaml"),
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: default}
spec: {size: 3}
",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    let (code, doc, out) = gate(&fake, "plan", &[&path]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["plan"]["created"], 2, "{doc}");
    let (code, _, out) = gate(&fake, "deploy", &[&path]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        fake.get("example.com/v1", "Widget", Some("default"), "w")
            .unwrap()["spec"]["size"],
        3
    );
}

#[test]
#[cfg(unix)]
fn a_cancelled_deploy_stops_waiting_releases_the_lock_and_says_so() {
    let fake = FakeKube::start();
    let controller = fake.controller();
    controller.fail_image("gateway:slow", Failure::NeverReady);
    controller.set_step_seconds(1);
    let _c = controller.run_every(Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = fake.kubeconfig(dir.path());
    let result = dir.path().join("r.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_k8s-deploy"))
        .current_dir(gates_testkit::cmd::workspace_root())
        .args([
            "deploy",
            SEEDS,
            "--image",
            "medical-kg-rev/gateway=ghcr.io/org/gateway:slow",
        ])
        .args(["--timeout", "10m", "--result", result.to_str().unwrap()])
        .env_clear()
        .env("KUBECONFIG", &kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("waiting:") {
        line.clear();
    }
    assert!(line.contains("waiting:"), "the deploy reached its wait");
    assert!(common::staging_lock(&fake).is_some());
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(doc["verdict"], "error");
    assert!(
        doc["title"].as_str().unwrap().contains("cancelled"),
        "{doc}"
    );
    assert!(
        common::staging_lock(&fake).is_none(),
        "the lock was released"
    );
}
