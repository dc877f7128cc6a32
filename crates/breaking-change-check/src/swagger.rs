//! Swagger 2.0 normalised into the OpenAPI 3.0 shape the comparison reads, node by node so every
//! node keeps its source line: `definitions` become `components/schemas` (and `$ref`s follow),
//! `in: body` and `in: formData` parameters become a request body with the operation's
//! `consumes` media types, response `schema`s become content with its `produces` types, and a
//! parameter's or header's inline type becomes its `schema`.

use crate::spec::{Value, V};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keys of a 2.0 non-body parameter (or header) that describe its value, not the parameter.
const SCHEMA_KEYS: [&str; 17] = [
    "type",
    "format",
    "items",
    "collectionFormat",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

fn s(line: u32, text: &str) -> Value {
    Value {
        line,
        v: V::Str(text.to_string()),
    }
}

fn map(line: u32, m: Vec<(String, Value)>) -> Value {
    Value { line, v: V::Map(m) }
}

fn take(m: &mut Vec<(String, Value)>, key: &str) -> Option<Value> {
    let i = m.iter().position(|(k, _)| k == key)?;
    Some(m.remove(i).1)
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.map(|v| {
        v.items()
            .iter()
            .filter_map(|x| x.str().map(str::to_string))
            .collect()
    })
}

/// Rewrite 2.0 `$ref` targets to their 3.0 places, in every node.
pub fn rewrite_refs(v: &mut Value) {
    match &mut v.v {
        V::Map(m) => {
            for (k, c) in m.iter_mut() {
                if k == "$ref" {
                    if let V::Str(r) = &mut c.v {
                        for (from, to) in [
                            ("#/definitions/", "#/components/schemas/"),
                            ("#/parameters/", "#/components/parameters/"),
                            ("#/responses/", "#/components/responses/"),
                        ] {
                            if let Some(i) = r.find(from) {
                                r.replace_range(i..i + from.len(), to);
                            }
                        }
                    }
                } else if k == "x-nullable" {
                    k.replace_range(.., "nullable");
                } else {
                    rewrite_refs(c);
                }
            }
        }
        V::Seq(s) => s.iter_mut().for_each(rewrite_refs),
        V::Str(_) => {}
    }
}

/// Normalise a Swagger 2.0 document in place.
pub fn normalise(root: &mut Value) {
    let V::Map(top) = &mut root.v else { return };
    let consumes = strings(top.iter().find(|(k, _)| k == "consumes").map(|(_, v)| v))
        .unwrap_or_else(|| vec!["application/json".into()]);
    let produces = strings(top.iter().find(|(k, _)| k == "produces").map(|(_, v)| v))
        .unwrap_or_else(|| vec!["application/json".into()]);
    let shared_params = top
        .iter()
        .find(|(k, _)| k == "parameters")
        .map(|(_, v)| v.clone());
    // Components first, so operations can inline shared body parameters from the originals.
    let mut components = Vec::new();
    for (from, to) in [
        ("definitions", "schemas"),
        ("parameters", "parameters"),
        ("responses", "responses"),
    ] {
        if let Some(mut v) = take(top, from) {
            if to == "parameters" {
                if let V::Map(m) = &mut v.v {
                    for (_, p) in m.iter_mut() {
                        parameter_schema(p);
                    }
                }
            }
            if to == "responses" {
                if let V::Map(m) = &mut v.v {
                    for (_, r) in m.iter_mut() {
                        response(r, &produces);
                    }
                }
            }
            components.push((to.to_string(), v));
        }
    }
    if !components.is_empty() {
        let line = components[0].1.line;
        top.push(("components".into(), map(line, components)));
    }
    let line = root.line;
    let V::Map(top) = &mut root.v else { return };
    top.retain(|(k, _)| k != "swagger");
    top.insert(0, ("openapi".into(), s(line, "3.0.0")));
    if let Some((_, paths)) = top.iter_mut().find(|(k, _)| k == "paths") {
        if let V::Map(paths) = &mut paths.v {
            for (_, item) in paths.iter_mut() {
                path_item(item, &consumes, &produces, shared_params.as_ref());
            }
        }
    }
    rewrite_refs(root);
}

fn inline_shared<'a>(p: &'a Value, shared: Option<&'a Value>) -> &'a Value {
    match p.reference().and_then(|r| r.strip_prefix("#/parameters/")) {
        Some(name) => shared.and_then(|s| s.get(name)).unwrap_or(p),
        None => p,
    }
}

fn path_item(item: &mut Value, consumes: &[String], produces: &[String], shared: Option<&Value>) {
    let V::Map(m) = &mut item.v else { return };
    // Path-level body parameters go to every operation of the path.
    let mut common_body = Vec::new();
    if let Some((_, ps)) = m.iter_mut().find(|(k, _)| k == "parameters") {
        common_body = split_parameters(ps, shared);
    }
    for (k, op) in m.iter_mut() {
        if METHODS.contains(&k.as_str()) {
            operation(op, consumes, produces, shared, &common_body);
        }
    }
}

/// Remove body and formData parameters from `ps` (inlining shared ones) and return them; give
/// the others a `schema`.
fn split_parameters(ps: &mut Value, shared: Option<&Value>) -> Vec<Value> {
    let V::Seq(list) = &mut ps.v else {
        return Vec::new();
    };
    let mut body = Vec::new();
    let mut keep = Vec::new();
    for p in list.drain(..) {
        let resolved = inline_shared(&p, shared);
        if matches!(resolved.get_str("in"), Some("body" | "formData")) {
            let mut r = resolved.clone();
            r.line = p.line;
            body.push(r);
        } else {
            let mut p = p;
            parameter_schema(&mut p);
            keep.push(p);
        }
    }
    *list = keep;
    body
}

fn parameter_schema(p: &mut Value) {
    if matches!(p.get_str("in"), Some("body")) || p.reference().is_some() {
        return;
    }
    let line = p.line;
    let V::Map(m) = &mut p.v else { return };
    let mut schema = Vec::new();
    for key in SCHEMA_KEYS {
        if let Some(v) = take(m, key) {
            if key != "collectionFormat" {
                schema.push((key.to_string(), v));
            }
        }
    }
    if !schema.is_empty() {
        m.push(("schema".into(), map(line, schema)));
    }
}

fn operation(
    op: &mut Value,
    consumes: &[String],
    produces: &[String],
    shared: Option<&Value>,
    common_body: &[Value],
) {
    let line = op.line;
    let op_consumes = strings(op.get("consumes")).unwrap_or_else(|| consumes.to_vec());
    let op_produces = strings(op.get("produces")).unwrap_or_else(|| produces.to_vec());
    let V::Map(m) = &mut op.v else { return };
    let mut body: Vec<Value> = common_body.to_vec();
    if let Some((_, ps)) = m.iter_mut().find(|(k, _)| k == "parameters") {
        body.extend(split_parameters(ps, shared));
    }
    if let Some(b) = body.iter().find(|p| p.get_str("in") == Some("body")) {
        let schema = b
            .get("schema")
            .cloned()
            .unwrap_or_else(|| map(b.line, Vec::new()));
        let content = op_consumes
            .iter()
            .map(|mt| {
                (
                    mt.clone(),
                    map(b.line, vec![("schema".into(), schema.clone())]),
                )
            })
            .collect();
        let mut rb = vec![("content".into(), map(b.line, content))];
        if b.flag("required") {
            rb.push(("required".into(), s(b.line, "true")));
        }
        m.push(("requestBody".into(), map(b.line, rb)));
    } else if !body.is_empty() {
        // formData: one object schema whose properties are the form fields.
        let bl = body[0].line;
        let mut props = Vec::new();
        let mut required = Vec::new();
        for f in &body {
            let Some(name) = f.get_str("name") else {
                continue;
            };
            let mut f2 = f.clone();
            parameter_schema(&mut f2);
            let mut sch = f2
                .get("schema")
                .cloned()
                .unwrap_or_else(|| map(f.line, Vec::new()));
            if f.get_str("type") == Some("file") {
                sch = map(
                    f.line,
                    vec![
                        ("type".into(), s(f.line, "string")),
                        ("format".into(), s(f.line, "binary")),
                    ],
                );
            }
            sch.line = f.line;
            if f.flag("required") {
                required.push(s(f.line, name));
            }
            props.push((name.to_string(), sch));
        }
        let mut schema = vec![
            ("type".into(), s(bl, "object")),
            ("properties".into(), map(bl, props)),
        ];
        if !required.is_empty() {
            schema.push((
                "required".into(),
                Value {
                    line: bl,
                    v: V::Seq(required),
                },
            ));
        }
        let form: Vec<String> = op_consumes
            .iter()
            .filter(|c| {
                c.starts_with("multipart/") || c.as_str() == "application/x-www-form-urlencoded"
            })
            .cloned()
            .collect();
        let form = if form.is_empty() {
            vec!["application/x-www-form-urlencoded".to_string()]
        } else {
            form
        };
        let content = form
            .iter()
            .map(|mt| {
                (
                    mt.clone(),
                    map(bl, vec![("schema".into(), map(bl, schema.clone()))]),
                )
            })
            .collect();
        m.push((
            "requestBody".into(),
            map(bl, vec![("content".into(), map(bl, content))]),
        ));
    }
    m.retain(|(k, _)| k != "consumes" && k != "produces");
    if let Some((_, rs)) = m.iter_mut().find(|(k, _)| k == "responses") {
        if let V::Map(rs) = &mut rs.v {
            for (_, r) in rs.iter_mut() {
                response(r, &op_produces);
            }
        }
    }
    let _ = line;
}

fn response(r: &mut Value, produces: &[String]) {
    let V::Map(m) = &mut r.v else { return };
    if let Some(schema) = take(m, "schema") {
        let line = schema.line;
        let content = produces
            .iter()
            .map(|mt| {
                (
                    mt.clone(),
                    map(line, vec![("schema".into(), schema.clone())]),
                )
            })
            .collect();
        m.push(("content".into(), map(line, content)));
    }
    if let Some((_, hs)) = m.iter_mut().find(|(k, _)| k == "headers") {
        if let V::Map(hs) = &mut hs.v {
            for (_, h) in hs.iter_mut() {
                parameter_schema(h);
            }
        }
    }
}
