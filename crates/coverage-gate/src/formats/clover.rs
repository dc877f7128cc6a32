//! Clover XML (OpenClover, PHPUnit, istanbul, gcovr). `stmt` and `cond` lines are coverable
//! lines; a `cond` line has two outcomes (true and false); `method` lines are functions.

use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use quick_xml::events::Event;

use super::xml::{self, XmlReader};
use crate::model::{LineCov, Report};

pub fn parse<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let mut r = XmlReader::new(input, path);
    let mut buf = Vec::new();
    let mut report = Report::default();
    let mut file: Option<String> = None;
    let mut seen_root = false;
    loop {
        let ev = r.next(&mut buf)?;
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if e.local_name().as_ref() == b"file" {
                    file = None;
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.local_name().as_ref() {
            b"coverage" => seen_root = true,
            b"file" => {
                // `path` is the full path where the writer gives one; PHPUnit and old writers only `name`.
                let p = match r.attr(&e, "path")? {
                    Some(p) => p.into_owned(),
                    None => r.attr(&e, "name")?.ok_or_else(|| r.error("<file> has neither path nor name", "the report is damaged; regenerate it"))?.into_owned(),
                };
                report.file(&p);
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
                        let name = r.attr(&e, "name")?.map(|n| n.into_owned()).unwrap_or_default();
                        report.file(f).record_function(format!("{name}@{num}"), cnt);
                    }
                    "cond" => {
                        let t = xml::count(&r, &e, "truecount")?.unwrap_or(0);
                        let fl = xml::count(&r, &e, "falsecount")?.unwrap_or(0);
                        let cov = LineCov { hits: cnt, branches_covered: u32::from(t > 0) + u32::from(fl > 0), branches_total: 2, branch_only: false };
                        report.file(f).record(num, cov);
                    }
                    _ => report.file(f).record(num, LineCov { hits: cnt, ..Default::default() }),
                }
            }
            _ => {}
        }
    }
    if !seen_root {
        return Err(InputError::new(path, "no <coverage> element: not a Clover report", "pass --format to choose the right format"));
    }
    Ok(report)
}
