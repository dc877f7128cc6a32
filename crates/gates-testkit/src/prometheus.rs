//! A fake Prometheus for tests: the instant-query endpoint of the Prometheus HTTP API
//! (`/api/v1/query`), served over loopback HTTP as Prometheus documents it
//! (<https://prometheus.io/docs/prometheus/latest/querying/api/>).
//!
//! It answers GET and POST (`application/x-www-form-urlencoded`) with the `query` and `time`
//! parameters, under any path prefix (`http://host/prometheus/api/v1/query`, as behind a
//! proxy). Answers are the API's JSON envelopes: `{"status":"success","data":{"resultType":
//! "vector"|"scalar",...}}`, sample values as strings (`"0.03"`, `"NaN"`, `"+Inf"`), and
//! `{"status":"error","errorType":...,"error":...}` with the documented codes: 400 for a missing
//! or malformed parameter (`bad_data`), 422 for an expression that cannot be executed
//! (`execution`), 503 for a timeout or abort (`timeout`, `unavailable`).
//!
//! Series are scripted per query as a timeline by measurement number: the first request for a
//! query gets the first answer, the second the second, and the last answer repeats. That keeps
//! tests deterministic whatever the machine's speed. A query nothing matches answers an empty
//! vector, as a valid query over no series does.
//!
//! ```no_run
//! use gates_testkit::prometheus::{Answer, FakePrometheus};
//! let prom = FakePrometheus::start();
//! prom.on_containing("http_requests_total", [Answer::value(0.01), Answer::Empty, Answer::value(0.2)]);
//! prom.require_bearer("sentinel-token");
//! // Point the client at prom.url(); afterwards:
//! let _asked = prom.requests();
//! ```
//!
//! What it does not do: range queries (`/api/v1/query_range`), metadata endpoints, PromQL
//! itself (the script decides every answer), `timeout` and `limit` parameters, gzip.

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde_json::{json, Value};
use tiny_http::{Header, Response, Server};

/// One scripted answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A vector of series, each with its labels and value.
    Vector(Vec<(Vec<(String, String)>, f64)>),
    /// An empty vector (no series).
    Empty,
    /// A scalar.
    Scalar(f64),
    /// An API error: HTTP status, `errorType` and `error`.
    Error(u16, String, String),
}

impl Answer {
    /// A vector of one series without labels.
    pub fn value(v: f64) -> Answer {
        Answer::Vector(vec![(Vec::new(), v)])
    }

    /// A vector of one unlabelled series per value.
    pub fn values(vs: &[f64]) -> Answer {
        Answer::Vector(vs.iter().map(|&v| (Vec::new(), v)).collect())
    }

    /// A vector whose series carry `labels`.
    pub fn series(series: &[(&[(&str, &str)], f64)]) -> Answer {
        Answer::Vector(
            series
                .iter()
                .map(|(labels, v)| {
                    (
                        labels
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                        *v,
                    )
                })
                .collect(),
        )
    }

    /// A 422 `execution` error, as a query Prometheus cannot run answers.
    pub fn execution_error(message: &str) -> Answer {
        Answer::Error(422, "execution".into(), message.into())
    }

    /// A 503 `unavailable` error.
    pub fn unavailable() -> Answer {
        Answer::Error(503, "unavailable".into(), "the query was aborted".into())
    }
}

/// Which queries a script answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// Exactly this query (after the client filled in its args).
    Exact(String),
    /// Any query containing this text.
    Containing(String),
}

impl Matcher {
    fn matches(&self, q: &str) -> bool {
        match self {
            Matcher::Exact(s) => q == s,
            Matcher::Containing(s) => q.contains(s.as_str()),
        }
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryRequest {
    /// GET or POST.
    pub method: String,
    /// The path, prefix included, without the query string.
    pub path: String,
    /// The `query` parameter.
    pub query: Option<String>,
    /// The `time` parameter.
    pub time: Option<String>,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
}

#[derive(Default)]
struct State {
    scripts: Vec<(Matcher, Vec<Answer>, usize)>,
    bearer: Option<String>,
    requests: Vec<QueryRequest>,
}

/// The fake server; it stops when dropped.
pub struct FakePrometheus {
    state: Arc<Mutex<State>>,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
    url: String,
}

impl FakePrometheus {
    /// Serve on a free loopback port.
    pub fn start() -> Self {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind a loopback port"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let (s2, st2) = (server.clone(), state.clone());
        let thread = std::thread::spawn(move || {
            for req in s2.incoming_requests() {
                serve(req, &st2);
            }
        });
        FakePrometheus {
            state,
            server,
            thread: Some(thread),
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answer `query` exactly with `timeline` (by measurement number; the last repeats).
    pub fn on_exact(&self, query: &str, timeline: impl IntoIterator<Item = Answer>) {
        self.script(Matcher::Exact(query.into()), timeline);
    }

    /// Answer any query containing `text` with `timeline`.
    pub fn on_containing(&self, text: &str, timeline: impl IntoIterator<Item = Answer>) {
        self.script(Matcher::Containing(text.into()), timeline);
    }

    /// Answer queries `matcher` matches with `timeline`; the first script that matches answers.
    pub fn script(&self, matcher: Matcher, timeline: impl IntoIterator<Item = Answer>) {
        let answers: Vec<Answer> = timeline.into_iter().collect();
        assert!(!answers.is_empty(), "a timeline needs an answer");
        self.state().scripts.push((matcher, answers, 0));
    }

    /// Refuse (401) every request without `Authorization: Bearer <token>`.
    pub fn require_bearer(&self, token: &str) {
        self.state().bearer = Some(token.into());
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<QueryRequest> {
        self.state().requests.clone()
    }

    /// The `query` parameters of the requests so far.
    pub fn queries(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter_map(|r| r.query)
            .collect()
    }
}

impl Drop for FakePrometheus {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut req: tiny_http::Request, state: &Arc<Mutex<State>>) {
    let method = req.method().as_str().to_ascii_uppercase();
    let (path, query_string) = match req.url().split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (req.url().to_string(), String::new()),
    };
    let header = |name: &str| {
        req.headers()
            .iter()
            .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str().to_string())
    };
    let authorization = header("authorization");
    let form =
        header("content-type").is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let mut params = decode_form(&query_string);
    if method == "POST" && form {
        let mut body = String::new();
        let _ = req.as_reader().read_to_string(&mut body);
        params.extend(decode_form(&body));
    }
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (query, time) = (param("query"), param("time"));
    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
    let (status, body) = if !path.ends_with("/api/v1/query") {
        (
            404,
            json!({"status": "error", "errorType": "not_found", "error": "404 page not found"}),
        )
    } else if method != "GET" && method != "POST" {
        (
            405,
            json!({"status": "error", "errorType": "bad_data", "error": "method not allowed"}),
        )
    } else if st
        .bearer
        .as_ref()
        .is_some_and(|t| authorization.as_deref() != Some(format!("Bearer {t}").as_str()))
    {
        (
            401,
            json!({"status": "error", "errorType": "unauthorized", "error": "Unauthorized"}),
        )
    } else if let Some(t) = time
        .as_ref()
        .filter(|t| t.parse::<f64>().is_err() && !t.contains('T'))
    {
        (
            400,
            bad_data(&format!(
                "invalid parameter \"time\": cannot parse {t:?} to a valid timestamp"
            )),
        )
    } else {
        match query.as_deref() {
            None | Some("") => (400, bad_data("invalid parameter \"query\": unknown position: parse error: no expression found in input")),
            Some(q) => answer(&mut st, q, time.as_deref()),
        }
    };
    st.requests.push(QueryRequest {
        method,
        path,
        query,
        time,
        authorization,
        status,
    });
    drop(st);
    let response = Response::from_string(body.to_string())
        .with_status_code(status)
        .with_header(Header::from_bytes("Content-Type", "application/json").expect("a header"));
    let _ = req.respond(response);
}

fn bad_data(message: &str) -> Value {
    json!({"status": "error", "errorType": "bad_data", "error": message})
}

fn answer(st: &mut State, q: &str, time: Option<&str>) -> (u16, Value) {
    let now = time.and_then(|t| t.parse::<f64>().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default()
    });
    let answer = match st.scripts.iter_mut().find(|(m, _, _)| m.matches(q)) {
        None => Answer::Empty,
        Some((_, timeline, next)) => {
            let a = timeline[(*next).min(timeline.len() - 1)].clone();
            *next += 1;
            a
        }
    };
    let sample = |v: f64| json!([now, format_value(v)]);
    match answer {
        Answer::Empty => (
            200,
            json!({"status": "success", "data": {"resultType": "vector", "result": []}}),
        ),
        Answer::Vector(series) => {
            let result: Vec<Value> = series
                .into_iter()
                .map(|(labels, v)| {
                    let metric: serde_json::Map<String, Value> = labels
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect();
                    json!({"metric": metric, "value": sample(v)})
                })
                .collect();
            (
                200,
                json!({"status": "success", "data": {"resultType": "vector", "result": result}}),
            )
        }
        Answer::Scalar(v) => (
            200,
            json!({"status": "success", "data": {"resultType": "scalar", "result": sample(v)}}),
        ),
        Answer::Error(status, kind, message) => (
            status,
            json!({"status": "error", "errorType": kind, "error": message}),
        ),
    }
}

/// A sample value as Prometheus writes it (Go's `strconv.FormatFloat(v, 'f', -1, 64)`).
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        v.to_string()
    }
}

fn decode_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && s.is_char_boundary(i + 1) && s.is_char_boundary(i + 3) => {
                match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_decode() {
        assert_eq!(
            percent_decode("sum%28rate%28x%5B5m%5D%29%29+%3E+0"),
            "sum(rate(x[5m])) > 0"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(0.031), "0.031");
    }
}
