//! `pytest --benchmark-json=<file>`: `{machine_info, commit_info, benchmarks: [{fullname,
//! stats: {min, max, mean, stddev, median, rounds, data?}}]}`. Times are seconds per round;
//! `stats.data` (always in `--benchmark-json`, with `--benchmark-save-data` otherwise) holds
//! the raw rounds.

use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::{Format, Kind, Location, Metric, Report, Summary, Unit};

/// Whether parsed JSON is a pytest-benchmark report.
pub fn sniff(v: &Value) -> bool {
    v.get("machine_info").is_some() && v.get("benchmarks").is_some_and(Value::is_array)
}

/// Whether the start of a file looks like a pytest-benchmark report: it writes
/// `machine_info` first, so the first block shows it.
pub fn sniff_head(head: &str) -> bool {
    head.trim_start().starts_with('{') && head.contains("\"machine_info\"")
}

/// A whole report parsed straight into its benchmarks: a 10,000-benchmark report with raw
/// rounds is mostly numbers, and building a `Value` tree first costs more than the gate's
/// statistics. `None` when the text is not that shape; the caller then takes the general
/// path, whose errors name the spot.
pub fn read_typed(path: &Path, text: &[u8]) -> Option<Result<Report, InputError>> {
    #[derive(Deserialize)]
    struct File<'a> {
        #[allow(dead_code)] // present in every report; required so other JSON is not taken
        machine_info: serde::de::IgnoredAny,
        #[serde(borrow)]
        benchmarks: Vec<Bench<&'a RawValue>>,
    }
    let f: File = serde_json::from_slice(text).ok()?;
    let mut benches = Vec::with_capacity(f.benchmarks.len());
    for b in f.benchmarks {
        let data = match b.stats.data {
            Some(raw) => Some(numbers(raw.get())?),
            None => None,
        };
        benches.push(Ok(Bench {
            fullname: b.fullname,
            stats: Stats {
                data,
                ..b.stats.without_data()
            },
        }));
    }
    Some(build(path, benches.into_iter()))
}

/// The numbers of a JSON array of numbers (already checked to be JSON). serde_json's float
/// parsing is most of the time a report of a million raw rounds takes; lexical's is a
/// fraction of it and as exact. `None` when an element is not a number.
fn numbers(array: &str) -> Option<Vec<f64>> {
    let bytes = array.as_bytes();
    let skip = |at: &mut usize| {
        while bytes
            .get(*at)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b',')
        {
            *at += 1;
        }
    };
    let mut at = bytes.iter().position(|b| *b == b'[')? + 1;
    let mut out = Vec::with_capacity(array.len() / 20);
    loop {
        skip(&mut at);
        match bytes.get(at)? {
            b']' => return Some(out),
            _ => {
                let (x, used) = lexical_core::parse_partial::<f64>(&bytes[at..]).ok()?;
                out.push(x);
                at += used;
            }
        }
    }
}

/// One benchmark; `D` is how its raw rounds are held while parsing.
#[derive(Deserialize)]
struct Bench<D> {
    fullname: String,
    stats: Stats<D>,
}

#[derive(Deserialize)]
struct Stats<D> {
    min: f64,
    max: f64,
    mean: f64,
    stddev: f64,
    median: f64,
    rounds: u64,
    #[serde(default = "none")]
    data: Option<D>,
}

impl<D> Stats<D> {
    /// The statistics with the rounds left out, to take rounds of another type.
    fn without_data<E>(self) -> Stats<E> {
        Stats {
            min: self.min,
            max: self.max,
            mean: self.mean,
            stddev: self.stddev,
            median: self.median,
            rounds: self.rounds,
            data: None,
        }
    }
}

// `#[serde(default)]` would require `D: Default`.
fn none<D>() -> Option<D> {
    None
}

const FIX: &str = "regenerate it with `pytest --benchmark-json=<file>` (pytest-benchmark)";

/// Read a parsed pytest-benchmark report.
pub fn read(path: &Path, v: &Value) -> Result<Report, InputError> {
    let benches = v["benchmarks"]
        .as_array()
        .expect("sniffed")
        .iter()
        .enumerate()
        .map(|(i, b)| {
            Bench::<Vec<f64>>::deserialize(b)
                .map_err(|e| InputError::new(path, format!("benchmarks[{i}]: {e}"), FIX))
        });
    build(path, benches)
}

fn build(
    path: &Path,
    benches: impl Iterator<Item = Result<Bench<Vec<f64>>, InputError>>,
) -> Result<Report, InputError> {
    let mut out = Vec::new();
    for b in benches {
        let b = b?;
        let s = &b.stats;
        let mut all = [s.min, s.max, s.mean, s.stddev, s.median]
            .into_iter()
            .chain(s.data.iter().flatten().copied());
        if let Some(x) = all.find(|x| !x.is_finite() || *x < 0.0) {
            return Err(InputError::new(
                path,
                format!(
                    "benchmark {:?} has the time {x}: a duration must be finite and not negative",
                    b.fullname
                ),
                FIX,
            ));
        }
        let location = location(&b.fullname);
        let mut m = Metric::new(b.fullname, Kind::Trend, Unit::Seconds);
        m.location = location;
        for (k, x) in [
            ("min", s.min),
            ("max", s.max),
            ("avg", s.mean),
            ("med", s.median),
        ] {
            m.given.insert(k.into(), x);
        }
        m.given.insert("count".into(), s.rounds as f64);
        m.summary = Some(Summary {
            mean: s.mean,
            stddev: s.stddev,
            n: s.rounds,
        });
        if let Some(data) = b.stats.data {
            m.has_samples = !data.is_empty();
            m.samples = data;
        }
        out.push(m);
    }
    Ok(Report {
        format: Format::PytestBenchmark,
        metrics: out,
        tag_sets: Vec::new(),
    })
}

/// The test file of a pytest node id (`tests/bench_x.py::test_y[param]`), relative to where
/// pytest ran; pytest-benchmark does not record the line.
fn location(fullname: &str) -> Option<Location> {
    let (file, _) = fullname.split_once("::")?;
    file.ends_with(".py").then(|| Location {
        file: file.to_string(),
        line: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> (PathBuf, Vec<u8>) {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/perf/pytest-benchmark")
            .join(name);
        let text = std::fs::read(&p).unwrap();
        (p, text)
    }

    /// The fast path and the general one read the real reports into the same benchmarks,
    /// sample for sample: equal but for serde_json's last bit (its default float parsing may
    /// round to a neighbour; lexical's is exact, so Python's shortest repr reads back as
    /// the value pytest-benchmark wrote).
    #[test]
    fn the_typed_path_reads_what_the_value_path_reads() {
        for name in ["base.json", "rerun.json", "slow.json"] {
            let (p, text) = fixture(name);
            let fast = read_typed(&p, &text).expect("pytest shape").unwrap();
            let v: Value = serde_json::from_slice(&text).unwrap();
            let general = read(&p, &v).unwrap();
            assert_eq!(fast.metrics.len(), general.metrics.len(), "{name}");
            assert!(fast.metrics.iter().any(|m| m.has_samples), "{name}");
            for (a, b) in fast.metrics.iter().zip(&general.metrics) {
                assert_eq!(a.name, b.name);
                assert_eq!(a.samples.len(), b.samples.len());
                for (x, y) in a.samples.iter().zip(&b.samples) {
                    assert!((x - y).abs() <= f64::EPSILON * y.abs(), "{name}: {x} {y}");
                }
                assert_eq!(a.given, b.given);
                assert_eq!(a.summary, b.summary);
            }
        }
    }

    #[test]
    fn raw_rounds_are_read_across_lines_and_anything_else_takes_the_general_path() {
        assert_eq!(
            numbers("[\n  1.5e-05,\n  2,\n  0.25 ]"),
            Some(vec![1.5e-05, 2.0, 0.25])
        );
        assert_eq!(numbers("[ ]"), Some(vec![]));
        assert_eq!(numbers("[1, null]"), None);
        assert_eq!(numbers("[1, \"2\"]"), None);
        assert_eq!(numbers("[[1]]"), None);
        let (p, _) = fixture("base.json");
        assert!(read_typed(&p, b"{\"benchmarks\": []}").is_none());
        assert!(read_typed(&p, b"{\"machine_info\": {}, \"benchmarks\": [{}]}").is_none());
    }
}
