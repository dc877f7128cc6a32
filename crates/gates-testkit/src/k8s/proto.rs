//! Protobuf request bodies, for the few kinds kubectl's typed commands create
//! (`kubectl create namespace|configmap|secret|serviceaccount`, `kubectl auth can-i`): the
//! `k8s\0` envelope and those messages' fields, decoded to the JSON the rest of the fake
//! works on.

use serde_json::{json, Map, Value};

use super::schema::base64;

/// One field of a message: number and raw value.
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

fn varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*i)?;
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn fields(b: &[u8]) -> Option<Vec<(u64, Wire<'_>)>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let key = varint(b, &mut i)?;
        let value = match key & 7 {
            0 => Wire::Varint(varint(b, &mut i)?),
            2 => {
                let len = usize::try_from(varint(b, &mut i)?).ok()?;
                let v = b.get(i..i.checked_add(len)?)?;
                i += len;
                Wire::Bytes(v)
            }
            1 => {
                i += 8;
                continue;
            }
            5 => {
                i += 4;
                continue;
            }
            _ => return None,
        };
        out.push((key >> 3, value));
    }
    Some(out)
}

fn text(b: &[u8]) -> Value {
    json!(String::from_utf8_lossy(b))
}

/// A `map<string, string>` (or bytes, base64-encoded as JSON carries them) entry into `m`.
fn map_entry(b: &[u8], m: &mut Map<String, Value>, bytes: bool) -> Option<()> {
    let (mut k, mut v) = (String::new(), Value::String(String::new()));
    for (n, w) in fields(b)? {
        match (n, w) {
            (1, Wire::Bytes(x)) => k = String::from_utf8_lossy(x).into_owned(),
            (2, Wire::Bytes(x)) if bytes => v = json!(base64(x)),
            (2, Wire::Bytes(x)) => v = text(x),
            _ => {}
        }
    }
    m.insert(k, v);
    Some(())
}

fn object_meta(b: &[u8]) -> Option<Value> {
    let mut m = Map::new();
    let (mut labels, mut annotations) = (Map::new(), Map::new());
    let mut finalizers = Vec::new();
    for (n, w) in fields(b)? {
        match (n, w) {
            (1, Wire::Bytes(x)) => {
                m.insert("name".into(), text(x));
            }
            (2, Wire::Bytes(x)) => {
                m.insert("generateName".into(), text(x));
            }
            (3, Wire::Bytes(x)) => {
                m.insert("namespace".into(), text(x));
            }
            (6, Wire::Bytes(x)) => {
                m.insert("resourceVersion".into(), text(x));
            }
            (11, Wire::Bytes(x)) => map_entry(x, &mut labels, false)?,
            (12, Wire::Bytes(x)) => map_entry(x, &mut annotations, false)?,
            (14, Wire::Bytes(x)) => finalizers.push(text(x)),
            _ => {}
        }
    }
    // Go writes unset strings as empty ones.
    m.retain(|_, v| v != "");
    if !labels.is_empty() {
        m.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        m.insert("annotations".into(), Value::Object(annotations));
    }
    if !finalizers.is_empty() {
        m.insert("finalizers".into(), Value::Array(finalizers));
    }
    Some(Value::Object(m))
}

/// Decode a `application/vnd.kubernetes.protobuf` body of a kind this module knows.
pub fn decode(body: &[u8]) -> Option<Value> {
    let envelope = body.strip_prefix(b"k8s\0")?;
    let (mut api_version, mut kind, mut raw) = (String::new(), String::new(), &[][..]);
    for (n, w) in fields(envelope)? {
        match (n, w) {
            (1, Wire::Bytes(tm)) => {
                for (tn, tw) in fields(tm)? {
                    if let Wire::Bytes(x) = tw {
                        let s = String::from_utf8_lossy(x).into_owned();
                        if tn == 1 {
                            api_version = s;
                        } else if tn == 2 {
                            kind = s;
                        }
                    }
                }
            }
            (2, Wire::Bytes(x)) => raw = x,
            _ => {}
        }
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    let (mut data, mut other_map) = (Map::new(), Map::new());
    for (n, w) in fields(raw)? {
        match (kind.as_str(), n, w) {
            (_, 1, Wire::Bytes(x)) => {
                obj.insert("metadata".into(), object_meta(x)?);
            }
            ("Namespace", 2, Wire::Bytes(x)) => {
                let finalizers: Vec<Value> = fields(x)?
                    .into_iter()
                    .filter_map(|(fnum, fw)| match (fnum, fw) {
                        (1, Wire::Bytes(f)) => Some(text(f)),
                        _ => None,
                    })
                    .collect();
                obj.insert("spec".into(), json!({"finalizers": finalizers}));
            }
            ("ConfigMap", 2, Wire::Bytes(x)) => map_entry(x, &mut data, false)?,
            ("ConfigMap", 3, Wire::Bytes(x)) => map_entry(x, &mut other_map, true)?,
            ("ConfigMap", 4, Wire::Varint(v)) | ("Secret", 5, Wire::Varint(v)) => {
                obj.insert("immutable".into(), json!(v != 0));
            }
            ("Secret", 2, Wire::Bytes(x)) => map_entry(x, &mut data, true)?,
            ("Secret", 3, Wire::Bytes(x)) if !x.is_empty() => {
                obj.insert("type".into(), text(x));
            }
            ("Secret", 4, Wire::Bytes(x)) => map_entry(x, &mut other_map, false)?,
            ("ServiceAccount", 3, Wire::Bytes(x)) => {
                let mut name = Value::Null;
                for (fnum, fw) in fields(x)? {
                    if let (1, Wire::Bytes(v)) = (fnum, fw) {
                        name = text(v);
                    }
                }
                let list = obj.entry("imagePullSecrets").or_insert_with(|| json!([]));
                if let Some(a) = list.as_array_mut() {
                    a.push(json!({"name": name}));
                }
            }
            ("SelfSubjectAccessReview", 2, Wire::Bytes(x)) => {
                let mut attrs = Map::new();
                for (fnum, fw) in fields(x)? {
                    if let (1, Wire::Bytes(ra)) = (fnum, fw) {
                        let names = [
                            "namespace",
                            "verb",
                            "group",
                            "version",
                            "resource",
                            "subresource",
                            "name",
                        ];
                        for (an, aw) in fields(ra)? {
                            let name = usize::try_from(an)
                                .ok()
                                .and_then(|i| names.get(i.checked_sub(1)?));
                            if let (Some(name), Wire::Bytes(v)) = (name, aw) {
                                attrs.insert((*name).to_string(), text(v));
                            }
                        }
                    }
                }
                obj.insert("spec".into(), json!({"resourceAttributes": attrs}));
            }
            ("ServiceAccount", 4, Wire::Varint(v)) => {
                obj.insert("automountServiceAccountToken".into(), json!(v != 0));
            }
            _ => {}
        }
    }
    if !data.is_empty() {
        obj.insert("data".into(), Value::Object(data));
    }
    if !other_map.is_empty() {
        let key = if kind == "Secret" {
            "stringData"
        } else {
            "binaryData"
        };
        obj.insert(key.into(), Value::Object(other_map));
    }
    Some(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(n: u64, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![(n << 3 | 2) as u8, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }

    #[test]
    fn a_namespace_and_a_secret_decode() {
        let meta = [
            field(1, b"prod"),
            field(11, &[field(1, b"team"), field(2, b"a")].concat()),
        ]
        .concat();
        let tm = [field(1, b"v1"), field(2, b"Namespace")].concat();
        let body = [b"k8s\0".to_vec(), field(1, &tm), field(2, &field(1, &meta))].concat();
        assert_eq!(
            decode(&body).unwrap(),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod", "labels": {"team": "a"}}})
        );
        let tm = [field(1, b"v1"), field(2, b"Secret")].concat();
        let raw = [
            field(1, &field(1, b"s")),
            field(2, &[field(1, b"k"), field(2, b"abc")].concat()),
            field(3, b"Opaque"),
        ]
        .concat();
        let body = [b"k8s\0".to_vec(), field(1, &tm), field(2, &raw)].concat();
        let s = decode(&body).unwrap();
        assert_eq!(s["data"]["k"], "YWJj");
        assert_eq!(s["type"], "Opaque");
        assert!(decode(b"{}").is_none());
    }
}
