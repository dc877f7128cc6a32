//! Server-side apply and managed fields: field sets in the `FieldsV1` format, ownership per
//! manager, conflicts, and removal of fields a manager stopped applying.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::status::{self, ApiError};

/// One path segment as `FieldsV1` spells it: `f:name` or `k:{"name":"app"}`.
pub type Path = Vec<String>;

/// A conflict: the other manager and the field, as `.spec.replicas`.
#[derive(Debug, Clone)]
pub struct Conflict {
    manager: String,
    field: String,
}

/// The keys list items are merged by, for the lists the fake knows to be maps; other lists
/// are atomic.
pub fn list_keys(field: &str, item: &Value) -> Option<&'static [&'static str]> {
    if !item.is_object() {
        return None;
    }
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => Some(&["name"]),
        "volumeMounts" => Some(&["mountPath"]),
        "conditions" => Some(&["type"]),
        "ownerReferences" => Some(&["uid"]),
        "ports" if item.get("containerPort").is_some() => Some(&["containerPort", "protocol"]),
        "ports" if item.get("port").is_some() => Some(&["port", "protocol"]),
        _ => None,
    }
}

/// Fields whose value is owned as a whole.
fn atomic(field: &str) -> bool {
    matches!(
        field,
        "selector" | "matchExpressions" | "tolerations" | "args" | "command"
    )
}

/// `k:{...}` for a list item, keys sorted (protocol defaults to TCP, as the server does
/// before it keys).
fn item_key(keys: &[&str], item: &Value) -> String {
    let mut m = Map::new();
    for k in keys {
        let v = match (item.get(*k), *k) {
            (Some(v), _) => v.clone(),
            (None, "protocol") => json!("TCP"),
            (None, _) => Value::Null,
        };
        m.insert((*k).to_string(), v);
    }
    format!("k:{}", Value::Object(m))
}

/// The set of fields an object sets: leaves, and list items (the `.` of `FieldsV1`).
/// `apiVersion`, `kind`, status and metadata bookkeeping are not fields anyone manages.
pub fn field_set(obj: &Value, with_status: bool) -> BTreeSet<Path> {
    let mut out = BTreeSet::new();
    let Some(m) = obj.as_object() else {
        return out;
    };
    for (k, v) in m {
        let mut path = vec![format!("f:{k}")];
        match k.as_str() {
            "apiVersion" | "kind" => {}
            "status" if !with_status => {}
            "metadata" => {
                for mk in ["labels", "annotations", "ownerReferences", "finalizers"] {
                    if let Some(mv) = v.get(mk) {
                        let mut p = vec!["f:metadata".to_string(), format!("f:{mk}")];
                        collect(mv, &mut p, mk, &mut out);
                    }
                }
            }
            _ if with_status && k != "status" => {}
            _ => collect(v, &mut path, k, &mut out),
        }
    }
    out
}

fn collect(v: &Value, path: &mut Path, field: &str, out: &mut BTreeSet<Path>) {
    match v {
        Value::Object(m) if !m.is_empty() && !atomic(field) => {
            for (k, c) in m {
                path.push(format!("f:{k}"));
                collect(c, path, k, out);
                path.pop();
            }
        }
        Value::Array(items)
            if !items.is_empty() && items.iter().all(|i| list_keys(field, i).is_some()) =>
        {
            for item in items {
                let keys = list_keys(field, item).unwrap_or(&[]);
                path.push(item_key(keys, item));
                out.insert(path.clone());
                if let Some(m) = item.as_object() {
                    for (k, c) in m {
                        path.push(format!("f:{k}"));
                        collect(c, path, k, out);
                        path.pop();
                    }
                }
                path.pop();
            }
        }
        _ => {
            out.insert(path.clone());
        }
    }
}

/// A set as `FieldsV1`.
pub fn to_fields_v1(set: &BTreeSet<Path>) -> Value {
    let mut root = json!({});
    for path in set {
        let mut node = &mut root;
        for seg in path {
            node = node
                .as_object_mut()
                .expect("field nodes are objects")
                .entry(seg.clone())
                .or_insert_with(|| json!({}));
        }
        if path.last().is_some_and(|s| s.starts_with("k:")) {
            node.as_object_mut()
                .expect("field nodes are objects")
                .insert(".".into(), json!({}));
        }
    }
    root
}

/// `FieldsV1` as a set.
pub fn from_fields_v1(v: &Value) -> BTreeSet<Path> {
    fn walk(v: &Value, path: &mut Path, out: &mut BTreeSet<Path>) {
        let Some(m) = v.as_object() else { return };
        for (k, c) in m {
            if k == "." {
                out.insert(path.clone());
                continue;
            }
            path.push(k.clone());
            if c.as_object().is_some_and(|o| o.is_empty()) {
                out.insert(path.clone());
            } else {
                walk(c, path, out);
            }
            path.pop();
        }
    }
    let mut out = BTreeSet::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

/// The value at a path.
pub fn at<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut v = obj;
    let mut field = "";
    for seg in path {
        if let Some(name) = seg.strip_prefix("f:") {
            v = v.get(name)?;
            field = name;
        } else if seg.starts_with("k:") {
            v = v
                .as_array()?
                .iter()
                .find(|i| list_keys(field, i).is_some_and(|keys| item_key(keys, i) == *seg))?;
        } else {
            return None;
        }
    }
    Some(v)
}

fn remove_at(obj: &mut Value, path: &[String]) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let mut v = obj;
    let mut field = String::new();
    for seg in parent_path {
        if let Some(name) = seg.strip_prefix("f:") {
            let Some(next) = v.get_mut(name) else { return };
            v = next;
            field = name.to_string();
        } else {
            let Some(arr) = v.as_array_mut() else { return };
            let Some(next) = arr
                .iter_mut()
                .find(|i| list_keys(&field, i).is_some_and(|keys| item_key(keys, i) == *seg))
            else {
                return;
            };
            v = next;
        }
    }
    if let Some(name) = last.strip_prefix("f:") {
        if let Some(m) = v.as_object_mut() {
            m.remove(name);
        }
    } else if let Some(arr) = v.as_array_mut() {
        arr.retain(|i| list_keys(&field, i).is_none_or(|keys| item_key(keys, i) != *last));
    }
}

/// Merge an apply configuration into the live object: maps deeply, keyed lists by key,
/// everything else replaced.
fn merge(live: &mut Value, cfg: &Value, field: &str) {
    match (live, cfg) {
        (Value::Object(l), Value::Object(c)) if !atomic(field) => {
            for (k, cv) in c {
                match l.get_mut(k) {
                    Some(lv) => merge(lv, cv, k),
                    None => {
                        l.insert(k.clone(), cv.clone());
                    }
                }
            }
        }
        (Value::Array(l), Value::Array(c))
            if !c.is_empty() && c.iter().all(|i| list_keys(field, i).is_some()) =>
        {
            for item in c {
                let keys = list_keys(field, item).unwrap_or(&[]);
                let key = item_key(keys, item);
                let found = l
                    .iter_mut()
                    .find(|i| list_keys(field, i).is_some_and(|k| item_key(k, i) == key));
                match found {
                    Some(li) => merge(li, item, ""),
                    None => l.push(item.clone()),
                }
            }
        }
        (l, c) => *l = c.clone(),
    }
}

fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, c| !c.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn entries(obj: &Value) -> Vec<Value> {
    obj["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn entry(
    manager: &str,
    op: &str,
    api_version: &str,
    sub: Option<&str>,
    set: &BTreeSet<Path>,
    now: &str,
) -> Value {
    let mut e = json!({
        "manager": manager, "operation": op, "apiVersion": api_version, "time": now,
        "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(set),
    });
    if let Some(sb) = sub {
        e["subresource"] = json!(sb);
    }
    e
}

fn same_entry(e: &Value, manager: &str, op: &str, sub: Option<&str>) -> bool {
    e["manager"] == manager && e["operation"] == op && e["subresource"].as_str() == sub
}

/// Apply `cfg` as `manager`. Returns the merged object and its managedFields, or the
/// conflicts with other managers (unless `force`).
pub fn apply(
    live: &Value,
    cfg: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
    sub: Option<&str>,
    now: &str,
) -> Result<(Value, Value), Vec<Conflict>> {
    let with_status = sub == Some("status");
    // A null in an apply configuration sets nothing.
    let mut cfg = cfg.clone();
    strip_nulls(&mut cfg);
    let cfg = &cfg;
    let new_set = field_set(cfg, with_status);
    let mut managed = entries(live);
    let mut conflicts = Vec::new();
    for e in &managed {
        if same_entry(e, manager, "Apply", sub) {
            continue;
        }
        let theirs = from_fields_v1(&e["fieldsV1"]);
        for p in new_set.intersection(&theirs) {
            if p.last().is_some_and(|s| s.starts_with("k:")) {
                continue;
            }
            if at(live, p) != at(cfg, p) {
                conflicts.push(Conflict {
                    manager: e["manager"].as_str().unwrap_or_default().to_string(),
                    field: display(p),
                });
            }
        }
    }
    // As the server's last-applied manager does: conflicts on fields that kubectl's
    // client-side apply recorded in `last-applied-configuration` are no conflicts (so
    // `kubectl apply --server-side` takes over from `kubectl apply`).
    let last_applied = live["metadata"]["annotations"]
        ["kubectl.kubernetes.io/last-applied-configuration"]
        .as_str()
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .map(|v| field_set(&v, false));
    let force = force
        || last_applied.is_some_and(|la| {
            !conflicts.is_empty()
                && conflicts.iter().all(|c| {
                    new_set
                        .iter()
                        .any(|p| display(p) == c.field && la.contains(p))
                })
        });
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    let old_set = managed
        .iter()
        .find(|e| same_entry(e, manager, "Apply", sub))
        .map(|e| from_fields_v1(&e["fieldsV1"]))
        .unwrap_or_default();
    let mut merged = live.clone();
    merge(&mut merged, cfg, "");
    // Forced: the other managers lose what they conflicted on.
    if force {
        for e in managed.iter_mut() {
            if same_entry(e, manager, "Apply", sub) {
                continue;
            }
            let mut theirs = from_fields_v1(&e["fieldsV1"]);
            let before = theirs.len();
            theirs.retain(|p| !(new_set.contains(p) && at(live, p) != at(cfg, p)));
            if theirs.len() != before {
                e["fieldsV1"] = to_fields_v1(&theirs);
            }
        }
    }
    let others: BTreeSet<Path> = managed
        .iter()
        .filter(|e| !same_entry(e, manager, "Apply", sub))
        .flat_map(|e| from_fields_v1(&e["fieldsV1"]))
        .collect();
    // A dropped list item goes whole: its fields (its key among them) are not removed one by
    // one.
    let dropped: BTreeSet<&Path> = old_set
        .difference(&new_set)
        .filter(|p| !others.contains(*p))
        .collect();
    for p in &dropped {
        if (1..p.len()).any(|n| dropped.contains(&p[..n].to_vec())) {
            continue;
        }
        remove_at(&mut merged, p);
        // Maps and lists left empty go too, as structured-merge-diff drops them (top-level
        // fields stay).
        for n in (2..p.len()).rev() {
            let parent = &p[..n];
            let empty = match at(&merged, parent) {
                Some(Value::Object(m)) => m.is_empty(),
                Some(Value::Array(a)) => a.is_empty(),
                _ => false,
            };
            if !empty || others.contains(parent) {
                break;
            }
            remove_at(&mut merged, parent);
        }
    }
    let mine = entry(manager, "Apply", api_version, sub, &new_set, now);
    match managed
        .iter_mut()
        .find(|e| same_entry(e, manager, "Apply", sub))
    {
        Some(e) => {
            if from_fields_v1(&e["fieldsV1"]) != new_set {
                *e = mine;
            }
        }
        None => managed.push(mine),
    }
    managed.retain(|e| e["fieldsV1"].as_object().is_some_and(|m| !m.is_empty()));
    Ok((merged, Value::Array(managed)))
}

/// A non-apply write by `manager`: it takes the fields it changed, the others lose them.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    sub: Option<&str>,
    now: &str,
) {
    let with_status = sub == Some("status");
    let null = Value::Null;
    let old_obj = old.unwrap_or(&null);
    let new_set = field_set(new, with_status);
    let changed: BTreeSet<Path> = new_set
        .iter()
        .filter(|p| old.is_none() || at(old_obj, p) != at(new, p))
        .cloned()
        .collect();
    let mut managed = match old {
        Some(o) => entries(o),
        None => entries(new),
    };
    if changed.is_empty() && old.is_some() {
        store_managed(new, managed);
        return;
    }
    for e in managed.iter_mut() {
        if same_entry(e, manager, "Update", sub) {
            continue;
        }
        let mut theirs = from_fields_v1(&e["fieldsV1"]);
        let before = theirs.len();
        // Removed fields are no one's any more; changed ones are the writer's.
        theirs.retain(|p| !changed.contains(p) && at(new, p).is_some());
        if theirs.len() != before {
            e["fieldsV1"] = to_fields_v1(&theirs);
        }
    }
    match managed
        .iter_mut()
        .find(|e| same_entry(e, manager, "Update", sub))
    {
        Some(e) => {
            let mut mine = from_fields_v1(&e["fieldsV1"]);
            mine.extend(changed);
            mine.retain(|p| at(new, p).is_some());
            *e = entry(manager, "Update", api_version, sub, &mine, now);
        }
        None => managed.push(entry(manager, "Update", api_version, sub, &changed, now)),
    }
    managed.retain(|e| e["fieldsV1"].as_object().is_some_and(|m| !m.is_empty()));
    store_managed(new, managed);
}

fn store_managed(obj: &mut Value, managed: Vec<Value>) {
    if let Some(m) = obj["metadata"].as_object_mut() {
        if managed.is_empty() {
            m.remove("managedFields");
        } else {
            m.insert("managedFields".into(), Value::Array(managed));
        }
    }
}

/// `.spec.template.spec.containers[name="app"].image`, as conflicts name fields.
pub fn display(p: &[String]) -> String {
    let mut out = String::new();
    for seg in p {
        if let Some(f) = seg.strip_prefix("f:") {
            out.push('.');
            out.push_str(f);
        } else if let Some(k) = seg.strip_prefix("k:") {
            let m: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("[{}]", parts.join(",")));
        }
    }
    out
}

/// 409 for apply conflicts, worded as the server does.
pub fn conflict_error(conflicts: &[Conflict], api_version: &str) -> ApiError {
    let causes: Vec<status::Cause> = conflicts
        .iter()
        .map(|c| {
            status::Cause::new(
                "FieldManagerConflict",
                &c.field,
                &format!("conflict with \"{}\" using {api_version}", c.manager),
            )
        })
        .collect();
    let n = conflicts.len();
    let message = if n == 1 {
        format!(
            "Apply failed with 1 conflict: {}: {}",
            causes[0].message, causes[0].field
        )
    } else {
        let mut managers: Vec<&str> = conflicts.iter().map(|c| c.manager.as_str()).collect();
        managers.dedup();
        let lines: Vec<String> = causes.iter().map(|c| format!("- {}", c.field)).collect();
        format!(
            "Apply failed with {n} conflicts: conflicts with \"{}\" using {api_version}:\n{}",
            managers.join("\", \""),
            lines.join("\n")
        )
    };
    let mut e = status::failure(409, "Conflict", &message, None);
    e.body["details"] = json!({"causes": status::causes_json(&causes)});
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_v1_round_trips_with_item_markers() {
        let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "app", "image": "nginx", "ports": [{"containerPort": 80}]}]}}}});
        let set = field_set(&obj, false);
        let v1 = to_fields_v1(&set);
        let item = &v1["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"];
        assert_eq!(item["."], json!({}));
        assert_eq!(item["f:image"], json!({}));
        assert!(item["f:ports"]["k:{\"containerPort\":80,\"protocol\":\"TCP\"}"].is_object());
        assert_eq!(from_fields_v1(&v1), set);
        assert!(v1.get("f:apiVersion").is_none());
    }

    #[test]
    fn a_field_another_manager_set_differently_conflicts_until_forced() {
        let live =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"}});
        let (live, mf) = apply(
            &live,
            &json!({"spec": {"replicas": 3}}),
            "other",
            "apps/v1",
            false,
            None,
            "t",
        )
        .unwrap();
        let mut live = live;
        live["metadata"]["managedFields"] = mf;
        let err = apply(
            &live,
            &json!({"spec": {"replicas": 5}}),
            "me",
            "apps/v1",
            false,
            None,
            "t",
        )
        .unwrap_err();
        assert_eq!(err[0].field, ".spec.replicas");
        assert_eq!(err[0].manager, "other");
        // Same value: shared, no conflict.
        assert!(apply(
            &live,
            &json!({"spec": {"replicas": 3}}),
            "me",
            "apps/v1",
            false,
            None,
            "t"
        )
        .is_ok());
        let (merged, mf) = apply(
            &live,
            &json!({"spec": {"replicas": 5}}),
            "me",
            "apps/v1",
            true,
            None,
            "t",
        )
        .unwrap();
        assert_eq!(merged["spec"]["replicas"], 5);
        let managers: Vec<&str> = mf
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["manager"].as_str().unwrap())
            .collect();
        assert_eq!(managers, ["me"]);
    }

    #[test]
    fn a_list_item_a_manager_stops_applying_goes_and_others_items_stay() {
        let d = |env: Value| json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "x", "env": env}]}}}});
        let live =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"}});
        let two = d(json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]));
        let (mut live, mf) = apply(&live, &two, "me", "apps/v1", false, None, "t").unwrap();
        live["metadata"]["managedFields"] = mf;
        let sidecar = json!({"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "y"}]}}}});
        let (mut live, mf) = apply(&live, &sidecar, "other", "apps/v1", false, None, "t").unwrap();
        live["metadata"]["managedFields"] = mf;
        let (merged, _) = apply(
            &live,
            &d(json!([{"name": "A", "value": "1"}])),
            "me",
            "apps/v1",
            false,
            None,
            "t",
        )
        .unwrap();
        let containers = merged["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(containers.len(), 2, "the other manager's container stays");
        assert_eq!(containers[0]["env"], json!([{"name": "A", "value": "1"}]));
        live["metadata"]["managedFields"] = apply(&live, &two, "me", "apps/v1", false, None, "t")
            .unwrap()
            .1;
        let mut no_env = d(json!([]));
        no_env["spec"]["template"]["spec"]["containers"][0]
            .as_object_mut()
            .unwrap()
            .remove("env");
        let (merged, _) = apply(&live, &no_env, "me", "apps/v1", false, None, "t").unwrap();
        let app = &merged["spec"]["template"]["spec"]["containers"][0];
        assert!(app.get("env").is_none(), "an emptied list goes: {app}");
    }

    #[test]
    fn fields_a_manager_stops_applying_are_removed() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let (mut live, mf) = apply(
            &live,
            &json!({"data": {"a": "1", "b": "2"}}),
            "me",
            "v1",
            false,
            None,
            "t",
        )
        .unwrap();
        live["metadata"]["managedFields"] = mf;
        let (merged, _) = apply(
            &live,
            &json!({"data": {"a": "1"}}),
            "me",
            "v1",
            false,
            None,
            "t",
        )
        .unwrap();
        assert_eq!(merged["data"], json!({"a": "1"}));
    }
}
