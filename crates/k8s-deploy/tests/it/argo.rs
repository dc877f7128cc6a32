//! The seeds' Argo Rollouts deployed through the binary against the fake API server, with the
//! real Rollout CRD installed and gates-testkit's fake Argo Rollouts controller playing the
//! controller: a canary followed through its steps to Healthy, one Degraded and rolled back, a
//! pause for a person promoted, and one rejected (aborted, then the previous template
//! re-applied). Each checks the outputs, the summary, the result file, and that the Rollout
//! ends as the summary says.

use crate::common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gates_testkit::cmd::workspace_root;
use gates_testkit::github::FakeGitHub;
use gates_testkit::k8s::{FakeKube, Rollouts};
use serde_json::{json, Value};

const CANARY: &str = "fixtures/k8s/seeds/rollouts/rollout-canary.yaml";
const BLUE_GREEN: &str = "fixtures/k8s/seeds/rollouts/rollout-bluegreen.yaml";

/// A cluster with namespace `production` and Argo Rollouts' CRD.
fn cluster() -> FakeKube {
    let fake = FakeKube::start();
    fake.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "production"}}));
    let crd = std::fs::read_to_string(workspace_root().join("fixtures/k8s/crds/rollout-crd.yaml"))
        .unwrap();
    fake.put(serde_yaml::from_str(&crd).unwrap());
    fake
}

/// Whether k8s-deploy follows the Rollout since its last write to it: the controller acts only
/// then, so every state it writes reaches the watch and the steps seen are all of them.
fn followed_since_last_write(fake: &FakeKube) -> bool {
    let requests = fake.requests();
    let last_write = requests
        .iter()
        .rposition(|r| r.path.contains("/rollouts/") && r.is_write());
    last_write.is_some_and(|i| {
        requests[i + 1..]
            .iter()
            .any(|r| r.method == "GET" && r.path.ends_with("/rollouts"))
    })
}

/// Run `command` with the fake Argo Rollouts `controller` reconciling while it is followed.
fn with_controller(
    fake: &FakeKube,
    controller: &Rollouts,
    command: &str,
    args: &[&str],
) -> (i32, Value, String) {
    with_controller_env(fake, controller, command, args, &[])
}

/// [`with_controller`] with `env` set.
fn with_controller_env(
    fake: &FakeKube,
    controller: &Rollouts,
    command: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, Value, String) {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::SeqCst) {
                if followed_since_last_write(fake) {
                    controller.step();
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let out = common::against_with(fake, command, args, env);
        stop.store(true, Ordering::SeqCst);
        out
    })
}

/// `deploy` of `manifests` with the gateway at `tag`.
fn deploy(fake: &FakeKube, c: &Rollouts, manifests: &str, tag: &str) -> (i32, Value, String) {
    let image = format!("medical-kg-rev/gateway=ghcr.io/org/gateway:{tag}");
    with_controller(
        fake,
        c,
        "deploy",
        &[manifests, "--image", &image, "--timeout", "60s"],
    )
}

/// `promote` or `reject` of the release in `production`.
fn finish(fake: &FakeKube, c: &Rollouts, command: &str) -> (i32, Value, String) {
    with_controller(fake, c, command, &["-n", "production", "--timeout", "60s"])
}

fn rollout(fake: &FakeKube) -> Value {
    fake.get(
        "argoproj.io/v1alpha1",
        "Rollout",
        Some("production"),
        "gateway",
    )
    .expect("the Rollout")
}

fn image_of(r: &Value) -> &str {
    r["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
}

/// The Rollout is Healthy at `tag`, fully promoted.
fn assert_healthy_at(fake: &FakeKube, tag: &str) {
    let r = rollout(fake);
    assert_eq!(image_of(&r), format!("ghcr.io/org/gateway:{tag}"));
    assert_eq!(r["status"]["phase"], "Healthy", "{r}");
    assert_eq!(r["status"]["stableRS"], r["status"]["currentPodHash"]);
    assert_eq!(r["status"]["abort"], Value::Null);
}

/// A seed with `from` replaced by `to` (once), written to a file in `dir`.
fn variant(dir: &std::path::Path, seed: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(workspace_root().join(seed)).unwrap();
    assert!(text.contains(from), "{seed} has no {from:?}");
    let path = dir.join("rollout.yaml");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn the_seeds_canary_is_followed_through_its_steps_to_healthy() {
    let fake = cluster();
    let c = fake.rollouts();
    let (code, doc, out) = deploy(&fake, &c, CANARY, "v1");
    assert_eq!(code, 0, "{out}");
    // The first revision skips the steps, as the controller does.
    assert_eq!(doc["metrics"]["argo_rollouts"][0]["step"], 9, "{doc}");
    assert_healthy_at(&fake, "v1");

    let (code, doc, out) = deploy(&fake, &c, CANARY, "v2");
    assert_eq!(code, 0, "{out}");
    // The lint's warnings (no PodDisruptionBudget in production) are the run's only ones.
    assert_eq!(common::output(&out, "verdict").as_deref(), Some("warn"));
    assert_eq!(doc["metrics"]["deploy"]["failed"], 0);
    assert_eq!(common::output(&out, "paused").as_deref(), Some("false"));
    assert_eq!(
        common::output(&out, "rolled-back").as_deref(),
        Some("false")
    );
    // The Rollout's own strategy, and the step it reached.
    assert_eq!(common::output(&out, "strategy").as_deref(), Some("canary"));
    assert_eq!(common::output(&out, "step").as_deref(), Some("9"));
    let ro = &doc["metrics"]["argo_rollouts"][0];
    assert_eq!(ro["rollout"], "production/gateway");
    assert_eq!(ro["strategy"], "canary");
    assert_eq!(ro["phase"], "Healthy");
    assert_eq!(ro["step"], 9);
    assert_eq!(ro["steps"][0], "setWeight: 20");
    assert_eq!(ro["steps"][1], "pause: 2m");
    assert_eq!(ro["steps"][4], "analysis");
    assert_eq!(ro["steps_seen"], json!([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    assert_eq!(doc["metrics"]["deploy"]["ready"], 1);
    assert!(out.contains("### Argo Rollouts"), "{out}");
    assert!(out.contains("✅ Healthy"), "{out}");
    assert!(out.contains("| 9/9 |"), "{out}");
    assert!(out.contains("9. ✅ pause: 2m"), "{out}");
    assert!(
        out.contains("Seen while following: 1 → 2 → 3 → 4 → 5 → 6 → 7 → 8 → 9 → done."),
        "{out}"
    );
    // The timed pauses resumed by themselves: logged as waits, never as a stop.
    assert!(out.contains("step 2/9 (pause: 2m)"), "{out}");
    assert!(!out.contains("paused: "), "{out}");
    assert_healthy_at(&fake, "v2");
}

#[test]
fn a_degraded_canary_fails_with_the_controllers_message_and_is_rolled_back() {
    let fake = cluster();
    let c = fake.rollouts();
    assert_eq!(deploy(&fake, &c, CANARY, "v1").0, 0);
    c.degrade_image("gateway:v2");
    let (code, doc, out) = deploy(&fake, &c, CANARY, "v2");
    assert_eq!(code, 1, "{out}");
    assert_eq!(common::output(&out, "verdict").as_deref(), Some("fail"));
    assert_eq!(common::output(&out, "rolled-back").as_deref(), Some("true"));
    let reason = common::output(&out, "reason").unwrap();
    assert!(
        reason.starts_with("Rollout production/gateway: Degraded at step 2/9 (pause: 2m): ProgressDeadlineExceeded: ReplicaSet \"gateway-"),
        "{reason}"
    );
    assert!(reason.ends_with("has timed out progressing."), "{reason}");
    let ro = &doc["metrics"]["argo_rollouts"][0];
    assert_eq!(ro["phase"], "Degraded");
    assert_eq!(ro["aborted"], false);
    assert_eq!(doc["metrics"]["deploy"]["rolled_back"], true);
    assert_eq!(doc["metrics"]["deploy"]["rollback_ready"], true);
    assert!(doc["findings"].as_array().unwrap().iter().any(|f| f["rule"]
        == "k8s-deploy/rollout-failed"
        && f["path"] == CANARY
        && f["message"]
            .as_str()
            .unwrap()
            .contains("ProgressDeadlineExceeded")));
    assert!(out.contains("❌ Degraded"), "{out}");
    assert!(out.contains("2. ❌ pause: 2m"), "{out}");
    assert!(out.contains("### Rollback"), "{out}");
    assert!(out.contains("every rollout is done"), "{out}");
    // The previous template re-applied (`kubectl argo rollouts undo`): back on v1 and stable.
    assert_healthy_at(&fake, "v1");
}

#[test]
fn a_pause_for_a_person_ends_the_run_paused_and_promote_follows_it_to_healthy() {
    let dir = tempfile::tempdir().unwrap();
    // The second timed pause (at 40%) waits for a person instead.
    let manifests = variant(
        dir.path(),
        CANARY,
        "- setWeight: 40\n        - pause: {duration: 2m}",
        "- setWeight: 40\n        - pause: {}",
    );
    let fake = cluster();
    let c = fake.rollouts();
    assert_eq!(deploy(&fake, &c, &manifests, "v1").0, 0);
    let (code, doc, out) = deploy(&fake, &c, &manifests, "v2");
    assert_eq!(code, 0, "{out}");
    assert_eq!(common::output(&out, "paused").as_deref(), Some("true"));
    assert_eq!(
        common::output(&out, "rolled-back").as_deref(),
        Some("false")
    );
    assert!(doc["title"]
        .as_str()
        .unwrap()
        .ends_with("paused for promote or reject"));
    let ro = &doc["metrics"]["argo_rollouts"][0];
    assert_eq!(ro["phase"], "Paused");
    assert_eq!(ro["paused"], true);
    assert_eq!(ro["step"], 3);
    assert_eq!(ro["pause_reasons"], json!(["CanaryPauseStep"]));
    assert_eq!(doc["metrics"]["deploy"]["failed"], 0);
    assert!(out.contains("4. ⏸️ pause"), "{out}");
    assert!(
        out.contains("Rollout production/gateway waits for a person (CanaryPauseStep)"),
        "{out}"
    );
    let r = rollout(&fake);
    assert_eq!(r["status"]["phase"], "Paused");
    assert_eq!(r["status"]["currentStepIndex"], 3);

    fake.clear_requests();
    let (code, doc, out) = finish(&fake, &c, "promote");
    assert_eq!(code, 0, "{out}");
    let patch = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH" && r.path.ends_with("/rollouts/gateway/status"))
        .expect("the promote patch");
    assert_eq!(patch.content_type, "application/merge-patch+json");
    assert_eq!(
        patch.body,
        Some(json!({"status": {"pauseConditions": null}}))
    );
    assert_eq!(common::output(&out, "paused").as_deref(), Some("false"));
    let ro = &doc["metrics"]["argo_rollouts"][0];
    assert_eq!(ro["phase"], "Healthy");
    assert_eq!(
        ro["sent"],
        json!([r#"status: {"status":{"pauseConditions":null}}"#])
    );
    assert_eq!(ro["steps_seen"], json!([3, 4, 5, 6, 7, 8, 9]));
    assert!(out.contains("✅ Healthy"), "{out}");
    assert!(out.contains("Sent `production/gateway`"), "{out}");
    assert_healthy_at(&fake, "v2");

    // The promoted set is the known-good one now: nothing is left to promote.
    let (code, _, out) = finish(&fake, &c, "promote");
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "has no Argo Rollout paused for a person: Rollout production/gateway is Healthy"
        ),
        "{out}"
    );
}

#[test]
fn a_blue_green_pause_rejected_is_aborted_and_the_previous_template_re_applied() {
    let dir = tempfile::tempdir().unwrap();
    let manifests = variant(
        dir.path(),
        BLUE_GREEN,
        "autoPromotionEnabled: true",
        "autoPromotionEnabled: false",
    );
    let fake = cluster();
    let c = fake.rollouts();
    assert_eq!(deploy(&fake, &c, &manifests, "v1").0, 0);
    let (code, doc, out) = deploy(&fake, &c, &manifests, "v2");
    assert_eq!(code, 0, "{out}");
    assert_eq!(common::output(&out, "paused").as_deref(), Some("true"));
    assert_eq!(
        doc["metrics"]["argo_rollouts"][0]["pause_reasons"],
        json!(["BlueGreenPause"])
    );
    assert_eq!(
        common::output(&out, "strategy").as_deref(),
        Some("blue-green")
    );
    assert_eq!(common::output(&out, "step"), None, "no steps in blue-green");
    assert_eq!(rollout(&fake)["status"]["phase"], "Paused");

    fake.clear_requests();
    let (code, doc, out) = finish(&fake, &c, "reject");
    assert_eq!(code, 0, "{out}");
    let patch = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH" && r.path.ends_with("/rollouts/gateway/status"))
        .expect("the abort patch");
    assert_eq!(patch.body, Some(json!({"status": {"abort": true}})));
    // The person's decision carried out: no failure (and no lint: no manifests are read).
    assert_eq!(common::output(&out, "verdict").as_deref(), Some("pass"));
    assert_eq!(common::output(&out, "reason").as_deref(), Some(""));
    assert_eq!(common::output(&out, "rolled-back").as_deref(), Some("true"));
    assert_eq!(common::output(&out, "paused").as_deref(), Some("false"));
    let ro = &doc["metrics"]["argo_rollouts"][0];
    assert_eq!(ro["strategy"], "blueGreen");
    assert_eq!(ro["phase"], "Degraded");
    assert_eq!(ro["aborted"], true);
    assert_eq!(
        ro["message"],
        "RolloutAborted: Rollout aborted update to revision 2"
    );
    assert!(out.contains("↩️ Degraded (aborted)"), "{out}");
    assert!(out.contains("### Rollback"), "{out}");
    assert!(
        !doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "k8s-deploy/rollout-failed"),
        "an abort asked for is no failed rollout: {doc}"
    );
    assert_healthy_at(&fake, "v1");
}

#[test]
fn blue_green_slots_are_refused_for_an_argo_rollout() {
    let fake = cluster();
    let (code, doc, out) = common::against(
        &fake,
        "deploy",
        &[
            CANARY,
            "--strategy",
            "blue-green",
            "--image",
            "medical-kg-rev/gateway=ghcr.io/org/gateway:v1",
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert_eq!(doc["verdict"], "error");
    assert!(
        out.contains(
            "Rollout production/gateway is an Argo Rollout: its controller runs its own strategy"
        ),
        "{out}"
    );
    assert!(fake
        .get(
            "argoproj.io/v1alpha1",
            "Rollout",
            Some("production"),
            "gateway"
        )
        .is_none());
}

/// A Rollout paused for a person was once recorded on GitHub as `success` (replacing the live
/// deployment) and `promote` or `reject` never finished that record.
#[test]
fn a_paused_rollouts_github_deployment_waits_and_is_finished_by_promote_and_reject() {
    const TOKEN: &str = "ghs_SENTINEL0123456789abcdefTOKEN";
    let dir = tempfile::tempdir().unwrap();
    let manifests = variant(
        dir.path(),
        CANARY,
        "- setWeight: 40\n        - pause: {duration: 2m}",
        "- setWeight: 40\n        - pause: {}",
    );
    let fake = cluster();
    let c = fake.rollouts();
    let github = FakeGitHub::start(TOKEN);
    let run = |command: &str, sha: &str, args: &[&str]| {
        let env = [
            ("GITHUB_API_URL", github.api_url.as_str()),
            ("GITHUB_TOKEN", TOKEN),
            ("GITHUB_REPOSITORY", "org/app"),
            ("GITHUB_SHA", sha),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_RUN_ID", "7"),
        ];
        with_controller_env(&fake, &c, command, args, &env)
    };
    let deploy = |sha: &str, tag: &str| {
        let image = format!("medical-kg-rev/gateway=ghcr.io/org/gateway:{tag}");
        run(
            "deploy",
            sha,
            &[&manifests, "--image", &image, "--timeout", "60s"],
        )
    };
    let finish = |command: &str| {
        let other = "9999999999999999999999999999999999999999";
        run(command, other, &["-n", "production", "--timeout", "60s"])
    };
    let (v1, v2, v3) = (
        "1111111111111111111111111111111111111111",
        "2222222222222222222222222222222222222222",
        "3333333333333333333333333333333333333333",
    );
    assert_eq!(deploy(v1, "v1").0, 0);
    let (code, _, out) = deploy(v2, "v2");
    assert_eq!(code, 0, "{out}");
    assert_eq!(common::output(&out, "paused").as_deref(), Some("true"));
    let all = github.deployments();
    assert_eq!(all[1].states(), ["in_progress", "in_progress"], "{all:?}");
    assert_eq!(all[0].states(), ["in_progress", "success"], "still live");

    let (code, _, out) = finish("promote");
    assert_eq!(code, 0, "{out}");
    assert_healthy_at(&fake, "v2");
    let all = github.deployments();
    assert_eq!(
        all.len(),
        2,
        "promote made no deployment of its own: {all:?}"
    );
    assert_eq!(all[1].states(), ["in_progress", "in_progress", "success"]);
    assert_eq!(all[0].states(), ["in_progress", "success", "inactive"]);

    assert_eq!(deploy(v3, "v3").0, 0);
    let (code, _, out) = finish("reject");
    assert_eq!(code, 0, "{out}");
    let all = github.deployments();
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[2].states(), ["in_progress", "in_progress", "inactive"]);
    assert_eq!(
        all[1].states(),
        ["in_progress", "in_progress", "success"],
        "the live deployment stays active after a reject"
    );
    common::assert_only_masked(&out, TOKEN);
}
