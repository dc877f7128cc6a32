//! Shared streaming-XML plumbing: a pull reader that never loads or expands a DTD, attribute
//! access, and errors that name the line.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Name and attribute names of a document's root element.
pub struct Root {
    /// Element name.
    pub name: String,
    /// Attribute names.
    pub attrs: Vec<String>,
}

/// Most attributes one element may have; coverage formats use fewer than twenty.
pub const MAX_ATTRIBUTES: usize = 1024;

/// The root element of an XML prefix, skipping the declaration, comments and DOCTYPE.
pub fn root_element(head: &[u8]) -> Option<Root> {
    let mut r = Reader::from_reader(head);
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                // Unchecked: the duplicate check is quadratic in the attributes of one element.
                let attrs = e
                    .attributes()
                    .with_checks(false)
                    .take(MAX_ATTRIBUTES)
                    .flatten()
                    .map(|a| String::from_utf8_lossy(a.key.as_ref()).into_owned())
                    .collect();
                return Some(Root { name, attrs });
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
}

/// A pull parser over one report file, or over one piece of it ([`XmlReader::fragment`]).
pub struct XmlReader<'p, R: BufRead> {
    reader: Reader<R>,
    path: &'p Path,
    depth: usize,
    /// For a piece: the elements it opened and has not closed, and the ones it closed that
    /// an earlier piece opened, which [`Fragment::check`] pairs up across the pieces.
    fragment: Option<Fragment>,
}

/// How a piece of a document nests into the pieces around it.
#[derive(Debug, Default)]
pub struct Fragment {
    /// Names of the elements still open at the piece's end, outermost first.
    open: Vec<Box<[u8]>>,
    /// Names of the end tags whose start came before the piece, in order.
    closed_before: Vec<Box<[u8]>>,
}

impl Fragment {
    /// True when `pieces`, in document order, nest into one whole document: every end tag
    /// closes the innermost open element of the same name, and nothing is left open (a
    /// truncated report is not whole).
    pub fn check<'a>(pieces: impl IntoIterator<Item = &'a Fragment>) -> bool {
        let mut open: Vec<&[u8]> = Vec::new();
        for p in pieces {
            for name in &p.closed_before {
                if open.pop() != Some(&**name) {
                    return false;
                }
            }
            open.extend(p.open.iter().map(|n| &**n));
        }
        open.is_empty()
    }
}

impl<'p, R: BufRead> XmlReader<'p, R> {
    /// Read `input`, reporting errors against `path`.
    pub fn new(input: R, path: &'p Path) -> Self {
        let mut reader = Reader::from_reader(input);
        reader.config_mut().trim_text(true);
        XmlReader {
            reader,
            path,
            depth: 0,
            fragment: None,
        }
    }

    /// Read a piece of a document cut between two elements: it may close elements opened
    /// before it and end with elements open; how it nests is kept for [`Fragment::check`].
    pub fn fragment(input: R, path: &'p Path) -> Self {
        let mut r = XmlReader::new(input, path);
        // The pieces' tags are paired here instead, across the cuts.
        let config = r.reader.config_mut();
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        r.fragment = Some(Fragment::default());
        r
    }

    /// How the piece read nests (`None` for a whole document).
    pub fn into_fragment(self) -> Option<Fragment> {
        self.fragment
    }

    /// The next event. A DOCTYPE that declares entities is refused outright: coverage reports
    /// never need them and expanding them is how entity bombs work.
    pub fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Event<'b>, InputError> {
        buf.clear();
        let ev = self.reader.read_event_into(buf).map_err(|e| {
            self.error(
                format!("malformed XML: {e}"),
                "the report is damaged or truncated; regenerate it",
            )
        })?;
        if let Some(f) = &mut self.fragment {
            match &ev {
                Event::Start(e) => f.open.push(e.name().as_ref().into()),
                Event::End(e) => match f.open.pop() {
                    Some(open) if *open == *e.name().as_ref() => {}
                    Some(_) => {
                        return Err(self.error(
                            "an end tag does not match its start",
                            "the report is damaged; regenerate it",
                        ))
                    }
                    None => f.closed_before.push(e.name().as_ref().into()),
                },
                _ => {}
            }
        }
        match &ev {
            Event::Start(_) => self.depth += 1,
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            // quick-xml accepts a document that stops inside an element; a report cut off by a
            // full disk or a killed job must not pass as a smaller one.
            Event::Eof if self.depth > 0 && self.fragment.is_none() => {
                return Err(self.error(
                    "the report ends inside an element (truncated?)",
                    "the report is incomplete; regenerate it",
                ))
            }
            _ => {}
        }
        if let Event::DocType(d) = &ev {
            let raw: &[u8] = d.as_ref();
            if raw.windows(8).any(|w| w.eq_ignore_ascii_case(b"<!ENTITY")) {
                return Err(self.error("the report's DOCTYPE declares entities", "coverage reports never declare entities; this file is refused so it cannot expand into an entity bomb"));
            }
        }
        Ok(ev)
    }

    /// An error at the current position.
    pub fn error(&self, message: impl Into<String>, help: &str) -> InputError {
        error_at(self.path, self.reader.buffer_position(), message, help)
    }

    /// An attribute's value, unescaped, when present.
    pub fn attr(
        &self,
        e: &BytesStart<'_>,
        key: &str,
    ) -> Result<Option<Cow<'static, str>>, InputError> {
        let mut found = None;
        self.each_attr(e, |k, v| {
            if found.is_none() && k == key.as_bytes() {
                found = Some(Cow::Owned(v.to_string()));
            }
            Ok(())
        })?;
        Ok(found)
    }

    /// Call `f` with each attribute's key and value; values are unescaped only when they hold
    /// an entity, so the hot path (numbers) allocates nothing.
    pub fn each_attr(
        &self,
        e: &BytesStart<'_>,
        mut f: impl FnMut(&[u8], &str) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        // quick-xml's duplicate check costs the square of an element's attributes (200k took
        // 46 s); real coverage elements have a handful, so a long one is counted first.
        let raw = e.attributes_raw();
        if raw.len() > 4096 && raw.iter().filter(|&&b| b == b'=').count() > MAX_ATTRIBUTES {
            return Err(self.error(
                format!("an element has more than {MAX_ATTRIBUTES} attributes"),
                "this is not a coverage report a tool wrote; regenerate it",
            ));
        }
        for a in e.attributes() {
            let a = a.map_err(|err| {
                self.error(
                    format!("malformed attribute: {err}"),
                    "regenerate the report",
                )
            })?;
            let raw: &[u8] = &a.value;
            if raw.contains(&b'&') {
                let v = a.unescape_value().map_err(|err| {
                    self.error(
                        format!("attribute: {err}"),
                        "only XML's predefined entities are accepted",
                    )
                })?;
                f(a.key.as_ref(), &v)?;
            } else {
                let v = std::str::from_utf8(raw).map_err(|_| {
                    self.error("attribute is not UTF-8", "the report must be UTF-8")
                })?;
                f(a.key.as_ref(), v)?;
            }
        }
        Ok(())
    }

    /// Text content of an element (call after its Start), with predefined entities resolved.
    pub fn text(&mut self, buf: &mut Vec<u8>) -> Result<String, InputError> {
        let mut out = String::new();
        loop {
            match self.next(buf)? {
                Event::Text(t) => out.push_str(&t.decode().map_err(|e| {
                    self.error(format!("bad text: {e}"), "the report must be UTF-8")
                })?),
                Event::CData(t) => out.push_str(&String::from_utf8_lossy(&t)),
                Event::GeneralRef(r) => {
                    let name = String::from_utf8_lossy(&r).into_owned();
                    match predefined(&name) {
                        Some(c) => out.push(c),
                        None => {
                            return Err(self.error(
                                format!("undefined entity &{name};"),
                                "only XML's predefined entities are accepted",
                            ))
                        }
                    }
                }
                Event::End(_) => return Ok(out),
                Event::Eof => {
                    return Err(self.error(
                        "the report ends early",
                        "the report is truncated; regenerate it",
                    ))
                }
                _ => {}
            }
        }
    }
}

fn predefined(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix('x') {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => n.parse().ok()?,
            };
            return char::from_u32(code);
        }
    })
}

/// An error at byte `offset` of `path`; the file is read again to turn the offset into a line,
/// which only happens on this error path.
pub fn error_at(path: &Path, offset: u64, message: impl Into<String>, help: &str) -> InputError {
    let err = InputError::new(path, message, help);
    match std::fs::read(path) {
        Ok(bytes) => {
            let (line, col) = gates_core::error::line_col(&bytes, offset as usize);
            err.at(line, Some(col))
        }
        Err(_) => err,
    }
}

/// Numeric attribute helpers shared by the XML formats.
pub fn count(
    r: &XmlReader<'_, impl BufRead>,
    e: &BytesStart<'_>,
    key: &str,
) -> Result<Option<u64>, InputError> {
    match r.attr(e, key)? {
        None => Ok(None),
        Some(v) => super::parse_count(&v).map(Some).ok_or_else(|| {
            r.error(
                format!("{key}=\"{v}\" is not a non-negative count"),
                "the report is damaged; regenerate it",
            )
        }),
    }
}

/// A required 1-based line number attribute.
pub fn line(
    r: &XmlReader<'_, impl BufRead>,
    e: &BytesStart<'_>,
    key: &str,
) -> Result<u32, InputError> {
    match r.attr(e, key)? {
        None => Err(r.error(
            format!(
                "<{}> has no {key} attribute",
                String::from_utf8_lossy(e.name().as_ref())
            ),
            "the report is damaged; regenerate it",
        )),
        Some(v) => super::parse_line(&v).ok_or_else(|| {
            r.error(
                format!("{key}=\"{v}\" is not a line number"),
                "line numbers start at 1; regenerate the report",
            )
        }),
    }
}
