//! The comparison of two GraphQL schemas by graphql-inspector's change types and criticality
//! (BREAKING / DANGEROUS / NON_BREAKING are the catalogue's ERR / WARN / INFO). Changes inside
//! something that is itself new (the fields of an added type, the arguments of an added field)
//! are not reported separately, as `graphql-inspector diff` does not print them: the addition
//! says it all. Directive usages are matched by name in order, like graphql-inspector, so a
//! repeated directive pairs with its namesake at the same position.
//!
//! One deliberate difference: removing a deprecated field or enum value whose deprecation
//! reason names a removal day (`Removal on 2024-07-01 UTC`) that has passed is INFO
//! (`…-removed-after-sunset`), mirroring the OpenAPI side's x-sunset; before that day, or with
//! no day, it is breaking as graphql-inspector says.

use gates_core::rules::Rule;

use super::{Directive, EnumValue, Field, Kind, Loc, Schema, Type, TypeRef, Usage};
use crate::rules;

/// One change between two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GqlChange {
    /// The catalogue rule (its level is graphql-inspector's criticality).
    pub rule: &'static Rule,
    /// graphql-inspector's change type (`FIELD_REMOVED`).
    pub kind: &'static str,
    /// graphql-inspector's path of the change (`Query.user.id`, `@auth.role`).
    pub path: String,
    /// The schema coordinate the change belongs to (`Query.user(id:)`, `@auth(role:)`).
    pub coordinate: String,
    /// What changed, naming the coordinate.
    pub message: String,
    /// Where in head it is (a removal: the nearest surviving parent).
    pub at: Loc,
}

/// Compare `base` with `head`; `today` (YYYY-MM-DD) decides whether a removal day named in a
/// deprecation reason has passed.
pub fn compare(base: &Schema, head: &Schema, today: &str) -> Vec<GqlChange> {
    compare_with_grace(base, head, today, None)
}

/// [`compare`] under a deprecation grace period of `grace_days` (`deprecation-grace-days`): a
/// field or enum value deprecated in this change must name its removal day in the reason
/// (`Removal on 2026-07-01 UTC`, as GitHub writes it), at least that many days after `today`.
pub fn compare_with_grace(
    base: &Schema,
    head: &Schema,
    today: &str,
    grace_days: Option<u32>,
) -> Vec<GqlChange> {
    let mut c = Cmp {
        today,
        grace: grace_days.map(|n| crate::diff::grace_window(today, n)),
        out: Vec::new(),
    };
    c.directives(base, head);
    c.roots(base, head);
    for (name, b) in &base.types {
        match head.types.get(name) {
            None => c.emit(
                "graphql-type-removed",
                "TYPE_REMOVED",
                name,
                name,
                format!("type `{name}` removed"),
                Loc::default(),
            ),
            Some(h) => c.ty(b, h),
        }
    }
    for (name, h) in &head.types {
        if !base.types.contains_key(name) {
            c.emit(
                "graphql-type-added",
                "TYPE_ADDED",
                name,
                name,
                format!("type `{name}` added"),
                h.at,
            );
        }
    }
    c.usages(
        &base.schema_directives,
        &head.schema_directives,
        Parent {
            kind: "SCHEMA",
            path: String::new(),
            coordinate: "schema".into(),
            at: Loc::default(),
            new: false,
        },
    );
    c.out
}

struct Cmp<'a> {
    today: &'a str,
    /// `deprecation-grace-days` and the earliest removal day it allows.
    grace: Option<(u32, String)>,
    out: Vec<GqlChange>,
}

/// What a directive usage is applied to.
struct Parent {
    /// graphql-inspector's location kind in `DIRECTIVE_USAGE_<kind>_ADDED`.
    kind: &'static str,
    /// graphql-inspector's path of the parent (`Type.field`).
    path: String,
    coordinate: String,
    at: Loc,
    /// The parent is itself new.
    new: bool,
}

/// graphql-inspector's `safeChangeForField`: an output type may become non-null, nothing else.
pub fn safe_output_change(old: &TypeRef, new: &TypeRef) -> bool {
    match (old, new) {
        (TypeRef::Named(a), TypeRef::Named(b)) => a == b,
        (_, TypeRef::NonNull(n)) => {
            let o = match old {
                TypeRef::NonNull(o) => o,
                o => o,
            };
            safe_output_change(o, n)
        }
        (TypeRef::List(o), TypeRef::List(n)) => safe_output_change(o, n),
        _ => false,
    }
}

/// graphql-inspector's `safeChangeForInputValue`: an input type may become nullable, nothing
/// else.
pub fn safe_input_change(old: &TypeRef, new: &TypeRef) -> bool {
    match (old, new) {
        (TypeRef::Named(a), TypeRef::Named(b)) => a == b,
        (TypeRef::List(o), TypeRef::List(n)) => safe_input_change(o, n),
        (TypeRef::NonNull(o), _) => {
            let n = match new {
                TypeRef::NonNull(n) => n,
                n => n,
            };
            safe_input_change(o, n)
        }
        _ => false,
    }
}

fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::Scalar => "scalar",
        Kind::Object => "type",
        Kind::Interface => "interface",
        Kind::Union => "union",
        Kind::Enum => "enum",
        Kind::InputObject => "input",
    }
}

impl Cmp<'_> {
    fn emit(
        &mut self,
        id: &str,
        kind: &'static str,
        path: &str,
        coordinate: &str,
        message: String,
        at: Loc,
    ) {
        let Some(rule) = rules::rule(id) else {
            debug_assert!(false, "rule {id} is not in the catalogue");
            return;
        };
        self.out.push(GqlChange {
            rule,
            kind,
            path: path.to_string(),
            coordinate: coordinate.to_string(),
            message,
            at,
        });
    }

    /// Under a grace period, a deprecation added in this change must name a removal day far
    /// enough ahead.
    fn check_removal_day(&mut self, reason: &str, what: &str, coord: &str, at: Loc) {
        let Some((days, earliest)) = self.grace.clone() else {
            return;
        };
        match super::sunset_in(reason) {
            None => self.emit(
                "graphql-deprecated-removal-day-missing",
                "DEPRECATION_WITHOUT_REMOVAL_DAY",
                &format!("{coord}.@deprecated"),
                coord,
                format!("{what} `{coord}` deprecated without a removal day in its reason (deprecation-grace-days: {days} needs one, {earliest} or later)"),
                at,
            ),
            Some(d) if d < earliest.as_str() => self.emit(
                "graphql-removal-day-too-soon",
                "DEPRECATION_REMOVAL_DAY_TOO_SOON",
                &format!("{coord}.@deprecated"),
                coord,
                format!("{what} `{coord}` deprecated for removal on {d}, less than the {days} deprecation-grace-days away (earliest {earliest})"),
                at,
            ),
            Some(_) => {}
        }
    }

    /// Has the removal day named in a deprecation reason passed?
    fn sunset_passed(&self, deprecated: Option<&str>) -> bool {
        deprecated
            .and_then(super::sunset_in)
            .is_some_and(|d| d <= self.today)
    }

    fn roots(&mut self, base: &Schema, head: &Schema) {
        let roots = [
            (
                "query",
                &base.query,
                &head.query,
                "SCHEMA_QUERY_TYPE_CHANGED",
            ),
            (
                "mutation",
                &base.mutation,
                &head.mutation,
                "SCHEMA_MUTATION_TYPE_CHANGED",
            ),
            (
                "subscription",
                &base.subscription,
                &head.subscription,
                "SCHEMA_SUBSCRIPTION_TYPE_CHANGED",
            ),
        ];
        for (op, b, h, kind) in roots {
            if b == h {
                continue;
            }
            let at = h
                .as_ref()
                .and_then(|n| head.types.get(n))
                .map(|t| t.at)
                .unwrap_or_default();
            let show = |n: &Option<String>| n.clone().unwrap_or_else(|| "(none)".into());
            let (id, msg) = match b {
                None => (
                    format!("graphql-schema-{op}-type-added"),
                    format!("{op} root type set to `{}`", show(h)),
                ),
                Some(_) => (
                    format!("graphql-schema-{op}-type-changed"),
                    format!("{op} root type changed from `{}` to `{}`", show(b), show(h)),
                ),
            };
            self.emit(&id, kind, "", "schema", msg, at);
        }
    }

    fn directives(&mut self, base: &Schema, head: &Schema) {
        for (name, b) in &base.directives {
            let coord = format!("@{name}");
            match head.directives.get(name) {
                None => self.emit(
                    "graphql-directive-removed",
                    "DIRECTIVE_REMOVED",
                    &coord,
                    &coord,
                    format!("directive `{coord}` removed"),
                    Loc::default(),
                ),
                Some(h) => self.directive(b, h),
            }
        }
        for (name, h) in &head.directives {
            if !base.directives.contains_key(name) {
                let coord = format!("@{name}");
                self.emit(
                    "graphql-directive-added",
                    "DIRECTIVE_ADDED",
                    &coord,
                    &coord,
                    format!("directive `{coord}` added"),
                    h.at,
                );
            }
        }
    }

    fn directive(&mut self, b: &Directive, h: &Directive) {
        let coord = format!("@{}", h.name);
        if b.description != h.description {
            self.emit(
                "graphql-directive-description-changed",
                "DIRECTIVE_DESCRIPTION_CHANGED",
                &coord,
                &coord,
                format!("description of `{coord}` changed"),
                h.at,
            );
        }
        if b.repeatable && !h.repeatable {
            self.emit(
                "graphql-directive-repeatable-removed",
                "DIRECTIVE_REPEATABLE_REMOVED",
                &coord,
                &coord,
                format!("`{coord}` is no longer repeatable"),
                h.at,
            );
        }
        if !b.repeatable && h.repeatable {
            self.emit(
                "graphql-directive-repeatable-added",
                "DIRECTIVE_REPEATABLE_ADDED",
                &coord,
                &coord,
                format!("`{coord}` became repeatable"),
                h.at,
            );
        }
        for l in h.locations.iter().filter(|l| !b.locations.contains(l)) {
            self.emit(
                "graphql-directive-location-added",
                "DIRECTIVE_LOCATION_ADDED",
                &coord,
                &coord,
                format!("`{coord}` may now be used on {l}"),
                h.at,
            );
        }
        for l in b.locations.iter().filter(|l| !h.locations.contains(l)) {
            self.emit(
                "graphql-directive-location-removed",
                "DIRECTIVE_LOCATION_REMOVED",
                &coord,
                &coord,
                format!("`{coord}` may no longer be used on {l}"),
                h.at,
            );
        }
        for ba in &b.args {
            if !h.args.iter().any(|a| a.name == ba.name) {
                self.emit(
                    "graphql-directive-argument-removed",
                    "DIRECTIVE_ARGUMENT_REMOVED",
                    &format!("{coord}.{}", ba.name),
                    &format!("{coord}({}:)", ba.name),
                    format!("argument `{}` removed from `{coord}`", ba.name),
                    h.at,
                );
            }
        }
        for ha in &h.args {
            let acoord = format!("{coord}({}:)", ha.name);
            let apath = format!("{coord}.{}", ha.name);
            let Some(ba) = b.args.iter().find(|a| a.name == ha.name) else {
                let id = if ha.ty.non_null() {
                    "graphql-directive-required-argument-added"
                } else {
                    "graphql-directive-argument-added"
                };
                self.emit(
                    id,
                    "DIRECTIVE_ARGUMENT_ADDED",
                    &coord,
                    &acoord,
                    format!("argument `{}: {}` added to `{coord}`", ha.name, ha.ty),
                    ha.at,
                );
                continue;
            };
            if ba.description != ha.description {
                self.emit(
                    "graphql-directive-argument-description-changed",
                    "DIRECTIVE_ARGUMENT_DESCRIPTION_CHANGED",
                    &apath,
                    &acoord,
                    format!("description of `{acoord}` changed"),
                    ha.at,
                );
            }
            if ba.default != ha.default {
                self.emit(
                    "graphql-directive-argument-default-value-changed",
                    "DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED",
                    &apath,
                    &acoord,
                    format!(
                        "default of `{acoord}` changed from {} to {}",
                        show_default(&ba.default),
                        show_default(&ha.default)
                    ),
                    ha.at,
                );
            }
            if ba.ty != ha.ty {
                let id = if safe_input_change(&ba.ty, &ha.ty) {
                    "graphql-directive-argument-type-changed-safe"
                } else {
                    "graphql-directive-argument-type-changed"
                };
                self.emit(
                    id,
                    "DIRECTIVE_ARGUMENT_TYPE_CHANGED",
                    &apath,
                    &acoord,
                    format!("type of `{acoord}` changed from `{}` to `{}`", ba.ty, ha.ty),
                    ha.at,
                );
            }
        }
    }

    fn ty(&mut self, b: &Type, h: &Type) {
        let name = &h.name;
        if b.kind != h.kind {
            self.emit(
                "graphql-type-kind-changed",
                "TYPE_KIND_CHANGED",
                name,
                name,
                format!(
                    "`{name}` changed kind from {} to {}",
                    b.kind.name(),
                    h.kind.name()
                ),
                h.at,
            );
        } else {
            match h.kind {
                Kind::Object | Kind::Interface => self.object(b, h),
                Kind::InputObject => self.input_object(b, h),
                Kind::Enum => self.enumeration(b, h),
                Kind::Union => self.union(b, h),
                Kind::Scalar => {}
            }
            let kind = match h.kind {
                Kind::Object => "OBJECT",
                Kind::Interface => "INTERFACE",
                Kind::InputObject => "INPUT_OBJECT",
                Kind::Enum => "ENUM",
                Kind::Union => "UNION_MEMBER",
                Kind::Scalar => "SCALAR",
            };
            self.usages(
                &b.directives,
                &h.directives,
                Parent {
                    kind,
                    path: name.clone(),
                    coordinate: name.clone(),
                    at: h.at,
                    new: false,
                },
            );
        }
        if b.description != h.description {
            let (id, kind, what) = match (&b.description, &h.description) {
                (None, _) => (
                    "graphql-type-description-added",
                    "TYPE_DESCRIPTION_ADDED",
                    "added",
                ),
                (_, None) => (
                    "graphql-type-description-removed",
                    "TYPE_DESCRIPTION_REMOVED",
                    "removed",
                ),
                _ => (
                    "graphql-type-description-changed",
                    "TYPE_DESCRIPTION_CHANGED",
                    "changed",
                ),
            };
            self.emit(
                id,
                kind,
                name,
                name,
                format!("description of `{name}` {what}"),
                h.at,
            );
        }
    }

    fn object(&mut self, b: &Type, h: &Type) {
        let name = &h.name;
        let word = kind_word(h.kind);
        for i in b.interfaces.iter().filter(|i| !h.interfaces.contains(i)) {
            self.emit(
                "graphql-object-type-interface-removed",
                "OBJECT_TYPE_INTERFACE_REMOVED",
                name,
                name,
                format!("{word} `{name}` no longer implements `{i}`"),
                h.at,
            );
        }
        for i in h.interfaces.iter().filter(|i| !b.interfaces.contains(i)) {
            self.emit(
                "graphql-object-type-interface-added",
                "OBJECT_TYPE_INTERFACE_ADDED",
                name,
                name,
                format!("{word} `{name}` now implements `{i}`"),
                h.at,
            );
        }
        for bf in &b.fields {
            if !h.fields.iter().any(|f| f.name == bf.name) {
                let coord = format!("{name}.{}", bf.name);
                let (id, note) = if self.sunset_passed(bf.deprecated.as_deref()) {
                    (
                        "graphql-field-removed-after-sunset",
                        " (deprecated, its removal day has passed)",
                    )
                } else if bf.deprecated.is_some() {
                    ("graphql-field-removed", " (it was deprecated)")
                } else {
                    ("graphql-field-removed", "")
                };
                self.emit(
                    id,
                    "FIELD_REMOVED",
                    &coord,
                    &coord,
                    format!("field `{coord}` removed{note}"),
                    h.at,
                );
            }
        }
        for hf in &h.fields {
            let coord = format!("{name}.{}", hf.name);
            match b.fields.iter().find(|f| f.name == hf.name) {
                None => self.emit(
                    "graphql-field-added",
                    "FIELD_ADDED",
                    &coord,
                    &coord,
                    format!("field `{coord}: {}` added", hf.ty),
                    hf.at,
                ),
                Some(bf) => self.field(name, bf, hf),
            }
        }
    }

    fn field(&mut self, ty: &str, b: &Field, h: &Field) {
        let coord = format!("{ty}.{}", h.name);
        let dep_path = format!("{coord}.@deprecated");
        if b.description != h.description {
            let (id, kind, what) = match (&b.description, &h.description) {
                (None, _) => (
                    "graphql-field-description-added",
                    "FIELD_DESCRIPTION_ADDED",
                    "added",
                ),
                (_, None) => (
                    "graphql-field-description-removed",
                    "FIELD_DESCRIPTION_REMOVED",
                    "removed",
                ),
                _ => (
                    "graphql-field-description-changed",
                    "FIELD_DESCRIPTION_CHANGED",
                    "changed",
                ),
            };
            self.emit(
                id,
                kind,
                &coord,
                &coord,
                format!("description of `{coord}` {what}"),
                h.at,
            );
        }
        match (&b.deprecated, &h.deprecated) {
            (None, Some(reason)) => {
                self.emit(
                    "graphql-field-deprecation-added",
                    "FIELD_DEPRECATION_ADDED",
                    &coord,
                    &coord,
                    format!("field `{coord}` deprecated"),
                    h.at,
                );
                self.check_removal_day(reason, "field", &coord, h.at);
            }
            (Some(_), None) => self.emit(
                "graphql-field-deprecation-removed",
                "FIELD_DEPRECATION_REMOVED",
                &coord,
                &coord,
                format!("field `{coord}` is no longer deprecated"),
                h.at,
            ),
            (Some(o), Some(n)) if o != n => {
                let (id, kind, what) = if o == super::DEFAULT_DEPRECATION {
                    (
                        "graphql-field-deprecation-reason-added",
                        "FIELD_DEPRECATION_REASON_ADDED",
                        "added",
                    )
                } else if n == super::DEFAULT_DEPRECATION {
                    (
                        "graphql-field-deprecation-reason-removed",
                        "FIELD_DEPRECATION_REASON_REMOVED",
                        "removed",
                    )
                } else {
                    (
                        "graphql-field-deprecation-reason-changed",
                        "FIELD_DEPRECATION_REASON_CHANGED",
                        "changed",
                    )
                };
                self.emit(
                    id,
                    kind,
                    &dep_path,
                    &coord,
                    format!("deprecation reason of `{coord}` {what}"),
                    h.at,
                );
            }
            _ => {}
        }
        if b.ty != h.ty {
            let id = if safe_output_change(&b.ty, &h.ty) {
                "graphql-field-type-changed-safe"
            } else {
                "graphql-field-type-changed"
            };
            self.emit(
                id,
                "FIELD_TYPE_CHANGED",
                &coord,
                &coord,
                format!("type of `{coord}` changed from `{}` to `{}`", b.ty, h.ty),
                h.at,
            );
        }
        for ba in &b.args {
            if !h.args.iter().any(|a| a.name == ba.name) {
                let id = match self.sunset_passed(ba.deprecated.as_deref()) {
                    true => "graphql-field-argument-removed-after-sunset",
                    false => "graphql-field-argument-removed",
                };
                self.emit(
                    id,
                    "FIELD_ARGUMENT_REMOVED",
                    &format!("{coord}.{}", ba.name),
                    &format!("{coord}({}:)", ba.name),
                    format!("argument `{}` removed from `{coord}`", ba.name),
                    h.at,
                );
            }
        }
        for ha in &h.args {
            let acoord = format!("{coord}({}:)", ha.name);
            let apath = format!("{coord}.{}", ha.name);
            let Some(ba) = b.args.iter().find(|a| a.name == ha.name) else {
                let id = if ha.ty.non_null() && ha.default.is_none() {
                    "graphql-field-required-argument-added"
                } else {
                    "graphql-field-argument-added"
                };
                self.emit(
                    id,
                    "FIELD_ARGUMENT_ADDED",
                    &apath,
                    &acoord,
                    format!("argument `{}: {}` added to `{coord}`", ha.name, ha.ty),
                    ha.at,
                );
                continue;
            };
            if ba.description != ha.description {
                self.emit(
                    "graphql-field-argument-description-changed",
                    "FIELD_ARGUMENT_DESCRIPTION_CHANGED",
                    &apath,
                    &acoord,
                    format!("description of `{acoord}` changed"),
                    ha.at,
                );
            }
            if ba.default != ha.default {
                self.emit(
                    "graphql-field-argument-default-changed",
                    "FIELD_ARGUMENT_DEFAULT_CHANGED",
                    &apath,
                    &acoord,
                    format!(
                        "default of `{acoord}` changed from {} to {}",
                        show_default(&ba.default),
                        show_default(&ha.default)
                    ),
                    ha.at,
                );
            }
            if ba.ty != ha.ty {
                let id = if safe_input_change(&ba.ty, &ha.ty) {
                    "graphql-field-argument-type-changed-safe"
                } else {
                    "graphql-field-argument-type-changed"
                };
                self.emit(
                    id,
                    "FIELD_ARGUMENT_TYPE_CHANGED",
                    &apath,
                    &acoord,
                    format!("type of `{acoord}` changed from `{}` to `{}`", ba.ty, ha.ty),
                    ha.at,
                );
            }
            self.usages(
                &ba.directives,
                &ha.directives,
                Parent {
                    kind: "ARGUMENT_DEFINITION",
                    path: apath.clone(),
                    coordinate: acoord.clone(),
                    at: ha.at,
                    new: false,
                },
            );
        }
        self.usages(
            &b.directives,
            &h.directives,
            Parent {
                kind: "FIELD_DEFINITION",
                path: coord.clone(),
                coordinate: coord.clone(),
                at: h.at,
                new: false,
            },
        );
    }

    fn input_object(&mut self, b: &Type, h: &Type) {
        let name = &h.name;
        for bf in &b.inputs {
            if !h.inputs.iter().any(|f| f.name == bf.name) {
                let coord = format!("{name}.{}", bf.name);
                let id = match self.sunset_passed(bf.deprecated.as_deref()) {
                    true => "graphql-input-field-removed-after-sunset",
                    false => "graphql-input-field-removed",
                };
                self.emit(
                    id,
                    "INPUT_FIELD_REMOVED",
                    &coord,
                    &coord,
                    format!("input field `{coord}` removed"),
                    h.at,
                );
            }
        }
        for hf in &h.inputs {
            let coord = format!("{name}.{}", hf.name);
            let Some(bf) = b.inputs.iter().find(|f| f.name == hf.name) else {
                let id = match (hf.ty.non_null(), &hf.default) {
                    (false, None) => "graphql-input-field-added",
                    (true, None) => "graphql-input-field-added-required",
                    (_, Some(_)) => "graphql-input-field-added-with-default",
                };
                self.emit(
                    id,
                    "INPUT_FIELD_ADDED",
                    &coord,
                    &coord,
                    format!("input field `{coord}: {}` added", hf.ty),
                    hf.at,
                );
                continue;
            };
            if bf.description != hf.description {
                let (id, kind, what) = match (&bf.description, &hf.description) {
                    (None, _) => (
                        "graphql-input-field-description-added",
                        "INPUT_FIELD_DESCRIPTION_ADDED",
                        "added",
                    ),
                    (_, None) => (
                        "graphql-input-field-description-removed",
                        "INPUT_FIELD_DESCRIPTION_REMOVED",
                        "removed",
                    ),
                    _ => (
                        "graphql-input-field-description-changed",
                        "INPUT_FIELD_DESCRIPTION_CHANGED",
                        "changed",
                    ),
                };
                self.emit(
                    id,
                    kind,
                    &coord,
                    &coord,
                    format!("description of `{coord}` {what}"),
                    hf.at,
                );
            }
            if bf.default != hf.default {
                self.emit(
                    "graphql-input-field-default-value-changed",
                    "INPUT_FIELD_DEFAULT_VALUE_CHANGED",
                    &coord,
                    &coord,
                    format!(
                        "default of `{coord}` changed from {} to {}",
                        show_default(&bf.default),
                        show_default(&hf.default)
                    ),
                    hf.at,
                );
            }
            if bf.ty != hf.ty {
                let id = if safe_input_change(&bf.ty, &hf.ty) {
                    "graphql-input-field-type-changed-safe"
                } else {
                    "graphql-input-field-type-changed"
                };
                self.emit(
                    id,
                    "INPUT_FIELD_TYPE_CHANGED",
                    &coord,
                    &coord,
                    format!("type of `{coord}` changed from `{}` to `{}`", bf.ty, hf.ty),
                    hf.at,
                );
            }
            self.usages(
                &bf.directives,
                &hf.directives,
                Parent {
                    kind: "INPUT_FIELD_DEFINITION",
                    path: coord.clone(),
                    coordinate: coord.clone(),
                    at: hf.at,
                    new: false,
                },
            );
        }
    }

    fn enumeration(&mut self, b: &Type, h: &Type) {
        let name = &h.name;
        for bv in &b.values {
            if !h.values.iter().any(|v| v.name == bv.name) {
                let coord = format!("{name}.{}", bv.name);
                let (id, note) = if self.sunset_passed(bv.deprecated.as_deref()) {
                    (
                        "graphql-enum-value-removed-after-sunset",
                        " (deprecated, its removal day has passed)",
                    )
                } else if bv.deprecated.is_some() {
                    ("graphql-enum-value-removed", " (it was deprecated)")
                } else {
                    ("graphql-enum-value-removed", "")
                };
                self.emit(
                    id,
                    "ENUM_VALUE_REMOVED",
                    &coord,
                    &coord,
                    format!("enum value `{coord}` removed{note}"),
                    h.at,
                );
            }
        }
        for hv in &h.values {
            let coord = format!("{name}.{}", hv.name);
            match b.values.iter().find(|v| v.name == hv.name) {
                None => self.emit(
                    "graphql-enum-value-added",
                    "ENUM_VALUE_ADDED",
                    &coord,
                    &coord,
                    format!("enum value `{coord}` added"),
                    hv.at,
                ),
                Some(bv) => self.enum_value(&coord, bv, hv),
            }
        }
    }

    fn enum_value(&mut self, coord: &str, b: &EnumValue, h: &EnumValue) {
        if b.description != h.description {
            self.emit(
                "graphql-enum-value-description-changed",
                "ENUM_VALUE_DESCRIPTION_CHANGED",
                coord,
                coord,
                format!("description of `{coord}` changed"),
                h.at,
            );
        }
        if b.deprecated != h.deprecated {
            let dflt =
                |r: &Option<String>| r.as_deref().is_none_or(|r| r == super::DEFAULT_DEPRECATION);
            let (id, kind, path, what) = if dflt(&b.deprecated) {
                (
                    "graphql-enum-value-deprecation-reason-added",
                    "ENUM_VALUE_DEPRECATION_REASON_ADDED",
                    format!("{coord}.@deprecated"),
                    "added",
                )
            } else if dflt(&h.deprecated) {
                (
                    "graphql-enum-value-deprecation-reason-removed",
                    "ENUM_VALUE_DEPRECATION_REASON_REMOVED",
                    coord.to_string(),
                    "removed",
                )
            } else {
                (
                    "graphql-enum-value-deprecation-reason-changed",
                    "ENUM_VALUE_DEPRECATION_REASON_CHANGED",
                    format!("{coord}.@deprecated"),
                    "changed",
                )
            };
            self.emit(
                id,
                kind,
                &path,
                coord,
                format!("deprecation reason of `{coord}` {what}"),
                h.at,
            );
            if let (None, Some(reason)) = (&b.deprecated, &h.deprecated) {
                self.check_removal_day(reason, "enum value", coord, h.at);
            }
        }
        self.usages(
            &b.directives,
            &h.directives,
            Parent {
                kind: "ENUM_VALUE",
                path: coord.to_string(),
                coordinate: coord.to_string(),
                at: h.at,
                new: false,
            },
        );
    }

    fn union(&mut self, b: &Type, h: &Type) {
        let name = &h.name;
        for m in b.members.iter().filter(|m| !h.members.contains(m)) {
            self.emit(
                "graphql-union-member-removed",
                "UNION_MEMBER_REMOVED",
                name,
                name,
                format!("`{m}` removed from union `{name}`"),
                h.at,
            );
        }
        for m in h.members.iter().filter(|m| !b.members.contains(m)) {
            self.emit(
                "graphql-union-member-added",
                "UNION_MEMBER_ADDED",
                name,
                name,
                format!("`{m}` added to union `{name}`"),
                h.at,
            );
        }
    }

    /// Directive usages on one parent, paired by name in order (graphql-inspector's
    /// `compareDirectiveLists`). `@deprecated` is left to the deprecation rules.
    fn usages(&mut self, base: &[Usage], head: &[Usage], p: Parent) {
        let mut taken = vec![false; head.len()];
        let mut removed = Vec::new();
        let mut mutual = Vec::new();
        for b in base {
            match (0..head.len()).find(|&i| !taken[i] && head[i].name == b.name) {
                Some(i) => {
                    taken[i] = true;
                    mutual.push((b, &head[i]));
                }
                None => removed.push(b),
            }
        }
        for b in removed {
            if b.name == "deprecated" {
                continue;
            }
            let (id, kind) = if b.name == "oneOf" {
                ("graphql-one-of-removed", usage_kind(p.kind, false))
            } else {
                ("graphql-directive-usage-removed", usage_kind(p.kind, false))
            };
            self.emit(
                id,
                kind,
                &join(&p.path, &format!("@{}", b.name)),
                &p.coordinate,
                format!("`@{}` removed from `{}`", b.name, p.coordinate),
                p.at,
            );
        }
        for (i, h) in head.iter().enumerate() {
            if taken[i] || h.name == "deprecated" || p.new {
                continue;
            }
            let id = if h.name == "oneOf" {
                "graphql-one-of-added"
            } else {
                "graphql-directive-usage-added"
            };
            self.emit(
                id,
                usage_kind(p.kind, true),
                &join(&p.path, &format!("@{}", h.name)),
                &p.coordinate,
                format!("`@{}` applied to `{}`", h.name, p.coordinate),
                p.at,
            );
        }
        for (b, h) in mutual {
            let upath = join(&p.path, &format!("@{}", h.name));
            for (name, value) in &h.args {
                let old = b.args.iter().find(|(n, _)| n == name).map(|(_, v)| v);
                if old == Some(value) {
                    continue;
                }
                if old.is_some() {
                    self.emit(
                        "graphql-directive-usage-argument-changed",
                        "DIRECTIVE_USAGE_ARGUMENT_REMOVED",
                        &format!("{upath}.{name}"),
                        &p.coordinate,
                        format!(
                            "argument `{name}` of `@{}` on `{}` changed from {} to {value}",
                            h.name,
                            p.coordinate,
                            old.map(String::as_str).unwrap_or_default()
                        ),
                        p.at,
                    );
                }
                self.emit(
                    "graphql-directive-usage-argument-added",
                    "DIRECTIVE_USAGE_ARGUMENT_ADDED",
                    &format!("{upath}.{name}"),
                    &p.coordinate,
                    format!(
                        "argument `{name}: {value}` set on `@{}` on `{}`",
                        h.name, p.coordinate
                    ),
                    p.at,
                );
            }
        }
    }
}

/// graphql-inspector's paths join with `.`; the schema's own usages start with one.
fn join(parent: &str, child: &str) -> String {
    format!("{parent}.{child}")
}

fn show_default(d: &Option<String>) -> String {
    d.as_deref()
        .map(|d| format!("`{d}`"))
        .unwrap_or_else(|| "none".into())
}

/// `DIRECTIVE_USAGE_<LOCATION>_ADDED` / `_REMOVED`.
fn usage_kind(location: &str, added: bool) -> &'static str {
    macro_rules! kinds {
        ($($loc:literal),*) => {
            match (location, added) {
                $(
                    ($loc, true) => concat!("DIRECTIVE_USAGE_", $loc, "_ADDED"),
                    ($loc, false) => concat!("DIRECTIVE_USAGE_", $loc, "_REMOVED"),
                )*
                _ => "DIRECTIVE_USAGE_FIELD_DEFINITION_ADDED",
            }
        };
    }
    kinds!(
        "OBJECT",
        "INTERFACE",
        "FIELD_DEFINITION",
        "ARGUMENT_DEFINITION",
        "INPUT_OBJECT",
        "INPUT_FIELD_DEFINITION",
        "ENUM",
        "ENUM_VALUE",
        "UNION_MEMBER",
        "SCALAR",
        "SCHEMA"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> TypeRef {
        let ty = apollo_compiler::ast::Type::parse(s, "t.graphql").expect("a type");
        super::super::parse::type_ref(&ty)
    }

    #[test]
    fn output_types_may_only_become_non_null() {
        assert!(safe_output_change(&t("String"), &t("String!")));
        assert!(safe_output_change(&t("[String]"), &t("[String!]!")));
        assert!(!safe_output_change(&t("String!"), &t("String")));
        assert!(!safe_output_change(&t("String"), &t("[String]")));
        assert!(!safe_output_change(&t("String"), &t("ID")));
    }

    #[test]
    fn input_types_may_only_become_nullable() {
        assert!(safe_input_change(&t("String!"), &t("String")));
        assert!(safe_input_change(&t("[ID!]!"), &t("[ID]")));
        assert!(!safe_input_change(&t("String"), &t("String!")));
        assert!(!safe_input_change(&t("[ID]"), &t("ID")));
    }
}
