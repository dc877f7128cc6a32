//! Deployments against the fake GitHub API: created for the commit, statuses as the deploy
//! goes, the replaced deployment made inactive, 502s recovered from without duplicates, and a
//! read-only token's 403 reported.

use gates_github::deployments::{NewDeployment, State, Status};
use gates_github::{Client, Deployments, RetryPolicy};
use gates_testkit::github::{bad_gateway, FakeGitHub};

const TOKEN: &str = "ghs_SENTINEL0123456789abcdefTOKEN";
const REPO: &str = "Codertocat/Hello-World";
const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const RUN: &str = "https://github.com/Codertocat/Hello-World/actions/runs/7";

fn client(fake: &FakeGitHub) -> Client {
    let policy = RetryPolicy {
        backoff: std::time::Duration::from_millis(10),
        timeout: std::time::Duration::from_secs(10),
        ..RetryPolicy::default()
    };
    Client::new(&fake.api_url, &fake.graphql_url, TOKEN, policy).unwrap()
}

fn new(environment: &str) -> NewDeployment {
    NewDeployment {
        sha: SHA.into(),
        environment: environment.into(),
        description: "k8s-deploy of release default".into(),
        production: Some(true),
        transient: None,
    }
}

fn status(state: State, url: Option<&str>) -> Status {
    Status {
        state,
        environment_url: url.map(str::to_string),
        log_url: Some(RUN.into()),
        description: format!("deploy {state}"),
    }
}

/// The request bodies of the POSTs whose path ends with `suffix`.
fn posted(fake: &FakeGitHub, suffix: &str) -> Vec<serde_json::Value> {
    fake.state()
        .log
        .iter()
        .filter(|x| x.method == "POST" && x.path.ends_with(suffix))
        .filter_map(|x| x.request.clone())
        .collect()
}

#[tokio::test]
async fn a_successful_deploy_goes_in_progress_then_success_and_the_replaced_one_inactive() {
    let fake = FakeGitHub::start(TOKEN);
    // A production environment: GitHub's auto_inactive would leave the old one active.
    let failed = fake.add_deployment("production", "aaa", true, &["in_progress", "failure"]);
    let previous = fake.add_deployment("production", "bbb", true, &["in_progress", "success"]);
    let other_env = fake.add_deployment("staging", "bbb", false, &["success"]);
    let c = client(&fake);
    let d = Deployments {
        client: &c,
        repo: REPO.into(),
    };
    let id = d.create(&new("production")).await.unwrap();
    d.post_status(id, &status(State::InProgress, None))
        .await
        .unwrap();
    d.post_status(id, &status(State::Success, Some("https://app.example.com")))
        .await
        .unwrap();
    let replaced = d
        .deactivate_replaced("production", id, Some(RUN))
        .await
        .unwrap();
    assert_eq!(replaced, [previous]);

    let all = fake.deployments();
    let by_id = |i: u64| all.iter().find(|x| x.id == i).unwrap();
    let ours = by_id(id);
    assert_eq!(ours.sha, SHA);
    assert_eq!(ours.environment, "production");
    assert_eq!(ours.states(), ["in_progress", "success"]);
    assert_eq!(
        ours.statuses[1].environment_url, "https://app.example.com",
        "{ours:?}"
    );
    assert_eq!(ours.statuses[1].log_url, RUN);
    assert_eq!(
        by_id(previous).states(),
        ["in_progress", "success", "inactive"]
    );
    assert_eq!(by_id(failed).states(), ["in_progress", "failure"]);
    assert_eq!(by_id(other_env).states(), ["success"]);

    let create = &posted(&fake, "/deployments")[0];
    assert_eq!(create["ref"], SHA);
    assert_eq!(create["auto_merge"], false);
    assert_eq!(create["required_contexts"], serde_json::json!([]));
    assert_eq!(create["production_environment"], true);
    assert!(create.get("transient_environment").is_none(), "{create}");
    assert!(posted(&fake, "/statuses")
        .iter()
        .all(|s| s["auto_inactive"] == false));
    fake.assert_conforms();
}

#[tokio::test]
async fn a_failed_deploy_posts_failure_and_leaves_the_live_one_active() {
    let fake = FakeGitHub::start(TOKEN);
    let previous = fake.add_deployment("staging", "bbb", false, &["success"]);
    let c = client(&fake);
    let d = Deployments {
        client: &c,
        repo: REPO.into(),
    };
    let id = d.create(&new("staging")).await.unwrap();
    d.post_status(id, &status(State::InProgress, None))
        .await
        .unwrap();
    d.post_status(id, &status(State::Failure, None))
        .await
        .unwrap();
    let all = fake.deployments();
    assert_eq!(
        all.iter().find(|x| x.id == id).unwrap().states(),
        ["in_progress", "failure"]
    );
    assert_eq!(
        all.iter().find(|x| x.id == previous).unwrap().states(),
        ["success"]
    );
    fake.assert_conforms();
}

#[tokio::test]
async fn a_502_after_the_create_landed_leaves_one_deployment() {
    let fake = FakeGitHub::start(TOKEN);
    fake.fault(bad_gateway("POST", "/deployments", true));
    let c = client(&fake);
    let d = Deployments {
        client: &c,
        repo: REPO.into(),
    };
    let id = d.create(&new("staging")).await.unwrap();
    let all = fake.deployments();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].id, id);
    fake.assert_conforms();
}

#[tokio::test]
async fn a_502_before_the_create_landed_is_posted_once_more() {
    let fake = FakeGitHub::start(TOKEN);
    // Another deployment of the commit, not ours: it must not be taken for ours.
    fake.add_deployment("staging", SHA, false, &["success"]);
    fake.fault(bad_gateway("POST", "/deployments", false));
    let c = client(&fake);
    let d = Deployments {
        client: &c,
        repo: REPO.into(),
    };
    let id = d.create(&new("staging")).await.unwrap();
    let all = fake.deployments();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1].id, id);
    let statuses: Vec<u16> = fake.state().log.iter().map(|x| x.status).collect();
    assert_eq!(statuses, [502, 200, 201]);
    fake.assert_conforms();
}

#[tokio::test]
async fn a_502_on_a_status_is_posted_once_more_only_when_it_did_not_land() {
    let fake = FakeGitHub::start(TOKEN);
    let c = client(&fake);
    let d = Deployments {
        client: &c,
        repo: REPO.into(),
    };
    let id = d.create(&new("staging")).await.unwrap();
    fake.fault(bad_gateway("POST", "/statuses", false));
    d.post_status(id, &status(State::InProgress, None))
        .await
        .unwrap();
    fake.fault(bad_gateway("POST", "/statuses", true));
    d.post_status(id, &status(State::Success, None))
        .await
        .unwrap();
    assert_eq!(fake.deployments()[0].states(), ["in_progress", "success"]);
    fake.assert_conforms();
}

#[tokio::test]
async fn a_read_only_token_is_a_forbidden_error_without_the_token_in_it() {
    let fake = FakeGitHub::start(TOKEN);
    fake.state().read_only = true;
    let c = client(&fake);
    let d = Deployments {
        client: &c,
        repo: REPO.into(),
    };
    let e = d.create(&new("staging")).await.unwrap_err();
    assert_eq!(e.status(), Some(403), "{e}");
    assert!(e.is_forbidden_integration(), "{e}");
    assert!(!e.to_string().contains("SENTINEL"), "{e}");
    assert!(fake.deployments().is_empty());
    fake.assert_conforms();
}

#[tokio::test]
async fn a_long_description_is_cut_to_what_github_accepts() {
    let fake = FakeGitHub::start(TOKEN);
    let c = client(&fake);
    let d = Deployments {
        client: &c,
        repo: REPO.into(),
    };
    let id = d.create(&new("staging")).await.unwrap();
    let mut s = status(State::Failure, None);
    s.description = "rollout failed: ".to_string() + &"x".repeat(300);
    d.post_status(id, &s).await.unwrap();
    assert_eq!(
        fake.deployments()[0].statuses[0]
            .description
            .chars()
            .count(),
        140
    );
    fake.assert_conforms();
}
