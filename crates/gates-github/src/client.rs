//! The HTTP client: retries for idempotent requests, rate limits honoured for all, pagination.

use std::time::Duration;

pub use http::Method as HttpMethod;
use http::{HeaderMap, Method};
use octocrab::Octocrab;
use serde_json::Value;

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// First backoff after a 5xx or timeout; doubles each time.
    pub backoff: Duration,
    /// The longest rate-limit wait accepted; beyond it the request fails.
    pub max_wait: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(90),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// GitHub answered with an error status.
    #[error("{method} {path}: HTTP {status}: {message}")]
    Status {
        /// Method.
        method: String,
        /// Path.
        path: String,
        /// Status code.
        status: u16,
        /// GitHub's `message`.
        message: String,
    },
    /// No answer (connection failure or timeout); for a POST, whether it landed is unknown.
    #[error("{method} {url}: no answer: {reason}")]
    NoAnswer {
        /// Method.
        method: String,
        /// The URL tried (without its query), so a wrong `GITHUB_API_URL` shows.
        url: String,
        /// What went wrong, with its causes.
        reason: String,
    },
    /// A rate limit longer than the accepted wait.
    #[error("{method} {path}: rate limited for {seconds} s more, longer than the {max} s this run waits")]
    RateLimited {
        /// Method.
        method: String,
        /// Path.
        path: String,
        /// Seconds GitHub asked to wait.
        seconds: u64,
        /// The accepted maximum.
        max: u64,
    },
    /// A page link or redirect led away from the API's scheme, host and port: what another
    /// host says (comment ids to edit and delete) is not trusted.
    #[error("{method} {path}: GitHub's answer points to {to}, not the API's own {api}; not followed. If the API really lives there, set GITHUB_API_URL to it")]
    OtherHost {
        /// Method.
        method: String,
        /// Path.
        path: String,
        /// `scheme://host:port` pointed to.
        to: String,
        /// `scheme://host:port` of the API.
        api: String,
    },
    /// The answer was larger than the client reads ([`MAX_BODY`]); not retried, as the same
    /// answer would come again.
    #[error("{method} {url}: an answer of {size} is over the {} MiB this client reads, so it was not read on; GitHub's answers are far smaller: check that GITHUB_API_URL points to GitHub's API", MAX_BODY >> 20)]
    TooLarge {
        /// Method.
        method: String,
        /// The URL asked.
        url: String,
        /// What was announced (`10737418240 bytes`) or that no length was.
        size: String,
    },
    /// The client could not be built.
    #[error("cannot set up the GitHub client: {0}")]
    Setup(String),
}

impl ApiError {
    /// The HTTP status, when GitHub answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True for the read-only token of a pull request from a fork (and other integrations
    /// lacking the permission).
    pub fn is_forbidden_integration(&self) -> bool {
        matches!(self, ApiError::Status { status: 403, message, .. } if message.contains("Resource not accessible by integration"))
    }

    /// True when GitHub may have carried the request out without us seeing the answer.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, ApiError::NoAnswer { .. })
            || matches!(self, ApiError::Status { status, .. } if *status >= 500)
    }

    /// What to do about it, for the error's help line.
    pub fn help(&self) -> &'static str {
        match self {
            ApiError::Status { status: 401, .. } => {
                "the token was refused: pass a valid GITHUB_TOKEN (github.token in a workflow)"
            }
            ApiError::Status {
                status: 403 | 404, ..
            } => "check the token's permissions (pull-requests: write for comments) and that the repository and pull request exist",
            ApiError::Status { .. } | ApiError::RateLimited { .. } => {
                "check GitHub's status and run the job again"
            }
            ApiError::NoAnswer { .. } => {
                "check that the runner can reach that URL, and that GITHUB_API_URL is the API's address (https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server)"
            }
            ApiError::OtherHost { .. } | ApiError::TooLarge { .. } => {
                "check that GITHUB_API_URL points to GitHub's API"
            }
            ApiError::Setup(_) => "check GITHUB_API_URL and the token",
        }
    }
}

/// An error with its causes, `outer: inner: root`: octocrab's own text ("Service Error: client
/// error (Connect)") hides the reason (refused, DNS, TLS) that only the source chain holds.
fn causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

/// What is wrong with a token that cannot be sent as an HTTP header, and what to do; never
/// the token itself.
fn token_problem(token: &str) -> Option<(String, &'static str)> {
    if token.is_empty() {
        return Some(("is empty".into(), "give it the token's value"));
    }
    let trimmed = token.trim_end_matches([' ', '\t', '\r', '\n']);
    if trimmed.len() < token.len() && trimmed.bytes().all(|b| b.is_ascii_graphic()) {
        return Some((
            "ends with a line break or space, which cannot be sent in an HTTP header".into(),
            "the secret was saved with a trailing newline: store it without one (printf '%s' rather than echo)",
        ));
    }
    // GitHub's tokens are visible ASCII; octocrab would panic on a control character.
    let at = token.chars().position(|c| !c.is_ascii_graphic())?;
    Some((
        format!(
            "holds a control, space or non-ASCII character (character {}), which cannot be a token",
            at + 1
        ),
        "set it to the token's exact value, as GitHub shows it",
    ))
}

/// Refuse a token that could not be sent (newline, control or non-ASCII characters) before
/// any client is built, naming where it came from (`source`: `GITHUB_TOKEN`, `--token`).
pub fn check_token(
    token: &str,
    source: gates_core::error::Origin,
) -> Result<(), gates_core::InputError> {
    match token_problem(token) {
        Some((message, help)) => Err(gates_core::InputError::new(source, message, help)),
        None => Ok(()),
    }
}

/// The largest answer read: a page of 100 comments of GitHub's maximum 65,536 characters is a
/// few MiB; beyond this something is wrong, and reading on would only use up memory.
pub const MAX_BODY: usize = 32 << 20;

/// Why a request got no usable answer.
enum Failed {
    /// Connection, timeout or body error: worth retrying for idempotent requests.
    Lost(String),
    /// Over [`MAX_BODY`]: what was announced or seen.
    TooLarge(String),
}

/// A successful answer.
#[derive(Debug)]
pub struct Answer {
    /// Status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// JSON body (`Null` when empty).
    pub body: Value,
}

/// A GitHub API client.
pub struct Client {
    octo: Octocrab,
    /// octocrab puts its base path in front of every path that lacks it, which would send GHES
    /// GraphQL (`/api/graphql`) to `/api/v3/api/graphql`; this one's base has no path.
    octo_graphql: Octocrab,
    api: String,
    graphql: String,
    policy: RetryPolicy,
}

impl std::fmt::Debug for Client {
    // Never print the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.api)
            .field("graphql", &self.graphql)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `api` (e.g. `https://api.github.com` or `https://ghe.example/api/v3`) and
    /// `graphql` endpoints, authenticated with `token`.
    pub fn new(
        api: &str,
        graphql: &str,
        token: &str,
        policy: RetryPolicy,
    ) -> Result<Self, ApiError> {
        let api = api.trim_end_matches('/').to_string();
        if let Some((message, help)) = token_problem(token) {
            return Err(ApiError::Setup(format!("the token {message}; {help}")));
        }
        let octo = Self::build(&api, token, policy)
            .map_err(|e| ApiError::Setup(format!("GITHUB_API_URL {api}: {e}")))?;
        let origin = graphql
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| Some(format!("{}://{}", u.scheme_str()?, u.authority()?)))
            .ok_or_else(|| ApiError::Setup(format!("GITHUB_GRAPHQL_URL {graphql} is not a URL")))?;
        let octo_graphql = Self::build(&origin, token, policy)
            .map_err(|e| ApiError::Setup(format!("GITHUB_GRAPHQL_URL {graphql}: {e}")))?;
        Ok(Client {
            octo,
            octo_graphql,
            api,
            graphql: graphql.to_string(),
            policy,
        })
    }

    fn build(base: &str, token: &str, policy: RetryPolicy) -> Result<Octocrab, String> {
        Octocrab::builder()
            .base_uri(base)
            .map_err(|e| e.to_string())?
            .personal_token(token.to_string())
            .add_header(
                http::header::USER_AGENT,
                concat!("gates/", env!("CARGO_PKG_VERSION")).to_string(),
            )
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_string(),
            )
            .add_header(
                http::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_string(),
            )
            .set_connect_timeout(Some(policy.timeout))
            .set_read_timeout(Some(policy.timeout))
            .build()
            .map_err(|e| e.to_string())
    }

    /// From the runner's environment: `GITHUB_API_URL` (default `https://api.github.com`) and
    /// `GITHUB_GRAPHQL_URL` (default: derived from the API URL, which also fits GHES).
    pub fn from_env(
        env: &gates_core::ActionsEnv,
        token: &str,
        policy: RetryPolicy,
    ) -> Result<Self, ApiError> {
        let api = env
            .get("GITHUB_API_URL")
            .unwrap_or("https://api.github.com")
            .trim_end_matches('/')
            .to_string();
        let graphql = match env.get("GITHUB_GRAPHQL_URL") {
            Some(g) => g.to_string(),
            None => match api.strip_suffix("/v3") {
                Some(root) => format!("{root}/graphql"),
                None => format!("{api}/graphql"),
            },
        };
        Self::new(&api, &graphql, token, policy)
    }

    /// One request. GET, PATCH and DELETE are retried after 5xx and timeouts; every method waits
    /// out rate limits (a rate-limited request was not carried out). A POST is never repeated
    /// after a 5xx or a lost answer: the caller must look whether it landed.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ApiError> {
        let mut url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.api)
        };
        let idempotent = method != Method::POST;
        let short = path.split('?').next().unwrap_or(path).to_string();
        let mut attempt = 0u32;
        let mut redirects = 0u32;
        loop {
            attempt += 1;
            let last = attempt >= self.policy.attempts;
            self.check_host(&method, &short, &url)?;
            let sent =
                match tokio::time::timeout(self.policy.timeout, self.send(&method, &url, body))
                    .await
                {
                    Ok(r) => r,
                    Err(_) => Err(Failed::Lost(format!(
                        "timed out after {:?}",
                        self.policy.timeout
                    ))),
                };
            let resp = match sent {
                Ok(r) => r,
                Err(Failed::TooLarge(size)) => {
                    return Err(ApiError::TooLarge {
                        method: method.to_string(),
                        url: url.split('?').next().unwrap_or(&url).to_string(),
                        size,
                    })
                }
                Err(Failed::Lost(reason)) => {
                    if idempotent && !last {
                        tokio::time::sleep(self.backoff(attempt)).await;
                        continue;
                    }
                    return Err(ApiError::NoAnswer {
                        method: method.to_string(),
                        url: url.split('?').next().unwrap_or(&url).to_string(),
                        reason,
                    });
                }
            };
            let (status, headers, body_value) = resp;
            if (300..400).contains(&status) {
                redirects += 1;
                url = redirect_target(&method, &headers, &url)
                    .filter(|_| redirects <= MAX_REDIRECTS)
                    .ok_or_else(|| ApiError::Status {
                        method: method.to_string(),
                        path: short.clone(),
                        status,
                        message: redirect_refused(&method, &headers, &body_value, redirects),
                    })?;
                // Following a redirect is not a retry.
                attempt -= 1;
                continue;
            }
            if status < 400 {
                return Ok(Answer {
                    status,
                    headers,
                    body: body_value,
                });
            }
            let message = body_value
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if let Some(wait) = rate_limit_wait(status, &headers, &message) {
                if wait > self.policy.max_wait {
                    return Err(ApiError::RateLimited {
                        method: method.to_string(),
                        path: short,
                        seconds: wait.as_secs(),
                        max: self.policy.max_wait.as_secs(),
                    });
                }
                if !last {
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            if status >= 500 && idempotent && !last {
                tokio::time::sleep(self.backoff(attempt)).await;
                continue;
            }
            return Err(ApiError::Status {
                method: method.to_string(),
                path: short,
                status,
                message,
            });
        }
    }

    /// Only the API's own origin (and the configured GraphQL endpoint) is asked: a `Link` or
    /// `Location` from an answer must not send us, or our writes' targets, elsewhere.
    fn check_host(&self, method: &Method, path: &str, url: &str) -> Result<(), ApiError> {
        let to = Origin::of(url);
        if url == self.graphql || (to.is_some() && to == Origin::of(&self.api)) {
            return Ok(());
        }
        Err(ApiError::OtherHost {
            method: method.to_string(),
            path: path.to_string(),
            to: to.map_or_else(|| "an unusable address".to_string(), |o| o.to_string()),
            api: Origin::of(&self.api).map_or_else(|| self.api.clone(), |o| o.to_string()),
        })
    }

    fn backoff(&self, attempt: u32) -> std::time::Duration {
        self.policy.backoff * 2u32.saturating_pow(attempt.saturating_sub(1))
    }

    async fn send(
        &self,
        method: &Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(u16, HeaderMap, Value), Failed> {
        let octo = if url == self.graphql {
            &self.octo_graphql
        } else {
            &self.octo
        };
        let resp = match *method {
            Method::GET => octo._get(url).await,
            Method::POST => octo._post(url, body).await,
            Method::PATCH => octo._patch(url, body).await,
            Method::DELETE => octo._delete(url, body).await,
            _ => return Err(Failed::Lost(format!("unsupported method {method}"))),
        }
        .map_err(|e| Failed::Lost(causes(&e)))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = read_capped(resp.into_body(), &headers).await?;
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, headers, value))
    }

    /// GET every page of a list, following `Link: rel="next"`.
    pub async fn get_all(&self, path: &str) -> Result<Vec<Value>, ApiError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}per_page=100"));
        let mut out = Vec::new();
        while let Some(p) = next.take() {
            let a = self.request(Method::GET, &p, None).await?;
            match a.body {
                Value::Array(items) => out.extend(items),
                other => {
                    return Err(ApiError::Status {
                        method: "GET".into(),
                        path: p,
                        status: a.status,
                        message: format!("expected a list, got {other}"),
                    })
                }
            }
            next = a
                .headers
                .get("link")
                .and_then(|l| l.to_str().ok())
                .and_then(next_link);
        }
        Ok(out)
    }

    /// A GraphQL call; GraphQL errors become `Err`.
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value, ApiError> {
        let body = serde_json::json!({ "query": query, "variables": variables });
        let a = self
            .request(Method::POST, &self.graphql.clone(), Some(&body))
            .await?;
        if let Some(errors) = a.body.get("errors").filter(|e| !e.is_null()) {
            return Err(ApiError::Status {
                method: "POST".into(),
                path: "graphql".into(),
                status: a.status,
                message: errors.to_string(),
            });
        }
        Ok(a.body["data"].clone())
    }
}

/// The body as text, refused unread when its Content-Length is over [`MAX_BODY`] and cut off
/// as soon as a chunked one passes it.
async fn read_capped<B>(mut body: B, headers: &HeaderMap) -> Result<String, Failed>
where
    B: http_body_util::BodyExt + Unpin,
    B::Error: std::fmt::Display,
    B::Data: AsRef<[u8]>,
{
    let announced = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(n) = announced.filter(|&n| n > MAX_BODY as u64) {
        return Err(Failed::TooLarge(format!("{n} bytes")));
    }
    let mut buf = Vec::with_capacity(announced.unwrap_or(0) as usize);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Failed::Lost(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            let data = data.as_ref();
            if buf.len() + data.len() > MAX_BODY {
                return Err(Failed::TooLarge("unannounced length".into()));
            }
            buf.extend_from_slice(data);
        }
    }
    String::from_utf8(buf).map_err(|e| Failed::Lost(format!("the answer is not UTF-8: {e}")))
}

/// Redirects followed for one GET before giving up.
const MAX_REDIRECTS: u32 = 5;

fn location(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
}

/// Where a redirect of a GET leads (GitHub's 301 for a renamed repository). Writes are never
/// sent on: a 301/302 would turn them into GETs, and a 307/308 would repeat them elsewhere.
fn redirect_target(method: &Method, headers: &HeaderMap, from: &str) -> Option<String> {
    if *method != Method::GET {
        return None;
    }
    let to = location(headers)?;
    if to.starts_with("https://") || to.starts_with("http://") {
        return Some(to.to_string());
    }
    let origin = Origin::of(from)?;
    Some(format!("{origin}/{}", to.trim_start_matches('/')))
}

/// Why a redirect was not followed, for the error.
fn redirect_refused(method: &Method, headers: &HeaderMap, body: &Value, redirects: u32) -> String {
    let said = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("redirect");
    let Some(to) = location(headers) else {
        return format!("{said} without a Location: GitHub's answer cannot be used");
    };
    if *method != Method::GET {
        format!("{said} to {to}: a write is never sent on to another address; if the repository was renamed or transferred, use its current name")
    } else if redirects > MAX_REDIRECTS {
        format!("{said} to {to}: more than {MAX_REDIRECTS} redirects, not followed further")
    } else {
        format!("{said} to {to}: not followed")
    }
}

/// Scheme, host and port of an absolute URL, the port made explicit; without user info, so it
/// can be shown.
#[derive(Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    fn of(url: &str) -> Option<Origin> {
        let u = url.parse::<http::Uri>().ok()?;
        let scheme = u.scheme_str()?.to_ascii_lowercase();
        let port = match (u.port_u16(), scheme.as_str()) {
            (Some(p), _) => p,
            (None, "https") => 443,
            (None, "http") => 80,
            _ => return None,
        };
        Some(Origin {
            host: u.host()?.to_ascii_lowercase(),
            scheme,
            port,
        })
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// How long to wait before retrying a rate-limited answer, if it is one.
fn rate_limit_wait(status: u16, headers: &HeaderMap, message: &str) -> Option<Duration> {
    if status != 403 && status != 429 {
        return None;
    }
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(s) = header("retry-after") {
        return Some(Duration::from_secs(s));
    }
    if header("x-ratelimit-remaining") == Some(0) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        return Some(Duration::from_secs(
            header("x-ratelimit-reset")
                .unwrap_or(now + 60)
                .saturating_sub(now)
                + 1,
        ));
    }
    // A secondary limit without retry-after: GitHub's docs say wait at least a minute.
    (status == 429
        || message
            .to_ascii_lowercase()
            .contains("secondary rate limit"))
    .then_some(Duration::from_secs(60))
}

/// The `rel="next"` URL of a Link header.
fn next_link(link: &str) -> Option<String> {
    link.split(',')
        .find(|part| part.contains("rel=\"next\""))
        .and_then(|part| {
            Some(
                part.split(';')
                    .next()?
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_others() {
        let l = "<https://api.github.com/repos/o/r/issues/1/comments?per_page=100&page=2>; rel=\"next\", <https://api.github.com/repos/o/r/issues/1/comments?per_page=100&page=3>; rel=\"last\"";
        assert_eq!(
            next_link(l).as_deref(),
            Some("https://api.github.com/repos/o/r/issues/1/comments?per_page=100&page=2")
        );
        assert_eq!(next_link("<x>; rel=\"prev\""), None);
    }

    #[test]
    fn a_token_with_a_newline_or_control_characters_is_refused_without_panicking() {
        const SECRET: &str = "ghs_SENTINEL0123456789";
        for bad in [
            format!("{SECRET}\n"),
            format!("{SECRET}\r\n"),
            format!("{SECRET} "),
            format!("ghs_\u{1b}{SECRET}"),
            format!("ghs_\n{SECRET}"),
            format!("ghs_\u{e9}{SECRET}"),
            String::new(),
        ] {
            let e = Client::new(
                "https://api.github.com",
                "https://api.github.com/graphql",
                &bad,
                RetryPolicy::default(),
            )
            .expect_err(&format!("{bad:?} accepted"));
            assert!(!e.to_string().contains("SENTINEL"), "{e}");
            let e = check_token(&bad, gates_core::error::Origin::Env("GITHUB_TOKEN".into()))
                .expect_err("refused")
                .to_string();
            assert!(
                e.starts_with("GITHUB_TOKEN: ") && !e.contains("SENTINEL"),
                "{e}"
            );
        }
        let e = check_token(
            &format!("{SECRET}\n"),
            gates_core::error::Origin::Env("GITHUB_TOKEN".into()),
        )
        .unwrap_err();
        assert!(e.help.contains("trailing newline"), "{e}");
        check_token(
            SECRET,
            gates_core::error::Origin::Env("GITHUB_TOKEN".into()),
        )
        .unwrap();
    }

    #[test]
    fn rate_limits_are_recognised() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(rate_limit_wait(403, &h, ""), Some(Duration::from_secs(7)));
        assert_eq!(
            rate_limit_wait(
                403,
                &HeaderMap::new(),
                "Resource not accessible by integration"
            ),
            None
        );
        assert_eq!(
            rate_limit_wait(
                403,
                &HeaderMap::new(),
                "You have exceeded a secondary rate limit"
            ),
            Some(Duration::from_secs(60))
        );
    }
}
