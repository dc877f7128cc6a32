//! Clover XML (OpenClover, PHPUnit, istanbul, gcovr). `stmt` and `cond` lines are coverable
//! lines; `method` lines are functions. A `cond` line has two outcomes (true and false, counted
//! by `truecount`/`falsecount`), except in istanbul's writer (`clover="3.2.0"`), which stores
//! the number of covered and uncovered branch outcomes in those attributes instead.

use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use quick_xml::events::Event;

use super::xml::{self, XmlReader};
use crate::model::{file_in, saturate, Counter, FileMap, LineCov, Report};

pub fn parse<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let mut r = XmlReader::new(input, path);
    let mut buf = Vec::new();
    let mut report = Report::default();
    let mut files = FileMap::new();
    let mut file: Option<String> = None;
    let mut seen_root = false;
    // gcovr adds a <testproject> with a placeholder file; only <project> is coverage.
    let mut in_test_project = false;
    let mut istanbul = false;
    loop {
        let ev = r.next(&mut buf)?;
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.local_name().as_ref() {
                    b"file" => file = None,
                    b"testproject" => in_test_project = false,
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.local_name().as_ref() {
            b"coverage" => {
                seen_root = true;
                istanbul = r.attr(&e, "clover")?.is_some_and(|v| v == "3.2.0");
            }
            b"testproject" => in_test_project = !empty,
            _ if in_test_project => {}
            b"metrics" => {
                // File-level method counts, for writers that list no method lines (istanbul).
                if let Some(f) = &file {
                    let methods = xml::count(&r, &e, "methods")?.unwrap_or(0);
                    let covered = xml::count(&r, &e, "coveredmethods")?.unwrap_or(0);
                    if covered > methods {
                        return Err(r.error(
                            "coveredmethods exceeds methods",
                            "the report is damaged; regenerate it",
                        ));
                    }
                    let s = file_in(&mut files, f).summary.get_or_insert_default();
                    s.functions = Counter {
                        covered,
                        total: methods,
                    };
                }
            }
            b"file" => {
                // `path` is the full path where the writer gives one; PHPUnit and old writers only `name`.
                let p = match r.attr(&e, "path")? {
                    Some(p) => p.into_owned(),
                    None => r
                        .attr(&e, "name")?
                        .ok_or_else(|| {
                            r.error(
                                "<file> has neither path nor name",
                                "the report is damaged; regenerate it",
                            )
                        })?
                        .into_owned(),
                };
                file_in(&mut files, &p);
                if !empty {
                    file = Some(p);
                }
            }
            b"line" => {
                let Some(f) = &file else { continue };
                let num = xml::line(&r, &e, "num")?;
                let cnt = xml::count(&r, &e, "count")?.unwrap_or(0);
                let kind = r.attr(&e, "type")?.unwrap_or_default().into_owned();
                match kind.as_str() {
                    "method" => {
                        let name = r
                            .attr(&e, "name")?
                            .map(|n| n.into_owned())
                            .unwrap_or_default();
                        file_in(&mut files, f).record_function(&format!("{name}@{num}"), cnt);
                    }
                    "cond" => {
                        let t = xml::count(&r, &e, "truecount")?.unwrap_or(0);
                        let fl = xml::count(&r, &e, "falsecount")?.unwrap_or(0);
                        let (covered, total) = if istanbul {
                            let small = |v: u64| {
                                u32::try_from(v).map_err(|_| {
                                    r.error(
                                        "branch count out of range",
                                        "the report is damaged; regenerate it",
                                    )
                                })
                            };
                            (small(t)?, small(t.saturating_add(fl))?)
                        } else {
                            (u32::from(t > 0) + u32::from(fl > 0), 2)
                        };
                        let cov = LineCov {
                            hits: saturate(cnt),
                            branches_covered: covered,
                            branches_total: total,
                            branch_only: false,
                        };
                        file_in(&mut files, f).record(num, cov);
                    }
                    _ => file_in(&mut files, f).record(
                        num,
                        LineCov {
                            hits: saturate(cnt),
                            ..Default::default()
                        },
                    ),
                }
            }
            _ => {}
        }
    }
    if !seen_root {
        return Err(InputError::new(
            path,
            "no <coverage> element: not a Clover report",
            "pass --format to choose the right format",
        ));
    }
    report.files = files.into();
    Ok(report)
}
