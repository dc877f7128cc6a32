//! Cobertura XML, in the dialects of coverage.py, gcovr, istanbul, coverlet and others.
//!
//! A file can appear in many `<class>` elements; every record of a line is merged (covered if
//! any record has hits). Lines under `<methods>` only decide whether a method ran: coverlet
//! repeats class lines there, but istanbul lists the declaration line, which is not a statement.
//! They count as lines only for a class that lists no lines of its own.

use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use quick_xml::events::Event;

use super::xml::{self, XmlReader};
use crate::model::{saturate, FileCoverage, LineCov, Report};

pub fn parse<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let mut r = XmlReader::new(input, path);
    let mut buf = Vec::new();
    let mut text_buf = Vec::new();
    let mut report = Report::default();
    let mut seen_root = false;
    // The class being read, taken out of the report so each line is not a map lookup.
    let mut file: Option<(String, FileCoverage)> = None;
    let mut method: Option<(String, u64)> = None;
    let mut method_lines: Vec<(u32, LineCov)> = Vec::new();
    let mut class_has_lines = false;
    loop {
        let ev = r.next(&mut buf)?;
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.local_name().as_ref() {
                    b"class" => {
                        if let Some((name, mut fc)) = file.take() {
                            if !class_has_lines {
                                for (n, cov) in method_lines.drain(..) {
                                    fc.record(n, cov);
                                }
                            }
                            report.files.insert(name, fc);
                        }
                        method_lines.clear();
                    }
                    b"method" => finish_method(&mut file, method.take()),
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.local_name().as_ref() {
            b"coverage" => seen_root = true,
            b"source" if !empty => {
                let s = r.text(&mut text_buf)?;
                let s = s.trim();
                if !s.is_empty() {
                    report.sources.push(s.to_string());
                }
            }
            b"class" => {
                let name = r.attr(&e, "filename")?.ok_or_else(|| {
                    r.error(
                        "<class> has no filename",
                        "the report is damaged; regenerate it",
                    )
                })?;
                let name = name.trim().to_string();
                let fc = report.files.remove(&name).unwrap_or_default();
                class_has_lines = false;
                if empty {
                    report.files.insert(name, fc);
                } else {
                    file = Some((name, fc));
                }
            }
            b"method" if file.is_some() => {
                let name = r.attr(&e, "name")?.unwrap_or_default().into_owned();
                let sig = r.attr(&e, "signature")?.unwrap_or_default();
                // Without a `hits` attribute, a method counts as run when one of its lines ran.
                let hits = xml::count(&r, &e, "hits")?.unwrap_or(0);
                method = Some((format!("{name}{sig}"), hits));
                if empty {
                    finish_method(&mut file, method.take());
                }
            }
            b"line" => {
                let Some((_, fc)) = &mut file else { continue };
                let (mut number, mut hits, mut branch, mut cc) = (None, None, false, None);
                let bad = |what: String| r.error(what, "the report is damaged; regenerate it");
                r.each_attr(&e, |k, v| {
                    match k {
                        b"number" => {
                            number = Some(super::parse_line(v).ok_or_else(|| {
                                bad(format!("number=\"{v}\" is not a line number"))
                            })?)
                        }
                        b"hits" => {
                            hits = Some(super::parse_count(v).ok_or_else(|| {
                                bad(format!("hits=\"{v}\" is not a non-negative count"))
                            })?)
                        }
                        b"branch" => branch = v.eq_ignore_ascii_case("true"),
                        b"condition-coverage" => {
                            cc = Some(condition_coverage(v).ok_or_else(|| {
                                bad(format!(
                                    "condition-coverage=\"{v}\" is not \"N% (covered/total)\""
                                ))
                            })?)
                        }
                        _ => {}
                    }
                    Ok(())
                })?;
                let number = number.ok_or_else(|| bad("<line> has no number".into()))?;
                let hits = hits.ok_or_else(|| bad("<line> has no hits".into()))?;
                let (branches_covered, branches_total) =
                    if branch { cc.unwrap_or((0, 0)) } else { (0, 0) };
                let cov = LineCov {
                    hits: saturate(hits),
                    branches_covered,
                    branches_total,
                    branch_only: false,
                };
                if let Some(m) = &mut method {
                    m.1 = m.1.max(hits);
                    method_lines.push((number, cov));
                } else {
                    class_has_lines = true;
                    fc.record(number, cov);
                }
            }
            _ => {}
        }
    }
    if !seen_root {
        return Err(InputError::new(
            path,
            "no <coverage> element: not a Cobertura report",
            "pass --format to choose the right format",
        ));
    }
    Ok(report)
}

fn finish_method(file: &mut Option<(String, FileCoverage)>, method: Option<(String, u64)>) {
    if let (Some((_, fc)), Some((key, hits))) = (file, method) {
        fc.record_function(&key, hits);
    }
}

/// `"50% (1/2)"` → `(1, 2)`; refuses negative or inconsistent counts.
fn condition_coverage(s: &str) -> Option<(u32, u32)> {
    let inner = s.split_once('(')?.1.split_once(')')?.0;
    let (c, t) = inner.split_once('/')?;
    let (c, t) = (c.trim().parse::<u32>().ok()?, t.trim().parse::<u32>().ok()?);
    (c <= t).then_some((c, t))
}

#[cfg(test)]
mod tests {
    use super::condition_coverage;

    #[test]
    fn condition_coverage_forms() {
        assert_eq!(condition_coverage("50% (1/2)"), Some((1, 2)));
        assert_eq!(condition_coverage("100% (4/4) [0]"), Some((4, 4)));
        assert_eq!(condition_coverage("-50% (-1/2)"), None);
        assert_eq!(condition_coverage("150% (3/2)"), None);
    }
}
