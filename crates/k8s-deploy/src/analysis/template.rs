//! Reading an Argo Rollouts `AnalysisTemplate` (or `ClusterAnalysisTemplate`): its args and its
//! Prometheus metrics, each remembered with its file and line, checked as Argo's controller
//! checks them (`ValidateMetric`) before anything runs.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gates_core::yaml::{self, Document};
use gates_core::InputError;
use serde_json::Value;

use super::condition::Condition;

/// Argo's default `consecutiveErrorLimit`.
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: u32 = 4;

/// Argo's default Prometheus query timeout (`timeout`, in seconds, in the template).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    /// The file it came from.
    pub path: PathBuf,
    /// `metadata.name`.
    pub name: String,
    /// `spec.args`, in order.
    pub args: Vec<Arg>,
    /// `spec.metrics`, in order.
    pub metrics: Vec<Metric>,
}

/// One of `spec.args`.
#[derive(Debug, Clone)]
pub struct Arg {
    /// Its name (`{{args.<name>}}`).
    pub name: String,
    /// Its default `value`, if the template gives one.
    pub value: Option<String>,
    /// Its line.
    pub line: u32,
}

/// One of `spec.metrics`, a Prometheus one.
#[derive(Debug, Clone)]
pub struct Metric {
    /// `name`.
    pub name: String,
    /// The line of its `name`.
    pub line: u32,
    /// `interval`: the pause between measurements.
    pub interval: Option<Duration>,
    /// `initialDelay`.
    pub initial_delay: Duration,
    /// How many measurements: `count`, 1 when neither `count` nor `interval` is set, `None` when
    /// only `interval` is (measured until the run's deadline, as Argo measures until the run is
    /// terminated).
    pub count: Option<u32>,
    /// `failureLimit` (default 0; -1 for none).
    pub failure_limit: i64,
    /// `inconclusiveLimit` (default 0).
    pub inconclusive_limit: u32,
    /// `consecutiveErrorLimit` (default 4).
    pub consecutive_error_limit: u32,
    /// `successCondition`.
    pub success: Option<Condition>,
    /// `failureCondition`.
    pub failure: Option<Condition>,
    /// `provider.prometheus.address`, args not yet filled in.
    pub address: Option<String>,
    /// `provider.prometheus.query`, args not yet filled in.
    pub query: String,
    /// `provider.prometheus.timeout`.
    pub timeout: Duration,
    /// `provider.prometheus.headers` (`key`, `value`), args not yet filled in.
    pub headers: Vec<(String, String)>,
}

impl Template {
    /// Read the template in `path` (the first `AnalysisTemplate` or `ClusterAnalysisTemplate`
    /// of the file).
    pub fn load(path: &Path) -> Result<Template, InputError> {
        let text = std::fs::read_to_string(path).map_err(|e| InputError::io(path, &e))?;
        let docs = read_yaml(path, &text)?;
        let doc = docs.iter().find(|d| is_template(&d.value)).ok_or_else(|| {
            let e = InputError::new(
                path,
                "no AnalysisTemplate here (a document with apiVersion: argoproj.io/v1alpha1 and kind: AnalysisTemplate or ClusterAnalysisTemplate)",
                "point --analysis at an Argo Rollouts AnalysisTemplate; docs/k8s-deploy-analysis.yml is a ready-made one",
            );
            match docs.first() {
                Some(d) => e.at(d.line("").into(), None),
                None => e,
            }
        })?;
        Template::from_document(path, doc)
    }

    /// The first `AnalysisTemplate` among already-read documents (the rendered manifests), if
    /// there is one.
    pub fn from_manifest(path: &Path, docs: &[Document]) -> Option<Result<Template, InputError>> {
        docs.iter()
            .find(|d| is_template(&d.value))
            .map(|d| Template::from_document(path, d))
    }

    /// The names of `spec.args`, in order.
    pub fn arg_names(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|a| a.name.as_str())
    }

    fn from_document(path: &Path, doc: &Document) -> Result<Template, InputError> {
        let r = Reader { path, doc };
        let name = doc.value["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let spec = &doc.value["spec"];
        if !spec.is_object() {
            return Err(r.err("/spec", "the template has no spec", "add spec.metrics"));
        }
        for (key, what) in [
            ("dryRun", "dry-run metrics"),
            ("measurementRetention", "measurement retention"),
            ("templates", "templates referenced from a template"),
        ] {
            if spec.get(key).is_some() {
                return Err(r.err(
                    &format!("/spec/{key}"),
                    &format!("spec.{key} ({what}) is not supported here"),
                    "remove it, or keep this template for the Argo Rollouts controller",
                ));
            }
        }
        let mut args = Vec::new();
        for (i, a) in r.list("/spec/args")?.iter().enumerate() {
            let at = format!("/spec/args/{i}");
            let name = r
                .string(&format!("{at}/name"), a.get("name"))?
                .ok_or_else(|| {
                    r.err(
                        &at,
                        "an arg without a name",
                        "give every spec.args entry a name",
                    )
                })?;
            if a.get("valueFrom").is_some() {
                return Err(r.err(
                    &format!("{at}/valueFrom"),
                    &format!("arg {name}: valueFrom (a Secret or a field of the Rollout) is not supported here"),
                    &format!("pass it with --analysis-arg {name}=VALUE (a secret through an environment variable, never in the workflow file)"),
                ));
            }
            let value = r.string(&format!("{at}/value"), a.get("value"))?;
            args.push(Arg {
                name,
                value,
                line: doc.line(&at),
            });
        }
        let metrics_at = "/spec/metrics";
        let list = r.list(metrics_at)?;
        if list.is_empty() {
            return Err(r.err(
                metrics_at,
                "the template has no metrics",
                "add spec.metrics with a provider.prometheus query each",
            ));
        }
        let mut metrics: Vec<Metric> = Vec::new();
        for i in 0..list.len() {
            let m = r.metric(&format!("{metrics_at}/{i}"), &args)?;
            if metrics.iter().any(|o| o.name == m.name) {
                return Err(InputError::new(
                    path,
                    format!("metric {}: a second metric of that name", m.name),
                    "give every metric its own name",
                )
                .at(m.line.into(), None));
            }
            metrics.push(m);
        }
        Ok(Template {
            path: path.to_path_buf(),
            name: name.clone(),
            args,
            metrics,
        })
    }
}

fn is_template(v: &Value) -> bool {
    v["apiVersion"]
        .as_str()
        .is_some_and(|a| a.starts_with("argoproj.io/"))
        && matches!(
            v["kind"].as_str(),
            Some("AnalysisTemplate" | "ClusterAnalysisTemplate")
        )
}

fn read_yaml(path: &Path, text: &str) -> Result<Vec<Document>, InputError> {
    yaml::load_all(text, &mut |s, _| Ok(Cow::Borrowed(s))).map_err(|e| {
        InputError::new(
            path,
            format!("not valid YAML: {}", e.message),
            "fix the YAML at this line (an editor's YAML mode or yamllint shows it)",
        )
        .at(e.pos.line.into(), Some(e.pos.column.into()))
    })
}

struct Reader<'a> {
    path: &'a Path,
    doc: &'a Document,
}

impl Reader<'_> {
    fn err(&self, pointer: &str, message: &str, help: &str) -> InputError {
        InputError::new(self.path, message, help).at(self.doc.line(pointer).into(), None)
    }

    fn get(&self, pointer: &str) -> Option<&Value> {
        self.doc.value.pointer(pointer)
    }

    fn list(&self, pointer: &str) -> Result<&[Value], InputError> {
        match self.get(pointer) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(self.err(
                pointer,
                &format!("{} must be a list", key(pointer)),
                "write it as a YAML list (- items)",
            )),
        }
    }

    fn string(&self, pointer: &str, v: Option<&Value>) -> Result<Option<String>, InputError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(self.err(
                pointer,
                &format!("{} must be a string", key(pointer)),
                "quote it",
            )),
        }
    }

    /// A non-negative integer, or an integer string (Argo's IntOrString).
    fn int(&self, pointer: &str, min: i64) -> Result<Option<i64>, InputError> {
        let v = match self.get(pointer) {
            None | Some(Value::Null) => return Ok(None),
            Some(v) => v,
        };
        let n = match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match n {
            Some(n) if n >= min => Ok(Some(n)),
            _ => Err(self.err(
                pointer,
                &format!("{} must be an integer of at least {min}", key(pointer)),
                "write a whole number (arguments are not filled in here)",
            )),
        }
    }

    fn duration(&self, pointer: &str) -> Result<Option<Duration>, InputError> {
        match self.string(pointer, self.get(pointer))? {
            None => Ok(None),
            Some(s) => parse_duration(&s).map(Some).map_err(|why| {
                self.err(
                    pointer,
                    &format!("{} {s:?} is not a duration: {why}", key(pointer)),
                    "write it as Go does: 30s, 5m, 1m30s, 200ms",
                )
            }),
        }
    }

    fn metric(&self, at: &str, args: &[Arg]) -> Result<Metric, InputError> {
        let name = self
            .string(&format!("{at}/name"), self.get(&format!("{at}/name")))?
            .ok_or_else(|| self.err(at, "a metric without a name", "give every metric a name"))?;
        let line = self.doc.line(&format!("{at}/name"));
        let m = |msg: &str| format!("metric {name}: {msg}");
        if self.get(&format!("{at}/consecutiveSuccessLimit")).is_some() {
            return Err(self.err(
                &format!("{at}/consecutiveSuccessLimit"),
                &m("consecutiveSuccessLimit is not supported here"),
                "use count and failureLimit",
            ));
        }
        let interval = self.duration(&format!("{at}/interval"))?;
        let initial_delay = self
            .duration(&format!("{at}/initialDelay"))?
            .unwrap_or_default();
        let count = self.int(&format!("{at}/count"), 0)?.filter(|&c| c > 0);
        let failure_limit = self.int(&format!("{at}/failureLimit"), -1)?.unwrap_or(0);
        if failure_limit == -1 {
            return Err(self.err(
                &format!("{at}/failureLimit"),
                &m("failureLimit -1 needs consecutiveSuccessLimit, which is not supported here"),
                "set failureLimit to 0 or more",
            ));
        }
        let inconclusive_limit = self
            .int(&format!("{at}/inconclusiveLimit"), 0)?
            .unwrap_or(0);
        let consecutive_error_limit = self
            .int(&format!("{at}/consecutiveErrorLimit"), 0)?
            .map_or(DEFAULT_CONSECUTIVE_ERROR_LIMIT, clamp);
        if let Some(c) = count {
            if c > 1 && interval.is_none() {
                return Err(self.err(
                    &format!("{at}/count"),
                    &m("interval must be specified when count > 1 (as Argo Rollouts requires)"),
                    "add an interval (e.g. interval: 1m)",
                ));
            }
            if c < failure_limit {
                return Err(self.err(
                    &format!("{at}/count"),
                    &m("count must be >= failureLimit"),
                    "raise count or lower failureLimit",
                ));
            }
            if c < inconclusive_limit {
                return Err(self.err(
                    &format!("{at}/count"),
                    &m("count must be >= inconclusiveLimit"),
                    "raise count or lower inconclusiveLimit",
                ));
            }
        }
        let count = match (count, interval) {
            (Some(c), _) => Some(clamp(c)),
            (None, None) => Some(1),
            (None, Some(_)) => None,
        };
        let provider_at = format!("{at}/provider");
        let provider = match self.get(&provider_at) {
            Some(Value::Object(p)) => p,
            _ => {
                return Err(self.err(
                    at,
                    &m("no provider"),
                    "add provider.prometheus with a query",
                ))
            }
        };
        if let Some(other) = provider.keys().find(|k| *k != "prometheus") {
            return Err(self.err(
                &format!("{provider_at}/{}", escape(other)),
                &m(&format!("the {other} provider is not supported here; only prometheus is")),
                "measure it with a Prometheus query, or keep this template for the Argo Rollouts controller",
            ));
        }
        let p = format!("{provider_at}/prometheus");
        for unsupported in ["rangeQuery", "authentication", "insecure"] {
            if self.get(&format!("{p}/{unsupported}")).is_some() {
                let help = match unsupported {
                    "authentication" => "remove it: the token comes from PROMETHEUS_TOKEN, or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD",
                    "insecure" => "remove it: the Prometheus certificate must verify",
                    _ => "use an instant query (a range function such as rate(x[5m]) inside it)",
                };
                return Err(self.err(
                    &format!("{p}/{unsupported}"),
                    &m(&format!("prometheus.{unsupported} is not supported here")),
                    help,
                ));
            }
        }
        let query = self
            .string(&format!("{p}/query"), self.get(&format!("{p}/query")))?
            .filter(|q| !q.trim().is_empty())
            .ok_or_else(|| {
                self.err(
                    &p,
                    &m("prometheus.query is missing"),
                    "add the PromQL query",
                )
            })?;
        let address = self.string(&format!("{p}/address"), self.get(&format!("{p}/address")))?;
        let timeout = self
            .int(&format!("{p}/timeout"), 1)?
            .map_or(DEFAULT_TIMEOUT, |s| Duration::from_secs(s as u64));
        let mut headers = Vec::new();
        for (i, h) in self.list(&format!("{p}/headers"))?.iter().enumerate() {
            let hat = format!("{p}/headers/{i}");
            let k = self.string(&format!("{hat}/key"), h.get("key"))?;
            let v = self.string(&format!("{hat}/value"), h.get("value"))?;
            match (k, v) {
                (Some(k), Some(v)) => headers.push((k, v)),
                _ => {
                    return Err(self.err(
                        &hat,
                        &m("a header needs key and value"),
                        "write - key: X-Scope-OrgID / value: ...",
                    ))
                }
            }
        }
        let condition = |field: &str| -> Result<Option<Condition>, InputError> {
            let cat = format!("{at}/{field}");
            match self.string(&cat, self.get(&cat))? {
                None => Ok(None),
                Some(text) => Condition::parse(&text, self.doc.line(&cat))
                    .map(Some)
                    .map_err(|why| self.err(&cat, &m(&format!("{field} does not parse: {why}")), "write an expr-lang expression over result (and baseline), e.g. result[0] < 0.05")),
            }
        };
        let success = condition("successCondition")?;
        let failure = condition("failureCondition")?;
        let metric = Metric {
            name: name.clone(),
            line,
            interval,
            initial_delay,
            count,
            failure_limit,
            inconclusive_limit: clamp(inconclusive_limit),
            consecutive_error_limit,
            success,
            failure,
            address,
            query,
            timeout,
            headers,
        };
        // Every {{...}} must name a declared arg.
        for text in metric.templated() {
            if let Err(tag) = super::fill(text, &|n| {
                args.iter().any(|a| a.name == n).then(String::new)
            }) {
                return Err(InputError::new(
                    self.path,
                    m(&format!("{{{{{tag}}}}} names no arg of the template")),
                    "declare it under spec.args, or correct the name",
                )
                .at(line.into(), None));
            }
        }
        Ok(metric)
    }
}

impl Metric {
    /// Every text of the metric in which `{{args.name}}` is filled in.
    pub(crate) fn templated(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.query.as_str())
            .chain(self.address.as_deref())
            .chain(self.headers.iter().map(|(_, v)| v.as_str()))
            .chain(self.success.iter().map(|c| c.text.as_str()))
            .chain(self.failure.iter().map(|c| c.text.as_str()))
    }
}

fn clamp(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

fn key(pointer: &str) -> &str {
    pointer.rsplit('/').next().unwrap_or(pointer)
}

fn escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// A duration in Go's `time.ParseDuration` format: `30s`, `5m`, `1m30s`, `1.5h`, `200ms`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.starts_with('-') {
        return Err("it is negative".into());
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..num_end]
            .parse()
            .map_err(|_| "a number is missing before a unit".to_string())?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err("a unit is missing (ns, us, ms, s, m, h)".into()),
            u => return Err(format!("unknown unit {u:?} (ns, us, ms, s, m, h)")),
        };
        total += number * seconds;
        rest = &rest[unit_end..];
    }
    Duration::try_from_secs_f64(total).map_err(|_| "it is too long".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_go_reads_them() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}
