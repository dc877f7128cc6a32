//! JSON merge patch (RFC 7386), strategic merge patch (lists of containers, env, ports,
//! volumes merged by key) and JSON patch (RFC 6902).

use serde_json::{Map, Value};

/// RFC 7386.
pub fn merge(target: &Value, patch: &Value) -> Value {
    match patch {
        Value::Object(p) => {
            let mut t = target.as_object().cloned().unwrap_or_default();
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    let merged = merge(t.get(k).unwrap_or(&Value::Null), v);
                    t.insert(k.clone(), merged);
                }
            }
            Value::Object(t)
        }
        other => other.clone(),
    }
}

/// The key a strategic merge patch merges a list by (one field, as Kubernetes' struct tags
/// declare).
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    // Server-side apply's list-map keys; a strategic merge patch uses the first of them.
    let first = items.iter().find(|i| i.is_object())?;
    super::apply::list_keys(field, first).map(|keys| keys[0])
}

/// Strategic merge patch: a merge patch whose keyed lists merge item by item; `$patch:
/// replace|delete` and `$setElementOrder`/`$retainKeys`/`$deleteFromPrimitiveList`
/// directives are understood or ignored.
pub fn strategic(target: &Value, patch: &Value) -> Value {
    smp(target, patch, "")
}

fn smp(target: &Value, patch: &Value, _field: &str) -> Value {
    let Value::Object(p) = patch else {
        return patch.clone();
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut p = p.clone();
        p.remove("$patch");
        return Value::Object(p);
    }
    let mut t: Map<String, Value> = target.as_object().cloned().unwrap_or_default();
    for (k, v) in p {
        if let Some(list) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(cur)), Value::Array(del)) = (t.get_mut(list), v) {
                cur.retain(|x| !del.contains(x));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        match v {
            Value::Null => {
                t.remove(k);
            }
            Value::Array(items) => {
                let cur = t.get(k).and_then(Value::as_array).cloned();
                let merged = match (merge_key(k, items), cur) {
                    (Some(key), Some(cur)) => merge_list(&cur, items, key, k),
                    (Some(key), None) => merge_list(&[], items, key, k),
                    (None, _) => Value::Array(items.clone()),
                };
                t.insert(k.clone(), merged);
            }
            Value::Object(_) => {
                if v.get("$patch").and_then(Value::as_str) == Some("delete") {
                    t.remove(k);
                    continue;
                }
                let merged = smp(t.get(k).unwrap_or(&Value::Null), v, k);
                t.insert(k.clone(), merged);
            }
            other => {
                t.insert(k.clone(), other.clone());
            }
        }
    }
    Value::Object(t)
}

fn merge_list(cur: &[Value], patch: &[Value], key: &str, field: &str) -> Value {
    let mut out: Vec<Value> = cur.to_vec();
    for item in patch {
        let id = &item[key];
        let pos = out.iter().position(|c| c[key] == *id);
        let directive = item.get("$patch").and_then(Value::as_str);
        match (pos, directive) {
            (Some(i), Some("delete")) => {
                out.remove(i);
            }
            (None, Some("delete")) => {}
            (Some(i), _) => out[i] = smp(&out[i], item, field),
            (None, _) => out.push(smp(&Value::Null, item, field)),
        }
    }
    Value::Array(out)
}

/// RFC 6902.
pub fn json_patch(target: &Value, ops: &Value) -> Result<Value, String> {
    let mut doc = target.clone();
    let ops = ops
        .as_array()
        .ok_or("a JSON patch is an array of operations")?;
    for op in ops {
        let path = op["path"].as_str().ok_or("an operation needs a path")?;
        match op["op"].as_str().unwrap_or_default() {
            "add" => add(&mut doc, path, op["value"].clone())?,
            "remove" => {
                remove(&mut doc, path)?;
            }
            "replace" => {
                remove(&mut doc, path)?;
                add(&mut doc, path, op["value"].clone())?;
            }
            "move" => {
                let from = op["from"].as_str().ok_or("move needs from")?;
                let v = remove(&mut doc, from)?;
                add(&mut doc, path, v)?;
            }
            "copy" => {
                let from = op["from"].as_str().ok_or("copy needs from")?;
                let v = doc
                    .pointer(from)
                    .cloned()
                    .ok_or(format!("missing path {from}"))?;
                add(&mut doc, path, v)?;
            }
            "test" => {
                if doc.pointer(path) != Some(&op["value"]) {
                    return Err(format!("test failed at {path}"));
                }
            }
            other => return Err(format!("unknown operation {other:?}")),
        }
    }
    Ok(doc)
}

fn split(path: &str) -> Result<(String, String), String> {
    let (parent, last) = path
        .rsplit_once('/')
        .ok_or(format!("invalid path {path:?}"))?;
    Ok((
        parent.to_string(),
        last.replace("~1", "/").replace("~0", "~"),
    ))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = split(path)?;
    match doc.pointer_mut(&parent) {
        Some(Value::Object(m)) => {
            m.insert(last, value);
            Ok(())
        }
        Some(Value::Array(a)) => {
            let i = if last == "-" {
                a.len()
            } else {
                last.parse::<usize>()
                    .map_err(|_| format!("bad index {last}"))?
            };
            if i > a.len() {
                return Err(format!("index {i} out of range"));
            }
            a.insert(i, value);
            Ok(())
        }
        _ => Err(format!("doc is missing path: {path:?}")),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, last) = split(path)?;
    match doc.pointer_mut(&parent) {
        Some(Value::Object(m)) => m
            .remove(&last)
            .ok_or(format!("doc is missing key: {path:?}")),
        Some(Value::Array(a)) => {
            let i = last
                .parse::<usize>()
                .map_err(|_| format!("bad index {last}"))?;
            if i >= a.len() {
                return Err(format!("index {i} out of range"));
            }
            Ok(a.remove(i))
        }
        _ => Err(format!("doc is missing path: {path:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_merges_containers_env_and_ports_by_key() {
        let live = json!({"spec": {"containers": [
            {"name": "a", "image": "x:1", "env": [{"name": "K", "value": "1"}], "ports": [{"containerPort": 80}]},
            {"name": "b", "image": "y:1"}]}});
        let p = json!({"spec": {"containers": [
            {"name": "a", "image": "x:2", "env": [{"name": "L", "value": "2"}], "ports": [{"containerPort": 80, "name": "http"}]},
            {"name": "b", "$patch": "delete"}], "$setElementOrder/containers": [{"name": "a"}]}});
        let out = strategic(&live, &p);
        assert_eq!(out["spec"]["containers"].as_array().unwrap().len(), 1);
        let a = &out["spec"]["containers"][0];
        assert_eq!(a["image"], "x:2");
        assert_eq!(a["env"].as_array().unwrap().len(), 2);
        assert_eq!(a["ports"], json!([{"containerPort": 80, "name": "http"}]));
        // A merge patch replaces the list.
        let m = merge(&live, &json!({"spec": {"containers": [{"name": "c"}]}}));
        assert_eq!(m["spec"]["containers"], json!([{"name": "c"}]));
    }

    #[test]
    fn json_patch_follows_rfc_6902() {
        let doc = json!({"a": [1, 2], "b": {"c": 1}});
        let ops = json!([{"op": "add", "path": "/a/-", "value": 3}, {"op": "remove", "path": "/b/c"},
            {"op": "replace", "path": "/a/0", "value": 0}, {"op": "test", "path": "/a/2", "value": 3}]);
        assert_eq!(
            json_patch(&doc, &ops).unwrap(),
            json!({"a": [0, 2, 3], "b": {}})
        );
        assert!(json_patch(&doc, &json!([{"op": "test", "path": "/a/0", "value": 9}])).is_err());
        assert!(json_patch(&doc, &json!([{"op": "remove", "path": "/nope"}])).is_err());
    }
}
