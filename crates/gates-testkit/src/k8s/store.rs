//! The object store: objects by group, kind, namespace and name, the global resourceVersion,
//! the event history watches replay from, and the open watches.

use std::collections::BTreeMap;
use std::sync::mpsc::Sender;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::controller::ControllerState;
use super::discovery::{self, ResourceType};
use super::{Fault, Request};

/// `(group, kind, namespace or "", name)`.
pub type Key = (String, String, String, String);

/// One change, as a watch sends it.
#[derive(Debug, Clone)]
pub struct Change {
    /// resourceVersion of the change.
    pub rv: u64,
    /// Group of the object.
    pub group: String,
    /// Kind of the object.
    pub kind: String,
    /// `ADDED`, `MODIFIED` or `DELETED`.
    pub kind_of_change: &'static str,
    /// The object after the change (before it, for a delete).
    pub object: Value,
    /// The object before a MODIFIED change.
    pub before: Option<Value>,
}

impl Change {
    /// The event a watch with `selector` sees of this change, if any: an object that starts
    /// or stops matching is ADDED or DELETED, as the server's watch cache reports it.
    pub fn seen_by(&self, selector: &Selector) -> Option<&'static str> {
        let now = selector.matches(&self.object);
        let before = self.before.as_ref().is_some_and(|b| selector.matches(b));
        match (self.kind_of_change, before, now) {
            ("MODIFIED", true, false) => Some("DELETED"),
            ("MODIFIED", false, true) => Some("ADDED"),
            (k, _, true) => Some(k),
            _ => None,
        }
    }
}

/// An open watch.
pub struct Watcher {
    /// Group watched.
    pub group: String,
    /// Kind watched.
    pub kind: String,
    /// Namespace watched; `None` for all.
    pub namespace: Option<String>,
    /// Label and field selectors.
    pub selector: Selector,
    /// Where its events go; `None` ends it.
    pub tx: Sender<Option<Value>>,
}

/// Everything the fake holds.
pub struct State {
    /// Served types (built-in and from CRDs).
    pub types: Vec<ResourceType>,
    /// Objects.
    pub objects: BTreeMap<Key, Value>,
    /// The last resourceVersion handed out.
    pub rv: u64,
    /// Changes after the compaction point.
    pub history: Vec<Change>,
    /// Watches from before this resourceVersion get 410 Gone.
    pub compacted: u64,
    /// Open watches.
    pub watchers: Vec<Watcher>,
    /// Pending faults.
    pub faults: Vec<Fault>,
    /// Requests seen.
    pub requests: Vec<Request>,
    /// Counter behind uids and generated names.
    pub serial: u64,
    /// The controller's simulated time: seconds its passes have taken.
    pub clock_offset: u64,
    /// The simulated controller's settings and memory.
    pub ctl: ControllerState,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `(verb, resource)` pairs RBAC denies (`*` for any).
    pub denied: Vec<(String, String)>,
}

impl State {
    /// A store with the built-in types and the `default`, `kube-system` and `kube-public`
    /// namespaces.
    pub fn new(addr: String) -> Self {
        let mut s = State {
            types: discovery::builtin(),
            objects: BTreeMap::new(),
            rv: 0,
            history: Vec::new(),
            compacted: 0,
            watchers: Vec::new(),
            faults: Vec::new(),
            requests: Vec::new(),
            serial: 0,
            clock_offset: 0,
            ctl: ControllerState::default(),
            addr,
            denied: Vec::new(),
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}});
            let obj = s.stamp_new(obj);
            s.write(obj);
        }
        s
    }

    /// The type served at `group/version/plural`.
    pub fn type_by_plural(&self, group: &str, version: &str, plural: &str) -> Option<ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
            .cloned()
    }

    /// Whether RBAC denies `verb` on `resource` (a plural, or `plural/subresource`).
    pub fn is_denied(&self, verb: &str, resource: &str) -> bool {
        self.denied
            .iter()
            .any(|(v, r)| (v == "*" || v == verb) && (r == "*" || r == resource))
    }

    /// The next resourceVersion.
    pub fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    /// A fresh uid.
    pub fn uid(&mut self) -> String {
        self.serial += 1;
        format!("00000000-0000-4000-8000-{:012x}", self.serial)
    }

    /// Five lower-case letters and digits, as generateName and pod names end.
    pub fn suffix(&mut self) -> String {
        self.serial += 1;
        let mut n = self.serial.wrapping_mul(2_654_435_761) ^ 0x5bd1_e995;
        let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
        (0..5)
            .map(|_| {
                let c = alphabet[(n % alphabet.len() as u64) as usize] as char;
                n /= alphabet.len() as u64;
                c
            })
            .collect()
    }

    /// Now, as RFC 3339 in UTC (wall clock: ages kubectl prints stay true; the controller's
    /// simulated time is [`State::clock_offset`]).
    pub fn now(&self) -> String {
        now()
    }

    /// Give a new object a uid, creationTimestamp and generation.
    pub fn stamp_new(&mut self, mut obj: Value) -> Value {
        let uid = self.uid();
        let now = self.now();
        let meta = meta_mut(&mut obj);
        meta.insert("uid".into(), json!(uid));
        meta.insert("creationTimestamp".into(), json!(now));
        meta.insert("generation".into(), json!(1));
        obj
    }

    /// Store an object under a new resourceVersion and tell the watches.
    pub fn write(&mut self, mut obj: Value) -> Value {
        let rv = self.next_rv();
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        let (group, kind) = group_kind(&obj);
        let key = key_of(&obj);
        let before = self.objects.insert(key, obj.clone());
        let change = if before.is_some() {
            "MODIFIED"
        } else {
            "ADDED"
        };
        self.emit(Change {
            rv,
            group,
            kind,
            kind_of_change: change,
            object: obj.clone(),
            before,
        });
        obj
    }

    /// Remove an object, telling the watches.
    pub fn remove(&mut self, key: &Key) -> Option<Value> {
        let mut obj = self.objects.remove(key)?;
        let rv = self.next_rv();
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        self.emit(Change {
            rv,
            group: key.0.clone(),
            kind: key.1.clone(),
            kind_of_change: "DELETED",
            object: obj.clone(),
            before: None,
        });
        Some(obj)
    }

    fn emit(&mut self, c: Change) {
        self.watchers.retain(|w| {
            let Some(kind) = w.sees(&c) else {
                return true;
            };
            w.tx.send(Some(json!({"type": kind, "object": c.object})))
                .is_ok()
        });
        self.history.push(c);
    }

    /// Objects of one kind, in a namespace or all, in key order.
    pub fn of_kind(&self, group: &str, kind: &str, namespace: Option<&str>) -> Vec<Value> {
        self.objects
            .iter()
            .filter(|((g, k, ns, _), _)| {
                g == group && k == kind && namespace.is_none_or(|n| n == ns)
            })
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Objects whose ownerReferences name `uid`.
    pub fn owned_by(&self, uid: &str) -> Vec<Key> {
        self.objects
            .iter()
            .filter(|(_, v)| {
                v["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
            })
            .map(|(k, _)| k.clone())
            .collect()
    }
}

impl Watcher {
    /// The event this watch sees of a change, if any.
    pub fn sees(&self, c: &Change) -> Option<&'static str> {
        let in_scope = c.group == self.group
            && c.kind == self.kind
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| c.object["metadata"]["namespace"].as_str().unwrap_or("") == ns);
        if in_scope {
            c.seen_by(&self.selector)
        } else {
            None
        }
    }
}

/// The key an object is stored under.
pub fn key_of(obj: &Value) -> Key {
    let (group, kind) = group_kind(obj);
    let m = &obj["metadata"];
    (
        group,
        kind,
        m["namespace"].as_str().unwrap_or_default().to_string(),
        m["name"].as_str().unwrap_or_default().to_string(),
    )
}

/// Group and kind from `apiVersion` and `kind`.
pub fn group_kind(obj: &Value) -> (String, String) {
    let av = obj["apiVersion"].as_str().unwrap_or_default();
    let group = av.rsplit_once('/').map_or("", |(g, _)| g).to_string();
    (group, obj["kind"].as_str().unwrap_or_default().to_string())
}

/// `metadata` as a map, created if missing.
pub fn meta_mut(obj: &mut Value) -> &mut serde_json::Map<String, Value> {
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    obj["metadata"]
        .as_object_mut()
        .expect("metadata is an object")
}

/// The wall clock as RFC 3339 in UTC.
pub fn now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A label selector and a field selector (`metadata.name`, `metadata.namespace`, and any
/// plain field path with `=`/`!=`).
#[derive(Debug, Clone, Default)]
pub struct Selector {
    labels: Vec<Requirement>,
    fields: Vec<(String, bool, String)>,
}

#[derive(Debug, Clone)]
enum Requirement {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl Selector {
    /// Parse `labelSelector` and `fieldSelector`.
    pub fn parse(labels: &str, fields: &str) -> Result<Self, String> {
        let mut s = Selector::default();
        for part in split_top(labels) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let req = if let Some(k) = part.strip_prefix('!') {
                Requirement::NotExists(k.trim().into())
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotEq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, rest)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), set_of(rest)?)
            } else if let Some((k, rest)) = part.split_once(" in ") {
                Requirement::In(k.trim().into(), set_of(rest)?)
            } else {
                Requirement::Exists(part.into())
            };
            s.labels.push(req);
        }
        for part in fields.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, neg, v) = if let Some((k, v)) = part.split_once("!=") {
                (k, true, v)
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                (k, false, v)
            } else {
                return Err(format!(
                    "invalid selector: '{part}'; can't understand '{part}'"
                ));
            };
            s.fields.push((k.trim().into(), neg, v.trim().into()));
        }
        Ok(s)
    }

    /// Whether an object is selected.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = &obj["metadata"]["labels"];
        let label = |k: &str| labels[k].as_str();
        let labels_ok = self.labels.iter().all(|r| match r {
            Requirement::Eq(k, v) => label(k) == Some(v),
            Requirement::NotEq(k, v) => label(k) != Some(v),
            Requirement::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::NotIn(k, vs) => !label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::Exists(k) => label(k).is_some(),
            Requirement::NotExists(k) => label(k).is_none(),
        });
        labels_ok
            && self.fields.iter().all(|(path, neg, want)| {
                let mut v = obj;
                for seg in path.split('.') {
                    v = &v[seg];
                }
                let got = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (got == *want) != *neg
            })
    }
}

/// Split on commas outside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn set_of(s: &str) -> Result<Vec<String>, String> {
    let inner = s
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("unable to parse requirement: expected '(' in {s}"))?;
    Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_civil_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_210_096), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn selectors_follow_the_label_grammar() {
        let obj = json!({"metadata": {"name": "a", "labels": {"app": "web", "tier": "fe"}}});
        let yes = [
            "app=web",
            "app==web,tier",
            "tier in (fe,be)",
            "!missing",
            "app!=db",
        ];
        for s in yes {
            assert!(Selector::parse(s, "").unwrap().matches(&obj), "{s}");
        }
        let no = ["app=db", "missing", "tier notin (fe)", "!app"];
        for s in no {
            assert!(!Selector::parse(s, "").unwrap().matches(&obj), "{s}");
        }
        assert!(Selector::parse("", "metadata.name=a")
            .unwrap()
            .matches(&obj));
        assert!(!Selector::parse("", "metadata.name!=a")
            .unwrap()
            .matches(&obj));
    }
}
