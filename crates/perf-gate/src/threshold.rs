//! Absolute limits in k6's words, for every format:
//! `metric[{tag:value,...}]: stat op value[unit][, stat op value[unit]...]`, for example
//! `http_req_duration{status:200}: p(95) < 500ms, avg < 200`. A limit the report cannot answer
//! (no such metric, a statistic the export left out) is an error naming what is there.

use std::path::Path;

use gates_core::InputError;

use crate::model::{Format, Kind, Report, Stat, Unit};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==` (k6 also accepts `===`)
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
}

/// The unit written after a limit's number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LimitUnit {
    /// None: the metric's own unit (k6: milliseconds for times).
    Native,
    /// A duration, as its length in seconds.
    Time(f64),
    /// `%`: a share, for rates.
    Percent,
    /// `ops/s`: the inverse of a per-operation time.
    OpsPerSec,
    /// A size, as its length in bytes.
    Bytes(f64),
}

impl LimitUnit {
    fn parse(s: &str) -> Option<(LimitUnit, &'static str)> {
        Some(match s {
            "" => (LimitUnit::Native, ""),
            "s" => (LimitUnit::Time(1.0), "s"),
            "ms" => (LimitUnit::Time(1e-3), "ms"),
            "us" | "µs" | "μs" => (LimitUnit::Time(1e-6), "us"),
            "ns" => (LimitUnit::Time(1e-9), "ns"),
            "%" => (LimitUnit::Percent, "%"),
            "ops/s" => (LimitUnit::OpsPerSec, "ops/s"),
            "B" => (LimitUnit::Bytes(1.0), "B"),
            "KB" | "kB" => (LimitUnit::Bytes(1e3), "KB"),
            "MB" => (LimitUnit::Bytes(1e6), "MB"),
            _ => return None,
        })
    }
}

/// One limit on one statistic of one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// Metric (or benchmark) name, without the tag filter.
    pub metric: String,
    /// Tag filter (k6 submetric), `key:value` pairs.
    pub tags: Vec<(String, String)>,
    /// The statistic.
    pub stat: Stat,
    /// The operator.
    pub op: Op,
    /// The number as written.
    pub value: f64,
    /// The unit as written.
    pub unit: LimitUnit,
    /// The unit's name as written (normalised), for messages.
    pub unit_name: &'static str,
    /// `stat op value[unit]` as written (trimmed), for messages and metrics.
    pub expression: String,
    /// The whole metric key as written, with its tags: `http_req_duration{status:200}`.
    pub key: String,
}

const GRAMMAR: &str = "write `metric[{tag:value,...}]: stat op value[unit]`, e.g. `http_req_duration{status:200}: p(95) < 500ms, avg < 200`; stats avg|min|med|max|p(N)|rate|count|value, operators < <= > >= == !=, units ms s us ns % ops/s B KB MB";

/// Parse one `--threshold` (or config entry), which may hold several expressions for its
/// metric, separated by commas. `origin` names the flag or config file for errors.
pub fn parse(text: &str, origin: &Path) -> Result<Vec<Threshold>, InputError> {
    let bad = |what: String| InputError::new(origin, what, GRAMMAR);
    // The expressions never hold a colon; a metric name (pytest's `file.py::test`) or a tag
    // filter may.
    let (key, exprs) = text
        .rsplit_once(':')
        .ok_or_else(|| bad(format!("threshold {text:?} has no `:` after the metric")))?;
    let key = key.trim();
    let (metric, tags) = match key.find('{') {
        Some(i) if key.ends_with('}') => {
            let inner = &key[i + 1..key.len() - 1];
            let mut tags = Vec::new();
            for pair in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (k, v) = pair
                    .split_once(':')
                    .ok_or_else(|| bad(format!("tag {pair:?} in {text:?} is not `key:value`")))?;
                tags.push((k.trim().to_string(), v.trim().to_string()));
            }
            (key[..i].trim().to_string(), tags)
        }
        _ => (key.to_string(), Vec::new()),
    };
    if metric.is_empty() {
        return Err(bad(format!("threshold {text:?} names no metric")));
    }
    let mut out = Vec::new();
    for expr in exprs.split(',').map(str::trim) {
        if expr.is_empty() {
            return Err(bad(format!("threshold {text:?} has an empty expression")));
        }
        let ops = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("===", Op::Eq),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        let (at, len, op) = ops
            .iter()
            .filter_map(|(s, op)| expr.find(s).map(|i| (i, s.len(), *op)))
            .min_by_key(|(i, len, _)| (*i, usize::MAX - len))
            .ok_or_else(|| bad(format!("{expr:?} has no operator")))?;
        let stat_s = expr[..at].trim();
        let stat = Stat::parse(stat_s)
            .ok_or_else(|| bad(format!("{stat_s:?} in {expr:?} is not a statistic")))?;
        let rest = expr[at + len..].trim();
        let split = rest
            .find(|c: char| {
                !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')
            })
            .unwrap_or(rest.len());
        // `1e` followed by a unit letter: keep the exponent only when digits follow it.
        let (num, unit) = rest.split_at(split);
        let value: f64 = num
            .parse()
            .map_err(|_| bad(format!("{rest:?} in {expr:?} is not a number with a unit")))?;
        if !value.is_finite() {
            return Err(bad(format!("{rest:?} is not a finite number")));
        }
        let (unit, unit_name) = LimitUnit::parse(unit.trim())
            .ok_or_else(|| bad(format!("unit {:?} in {expr:?} is unknown", unit.trim())))?;
        out.push(Threshold {
            metric: metric.clone(),
            tags: tags.clone(),
            stat,
            op,
            value,
            unit,
            unit_name,
            expression: expr.to_string(),
            key: key.to_string(),
        });
    }
    Ok(out)
}

/// A threshold's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The threshold.
    pub threshold: Threshold,
    /// The statistic's value, in the threshold's unit.
    pub actual: f64,
    /// Whether it held.
    pub ok: bool,
    /// Declared by the k6 script rather than asked by the user.
    pub declared: bool,
    /// k6's own verdict on a declared threshold, where the report records it.
    pub k6_ok: Option<bool>,
}

impl Evaluated {
    /// k6's verdict, when it differs from the gate's (then it is shown beside it).
    pub fn k6_disagrees(&self) -> Option<bool> {
        self.k6_ok.filter(|&k| k != self.ok)
    }
}

/// Evaluate a threshold against a report. `Err` when the report cannot answer it.
pub fn evaluate(t: &Threshold, report: &Report, origin: &Path) -> Result<Evaluated, InputError> {
    let names = || {
        let mut n: Vec<&str> = report.metrics.iter().map(|m| m.name.as_str()).collect();
        n.truncate(30);
        n.join(", ")
    };
    let Some(m) = report.get(&t.key).or_else(|| report.get(&t.metric)) else {
        return Err(InputError::new(
            origin,
            format!(
                "threshold on {:?}: the {} report has no such metric",
                t.key,
                report.format.name()
            ),
            format!("use one of: {}", names()),
        ));
    };
    // A summary export holds submetrics as their own keys; then the filter is already applied.
    let filter: &[(String, String)] = if m.name == t.key { &[] } else { &t.tags };
    let Some(raw) = m.stat(&t.stat, filter, &report.tag_sets) else {
        if !filter.is_empty() && m.stat(&t.stat, &[], &report.tag_sets).is_some() {
            return Err(InputError::new(
                origin,
                format!(
                    "threshold {}: {}: no sample of {:?} carries the tags {}",
                    t.key,
                    t.expression,
                    m.name,
                    t.tags
                        .iter()
                        .map(|(k, v)| format!("{k}:{v}"))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                "check the tag names and values against the tags k6 wrote on the metric's Point lines",
            ));
        }
        if report.format == Format::K6Jsonl && m.kind == Kind::Counter && t.stat == Stat::Rate {
            return Err(InputError::new(
                origin,
                format!(
                    "threshold {}: {}: a counter's rate is its count over the test's duration, which `--out json` does not record",
                    t.key, t.expression
                ),
                "limit `count` instead, or give the gate the summary export (`--summary-export`) or handleSummary data, which carry k6's own rate",
            ));
        }
        let have: Vec<&str> = m.given.keys().map(String::as_str).collect();
        let what = if !m.has_samples && !have.is_empty() {
            format!("it has {}", have.join(", "))
        } else {
            format!("a {} has {}", m.kind.name(), m.kind.stats())
        };
        let export = match report.format {
            Format::K6Summary | Format::K6HandleSummary if m.kind == Kind::Trend => format!(
                "; add \"{}\" to the script's summaryTrendStats, or give the gate `k6 run --out json=<file>` (raw samples)",
                t.stat.key()
            ),
            Format::K6Summary | Format::K6HandleSummary if !t.tags.is_empty() => "; declare a threshold on that submetric in the script so k6 exports it, or give the gate `k6 run --out json=<file>`".into(),
            _ => String::new(),
        };
        return Err(InputError::new(
            origin,
            format!(
                "threshold {}: {}: {:?} cannot give {} ({what})",
                t.key,
                t.expression,
                m.name,
                t.stat.key()
            ),
            format!("use a statistic it has{export}"),
        ));
    };
    let unit_err = |what: &str| {
        InputError::new(
            origin,
            format!("threshold {}: {}: {what}", t.key, t.expression),
            "write the limit without a unit (the metric's own), or in a unit of its kind",
        )
    };
    // A rate's share, or criterion's relative change (0.05 = 5% slower), reads as a percentage.
    let is_share = matches!(t.stat, Stat::Rate | Stat::Value) && m.kind == Kind::Rate
        || report.format == Format::CriterionChange;
    let actual = match t.unit {
        LimitUnit::Native => raw,
        LimitUnit::Percent if is_share => raw * 100.0,
        LimitUnit::Percent => return Err(unit_err("% is for rates and criterion's changes")),
        LimitUnit::Time(s) if m.unit.is_time() && !matches!(t.stat, Stat::Count) => {
            raw * seconds(&m.unit) / s
        }
        LimitUnit::Time(_) => return Err(unit_err(&format!("{:?} is not a time", m.name))),
        LimitUnit::OpsPerSec if m.unit == Unit::OpsPerSec => raw,
        LimitUnit::OpsPerSec if m.unit.is_time() && raw > 0.0 => 1.0 / (raw * seconds(&m.unit)),
        LimitUnit::OpsPerSec => {
            return Err(unit_err("ops/s is for throughputs and per-operation times"))
        }
        LimitUnit::Bytes(b) if m.unit == Unit::Bytes => raw / b,
        LimitUnit::Bytes(_) => return Err(unit_err(&format!("{:?} is not a size", m.name))),
    };
    Ok(Evaluated {
        threshold: t.clone(),
        actual,
        ok: t.op.holds(actual, t.value),
        declared: false,
        k6_ok: None,
    })
}

fn seconds(u: &Unit) -> f64 {
    u.seconds().unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Threshold {
        parse(s, Path::new("x")).unwrap().remove(0)
    }

    #[test]
    fn grammar() {
        let t = one("http_req_duration{status:200, method:GET}: p(95) <= 500ms");
        assert_eq!(t.metric, "http_req_duration");
        assert_eq!(
            t.tags,
            vec![
                ("status".into(), "200".into()),
                ("method".into(), "GET".into())
            ]
        );
        assert_eq!(t.stat, Stat::P(95.0));
        assert_eq!(t.op, Op::Le);
        assert_eq!(t.value, 500.0);
        assert_eq!(t.unit, LimitUnit::Time(1e-3));
        let several = parse("http_req_failed: rate<1%, count != 0", Path::new("x")).unwrap();
        assert_eq!(several.len(), 2);
        assert_eq!(several[0].unit, LimitUnit::Percent);
        assert_eq!(several[1].op, Op::Ne);
        let py = one("bench.py::test_sorted: med < 50us");
        assert_eq!(py.metric, "bench.py::test_sorted");
        assert_eq!(one("x: avg===3").op, Op::Eq);
    }

    /// ops/s limits hold a throughput as it is and a per-operation time inverted; on a size
    /// they are an error.
    #[test]
    fn ops_per_second_limits_fit_throughputs_and_times() {
        let report = |unit: Unit, samples: Vec<f64>| Report {
            format: Format::Jmh,
            metrics: vec![{
                let mut m = crate::model::Metric::new("b", Kind::Trend, unit);
                m.has_samples = true;
                m.samples = samples;
                m
            }],
            tag_sets: Vec::new(),
        };
        let t = one("b: avg > 1000ops/s");
        let at = |r: &Report| evaluate(&t, r, Path::new("x")).map(|e| (e.actual, e.ok));
        assert_eq!(
            at(&report(Unit::OpsPerSec, vec![900.0, 1300.0])).unwrap(),
            (1100.0, true)
        );
        let (per_op, ok) = at(&report(Unit::Millis, vec![2.0])).unwrap();
        assert!((per_op - 500.0).abs() < 1e-9 && !ok);
        assert!(at(&report(Unit::Bytes, vec![2.0])).is_err());
    }

    #[test]
    fn bad_thresholds_say_what_to_write() {
        for bad in [
            "no colon",
            "m: p(95) 5",
            "m: avg < 5 parsecs",
            "m: pct < 5",
            ": avg<1",
            "m: avg < x",
        ] {
            let e = parse(bad, Path::new("--threshold")).unwrap_err();
            assert!(e.help.contains("metric[{tag:value"), "{bad}: {e:?}");
        }
    }
}
