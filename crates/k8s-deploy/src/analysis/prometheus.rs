//! One instant query to the Prometheus HTTP API (`GET <address>/api/v1/query?query=...`), its
//! answer read as Argo Rollouts reads it: a vector (or matrix) as the list of its values, a
//! scalar as its value. Errors never name the credentials or the address's query.

use std::time::Duration;

use serde_json::Value;

use super::Auth;

/// What a query answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    /// A vector's (or a matrix's) values, in the order Prometheus gave them.
    Vector(Vec<f64>),
    /// A scalar.
    Scalar(f64),
}

impl Sample {
    /// No data: an empty vector, or a NaN value.
    pub fn no_data(&self) -> bool {
        match self {
            Sample::Vector(v) => v.is_empty() || v.iter().any(|x| x.is_nan()),
            Sample::Scalar(x) => x.is_nan(),
        }
    }

    /// As the conditions see it.
    pub fn value(&self) -> expr::Value {
        match self {
            Sample::Vector(v) => expr::Value::Array(v.iter().map(|&x| x.into()).collect()),
            Sample::Scalar(x) => (*x).into(),
        }
    }

    /// As the summary shows it: `0.031`, `[0.031, 0.02]`, `no data`, `NaN`.
    pub fn shown(&self) -> String {
        match self {
            Sample::Vector(v) if v.is_empty() => "no data".into(),
            Sample::Vector(v) => format!(
                "[{}]",
                v.iter().map(|&x| number(x)).collect::<Vec<_>>().join(", ")
            ),
            Sample::Scalar(x) => number(*x),
        }
    }
}

/// A float as Prometheus writes it.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        x.to_string()
    }
}

/// The query URL for `address` (a path prefix kept; its query and user info dropped).
pub fn query_url(address: &str, query: &str) -> Result<reqwest::Url, String> {
    let mut url = reqwest::Url::parse(address)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            format!(
                "the Prometheus address {} is not an http:// or https:// URL",
                crate::health::shown(address)
            )
        })?;
    let path = format!("{}/api/v1/query", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(None);
    url.set_fragment(None);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.query_pairs_mut().append_pair("query", query);
    Ok(url)
}

/// Ask `address` for `query`; `Err` is the measurement's error text.
pub async fn query(
    client: &reqwest::Client,
    address: &str,
    query: &str,
    headers: &[(String, String)],
    auth: &Auth,
    timeout: Duration,
) -> Result<Sample, String> {
    let url = query_url(address, query)?;
    let mut request = client.get(url).timeout(timeout);
    for (k, v) in headers {
        request = request.header(k.as_str(), v.as_str());
    }
    request = auth.apply(request);
    let response = request.send().await.map_err(|e| {
        format!(
            "Prometheus did not answer: {}",
            crate::health::request_error(&e)
        )
    })?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| {
        format!(
            "Prometheus's answer was cut: {}",
            crate::health::request_error(&e)
        )
    })?;
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let api_error = json.as_ref().and_then(|j| {
        (j["status"] == "error").then(|| {
            format!(
                "{}: {}",
                j["errorType"].as_str().unwrap_or("error"),
                j["error"].as_str().unwrap_or("(no message)")
            )
        })
    });
    if !(200..300).contains(&status) || api_error.is_some() {
        let what = api_error.unwrap_or_else(|| "not a Prometheus API answer".into());
        return Err(format!(
            "Prometheus answered HTTP {status}: {}",
            clip(&what)
        ));
    }
    let json = json.ok_or("Prometheus answered something that is not JSON")?;
    let data = &json["data"];
    let value_of = |pair: &Value| -> Result<f64, String> {
        let s = pair[1].as_str().ok_or("a sample without a value")?;
        s.parse::<f64>()
            .map_err(|_| format!("the sample value {s:?} is not a number"))
    };
    match data["resultType"].as_str() {
        Some("vector") => data["result"]
            .as_array()
            .ok_or("a vector without result")?
            .iter()
            .map(|s| value_of(&s["value"]))
            .collect::<Result<_, _>>()
            .map(Sample::Vector),
        Some("matrix") => {
            let mut values = Vec::new();
            for series in data["result"].as_array().ok_or("a matrix without result")? {
                for pair in series["values"].as_array().into_iter().flatten() {
                    values.push(value_of(pair)?);
                }
            }
            Ok(Sample::Vector(values))
        }
        Some("scalar") => value_of(&data["result"]).map(Sample::Scalar),
        Some(other) => Err(format!(
            "the query answered a {other}; a condition needs a vector or a scalar"
        )),
        None => Err("Prometheus's answer has no data.resultType".into()),
    }
}

fn clip(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match s.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}
