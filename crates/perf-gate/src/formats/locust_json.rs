//! `locust --json` (stdout) or `--json-file`: a list of request entries `{name, method,
//! num_requests, num_none_requests, num_failures, total_response_time, min_response_time,
//! max_response_time, response_times: {"<ms, rounded>": count}, start_time,
//! last_request_timestamp, …}` (locust `StatsEntry.serialize`). Times are milliseconds.
//!
//! The same three metrics per entry as the CSV ([`crate::formats::locust_csv`]): `<method>
//! <name>` (response times), `… failed` (failure share) and `… rps`, plus `Aggregated`, which
//! locust prints and the JSON leaves out: it merges the entries as locust's total does. The
//! response-time histogram is rounded (two significant digits), so it gives the median and
//! percentiles exactly as locust computes them, but it is not kept as raw samples.

use std::collections::BTreeMap;
use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::Value;

use crate::model::{Format, Kind, Metric, Report, Unit};

/// Whether parsed JSON is locust's stats list.
pub fn sniff(v: &Value) -> bool {
    v.as_array().is_some_and(|a| {
        a.first().is_some_and(|e| {
            e.get("num_requests").is_some()
                && e.get("response_times").is_some_and(Value::is_object)
                && e.get("method").is_some()
        })
    })
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    #[serde(default)]
    method: Option<String>,
    num_requests: u64,
    #[serde(default)]
    num_none_requests: u64,
    num_failures: u64,
    total_response_time: f64,
    max_response_time: f64,
    min_response_time: Option<f64>,
    response_times: BTreeMap<String, u64>,
    start_time: f64,
    last_request_timestamp: Option<f64>,
}

/// The percentiles locust prints.
const PERCENTILES: [f64; 11] = [
    50.0, 66.0, 75.0, 80.0, 90.0, 95.0, 98.0, 99.0, 99.9, 99.99, 100.0,
];

/// locust's `calculate_response_time_percentile`: walking down from the slowest bucket, the
/// first time at which at most `n × pct` requests remain.
fn percentile(hist: &[(f64, u64)], n: u64, pct: f64) -> f64 {
    let keep = (n as f64 * pct) as u64;
    let mut done = 0u64;
    for (t, c) in hist.iter().rev() {
        done = done.saturating_add(*c);
        if n.saturating_sub(done) <= keep {
            return *t;
        }
    }
    0.0
}

/// One entry (or the merged total) as metrics.
struct Totals {
    requests: u64,
    none: u64,
    failures: u64,
    total_time: f64,
    min: Option<f64>,
    max: f64,
    hist: BTreeMap<u64, u64>,
    start: f64,
    last: Option<f64>,
}

impl Totals {
    fn metrics(&self, name: &str) -> [Metric; 3] {
        let timed = self.requests - self.none.min(self.requests);
        let mut t = Metric::new(name, Kind::Trend, Unit::Millis);
        t.given.insert("count".into(), self.requests as f64);
        if timed > 0 {
            let hist: Vec<(f64, u64)> = self.hist.iter().map(|(k, c)| (*k as f64, *c)).collect();
            t.given.insert("avg".into(), self.total_time / timed as f64);
            t.given.insert("max".into(), self.max);
            if let Some(min) = self.min {
                t.given.insert("min".into(), min);
            }
            // locust clamps its median into [min, max] (one slow request in a coarse bucket).
            let med = percentile(&hist, timed, 0.5)
                .min(self.max)
                .max(self.min.unwrap_or(f64::MIN));
            t.given.insert("med".into(), med);
            for p in PERCENTILES {
                t.given
                    .insert(format!("p({p})"), percentile(&hist, timed, p / 100.0));
            }
        }
        let mut f = Metric::new(format!("{name} failed"), Kind::Rate, Unit::Plain);
        f.given.insert("count".into(), self.requests as f64);
        if self.requests > 0 {
            let share = self.failures as f64 / self.requests as f64;
            f.given.insert("rate".into(), share);
            f.given.insert("value".into(), share);
        }
        let mut rps = Metric::new(format!("{name} rps"), Kind::Gauge, Unit::OpsPerSec);
        if let Some(last) = self.last.filter(|l| *l > self.start) {
            rps.given
                .insert("value".into(), self.requests as f64 / (last - self.start));
        }
        [t, f, rps]
    }
}

/// Read parsed locust JSON stats.
pub fn read(path: &Path, v: &Value) -> Result<Report, InputError> {
    let fix = "give the stats locust printed with `--json` (or wrote with `--json-file`), whole";
    let mut metrics = Vec::new();
    let mut all = Totals {
        requests: 0,
        none: 0,
        failures: 0,
        total_time: 0.0,
        min: None,
        max: 0.0,
        hist: BTreeMap::new(),
        start: f64::INFINITY,
        last: None,
    };
    for (i, e) in v.as_array().expect("sniffed").iter().enumerate() {
        let e: Entry = serde_json::from_value(e.clone())
            .map_err(|err| InputError::new(path, format!("entry {i}: {err}"), fix))?;
        let name = match &e.method {
            Some(m) if !m.is_empty() => format!("{m} {}", e.name),
            _ => e.name.clone(),
        };
        for (what, x) in [
            ("total_response_time", e.total_response_time),
            ("max_response_time", e.max_response_time),
            ("min_response_time", e.min_response_time.unwrap_or(0.0)),
        ] {
            crate::formats::duration(path, &format!("{name:?} {what}"), x, fix)?;
        }
        let mut hist = BTreeMap::new();
        for (k, c) in &e.response_times {
            let t: u64 = k.parse().map_err(|_| {
                InputError::new(
                    path,
                    format!("{name:?} response_times has the key {k:?}: a response time must be a whole, non-negative number of milliseconds"),
                    fix,
                )
            })?;
            // Saturating: a hostile count must not overflow.
            let h = hist.entry(t).or_insert(0u64);
            *h = h.saturating_add(*c);
            let a = all.hist.entry(t).or_insert(0u64);
            *a = a.saturating_add(*c);
        }
        let one = Totals {
            requests: e.num_requests,
            none: e.num_none_requests,
            failures: e.num_failures,
            total_time: e.total_response_time,
            min: e.min_response_time,
            max: e.max_response_time,
            hist,
            start: e.start_time,
            last: e.last_request_timestamp,
        };
        all.requests = all.requests.saturating_add(one.requests);
        all.none = all.none.saturating_add(one.none);
        all.failures = all.failures.saturating_add(one.failures);
        all.total_time += one.total_time;
        all.min = match (all.min, one.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        all.max = all.max.max(one.max);
        all.start = all.start.min(one.start);
        all.last = match (all.last, one.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        metrics.extend(one.metrics(&name));
    }
    if metrics.is_empty() {
        return Err(InputError::new(path, "no request entries", fix));
    }
    metrics.extend(all.metrics("Aggregated"));
    Ok(Report {
        format: Format::LocustJson,
        metrics,
        tag_sets: Vec::new(),
    })
}
