//! A fast path for JSON specs (GitHub's REST description is 11 MB of JSON): a direct scanner
//! into the same line-keeping [`Value`] tree the YAML parser builds. It only accepts what it is
//! sure of; on anything else (a syntax error, a duplicate key, too deep) it returns `None` and
//! the YAML parser, which reads JSON too, parses the text and reports the error with its spot.

use crate::spec::{Value, V};

/// How deep the fast path nests before it leaves the document to the YAML parser.
const MAX_NESTING: usize = 256;

/// Parse `text` as JSON, or `None` when the YAML parser should take it.
pub fn parse(text: &str) -> Option<Value> {
    let mut p = P {
        s: text,
        b: text.as_bytes(),
        i: 0,
        line: 1,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    (p.i == p.b.len()).then_some(v)
}

struct P<'a> {
    /// The text, for slicing out strings without validating their UTF-8 again (every cut
    /// is at an ASCII byte, so at a character boundary).
    s: &'a str,
    b: &'a [u8],
    i: usize,
    line: u32,
}

impl P<'_> {
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_NESTING {
            return None;
        }
        let line = self.line;
        let v = match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut m: Vec<(String, Value)> = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let kline = self.line;
                        let k = self.string()?;
                        self.ws();
                        if self.b.get(self.i) != Some(&b':') {
                            return None;
                        }
                        self.i += 1;
                        self.ws();
                        let mut v = self.value(depth + 1)?;
                        // As in the YAML path, a member is located at its key.
                        v.line = kline;
                        // Duplicate keys are an error: the YAML parser reports it.
                        if m.len() < 64 && m.iter().any(|(x, _)| *x == k) {
                            return None;
                        }
                        m.push((k, v));
                        self.ws();
                        match self.b.get(self.i)? {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                    if m.len() >= 64 {
                        let mut keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
                        keys.sort_unstable();
                        if keys.windows(2).any(|w| w[0] == w[1]) {
                            return None;
                        }
                    }
                }
                V::Map(m)
            }
            b'[' => {
                self.i += 1;
                let mut s = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        s.push(self.value(depth + 1)?);
                        self.ws();
                        match self.b.get(self.i)? {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                V::Seq(s)
            }
            b'"' => V::Str(self.string()?),
            _ => {
                let start = self.i;
                while let Some(c) = self.b.get(self.i) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.i += 1;
                }
                let tok = self.s.get(start..self.i)?;
                let number = !tok.is_empty()
                    && tok.bytes().all(|c| {
                        c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')
                    })
                    && tok.parse::<f64>().is_ok();
                if !(number || matches!(tok, "true" | "false" | "null")) {
                    return None;
                }
                V::Str(tok.to_string())
            }
        };
        Some(Value { line, v })
    }

    fn string(&mut self) -> Option<String> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let start = self.i;
        // The common case: no escapes, copied in one go.
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    let s = self.s.get(start..self.i)?.to_string();
                    self.i += 1;
                    return Some(s);
                }
                b'\\' => break,
                c if c < 0x20 => return None,
                _ => self.i += 1,
            }
        }
        // Escapes: decode through serde_json, which knows every one (surrogate pairs too).
        let mut end = self.i;
        while let Some(&c) = self.b.get(end) {
            match c {
                b'\\' => end += 2,
                b'"' => break,
                b'\n' => return None,
                _ => end += 1,
            }
        }
        let raw = self.s.get(start - 1..=end)?;
        let s: String = serde_json::from_str(raw).ok()?;
        self.i = end + 1;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::Value;

    fn yaml(text: &str) -> Value {
        // The slow path, forced: the YAML parser on the same text.
        crate::spec::parse_yaml_for_tests(text)
    }

    #[test]
    fn the_fast_path_builds_the_tree_the_yaml_parser_builds() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/oasdiff");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let d = e.unwrap().path();
            for f in ["base.json", "revision.json"] {
                if let Ok(t) = std::fs::read_to_string(d.join(f)) {
                    assert_eq!(
                        super::parse(&t).as_ref(),
                        Some(&yaml(&t)),
                        "{}",
                        d.join(f).display()
                    );
                    n += 1;
                }
            }
        }
        assert!(n >= 4, "the corpus has JSON specs ({n})");
        let t = "{\n \"a\": \"\\u00e9\\n\\\"x\",\n \"b\": [1, -2.5e3, true, null, {}],\n \"c\": {\"d\": []}\n}";
        assert_eq!(super::parse(t).as_ref(), Some(&yaml(t)));
    }

    #[test]
    fn anything_doubtful_is_left_to_the_yaml_parser() {
        for bad in [
            "{\"a\": 1,}",
            "{\"a\": 1, \"a\": 2}",
            "{\"a\": tru}",
            "{\"a\": \"x\n\"}",
            "{\"a\": 1} x",
            "{",
        ] {
            assert_eq!(super::parse(bad), None, "{bad}");
        }
    }
}
