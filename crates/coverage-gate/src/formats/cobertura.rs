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
use crate::model::{saturate, FileCoverage, FileMap, Files, LineCov, Report};

pub fn parse<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    let mut r = XmlReader::new(input, path);
    let (report, seen_root) = read(&mut r)?;
    if !seen_root {
        return Err(no_root(path));
    }
    Ok(report)
}

fn no_root(path: &Path) -> InputError {
    InputError::new(
        path,
        "no <coverage> element: not a Cobertura report",
        "pass --format to choose the right format",
    )
}

/// Below this size a report is read on one thread (splitting costs more than it saves).
pub const PARALLEL_FROM: u64 = 8 << 20;

/// Parse the report at `path` (`size` bytes) on up to `threads` threads: the file is cut after
/// a `</class>` near each 1/n mark, each piece is read on its own thread, and the pieces'
/// files are combined as repeated classes are (every record of a line merged, the larger of
/// each count), which gives what one pass gives. The pieces must nest into one whole document;
/// when they do not, or a piece cannot be read (a cut inside a comment, a damaged report), the
/// report is read again in one pass, so what is refused, and the error, stay those of one pass.
pub fn parse_parallel(path: &Path, size: u64, threads: usize) -> Result<Report, InputError> {
    match try_parallel(path, size, threads) {
        Some(report) => Ok(report),
        None => {
            let (file, _) = gates_core::input::open_regular_file(path, size)?;
            parse(std::io::BufReader::with_capacity(256 * 1024, file), path)
        }
    }
}

fn try_parallel(path: &Path, size: u64, threads: usize) -> Option<Report> {
    use std::io::{Read, Seek, SeekFrom};
    let mut cuts = vec![0u64];
    for k in 1..threads as u64 {
        match super::next_after(path, size * k / threads as u64, b"</class>").ok()? {
            Some(c) if c > *cuts.last().unwrap_or(&0) && c < size => cuts.push(c),
            _ => {}
        }
    }
    cuts.push(size);
    if cuts.len() < 3 {
        return None;
    }
    let parts: Vec<Option<(Report, bool, xml::Fragment)>> = std::thread::scope(|s| {
        let handles: Vec<_> = cuts
            .windows(2)
            .map(|w| {
                let (start, end) = (w[0], w[1]);
                s.spawn(move || {
                    let mut f = std::fs::File::open(path).ok()?;
                    f.seek(SeekFrom::Start(start)).ok()?;
                    let input = std::io::BufReader::with_capacity(256 * 1024, f.take(end - start));
                    let mut r = XmlReader::fragment(input, path);
                    let (report, seen_root) = read(&mut r).ok()?;
                    Some((report, seen_root, r.into_fragment()?))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let parts: Vec<(Report, bool, xml::Fragment)> = parts.into_iter().collect::<Option<_>>()?;
    let fragments: Vec<&xml::Fragment> = parts.iter().map(|p| &p.2).collect();
    // The root must open in the first piece, before any cut.
    if !parts[0].1 || !xml::Fragment::check(fragments.iter().copied()) {
        return None;
    }
    let mut parts = parts.into_iter();
    let (mut all, ..) = parts.next()?;
    for (part, ..) in parts {
        all.sources.extend(part.sources);
        // Both sorted by path: one merge, a class split over two pieces combined as a class
        // repeated within one.
        use itertools::{EitherOrBoth, Itertools};
        let files = std::mem::take(&mut all.files)
            .into_iter()
            .merge_join_by(part.files, |a, b| a.0.cmp(&b.0))
            .map(|pair| match pair {
                EitherOrBoth::Both((name, mut existing), (_, fc)) => {
                    existing
                        .lines
                        .merge(fc.lines, |mine, theirs| mine.absorb(theirs));
                    for (key, hits) in fc.functions.iter() {
                        existing.record_function(key, hits);
                    }
                    (name, existing)
                }
                EitherOrBoth::Left(x) | EitherOrBoth::Right(x) => x,
            })
            .collect();
        all.files = Files::from_sorted(files);
    }
    Some(all)
}

/// The records of a whole document or of a piece of one, and whether it held the root.
fn read<R: BufRead>(r: &mut XmlReader<'_, R>) -> Result<(Report, bool), InputError> {
    let mut buf = Vec::new();
    let mut text_buf = Vec::new();
    let mut report = Report::default();
    let mut files = FileMap::new();
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
                            files.insert(name, fc);
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
                let fc = files.remove(&name).unwrap_or_default();
                class_has_lines = false;
                if empty {
                    files.insert(name, fc);
                } else {
                    file = Some((name, fc));
                }
            }
            b"method" if file.is_some() => {
                let name = r.attr(&e, "name")?.unwrap_or_default().into_owned();
                let sig = r.attr(&e, "signature")?.unwrap_or_default();
                // Without a `hits` attribute, a method counts as run when one of its lines ran.
                let hits = xml::count(r, &e, "hits")?.unwrap_or(0);
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
    report.files = files.into();
    Ok((report, seen_root))
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

#[cfg(test)]
mod parallel_tests {
    use super::*;

    fn doc(classes: usize) -> String {
        let mut text = String::from(
            "<?xml version=\"1.0\" ?>\n<coverage line-rate=\"0.5\"><sources><source>/src</source></sources><packages><package name=\"p\"><classes>\n",
        );
        for i in 0..classes {
            // a.c in every class, so every cut splits its records.
            text.push_str(&format!(
                "<class name=\"a{i}\" filename=\"a.c\"><methods><method name=\"f{i}\" signature=\"\" hits=\"{i}\"><lines><line number=\"{}\" hits=\"1\"/></lines></method></methods><lines><line number=\"{}\" hits=\"{i}\" branch=\"true\" condition-coverage=\"50% (1/2)\"/><line number=\"2\" hits=\"{}\"/></lines></class>\n<class name=\"b{i}\" filename=\"b{i}.c\"><lines><line number=\"1\" hits=\"0\"/></lines></class>\n",
                i + 3,
                i + 3,
                i % 3
            ));
        }
        text.push_str("</classes></package></packages></coverage>\n");
        text
    }

    /// Cut into pieces anywhere between classes, a report parses to exactly what one pass
    /// gives; a piece that cannot stand alone (a cut inside a comment) or pieces that do not
    /// make a whole document (truncated) fall back to the one pass and its error.
    #[test]
    fn pieces_parse_to_what_one_pass_gives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.xml");
        let text = doc(60);
        std::fs::write(&path, &text).unwrap();
        let one = parse(text.as_bytes(), &path).unwrap();
        for threads in [2, 3, 7] {
            let size = text.len() as u64;
            let pieces = try_parallel(&path, size, threads).expect("cut into pieces");
            assert_eq!(pieces.files, one.files, "{threads} pieces");
            assert_eq!(pieces.sources, one.sources);
        }
        // A cut inside a comment, and a truncated report: refused exactly as one pass does.
        let commented = text.replacen(
            "<class name=\"a30\"",
            "<!-- </class> </class> --><class name=\"a30\"",
            1,
        );
        let truncated = &text[..text.len() - 30];
        for bad in [commented.as_str(), truncated] {
            std::fs::write(&path, bad).unwrap();
            let size = bad.len() as u64;
            let want = parse(bad.as_bytes(), &path).map(|r| r.files);
            let got = parse_parallel(&path, size, 2).map(|r| r.files);
            match (want, got) {
                (Ok(a), Ok(b)) => assert_eq!(a, b),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("one pass {a:?}, pieces {b:?}"),
            }
        }
    }
}
