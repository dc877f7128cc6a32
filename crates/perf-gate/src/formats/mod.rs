//! Report formats, one file each, recognised from the content.

pub mod hyperfine;
pub mod k6_jsonl;
pub mod k6_summary;
pub mod pytest;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use gates_core::InputError;

use crate::model::{Format, Report};

/// Read one report, recognising its format from its content (or using `forced`).
pub fn read(path: &Path, forced: Option<Format>) -> Result<Report, InputError> {
    let (file, _) =
        gates_core::input::open_regular_file(path, gates_core::input::MAX_REPORT_BYTES)?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    // The first line tells JSON-lines (streamed) from a JSON document (parsed whole).
    let mut first = String::new();
    reader
        .read_line(&mut first)
        .map_err(|e| InputError::io(path, &e))?;
    let jsonl = match forced {
        Some(f) => f == Format::K6Jsonl,
        None => k6_jsonl::sniff(&first),
    };
    if jsonl {
        return k6_jsonl::read(path, std::io::Cursor::new(first).chain(reader));
    }
    let mut text = first.into_bytes();
    reader
        .read_to_end(&mut text)
        .map_err(|e| InputError::io(path, &e))?;
    let v: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
        InputError::json(
            path,
            "not JSON",
            &e,
            "give a k6 JSON-lines or summary export, pytest-benchmark JSON or hyperfine JSON report",
        )
    })?;
    let format = match forced {
        Some(f) => f,
        None if k6_summary::sniff(&v) => Format::K6Summary,
        None if pytest::sniff(&v) => Format::PytestBenchmark,
        None if hyperfine::sniff(&v) => Format::Hyperfine,
        None => {
            return Err(InputError::new(
                path,
                "not a report the perf gate reads",
                "give k6 `--out json=` or `--summary-export` output, `pytest --benchmark-json` or `hyperfine --export-json` output (or name it with --format)",
            ))
        }
    };
    let shape_ok = match format {
        Format::K6Summary => k6_summary::sniff(&v),
        Format::PytestBenchmark => pytest::sniff(&v),
        Format::Hyperfine => hyperfine::sniff(&v),
        Format::K6Jsonl => false,
    };
    if !shape_ok {
        return Err(InputError::new(
            path,
            format!("not a {} report", format.name()),
            "check --format, or leave it out to recognise the format from the content",
        ));
    }
    match format {
        Format::K6Summary => k6_summary::read(path, &v),
        Format::PytestBenchmark => pytest::read(path, &v),
        Format::Hyperfine => hyperfine::read(path, &v),
        Format::K6Jsonl => unreachable!(),
    }
}
