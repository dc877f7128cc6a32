//! A fake Kubernetes API server for tests, that the real kube-rs client and the real `kubectl`
//! talk to over loopback HTTP.
//!
//! It serves discovery (legacy and aggregated), CRUD with the server's semantics
//! (resourceVersions, generations, 404/409/422 `Status` bodies), merge, strategic-merge and
//! JSON patches, server-side apply with managed fields and conflicts, dry runs, watches with
//! compaction (410 Gone), Tables for `kubectl get`, and simulated controllers that roll
//! workloads out, with failures on demand. It speaks JSON (and the protobuf of the few kinds
//! kubectl's typed `create` commands send) and depends on no Kubernetes crate.
//!
//! ```no_run
//! use gates_testkit::k8s::{FakeKube, Failure};
//! let kube = FakeKube::start();
//! let dir = std::env::temp_dir();
//! let kubeconfig = kube.kubeconfig(&dir);
//! // Point kubectl (`--kubeconfig`) or kube-rs (`Config::from_custom_kubeconfig`) at it; then
//! // drive the rollout by hand, or let it run:
//! let controller = kube.controller();
//! controller.fail_image("registry.example/broken", Failure::CrashLoopBackOff);
//! controller.settle();
//! let _running = controller.run_every(std::time::Duration::from_millis(20));
//! ```
//!
//! What it does not do (yet): admission webhooks, RBAC beyond [`FakeKube::deny`], graceful deletion (deletes are
//! immediate unless `metadata.finalizers` hold the object), `limit`/`continue` paging (lists come whole), OpenAPI
//! schemas (`/openapi/v3` only declares the parameters kubectl looks for; `/openapi/v2` is
//! 404), validation of custom resources against their CRD schema, controllers for CronJobs,
//! HPAs and PDBs (a fake Argo Rollouts controller is [`FakeKube::rollouts`]).

mod api;
mod apply;
mod argo;
mod controller;
mod discovery;
mod kubelet;
mod patch;
mod proto;
mod schema;
mod status;
mod store;
mod table;
mod watch;
mod workloads;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};
use tiny_http::{Header, Response, Server};

pub use argo::Rollouts;
pub use controller::{Controller, ControllerLoop, Failure};
pub use discovery::ResourceType;
use store::State;

/// An answer forced onto the next matching requests.
#[derive(Debug, Clone)]
pub struct Fault {
    method: String,
    path_prefix: String,
    status: u16,
    times: u32,
    retry_after: Option<u64>,
    delay_ms: u64,
    after_effect: bool,
    message: Option<String>,
}

impl Fault {
    /// The next `times` requests with `method` (`"*"` for any) whose path starts with
    /// `path_prefix` get a `Status` error with code `status`, without being carried out.
    pub fn new(method: &str, path_prefix: &str, status: u16, times: u32) -> Self {
        Fault {
            method: method.to_ascii_uppercase(),
            path_prefix: path_prefix.to_string(),
            status,
            times,
            retry_after: None,
            delay_ms: 0,
            after_effect: false,
            message: None,
        }
    }

    /// The `Status` message (default `fault injected: <reason>`), e.g. an admission webhook's
    /// denial.
    pub fn message(mut self, text: &str) -> Self {
        self.message = Some(text.to_string());
        self
    }

    /// Carry the request out first, then answer with the fault: a write that lands but whose
    /// answer is lost.
    pub fn after_effect(mut self) -> Self {
        self.after_effect = true;
        self
    }

    /// Send `Retry-After: secs` (and `details.retryAfterSeconds`), as throttling does.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// Wait this long before answering.
    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Method, upper case.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The raw query string.
    pub query: String,
    /// `Content-Type`, if sent.
    pub content_type: String,
    /// `Accept`, if sent.
    pub accept: String,
    /// `User-Agent`, if sent.
    pub user_agent: String,
    /// The body, parsed as JSON or YAML, if any.
    pub body: Option<Value>,
    /// HTTP status answered.
    pub status: u16,
}

impl Request {
    /// A query parameter, percent-decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        param(&self.query, name)
    }

    /// Whether this request was a dry run (`dryRun=All` in the query, or in a delete's
    /// `DeleteOptions` body).
    pub fn is_dry_run(&self) -> bool {
        self.param("dryRun").is_some_and(|v| v == "All")
            || (self.method == "DELETE"
                && self.body.as_ref().is_some_and(|b| {
                    b["dryRun"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|v| v == "All"))
                }))
    }

    /// Whether it asked to change something (not GET, HEAD or a dry run).
    pub fn is_write(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD") && !self.is_dry_run()
    }
}

/// The running fake API server.
pub struct FakeKube {
    state: Arc<Mutex<State>>,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
    url: String,
}

impl FakeKube {
    /// Start serving on a free loopback port, with the `default`, `kube-system`,
    /// `kube-public` and `kube-node-lease` namespaces.
    pub fn start() -> Self {
        // Answers go out in several writes; with Nagle's algorithm on, each one after the
        // first waits for the client's delayed ACK (40 ms a request). Accepted sockets inherit
        // TCP_NODELAY from the listener.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        socket2::SockRef::from(&listener)
            .set_tcp_nodelay(true)
            .expect("TCP_NODELAY on the listener");
        let server = Arc::new(Server::from_listener(listener, None).expect("serve the listener"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let addr = format!("127.0.0.1:{port}");
        let state = Arc::new(Mutex::new(State::new(addr.clone())));
        let (s2, st2) = (server.clone(), state.clone());
        let thread = std::thread::spawn(move || {
            for req in s2.incoming_requests() {
                let st = st2.clone();
                // One thread a request: watches hold theirs for as long as they stream.
                std::thread::spawn(move || serve(req, &st));
            }
        });
        FakeKube {
            state,
            server,
            thread: Some(thread),
            url: format!("http://{addr}"),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Write a kubeconfig into `dir` (context `fake`, namespace `default`, a token user) and
    /// return its path.
    pub fn kubeconfig(&self, dir: &Path) -> PathBuf {
        let path = dir.join("kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    \
             namespace: default\ncurrent-context: fake\nusers:\n- name: fake\n  user:\n    \
             token: fake-token\npreferences: {{}}\n",
            self.url
        );
        std::fs::write(&path, text).expect("write the kubeconfig");
        path
    }

    /// The object, as stored.
    pub fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        let key = object_key(api_version, kind, namespace, name);
        self.state().objects.get(&key).cloned()
    }

    /// The objects of a kind, in one namespace or (`None`) all, ordered by namespace and name.
    pub fn list(&self, api_version: &str, kind: &str, namespace: Option<&str>) -> Vec<Value> {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        self.state().of_kind(group, kind, namespace)
    }

    /// Create or replace an object without admission (no defaulting, validation or managed
    /// fields of its own: what `obj` carries is kept), e.g. to seed one another manager owns.
    /// It gets a uid, creationTimestamp and generation if missing, and a new resourceVersion.
    pub fn put(&self, obj: Value) -> Value {
        let mut s = self.state();
        let key = store::key_of(&obj);
        let mut obj = obj;
        match s.objects.get(&key) {
            Some(old) => {
                let m = store::meta_mut(&mut obj);
                for f in ["uid", "creationTimestamp", "generation"] {
                    if !m.contains_key(f) {
                        m.insert(f.into(), old["metadata"][f].clone());
                    }
                }
            }
            None => {
                let stamped = s.stamp_new(json!({"metadata": {}}));
                let m = store::meta_mut(&mut obj);
                for (k, v) in stamped["metadata"].as_object().into_iter().flatten() {
                    m.entry(k.clone()).or_insert(v.clone());
                }
            }
        }
        let stored = s.write(obj);
        api::after_write(&mut s, &stored);
        stored
    }

    /// Delete an object (and, as background propagation does, what it owns). Whether it was
    /// there.
    pub fn delete(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> bool {
        let key = object_key(api_version, kind, namespace, name);
        api::delete_cascading(&mut self.state(), &key, "Background").is_some()
    }

    /// Deny `verb` (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, or `*`) on
    /// `resource` (a plural such as `deployments`, `deployments/scale`, or `*`), as RBAC
    /// would: such requests get 403 Forbidden, and access reviews (`kubectl auth can-i`)
    /// answer no. Everything else is allowed.
    pub fn deny(&self, verb: &str, resource: &str) {
        self.state()
            .denied
            .push((verb.to_string(), resource.to_string()));
    }

    /// Queue a fault.
    pub fn fault(&self, f: Fault) {
        self.state().faults.push(f);
    }

    /// Forget the change history: a watch from a resourceVersion older than the current one
    /// gets 410 Gone (`Expired`), as after etcd compaction. Open watches go on.
    pub fn compact(&self) {
        let mut s = self.state();
        s.compacted = s.rv;
        s.history.clear();
    }

    /// [`compact`](Self::compact), and end every open watch with an `ERROR` event carrying a
    /// 410 `Status`, as the server does when a watch falls too far behind.
    pub fn expire_watches(&self) {
        let mut s = self.state();
        s.compacted = s.rv;
        s.history.clear();
        let err = status::expired(s.rv, s.rv);
        for w in s.watchers.drain(..) {
            let _ =
                w.tx.send(Some(json!({"type": "ERROR", "object": err.body})));
            let _ = w.tx.send(None);
        }
    }

    /// The requests seen so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.state().requests.clone()
    }

    /// Forget the requests seen so far.
    pub fn clear_requests(&self) {
        self.state().requests.clear();
    }

    /// The last resourceVersion handed out.
    pub fn resource_version(&self) -> u64 {
        self.state().rv
    }

    /// The types served (built-in and from established CRDs).
    pub fn types(&self) -> Vec<ResourceType> {
        self.state().types.clone()
    }

    /// The simulated controllers.
    pub fn controller(&self) -> Controller {
        Controller::new(self.state.clone())
    }

    /// The fake Argo Rollouts controller (see [`Rollouts`] for what it models); it acts on
    /// `argoproj.io` Rollouts once their CRD is installed.
    pub fn rollouts(&self) -> Rollouts {
        Rollouts::new(self.state.clone())
    }
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        // End the watches so their threads (and the clients reading them) finish.
        for w in self.state().watchers.drain(..) {
            let _ = w.tx.send(None);
        }
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panicking test thread must not wedge the server for the others.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// A query parameter, percent-decoded.
fn param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|p| p.split_once('=').or(Some((p, ""))))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| percent_decode(v))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a handler answers.
pub(crate) enum Reply {
    /// A JSON body.
    Json(u16, Value, Vec<(String, String)>),
    /// Plain text (pod logs).
    Text(u16, String),
    /// A watch stream.
    Watch(watch::Stream),
}

impl Reply {
    fn status(&self) -> u16 {
        match self {
            Reply::Json(c, _, _) | Reply::Text(c, _) => *c,
            Reply::Watch(_) => 200,
        }
    }
}

impl From<status::ApiError> for Reply {
    fn from(e: status::ApiError) -> Self {
        Reply::Json(e.code, e.body, Vec::new())
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

fn serve(mut req: tiny_http::Request, state: &Arc<Mutex<State>>) {
    let method = req.method().as_str().to_ascii_uppercase();
    let url = req.url().to_string();
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (url.clone(), String::new()),
    };
    let h = |name: &'static str| {
        req.headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_string())
            .unwrap_or_default()
    };
    let (content_type, accept, user_agent) = (h("Content-Type"), h("Accept"), h("User-Agent"));
    let mut bytes = Vec::new();
    let _ = req.as_reader().read_to_end(&mut bytes);
    let decoded = content_type
        .starts_with("application/vnd.kubernetes.protobuf")
        .then(|| proto::decode(&bytes))
        .flatten();
    let raw = match &decoded {
        Some(v) => v.to_string(),
        None => String::from_utf8_lossy(&bytes).into_owned(),
    };
    let body = if decoded.is_some() {
        decoded
    } else if raw.trim().is_empty() {
        None
    } else {
        serde_json::from_str(&raw)
            .ok()
            .or_else(|| serde_yaml::from_str(&raw).ok())
    };
    let mut request = Request {
        method,
        path,
        query,
        content_type,
        accept,
        user_agent,
        body,
        status: 0,
    };

    let fault = {
        let mut s = lock(state);
        let hit = s.faults.iter_mut().find(|f| {
            f.times > 0
                && (f.method == "*" || f.method == request.method)
                && request.path.starts_with(&f.path_prefix)
        });
        hit.map(|f| {
            f.times -= 1;
            f.clone()
        })
    };
    let reply = match fault {
        Some(f) => {
            if f.after_effect {
                let mut s = lock(state);
                drop(api::route(&mut s, &request, &raw));
            }
            if f.delay_ms > 0 {
                std::thread::sleep(Duration::from_millis(f.delay_ms));
            }
            fault_reply(&f)
        }
        None => {
            let mut s = lock(state);
            api::route(&mut s, &request, &raw)
        }
    };
    request.status = reply.status();
    lock(state).requests.push(request);

    let result = match reply {
        Reply::Json(code, body, headers) => {
            let mut r = Response::from_string(body.to_string())
                .with_status_code(code)
                .with_header(header("Content-Type", "application/json"));
            for (k, v) in headers {
                r.add_header(header(&k, &v));
            }
            req.respond(r)
        }
        Reply::Text(code, text) => req.respond(
            Response::from_string(text)
                .with_status_code(code)
                .with_header(header("Content-Type", "text/plain")),
        ),
        Reply::Watch(stream) => {
            let r = Response::new(
                200.into(),
                vec![
                    header("Content-Type", "application/json"),
                    header("Cache-Control", "no-cache, private"),
                ],
                stream,
                None,
                None,
            );
            req.respond(r)
        }
    };
    // The client hung up; nothing to do about it.
    drop(result);
}

fn fault_reply(f: &Fault) -> Reply {
    let reason = match f.status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Expired",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };
    let message = f
        .message
        .clone()
        .unwrap_or_else(|| format!("fault injected: {reason}"));
    let mut e = status::failure(f.status, reason, &message, None);
    let mut headers = Vec::new();
    if let Some(secs) = f.retry_after {
        e.body["details"] = json!({"retryAfterSeconds": secs});
        headers.push(("Retry-After".to_string(), secs.to_string()));
    }
    Reply::Json(e.code, e.body, headers)
}

/// The store's key of an object: its API group (not version), kind, namespace and name.
fn object_key(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> store::Key {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    (
        group.to_string(),
        kind.to_string(),
        namespace.unwrap_or_default().to_string(),
        name.to_string(),
    )
}
