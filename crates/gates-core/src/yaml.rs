//! Multi-document YAML (and JSON) read into `serde_json` values that remember, for every node,
//! the line it sits on: a finding about `/spec/template/spec/containers/0/image` lands on the
//! `image:` line of the right document in the right file.
//!
//! yaml-rust2 does the parsing; this module only builds the tree from its events, because no
//! well-kept crate keeps spans across several documents with aliases and merge keys (marked-yaml
//! reads one document and refuses anchors). Scalars resolve the way Kubernetes' own YAML reader
//! (go-yaml v2 under sigs.k8s.io/yaml) resolves them, YAML 1.1 booleans and octals included, so a
//! manifest means here what it means to `kubectl apply`.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

impl Pos {
    fn of(m: &Marker) -> Pos {
        Pos {
            line: u32::try_from(m.line()).unwrap_or(u32::MAX).max(1),
            column: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
        }
    }
}

/// One document of a YAML stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its content.
    pub value: Value,
    /// Its place in the stream, from 0 (empty documents count).
    pub index: usize,
    /// Where each node is, by JSON pointer (RFC 6901); a mapping member is where its key is.
    spans: HashMap<String, Pos>,
}

impl Document {
    /// Where the node at `pointer` is; for a node the document does not have (a field a
    /// finding says is missing, a member reached through an alias), where its nearest
    /// ancestor is.
    pub fn pos(&self, pointer: &str) -> Pos {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.spans.get(p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.spans.get("").copied().unwrap_or_default(),
            }
        }
    }

    /// The line of [`Document::pos`].
    pub fn line(&self, pointer: &str) -> u32 {
        self.pos(pointer).line
    }
}

/// Why a stream could not be read: what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub pos: Pos,
}

/// A rewrite of scalar values (not keys) before they are resolved: templates. It gets the
/// scalar's text and position and returns the text to use, or what is wrong.
pub type ScalarHook<'h> = dyn FnMut(&str, Pos) -> Result<Cow<'_, str>, String> + 'h;

/// How deeply a document may nest: deeper is refused before the tree is built, since freeing
/// or walking it would overflow the stack.
pub const MAX_DEPTH: usize = 512;

/// Most nodes one stream may expand to through aliases, unless its text is longer (a node takes
/// at least a byte to write, so only aliases can pass it): a "billion laughs" document is
/// refused before it exhausts memory. A thousand Kubernetes objects are about 100,000 nodes.
pub const MAX_NODES: usize = 1_000_000;

/// Read every document of `text`. Empty documents (a trailing `---`, comments only) are left
/// out, as `kubectl` does. `hook` sees every scalar value first.
pub fn load_all(text: &str, hook: &mut ScalarHook<'_>) -> Result<Vec<Document>, Error> {
    let mut b = Builder {
        hook,
        docs: Vec::new(),
        frames: Vec::new(),
        path: String::new(),
        seg_lens: Vec::new(),
        spans: HashMap::new(),
        anchors: HashMap::new(),
        index: 0,
        nodes: 0,
        max_nodes: MAX_NODES.max(text.len()),
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, true) {
        return Err(Error {
            message: e.info().to_string(),
            pos: Pos::of(e.marker()),
        });
    }
    match b.error {
        Some(e) => Err(e),
        None => Ok(b.docs),
    }
}

enum Frame {
    Map {
        map: Map<String, Value>,
        key: Option<(String, Pos)>,
        merges: Vec<(Value, Pos)>,
        anchor: usize,
    },
    Seq {
        items: Vec<Value>,
        anchor: usize,
    },
}

struct Builder<'a, 'h> {
    hook: &'a mut ScalarHook<'h>,
    docs: Vec<Document>,
    frames: Vec<Frame>,
    /// The pointer of the node being built, and the length of each of its segments.
    path: String,
    seg_lens: Vec<usize>,
    spans: HashMap<String, Pos>,
    anchors: HashMap<usize, Value>,
    index: usize,
    nodes: usize,
    max_nodes: usize,
    error: Option<Error>,
}

impl MarkedEventReceiver for Builder<'_, '_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let pos = Pos::of(&mark);
        if let Err(message) = self.event(ev, pos) {
            self.error = Some(Error { message, pos });
        }
    }
}

impl Builder<'_, '_> {
    fn event(&mut self, ev: Event, pos: Pos) -> Result<(), String> {
        match ev {
            Event::DocumentStart => {
                self.spans.clear();
                self.anchors.clear();
            }
            Event::DocumentEnd => self.index += 1,
            Event::Scalar(text, style, anchor, tag) => {
                if self.is_key_slot() {
                    return self.key(text, style, pos);
                }
                self.open_value(pos)?;
                let text = match (self.hook)(&text, pos)? {
                    Cow::Borrowed(_) => text,
                    Cow::Owned(t) => t,
                };
                let value = resolve(text, style, tag.as_ref())?;
                self.count(1)?;
                self.close_value(value, anchor)?;
            }
            Event::Alias(id) => {
                if self.is_key_slot() {
                    return Err("an alias as a mapping key is not supported: write the key".into());
                }
                self.open_value(pos)?;
                let value = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or("an alias to an anchor that is not defined before it")?;
                self.count(count_nodes(&value))?;
                self.close_value(value, 0)?;
            }
            Event::MappingStart(anchor, tag) => {
                check_tag(tag.as_ref(), "map")?;
                self.open_container(pos)?;
                self.frames.push(Frame::Map {
                    map: Map::new(),
                    key: None,
                    merges: Vec::new(),
                    anchor,
                });
            }
            Event::SequenceStart(anchor, tag) => {
                check_tag(tag.as_ref(), "seq")?;
                self.open_container(pos)?;
                self.frames.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let (value, anchor) = match self.frames.pop() {
                    Some(Frame::Map {
                        mut map,
                        merges,
                        anchor,
                        ..
                    }) => {
                        // `<<: *base` members fill in what the mapping does not set itself,
                        // whatever the order (YAML 1.1 merge keys, as go-yaml reads them).
                        for (merged, at) in merges {
                            let sources = match merged {
                                Value::Object(m) => vec![m],
                                Value::Array(items) => items
                                    .into_iter()
                                    .map(|i| match i {
                                        Value::Object(m) => Ok(m),
                                        _ => Err(()),
                                    })
                                    .collect::<Result<_, _>>()
                                    .map_err(|()| merge_error(at))?,
                                _ => return Err(merge_error(at)),
                            };
                            for m in sources {
                                for (k, v) in m {
                                    if !map.contains_key(&k) {
                                        let at_key = format!("{}/{}", self.path, escape(&k));
                                        self.spans.entry(at_key).or_insert(at);
                                        map.insert(k, v);
                                    }
                                }
                            }
                        }
                        (Value::Object(map), anchor)
                    }
                    Some(Frame::Seq { items, anchor }) => (Value::Array(items), anchor),
                    None => return Err("unbalanced YAML events".into()),
                };
                self.count(1)?;
                self.close_value(value, anchor)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// Whether the next scalar is a mapping key.
    fn is_key_slot(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Map { key: None, .. }))
    }

    fn key(&mut self, text: String, style: TScalarStyle, pos: Pos) -> Result<(), String> {
        let Some(Frame::Map { key, map, .. }) = self.frames.last_mut() else {
            unreachable!("is_key_slot checked");
        };
        // A plain `<<` is a merge key; a quoted one is an ordinary key.
        if !(text == "<<" && style == TScalarStyle::Plain) && map.contains_key(&text) {
            return Err(format!(
                "the key {text:?} appears twice in this mapping (Kubernetes refuses it): keep one"
            ));
        }
        *key = Some((text, pos));
        Ok(())
    }

    /// A value starts at `pos`: its pointer is the parent's plus its key or index.
    fn open_value(&mut self, pos: Pos) -> Result<(), String> {
        let (segment, at) = match self.frames.last() {
            None => {
                self.seg_lens.push(0);
                self.spans.insert(String::new(), pos);
                return Ok(());
            }
            Some(Frame::Map {
                key: Some((k, kpos)),
                ..
            }) => (escape(k), *kpos),
            Some(Frame::Map { key: None, .. }) => {
                return Err("a mapping or sequence as a mapping key is not supported".into())
            }
            Some(Frame::Seq { items, .. }) => (Cow::Owned(items.len().to_string()), pos),
        };
        let before = self.path.len();
        self.path.push('/');
        self.path.push_str(&segment);
        self.seg_lens.push(self.path.len() - before);
        self.spans.insert(self.path.clone(), at);
        Ok(())
    }

    fn open_container(&mut self, pos: Pos) -> Result<(), String> {
        if self.frames.len() >= MAX_DEPTH {
            return Err(format!(
                "nested more than {MAX_DEPTH} levels deep: flatten the document"
            ));
        }
        if self.is_key_slot() {
            return Err("a mapping or sequence as a mapping key is not supported".into());
        }
        self.open_value(pos)
    }

    /// A value is complete: it goes into its parent (or is the document).
    fn close_value(&mut self, value: Value, anchor: usize) -> Result<(), String> {
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        let len = self.seg_lens.pop().unwrap_or(0);
        self.path.truncate(self.path.len() - len);
        match self.frames.last_mut() {
            None => {
                if !value.is_null() {
                    self.docs.push(Document {
                        value,
                        index: self.index,
                        spans: std::mem::take(&mut self.spans),
                    });
                }
            }
            Some(Frame::Map {
                map, key, merges, ..
            }) => {
                let (k, kpos) = key.take().expect("a value follows its key");
                if k == "<<" && !map.contains_key("<<") {
                    merges.push((value, kpos));
                } else {
                    map.insert(k, value);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
        }
        Ok(())
    }

    fn count(&mut self, n: usize) -> Result<(), String> {
        self.nodes += n;
        if self.nodes > self.max_nodes {
            return Err(format!(
                "the YAML expands to more than {} nodes (aliases of aliases?): write it out or split it",
                self.max_nodes
            ));
        }
        Ok(())
    }
}

fn merge_error(at: Pos) -> String {
    format!(
        "line {}: a merge key `<<` takes a mapping or a list of mappings",
        at.line
    )
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Object(m) => m.values().map(count_nodes).sum(),
        Value::Array(a) => a.iter().map(count_nodes).sum(),
        _ => 0,
    }
}

/// RFC 6901: `~` is `~0`, `/` is `~1`.
fn escape(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

const CORE: &str = "tag:yaml.org,2002:";

fn tag_name(tag: Option<&Tag>) -> Option<String> {
    tag.map(|t| {
        if t.handle == "!!" || t.handle == CORE {
            t.suffix.clone()
        } else {
            format!("{}{}", t.handle, t.suffix)
        }
    })
}

fn check_tag(tag: Option<&Tag>, want: &str) -> Result<(), String> {
    match tag_name(tag) {
        None => Ok(()),
        Some(t) if t == want => Ok(()),
        Some(t) => Err(unsupported_tag(&t)),
    }
}

fn unsupported_tag(t: &str) -> String {
    format!("the tag !{t} is not supported here: remove it")
}

/// A scalar's value: quoted and block scalars are strings, plain ones resolve to null, a
/// boolean, an integer or a float as go-yaml v2 resolves them; `!!str` and friends decide.
fn resolve(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    match tag_name(tag).as_deref() {
        None if style == TScalarStyle::Plain => Ok(resolve_plain(text)),
        None | Some("str") => Ok(Value::String(text)),
        Some(t @ ("int" | "float" | "bool" | "null")) => match resolve_plain(text.clone()) {
            v @ Value::Number(_) if t == "int" && v.is_i64() || v.is_u64() => Ok(v),
            v @ Value::Number(_) if t == "float" => Ok(v),
            v @ Value::Bool(_) if t == "bool" => Ok(v),
            v @ Value::Null if t == "null" => Ok(v),
            _ => Err(format!("{text:?} is not a valid !!{t}")),
        },
        Some(t) => Err(unsupported_tag(t)),
    }
}

fn resolve_plain(text: String) -> Value {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false)
        }
        _ => {}
    }
    if let Some(n) = resolve_int(&text) {
        return n;
    }
    if looks_like_float(&text) {
        if let Some(n) = text
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(n);
        }
    }
    Value::String(text)
}

/// go-yaml v2's integers: optional sign, `_` separators, `0b`, `0x`, and a leading `0` for
/// octal (YAML 1.1: `0755` is 493).
fn resolve_int(text: &str) -> Option<Value> {
    let plain = text.replace('_', "");
    let (neg, digits) = match plain.as_bytes().first()? {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    let (radix, body) = if let Some(b) = digits.strip_prefix("0b") {
        (2, b)
    } else if let Some(b) = digits.strip_prefix("0x") {
        (16, b)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if neg {
        let v = i64::try_from(magnitude)
            .ok()
            .map(|m| -m)
            .or_else(|| (magnitude == i64::MIN.unsigned_abs()).then_some(i64::MIN))?;
        Some(Value::from(v))
    } else {
        Some(Value::from(magnitude))
    }
}

fn looks_like_float(text: &str) -> bool {
    // `1e3`, `-0.5`, `.5`; not `.inf` / `.nan` (JSON has neither) and not version-like `1.2.3`.
    let t = text.trim_start_matches(['+', '-']);
    !t.is_empty()
        && t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b'_'))
        && t.bytes().filter(|&b| b == b'.').count() <= 1
        && (t.as_bytes()[0].is_ascii_digit() || t.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Vec<Document> {
        load_all(text, &mut |s, _| Ok(Cow::Borrowed(s))).unwrap()
    }

    #[test]
    fn documents_keep_every_nodes_line() {
        let docs = load(
            "# leading comment\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"1\"\n---\n---\nkind: Pod\nspec:\n  containers:\n  - name: app\n    image: nginx\n",
        );
        assert_eq!(docs.len(), 2, "the empty document is left out");
        assert_eq!(docs[0].index, 0);
        assert_eq!(docs[1].index, 2);
        assert_eq!(docs[0].line("/data/a"), 5);
        assert_eq!(docs[0].line("/kind"), 3);
        assert_eq!(docs[1].line("/spec/containers/0"), 11);
        assert_eq!(docs[1].line("/spec/containers/0/image"), 12);
        assert_eq!(docs[1].pos("/spec/containers/0/image").column, 5);
        // A missing node is where its nearest ancestor is.
        assert_eq!(docs[1].line("/spec/containers/0/resources/limits"), 11);
        assert_eq!(docs[1].value["spec"]["containers"][0]["image"], "nginx");
    }

    #[test]
    fn scalars_resolve_as_kubernetes_reads_them() {
        let d = &load("a: yes\nb: 'yes'\nc: 0755\nd: 1_000\ne: 1.5\nf: 1.2.3\ng: ~\nh: -12\ni: 0x1F\nj: .inf\nk: !!str 12\nl: \"80\"\n")[0].value;
        assert_eq!(d["a"], true);
        assert_eq!(d["b"], "yes");
        assert_eq!(d["c"], 493);
        assert_eq!(d["d"], 1000);
        assert_eq!(d["e"], 1.5);
        assert_eq!(d["f"], "1.2.3");
        assert!(d["g"].is_null());
        assert_eq!(d["h"], -12);
        assert_eq!(d["i"], 31);
        assert_eq!(d["j"], ".inf");
        assert_eq!(d["k"], "12");
        assert_eq!(d["l"], "80");
    }

    #[test]
    fn anchors_aliases_and_merge_keys_expand() {
        let d = &load("base: &b\n  x: 1\n  y: 2\ncopy: *b\nmerged:\n  <<: *b\n  y: 3\n")[0];
        assert_eq!(d.value["copy"], serde_json::json!({"x": 1, "y": 2}));
        assert_eq!(d.value["merged"], serde_json::json!({"x": 1, "y": 3}));
        assert_eq!(d.line("/merged/x"), 6, "a merged member is where `<<` is");
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        let d = &load("metadata:\n  annotations:\n    kube-score/ignore: x\n    a~b: y\n")[0];
        assert_eq!(d.line("/metadata/annotations/kube-score~1ignore"), 3);
        assert_eq!(d.line("/metadata/annotations/a~0b"), 4);
    }

    #[test]
    fn bad_streams_are_refused_with_their_line() {
        let e = load_all("a: 1\nb: [1, 2\n", &mut |s, _| Ok(Cow::Borrowed(s))).unwrap_err();
        assert!(e.pos.line >= 2, "{e:?}");
        let e = load_all("a: 1\nb: 2\na: 3\n", &mut |s, _| Ok(Cow::Borrowed(s))).unwrap_err();
        assert_eq!(e.pos.line, 3, "{e:?}");
        assert!(e.message.contains("twice"), "{e:?}");
        let e = load_all("a: !custom 1\n", &mut |s, _| Ok(Cow::Borrowed(s))).unwrap_err();
        assert!(e.message.contains("!custom"), "{e:?}");
        // Nine levels of ten aliases each: a billion nodes, refused.
        let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            laughs.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = load_all(&laughs, &mut |s, _| Ok(Cow::Borrowed(s))).unwrap_err();
        assert!(e.message.contains("nodes"), "{e:?}");
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(100_000);
        // The parser's own recursion limit or ours, before any tree exists.
        let e = load_all(&deep, &mut |s, _| Ok(Cow::Borrowed(s))).unwrap_err();
        assert!(
            e.message.contains("recursion limit") || e.message.contains("levels deep"),
            "{e:?}"
        );
    }

    #[test]
    fn the_hook_rewrites_values_before_they_resolve() {
        let docs = load_all("replicas: ${N}\nname: '${N}'\n${N}: key\n", &mut |s, _| {
            Ok(Cow::Owned(s.replace("${N}", "3")))
        })
        .unwrap();
        assert_eq!(docs[0].value["replicas"], 3);
        assert_eq!(docs[0].value["name"], "3");
        assert_eq!(docs[0].value["${N}"], "key", "keys are not rewritten");
    }
}
