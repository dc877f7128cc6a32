//! One metric's measurements, as Argo's controller takes and counts them
//! (`analysis/analysis.go`: `runMeasurements`, `assessMetricStatus`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::prometheus::{self, Sample};
use super::{Auth, Baseline, Measurement, Resolved, Verdict};

/// The longest pause before a measurement that errored is retried (Argo's
/// `DefaultErrorRetryInterval`).
const ERROR_RETRY: Duration = Duration::from_secs(10);

/// How often a pause looks at cancellation and the other metrics.
const TICK: Duration = Duration::from_millis(50);

/// What the metrics of one run share.
pub(super) struct Shared {
    deadline: Instant,
    /// A metric was decided against the run: the others stop (Argo's terminating run).
    stop: AtomicBool,
}

impl Shared {
    pub(super) fn new(deadline: Instant) -> Self {
        Shared {
            deadline,
            stop: AtomicBool::new(false),
        }
    }
}

/// How one metric ended.
pub(super) struct Outcome {
    pub verdict: Verdict,
    pub reason: Option<String>,
    pub measurements: Vec<Measurement>,
}

/// Now, RFC 3339 to the millisecond.
pub(super) fn now() -> String {
    time_of(jiff::Timestamp::now())
}

/// `t` to the millisecond, always with three decimals: measurements of several metrics are
/// put in order by this text, and `…:01.5Z` would sort after `…:01.55Z`.
fn time_of(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

enum Paused {
    Done,
    Deadline,
    Stopped,
}

/// Wait `d`, in ticks, unless the deadline would pass, the job is cancelled or another metric
/// stopped the run.
async fn pause(d: Duration, shared: &Shared) -> Paused {
    let until = Instant::now() + d;
    if until > shared.deadline {
        return Paused::Deadline;
    }
    loop {
        if gates_core::cancel::requested() || shared.stop.load(Ordering::SeqCst) {
            return Paused::Stopped;
        }
        let now = Instant::now();
        if now >= until {
            return Paused::Done;
        }
        tokio::time::sleep((until - now).min(TICK)).await;
    }
}

pub(super) async fn metric(
    r: &Resolved<'_>,
    client: &reqwest::Client,
    auth: &Auth,
    baseline: &Baseline,
    shared: &Shared,
) -> Outcome {
    let m = r.metric;
    let name = &m.name;
    let mut out = Outcome {
        verdict: Verdict::Successful,
        reason: None,
        measurements: Vec::new(),
    };
    let (mut count, mut failed, mut inconclusive, mut consecutive_errors) =
        (0u32, 0i64, 0u32, 0u32);
    let cut = |out: &mut Outcome, count: u32| match m.count {
        None => {
            // Measured until the deadline, as Argo measures until the run is terminated.
            out.verdict = Verdict::Successful;
        }
        Some(c) => {
            out.verdict = Verdict::Error;
            out.reason = Some(format!(
                "metric {name}: the deadline came after {count} of {c} measurements"
            ));
        }
    };
    let mut wait = m.initial_delay;
    loop {
        match pause(wait, shared).await {
            Paused::Done => {}
            Paused::Stopped => return out,
            Paused::Deadline => {
                cut(&mut out, count);
                return out;
            }
        }
        let left = shared.deadline.saturating_duration_since(Instant::now());
        let at = now();
        let answer = tokio::select! {
            a = prometheus::query(client, &r.address, &r.query, &r.headers, auth, m.timeout.min(left)) => a,
            () = tokio::time::sleep(left) => Err("the deadline came before Prometheus answered".into()),
        };
        let (value, verdict, note) = match answer {
            Err(e) => (e, Verdict::Error, None),
            Ok(sample) => {
                let (v, note) = assess(r, &sample, baseline);
                (sample.shown(), v, note)
            }
        };
        let shown = match &note {
            Some(n) => format!("{value} ({n})"),
            None => value,
        };
        out.measurements.push(Measurement {
            metric: name.clone(),
            at: at.clone(),
            query: r.query.clone(),
            value: shown.clone(),
            verdict,
        });
        match verdict {
            Verdict::Successful => {
                count += 1;
                consecutive_errors = 0;
            }
            Verdict::Failed => {
                count += 1;
                failed += 1;
                consecutive_errors = 0;
            }
            Verdict::Inconclusive => {
                count += 1;
                inconclusive += 1;
                consecutive_errors = 0;
            }
            Verdict::Error => consecutive_errors += 1,
        }
        // Argo's precedence: error over inconclusive over failed.
        let last = format!("{shown} at {at}");
        let decided = if consecutive_errors > m.consecutive_error_limit {
            Some((
                Verdict::Error,
                format!(
                    "consecutive errors ({consecutive_errors}) > consecutiveErrorLimit ({}): {last}",
                    m.consecutive_error_limit
                ),
            ))
        } else if inconclusive > m.inconclusive_limit {
            Some((
                Verdict::Inconclusive,
                format!(
                    "inconclusive ({inconclusive}) > inconclusiveLimit ({}): {last}",
                    m.inconclusive_limit
                ),
            ))
        } else if m.failure_limit >= 0 && failed > m.failure_limit {
            Some((
                Verdict::Failed,
                format!(
                    "failed ({failed}) > failureLimit ({}): {last}",
                    m.failure_limit
                ),
            ))
        } else {
            None
        };
        if let Some((v, why)) = decided {
            shared.stop.store(true, Ordering::SeqCst);
            out.verdict = v;
            out.reason = Some(format!("metric {name} {v}: {why}"));
            return out;
        }
        if m.count.is_some_and(|c| count >= c) {
            return out;
        }
        wait = match (verdict, m.interval) {
            (Verdict::Error, i) => i.unwrap_or(ERROR_RETRY).min(ERROR_RETRY),
            (_, Some(i)) => i,
            (_, None) => ERROR_RETRY,
        };
    }
}

/// A measurement's verdict (Argo's `EvaluateResult`), with a note when the data decided it.
fn assess(r: &Resolved<'_>, sample: &Sample, baseline: &Baseline) -> (Verdict, Option<String>) {
    let base = match (r.uses_baseline, baseline.get(&r.metric.name)) {
        (false, _) => None,
        (true, Some(Some(b))) => Some(b.value()),
        (true, _) => return (Verdict::Inconclusive, Some("no baseline data".into())),
    };
    if sample.no_data() && !r.handles_no_data {
        return (Verdict::Inconclusive, None);
    }
    let result = sample.value();
    let eval = |c: &Option<super::condition::Compiled>, which: &str| match c {
        None => Ok(None),
        Some(c) => c
            .eval(&result, base.as_ref())
            .map(Some)
            .map_err(|e| format!("{which} could not be evaluated: {e}")),
    };
    let (success, failure) = match (
        eval(&r.success, "successCondition"),
        eval(&r.failure, "failureCondition"),
    ) {
        (Ok(s), Ok(f)) => (s, f),
        (Err(e), _) | (_, Err(e)) => return (Verdict::Error, Some(e)),
    };
    let verdict = match (success, failure) {
        (_, Some(true)) => Verdict::Failed,
        (Some(true), _) => Verdict::Successful,
        (Some(false), None) => Verdict::Failed,
        (Some(false), Some(false)) => Verdict::Inconclusive,
        (None, _) => Verdict::Successful,
    };
    (verdict, None)
}

#[cfg(test)]
mod tests {
    use super::time_of;

    #[test]
    fn measurement_times_sort_in_the_order_they_were_taken() {
        let t =
            |ms: i64| time_of(jiff::Timestamp::from_millisecond(1_765_000_000_000 + ms).unwrap());
        let times = [t(0), t(500), t(550), t(1000), t(1001)];
        assert_eq!(times[1], "2025-12-06T05:46:40.500Z");
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(sorted, times);
    }
}
