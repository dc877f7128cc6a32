//! `go test -bench` text (the Go benchmark data format, golang.org/design/14313): result lines
//! `Benchmark<Name>[-<procs>] <iterations> <value> <unit> [<value> <unit>...]`, configuration
//! lines `key: value` (`goos`, `pkg`, `cpu`, ...), and benchfmt's `Unit <unit> better=higher`
//! metadata; everything else (`PASS`, `ok`, test logs, a bare name line) is skipped. Each
//! `-count` run of a benchmark is one raw sample. Streamed line by line.
//!
//! Per benchmark: `<Name>` for its time (`ns/op`, or `sec/op` from benchfmt tools), and
//! `<Name> <unit>` for every other unit (`B/op` bytes and `allocs/op` allocations from
//! `-benchmem`, and custom units from `b.ReportMetric`: higher is better for `…/s` and for
//! units declared `better=higher`). When the output covers several packages, names are
//! prefixed with `<pkg>.` so equal benchmark names in two packages stay apart.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;

use crate::model::{Direction, Format, Kind, Metric, Report, Unit};

/// Whether a line is a benchmark result line.
pub fn sniff_line(line: &str) -> bool {
    matches!(result(line), Some(Ok(_)))
}

/// A result line's name and its `(value, unit)` pairs.
type ResultLine<'a> = (&'a str, Vec<(f64, &'a str)>);

/// A result line: `None` when the line is not one (skipped), `Err` when it starts like one but
/// its values are broken.
fn result(line: &str) -> Option<Result<ResultLine<'_>, String>> {
    let mut f = line.split_whitespace();
    let name = f.next()?;
    let rest = name.strip_prefix("Benchmark")?;
    // `Benchmark` followed by a lower-case letter is a word (`Benchmarking ...`), not a name.
    if rest.starts_with(|c: char| c.is_lowercase()) {
        return None;
    }
    let _iterations: u64 = f.next()?.parse().ok()?;
    let fields: Vec<&str> = f.collect();
    if fields.is_empty() || !fields.len().is_multiple_of(2) {
        return Some(Err(format!(
            "{name}: a value without its unit (truncated?): {:?}",
            fields.last().unwrap_or(&"")
        )));
    }
    let mut pairs = Vec::new();
    for p in fields.chunks(2) {
        let Ok(x) = p[0].parse::<f64>() else {
            return Some(Err(format!("{name}: {:?} is not a number", p[0])));
        };
        pairs.push((x, p[1]));
    }
    Some(Ok((name, pairs)))
}

/// The unit of a Go unit string, and the metric-name suffix it gets (none for the time).
fn unit_of(u: &str) -> (Unit, bool) {
    match u {
        "ns/op" => (Unit::Nanos, true),
        "sec/op" => (Unit::Seconds, true),
        "B/op" => (Unit::Bytes, false),
        "allocs/op" => (Unit::Allocs, false),
        other => (Unit::Custom(other.to_string()), false),
    }
}

/// Read `go test -bench` output.
pub fn read(path: &Path, reader: impl BufRead) -> Result<Report, InputError> {
    let fix = "give the output of `go test -run '^$' -bench . [-count N] [-benchmem]`, whole";
    // (pkg, name, unit) → samples, in first-seen order.
    let mut series: Vec<(String, String, String, Vec<f64>)> = Vec::new();
    let mut index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut better: BTreeMap<String, Direction> = BTreeMap::new();
    let mut pkg = String::new();
    gates_core::input::each_text_line(path, reader, |line_no, line| {
        let line = line.trim_end();
        if let Some(p) = line.strip_prefix("pkg:") {
            pkg = p.trim().to_string();
            return Ok(());
        }
        if let Some(meta) = line.strip_prefix("Unit ") {
            // benchfmt: `Unit <unit> better=higher|lower [assume=...]`.
            let mut w = meta.split_whitespace();
            if let Some(u) = w.next() {
                for kv in w {
                    match kv {
                        "better=higher" => better.insert(u.into(), Direction::HigherIsBetter),
                        "better=lower" => better.insert(u.into(), Direction::LowerIsBetter),
                        _ => None,
                    };
                }
            }
            return Ok(());
        }
        let Some(r) = result(line) else { return Ok(()) };
        let bad = |what: String| InputError::new(path, what, fix).at(line_no, None);
        let (name, pairs) = r.map_err(bad)?;
        for (x, unit) in pairs {
            let (u, _) = unit_of(unit);
            let what = format!("{name} {unit}");
            let x = match &u {
                u if u.is_time() => crate::formats::duration(path, &what, x, fix),
                Unit::Bytes | Unit::Allocs => crate::formats::non_negative(path, &what, x, fix),
                _ => crate::formats::finite(path, &what, x, fix),
            }
            .map_err(|e| e.at(line_no, None))?;
            let key = (pkg.clone(), name.to_string(), unit.to_string());
            let at = *index.entry(key).or_insert_with(|| {
                series.push((pkg.clone(), name.to_string(), unit.to_string(), Vec::new()));
                series.len() - 1
            });
            series[at].3.push(x);
        }
        Ok(())
    })?;
    if series.is_empty() {
        return Err(InputError::new(path, "no benchmark result lines", fix));
    }
    let several = series.iter().any(|s| s.0 != series[0].0);
    let metrics = series
        .into_iter()
        .map(|(pkg, name, unit, samples)| {
            let (u, bare) = unit_of(&unit);
            let name = match several {
                true => format!("{pkg}.{name}"),
                false => name,
            };
            let full = match bare {
                true => name,
                false => format!("{name} {unit}"),
            };
            let direction = better.get(&unit).copied().unwrap_or(u.direction());
            let mut m = Metric::new(full, Kind::Trend, u).with_direction(direction);
            m.set_samples(samples);
            m
        })
        .collect();
    Ok(Report {
        format: Format::GoBench,
        metrics,
        tag_sets: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::result;

    #[test]
    fn result_lines_and_the_lines_that_are_not() {
        let (name, pairs) = result("BenchmarkA-2  \t 100\t 12.5 ns/op\t 3 B/op")
            .unwrap()
            .unwrap();
        assert_eq!(
            (name, pairs),
            ("BenchmarkA-2", vec![(12.5, "ns/op"), (3.0, "B/op")])
        );
        assert!(result("BenchmarkA").is_none());
        assert!(result("Benchmarking things").is_none());
        assert!(result("BenchmarkA-2 100 12.5").unwrap().is_err());
    }
}
