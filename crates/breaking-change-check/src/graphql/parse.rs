//! GraphQL SDL into the [`Schema`] model through apollo-compiler: every file is parsed into one
//! schema (so a type defined in one file may be extended in another), then validated; the first
//! syntax or validation error (duplicate field, unknown type, …) is an [`InputError`] naming
//! its file, line and column.

use apollo_compiler::ast;
use std::collections::HashMap;

use apollo_compiler::parser::{FileId, SourceSpan};
use apollo_compiler::schema::{self, ExtendedType};
use gates_core::InputError;

use super::{
    is_builtin_directive, is_builtin_type, Directive, EnumValue, Field, InputValue, Kind, Loc,
    Schema, Type, TypeRef, Usage, DEFAULT_DEPRECATION,
};

const ONE_OF: &str = "directive @oneOf on INPUT_OBJECT\n";

/// Parse and validate the SDL `files` (path, text) as one schema.
pub fn load(files: &[(String, String)]) -> Result<Schema, InputError> {
    let mut builder = apollo_compiler::Schema::builder().adopt_orphan_extensions();
    for (path, text) in files {
        builder = builder.parse(text.as_str(), path);
    }
    // graphql-js (and so graphql-inspector) knows `@oneOf` as built in; apollo-compiler 1.x
    // does not yet, so it is defined here unless a file defines it.
    let defines = |t: &str| t.contains("directive @oneOf");
    if files.iter().any(|(_, t)| t.contains("@oneOf")) && !files.iter().any(|(_, t)| defines(t)) {
        builder = builder.parse(ONE_OF, "(built-in @oneOf)");
    }
    let built = builder.build().map_err(|e| first_error(&e.errors))?;
    let valid = built.validate().map_err(|e| first_error(&e.errors))?;
    let s: &apollo_compiler::Schema = &valid;
    let paths: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
    let cx = Cx {
        files: s
            .sources
            .iter()
            .map(|(id, f)| {
                let p = f.path().to_string_lossy();
                let index = paths.iter().position(|q| *q == p).unwrap_or(0);
                (*id, (index, line_starts(f.source_text())))
            })
            .collect(),
    };
    let mut out = Schema {
        files: paths.clone(),
        ..Schema::default()
    };
    for (name, d) in &s.directive_definitions {
        if is_builtin_directive(name) {
            continue;
        }
        out.directives.insert(
            name.to_string(),
            Directive {
                name: name.to_string(),
                description: d.description.as_ref().map(|x| x.to_string()),
                repeatable: d.repeatable,
                locations: d.locations.iter().map(|l| l.name().to_string()).collect(),
                args: d.arguments.iter().map(|a| cx.input(a)).collect(),
                at: cx.loc(d.location()),
            },
        );
    }
    let def = &s.schema_definition;
    out.query = def.query.as_ref().map(|n| n.name.to_string());
    out.mutation = def.mutation.as_ref().map(|n| n.name.to_string());
    out.subscription = def.subscription.as_ref().map(|n| n.name.to_string());
    out.schema_directives = def.directives.iter().map(|d| usage(d)).collect();
    for (name, ty) in &s.types {
        if is_builtin_type(name) {
            continue;
        }
        let mut t = Type {
            name: name.to_string(),
            kind: Kind::Scalar,
            description: ty.description().map(|d| d.to_string()),
            fields: Vec::new(),
            interfaces: Vec::new(),
            members: Vec::new(),
            values: Vec::new(),
            inputs: Vec::new(),
            directives: ty.directives().iter().map(|d| usage(d)).collect(),
            at: cx.loc(ty.location()),
        };
        match ty {
            ExtendedType::Scalar(_) => {}
            ExtendedType::Object(o) => {
                t.kind = Kind::Object;
                t.interfaces = o
                    .implements_interfaces
                    .iter()
                    .map(|i| i.name.to_string())
                    .collect();
                t.fields = o.fields.values().map(|f| cx.field(f)).collect();
            }
            ExtendedType::Interface(o) => {
                t.kind = Kind::Interface;
                t.interfaces = o
                    .implements_interfaces
                    .iter()
                    .map(|i| i.name.to_string())
                    .collect();
                t.fields = o.fields.values().map(|f| cx.field(f)).collect();
            }
            ExtendedType::Union(u) => {
                t.kind = Kind::Union;
                t.members = u.members.iter().map(|m| m.name.to_string()).collect();
            }
            ExtendedType::Enum(e) => {
                t.kind = Kind::Enum;
                t.values = e
                    .values
                    .values()
                    .map(|v| EnumValue {
                        name: v.value.to_string(),
                        description: v.description.as_ref().map(|d| d.to_string()),
                        deprecated: deprecation(&v.directives),
                        directives: v.directives.iter().map(|d| usage(d)).collect(),
                        at: cx.loc(v.location()),
                    })
                    .collect();
            }
            ExtendedType::InputObject(i) => {
                t.kind = Kind::InputObject;
                t.inputs = i.fields.values().map(|f| cx.input(f)).collect();
            }
        }
        out.types.insert(t.name.clone(), t);
    }
    // The compiler's schema (GitHub's: some hundred thousand nodes) is freed beside the
    // comparison rather than before it.
    gates_core::drop_in_background(valid);
    Ok(out)
}

/// The first diagnostic as an input error at its file, line and column.
fn first_error(errors: &apollo_compiler::validation::DiagnosticList) -> InputError {
    use apollo_compiler::diagnostic::ToCliReport;
    let Some(d) = errors.iter().next() else {
        return InputError::new("(schema)", "invalid GraphQL schema", "fix the schema");
    };
    let file = d
        .error
        .location()
        .and_then(|at| d.sources.get(&at.file_id()))
        .map(|f| f.path().to_string_lossy().into_owned())
        .unwrap_or_else(|| "(schema)".into());
    let err = InputError::new(
        &file,
        format!("invalid GraphQL SDL: {}", d.error),
        "fix the schema (a GraphQL server would refuse it too)",
    );
    match d.line_column_range() {
        Some(r) => err.at(r.start.line as u64, Some(r.start.column as u64)),
        None => err,
    }
}

/// The byte offset each line of `text` starts at. GraphQL ends a line with `\n`, `\r\n` or `\r`.
fn line_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0];
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    starts
}

struct Cx {
    /// Per source file: its index in the schema's files and where its lines start (the
    /// compiler's own line lookup builds a heavier index than a line number needs).
    files: HashMap<FileId, (usize, Vec<usize>)>,
}

impl Cx {
    fn loc(&self, span: Option<SourceSpan>) -> Loc {
        let Some(span) = span else {
            return Loc { file: 0, line: 1 };
        };
        let Some((file, starts)) = self.files.get(&span.file_id()) else {
            return Loc { file: 0, line: 1 };
        };
        // How many lines start at or before the offset: its 1-based line.
        let line = starts.partition_point(|&s| s <= span.offset()) as u32;
        Loc { file: *file, line }
    }

    fn field(&self, f: &schema::Component<ast::FieldDefinition>) -> Field {
        Field {
            name: f.name.to_string(),
            description: f.description.as_ref().map(|d| d.to_string()),
            ty: type_ref(&f.ty),
            args: f.arguments.iter().map(|a| self.input(a)).collect(),
            deprecated: deprecation(&f.directives),
            directives: f.directives.iter().map(|d| usage(d)).collect(),
            at: self.loc(f.location()),
        }
    }

    fn input(&self, a: &ast::InputValueDefinition) -> InputValue {
        InputValue {
            name: a.name.to_string(),
            description: a.description.as_ref().map(|d| d.to_string()),
            ty: type_ref(&a.ty),
            default: a.default_value.as_ref().map(|v| v.to_string()),
            deprecated: deprecation(&a.directives),
            directives: a.directives.iter().map(|d| usage(d)).collect(),
            at: self.loc(a.name.location()),
        }
    }
}

/// The deprecation reason when `@deprecated` is applied (graphql-js's default when it has
/// no `reason`).
fn deprecation(list: &ast::DirectiveList) -> Option<String> {
    let d = list.get("deprecated")?;
    Some(match d.specified_argument_by_name("reason").map(|v| &**v) {
        Some(ast::Value::String(s)) => s.to_string(),
        _ => DEFAULT_DEPRECATION.to_string(),
    })
}

fn usage(d: &ast::Directive) -> Usage {
    Usage {
        name: d.name.to_string(),
        args: d
            .arguments
            .iter()
            .map(|a| (a.name.to_string(), a.value.to_string()))
            .collect(),
    }
}

/// The model's type reference for an apollo type.
pub fn type_ref(t: &ast::Type) -> TypeRef {
    match t {
        ast::Type::Named(n) => TypeRef::Named(n.to_string()),
        ast::Type::NonNullNamed(n) => TypeRef::NonNull(Box::new(TypeRef::Named(n.to_string()))),
        ast::Type::List(t) => TypeRef::List(Box::new(type_ref(t))),
        ast::Type::NonNullList(t) => {
            TypeRef::NonNull(Box::new(TypeRef::List(Box::new(type_ref(t)))))
        }
    }
}

#[cfg(test)]
mod tests {
    /// Lines end at `\n`, `\r\n` and a lone `\r`, as GraphQL says; a removed field is reported
    /// on its type's line in head, whichever ending the file uses.
    #[test]
    fn lines_are_counted_with_every_graphql_line_ending() {
        assert_eq!(super::line_starts("a\nb\r\nc\rd"), [0, 2, 5, 7]);
        for nl in ["\n", "\r\n", "\r"] {
            let base = [
                "type Query {",
                "  a: Int",
                "}",
                "type T {",
                "  x: Int",
                "  y: Int",
                "}",
            ]
            .join(nl);
            let head = base.replace(&format!("{nl}  y: Int"), "");
            let load = |t: &str| super::load(&[("s.graphql".into(), t.to_string())]).unwrap();
            let changes = super::super::diff::compare(&load(&base), &load(&head), "2026-01-01");
            let lines: Vec<(&str, u32)> = changes
                .iter()
                .map(|c| (c.coordinate.as_str(), c.at.line))
                .collect();
            assert_eq!(lines, [("T.y", 4)], "{nl:?}");
        }
    }
}
