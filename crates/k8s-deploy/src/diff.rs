//! The plan's diff of one object: the live object against the server's dry-run of our apply,
//! both stripped of what changes on every write or belongs to the server (managedFields,
//! resourceVersion, uid, generation, timestamps, status). Defaulted fields appear on both sides
//! (the dry run is defaulted too), so they never show as changes. Secret values are never
//! shown: only whether each key changed.

use serde_json::{Map, Value};

/// What applying does to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// It does not exist yet.
    Create,
    /// It exists and changes.
    Update,
    /// It exists as applying would leave it.
    Unchanged,
    /// It is in the inventory of the last deploy and gone from the manifests.
    Prune,
}

impl Action {
    /// `create`, `update`, `unchanged`, `prune`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Prune => "prune",
        }
    }
}

/// Metadata the server writes on every change.
const NOISY_METADATA: [&str; 7] = [
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionGracePeriodSeconds",
];

/// Annotations controllers and older kubectl versions keep on objects.
const NOISY_ANNOTATIONS: [&str; 2] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
];

/// `obj` without the server's bookkeeping.
pub fn strip(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("status");
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in NOISY_METADATA {
                meta.remove(k);
            }
            if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                for k in NOISY_ANNOTATIONS {
                    a.remove(k);
                }
                if a.is_empty() {
                    meta.remove("annotations");
                }
            }
        }
    }
    v
}

/// The two sides of a Secret with every value replaced: `(redacted)`, or `(redacted, changed)`
/// on the new side when the value differs. Other kinds are returned as they are.
pub fn redact_pair(live: Option<&Value>, new: &Value) -> (Option<Value>, Value) {
    if !(new["kind"] == "Secret" && new["apiVersion"] == "v1") {
        return (live.cloned(), new.clone());
    }
    let values = |v: &Value| -> Map<String, Value> {
        let mut all = Map::new();
        for key in ["data", "stringData"] {
            if let Some(m) = v[key].as_object() {
                for (k, val) in m {
                    all.insert(k.clone(), val.clone());
                }
            }
        }
        all
    };
    let old_values = live.map(values).unwrap_or_default();
    let hide = |v: &Value, compare: Option<&Map<String, Value>>| -> Value {
        let mut out = v.clone();
        for key in ["data", "stringData"] {
            if let Some(m) = out.get_mut(key).and_then(Value::as_object_mut) {
                for (k, val) in m.iter_mut() {
                    let changed = compare.is_some_and(|c| c.get(k) != Some(val));
                    *val = Value::String(
                        if changed {
                            "(redacted, changed)"
                        } else {
                            "(redacted)"
                        }
                        .into(),
                    );
                }
            }
        }
        out
    };
    let new_side = hide(new, live.map(|_| &old_values));
    (live.map(|l| hide(l, None)), new_side)
}

/// The action applying takes on an object whose live state is `live` and whose dry run gave
/// `planned` (both stripped).
pub fn action(live: Option<&Value>, planned: &Value) -> Action {
    match live {
        None => Action::Create,
        Some(l) if l == planned => Action::Unchanged,
        Some(_) => Action::Update,
    }
}

/// A unified diff (3 lines of context) of the two sides as YAML; empty when equal.
pub fn unified(live: Option<&Value>, planned: &Value, label: &str) -> String {
    let yaml = |v: &Value| serde_yaml::to_string(v).expect("a JSON value serialises as YAML");
    let old = live.map(yaml).unwrap_or_default();
    let new = yaml(planned);
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("live/{label}"), &format!("planned/{label}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bookkeeping_is_not_a_change() {
        let live = json!({"metadata": {"name": "a", "uid": "1", "resourceVersion": "9", "generation": 3,
            "managedFields": [{}], "annotations": {"deployment.kubernetes.io/revision": "3"}},
            "spec": {"replicas": 2}, "status": {"readyReplicas": 2}});
        let planned = json!({"metadata": {"name": "a", "uid": "1", "resourceVersion": "10", "generation": 3}, "spec": {"replicas": 2}});
        assert_eq!(
            action(Some(&strip(&live)), &strip(&planned)),
            Action::Unchanged
        );
        let planned = json!({"metadata": {"name": "a"}, "spec": {"replicas": 3}});
        let (l, p) = (strip(&live), strip(&planned));
        assert_eq!(action(Some(&l), &p), Action::Update);
        let d = unified(Some(&l), &p, "Deployment/a");
        assert!(d.contains("-  replicas: 2\n+  replicas: 3\n"), "{d}");
        assert!(
            d.starts_with("--- live/Deployment/a\n+++ planned/Deployment/a\n"),
            "{d}"
        );
        assert_eq!(action(None, &p), Action::Create);
    }

    #[test]
    fn secret_values_never_appear_only_whether_they_changed() {
        let live = json!({"apiVersion": "v1", "kind": "Secret", "data": {"a": "U0VOVElORUwx", "b": "eA=="}});
        let new = json!({"apiVersion": "v1", "kind": "Secret", "data": {"a": "U0VOVElORUwy", "b": "eA==", "c": "eQ=="}});
        let (l, n) = redact_pair(Some(&live), &new);
        let d = unified(l.as_ref(), &n, "Secret/s");
        assert!(!d.contains("U0VOVElORU"), "{d}");
        assert!(d.contains("+  a: (redacted, changed)"), "{d}");
        assert!(d.contains("+  c: (redacted, changed)"), "{d}");
        assert!(!d.contains("b: (redacted, changed)"), "{d}");
        let (none, created) = redact_pair(None, &new);
        assert!(none.is_none());
        assert_eq!(created["data"]["a"], "(redacted)");
    }
}
