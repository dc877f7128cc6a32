//! Manifests: files, directories (their `.yaml`, `.yml` and `.json` files, sorted, not
//! recursed into, as `kubectl apply -f` reads them) and `-` for stdin (kustomize or Helm output),
//! each split into its objects, templates filled in, checked to be Kubernetes objects, and kept
//! with the line of every node.

use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gates_core::yaml::{self, Document};
use gates_core::InputError;
use serde_json::Value;

use crate::template::Vars;
use crate::workload;

/// The most read from one manifest file or from stdin: 64 MiB (a thousand objects are about
/// two).
pub const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// One Kubernetes object and where it was written.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The file as the user named it (`(stdin)` for `-`), with `/` separators.
    pub file: String,
    /// The object, templates filled in (images substituted and the namespace set later).
    pub value: Value,
    /// Its document's positions, shared by the items of a `kind: List`.
    doc: Arc<Document>,
    /// Its pointer in the document: empty, or `/items/N` inside a List.
    root: String,
}

impl Manifest {
    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        self.value["apiVersion"].as_str().unwrap_or_default()
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// `metadata.namespace`, when set (cluster-scoped kinds have none).
    pub fn namespace(&self) -> Option<&str> {
        self.value["metadata"]["namespace"].as_str()
    }

    /// `namespace/name` (or `name` for a cluster-scoped object).
    pub fn qualified_name(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("{ns}/{}", self.name()),
            None => self.name().to_string(),
        }
    }

    /// `Kind namespace/name` (or `Kind name`), as messages name the object.
    pub fn id(&self) -> String {
        format!("{} {}", self.kind(), self.qualified_name())
    }

    /// The line of the node at `pointer` in the object (its nearest written ancestor for a
    /// node the manifest leaves out).
    pub fn line(&self, pointer: &str) -> u32 {
        self.doc.line(&self.pointer(pointer))
    }

    /// `pointer` (in the object) as a pointer in its document.
    pub fn pointer(&self, pointer: &str) -> String {
        format!("{}{pointer}", self.root)
    }

    /// The document's place in its file, from 0.
    pub fn document_index(&self) -> usize {
        self.doc.index
    }

    /// The object's annotations.
    pub fn annotations(&self) -> Option<&serde_json::Map<String, Value>> {
        self.value["metadata"]["annotations"].as_object()
    }
}

/// Read every manifest named by `inputs` (files, directories, globs, `-`), filling templates
/// from `vars`. `stdin` is read for `-`.
pub fn load(
    inputs: &[String],
    vars: &Vars<'_>,
    stdin: &mut dyn Read,
) -> Result<Vec<Manifest>, InputError> {
    let mut out = Vec::new();
    let mut read_stdin = false;
    for path in files(inputs)? {
        let (name, bytes) = if path.as_os_str() == "-" {
            if std::mem::replace(&mut read_stdin, true) {
                continue;
            }
            let mut buf = Vec::new();
            stdin
                .take(MAX_MANIFEST_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(|e| InputError::io("(stdin)", &e))?;
            if buf.len() as u64 > MAX_MANIFEST_BYTES {
                return Err(InputError::new(
                    "(stdin)",
                    format!(
                        "more than {} MiB of manifests on stdin",
                        MAX_MANIFEST_BYTES >> 20
                    ),
                    "split them into files",
                ));
            }
            ("(stdin)".to_string(), buf)
        } else {
            let bytes = gates_core::input::read_regular_file(&path, MAX_MANIFEST_BYTES)?;
            (display(&path), bytes)
        };
        parse(&name, &bytes, vars, &mut out)?;
    }
    Ok(out)
}

/// The files `inputs` name: directories give their manifest files, sorted.
fn files(inputs: &[String]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = Vec::new();
    for p in gates_core::input::expand(inputs)? {
        if !p.is_dir() {
            out.push(p);
            continue;
        }
        let entries = gates_core::input::walk(&p, 0, &mut |f| {
            f.is_file() && gates_core::input::has_extension(f, &["yaml", "yml", "json"])
        })?;
        if entries.is_empty() {
            return Err(InputError::new(
                &p,
                "the directory holds no .yaml, .yml or .json file",
                "name the manifest files, or the directory that holds them (subdirectories are not read)",
            ));
        }
        out.extend(entries);
    }
    Ok(out)
}

fn display(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Split one file into its objects.
pub fn parse(
    file: &str,
    bytes: &[u8],
    vars: &Vars<'_>,
    out: &mut Vec<Manifest>,
) -> Result<(), InputError> {
    split(file, bytes, &mut |s| vars.expand(s), out)
}

/// The objects of YAML text `yaml` with no variables, as unit tests write them.
#[cfg(test)]
pub(crate) fn parse_literal(yaml: &str) -> Vec<Manifest> {
    let none = |_: &str| None;
    let vars = Vars::new(&[], &none).unwrap();
    let mut out = Vec::new();
    parse("m.yaml", yaml.as_bytes(), &vars, &mut out).unwrap();
    out
}

/// Objects already rendered (a release's known-good set) as manifests of `file`, one per line:
/// no template is filled in again.
pub fn rendered(file: &str, objects: &[Value]) -> Result<Vec<Manifest>, InputError> {
    let mut text = String::new();
    for o in objects {
        text.push_str("---\n");
        text.push_str(&serde_json::to_string(o).expect("an object serialises"));
        text.push('\n');
    }
    let mut out = Vec::with_capacity(objects.len());
    split(
        file,
        text.as_bytes(),
        &mut |s| Ok(Cow::Borrowed(s)),
        &mut out,
    )?;
    Ok(out)
}

/// Split `bytes` into objects, each scalar passed through `expand`.
fn split(
    file: &str,
    bytes: &[u8],
    expand: &mut dyn FnMut(&str) -> Result<Cow<'_, str>, String>,
    out: &mut Vec<Manifest>,
) -> Result<(), InputError> {
    let origin =
        || -> gates_core::error::Origin { gates_core::error::Origin::File(PathBuf::from(file)) };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, col) = gates_core::error::line_col(bytes, e.valid_up_to());
        InputError::new(
            origin(),
            "the manifest is not UTF-8 text",
            "save it as UTF-8",
        )
        .at(line, Some(col))
    })?;
    let docs = yaml::load_all(text, &mut |s, _| expand(s)).map_err(|e| {
        InputError::new(
            origin(),
            e.message,
            "fix the manifest (or the variable) at this line",
        )
        .at(e.pos.line.into(), Some(e.pos.column.into()))
    })?;
    for mut doc in docs {
        let value = std::mem::take(&mut doc.value);
        let doc = Arc::new(doc);
        if value["kind"] == "List" && value["items"].is_array() {
            let Value::Object(mut list) = value else {
                unreachable!()
            };
            let Some(Value::Array(items)) = list.remove("items") else {
                unreachable!()
            };
            for (i, item) in items.into_iter().enumerate() {
                out.push(checked(file, item, doc.clone(), format!("/items/{i}"))?);
            }
        } else {
            out.push(checked(file, value, doc, String::new())?);
        }
    }
    Ok(())
}

/// An object with what the API needs to address it: `apiVersion`, `kind`, `metadata.name`.
fn checked(
    file: &str,
    value: Value,
    doc: Arc<Document>,
    root: String,
) -> Result<Manifest, InputError> {
    let m = Manifest {
        file: file.to_string(),
        value,
        doc,
        root,
    };
    let fail = |what: String, pointer: &str| {
        Err(InputError::new(
            PathBuf::from(file),
            format!("document {}: {what}", m.document_index() + 1),
            "every document must be a Kubernetes object with apiVersion, kind and metadata.name",
        )
        .at(m.line(pointer).into(), None))
    };
    if !m.value.is_object() {
        return fail("not a mapping".into(), "");
    }
    for (key, pointer) in [("apiVersion", "/apiVersion"), ("kind", "/kind")] {
        if m.value
            .pointer(pointer)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return fail(format!("no {key}"), "");
        }
    }
    if m.name().is_empty() {
        let why = if m.value["metadata"]["generateName"].is_string() {
            "generateName without a name (server-side apply needs a name)"
        } else {
            "no metadata.name"
        };
        return fail(why.into(), "/metadata");
    }
    Ok(m)
}

/// Set `namespace` on every namespaced object that has none; an object naming another
/// namespace is refused, as `kubectl apply -n` refuses it.
pub fn set_namespace(manifests: &mut [Manifest], namespace: &str) -> Result<(), InputError> {
    for m in manifests.iter_mut() {
        if workload::cluster_scoped(m.api_version(), m.kind()) {
            continue;
        }
        match m.namespace() {
            Some(ns) if ns != namespace => {
                return Err(InputError::new(
                    PathBuf::from(&m.file),
                    format!(
                        "{} is in namespace {ns:?}, not {namespace:?} given by --namespace",
                        m.id()
                    ),
                    "remove metadata.namespace from the manifest, or deploy it with its own --namespace",
                )
                .at(m.line("/metadata/namespace").into(), None));
            }
            Some(_) => {}
            None => {
                if let Some(meta) = m.value["metadata"].as_object_mut() {
                    meta.insert("namespace".into(), Value::String(namespace.to_string()));
                }
            }
        }
    }
    Ok(())
}

/// The manifests as one multi-document YAML stream (what `render` prints), Secret values
/// replaced by their size: the stream is for reading in a log, where a secret must not appear.
pub fn render(manifests: &[Manifest]) -> String {
    let mut out = String::new();
    for m in manifests {
        let value: Cow<'_, Value> = if m.kind() == "Secret" && m.api_version() == "v1" {
            Cow::Owned(redacted_secret(&m.value))
        } else {
            Cow::Borrowed(&m.value)
        };
        out.push_str("---\n");
        out.push_str(&serde_yaml::to_string(&*value).expect("a JSON value serialises as YAML"));
    }
    out
}

/// A Secret with each value of `data` and `stringData` replaced by `(redacted, N bytes)`.
pub fn redacted_secret(secret: &Value) -> Value {
    let mut v = secret.clone();
    for key in ["data", "stringData"] {
        if let Some(map) = v.get_mut(key).and_then(Value::as_object_mut) {
            for val in map.values_mut() {
                let n = val.as_str().map_or(0, |s| {
                    if key == "data" {
                        // base64: four characters carry three bytes.
                        let t = s.trim_end_matches('=');
                        t.len() * 3 / 4
                    } else {
                        s.len()
                    }
                });
                *val = Value::String(format!("(redacted, {n} bytes)"));
            }
        }
    }
    v
}
