//! A fake GitHub API for tests: issue comments, pull requests, deployments and their statuses,
//! and the GraphQL `minimizeComment` mutation, with faults on demand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde_json::{json, Value};
use tiny_http::{Header, Response, Server};

use crate::openapi;

/// A comment the fake holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Id.
    pub id: u64,
    /// Issue or PR number.
    pub issue: u64,
    /// Markdown.
    pub body: String,
    /// Author login.
    pub login: String,
    /// Hidden with GraphQL `minimizeComment`.
    pub minimized: bool,
}

/// A deployment the fake holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// Id.
    pub id: u64,
    /// The commit (the `ref` asked for; the fake resolves no branch names).
    pub sha: String,
    /// Environment.
    pub environment: String,
    /// Description.
    pub description: String,
    /// `payload` as given.
    pub payload: Value,
    /// `production_environment` (GitHub's default: true for `production`).
    pub production: bool,
    /// `transient_environment`.
    pub transient: bool,
    /// Statuses, oldest first.
    pub statuses: Vec<DeploymentStatus>,
}

impl Deployment {
    /// The states of its statuses, oldest first.
    pub fn states(&self) -> Vec<&str> {
        self.statuses.iter().map(|s| s.state.as_str()).collect()
    }
}

/// A deployment status the fake holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentStatus {
    /// Id.
    pub id: u64,
    /// `in_progress`, `success`, `inactive`, ...
    pub state: String,
    /// `environment_url` (empty when not given).
    pub environment_url: String,
    /// `log_url` (empty when not given).
    pub log_url: String,
    /// Description.
    pub description: String,
}

/// An answer forced onto matching requests.
#[derive(Debug, Clone, Default)]
pub struct Fault {
    /// HTTP method to match.
    pub method: &'static str,
    /// Substring of the path to match.
    pub path_contains: String,
    /// Status to answer.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Value,
    /// Carry out the request first, then answer with the fault (a create that lands but whose
    /// answer is lost).
    pub after_effect: bool,
    /// How many times it fires.
    pub times: u32,
    /// Wait this long before answering (a timeout on the client's side).
    pub delay_ms: u64,
    /// Spaces sent after the JSON body (still valid JSON): an answer this much larger.
    pub pad: usize,
    /// Send the body chunked, without a Content-Length.
    pub chunked: bool,
    /// Claim this Content-Length whatever is sent (a server announcing gigabytes).
    pub claim_length: Option<usize>,
}

/// One request and its answer, as the server saw them.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Method.
    pub method: String,
    /// Path below the base path, without the query.
    pub path: String,
    /// Query string.
    pub query: String,
    /// Request headers (lower-case names).
    pub headers: HashMap<String, String>,
    /// Request body, if JSON.
    pub request: Option<Value>,
    /// Status sent.
    pub status: u16,
    /// Body sent, if any.
    pub response: Option<Value>,
}

/// Everything the fake knows.
#[derive(Debug, Default)]
pub struct State {
    /// Comments, oldest first.
    pub comments: Vec<Comment>,
    next_id: u64,
    /// Pull request number → head SHA.
    pub pulls: HashMap<u64, String>,
    /// Pending faults.
    pub faults: Vec<Fault>,
    /// What was asked and answered.
    pub log: Vec<Exchange>,
    /// The token requests must carry.
    pub token: String,
    /// Writes answer 403 "Resource not accessible by integration", as for a fork's token.
    pub read_only: bool,
    /// The login comments created through the API get.
    pub login: String,
    /// Deployments, oldest first.
    pub deployments: Vec<Deployment>,
}

/// The running fake.
pub struct FakeGitHub {
    state: Arc<Mutex<State>>,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
    /// `http://127.0.0.1:PORT` plus the base path (`/api/v3` for a GHES-style fake).
    pub api_url: String,
    /// GraphQL endpoint.
    pub graphql_url: String,
}

impl FakeGitHub {
    /// Start a fake serving `https://api.github.com`-style paths.
    pub fn start(token: &str) -> Self {
        Self::start_at(token, "")
    }

    /// Start a fake whose REST API lives under `base_path` (GHES uses `/api/v3`, GraphQL at
    /// `/api/graphql`).
    pub fn start_at(token: &str, base_path: &str) -> Self {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind a local port"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            token: token.to_string(),
            login: "github-actions[bot]".into(),
            ..Default::default()
        }));
        let base = base_path.trim_end_matches('/').to_string();
        let graphql_path = if base.is_empty() {
            "/graphql".to_string()
        } else {
            "/api/graphql".to_string()
        };
        let api_url = format!("http://127.0.0.1:{port}{base}");
        let graphql_url = format!("http://127.0.0.1:{port}{graphql_path}");
        let (s2, st2, api2) = (server.clone(), state.clone(), api_url.clone());
        let thread = std::thread::spawn(move || {
            for req in s2.incoming_requests() {
                handle(req, &st2, &base, &graphql_path, &api2);
            }
        });
        FakeGitHub {
            state,
            server,
            thread: Some(thread),
            api_url,
            graphql_url,
        }
    }

    /// Lock the state to arrange or inspect it.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("fake state lock")
    }

    /// Add a comment as if someone had posted it.
    pub fn add_comment(&self, issue: u64, login: &str, body: &str) -> u64 {
        let mut s = self.state();
        s.next_id += 1;
        let id = s.next_id;
        s.comments.push(Comment {
            id,
            issue,
            body: body.to_string(),
            login: login.to_string(),
            minimized: false,
        });
        id
    }

    /// Add a deployment of `sha` to `environment` with statuses in these `states` (oldest
    /// first), as if another run had made it.
    pub fn add_deployment(
        &self,
        environment: &str,
        sha: &str,
        production: bool,
        states: &[&str],
    ) -> u64 {
        let mut s = self.state();
        s.next_id += 1;
        let id = s.next_id;
        let mut statuses = Vec::new();
        for state in states {
            s.next_id += 1;
            statuses.push(DeploymentStatus {
                id: s.next_id,
                state: state.to_string(),
                environment_url: String::new(),
                log_url: String::new(),
                description: String::new(),
            });
        }
        s.deployments.push(Deployment {
            id,
            sha: sha.to_string(),
            environment: environment.to_string(),
            description: String::new(),
            payload: json!({}),
            production,
            transient: false,
            statuses,
        });
        id
    }

    /// Add the deployment GitHub makes for a job that declares `environment:` (no payload,
    /// statuses `queued` then `in_progress`, each linked to the job at `job_url`), as the job
    /// runs.
    pub fn add_job_deployment(&self, environment: &str, sha: &str, job_url: &str) -> u64 {
        let id = self.add_deployment(environment, sha, false, &["queued", "in_progress"]);
        let mut s = self.state();
        let d = s
            .deployments
            .iter_mut()
            .find(|d| d.id == id)
            .expect("added");
        for status in &mut d.statuses {
            status.log_url = job_url.to_string();
        }
        id
    }

    /// The deployments, oldest first.
    pub fn deployments(&self) -> Vec<Deployment> {
        self.state().deployments.clone()
    }

    /// Force an answer onto the next matching requests.
    pub fn fault(&self, f: Fault) {
        self.state().faults.push(f);
    }

    /// The comments on one issue.
    pub fn comments(&self, issue: u64) -> Vec<Comment> {
        self.state()
            .comments
            .iter()
            .filter(|c| c.issue == issue)
            .cloned()
            .collect()
    }

    /// Panic unless every exchange fits GitHub's REST description: known operation, declared
    /// query parameters, valid request body, valid response body for documented statuses,
    /// a User-Agent and the token on every request.
    pub fn assert_conforms(&self) {
        let s = self.state();
        let mut problems = Vec::new();
        for x in &s.log {
            if x.path.ends_with("graphql") {
                continue;
            }
            if !x.headers.contains_key("user-agent") {
                problems.push(format!("{} {}: no User-Agent", x.method, x.path));
            }
            let Some(op) = openapi::find(&x.method, &x.path) else {
                problems.push(format!(
                    "{} {} is not an operation of the REST description",
                    x.method, x.path
                ));
                continue;
            };
            let declared = op.query_params();
            for pair in x.query.split('&').filter(|p| !p.is_empty()) {
                let name = pair.split('=').next().unwrap_or_default();
                if !declared.contains(&name) {
                    problems.push(format!("{}: undeclared query parameter {name}", op.id));
                }
            }
            if let Some(b) = &x.request {
                if let Err(e) = op.check_request(b) {
                    problems.push(e);
                }
            }
            match op.check_response(x.status, x.response.as_ref()) {
                Err(e) => problems.push(e),
                Ok(false) => {
                    // Undocumented statuses (GitHub documents few 5xx and no 429) carry the
                    // basic-error shape.
                    if x.response.as_ref().and_then(|r| r.get("message")).is_none() {
                        problems.push(format!(
                            "{} {}: undocumented status without a message",
                            op.id, x.status
                        ));
                    }
                }
                Ok(true) => {}
            }
        }
        assert!(
            problems.is_empty(),
            "the client or the fake strayed from GitHub's REST description:\n{}",
            problems.join("\n")
        );
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const TIME: &str = "2026-11-23T10:00:00Z";

fn comment_json(c: &Comment, api: &str, repo: &str) -> Value {
    let mut v = openapi::operations()
        .iter()
        .find(|o| o.id == "issues/create-comment")
        .and_then(|o| o.example(201))
        .cloned()
        .expect("the description has an issue-comment example");
    v["id"] = json!(c.id);
    v["node_id"] = json!(format!("IC_kwDO{}", c.id));
    v["url"] = json!(format!("{api}/repos/{repo}/issues/comments/{}", c.id));
    v["html_url"] = json!(format!(
        "https://github.com/{repo}/pull/{}#issuecomment-{}",
        c.issue, c.id
    ));
    v["issue_url"] = json!(format!("{api}/repos/{repo}/issues/{}", c.issue));
    v["body"] = json!(c.body);
    v["created_at"] = json!(TIME);
    v["updated_at"] = json!(TIME);
    v["user"]["login"] = json!(c.login);
    v["user"]["type"] = json!(if c.login.ends_with("[bot]") {
        "Bot"
    } else {
        "User"
    });
    v
}

fn example(operation: &str, status: u16) -> Value {
    openapi::operations()
        .iter()
        .find(|o| o.id == operation)
        .and_then(|o| o.example(status))
        .cloned()
        .unwrap_or_else(|| panic!("the description has an example of {operation} {status}"))
}

/// The creator of what the fake's token writes.
fn creator(v: &mut Value, login: &str) {
    v["login"] = json!(login);
    v["type"] = json!(if login.ends_with("[bot]") {
        "Bot"
    } else {
        "User"
    });
}

fn deployment_json(d: &Deployment, api: &str, repo: &str, login: &str) -> Value {
    let mut v = example("repos/create-deployment", 201);
    let url = format!("{api}/repos/{repo}/deployments/{}", d.id);
    v["id"] = json!(d.id);
    v["node_id"] = json!(format!("DE_kwDO{}", d.id));
    v["sha"] = json!(d.sha);
    v["ref"] = json!(d.sha);
    v["payload"] = d.payload.clone();
    v["environment"] = json!(d.environment);
    v["original_environment"] = json!(d.environment);
    v["description"] = json!(d.description);
    v["production_environment"] = json!(d.production);
    v["transient_environment"] = json!(d.transient);
    v["statuses_url"] = json!(format!("{url}/statuses"));
    v["repository_url"] = json!(format!("{api}/repos/{repo}"));
    v["url"] = json!(url);
    v["created_at"] = json!(TIME);
    v["updated_at"] = json!(TIME);
    creator(&mut v["creator"], login);
    v
}

fn deployment_status_json(
    d: &Deployment,
    st: &DeploymentStatus,
    api: &str,
    repo: &str,
    login: &str,
) -> Value {
    let mut v = example("repos/create-deployment-status", 201);
    let deployment = format!("{api}/repos/{repo}/deployments/{}", d.id);
    v["id"] = json!(st.id);
    v["node_id"] = json!(format!("DES_kwDO{}", st.id));
    v["state"] = json!(st.state);
    v["description"] = json!(st.description);
    v["environment"] = json!(d.environment);
    v["url"] = json!(format!("{deployment}/statuses/{}", st.id));
    v["deployment_url"] = json!(deployment);
    v["repository_url"] = json!(format!("{api}/repos/{repo}"));
    v["created_at"] = json!(TIME);
    v["updated_at"] = json!(TIME);
    // The description types these URLs as `uri`, which an empty string is not: what was never
    // set is left out, but for the required `target_url`, which then names the deployment.
    let o = v.as_object_mut().expect("an object");
    let target = match st.log_url.is_empty() {
        true => deployment.clone(),
        false => st.log_url.clone(),
    };
    for (k, set) in [
        ("environment_url", &st.environment_url),
        ("log_url", &st.log_url),
        ("target_url", &target),
    ] {
        match set.is_empty() {
            true => o.remove(k),
            false => o.insert(k.into(), json!(set)),
        };
    }
    creator(&mut v["creator"], login);
    v
}

/// One page of `items` as `per_page` and `page` ask, with GitHub's `Link` header to the others
/// (`url` is the list's address with its other query parameters).
fn paged(items: Vec<Value>, query: &str, url: &str) -> Answer {
    let per_page = param(query, "per_page").unwrap_or(30).clamp(1, 100) as usize;
    let page = param(query, "page").unwrap_or(1).max(1) as usize;
    let pages = items.len().div_ceil(per_page).max(1);
    let shown: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut a = answer(200, Some(Value::Array(shown)));
    let sep = if url.contains('?') { '&' } else { '?' };
    let link =
        |p: usize, rel: &str| format!("<{url}{sep}per_page={per_page}&page={p}>; rel=\"{rel}\"");
    let mut links = Vec::new();
    if page < pages {
        links.push(link(page + 1, "next"));
        links.push(link(pages, "last"));
    }
    if page > 1 {
        links.push(link(1, "first"));
        links.push(link(page - 1, "prev"));
    }
    if !links.is_empty() {
        a.headers.push(("Link".into(), links.join(", ")));
    }
    a
}

/// A query parameter's text value (percent-decoded).
fn text_param(query: &str, name: &str) -> Option<String> {
    let raw = query
        .split('&')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn validation_failed(resource: &str, field: &str, code: &str, message: &str) -> Answer {
    answer(
        422,
        Some(json!({
            "message": "Validation Failed",
            "errors": [{ "resource": resource, "code": code, "field": field, "message": message }],
            "documentation_url": "https://docs.github.com/rest/deployments/deployments"
        })),
    )
}

/// The deployment routes: list, create, list statuses, create a status.
fn deployments_route(
    s: &mut State,
    method: &str,
    seg: &[&str],
    query: &str,
    body: Option<&Value>,
    api: &str,
) -> Answer {
    let (o, r) = (seg[1], seg[2]);
    let repo = format!("{o}/{r}");
    let login = s.login.clone();
    match (method, &seg[3..]) {
        ("GET", ["deployments"]) => {
            let sha = text_param(query, "sha");
            let environment = text_param(query, "environment");
            // Newest first, as GitHub lists them.
            let items = s
                .deployments
                .iter()
                .rev()
                .filter(|d| sha.as_ref().is_none_or(|x| *x == d.sha))
                .filter(|d| environment.as_ref().is_none_or(|x| *x == d.environment))
                .map(|d| deployment_json(d, api, &repo, &login))
                .collect();
            let mut url = format!("{api}/repos/{repo}/deployments");
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| p.starts_with("sha=") || p.starts_with("environment="))
                .collect();
            if !kept.is_empty() {
                url = format!("{url}?{}", kept.join("&"));
            }
            paged(items, query, &url)
        }
        ("POST", ["deployments"]) => {
            let b = body.cloned().unwrap_or(Value::Null);
            let Some(sha) = b["ref"].as_str().filter(|x| !x.is_empty()) else {
                return validation_failed("Deployment", "ref", "missing_field", "ref is missing");
            };
            let environment = b["environment"]
                .as_str()
                .unwrap_or("production")
                .to_string();
            s.next_id += 1;
            let d = Deployment {
                id: s.next_id,
                sha: sha.to_string(),
                production: b["production_environment"]
                    .as_bool()
                    .unwrap_or(environment == "production"),
                transient: b["transient_environment"].as_bool().unwrap_or(false),
                description: b["description"].as_str().unwrap_or_default().to_string(),
                payload: match &b["payload"] {
                    Value::Null => json!({}),
                    p => p.clone(),
                },
                environment,
                statuses: Vec::new(),
            };
            let v = deployment_json(&d, api, &repo, &login);
            s.deployments.push(d);
            answer(201, Some(v))
        }
        ("GET", ["deployments", id, "statuses"]) => {
            let Some(d) = s.deployments.iter().find(|d| id.parse() == Ok(d.id)) else {
                return answer(404, Some(error("Not Found")));
            };
            let items = d
                .statuses
                .iter()
                .rev()
                .map(|st| deployment_status_json(d, st, api, &repo, &login))
                .collect();
            paged(
                items,
                query,
                &format!("{api}/repos/{repo}/deployments/{id}/statuses"),
            )
        }
        ("POST", ["deployments", id, "statuses"]) => {
            let b = body.cloned().unwrap_or(Value::Null);
            const STATES: [&str; 7] = [
                "error",
                "failure",
                "inactive",
                "in_progress",
                "queued",
                "pending",
                "success",
            ];
            let Some(state) = b["state"].as_str().filter(|x| STATES.contains(x)) else {
                return validation_failed(
                    "DeploymentStatus",
                    "state",
                    "invalid",
                    "state is not included in the list",
                );
            };
            let description = b["description"].as_str().unwrap_or_default().to_string();
            if description.chars().count() > 140 {
                return validation_failed(
                    "DeploymentStatus",
                    "description",
                    "custom",
                    "description is too long (maximum is 140 characters)",
                );
            }
            let Some(i) = s.deployments.iter().position(|d| id.parse() == Ok(d.id)) else {
                return answer(404, Some(error("Not Found")));
            };
            s.next_id += 1;
            let st = DeploymentStatus {
                id: s.next_id,
                state: state.to_string(),
                environment_url: b["environment_url"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                log_url: b["log_url"]
                    .as_str()
                    .or(b["target_url"].as_str())
                    .unwrap_or_default()
                    .to_string(),
                description,
            };
            // GitHub's auto_inactive (default true): the earlier successful deployments of
            // the environment, non-production and non-transient only, become inactive.
            if state == "success" && b["auto_inactive"].as_bool() != Some(false) {
                let (env, owner) = (s.deployments[i].environment.clone(), s.deployments[i].id);
                let mut next = s.next_id;
                for d in s.deployments.iter_mut().filter(|d| {
                    d.environment == env && !d.production && !d.transient && d.id != owner
                }) {
                    if d.statuses.last().is_some_and(|x| x.state == "success") {
                        next += 1;
                        d.statuses.push(DeploymentStatus {
                            id: next,
                            state: "inactive".into(),
                            environment_url: String::new(),
                            log_url: String::new(),
                            description: String::new(),
                        });
                    }
                }
                s.next_id = next;
            }
            let v = deployment_status_json(&s.deployments[i], &st, api, &repo, &login);
            s.deployments[i].statuses.push(st);
            answer(201, Some(v))
        }
        _ => answer(404, Some(error("Not Found"))),
    }
}

fn error(message: &str) -> Value {
    json!({ "message": message, "documentation_url": "https://docs.github.com/rest" })
}

#[derive(Default)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    /// The transport of a fault: see [`Fault`].
    pad: usize,
    chunked: bool,
    claim_length: Option<usize>,
}

fn answer(status: u16, body: Option<Value>) -> Answer {
    Answer {
        status,
        body,
        ..Default::default()
    }
}

fn handle(
    mut req: tiny_http::Request,
    state: &Arc<Mutex<State>>,
    base: &str,
    graphql_path: &str,
    api: &str,
) {
    let method = req.method().as_str().to_uppercase();
    let url = req.url().to_string();
    let (full_path, query) = url
        .split_once('?')
        .map_or((url.clone(), String::new()), |(p, q)| {
            (p.to_string(), q.to_string())
        });
    let headers: HashMap<String, String> = req
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_ascii_lowercase(),
                h.value.as_str().to_string(),
            )
        })
        .collect();
    let mut raw = String::new();
    let _ = req.as_reader().read_to_string(&mut raw);
    let request: Option<Value> = serde_json::from_str(&raw).ok();

    let mut s = state.lock().expect("fake state lock");
    let path = if full_path == graphql_path {
        "/graphql".to_string()
    } else {
        full_path
            .strip_prefix(base)
            .unwrap_or("/not-under-base")
            .to_string()
    };
    let authorized = headers
        .get("authorization")
        .is_some_and(|a| a == &format!("Bearer {}", s.token) || a == &format!("token {}", s.token));
    let fault = s
        .faults
        .iter()
        .position(|f| f.method == method && path.contains(&f.path_contains) && f.times > 0);
    let mut ans = if !authorized {
        answer(401, Some(error("Bad credentials")))
    } else if let Some(i) = fault.filter(|&i| !s.faults[i].after_effect) {
        fire(&mut s, i)
    } else {
        let a = route(&mut s, &method, &path, &query, request.as_ref(), api);
        match fault {
            Some(i) => fire(&mut s, i),
            None => a,
        }
    };
    if ans.status == 201 {
        if let Some(id) = ans.body.as_ref().and_then(|b| b["url"].as_str()) {
            ans.headers.push(("Location".into(), id.to_string()));
        }
    }
    s.log.push(Exchange {
        method: method.clone(),
        path,
        query,
        headers,
        request,
        status: ans.status,
        response: ans.body.clone(),
    });
    drop(s);
    let text = ans.body.map(|b| b.to_string()).unwrap_or_default();
    let length = text.len() + ans.pad;
    let data = std::io::Read::chain(
        std::io::Cursor::new(text.into_bytes()),
        std::io::Read::take(std::io::repeat(b' '), ans.pad as u64),
    );
    let mut resp = match (ans.chunked, ans.claim_length) {
        (true, _) => {
            Response::new(ans.status.into(), Vec::new(), data, None, None).with_chunked_threshold(0)
        }
        (false, Some(claim)) => {
            Response::new(ans.status.into(), Vec::new(), data, Some(claim), None)
                .with_chunked_threshold(usize::MAX)
        }
        (false, None) => Response::new(ans.status.into(), Vec::new(), data, Some(length), None),
    };
    resp.add_header(
        Header::from_bytes("Content-Type", "application/json; charset=utf-8").expect("header"),
    );
    for (k, v) in ans.headers {
        resp.add_header(Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("header"));
    }
    let _ = req.respond(resp);
}

/// Use up one firing of fault `i` and answer with it.
fn fire(s: &mut State, i: usize) -> Answer {
    s.faults[i].times -= 1;
    let f = s.faults[i].clone();
    std::thread::sleep(std::time::Duration::from_millis(f.delay_ms));
    Answer {
        status: f.status,
        headers: f.headers,
        body: Some(f.body),
        pad: f.pad,
        chunked: f.chunked,
        claim_length: f.claim_length,
    }
}

fn param(query: &str, name: &str) -> Option<u64> {
    query
        .split('&')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
}

fn route(
    s: &mut State,
    method: &str,
    path: &str,
    query: &str,
    body: Option<&Value>,
    api: &str,
) -> Answer {
    let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let writes = matches!(method, "POST" | "PATCH" | "DELETE");
    if writes && s.read_only {
        return answer(403, Some(error("Resource not accessible by integration")));
    }
    match (method, seg.as_slice()) {
        ("POST", ["graphql"]) => graphql(s, body),
        (_, ["repos", _, _, "deployments", ..]) => {
            deployments_route(s, method, &seg, query, body, api)
        }
        ("GET", ["repos", o, r, "issues", n, "comments"]) => {
            let Ok(n) = n.parse::<u64>() else {
                return answer(404, Some(error("Not Found")));
            };
            let per_page = param(query, "per_page").unwrap_or(30).clamp(1, 100) as usize;
            let page = param(query, "page").unwrap_or(1).max(1) as usize;
            let repo = format!("{o}/{r}");
            let all: Vec<&Comment> = s.comments.iter().filter(|c| c.issue == n).collect();
            let pages = all.len().div_ceil(per_page).max(1);
            let items: Vec<Value> = all
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .map(|c| comment_json(c, api, &repo))
                .collect();
            let mut a = answer(200, Some(Value::Array(items)));
            let link = |p: usize, rel: &str| {
                format!("<{api}/repos/{repo}/issues/{n}/comments?per_page={per_page}&page={p}>; rel=\"{rel}\"")
            };
            let mut links = Vec::new();
            if page < pages {
                links.push(link(page + 1, "next"));
                links.push(link(pages, "last"));
            }
            if page > 1 {
                links.push(link(1, "first"));
                links.push(link(page - 1, "prev"));
            }
            if !links.is_empty() {
                a.headers.push(("Link".into(), links.join(", ")));
            }
            a
        }
        ("POST", ["repos", o, r, "issues", n, "comments"]) => {
            let Ok(n) = n.parse::<u64>() else {
                return answer(404, Some(error("Not Found")));
            };
            let text = match comment_body(body) {
                Ok(t) => t,
                Err(e) => return e,
            };
            s.next_id += 1;
            let c = Comment {
                id: s.next_id,
                issue: n,
                body: text,
                login: s.login.clone(),
                minimized: false,
            };
            let v = comment_json(&c, api, &format!("{o}/{r}"));
            s.comments.push(c);
            answer(201, Some(v))
        }
        ("PATCH", ["repos", o, r, "issues", "comments", id]) => {
            let text = match comment_body(body) {
                Ok(t) => t,
                Err(e) => return e,
            };
            let login = s.login.clone();
            match s.comments.iter_mut().find(|c| id.parse() == Ok(c.id)) {
                // GitHub lets an integration edit only its own comments.
                Some(c) if c.login != login => {
                    answer(403, Some(error("Resource not accessible by integration")))
                }
                Some(c) => {
                    c.body = text;
                    let c = c.clone();
                    answer(200, Some(comment_json(&c, api, &format!("{o}/{r}"))))
                }
                None => answer(404, Some(error("Not Found"))),
            }
        }
        ("DELETE", ["repos", _, _, "issues", "comments", id]) => {
            match s.comments.iter().position(|c| id.parse() == Ok(c.id)) {
                Some(i) => {
                    s.comments.remove(i);
                    answer(204, None)
                }
                None => answer(404, Some(error("Not Found"))),
            }
        }
        ("GET", ["repos", o, r, "pulls", n]) => {
            let Some(sha) = n.parse().ok().and_then(|n: u64| s.pulls.get(&n).cloned()) else {
                return answer(404, Some(error("Not Found")));
            };
            let op = openapi::operations()
                .iter()
                .find(|o| o.id == "pulls/get")
                .expect("pulls/get");
            let mut v = op.example(200).cloned().expect("pulls/get example");
            // GitHub's own example lists a team without the `type` its schema requires.
            v["requested_teams"] = json!([]);
            v["number"] = json!(n.parse::<u64>().unwrap_or(0));
            v["head"]["sha"] = json!(sha);
            v["base"]["repo"]["full_name"] = json!(format!("{o}/{r}"));
            answer(200, Some(v))
        }
        _ => answer(404, Some(error("Not Found"))),
    }
}

/// The `body` of a comment request, or GitHub's 422 when it is blank or too long.
fn comment_body(body: Option<&Value>) -> Result<String, Answer> {
    let text = body
        .and_then(|b| b["body"].as_str())
        .unwrap_or_default()
        .to_string();
    match invalid_body(&text) {
        Some(e) => Err(e),
        None => Ok(text),
    }
}

fn invalid_body(text: &str) -> Option<Answer> {
    let fail = |code: &str, message: &str| {
        Some(answer(
            422,
            Some(json!({
                "message": "Validation Failed",
                "errors": [{ "resource": "IssueComment", "code": code, "field": "data", "message": message }],
                "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
            })),
        ))
    };
    if text.trim().is_empty() {
        return fail("missing_field", "body cannot be blank");
    }
    if text.chars().count() > 65_536 {
        return fail(
            "unprocessable",
            "Body is too long (maximum is 65536 characters)",
        );
    }
    None
}

fn graphql(s: &mut State, body: Option<&Value>) -> Answer {
    let q = body.and_then(|b| b["query"].as_str()).unwrap_or_default();
    let id = body
        .and_then(|b| b["variables"]["id"].as_str())
        .unwrap_or_default();
    if !q.contains("minimizeComment") {
        return answer(
            200,
            Some(json!({ "errors": [{ "message": "unsupported query in the fake" }] })),
        );
    }
    match s
        .comments
        .iter_mut()
        .find(|c| format!("IC_kwDO{}", c.id) == id)
    {
        Some(c) => {
            c.minimized = true;
            answer(
                200,
                Some(
                    json!({ "data": { "minimizeComment": { "minimizedComment": { "isMinimized": true, "minimizedReason": "outdated" } } } }),
                ),
            )
        }
        None => answer(
            200,
            Some(
                json!({ "data": null, "errors": [{ "type": "NOT_FOUND", "message": format!("Could not resolve to a node with the global id of '{id}'") }] }),
            ),
        ),
    }
}

/// A 502 for the next matching request.
pub fn bad_gateway(method: &'static str, path_contains: &str, after_effect: bool) -> Fault {
    Fault {
        method,
        path_contains: path_contains.into(),
        status: 502,
        body: error("Server Error"),
        after_effect,
        times: 1,
        ..Default::default()
    }
}

/// GitHub's secondary rate limit answer: 403 with `retry-after`.
pub fn secondary_rate_limit(method: &'static str, path_contains: &str, retry_after: u32) -> Fault {
    Fault {
        method,
        path_contains: path_contains.into(),
        status: 403,
        headers: vec![("retry-after".into(), retry_after.to_string())],
        body: error("You have exceeded a secondary rate limit. Please wait a few minutes before you try again."),
        times: 1,
        ..Default::default()
    }
}

/// GitHub's answer for a renamed or transferred repository: `status` (301 for reads, 307 for
/// writes) with `Location` and the basic-error body that carries the new `url`.
pub fn moved(method: &'static str, path_contains: &str, status: u16, location: &str) -> Fault {
    Fault {
        method,
        path_contains: path_contains.into(),
        status,
        headers: vec![("Location".into(), location.into())],
        body: json!({ "message": "Moved Permanently", "url": location, "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects" }),
        times: 1,
        ..Default::default()
    }
}
