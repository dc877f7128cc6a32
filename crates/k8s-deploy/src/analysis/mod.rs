//! Metric analysis from Argo Rollouts' own `AnalysisTemplate` format, against the Prometheus
//! HTTP API, without the Argo controller: a team's templates serve with or without it.
//!
//! - [`Template::load`] reads and checks a template (args, metrics, conditions) with file and
//!   line; [`baseline`] measures the queries whose conditions read `baseline` once before the
//!   deploy; [`run`] measures every metric concurrently as Argo's controller does (`interval`,
//!   `count`, `initialDelay`, `failureLimit`, `inconclusiveLimit`, `consecutiveErrorLimit`) until
//!   each is decided or the deadline comes; [`summary`] shows every measurement.
//!
//! Where this differs from Argo (each is what the issue asks of a pipeline):
//! - No data (an empty vector, a NaN value) is Inconclusive, not evaluated (Argo would evaluate
//!   `result[0]` and error), unless a condition deals with no data itself by calling `len`,
//!   `isNaN`, `isNil` or `default`. A metric Inconclusive beyond `inconclusiveLimit` fails the
//!   run: there is no person to ask.
//! - `baseline` in a condition is the same query measured before the deploy (same shape as
//!   `result`); without baseline data the measurement is Inconclusive, never a pass.
//! - A measurement that errors is retried after the metric's `interval`, at most 10 s (Argo
//!   waits 10 s).
//! - A metric with `interval` and no `count` (Argo: until the run is terminated) measures until
//!   the deadline and is then Successful; a metric whose `count` the deadline cuts is Error.
//! - Only the Prometheus provider; credentials come from the environment ([`Auth`]), not from
//!   the template; `valueFrom` args are passed with `--analysis-arg`.

mod condition;
mod measure;
mod prometheus;
mod template;

use std::collections::BTreeMap;
use std::fmt;

use gates_core::{markdown, InputError};
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

pub use condition::Condition;
pub use prometheus::{query_url, Sample};
pub use template::{parse_duration, Arg, Metric, Template};

/// What a run is given.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Arg values: `--analysis-arg NAME=VALUE` and what the deploy fills in (service,
    /// namespace, canary hash). Names the template does not declare are ignored.
    pub args: BTreeMap<String, String>,
    /// `--prometheus-url`: replaces every metric's `provider.prometheus.address`.
    pub prometheus_url: Option<String>,
    /// How to authenticate to Prometheus.
    pub auth: Auth,
}

/// Credentials for Prometheus, from the environment. `Debug` shows only which kind.
#[derive(Clone, Default)]
pub enum Auth {
    /// None.
    #[default]
    None,
    /// `Authorization: Bearer <token>` (`PROMETHEUS_TOKEN`).
    Bearer(SecretString),
    /// Basic auth (`PROMETHEUS_USERNAME`, `PROMETHEUS_PASSWORD`).
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: SecretString,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Auth::None => "Auth::None",
            Auth::Bearer(_) => "Auth::Bearer(***)",
            Auth::Basic { .. } => "Auth::Basic(***)",
        })
    }
}

impl Auth {
    /// From variables: `PROMETHEUS_TOKEN` (bearer), else `PROMETHEUS_USERNAME` with
    /// `PROMETHEUS_PASSWORD` (basic); empty values count as unset.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Auth {
        let get = |k: &str| get(k).filter(|v| !v.is_empty());
        if let Some(token) = get("PROMETHEUS_TOKEN") {
            return Auth::Bearer(token.into());
        }
        match (get("PROMETHEUS_USERNAME"), get("PROMETHEUS_PASSWORD")) {
            (Some(username), password) => Auth::Basic {
                username,
                password: password.unwrap_or_default().into(),
            },
            (None, _) => Auth::None,
        }
    }

    /// From this process's variables (gates-core's environment reader keeps only the runner's
    /// own `GITHUB_*` and `RUNNER_*`).
    pub fn from_process() -> Auth {
        #[allow(clippy::disallowed_methods)]
        Auth::from_vars(|k| std::env::var(k).ok())
    }

    fn apply(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Auth::None => r,
            Auth::Bearer(t) => r.bearer_auth(t.expose_secret()),
            Auth::Basic { username, password } => {
                r.basic_auth(username, Some(password.expose_secret()))
            }
        }
    }
}

/// A measurement's or a run's verdict, Argo's phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The condition held.
    Successful,
    /// It did not.
    Failed,
    /// No data, or neither condition decided.
    Inconclusive,
    /// The query or the condition could not be evaluated.
    Error,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Successful => "successful",
            Verdict::Failed => "failed",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Error => "error",
        })
    }
}

/// One query's answer and what it meant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Measurement {
    /// The metric's name.
    pub metric: String,
    /// When it was taken (RFC 3339).
    pub at: String,
    /// The query, args filled in.
    pub query: String,
    /// As shown: `0.031`, `[0.031, 0.02]`, `no data`, `NaN`, or the error.
    pub value: String,
    /// What it meant.
    pub verdict: Verdict,
}

/// One analysis: its phase, verdict and every measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Run {
    /// Where in the deploy (`pre-promotion`, `post-promotion`, `step 2 (40%)`).
    pub phase: String,
    /// `successful`, `failed` (an Inconclusive metric fails it too) or `error`.
    pub verdict: Verdict,
    /// The metric and measurement that decided, when it did not succeed.
    pub reason: Option<String>,
    /// Every measurement, in the order taken.
    pub measurements: Vec<Measurement>,
}

impl Run {
    /// Whether the deploy may go on.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Successful
    }
}

/// The queries measured before the deploy, by metric (only those whose conditions read
/// `baseline`); `None` where there was no data or the query failed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Baseline {
    values: BTreeMap<String, Option<Sample>>,
    /// What was measured.
    pub measurements: Vec<Measurement>,
}

impl Baseline {
    /// The metric's baseline: `None` when it was not taken, `Some(None)` when it had no data.
    pub fn get(&self, metric: &str) -> Option<Option<&Sample>> {
        self.values.get(metric).map(Option::as_ref)
    }
}

/// `text` with every `{{args.NAME}}` filled in by `lookup`; `Err` is the first tag that is not
/// an arg or has no value.
pub(crate) fn fill(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            out.push_str(&rest[i..]);
            return Ok(out);
        };
        let tag = after[..j].trim();
        match tag.strip_prefix("args.").and_then(lookup) {
            Some(v) => out.push_str(&v),
            None => return Err(tag.to_string()),
        }
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A metric with its args filled in.
struct Resolved<'t> {
    metric: &'t Metric,
    address: String,
    query: String,
    headers: Vec<(String, String)>,
    success: Option<condition::Compiled>,
    failure: Option<condition::Compiled>,
    uses_baseline: bool,
    handles_no_data: bool,
}

fn resolve<'t>(t: &'t Template, s: &Settings) -> Result<Vec<Resolved<'t>>, InputError> {
    let mut values = BTreeMap::new();
    for a in &t.args {
        match s.args.get(&a.name).or(a.value.as_ref()) {
            Some(v) => {
                values.insert(a.name.clone(), v.clone());
            }
            None => {
                return Err(InputError::new(
                    &t.path,
                    format!("arg {} has no value", a.name),
                    format!(
                        "pass it with --analysis-arg {}=VALUE, or give it a value in the template",
                        a.name
                    ),
                )
                .at(a.line.into(), None))
            }
        }
    }
    let lookup = |n: &str| values.get(n).cloned();
    let mut out = Vec::new();
    for m in &t.metrics {
        let filled = |text: &str, line: u32| {
            fill(text, &lookup).map_err(|tag| {
                InputError::new(
                    &t.path,
                    format!("metric {}: {{{{{tag}}}}} has no value", m.name),
                    "declare the arg under spec.args and pass it with --analysis-arg NAME=VALUE",
                )
                .at(line.into(), None)
            })
        };
        let address = match (&s.prometheus_url, &m.address) {
            (Some(url), _) => url.clone(),
            (None, Some(a)) => filled(a, m.line)?,
            (None, None) => {
                return Err(InputError::new(
                    &t.path,
                    format!("metric {}: no Prometheus address", m.name),
                    "set provider.prometheus.address in the template, or pass --prometheus-url",
                )
                .at(m.line.into(), None))
            }
        };
        let query = filled(&m.query, m.line)?;
        query_url(&address, &query).map_err(|why| {
            InputError::new(
                &t.path,
                format!("metric {}: {why}", m.name),
                "give an address such as http://prometheus.monitoring:9090 (--prometheus-url overrides it)",
            )
            .at(m.line.into(), None)
        })?;
        let mut headers = Vec::new();
        for (k, v) in &m.headers {
            headers.push((k.clone(), filled(v, m.line)?));
        }
        let compiled = |c: &Option<Condition>| -> Result<Option<condition::Compiled>, InputError> {
            match c {
                None => Ok(None),
                Some(c) => {
                    let text = filled(&c.text, c.line)?;
                    condition::compile(&text).map(Some).map_err(|why| {
                        InputError::new(
                            &t.path,
                            format!("metric {}: the condition does not parse once its args are filled in: {why}", m.name),
                            "check the arg's value: a condition needs a number or a quoted string there",
                        )
                        .at(c.line.into(), None)
                    })
                }
            }
        };
        let conditions = || m.success.iter().chain(m.failure.iter());
        out.push(Resolved {
            metric: m,
            address,
            query,
            headers,
            success: compiled(&m.success)?,
            failure: compiled(&m.failure)?,
            uses_baseline: conditions().any(Condition::uses_baseline),
            handles_no_data: conditions().any(Condition::handles_no_data),
        });
    }
    Ok(out)
}

fn client() -> Result<reqwest::Client, InputError> {
    crate::health::client().map_err(|why| {
        InputError::new(
            gates_core::error::Origin::api("Prometheus"),
            why,
            "install the runner's CA certificates (ca-certificates)",
        )
    })
}

/// Measure, once each and before the deploy, the queries of the metrics whose conditions read
/// `baseline`.
pub async fn baseline(t: &Template, s: &Settings) -> Result<Baseline, InputError> {
    let resolved = resolve(t, s)?;
    let mut out = Baseline::default();
    if !resolved.iter().any(|r| r.uses_baseline) {
        return Ok(out);
    }
    let client = client()?;
    for r in resolved.iter().filter(|r| r.uses_baseline) {
        let at = measure::now();
        let answer = prometheus::query(
            &client,
            &r.address,
            &r.query,
            &r.headers,
            &s.auth,
            r.metric.timeout,
        )
        .await;
        let (value, verdict, sample) = match answer {
            Ok(sample) if sample.no_data() => (sample.shown(), Verdict::Inconclusive, None),
            Ok(sample) => (sample.shown(), Verdict::Successful, Some(sample)),
            Err(e) => (e, Verdict::Error, None),
        };
        out.measurements.push(Measurement {
            metric: r.metric.name.clone(),
            at,
            query: r.query.clone(),
            value,
            verdict,
        });
        out.values.insert(r.metric.name.clone(), sample);
    }
    Ok(out)
}

/// Run the analysis of `phase`: every metric concurrently until each is decided; the first
/// metric that fails (or errs, or stays inconclusive) stops the others, as Argo does. Never
/// waits past `deadline`; a cancelled job stops it with [`gates_core::cancel::cancelled`].
pub async fn run(
    t: &Template,
    s: &Settings,
    baseline: &Baseline,
    phase: &str,
    deadline: Instant,
) -> Result<Run, InputError> {
    let resolved = resolve(t, s)?;
    let client = client()?;
    let shared = measure::Shared::new(deadline);
    let outcomes = futures::future::join_all(
        resolved
            .iter()
            .map(|r| measure::metric(r, &client, &s.auth, baseline, &shared)),
    )
    .await;
    if gates_core::cancel::requested() {
        return Err(gates_core::cancel::cancelled(&format!(
            "stopped during the {phase} analysis; nothing was decided"
        )));
    }
    let mut measurements: Vec<Measurement> = Vec::new();
    let mut worst: Option<(u8, Verdict, Option<String>)> = None;
    for o in outcomes {
        measurements.extend(o.measurements);
        // Argo's order, best to worst: Successful, Inconclusive, Error, Failed.
        let rank = match o.verdict {
            Verdict::Successful => 0,
            Verdict::Inconclusive => 1,
            Verdict::Error => 2,
            Verdict::Failed => 3,
        };
        if worst.as_ref().is_none_or(|w| rank > w.0) {
            worst = Some((rank, o.verdict, o.reason));
        }
    }
    measurements.sort_by(|a, b| a.at.cmp(&b.at));
    let (verdict, reason) = match worst {
        None => (Verdict::Successful, None),
        Some((_, Verdict::Inconclusive, reason)) => (
            Verdict::Failed,
            reason.map(|r| {
                format!("{r}; inconclusive counts as failure (no one is there to decide)")
            }),
        ),
        Some((_, v, reason)) => (v, reason),
    };
    Ok(Run {
        phase: phase.to_string(),
        verdict,
        reason: if verdict == Verdict::Successful {
            None
        } else {
            reason
        },
        measurements,
    })
}

/// Every run's measurements as a markdown table (phase, time, metric, query, value, verdict),
/// with each unsuccessful run's reason below it. Untrusted text stays inert.
pub fn summary(runs: &[Run]) -> String {
    let mut rows = Vec::new();
    for r in runs {
        for m in &r.measurements {
            rows.push(vec![
                markdown::escape(&r.phase),
                markdown::escape(&m.at),
                markdown::escape(&m.metric),
                markdown::code(&m.query),
                markdown::code(&m.value),
                m.verdict.to_string(),
            ]);
        }
    }
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str(&markdown::table(
            &["phase", "time", "metric", "query", "value", "verdict"],
            &[],
            &rows,
        ));
    }
    for r in runs {
        out.push_str(&format!(
            "\n**{}**: analysis {}",
            markdown::escape(&r.phase),
            r.verdict
        ));
        if let Some(reason) = &r.reason {
            out.push_str(&format!(": {}", markdown::escape(reason)));
        }
        out.push('\n');
    }
    out
}
