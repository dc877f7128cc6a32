//! The "bencher" text of `cargo bench -- --output-format bencher` (criterion) and of libtest's
//! `cargo bench`: `test <name> ... bench:   1,234 ns/iter (+/- 56)`. One number per benchmark
//! (libtest's median, criterion's typical estimate), in nanoseconds per iteration; other lines
//! (`running 2 tests`, `test x ... ok`) are skipped. Streamed line by line.

use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;

use crate::model::{Format, Kind, Metric, Report, Unit};

/// Whether a line is a bencher result line.
pub fn sniff_line(line: &str) -> bool {
    line.starts_with("test ") && line.contains(" ... bench:") && line.contains("/iter")
}

/// `(name, ns per iteration)` of a result line; `Err` says what is wrong with one.
fn parse(line: &str) -> Result<(String, f64), String> {
    let rest = line.strip_prefix("test ").ok_or("no `test ` prefix")?;
    let (name, rest) = rest
        .split_once(" ... bench:")
        .ok_or("no ` ... bench:` after the name")?;
    let rest = rest.trim_start();
    let (num, rest) = rest
        .split_once(char::is_whitespace)
        .ok_or("no unit after the number (truncated?)")?;
    let unit = rest.split_whitespace().next().unwrap_or("");
    if unit != "ns/iter" {
        return Err(format!("the unit is {unit:?}, not ns/iter (truncated?)"));
    }
    let x: f64 = num
        .replace(',', "")
        .parse()
        .map_err(|_| format!("{num:?} is not a number"))?;
    Ok((name.trim().to_string(), x))
}

/// Read bencher text.
pub fn read(path: &Path, reader: impl BufRead) -> Result<Report, InputError> {
    let fix = "give the output of `cargo bench -- --output-format bencher`, whole";
    let mut metrics: Vec<Metric> = Vec::new();
    gates_core::input::each_text_line(path, reader, |line_no, line| {
        let line = line.trim_end();
        if !(line.starts_with("test ") && line.contains(" ... bench:")) {
            return Ok(());
        }
        let bad = |what: String| InputError::new(path, what, fix).at(line_no, None);
        let (name, x) = parse(line).map_err(&bad)?;
        let x = crate::formats::duration(path, &format!("{name:?}"), x, fix)
            .map_err(|e| e.at(line_no, None))?;
        if metrics.iter().any(|m| m.name == name) {
            return Err(bad(format!("{name:?} is listed twice")));
        }
        let mut m = Metric::new(name, Kind::Trend, Unit::Nanos);
        m.given.insert("med".into(), x);
        m.given.insert("value".into(), x);
        metrics.push(m);
        Ok(())
    })?;
    if metrics.is_empty() {
        return Err(InputError::new(path, "no `test … bench:` lines", fix));
    }
    Ok(Report {
        format: Format::CriterionBencher,
        metrics,
        tag_sets: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn thousands_separators_and_a_cut_line() {
        assert_eq!(
            parse("test a::b ... bench:       1,234 ns/iter (+/- 5)"),
            Ok(("a::b".into(), 1234.0))
        );
        assert!(parse("test a ... bench:       1,2").is_err());
    }
}
