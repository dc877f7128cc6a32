//! Blue-green deploys of the seeds' production manifests through the binary against the fake
//! API server: slots alternating, a failed new slot never switched, a failed health check
//! after the switch switched back, a paused deploy promoted and one rejected, and a release
//! deployed rolling before moving to blue-green. Each checks the outputs, the summary, the
//! result file and that the cluster is as the summary says.

mod common;

use std::time::Duration;

use gates_testkit::k8s::{Failure, FakeKube};
use serde_json::Value;

const SLOT: &str = "gates.dev/slot";

/// `command` of the seeds' production manifests with the gateway at `image`, blue-green,
/// scaled down at once, and `extra` flags.
fn bg(fake: &FakeKube, command: &str, image: &str, extra: &[&str]) -> (i32, Value, String) {
    let gateway = format!("medical-kg-rev/gateway=ghcr.io/org/gateway:{image}");
    let mut args = vec![
        "fixtures/k8s/seeds/production/",
        "--var",
        "REPLICAS=3",
        "--var",
        "ENVIRONMENT=production",
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
    ];
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

fn output(out: &str, name: &str) -> Option<String> {
    let mut lines = out.lines();
    while let Some(l) = lines.next() {
        if l.starts_with(&format!("{name}<<")) {
            return lines.next().map(str::to_string);
        }
    }
    None
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
    assert_eq!(output(&out, "strategy").as_deref(), Some("blue-green"));
    assert_eq!(
        output(&out, "active-slot").as_deref(),
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
    assert_eq!(output(&out, "active-slot").as_deref(), Some("green"));
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
        output(&out, "rolled-back").as_deref(),
        Some("true"),
        "{out}"
    );
    assert_eq!(
        output(&out, "active-slot").as_deref(),
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
fn a_failed_health_check_after_the_switch_switches_back() {
    let fake = FakeKube::start();
    let _c = fake.controller().run_every(Duration::from_millis(20));
    let (code, _, out) = deploy(&fake, "v1", &[]);
    assert_eq!(code, 0, "{out}");
    let (bad, _h) = common::health_server(&[503]);
    let (code, doc, out) = deploy(&fake, "v2", &["--health", &bad, "--health-attempts", "2"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(output(&out, "rolled-back").as_deref(), Some("true"));
    assert_eq!(
        output(&out, "active-slot").as_deref(),
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
    assert_eq!(output(&out, "paused").as_deref(), Some("true"), "{out}");
    assert_eq!(output(&out, "active-slot").as_deref(), Some("blue"));
    assert!(out.contains("k8s-deploy promote"), "{out}");
    assert_eq!(doc["metrics"]["blue_green"]["paused"], true);
    assert_eq!(selected(&fake, "gateway"), "blue", "not switched yet");
    assert_eq!(selected(&fake, "gateway-preview"), "green");
    assert_eq!(workload(&fake, "gateway-green"), (3, image("v2")));

    let (code, doc, out) = bg(&fake, "promote", "v2", &["-n", "production"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        output(&out, "active-slot").as_deref(),
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
        output(&out, "rolled-back").as_deref(),
        Some("true"),
        "{out}"
    );
    assert_eq!(
        output(&out, "active-slot").as_deref(),
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
    assert_eq!(output(&out, "strategy").as_deref(), Some("rolling"));
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
