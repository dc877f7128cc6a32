//! The client against the fake GitHub API: redirects, other hosts, oversized and lost answers.

use gates_github::client::HttpMethod;
use gates_github::{Client, Mode, RetryPolicy, Sticky};
use gates_testkit::github::{moved, FakeGitHub, Fault};

/// A token value that must never appear in any error.
const TOKEN: &str = "ghs_SENTINEL0123456789abcdefTOKEN";
const REPO: &str = "Codertocat/Hello-World";
const PR: u64 = 2;

fn policy() -> RetryPolicy {
    RetryPolicy {
        backoff: std::time::Duration::from_millis(10),
        timeout: std::time::Duration::from_secs(10),
        ..RetryPolicy::default()
    }
}

fn client(fake: &FakeGitHub) -> Client {
    Client::new(&fake.api_url, &fake.graphql_url, TOKEN, policy()).unwrap()
}

fn sticky<'a>(client: &'a Client, repo: &str) -> Sticky<'a> {
    Sticky {
        client,
        repo: repo.into(),
        pr: PR,
        id: "gates".into(),
        author: "github-actions[bot]".into(),
    }
}

#[tokio::test]
async fn a_renamed_repository_redirect_of_a_read_is_followed_on_the_same_host() {
    let fake = FakeGitHub::start(TOKEN);
    let id = fake.add_comment(PR, "github-actions[bot]", "<!-- gates:gates -->\nold");
    let to = format!(
        "{}/repos/{REPO}/issues/{PR}/comments?per_page=100",
        fake.api_url
    );
    fake.fault(moved("GET", "/repos/old/name/", 301, &to));
    let c = client(&fake);
    let found = sticky(&c, "old/name").find().await.unwrap();
    assert_eq!(found.iter().map(|e| e.id).collect::<Vec<_>>(), [id]);
}

#[tokio::test]
async fn a_redirect_of_a_delete_is_an_error_and_not_sent_on() {
    let fake = FakeGitHub::start(TOKEN);
    let id = fake.add_comment(PR, "github-actions[bot]", "<!-- gates:gates -->\nold");
    let path = format!("/repos/{REPO}/issues/comments/{id}");
    fake.fault(moved(
        "DELETE",
        &path,
        308,
        &format!("{}{path}", fake.api_url),
    ));
    let e = client(&fake)
        .request(HttpMethod::DELETE, &path, None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(308), "{e}");
    assert!(e.to_string().contains("never sent on"), "{e}");
    assert_eq!(fake.comments(PR).len(), 1);
    assert_eq!(fake.state().log.len(), 1);
    fake.assert_conforms();
}

/// A `Link: rel="next"` to `next`, on an empty first page.
fn next_page_at(next: &str) -> Fault {
    Fault {
        method: "GET",
        path_contains: "/comments".into(),
        status: 200,
        headers: vec![("Link".into(), format!("<{next}>; rel=\"next\""))],
        body: serde_json::json!([]),
        times: 1,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_next_page_link_to_another_host_is_refused_not_followed() {
    let fake = FakeGitHub::start(TOKEN);
    let other = FakeGitHub::start("elsewhere");
    let host = other.api_url.trim_start_matches("http://").to_string();
    fake.fault(next_page_at(&format!(
        "{}/repos/{REPO}/issues/{PR}/comments?page=2",
        other.api_url
    )));
    let c = client(&fake);
    let e = sticky(&c, REPO).put("new", Mode::Update).await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(&host) && text.contains("not followed"),
        "{text}"
    );
    assert!(!text.contains("SENTINEL"), "{text}");
    assert!(other.state().log.is_empty(), "the other host was asked");
    assert!(fake.comments(PR).is_empty());
}

#[tokio::test]
async fn a_redirect_of_a_read_to_another_host_is_refused_not_followed() {
    let fake = FakeGitHub::start(TOKEN);
    let other = FakeGitHub::start("elsewhere");
    let host = other.api_url.trim_start_matches("http://").to_string();
    let to = format!("{}/repos/{REPO}/issues/{PR}/comments", other.api_url);
    fake.fault(moved("GET", "/comments", 301, &to));
    let c = client(&fake);
    let e = sticky(&c, REPO).find().await.unwrap_err();
    assert!(e.to_string().contains(&host), "{e}");
    assert!(other.state().log.is_empty(), "the other host was asked");
    // The same host on another port is another origin too.
    let port = fake
        .api_url
        .rsplit(':')
        .next()
        .unwrap()
        .parse::<u16>()
        .unwrap();
    let to = format!(
        "http://127.0.0.1:{}/repos/{REPO}/issues/{PR}/comments",
        port ^ 1
    );
    fake.fault(moved("GET", "/comments", 302, &to));
    assert!(sticky(&c, REPO).find().await.is_err());
    // A relative Location stays on the API's host.
    let to = format!("/repos/{REPO}/issues/{PR}/comments?per_page=100");
    fake.fault(moved("GET", "/comments", 301, &to));
    sticky(&c, REPO).find().await.unwrap();
}

/// An empty page of comments, `pad` bytes larger.
fn huge_page(pad: usize, chunked: bool, claim_length: Option<usize>) -> Fault {
    Fault {
        method: "GET",
        path_contains: "/comments".into(),
        status: 200,
        body: serde_json::json!([]),
        times: 4,
        pad,
        chunked,
        claim_length,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_content_length_of_10_gb_is_refused_before_reading_the_body() {
    let fake = FakeGitHub::start(TOKEN);
    fake.fault(huge_page(0, false, Some(10 << 30)));
    // Short, so that a client that waits for the body gives up soon.
    let policy = RetryPolicy {
        timeout: std::time::Duration::from_secs(3),
        ..policy()
    };
    let c = Client::new(&fake.api_url, &fake.graphql_url, TOKEN, policy).unwrap();
    let e = sticky(&c, REPO).find().await.unwrap_err().to_string();
    let url = format!("{}/repos/{REPO}/issues/{PR}/comments", fake.api_url);
    assert!(
        e.contains(&url) && e.contains("10737418240 bytes") && e.contains("32 MiB"),
        "{e}"
    );
    // Not retried: the same answer would come again.
    assert_eq!(fake.state().log.len(), 1);
}

#[tokio::test]
async fn a_chunked_answer_is_not_read_past_the_cap() {
    let fake = FakeGitHub::start(TOKEN);
    fake.fault(huge_page(33 << 20, true, None));
    let c = client(&fake);
    let e = sticky(&c, REPO).find().await.unwrap_err().to_string();
    assert!(e.contains("/comments") && e.contains("32 MiB"), "{e}");
    assert_eq!(fake.state().log.len(), 1);
    // Within the cap, the same page is read.
    fake.state().faults.clear();
    fake.fault(huge_page(1 << 20, true, None));
    assert!(sticky(&c, REPO).find().await.unwrap().is_empty());
}
