//! Report formats, one file each, recognised from the content.
//!
//! Text formats (k6 JSON-lines, locust CSV, Go bench, criterion's bencher text) are recognised
//! from the start of the file and streamed line by line; JSON documents are parsed whole and
//! recognised from their keys.

pub mod bdn;
pub mod bmf;
pub mod criterion;
pub mod criterion_bencher;
pub mod gab;
pub mod gbench;
pub mod go_bench;
pub mod hyperfine;
pub mod jmh;
pub mod k6_handle_summary;
pub mod k6_jsonl;
pub mod k6_summary;
pub mod locust_csv;
pub mod locust_json;
pub mod pytest;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use gates_core::InputError;
use serde_json::Value;

use crate::model::{Direction, Format, Kind, Report};

/// What every "not a report" message offers.
const KNOWN: &str = "give a report of k6 (`--out json=`, `--summary-export`, handleSummary data), locust (`--csv`, `--json`), pytest-benchmark, hyperfine, criterion (estimates.json, sample.json, change/estimates.json, `--output-format bencher`), Google Benchmark JSON, `go test -bench` output, JMH JSON, BenchmarkDotNet JSON, github-action-benchmark custom JSON or Bencher BMF (or name it with --format)";

/// Read one report, recognising its format from its content (or using `forced`).
pub fn read(path: &Path, forced: Option<Format>) -> Result<Report, InputError> {
    let (file, len) =
        gates_core::input::open_regular_file(path, gates_core::input::MAX_REPORT_BYTES)?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    // The first block tells a text format (streamed) from a JSON document (parsed whole).
    let head = reader.fill_buf().map_err(|e| InputError::io(path, &e))?;
    let head = String::from_utf8_lossy(head).into_owned();
    if forced.is_none() {
        if let Some(what) = locust_csv::companion(head.lines().next().unwrap_or("")) {
            return Err(InputError::new(
                path,
                format!("this is locust's {what} CSV, which holds no statistics"),
                "give `<prefix>_stats.csv` (or `_stats_history.csv`) from the same `--csv <prefix>` run",
            ));
        }
    }
    let text = match forced {
        Some(f) => f.is_text().then_some(f),
        None => sniff_text(&head),
    };
    if let Some(format) = text {
        return match format {
            Format::K6Jsonl => k6_jsonl::read(path, reader),
            Format::LocustStats | Format::LocustHistory => locust_csv::read(path, reader, format),
            Format::GoBench => go_bench::read(path, reader),
            Format::CriterionBencher => criterion_bencher::read(path, reader),
            _ => unreachable!("is_text"),
        };
    }
    // Sized once: a report of tens of megabytes otherwise grows by copying.
    let mut text = Vec::with_capacity(len as usize + 1);
    reader
        .read_to_end(&mut text)
        .map_err(|e| InputError::io(path, &e))?;
    if matches!(forced, None | Some(Format::PytestBenchmark)) && pytest::sniff_head(&head) {
        if let Some(r) = pytest::read_typed(path, &text) {
            return r;
        }
    }
    let v: Value = serde_json::from_slice(&text)
        .map_err(|e| InputError::json_in(path, "not JSON", &e, &text, KNOWN))?;
    let format =
        match forced {
            Some(f) => {
                if !sniff_json_as(&v, f) {
                    return Err(InputError::new(
                        path,
                        format!("not a {} report", f.name()),
                        "check --format, or leave it out to recognise the format from the content",
                    ));
                }
                f
            }
            None => match sniff_json(&v) {
                Some(f) => f,
                None if criterion::is_companion(&v) => return Err(InputError::new(
                    path,
                    "this is criterion's benchmark.json or tukey.json, which holds no measurements",
                    "give sample.json (raw samples) or estimates.json from the same directory",
                )),
                None => {
                    return Err(InputError::new(
                        path,
                        "not a report the perf gate reads",
                        KNOWN,
                    ))
                }
            },
        };
    match format {
        Format::K6Summary => k6_summary::read(path, &v),
        Format::K6HandleSummary => k6_handle_summary::read(path, &v),
        Format::PytestBenchmark => pytest::read(path, &v),
        Format::Hyperfine => hyperfine::read(path, &v),
        Format::LocustJson => locust_json::read(path, &v),
        Format::CriterionEstimates | Format::CriterionChange | Format::CriterionSample => {
            criterion::read(path, &v, format)
        }
        Format::GoogleBenchmark => gbench::read(path, &v),
        Format::Jmh => jmh::read(path, &v),
        Format::BenchmarkDotNet => bdn::read(path, &v),
        Format::GabCustom | Format::CustomSmallerIsBetter | Format::CustomBiggerIsBetter => {
            gab::read(path, &v, format)
        }
        Format::Bmf => bmf::read(path, &v),
        Format::K6Jsonl
        | Format::LocustStats
        | Format::LocustHistory
        | Format::GoBench
        | Format::CriterionBencher => unreachable!("text formats are read above"),
    }
}

/// The text format the start of a file is in, if any. A JSON document (`{` or `[` first) is
/// left to [`sniff_json`], except k6 JSON-lines, which is one JSON object per line.
pub fn sniff_text(head: &str) -> Option<Format> {
    let first = head.lines().next().unwrap_or("");
    if k6_jsonl::sniff(first) {
        return Some(Format::K6Jsonl);
    }
    if matches!(head.trim_start().chars().next(), Some('{' | '[')) {
        return None;
    }
    if let Some(f) = locust_csv::sniff(first) {
        return Some(f);
    }
    // The block may end inside a line: a cut line fails to match, and the whole ones decide.
    if head.lines().any(criterion_bencher::sniff_line) {
        return Some(Format::CriterionBencher);
    }
    if head.lines().any(go_bench::sniff_line) {
        return Some(Format::GoBench);
    }
    None
}

/// The JSON format `v` is in, most specific first (Bencher BMF, the loosest shape, last).
pub fn sniff_json(v: &Value) -> Option<Format> {
    const ORDER: [Format; 13] = [
        Format::K6HandleSummary,
        Format::K6Summary,
        Format::PytestBenchmark,
        Format::Hyperfine,
        Format::GoogleBenchmark,
        Format::BenchmarkDotNet,
        Format::Jmh,
        Format::LocustJson,
        Format::GabCustom,
        Format::CriterionSample,
        Format::CriterionEstimates,
        Format::CriterionChange,
        Format::Bmf,
    ];
    ORDER.into_iter().find(|f| sniff_json_as(v, *f))
}

/// Whether `v` has the shape of `format` (a JSON format).
pub fn sniff_json_as(v: &Value, format: Format) -> bool {
    match format {
        Format::K6Summary => k6_summary::sniff(v),
        Format::K6HandleSummary => k6_handle_summary::sniff(v),
        Format::PytestBenchmark => pytest::sniff(v),
        Format::Hyperfine => hyperfine::sniff(v),
        Format::LocustJson => locust_json::sniff(v),
        Format::CriterionEstimates | Format::CriterionChange | Format::CriterionSample => {
            criterion::sniff(v) == Some(format)
        }
        Format::GoogleBenchmark => gbench::sniff(v),
        Format::Jmh => jmh::sniff(v),
        Format::BenchmarkDotNet => bdn::sniff(v),
        Format::GabCustom | Format::CustomSmallerIsBetter | Format::CustomBiggerIsBetter => {
            gab::sniff(v)
        }
        Format::Bmf => bmf::sniff(v),
        Format::K6Jsonl
        | Format::LocustStats
        | Format::LocustHistory
        | Format::GoBench
        | Format::CriterionBencher => false,
    }
}

/// The files of a directory the gate reads when the directory is given: the tools that write
/// a folder of files (criterion, locust `--csv`) say which of theirs hold the measurements;
/// other files stay.
pub fn choose_in_directory(files: &mut Vec<PathBuf>) {
    criterion::choose_in_directory(files);
    locust_csv::choose_in_directory(files);
}

/// A path's file name ("" when it has none or it is not UTF-8).
fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// k6's direction for a metric: its `checks` rate is a success share (higher is better);
/// every other k6 metric (times, sizes, `http_req_failed`) is lower-is-better.
pub(crate) fn k6_direction(kind: Kind, name: &str) -> Direction {
    match (kind, name.split('{').next().unwrap_or(name)) {
        (Kind::Rate, "checks") => Direction::HigherIsBetter,
        _ => Direction::LowerIsBetter,
    }
}

/// `x` when it is a usable duration (finite, not negative), else the error every format
/// gives for it.
pub(crate) fn duration(path: &Path, what: &str, x: f64, fix: &str) -> Result<f64, InputError> {
    if x.is_finite() && x >= 0.0 {
        return Ok(x);
    }
    Err(InputError::new(
        path,
        format!("{what} is {x}: a duration must be finite and not negative"),
        fix,
    ))
}

/// `x` when it is a usable size or count (finite, not negative), else an error.
pub(crate) fn non_negative(path: &Path, what: &str, x: f64, fix: &str) -> Result<f64, InputError> {
    if x.is_finite() && x >= 0.0 {
        return Ok(x);
    }
    Err(InputError::new(
        path,
        format!("{what} is {x}: a size or count must be finite and not negative"),
        fix,
    ))
}

/// `x` when it is finite (throughputs, counts, custom values), else an error.
pub(crate) fn finite(path: &Path, what: &str, x: f64, fix: &str) -> Result<f64, InputError> {
    if x.is_finite() {
        return Ok(x);
    }
    Err(InputError::new(
        path,
        format!("{what} is {x}: a value must be a finite number"),
        fix,
    ))
}
