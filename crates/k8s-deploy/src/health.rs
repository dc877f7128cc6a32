//! The post-deploy health checks: each `--health` URL asked with GET until it answers the
//! expected status, with backoff between attempts, under the deploy's deadline. A URL is shown
//! without its credentials and query (a token in either must never reach the log).
//!
//! [`client`] builds the crate's one HTTP client (reqwest on rustls with ring), which the
//! analysis's Prometheus queries use too.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest pause between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// What the checks expect.
#[derive(Debug, Clone)]
pub struct Expect {
    /// The status to answer; any 2xx when `None`.
    pub status: Option<u16>,
    /// Attempts per URL.
    pub attempts: u32,
    /// The pause after the first failed attempt; it doubles after each.
    pub backoff: Duration,
}

impl Default for Expect {
    fn default() -> Self {
        Expect {
            status: None,
            attempts: 5,
            backoff: Duration::from_secs(1),
        }
    }
}

/// One URL's check.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The URL as shown (no credentials, no query).
    pub url: String,
    /// Whether it answered as expected.
    pub ok: bool,
    /// The last answer: `HTTP 200`, or why there was none.
    pub answer: String,
    /// Attempts made.
    pub attempts: u32,
}

/// `url` without user info, query or fragment.
pub fn shown(url: &str) -> String {
    match url.parse::<http::Uri>() {
        Ok(u) => {
            format!(
                "{}://{}{}",
                u.scheme_str().unwrap_or("http"),
                u.host().unwrap_or_default(),
                u.port().map(|p| format!(":{p}")).unwrap_or_default()
            ) + u.path()
        }
        Err(_) => "(a URL that does not parse)".into(),
    }
}

/// Whether `url` is one the checks can ask: http or https, with a host.
pub fn valid(url: &str) -> Result<(), String> {
    match url.parse::<http::Uri>() {
        Ok(u) if matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some() => Ok(()),
        _ => Err(format!("{} is not an http:// or https:// URL", shown(url))),
    }
}

/// Check every URL in turn, each until it answers as `expect`ed, its attempts are spent, or
/// `deadline` passes; a cancelled job stops the checks.
pub async fn check(
    urls: &[String],
    expect: &Expect,
    deadline: Instant,
) -> Result<Vec<Checked>, gates_core::InputError> {
    let client = match client() {
        Ok(c) => c,
        Err(e) => {
            return Ok(urls
                .iter()
                .map(|u| Checked {
                    url: shown(u),
                    ok: false,
                    answer: e.clone(),
                    attempts: 0,
                })
                .collect())
        }
    };
    let mut out = Vec::new();
    for url in urls {
        let mut pause = expect.backoff;
        let mut checked = Checked {
            url: shown(url),
            ok: false,
            answer: String::new(),
            attempts: 0,
        };
        while checked.attempts < expect.attempts {
            if gates_core::cancel::requested() {
                return Err(gates_core::cancel::cancelled(&format!(
                    "stopped during the health check of {}",
                    checked.url
                )));
            }
            checked.attempts += 1;
            let request = client.get(url.as_str()).send();
            let answer = match tokio::time::timeout(ATTEMPT_TIMEOUT, request).await {
                Err(_) => Err(format!("no answer within {}s", ATTEMPT_TIMEOUT.as_secs())),
                Ok(Err(e)) => Err(format!("no answer: {}", request_error(&e))),
                Ok(Ok(response)) => Ok(response.status().as_u16()),
            };
            checked.answer = match answer {
                Ok(code) => {
                    checked.ok = match expect.status {
                        Some(want) => code == want,
                        None => (200..300).contains(&code),
                    };
                    format!("HTTP {code}")
                }
                Err(why) => why,
            };
            if checked.ok || Instant::now() + pause >= deadline {
                break;
            }
            if checked.attempts < expect.attempts {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_BACKOFF);
            }
        }
        out.push(checked);
    }
    Ok(out)
}

/// The crate's HTTP client: rustls with ring, as kube's client uses (named, since another crate
/// of the build may enable a second provider and rustls's default then picks none), the
/// platform's trust store, no redirects (a redirect could carry a bearer token to another host),
/// and the gate's user agent. `Err` says why there is none (no usable trust store).
pub fn client() -> Result<reqwest::Client, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| format!("no TLS root certificates on the runner: {e}"))?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up failed: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("gates-k8s-deploy")
        .build()
        .map_err(|e| format!("HTTP client set-up failed: {}", request_error(&e)))
}

/// A failed request as one line, without its URL (which may hold credentials or a query): the
/// innermost cause says most (refused, DNS, TLS).
pub fn request_error(e: &reqwest::Error) -> String {
    let mut innermost = None;
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        innermost = Some(inner);
        cause = inner;
    }
    match innermost {
        Some(c) => c.to_string(),
        // reqwest's own text would name the URL.
        None if e.is_timeout() => "timed out".into(),
        None if e.is_connect() => "could not connect".into(),
        None if e.is_builder() => "the request could not be built".into(),
        None => "the request failed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shown_without_its_credentials_and_query() {
        assert_eq!(
            shown("https://user:s3cret@api.example.com:8443/health?token=abc#x"),
            "https://api.example.com:8443/health"
        );
        assert!(valid("ftp://example.com/").is_err());
        assert!(valid("/health").is_err());
        assert!(valid("http://127.0.0.1:8080/ready").is_ok());
    }
}
