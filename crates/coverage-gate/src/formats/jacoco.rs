//! JaCoCo XML (also Kover). Paths are `package/SourceFile.java`; the repository path is found
//! later by suffix. A line counts as covered when any instruction on it ran (JaCoCo's LINE
//! counter); JaCoCo's own headline is instructions, reported beside it.

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
    let mut files = FileMap::new();
    let mut stack: Vec<Vec<u8>> = Vec::new();
    let mut package = String::new();
    let mut class = String::new();
    // Methods come under <class>, before the <sourcefile> elements; the class names its file.
    let mut class_file: Option<String> = None;
    let mut method: Option<String> = None;
    let mut sourcefile: Option<String> = None;
    let mut instructions: Option<Counter> = None;
    loop {
        let ev = r.next(&mut buf)?;
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                match stack.pop().as_deref() {
                    Some(b"method") => method = None,
                    Some(b"sourcefile") => sourcefile = None,
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = e.local_name().as_ref().to_vec();
        match name.as_slice() {
            b"package" => package = r.attr(&e, "name")?.unwrap_or_default().into_owned(),
            b"class" => {
                class = r.attr(&e, "name")?.unwrap_or_default().into_owned();
                class_file = r.attr(&e, "sourcefilename")?.map(|f| {
                    if package.is_empty() {
                        f.into_owned()
                    } else {
                        format!("{package}/{f}")
                    }
                });
            }
            b"method" if !empty => {
                let n = r.attr(&e, "name")?.unwrap_or_default();
                let d = r.attr(&e, "desc")?.unwrap_or_default();
                method = Some(format!("{class}.{n}{d}"));
            }
            b"sourcefile" => {
                let n = r.attr(&e, "name")?.ok_or_else(|| {
                    r.error(
                        "<sourcefile> has no name",
                        "the report is damaged; regenerate it",
                    )
                })?;
                let p = if package.is_empty() {
                    n.into_owned()
                } else {
                    format!("{package}/{n}")
                };
                file_in(&mut files, &p);
                if !empty {
                    sourcefile = Some(p);
                }
            }
            b"line" => {
                let Some(f) = &sourcefile else { continue };
                let nr = xml::line(&r, &e, "nr")?;
                let mi = xml::count(&r, &e, "mi")?.unwrap_or(0);
                let ci = xml::count(&r, &e, "ci")?.unwrap_or(0);
                let mb = xml::count(&r, &e, "mb")?.unwrap_or(0);
                let cb = xml::count(&r, &e, "cb")?.unwrap_or(0);
                if mi == 0 && ci == 0 && mb == 0 && cb == 0 {
                    continue;
                }
                let small = |v: u64| {
                    u32::try_from(v).map_err(|_| {
                        r.error(
                            "branch count out of range",
                            "the report is damaged; regenerate it",
                        )
                    })
                };
                let cov = LineCov {
                    hits: saturate(ci),
                    branches_covered: small(cb)?,
                    branches_total: small(mb.saturating_add(cb))?,
                    branch_only: mi == 0 && ci == 0,
                };
                file_in(&mut files, f).record(nr, cov);
            }
            b"counter" => {
                let kind = r.attr(&e, "type")?.unwrap_or_default();
                let missed = xml::count(&r, &e, "missed")?.unwrap_or(0);
                let covered = xml::count(&r, &e, "covered")?.unwrap_or(0);
                let parent = stack.last().map(Vec::as_slice);
                if parent == Some(b"sourcefile") {
                    // gcovr --jacoco writes `<line nr>` without counts: the file's own counters
                    // are then all there is (detail wins where it exists, see FileCoverage).
                    if let Some(f) = &sourcefile {
                        let c = Counter {
                            covered,
                            total: covered.saturating_add(missed),
                        };
                        let s = file_in(&mut files, f).summary.get_or_insert_default();
                        match kind.as_ref() {
                            "LINE" => s.lines = c,
                            "BRANCH" => s.branches = c,
                            "METHOD" => s.functions = c,
                            _ => {}
                        }
                    }
                } else if kind == "METHOD" && parent == Some(b"method") {
                    if let (Some(m), Some(f)) = (&method, &class_file) {
                        file_in(&mut files, f).record_function(m, covered);
                    }
                } else if kind == "INSTRUCTION" && parent == Some(b"report") {
                    instructions = Some(Counter {
                        covered,
                        total: covered.saturating_add(missed),
                    });
                }
            }
            _ => {}
        }
        if !empty {
            stack.push(name);
        }
    }
    if stack.is_empty() && files.is_empty() && instructions.is_none() {
        return Err(InputError::new(
            path,
            "no <report> content: not a JaCoCo report",
            "pass --format to choose the right format",
        ));
    }
    report.headline = instructions.map(|counter| Headline {
        name: "instructions",
        counter,
        formula: "JaCoCo INSTRUCTION counter: covered bytecode instructions / all instructions",
        rounding: Rounding::Truncate2,
    });
    report.files = files.into();
    Ok(report)
}
