//! `k8s-deploy deploy` recorded as a GitHub deployment, against the fake Kubernetes API and the
//! fake GitHub API: in_progress then success with the environment's URL, the replaced
//! deployment made inactive, failure for a failed rollout, a paused blue-green deploy finished
//! by `promote` (success) or `reject` (inactive) in that same deployment, and a token that may
//! not write deployments leaving the deploy's verdict alone.

use crate::common;

use std::time::Duration;

use gates_testkit::github::FakeGitHub;
use gates_testkit::k8s::{Failure, FakeKube};
use serde_json::Value;

const TOKEN: &str = "ghs_SENTINEL0123456789abcdefTOKEN";
const REPO: &str = "org/app";
const URL: &str = "https://staging.example.com/";

fn deploy(
    kube: &FakeKube,
    github: &FakeGitHub,
    sha: &str,
    image: &str,
    extra: &[&str],
) -> (i32, Value, String) {
    let image = format!("medical-kg-rev/gateway={image}");
    let mut args = vec![
        "fixtures/k8s/seeds/staging/",
        "--image",
        &image,
        "--timeout",
        "60s",
    ];
    args.extend_from_slice(extra);
    common::against_with(
        kube,
        "deploy",
        &args,
        &[
            ("GITHUB_API_URL", &github.api_url),
            ("GITHUB_TOKEN", TOKEN),
            ("GITHUB_REPOSITORY", REPO),
            ("GITHUB_SHA", sha),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_RUN_ID", "7"),
        ],
    )
}

/// `command` of the seeds' production manifests, blue-green, with the gateway at `tag`, as
/// the run of commit `sha`.
fn blue_green(
    kube: &FakeKube,
    github: &FakeGitHub,
    command: &str,
    sha: &str,
    tag: &str,
    extra: &[&str],
) -> (i32, Value, String) {
    let gateway = format!("medical-kg-rev/gateway=ghcr.io/org/gateway:{tag}");
    let mut args: Vec<&str> = if command == "deploy" {
        let mut a = common::PRODUCTION_SEEDS[..5].to_vec();
        a.extend([
            "--image",
            &gateway,
            "--image",
            "prom/statsd-exporter=prom/statsd-exporter:v0.28.0",
            "--allow",
            "k8s-deploy/production-pdb",
            "--strategy",
            "blue-green",
        ]);
        a
    } else {
        vec!["-n", "production"]
    };
    args.extend(["--timeout", "60s", "--scale-down-delay", "0s"]);
    args.extend_from_slice(extra);
    common::against_with(
        kube,
        command,
        &args,
        &[
            ("GITHUB_API_URL", &github.api_url),
            ("GITHUB_TOKEN", TOKEN),
            ("GITHUB_REPOSITORY", REPO),
            ("GITHUB_SHA", sha),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_RUN_ID", "7"),
        ],
    )
}

/// The token appears only in the mask the runner is asked to apply.
fn assert_token_hidden(out: &str) {
    common::assert_only_masked(out, TOKEN);
}

#[test]
fn a_deploy_is_recorded_in_progress_then_successful_and_replaces_the_last_one() {
    let kube = FakeKube::start();
    let _controllers = kube.controller().run_every(Duration::from_millis(20));
    let github = FakeGitHub::start(TOKEN);
    let first_sha = "1111111111111111111111111111111111111111";
    let (code, _, out) = deploy(
        &kube,
        &github,
        first_sha,
        "ghcr.io/org/gateway:abc123",
        &["--environment-url", URL],
    );
    assert_eq!(code, 0, "{out}");
    assert_token_hidden(&out);
    let all = github.deployments();
    assert_eq!(all.len(), 1, "{all:?}");
    let first = &all[0];
    assert_eq!(
        (first.sha.as_str(), first.environment.as_str()),
        (first_sha, "staging")
    );
    assert_eq!(first.states(), ["in_progress", "success"]);
    assert_eq!(first.statuses[1].environment_url, URL);
    assert_eq!(
        first.statuses[1].log_url,
        "https://github.com/org/app/actions/runs/7"
    );
    assert_eq!(
        common::output(&out, "environment-url").as_deref(),
        Some(URL),
        "{out}"
    );
    assert!(out.contains("### GitHub deployment"), "{out}");
    assert!(
        out.contains(&format!(
            "Deployment {} of `111111111111` to environment `staging`: **success**",
            first.id
        )),
        "{out}"
    );

    let second_sha = "2222222222222222222222222222222222222222";
    let (code, _, out) = deploy(
        &kube,
        &github,
        second_sha,
        "ghcr.io/org/gateway:def456",
        &["--environment-url", URL],
    );
    assert_eq!(code, 0, "{out}");
    let all = github.deployments();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0].states(), ["in_progress", "success", "inactive"]);
    assert_eq!(all[1].states(), ["in_progress", "success"]);
    assert!(
        out.contains(&format!(
            "GitHub deployment {} of staging made inactive",
            all[0].id
        )),
        "{out}"
    );
    github.assert_conforms();
}

#[test]
fn a_failed_rollout_is_recorded_as_a_failure_and_the_live_deployment_stays_active() {
    let kube = FakeKube::start();
    let controller = kube.controller();
    controller.fail_image("gateway:bad", Failure::CrashLoopBackOff);
    let _controllers = controller.run_every(Duration::from_millis(20));
    let github = FakeGitHub::start(TOKEN);
    let live = github.add_deployment(
        "staging",
        "0000000000000000000000000000000000000000",
        false,
        &["success"],
    );
    let (code, _, out) = deploy(
        &kube,
        &github,
        "3333333333333333333333333333333333333333",
        "ghcr.io/org/gateway:bad",
        &["--environment", "Staging EU"],
    );
    assert_eq!(code, 1, "{out}");
    let all = github.deployments();
    let ours = all.iter().find(|d| d.id != live).unwrap();
    assert_eq!(ours.environment, "Staging EU");
    assert_eq!(ours.states(), ["in_progress", "failure"]);
    assert!(
        ours.statuses[1].description.contains("CrashLoopBackOff"),
        "{ours:?}"
    );
    assert!(ours.statuses[1].environment_url.is_empty());
    assert_eq!(
        all.iter().find(|d| d.id == live).unwrap().states(),
        ["success"]
    );
    assert!(
        out.contains("to environment `Staging EU`: **failure**"),
        "{out}"
    );
    assert_eq!(common::output(&out, "environment-url"), None, "{out}");
    github.assert_conforms();
}

#[test]
fn a_token_without_deployments_write_is_a_warning_and_the_deploy_still_passes() {
    let kube = FakeKube::start();
    let _controllers = kube.controller().run_every(Duration::from_millis(20));
    let github = FakeGitHub::start(TOKEN);
    github.state().read_only = true;
    let (code, doc, out) = deploy(
        &kube,
        &github,
        "4444444444444444444444444444444444444444",
        "ghcr.io/org/gateway:abc123",
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["verdict"], "pass");
    assert!(
        out.contains("warning: GitHub deployment: cannot create it: POST /repos/org/app/deployments: HTTP 403"),
        "{out}"
    );
    assert!(out.contains("deployments: write"), "{out}");
    assert!(!out.contains("### GitHub deployment"), "{out}");
    assert!(kube
        .get("apps/v1", "Deployment", Some("staging"), "gateway")
        .is_some());
    assert_token_hidden(&out);
}

#[test]
fn no_deployment_is_recorded_when_told_not_to() {
    let kube = FakeKube::start();
    let _controllers = kube.controller().run_every(Duration::from_millis(20));
    let github = FakeGitHub::start(TOKEN);
    let (code, _, out) = deploy(
        &kube,
        &github,
        "5555555555555555555555555555555555555555",
        "ghcr.io/org/gateway:abc123",
        &["--github-deployment", "false", "--environment-url", URL],
    );
    assert_eq!(code, 0, "{out}");
    assert!(github.state().log.is_empty(), "GitHub was asked");
    assert_eq!(
        common::output(&out, "environment-url").as_deref(),
        Some(URL),
        "{out}"
    );
}

/// `auto` once made a second deployment beside the one GitHub makes for a job that declares
/// `environment:`, so every deploy was listed twice.
#[test]
fn a_job_with_its_own_environment_deployment_gets_no_second_one() {
    let kube = FakeKube::start();
    let _controllers = kube.controller().run_every(Duration::from_millis(20));
    let github = FakeGitHub::start(TOKEN);
    let sha = "6666666666666666666666666666666666666666";
    let job = github.add_job_deployment(
        "staging",
        sha,
        "https://github.com/org/app/actions/runs/7/job/42",
    );
    // Newer, so looked at first: another run's job (run 70, not 7), another commit's and
    // another environment's are not this one's.
    github.add_job_deployment(
        "staging",
        sha,
        "https://github.com/org/app/actions/runs/70/job/1",
    );
    github.add_job_deployment(
        "staging",
        "7777777777777777777777777777777777777777",
        "https://github.com/org/app/actions/runs/7/job/43",
    );
    github.add_job_deployment(
        "production",
        sha,
        "https://github.com/org/app/actions/runs/7/job/44",
    );
    let (code, _, out) = deploy(
        &kube,
        &github,
        sha,
        "ghcr.io/org/gateway:abc123",
        &["--environment-url", URL],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(github.deployments().len(), 4, "no deployment made");
    assert!(
        out.contains(&format!(
            "GitHub deployment {job}, the one this job's environment: made"
        )),
        "{out}"
    );
    assert_eq!(
        common::output(&out, "environment-url").as_deref(),
        Some(URL)
    );
    // Told to, it records one all the same.
    let (code, _, out) = deploy(
        &kube,
        &github,
        sha,
        "ghcr.io/org/gateway:abc123",
        &["--github-deployment", "true"],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(github.deployments().len(), 5, "{out}");
}

/// In a job whose `environment:` records the deploy, a pause is told: GitHub will mark the
/// job's deployment a success when the job ends.
#[test]
fn a_pause_in_a_job_with_its_own_environment_deployment_is_warned_about() {
    let kube = FakeKube::start();
    let _controllers = kube.controller().run_every(Duration::from_millis(20));
    let github = FakeGitHub::start(TOKEN);
    let (v1, v2) = (
        "1111111111111111111111111111111111111111",
        "2222222222222222222222222222222222222222",
    );
    let url = "https://github.com/org/app/actions/runs/7/job/9";
    github.add_job_deployment("production", v1, url);
    assert_eq!(blue_green(&kube, &github, "deploy", v1, "v1", &[]).0, 0);
    let job = github.add_job_deployment("production", v2, url);
    let (code, _, out) = blue_green(
        &kube,
        &github,
        "deploy",
        v2,
        "v2",
        &["--auto-promote", "false"],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(github.deployments().len(), 2, "none made: {out}");
    assert!(
        out.contains(&format!(
            "warning: GitHub deployment {job} (the job's environment:) will show success"
        )),
        "{out}"
    );
}

/// A paused deploy's deployment once stayed in_progress for good when a new deploy replaced
/// the pause instead of promote or reject.
#[test]
fn a_pause_replaced_by_a_new_deploy_has_its_deployment_made_inactive() {
    let kube = FakeKube::start();
    let _controllers = kube.controller().run_every(Duration::from_millis(20));
    let github = FakeGitHub::start(TOKEN);
    let (v1, v2, v3) = (
        "1111111111111111111111111111111111111111",
        "2222222222222222222222222222222222222222",
        "3333333333333333333333333333333333333333",
    );
    assert_eq!(blue_green(&kube, &github, "deploy", v1, "v1", &[]).0, 0);
    let paused = &["--auto-promote", "false"];
    assert_eq!(blue_green(&kube, &github, "deploy", v2, "v2", paused).0, 0);
    let (code, _, out) = blue_green(&kube, &github, "deploy", v3, "v3", &[]);
    assert_eq!(code, 0, "{out}");
    let all = github.deployments();
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[1].states(), ["in_progress", "in_progress", "inactive"]);
    assert!(
        all[1].statuses[2].description.contains("replaced"),
        "{all:?}"
    );
    assert_eq!(all[2].states(), ["in_progress", "success"]);
    assert_eq!(all[0].states(), ["in_progress", "success", "inactive"]);
    assert!(
        out.contains(&format!(
            "GitHub deployment {} of the paused deploy this one replaced: inactive",
            all[1].id
        )),
        "{out}"
    );
}

#[test]
fn a_paused_blue_green_deploy_is_finished_in_its_own_deployment_by_promote_and_reject() {
    let kube = FakeKube::start();
    let _controllers = kube.controller().run_every(Duration::from_millis(20));
    let github = FakeGitHub::start(TOKEN);
    let (v1, v2, v3) = (
        "1111111111111111111111111111111111111111",
        "2222222222222222222222222222222222222222",
        "3333333333333333333333333333333333333333",
    );
    // The run that promotes is another commit's (a dispatch on main).
    let other = "9999999999999999999999999999999999999999";
    let prod = "https://example.com/";
    assert_eq!(blue_green(&kube, &github, "deploy", v1, "v1", &[]).0, 0);
    let (code, _, out) = blue_green(
        &kube,
        &github,
        "deploy",
        v2,
        "v2",
        &["--auto-promote", "false", "--environment-url", prod],
    );
    assert_eq!(code, 0, "{out}");
    let all = github.deployments();
    assert_eq!(all[1].states(), ["in_progress", "in_progress"], "{all:?}");
    assert!(
        all[1].statuses[1].description.contains("promote or reject"),
        "{all:?}"
    );
    assert_eq!(all[0].states(), ["in_progress", "success"], "still live");

    let (code, _, out) = blue_green(&kube, &github, "promote", other, "v2", &[]);
    assert_eq!(code, 0, "{out}");
    let all = github.deployments();
    assert_eq!(
        all.len(),
        2,
        "promote made no deployment of its own: {all:?}"
    );
    assert_eq!(all[1].sha, v2);
    assert_eq!(all[1].states(), ["in_progress", "in_progress", "success"]);
    assert_eq!(
        all[1].statuses[2].environment_url, prod,
        "kept from the deploy"
    );
    assert_eq!(
        all[0].states(),
        ["in_progress", "success", "inactive"],
        "replaced once the switch went through"
    );
    assert!(
        out.contains(&format!(
            "Deployment {} of `222222222222` to environment `production`: **success**",
            all[1].id
        )),
        "{out}"
    );

    assert_eq!(
        blue_green(
            &kube,
            &github,
            "deploy",
            v3,
            "v3",
            &["--auto-promote", "false"]
        )
        .0,
        0
    );
    let (code, _, out) = blue_green(&kube, &github, "reject", other, "v3", &[]);
    assert_eq!(code, 0, "{out}");
    let all = github.deployments();
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[2].states(), ["in_progress", "in_progress", "inactive"]);
    assert_eq!(
        all[1].states(),
        ["in_progress", "in_progress", "success"],
        "the live deployment stays active after a reject"
    );
    assert!(out.contains("**inactive**"), "{out}");
    assert_token_hidden(&out);
    github.assert_conforms();
}
