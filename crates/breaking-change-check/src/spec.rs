//! Loading an OpenAPI description into one tree that keeps each node's source line, with its
//! local and relative-file `$ref`s checked up front (missing file, missing pointer, a cycle of
//! references) so the comparison can follow them without failing.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use gates_core::{yaml, InputError};

/// How deep a document may nest before it is refused (a hostile file must not exhaust the stack).
const MAX_NESTING: usize = 256;
/// How many `$ref`s in a row one reference may take before it counts as a cycle.
const MAX_REF_CHAIN: usize = 64;

/// One node of a spec document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// 1-based source line.
    pub line: u32,
    /// The node itself.
    pub v: V,
}

/// The shape of a node. Scalars keep their text: OpenAPI compares them as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V {
    /// A mapping, in document order.
    Map(Vec<(String, Value)>),
    /// A sequence.
    Seq(Vec<Value>),
    /// A scalar's text (`null`, `~` and empty are null).
    Str(String),
}

impl Value {
    /// The member `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.v {
            V::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    /// The scalar text, if a scalar.
    pub fn str(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The scalar `key` as text.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::str)
    }
    /// True when `key` is the scalar `true`.
    pub fn flag(&self, key: &str) -> bool {
        self.get_str(key) == Some("true")
    }
    /// The members of a mapping (none otherwise).
    pub fn entries(&self) -> &[(String, Value)] {
        match &self.v {
            V::Map(m) => m,
            _ => &[],
        }
    }
    /// The items of a sequence (none otherwise).
    pub fn items(&self) -> &[Value] {
        match &self.v {
            V::Seq(s) => s,
            _ => &[],
        }
    }
    /// The `$ref` of this node, if it is a reference.
    pub fn reference(&self) -> Option<&str> {
        self.get_str("$ref")
    }
}

/// One loaded file.
#[derive(Debug)]
pub struct Doc {
    /// Its path as given (repository-relative where it came from the repository).
    pub path: String,
    /// Its root node.
    pub root: Value,
}

/// A spec: its entry file (index 0) and every file its `$ref`s reach.
#[derive(Debug)]
pub struct Spec {
    /// The documents; 0 is the entry file.
    pub docs: Vec<Doc>,
    /// The OpenAPI version it declares (`3.0.3`, `3.1.0`).
    pub version: String,
}

/// A node and the document it lives in.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// Index into [`Spec::docs`].
    pub doc: usize,
    /// The node.
    pub v: &'a Value,
}

fn convert(node: yaml::Node, depth: usize, path: &str) -> Result<Value, InputError> {
    let line = node.pos.line;
    if depth > MAX_NESTING {
        return Err(InputError::new(
            path,
            format!("nested more than {MAX_NESTING} levels deep"),
            "flatten the document with $ref components",
        )
        .at(u64::from(line), None));
    }
    let v = match node.kind {
        yaml::NodeKind::Scalar(s) => V::Str(s.text),
        yaml::NodeKind::Seq(items) => V::Seq(
            items
                .into_iter()
                .map(|n| convert(n, depth + 1, path))
                .collect::<Result<_, _>>()?,
        ),
        yaml::NodeKind::Map(members) => V::Map(
            members
                .into_iter()
                .map(|(k, n)| Ok((k, convert(n, depth + 1, path)?)))
                .collect::<Result<_, InputError>>()?,
        ),
    };
    Ok(Value { line, v })
}

/// The YAML reader's tree for `text`, for the test that the JSON fast path agrees with it.
#[cfg(test)]
pub(crate) fn parse_yaml_for_tests(text: &str) -> Value {
    parse_yaml("test", text).expect("valid YAML")
}

/// Parse one YAML or JSON text (JSON is YAML) into a [`Value`] tree.
pub fn parse(path: &str, text: &str) -> Result<Value, InputError> {
    if text.trim_start().starts_with('{') {
        if let Some(v) = crate::json::parse(text) {
            return Ok(v);
        }
    }
    parse_yaml(path, text)
}

/// The YAML path of [`parse`]: anchors, aliases and merge keys expand (each expanded node on the
/// line of its alias), duplicate keys and non-core tags are refused.
fn parse_yaml(path: &str, text: &str) -> Result<Value, InputError> {
    let docs = yaml::load_nodes(text, &mut |s, _| Ok(Cow::Borrowed(s))).map_err(|e| {
        InputError::new(path, e.message, "fix the YAML/JSON syntax of the spec")
            .at(u64::from(e.pos.line), Some(u64::from(e.pos.column)))
    })?;
    match docs.into_iter().next() {
        Some((_, node)) if matches!(node.kind, yaml::NodeKind::Map(_)) => convert(node, 0, path),
        other => {
            let line = other.map_or(1, |(_, n)| n.pos.line);
            Err(InputError::new(
                path,
                "the document is not a mapping",
                "an OpenAPI description is a mapping with `openapi:` at the top",
            )
            .at(u64::from(line), None))
        }
    }
}

/// Join a relative `$ref` file part onto the directory of `from`, resolving `.` and `..`.
pub fn join(from: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for p in rel.split('/') {
        match p {
            "." | "" => {}
            ".." => {
                if matches!(parts.last(), Some(l) if *l != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Follow a JSON pointer (`/components/schemas/Pet`) from `root`.
pub fn pointer<'a>(root: &'a Value, ptr: &str) -> Option<&'a Value> {
    if ptr.is_empty() {
        return Some(root);
    }
    let mut cur = root;
    for raw in ptr.strip_prefix('/')?.split('/') {
        let tok = raw
            .replace("%7B", "{")
            .replace("%7D", "}")
            .replace("~1", "/")
            .replace("~0", "~");
        cur = match &cur.v {
            V::Map(_) => cur.get(&tok)?,
            V::Seq(s) => s.get(tok.parse::<usize>().ok()?)?,
            V::Str(_) => return None,
        };
    }
    Some(cur)
}

impl Spec {
    /// Load the spec at `path`, reading it and every file its `$ref`s name through `read`.
    pub fn load(
        path: &str,
        read: &dyn Fn(&str) -> Result<String, InputError>,
    ) -> Result<Spec, InputError> {
        let mut docs = vec![Doc {
            path: path.to_string(),
            root: parse(path, &read(path)?)?,
        }];
        // Only the version fields, so the tree can be normalised in place below.
        let field = |k: &str| {
            docs[0]
                .root
                .get(k)
                .map(|n| (n.str().unwrap_or("").to_string(), n.line))
        };
        let (openapi, swagger) = (field("openapi"), field("swagger"));
        let line_of = |f: &Option<(String, u32)>| u64::from(f.as_ref().map_or(1, |x| x.1));
        let version = match (
            openapi.as_ref().map(|x| x.0.as_str()),
            swagger.as_ref().map(|x| x.0.as_str()),
        ) {
            (Some(v), _) if v.starts_with("3.0") || v.starts_with("3.1") => v.to_string(),
            (Some(v), _) => return Err(InputError::new(
                path,
                format!("unknown OpenAPI version {v:?}"),
                "this gate reads Swagger 2.0 and OpenAPI 3.0 and 3.1 (`openapi: 3.0.3` or `3.1.0`)",
            )
            .at(line_of(&openapi), None)),
            (None, Some("2.0")) => {
                crate::swagger::normalise(&mut docs[0].root);
                "2.0".to_string()
            }
            (None, Some(v)) => {
                return Err(InputError::new(
                    path,
                    format!("unknown Swagger version {v:?}"),
                    "this gate reads Swagger 2.0 and OpenAPI 3.0 / 3.1",
                )
                .at(line_of(&swagger), None))
            }
            (None, None) => {
                return Err(InputError::new(
                    path,
                    "no `openapi:` version field",
                    "an OpenAPI description starts with `openapi: 3.0.3` or `3.1.0`",
                )
                .at(1, None))
            }
        };
        // Load every file reached by a reference, then check every reference resolves.
        let mut i = 0;
        while i < docs.len() {
            let mut refs = Vec::new();
            collect_refs(&docs[i].root, &mut refs);
            let refs: Vec<(String, u32)> =
                refs.into_iter().map(|(r, l)| (r.to_string(), l)).collect();
            for (r, line) in refs {
                let file = r.split('#').next().unwrap_or("");
                if file.is_empty() || file.contains("://") {
                    continue;
                }
                let target = join(&docs[i].path, file);
                if docs.iter().all(|d| d.path != target) {
                    // The error names the reference that led there, not only the file.
                    let text = read(&target).map_err(|e| {
                        InputError::new(
                            &docs[i].path,
                            format!("$ref {r:?}: {}: {}", e.place(), e.message),
                            e.help.clone(),
                        )
                        .at(u64::from(line), None)
                    })?;
                    let mut root = parse(&target, &text)?;
                    // A file a 2.0 spec references is 2.0 too: normalised, or its references
                    // rewritten when it is a fragment.
                    if version == "2.0" {
                        if root.get_str("swagger").is_some() {
                            crate::swagger::normalise(&mut root);
                        } else {
                            crate::swagger::rewrite_refs(&mut root);
                        }
                    }
                    docs.push(Doc { path: target, root });
                }
            }
            i += 1;
        }
        let spec = Spec { docs, version };
        for (d, doc) in spec.docs.iter().enumerate() {
            let mut refs = Vec::new();
            collect_refs(&doc.root, &mut refs);
            for (r, line) in refs {
                if r.contains("://") {
                    return Err(InputError::new(
                        &doc.path,
                        format!("remote $ref {r:?} is not followed"),
                        "reference a file in the repository instead",
                    )
                    .at(u64::from(line), None));
                }
                let mut seen = HashSet::new();
                let mut cur = (d, r.to_string(), line);
                for _ in 0..=MAX_REF_CHAIN {
                    let (doc_i, target) = spec.target(cur.0, &cur.1).ok_or_else(|| {
                        InputError::new(
                            &spec.docs[cur.0].path,
                            format!("$ref {:?} points at nothing", cur.1),
                            "fix the reference: the file or the JSON pointer does not exist",
                        )
                        .at(u64::from(cur.2), None)
                    })?;
                    if !seen.insert((doc_i, target as *const Value)) {
                        return Err(InputError::new(
                            &spec.docs[d].path,
                            format!("$ref {r:?} is a cycle of references"),
                            "make the reference end at a schema, not at itself",
                        )
                        .at(u64::from(line), None));
                    }
                    match target.reference() {
                        Some(next) => cur = (doc_i, next.to_string(), target.line),
                        None => break,
                    }
                }
            }
        }
        Ok(spec)
    }

    /// The node a `$ref` in document `doc` points at.
    pub fn target(&self, doc: usize, r: &str) -> Option<(usize, &Value)> {
        let (file, ptr) = r.split_once('#').unwrap_or((r, ""));
        let d = if file.is_empty() {
            doc
        } else {
            let p = join(&self.docs[doc].path, file);
            self.docs.iter().position(|x| x.path == p)?
        };
        pointer(&self.docs[d].root, ptr).map(|v| (d, v))
    }

    /// Follow `$ref`s from `at` to the node they end at (references were checked at load).
    pub fn deref<'a>(&'a self, at: At<'a>) -> At<'a> {
        let mut cur = at;
        for _ in 0..=MAX_REF_CHAIN {
            match cur.v.reference().and_then(|r| self.target(cur.doc, r)) {
                Some((doc, v)) => cur = At { doc, v },
                None => break,
            }
        }
        cur
    }

    /// [`Spec::deref`], and the last `$ref` followed (none when `at` is no reference): the
    /// reference that names the node it ends at.
    pub fn deref_naming<'a>(&'a self, at: At<'a>) -> (At<'a>, Option<&'a str>) {
        let mut cur = at;
        let mut last = None;
        for _ in 0..=MAX_REF_CHAIN {
            let Some(r) = cur.v.reference() else { break };
            match self.target(cur.doc, r) {
                Some((doc, v)) => {
                    cur = At { doc, v };
                    last = Some(r);
                }
                None => break,
            }
        }
        (cur, last)
    }

    /// The entry document's root.
    pub fn root(&self) -> At<'_> {
        At {
            doc: 0,
            v: &self.docs[0].root,
        }
    }
}

fn collect_refs<'a>(v: &'a Value, out: &mut Vec<(&'a str, u32)>) {
    match &v.v {
        V::Map(m) => {
            for (k, c) in m {
                if k == "$ref" {
                    if let Some(s) = c.str() {
                        out.push((s, c.line));
                    }
                } else {
                    collect_refs(c, out);
                }
            }
        }
        V::Seq(s) => s.iter().for_each(|c| collect_refs(c, out)),
        V::Str(_) => {}
    }
}

/// Members of a mapping as a sorted map, for order-insensitive comparison.
pub fn by_key(v: &Value) -> BTreeMap<&str, &Value> {
    v.entries().iter().map(|(k, v)| (k.as_str(), v)).collect()
}
