//! OpenCover XML (OpenCover, coverlet, AltCover). Sequence points are mapped to lines: a line is
//! coverable when a sequence point spans it and covered when any spanning point was visited.
//! `fileid` is only unique within a `<Module>`. OpenCover's headline is sequence points.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use quick_xml::events::Event;

use super::xml::{self, XmlReader};
use crate::model::{file_in, saturate, Counter, FileMap, Headline, LineCov, Report, Rounding};

pub fn parse<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let mut r = XmlReader::new(input, path);
    let mut buf = Vec::new();
    let mut report = Report::default();
    let mut by_path = FileMap::new();
    let mut files: HashMap<String, String> = HashMap::new();
    let mut seen_root = false;
    let mut skipped_module = false;
    let mut method: Option<(String, Option<String>, u64)> = None;
    let mut points = Counter::default();
    loop {
        let ev = r.next(&mut buf)?;
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if e.local_name().as_ref() == b"Method" {
                    if let Some((name, Some(file), hits)) = method.take() {
                        file_in(&mut by_path, &file).record_function(&name, hits);
                    }
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.local_name().as_ref() {
            b"CoverageSession" => seen_root = true,
            b"Module" => {
                files.clear();
                skipped_module = r.attr(&e, "skippedDueTo")?.is_some();
            }
            b"File" if !skipped_module => {
                let uid = r.attr(&e, "uid")?.unwrap_or_default().into_owned();
                let full = r
                    .attr(&e, "fullPath")?
                    .ok_or_else(|| {
                        r.error(
                            "<File> has no fullPath",
                            "the report is damaged; regenerate it",
                        )
                    })?
                    .into_owned();
                file_in(&mut by_path, &full);
                files.insert(uid, full);
            }
            b"Method" if !skipped_module && !empty && r.attr(&e, "skippedDueTo")?.is_none() => {
                let visited = r.attr(&e, "visited")?.is_some_and(|v| v == "true");
                method = Some((String::new(), None, u64::from(visited)));
            }
            b"Name" if method.as_ref().is_some_and(|m| m.0.is_empty()) && !empty => {
                let name = r.text(&mut Vec::new())?;
                if let Some(m) = &mut method {
                    m.0 = name;
                }
            }
            b"FileRef" => {
                let uid = r.attr(&e, "uid")?.unwrap_or_default();
                if let Some(m) = &mut method {
                    m.1 = files.get(uid.as_ref()).cloned();
                }
            }
            b"SequencePoint" | b"BranchPoint" if method.is_some() => {
                let is_seq = e.local_name().as_ref() == b"SequencePoint";
                let vc = xml::count(&r, &e, "vc")?.unwrap_or(0);
                let sl = xml::line(&r, &e, "sl")?;
                let file = match r.attr(&e, "fileid")? {
                    Some(id) => files.get(id.as_ref()).cloned(),
                    None => method.as_ref().and_then(|m| m.1.clone()),
                };
                let Some(file) = file else { continue };
                let fc = file_in(&mut by_path, &file);
                if is_seq {
                    points.count(vc > 0);
                    let el = xml::count(&r, &e, "el")?
                        .map_or(sl, |v| u32::try_from(v).unwrap_or(u32::MAX))
                        .max(sl);
                    if el - sl > super::MAX_SPAN {
                        return Err(r.error(
                            format!("a sequence point spans lines {sl} to {el}"),
                            "the report is damaged; regenerate it",
                        ));
                    }
                    for ln in sl..=el {
                        fc.record(
                            ln,
                            LineCov {
                                hits: saturate(vc),
                                ..Default::default()
                            },
                        );
                    }
                } else {
                    fc.lines.update(sl, LineCov::branch_only(), |l| {
                        l.branches_total += 1;
                        l.branches_covered += u32::from(vc > 0);
                    });
                }
            }
            _ => {}
        }
    }
    if !seen_root {
        return Err(InputError::new(
            path,
            "no <CoverageSession>: not an OpenCover report",
            "pass --format to choose the right format",
        ));
    }
    report.headline = Some(Headline {
        name: "sequence points",
        counter: points,
        formula: "OpenCover: visited sequence points / sequence points",
        rounding: Rounding::Truncate2,
    });
    report.files = by_path.into();
    Ok(report)
}
