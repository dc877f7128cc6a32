//! `locust --csv <prefix>`: `<prefix>_stats.csv` (one row per request name and an `Aggregated`
//! row: counts, median/average/min/max response time in milliseconds, requests/s, and the
//! response-time percentiles) and `<prefix>_stats_history.csv` (a row per name per second;
//! its `Total …` columns are running totals, so the last row of each name is its final count
//! and times). Streamed row by row.
//!
//! Each name becomes three metrics: `<Type> <Name>` (a trend of response times in ms; the
//! `Aggregated` row is named `Aggregated`), `<…> failed` (the share of failed requests, a rate
//! like k6's `http_req_failed`), and, from the stats file, `<…> rps` (requests per second).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use gates_core::InputError;

use crate::model::{Format, Kind, Metric, Report, Unit};

/// The locust CSV file whose header `first` is, if any.
pub fn sniff(first: &str) -> Option<Format> {
    let first = first.trim_start_matches('\u{feff}');
    if first.starts_with("Type,Name,Request Count,Failure Count,") {
        Some(Format::LocustStats)
    } else if first.starts_with("Timestamp,User Count,Type,Name,") {
        Some(Format::LocustHistory)
    } else {
        None
    }
}

/// Which of locust's other `--csv` files (failures, exceptions) header `first` is, if any:
/// given by a glob over the prefix, they are named rather than called unreadable.
pub fn companion(first: &str) -> Option<&'static str> {
    let first = first.trim_start_matches('\u{feff}');
    if first.starts_with("Method,Name,Error,Occurrences") {
        Some("failures")
    } else if first.starts_with("Count,Message,Traceback,Nodes") {
        Some("exceptions")
    } else {
        None
    }
}

/// The files of a `--csv <prefix>` directory the gate reads when the directory is given:
/// `<prefix>_stats.csv`, or `<prefix>_stats_history.csv` when it is alone (both hold the same
/// requests, and reading both would count them twice); the failures and exceptions files hold
/// no statistics.
pub fn choose_in_directory(files: &mut Vec<PathBuf>) {
    let names: Vec<String> = files
        .iter()
        .map(|f| super::file_name(f).to_owned())
        .collect();
    let keep = |name: &str| {
        if name.ends_with("_failures.csv") || name.ends_with("_exceptions.csv") {
            return false;
        }
        match name.strip_suffix("_stats_history.csv") {
            Some(prefix) => !names.iter().any(|n| *n == format!("{prefix}_stats.csv")),
            None => true,
        }
    };
    files.retain(|f| keep(super::file_name(f)));
}

/// Split one CSV record (RFC 4180 quoting; locust quotes names that hold commas).
fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// One row's numbers, by column name.
struct Row {
    name: String,
    cols: BTreeMap<String, Option<f64>>,
}

/// Read `_stats.csv` or `_stats_history.csv`.
pub fn read(path: &Path, reader: impl BufRead, format: Format) -> Result<Report, InputError> {
    let fix = "give the file locust wrote with `--csv <prefix>` (`<prefix>_stats.csv` or `<prefix>_stats_history.csv`), whole";
    let mut header: Vec<String> = Vec::new();
    // Last row per name (the history repeats each name every second).
    let mut rows: Vec<Row> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    gates_core::input::each_text_line(path, reader, |line_no, line| {
        let text = line;
        if text.is_empty() {
            return Ok(());
        }
        let bad = |what: String| InputError::new(path, what, fix).at(line_no, None);
        if header.is_empty() {
            if sniff(text) != Some(format) {
                return Err(bad(format!("not a {} header", format.name())));
            }
            header = split(text.trim_start_matches('\u{feff}'));
            return Ok(());
        }
        let fields = split(text);
        if fields.len() != header.len() {
            return Err(bad(format!(
                "{} fields where the header has {} (truncated?)",
                fields.len(),
                header.len()
            )));
        }
        let mut cols = BTreeMap::new();
        let mut kind = String::new();
        let mut name = String::new();
        for (h, f) in header.iter().zip(&fields) {
            match h.as_str() {
                "Type" => kind = f.clone(),
                "Name" => name = f.clone(),
                "Timestamp" | "User Count" => {}
                _ => {
                    let v =
                        match f.as_str() {
                            "N/A" | "" => None,
                            s => Some(s.parse::<f64>().map_err(|_| {
                                bad(format!("column {h:?} holds {s:?}, not a number"))
                            })?),
                        };
                    if let Some(x) = v {
                        if !x.is_finite() || x < 0.0 {
                            return Err(bad(format!(
                                "column {h:?} of {name:?} is {x}: times, counts and rates must be finite and not negative"
                            )));
                        }
                    }
                    cols.insert(h.clone(), v);
                }
            }
        }
        let full = match (kind.as_str(), name.as_str()) {
            ("", n) => n.to_string(),
            (k, n) => format!("{k} {n}"),
        };
        match index.get(&full) {
            Some(&i) => rows[i].cols = cols,
            None => {
                index.insert(full.clone(), rows.len());
                rows.push(Row { name: full, cols });
            }
        }
        Ok(())
    })?;
    if header.is_empty() {
        return Err(InputError::new(path, "the file is empty", fix));
    }
    if rows.is_empty() {
        return Err(InputError::new(path, "no rows after the header", fix));
    }
    // The stats file names its totals plainly; the history prefixes them with "Total ".
    let total = match format {
        Format::LocustHistory => "Total ",
        _ => "",
    };
    let mut metrics = Vec::new();
    for r in rows {
        let col = |c: &str| r.cols.get(&format!("{total}{c}")).copied().flatten();
        let count = col("Request Count").unwrap_or(0.0);
        let fails = col("Failure Count").unwrap_or(0.0);
        let mut t = Metric::new(r.name.clone(), Kind::Trend, Unit::Millis);
        t.given.insert("count".into(), count);
        if count > 0.0 {
            for (k, c) in [
                ("avg", "Average Response Time"),
                ("min", "Min Response Time"),
                ("max", "Max Response Time"),
                ("med", "Median Response Time"),
            ] {
                if let Some(x) = col(c) {
                    t.given.insert(k.into(), x);
                }
            }
            // The history's percentile columns are of the last window only, not the run.
            if format == Format::LocustStats {
                for (h, v) in &r.cols {
                    if let (Some(p), Some(x)) = (h.strip_suffix('%'), v) {
                        t.given.insert(format!("p({p})"), *x);
                    }
                }
            }
        }
        let mut f = Metric::new(format!("{} failed", r.name), Kind::Rate, Unit::Plain);
        f.given.insert("count".into(), count);
        if count > 0.0 {
            f.given.insert("rate".into(), fails / count);
            f.given.insert("value".into(), fails / count);
        }
        metrics.push(t);
        metrics.push(f);
        if format == Format::LocustStats {
            let mut rps = Metric::new(format!("{} rps", r.name), Kind::Gauge, Unit::OpsPerSec);
            if let Some(x) = col("Requests/s") {
                rps.given.insert("value".into(), x);
            }
            metrics.push(rps);
        }
    }
    Ok(Report {
        format,
        metrics,
        tag_sets: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn quoted_names_keep_their_commas_and_quotes() {
        assert_eq!(split(r#"GET,"/a,b ""c""",3"#), ["GET", r#"/a,b "c""#, "3"]);
    }
}
