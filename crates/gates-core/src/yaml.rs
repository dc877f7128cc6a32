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
use std::collections::{HashMap, HashSet};

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
    /// Where the node at `pointer` is (a node reached through an alias or a merge key is where
    /// that alias or `<<` is); for a node the document does not have (a field a finding says is
    /// missing), where its nearest ancestor is.
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

/// A node as written, before its scalars resolve: mappings keep their members in document order
/// and scalars their text, for readers that compare text as written (OpenAPI) rather than as
/// Kubernetes types it. Anchors, aliases and merge keys are already expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where it is; a mapping member is where its key is, and a node reached through an alias
    /// or a merge key is where that alias or `<<` is.
    pub pos: Pos,
    /// What it is.
    pub kind: NodeKind,
}

/// The shape of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A mapping's members, in document order (merged members after the mapping's own).
    Map(Vec<(String, Node)>),
    /// A sequence's items.
    Seq(Vec<Node>),
    /// A scalar.
    Scalar(Scalar),
}

/// A scalar as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// Its text, after the [`ScalarHook`].
    pub text: String,
    /// True for a plain (unquoted, non-block) scalar: only those resolve to non-strings.
    pub plain: bool,
    /// Its core tag's name (`str`, `int`, ...), if it has one; other tags are refused.
    pub tag: Option<String>,
}

impl Node {
    /// True for a plain null scalar (`~`, `null`, nothing).
    fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(s) if s.tag.is_none() && s.plain
            && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// This node and everything under it moved to `pos`.
    fn moved_to(mut self, pos: Pos) -> Node {
        self.pos = pos;
        match &mut self.kind {
            NodeKind::Map(m) => m
                .iter_mut()
                .for_each(|(_, n)| *n = std::mem::replace(n, Node::null(pos)).moved_to(pos)),
            NodeKind::Seq(items) => items
                .iter_mut()
                .for_each(|n| *n = std::mem::replace(n, Node::null(pos)).moved_to(pos)),
            NodeKind::Scalar(_) => {}
        }
        self
    }

    fn null(pos: Pos) -> Node {
        Node {
            pos,
            kind: NodeKind::Scalar(Scalar {
                text: String::new(),
                plain: true,
                tag: None,
            }),
        }
    }

    fn count(&self) -> usize {
        1 + match &self.kind {
            NodeKind::Map(m) => m.iter().map(|(_, n)| n.count()).sum(),
            NodeKind::Seq(items) => items.iter().map(Node::count).sum(),
            NodeKind::Scalar(_) => 0,
        }
    }
}

/// Read every document of `text`. Empty documents (a trailing `---`, comments only) are left
/// out, as `kubectl` does. `hook` sees every scalar value first.
pub fn load_all(text: &str, hook: &mut ScalarHook<'_>) -> Result<Vec<Document>, Error> {
    let mut docs = Vec::new();
    for (index, node) in load_nodes(text, hook)? {
        if node.is_null() {
            continue;
        }
        let mut spans = HashMap::new();
        let mut path = String::new();
        let value = to_value(node, &mut path, &mut spans)?;
        docs.push(Document {
            value,
            index,
            spans,
        });
    }
    Ok(docs)
}

/// Read every document of `text` as written, with its place in the stream (empty documents
/// included, as null scalars). `hook` sees every scalar value first.
pub fn load_nodes(text: &str, hook: &mut ScalarHook<'_>) -> Result<Vec<(usize, Node)>, Error> {
    let mut b = Builder {
        hook,
        docs: Vec::new(),
        frames: Vec::new(),
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

/// A node's value, its own span and its descendants' recorded by pointer under `path`.
fn to_value(
    node: Node,
    path: &mut String,
    spans: &mut HashMap<String, Pos>,
) -> Result<Value, Error> {
    spans.insert(path.clone(), node.pos);
    Ok(match node.kind {
        NodeKind::Scalar(s) => {
            resolve(s.text, s.plain, s.tag.as_deref()).map_err(|message| Error {
                message,
                pos: node.pos,
            })?
        }
        NodeKind::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, n) in items.into_iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                out.push(to_value(n, path, spans)?);
                path.truncate(len);
            }
            Value::Array(out)
        }
        NodeKind::Map(members) => {
            let mut out = Map::new();
            for (k, n) in members {
                let len = path.len();
                path.push('/');
                path.push_str(&escape(&k));
                let v = to_value(n, path, spans)?;
                path.truncate(len);
                out.insert(k, v);
            }
            Value::Object(out)
        }
    })
}

/// A mapping key waiting for its value.
struct Key {
    text: String,
    pos: Pos,
    /// A plain `<<`: a merge key (a quoted one is an ordinary key).
    merge: bool,
}

enum Frame {
    Map {
        pos: Pos,
        members: Vec<(String, Node)>,
        /// The keys so far, once the mapping is too long to search.
        index: Option<HashSet<String>>,
        key: Option<Key>,
        merges: Vec<(Node, Pos)>,
        anchor: usize,
    },
    Seq {
        pos: Pos,
        items: Vec<Node>,
        anchor: usize,
    },
}

/// Mappings up to this many members are searched for a duplicate key; longer ones keep a set.
const SEARCHED_KEYS: usize = 16;

impl Frame {
    fn has_key(&self, k: &str) -> bool {
        match self {
            Frame::Map { index: Some(i), .. } => i.contains(k),
            Frame::Map { members, .. } => members.iter().any(|(m, _)| m == k),
            Frame::Seq { .. } => false,
        }
    }
}

struct Builder<'a, 'h> {
    hook: &'a mut ScalarHook<'h>,
    docs: Vec<(usize, Node)>,
    frames: Vec<Frame>,
    anchors: HashMap<usize, Node>,
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
            Event::DocumentStart => self.anchors.clear(),
            Event::DocumentEnd => self.index += 1,
            Event::Scalar(text, style, anchor, tag) => {
                if self.is_key_slot() {
                    return self.key(text, style, pos);
                }
                self.open_value()?;
                let text = match (self.hook)(&text, pos)? {
                    Cow::Borrowed(_) => text,
                    Cow::Owned(t) => t,
                };
                let tag = tag_name(tag.as_ref());
                if let Some(t) = &tag {
                    if !matches!(t.as_str(), "str" | "int" | "float" | "bool" | "null") {
                        return Err(unsupported_tag(t));
                    }
                }
                self.count(1)?;
                let node = Node {
                    pos,
                    kind: NodeKind::Scalar(Scalar {
                        text,
                        plain: style == TScalarStyle::Plain,
                        tag,
                    }),
                };
                self.close_value(node, anchor)?;
            }
            Event::Alias(id) => {
                if self.is_key_slot() {
                    return Err("an alias as a mapping key is not supported: write the key".into());
                }
                self.open_value()?;
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or("an alias to an anchor that is not defined before it")?;
                self.count(node.count())?;
                self.close_value(node.moved_to(pos), 0)?;
            }
            Event::MappingStart(anchor, tag) => {
                check_tag(tag.as_ref(), "map")?;
                self.open_container()?;
                self.frames.push(Frame::Map {
                    pos,
                    members: Vec::new(),
                    index: None,
                    key: None,
                    merges: Vec::new(),
                    anchor,
                });
            }
            Event::SequenceStart(anchor, tag) => {
                check_tag(tag.as_ref(), "seq")?;
                self.open_container()?;
                self.frames.push(Frame::Seq {
                    pos,
                    items: Vec::new(),
                    anchor,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let (node, anchor) = match self.frames.pop() {
                    Some(Frame::Map {
                        pos,
                        mut members,
                        merges,
                        anchor,
                        ..
                    }) => {
                        // `<<: *base` members fill in what the mapping does not set itself,
                        // whatever the order (YAML 1.1 merge keys, as go-yaml reads them).
                        for (merged, at) in merges {
                            let sources = match merged.kind {
                                NodeKind::Map(m) => vec![m],
                                NodeKind::Seq(items) => items
                                    .into_iter()
                                    .map(|i| match i.kind {
                                        NodeKind::Map(m) => Ok(m),
                                        _ => Err(()),
                                    })
                                    .collect::<Result<_, _>>()
                                    .map_err(|()| merge_error(at))?,
                                NodeKind::Scalar(_) => return Err(merge_error(at)),
                            };
                            for m in sources {
                                for (k, n) in m {
                                    if !members.iter().any(|(have, _)| *have == k) {
                                        members.push((k, n.moved_to(at)));
                                    }
                                }
                            }
                        }
                        let kind = NodeKind::Map(members);
                        (Node { pos, kind }, anchor)
                    }
                    Some(Frame::Seq { pos, items, anchor }) => {
                        let kind = NodeKind::Seq(items);
                        (Node { pos, kind }, anchor)
                    }
                    None => return Err("unbalanced YAML events".into()),
                };
                self.count(1)?;
                self.close_value(node, anchor)?;
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
        let merge = text == "<<" && style == TScalarStyle::Plain;
        let frame = self.frames.last_mut().expect("is_key_slot checked");
        if !merge && frame.has_key(&text) {
            return Err(format!(
                "the key {text:?} appears twice in this mapping: keep one"
            ));
        }
        let Frame::Map { key, .. } = frame else {
            unreachable!("is_key_slot checked");
        };
        *key = Some(Key { text, pos, merge });
        Ok(())
    }

    /// A value starts: it must not be a mapping key itself.
    fn open_value(&mut self) -> Result<(), String> {
        match self.frames.last() {
            Some(Frame::Map { key: None, .. }) => {
                Err("a mapping or sequence as a mapping key is not supported".into())
            }
            _ => Ok(()),
        }
    }

    fn open_container(&mut self) -> Result<(), String> {
        if self.frames.len() >= MAX_DEPTH {
            return Err(format!(
                "nested more than {MAX_DEPTH} levels deep: flatten the document"
            ));
        }
        self.open_value()
    }

    /// A node is complete: it goes into its parent (or is the document).
    fn close_value(&mut self, mut node: Node, anchor: usize) -> Result<(), String> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.frames.last_mut() {
            None => self.docs.push((self.index, node)),
            Some(Frame::Map {
                members,
                index,
                key,
                merges,
                ..
            }) => {
                let k = key.take().expect("a value follows its key");
                if k.merge {
                    merges.push((node, k.pos));
                    return Ok(());
                }
                node.pos = k.pos;
                if let Some(i) = index {
                    i.insert(k.text.clone());
                } else if members.len() >= SEARCHED_KEYS {
                    let mut i: HashSet<String> = members.iter().map(|(m, _)| m.clone()).collect();
                    i.insert(k.text.clone());
                    *index = Some(i);
                }
                members.push((k.text, node));
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
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
fn resolve(text: String, plain: bool, tag: Option<&str>) -> Result<Value, String> {
    match tag {
        None if plain => Ok(resolve_plain(text)),
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
    fn nodes_keep_order_text_and_the_alias_line() {
        let text = "z: &p\n  b: 0755\n  a: 'yes'\nm:\n  <<: *p\n  c: 1\ny: *p\n";
        let docs = load_nodes(text, &mut |s, _| Ok(Cow::Borrowed(s))).unwrap();
        let NodeKind::Map(top) = &docs[0].1.kind else {
            panic!("{docs:?}")
        };
        let keys: Vec<&str> = top.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "m", "y"], "document order, not sorted");
        let NodeKind::Map(z) = &top[0].1.kind else {
            panic!()
        };
        assert_eq!(
            z[0].1.kind,
            NodeKind::Scalar(Scalar {
                text: "0755".into(),
                plain: true,
                tag: None
            }),
            "text as written"
        );
        let NodeKind::Map(m) = &top[1].1.kind else {
            panic!()
        };
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["c", "b", "a"], "own members, then merged ones");
        assert_eq!(m[1].1.pos.line, 5, "merged members are where `<<` is");
        let NodeKind::Map(y) = &top[2].1.kind else {
            panic!()
        };
        assert_eq!(
            y[1].1.pos.line, 7,
            "an alias's members are where the alias is"
        );
        assert_eq!(z[1].1.pos.line, 3, "the anchored original keeps its lines");
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
