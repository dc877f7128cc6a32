//! An introspection result (`{"__schema": …}` or `{"data": {"__schema": …}}`, what
//! `graphql-inspector introspect` and every GraphQL server's introspection query give) into the
//! [`Schema`] model, read with the line-keeping JSON parser so findings carry lines. An
//! introspection result carries no applied directives other than deprecation, so directive
//! usages are compared only between SDL schemas.

use gates_core::InputError;

use super::{
    is_builtin_directive, is_builtin_type, Directive, EnumValue, Field, InputValue, Kind, Loc,
    Schema, Type, TypeRef,
};
use crate::spec::{self, Value};

/// How deep `ofType` may nest (`[[[T!]!]!]!` is 8).
const MAX_TYPE_DEPTH: usize = 32;

/// Read the introspection result `text` of `path`.
pub fn load(path: &str, text: &str) -> Result<Schema, InputError> {
    let root = spec::parse(path, text)?;
    let s = root
        .get("__schema")
        .or_else(|| root.get("data").and_then(|d| d.get("__schema")))
        .ok_or_else(|| bad(path, &root, "no `__schema` member"))?;
    let mut out = Schema {
        files: vec![path.to_string()],
        ..Schema::default()
    };
    let root_name = |k: &str| s.get(k).and_then(|t| text_of(t.get("name")));
    out.query = root_name("queryType");
    out.mutation = root_name("mutationType");
    out.subscription = root_name("subscriptionType");
    for t in s.get("types").map(Value::items).unwrap_or(&[]) {
        let name = text_of(t.get("name")).ok_or_else(|| bad(path, t, "a type has no name"))?;
        if is_builtin_type(&name) {
            continue;
        }
        let kind = match t.get_str("kind") {
            Some("SCALAR") => Kind::Scalar,
            Some("OBJECT") => Kind::Object,
            Some("INTERFACE") => Kind::Interface,
            Some("UNION") => Kind::Union,
            Some("ENUM") => Kind::Enum,
            Some("INPUT_OBJECT") => Kind::InputObject,
            other => {
                return Err(bad(
                    path,
                    t,
                    &format!("type {name} has kind {other:?}, not a named type's kind"),
                ))
            }
        };
        let names = |k: &str| -> Vec<String> {
            t.get(k)
                .map(Value::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(|i| text_of(i.get("name")))
                .collect()
        };
        let mut fields = Vec::new();
        for f in t.get("fields").map(Value::items).unwrap_or(&[]) {
            fields.push(Field {
                name: text_of(f.get("name")).ok_or_else(|| bad(path, f, "a field has no name"))?,
                description: text_of(f.get("description")),
                ty: type_ref(path, f.get("type"), 0)?,
                args: inputs(path, f.get("args"))?,
                deprecated: deprecation(f),
                directives: Vec::new(),
                at: at(f),
            });
        }
        let values = t
            .get("enumValues")
            .map(Value::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(|v| {
                Some(EnumValue {
                    name: text_of(v.get("name"))?,
                    description: text_of(v.get("description")),
                    deprecated: deprecation(v),
                    directives: Vec::new(),
                    at: at(v),
                })
            })
            .collect();
        out.types.insert(
            name.clone(),
            Type {
                name,
                kind,
                description: text_of(t.get("description")),
                fields,
                interfaces: names("interfaces"),
                members: names("possibleTypes"),
                values,
                inputs: inputs(path, t.get("inputFields"))?,
                directives: Vec::new(),
                at: at(t),
            },
        );
    }
    for d in s.get("directives").map(Value::items).unwrap_or(&[]) {
        let name = text_of(d.get("name")).ok_or_else(|| bad(path, d, "a directive has no name"))?;
        if is_builtin_directive(&name) {
            continue;
        }
        out.directives.insert(
            name.clone(),
            Directive {
                name,
                description: text_of(d.get("description")),
                repeatable: d.flag("isRepeatable"),
                locations: d
                    .get("locations")
                    .map(Value::items)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|l| l.str().map(str::to_string))
                    .collect(),
                args: inputs(path, d.get("args"))?,
                at: at(d),
            },
        );
    }
    Ok(out)
}

fn at(v: &Value) -> Loc {
    Loc {
        file: 0,
        line: v.line,
    }
}

/// A string member, JSON `null` being none.
fn text_of(v: Option<&Value>) -> Option<String> {
    match v?.str()? {
        "null" => None,
        s => Some(s.to_string()),
    }
}

fn deprecation(v: &Value) -> Option<String> {
    v.flag("isDeprecated").then(|| {
        text_of(v.get("deprecationReason")).unwrap_or_else(|| super::DEFAULT_DEPRECATION.into())
    })
}

fn inputs(path: &str, list: Option<&Value>) -> Result<Vec<InputValue>, InputError> {
    let mut out = Vec::new();
    for a in list.map(Value::items).unwrap_or(&[]) {
        out.push(InputValue {
            name: text_of(a.get("name")).ok_or_else(|| bad(path, a, "an argument has no name"))?,
            description: text_of(a.get("description")),
            ty: type_ref(path, a.get("type"), 0)?,
            default: text_of(a.get("defaultValue")).map(|d| canonical_value(&d)),
            deprecated: deprecation(a),
            directives: Vec::new(),
            at: at(a),
        });
    }
    Ok(out)
}

fn type_ref(path: &str, v: Option<&Value>, depth: usize) -> Result<TypeRef, InputError> {
    let Some(v) = v else {
        return Err(InputError::new(
            path,
            "a field or argument has no `type`",
            "give the full introspection result (the standard introspection query)",
        ));
    };
    if depth > MAX_TYPE_DEPTH {
        return Err(bad(path, v, "a type reference nests too deep"));
    }
    let of = || type_ref(path, v.get("ofType"), depth + 1).map(Box::new);
    match v.get_str("kind") {
        Some("NON_NULL") => Ok(TypeRef::NonNull(of()?)),
        Some("LIST") => Ok(TypeRef::List(of()?)),
        _ => text_of(v.get("name"))
            .map(TypeRef::Named)
            .ok_or_else(|| bad(path, v, "a type reference has no name")),
    }
}

/// A default value as graphql-js prints it, re-printed the way the SDL loader prints values,
/// so an SDL base and an introspection head compare equal when they mean the same.
fn canonical_value(text: &str) -> String {
    let doc = format!("scalar S @d(v: {text})");
    apollo_compiler::ast::Document::parse(doc, "value.graphql")
        .ok()
        .and_then(|d| {
            d.definitions.iter().find_map(|def| match def {
                apollo_compiler::ast::Definition::ScalarTypeDefinition(s) => s
                    .directives
                    .first()
                    .and_then(|d| d.arguments.first())
                    .map(|a| a.value.to_string()),
                _ => None,
            })
        })
        .unwrap_or_else(|| text.to_string())
}

fn bad(path: &str, v: &Value, what: &str) -> InputError {
    InputError::new(
        path,
        format!("not an introspection result: {what}"),
        "give the JSON of the standard introspection query (`{\"__schema\": …}` or `{\"data\": {\"__schema\": …}}`)",
    )
    .at(v.line as u64, None)
}
