//! GraphQL schemas: SDL (one or several files, `extend` merged) and introspection JSON, read
//! into one model ([`Schema`]) and compared by graphql-inspector's change types and criticality
//! ([`diff`]). Every model item keeps the file and line it was defined at, so a finding points
//! at the head schema's line.

pub mod diff;
pub mod introspection;
pub mod parse;

use std::collections::BTreeMap;
use std::fmt;

use gates_core::InputError;

/// A place in one of the schema's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    /// Index into [`Schema::files`].
    pub file: usize,
    /// 1-based line.
    pub line: u32,
}

/// A type reference: `String`, `[ID!]!`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A named type.
    Named(String),
    /// `[T]`.
    List(Box<TypeRef>),
    /// `T!`.
    NonNull(Box<TypeRef>),
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::Named(n) => f.write_str(n),
            TypeRef::List(t) => write!(f, "[{t}]"),
            TypeRef::NonNull(t) => write!(f, "{t}!"),
        }
    }
}

impl TypeRef {
    /// True for `T!`.
    pub fn non_null(&self) -> bool {
        matches!(self, TypeRef::NonNull(_))
    }
}

/// One directive applied somewhere (`@deprecated(reason: "…")`), its arguments as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// Directive name without `@`.
    pub name: String,
    /// Arguments as written, values printed in canonical GraphQL syntax.
    pub args: Vec<(String, String)>,
}

/// An argument or an input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputValue {
    /// Its name.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Its type.
    pub ty: TypeRef,
    /// Default value printed in canonical GraphQL syntax.
    pub default: Option<String>,
    /// Deprecation reason when deprecated.
    pub deprecated: Option<String>,
    /// Directives applied to it.
    pub directives: Vec<Usage>,
    /// Where it is defined.
    pub at: Loc,
}

/// A field of an object or interface type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Its type.
    pub ty: TypeRef,
    /// Its arguments.
    pub args: Vec<InputValue>,
    /// Deprecation reason when deprecated (`No longer supported` when none is given).
    pub deprecated: Option<String>,
    /// Directives applied to it.
    pub directives: Vec<Usage>,
    /// Where it is defined.
    pub at: Loc,
}

/// A value of an enum type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// Its name.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// Deprecation reason when deprecated.
    pub deprecated: Option<String>,
    /// Directives applied to it.
    pub directives: Vec<Usage>,
    /// Where it is defined.
    pub at: Loc,
}

/// The kind of a named type, as graphql-inspector names it in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `scalar`.
    Scalar,
    /// `type`.
    Object,
    /// `interface`.
    Interface,
    /// `union`.
    Union,
    /// `enum`.
    Enum,
    /// `input`.
    InputObject,
}

impl Kind {
    /// The introspection name (`OBJECT`, `INPUT_OBJECT`, …).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Scalar => "SCALAR",
            Kind::Object => "OBJECT",
            Kind::Interface => "INTERFACE",
            Kind::Union => "UNION",
            Kind::Enum => "ENUM",
            Kind::InputObject => "INPUT_OBJECT",
        }
    }
}

/// A named type. Only the members of its kind are filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// Description, if any.
    pub description: Option<String>,
    /// Fields of an object or interface.
    pub fields: Vec<Field>,
    /// Interfaces an object or interface implements.
    pub interfaces: Vec<String>,
    /// Members of a union.
    pub members: Vec<String>,
    /// Values of an enum.
    pub values: Vec<EnumValue>,
    /// Fields of an input object.
    pub inputs: Vec<InputValue>,
    /// Directives applied to the type.
    pub directives: Vec<Usage>,
    /// Where it is defined.
    pub at: Loc,
}

/// A directive definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Its name without `@`.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// `repeatable`.
    pub repeatable: bool,
    /// Locations (`FIELD_DEFINITION`, …).
    pub locations: Vec<String>,
    /// Its arguments.
    pub args: Vec<InputValue>,
    /// Where it is defined.
    pub at: Loc,
}

/// A whole schema, built-in scalars, introspection types and built-in directives left out
/// (graphql-inspector compares neither).
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// The files it was read from, as findings name them.
    pub files: Vec<String>,
    /// Named types by name.
    pub types: BTreeMap<String, Type>,
    /// Directive definitions by name.
    pub directives: BTreeMap<String, Directive>,
    /// Root operation types.
    pub query: Option<String>,
    /// The mutation root, if any.
    pub mutation: Option<String>,
    /// The subscription root, if any.
    pub subscription: Option<String>,
    /// Directives applied to the `schema` definition.
    pub schema_directives: Vec<Usage>,
}

/// The reason graphql-js gives a `@deprecated` without one.
pub const DEFAULT_DEPRECATION: &str = "No longer supported";

/// Built-in scalars: not compared.
pub fn is_builtin_type(name: &str) -> bool {
    matches!(name, "String" | "Int" | "Float" | "Boolean" | "ID") || name.starts_with("__")
}

/// Directives every schema has (graphql-js `specifiedDirectives`): not compared.
pub fn is_builtin_directive(name: &str) -> bool {
    matches!(
        name,
        "skip" | "include" | "deprecated" | "specifiedBy" | "oneOf"
    )
}

/// What a spec file holds, judged from its name and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GraphQL SDL (`.graphql`, `.gql`, `.graphqls`).
    Sdl,
    /// An introspection result (`{"__schema": …}` or `{"data": {"__schema": …}}`).
    Introspection,
    /// Not GraphQL (OpenAPI or Swagger).
    Other,
}

/// Recognise a GraphQL file: SDL by extension, introspection JSON by its `__schema` member.
pub fn format_of(path: &str, text: &str) -> Format {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".graphql") || lower.ends_with(".gql") || lower.ends_with(".graphqls") {
        return Format::Sdl;
    }
    let t = text.trim_start();
    if t.starts_with('{') {
        // Only the head of the document: `__schema` is the first member of an introspection
        // result (or of its `data`), and OpenAPI documents never have one.
        let head: String = t.chars().take(256).collect();
        if head.contains("\"__schema\"") {
            return Format::Introspection;
        }
    }
    Format::Other
}

/// Load one schema from its files (several SDL files merge into one; an introspection
/// result stands alone).
pub fn load(files: &[(String, String)]) -> Result<Schema, InputError> {
    match files {
        [(path, text)] if format_of(path, text) == Format::Introspection => {
            introspection::load(path, text)
        }
        _ => parse::load(files),
    }
}

/// The first `YYYY-MM-DD` in `text` (GitHub writes `Removal on 2024-07-01 UTC` in its
/// deprecation reasons): the day a deprecated item may be removed.
pub fn sunset_in(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let s = &text.get(i..i + 10)?;
        let ok = s.bytes().enumerate().all(|(j, c)| match j {
            4 | 7 => c == b'-',
            _ => c.is_ascii_digit(),
        });
        let before = i == 0 || !b[i - 1].is_ascii_digit();
        let after = b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        (ok && before && after && s.parse::<jiff::civil::Date>().is_ok()).then_some(*s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sunset_is_the_first_real_day_in_the_reason() {
        assert_eq!(
            sunset_in("`x` will be removed. Removal on 2024-07-01 UTC."),
            Some("2024-07-01")
        );
        assert_eq!(sunset_in("removed in v2"), None);
        assert_eq!(sunset_in("2024-13-45 is no day"), None);
        assert_eq!(sunset_in("12024-01-01"), None);
    }

    #[test]
    fn graphql_files_are_recognised_by_extension_and_content() {
        assert_eq!(format_of("schema.graphql", ""), Format::Sdl);
        assert_eq!(format_of("a/b.GQL", ""), Format::Sdl);
        assert_eq!(
            format_of("schema.json", "{\"data\": {\"__schema\": {}}}"),
            Format::Introspection
        );
        assert_eq!(
            format_of("openapi.json", "{\"openapi\": \"3.1.0\"}"),
            Format::Other
        );
        assert_eq!(format_of("openapi.yaml", "openapi: 3.1.0"), Format::Other);
    }
}
