//! Every GraphQL rule with a hand-written positive case (the rule fires) and a negative one (a
//! near miss where it must not), as small SDL pairs. A test also checks that no GraphQL rule
//! of the catalogue is without its cases.

use breaking_change_check::graphql::{self, diff};

/// (rule short id, base SDL, head SDL where it fires, head SDL where it does not)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "graphql-type-removed",
        "type Query { a: A } type A { x: Int } type B { y: Int }",
        "type Query { a: A } type A { x: Int }",
        "type Query { a: A } type A { x: Int } type B { y: Int }",
    ),
    (
        "graphql-type-added",
        "type Query { a: Int }",
        "type Query { a: Int } type B { y: Int }",
        "type Query { a: Int b: Int }",
    ),
    (
        "graphql-type-kind-changed",
        "type Query { a: A } type A { x: Int }",
        "type Query { a: A } interface A { x: Int }",
        "type Query { a: A } type A { x: Int y: Int }",
    ),
    (
        "graphql-type-description-changed",
        "type Query { a: Int } \"old\" type B { y: Int }",
        "type Query { a: Int } \"new\" type B { y: Int }",
        "type Query { a: Int } \"old\" type B { y: Int }",
    ),
    (
        "graphql-type-description-added",
        "type Query { a: Int } type B { y: Int }",
        "type Query { a: Int } \"new\" type B { y: Int }",
        "type Query { a: Int } type B { y: Int }",
    ),
    (
        "graphql-type-description-removed",
        "type Query { a: Int } \"old\" type B { y: Int }",
        "type Query { a: Int } type B { y: Int }",
        "type Query { a: Int } \"old\" type B { y: Int }",
    ),
    (
        "graphql-schema-query-type-changed",
        "schema { query: Q } type Q { a: Int } type R { a: Int }",
        "schema { query: R } type Q { a: Int } type R { a: Int }",
        "schema { query: Q } type Q { a: Int } type R { a: Int b: Int }",
    ),
    (
        "graphql-schema-mutation-type-changed",
        "type Query { a: Int } type Mutation { m: Int }",
        "type Query { a: Int } type M { m: Int }",
        "type Query { a: Int } type Mutation { m: Int n: Int }",
    ),
    (
        "graphql-schema-mutation-type-added",
        "type Query { a: Int }",
        "type Query { a: Int } type Mutation { m: Int }",
        "type Query { a: Int } type M { m: Int }",
    ),
    (
        "graphql-schema-subscription-type-changed",
        "type Query { a: Int } type Subscription { s: Int }",
        "type Query { a: Int }",
        "type Query { a: Int } type Subscription { s: Int t: Int }",
    ),
    (
        "graphql-schema-subscription-type-added",
        "type Query { a: Int }",
        "type Query { a: Int } type Subscription { s: Int }",
        "type Query { a: Int }",
    ),
    (
        "graphql-field-removed",
        "type Query { a: Int b: Int }",
        "type Query { a: Int }",
        "type Query { a: Int b: Int c: Int }",
    ),
    (
        "graphql-field-removed-after-sunset",
        "type Query { a: Int b: Int @deprecated(reason: \"Removal on 2024-07-01 UTC\") }",
        "type Query { a: Int }",
        "type Query { a: Int b: Int @deprecated(reason: \"Removal on 2024-07-01 UTC\") }",
    ),
    (
        "graphql-field-added",
        "type Query { a: Int }",
        "type Query { a: Int b: Int }",
        "type Query { a: Int }",
    ),
    (
        "graphql-field-description-changed",
        "type Query { \"old\" a: Int }",
        "type Query { \"new\" a: Int }",
        "type Query { \"old\" a: Int }",
    ),
    (
        "graphql-field-description-added",
        "type Query { a: Int }",
        "type Query { \"new\" a: Int }",
        "type Query { a: Int }",
    ),
    (
        "graphql-field-description-removed",
        "type Query { \"old\" a: Int }",
        "type Query { a: Int }",
        "type Query { \"old\" a: Int }",
    ),
    (
        "graphql-field-deprecation-added",
        "type Query { a: Int }",
        "type Query { a: Int @deprecated }",
        "type Query { a: Int }",
    ),
    (
        "graphql-field-deprecation-removed",
        "type Query { a: Int @deprecated }",
        "type Query { a: Int }",
        "type Query { a: Int @deprecated }",
    ),
    (
        "graphql-field-deprecation-reason-changed",
        "type Query { a: Int @deprecated(reason: \"x\") }",
        "type Query { a: Int @deprecated(reason: \"y\") }",
        "type Query { a: Int @deprecated(reason: \"x\") }",
    ),
    (
        "graphql-field-deprecation-reason-added",
        "type Query { a: Int @deprecated }",
        "type Query { a: Int @deprecated(reason: \"y\") }",
        "type Query { a: Int @deprecated }",
    ),
    (
        "graphql-field-deprecation-reason-removed",
        "type Query { a: Int @deprecated(reason: \"x\") }",
        "type Query { a: Int @deprecated }",
        "type Query { a: Int @deprecated(reason: \"x\") }",
    ),
    (
        "graphql-field-type-changed",
        "type Query { a: Int! }",
        "type Query { a: Int }",
        "type Query { a: Int! }",
    ),
    (
        "graphql-field-type-changed-safe",
        "type Query { a: Int }",
        "type Query { a: Int! }",
        "type Query { a: String }",
    ),
    (
        "graphql-field-argument-added",
        "type Query { a: Int }",
        "type Query { a(x: Int): Int }",
        "type Query { a(x: Int!): Int }",
    ),
    (
        "graphql-field-required-argument-added",
        "type Query { a: Int }",
        "type Query { a(x: Int!): Int }",
        "type Query { a(x: Int! = 1): Int }",
    ),
    (
        "graphql-field-argument-removed",
        "type Query { a(x: Int): Int }",
        "type Query { a: Int }",
        "type Query { a(x: Int, y: Int): Int }",
    ),
    (
        "graphql-field-argument-type-changed",
        "type Query { a(x: Int): Int }",
        "type Query { a(x: Int!): Int }",
        "type Query { a(x: Int): Int }",
    ),
    (
        "graphql-field-argument-type-changed-safe",
        "type Query { a(x: Int!): Int }",
        "type Query { a(x: Int): Int }",
        "type Query { a(x: [Int]): Int }",
    ),
    (
        "graphql-field-argument-default-changed",
        "type Query { a(x: Int = 1): Int }",
        "type Query { a(x: Int = 2): Int }",
        "type Query { a(x: Int = 1): Int }",
    ),
    (
        "graphql-field-argument-description-changed",
        "type Query { a(\"old\" x: Int): Int }",
        "type Query { a(\"new\" x: Int): Int }",
        "type Query { a(\"old\" x: Int): Int }",
    ),
    (
        "graphql-input-field-removed",
        "type Query { a(i: I): Int } input I { x: Int y: Int }",
        "type Query { a(i: I): Int } input I { x: Int }",
        "type Query { a(i: I): Int } input I { x: Int y: Int z: Int }",
    ),
    (
        "graphql-input-field-added",
        "type Query { a(i: I): Int } input I { x: Int }",
        "type Query { a(i: I): Int } input I { x: Int y: Int }",
        "type Query { a(i: I): Int } input I { x: Int y: Int! }",
    ),
    (
        "graphql-input-field-added-required",
        "type Query { a(i: I): Int } input I { x: Int }",
        "type Query { a(i: I): Int } input I { x: Int y: Int! }",
        "type Query { a(i: I): Int } input I { x: Int y: Int! = 1 }",
    ),
    (
        "graphql-input-field-added-with-default",
        "type Query { a(i: I): Int } input I { x: Int }",
        "type Query { a(i: I): Int } input I { x: Int y: Int = 1 }",
        "type Query { a(i: I): Int } input I { x: Int y: Int }",
    ),
    (
        "graphql-input-field-type-changed",
        "type Query { a(i: I): Int } input I { x: Int }",
        "type Query { a(i: I): Int } input I { x: String }",
        "type Query { a(i: I): Int } input I { x: Int }",
    ),
    (
        "graphql-input-field-type-changed-safe",
        "type Query { a(i: I): Int } input I { x: Int! }",
        "type Query { a(i: I): Int } input I { x: Int }",
        "type Query { a(i: I): Int } input I { x: String }",
    ),
    (
        "graphql-input-field-default-value-changed",
        "type Query { a(i: I): Int } input I { x: Int = 1 }",
        "type Query { a(i: I): Int } input I { x: Int = 2 }",
        "type Query { a(i: I): Int } input I { x: Int = 1 }",
    ),
    (
        "graphql-input-field-description-added",
        "type Query { a(i: I): Int } input I { x: Int }",
        "type Query { a(i: I): Int } input I { \"d\" x: Int }",
        "type Query { a(i: I): Int } input I { x: Int }",
    ),
    (
        "graphql-input-field-description-removed",
        "type Query { a(i: I): Int } input I { \"d\" x: Int }",
        "type Query { a(i: I): Int } input I { x: Int }",
        "type Query { a(i: I): Int } input I { \"d\" x: Int }",
    ),
    (
        "graphql-input-field-description-changed",
        "type Query { a(i: I): Int } input I { \"d\" x: Int }",
        "type Query { a(i: I): Int } input I { \"e\" x: Int }",
        "type Query { a(i: I): Int } input I { \"d\" x: Int }",
    ),
    (
        "graphql-enum-value-removed",
        "type Query { a: E } enum E { A B }",
        "type Query { a: E } enum E { A }",
        "type Query { a: E } enum E { A B C }",
    ),
    (
        "graphql-enum-value-removed-after-sunset",
        "type Query { a: E } enum E { A B @deprecated(reason: \"Removal on 2024-07-01 UTC\") }",
        "type Query { a: E } enum E { A }",
        "type Query { a: E } enum E { A B @deprecated(reason: \"Removal on 2024-07-01 UTC\") }",
    ),
    (
        "graphql-enum-value-added",
        "type Query { a: E } enum E { A }",
        "type Query { a: E } enum E { A B }",
        "type Query { a: E } enum E { A }",
    ),
    (
        "graphql-enum-value-description-changed",
        "type Query { a: E } enum E { \"d\" A }",
        "type Query { a: E } enum E { \"e\" A }",
        "type Query { a: E } enum E { \"d\" A }",
    ),
    (
        "graphql-enum-value-deprecation-reason-added",
        "type Query { a: E } enum E { A B }",
        "type Query { a: E } enum E { A B @deprecated }",
        "type Query { a: E } enum E { A B }",
    ),
    (
        "graphql-enum-value-deprecation-reason-changed",
        "type Query { a: E } enum E { A B @deprecated(reason: \"x\") }",
        "type Query { a: E } enum E { A B @deprecated(reason: \"y\") }",
        "type Query { a: E } enum E { A B @deprecated(reason: \"x\") }",
    ),
    (
        "graphql-enum-value-deprecation-reason-removed",
        "type Query { a: E } enum E { A B @deprecated(reason: \"x\") }",
        "type Query { a: E } enum E { A B }",
        "type Query { a: E } enum E { A B @deprecated(reason: \"y\") }",
    ),
    (
        "graphql-union-member-removed",
        "type Query { u: U } union U = A | B type A { x: Int } type B { x: Int }",
        "type Query { u: U } union U = A type A { x: Int } type B { x: Int }",
        "type Query { u: U } union U = B | A type A { x: Int } type B { x: Int }",
    ),
    (
        "graphql-union-member-added",
        "type Query { u: U } union U = A type A { x: Int } type B { x: Int }",
        "type Query { u: U } union U = A | B type A { x: Int } type B { x: Int }",
        "type Query { u: U } union U = A type A { x: Int } type B { x: Int }",
    ),
    (
        "graphql-object-type-interface-removed",
        "type Query { a: A } interface N { id: ID } type A implements N { id: ID }",
        "type Query { a: A } interface N { id: ID } type A { id: ID }",
        "type Query { a: A } interface N { id: ID } type A implements N { id: ID x: Int }",
    ),
    (
        "graphql-object-type-interface-added",
        "type Query { a: A } interface N { id: ID } type A { id: ID }",
        "type Query { a: A } interface N { id: ID } type A implements N { id: ID }",
        "type Query { a: A } interface N { id: ID } type A { id: ID }",
    ),
    (
        "graphql-directive-removed",
        "directive @d on FIELD type Query { a: Int }",
        "type Query { a: Int }",
        "directive @d on FIELD | OBJECT type Query { a: Int }",
    ),
    (
        "graphql-directive-added",
        "type Query { a: Int }",
        "directive @d on FIELD type Query { a: Int }",
        "type Query { a: Int }",
    ),
    (
        "graphql-directive-description-changed",
        "\"x\" directive @d on FIELD type Query { a: Int }",
        "\"y\" directive @d on FIELD type Query { a: Int }",
        "\"x\" directive @d on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-location-added",
        "directive @d on FIELD type Query { a: Int }",
        "directive @d on FIELD | OBJECT type Query { a: Int }",
        "directive @d on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-location-removed",
        "directive @d on FIELD | OBJECT type Query { a: Int }",
        "directive @d on FIELD type Query { a: Int }",
        "directive @d on OBJECT | FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-repeatable-added",
        "directive @d on FIELD type Query { a: Int }",
        "directive @d repeatable on FIELD type Query { a: Int }",
        "directive @d on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-repeatable-removed",
        "directive @d repeatable on FIELD type Query { a: Int }",
        "directive @d on FIELD type Query { a: Int }",
        "directive @d repeatable on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-argument-added",
        "directive @d on FIELD type Query { a: Int }",
        "directive @d(x: Int) on FIELD type Query { a: Int }",
        "directive @d(x: Int!) on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-required-argument-added",
        "directive @d on FIELD type Query { a: Int }",
        "directive @d(x: Int!) on FIELD type Query { a: Int }",
        "directive @d(x: Int) on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-argument-removed",
        "directive @d(x: Int) on FIELD type Query { a: Int }",
        "directive @d on FIELD type Query { a: Int }",
        "directive @d(x: Int, y: Int) on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-argument-description-changed",
        "directive @d(\"a\" x: Int) on FIELD type Query { a: Int }",
        "directive @d(\"b\" x: Int) on FIELD type Query { a: Int }",
        "directive @d(\"a\" x: Int) on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-argument-default-value-changed",
        "directive @d(x: Int = 1) on FIELD type Query { a: Int }",
        "directive @d(x: Int = 2) on FIELD type Query { a: Int }",
        "directive @d(x: Int = 1) on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-argument-type-changed",
        "directive @d(x: Int) on FIELD type Query { a: Int }",
        "directive @d(x: Int!) on FIELD type Query { a: Int }",
        "directive @d(x: Int) on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-argument-type-changed-safe",
        "directive @d(x: Int!) on FIELD type Query { a: Int }",
        "directive @d(x: Int) on FIELD type Query { a: Int }",
        "directive @d(x: String) on FIELD type Query { a: Int }",
    ),
    (
        "graphql-directive-usage-added",
        "directive @d on OBJECT type Query { a: A } type A { x: Int }",
        "directive @d on OBJECT type Query { a: A } type A @d { x: Int }",
        "directive @d on OBJECT type Query { a: A } type A { x: Int } type B @d { y: Int }",
    ),
    (
        "graphql-directive-usage-removed",
        "directive @d on FIELD_DEFINITION type Query { a: Int @d }",
        "directive @d on FIELD_DEFINITION type Query { a: Int }",
        "directive @d on FIELD_DEFINITION type Query { a: Int @d }",
    ),
    (
        "graphql-one-of-added",
        "type Query { a(i: I): Int } input I { x: Int y: Int }",
        "type Query { a(i: I): Int } input I @oneOf { x: Int y: Int }",
        "type Query { a(i: I): Int } input I { x: Int y: Int }",
    ),
    (
        "graphql-one-of-removed",
        "type Query { a(i: I): Int } input I @oneOf { x: Int y: Int }",
        "type Query { a(i: I): Int } input I { x: Int y: Int }",
        "type Query { a(i: I): Int } input I @oneOf { x: Int y: Int }",
    ),
    (
        "graphql-directive-usage-argument-added",
        "directive @d(w: Int) on FIELD_DEFINITION type Query { a: Int @d }",
        "directive @d(w: Int) on FIELD_DEFINITION type Query { a: Int @d(w: 1) }",
        "directive @d(w: Int) on FIELD_DEFINITION type Query { a: Int @d }",
    ),
    (
        "graphql-directive-usage-argument-changed",
        "directive @d(w: Int) on FIELD_DEFINITION type Query { a: Int @d(w: 1) }",
        "directive @d(w: Int) on FIELD_DEFINITION type Query { a: Int @d(w: 2) }",
        "directive @d(w: Int) on FIELD_DEFINITION type Query { a: Int @d(w: 1) }",
    ),
    (
        "graphql-deprecated-removal-day-missing",
        "type Query { a: Int b: Int }",
        "type Query { a: Int b: Int @deprecated(reason: \"Use a\") }",
        "type Query { a: Int b: Int @deprecated(reason: \"Use a. Removal on 2027-01-01 UTC\") }",
    ),
    (
        "graphql-removal-day-too-soon",
        "type Query { a: Int } enum E { X Y }",
        "type Query { a: Int } enum E { X Y @deprecated(reason: \"Removal on 2026-01-15 UTC\") }",
        "type Query { a: Int } enum E { X Y @deprecated(reason: \"Removal on 2026-06-01 UTC\") }",
    ),
    (
        "graphql-field-argument-removed-after-sunset",
        "type Query { a(x: Int @deprecated(reason: \"Removal on 2024-07-01 UTC\"), y: Int): Int }",
        "type Query { a(y: Int): Int }",
        "type Query { a(x: Int): Int }",
    ),
    (
        "graphql-input-field-removed-after-sunset",
        "type Query { a(i: I): Int } input I { x: Int @deprecated(reason: \"Removal on 2024-07-01 UTC\") y: Int }",
        "type Query { a(i: I): Int } input I { y: Int }",
        "type Query { a(i: I): Int } input I { x: Int y: Int }",
    ),
];

/// The grace period of the cases: it only adds the removal-day checks of deprecations made in
/// the change.
const GRACE_DAYS: u32 = 90;

/// Removal days in the cases are in 2024; `today` is later, so sunsets have passed.
const TODAY: &str = "2026-01-01";

fn rules_of(base: &str, head: &str) -> Vec<&'static str> {
    let load = |t: &str, p: &str| {
        graphql::load(&[(p.to_string(), t.to_string())])
            .unwrap_or_else(|e| panic!("{p}: {e:?}\n{t}"))
    };
    graphql::diff::compare_with_grace(
        &load(base, "base.graphql"),
        &load(head, "head.graphql"),
        TODAY,
        Some(GRACE_DAYS),
    )
    .into_iter()
    .map(|c| c.rule.id.trim_start_matches("breaking-change/"))
    .collect()
}

#[test]
fn each_graphql_rule_fires_on_its_positive_case_and_not_on_its_negative() {
    let mut failures = Vec::new();
    for (rule, base, pos, neg) in CASES {
        let fired = rules_of(base, pos);
        if !fired.contains(rule) {
            failures.push(format!("{rule}: positive case gave {fired:?}"));
        }
        let near = rules_of(base, neg);
        if near.contains(rule) {
            failures.push(format!("{rule}: negative case gave {near:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_graphql_rule_has_its_cases() {
    let missing: Vec<&str> = breaking_change_check::rules::CATALOGUE
        .rules
        .iter()
        .map(|r| r.id.trim_start_matches("breaking-change/"))
        .filter(|id| id.starts_with("graphql-"))
        // The query root cannot be unset in valid SDL: SDL always has one.
        .filter(|id| *id != "graphql-schema-query-type-added")
        .filter(|id| !CASES.iter().any(|c| c.0 == *id))
        .collect();
    assert_eq!(missing, Vec::<&str>::new());
}

/// Before the removal day a deprecated field's removal is breaking, as graphql-inspector says.
#[test]
fn removing_a_deprecated_field_before_its_removal_day_is_breaking() {
    let base = "type Query { a: Int b: Int @deprecated(reason: \"Removal on 2030-01-01 UTC\") }";
    let load = |t: &str| graphql::load(&[("s.graphql".into(), t.into())]).unwrap();
    let changes = diff::compare(&load(base), &load("type Query { a: Int }"), TODAY);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].rule.id, "breaking-change/graphql-field-removed");
    assert_eq!(changes[0].coordinate, "Query.b");
    assert!(
        changes[0].message.contains("deprecated"),
        "{}",
        changes[0].message
    );
}

/// A schema split over files, one extending a type of the other, is one schema: moving a field
/// from the definition into an `extend` is no change, and findings name the file that holds it.
#[test]
fn sdl_files_with_extend_are_one_schema() {
    let base = graphql::load(&[(
        "a.graphql".into(),
        "type Query { a: Int b: Int }\ntype User { id: ID }".into(),
    )])
    .unwrap();
    let head = graphql::load(&[
        (
            "a.graphql".into(),
            "type Query { a: Int }\ntype User { id: ID }".into(),
        ),
        (
            "b.graphql".into(),
            "extend type Query {\n  b: Int\n  user(id: ID!): User\n}".into(),
        ),
    ])
    .unwrap();
    let changes = diff::compare(&base, &head, TODAY);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let c = &changes[0];
    assert_eq!(c.rule.id, "breaking-change/graphql-field-added");
    assert_eq!(c.coordinate, "Query.user");
    assert_eq!(
        (head.files[c.at.file].as_str(), c.at.line),
        ("b.graphql", 3)
    );
}

/// Arguments carry the `Type.field(arg:)` coordinate and their own line.
#[test]
fn an_argument_change_names_its_coordinate_and_line() {
    let load = |t: &str| graphql::load(&[("s.graphql".into(), t.into())]).unwrap();
    let base = load("type Query {\n  users(first: Int): [Int]\n}");
    let head = load("type Query {\n  users(\n    first: Int!\n  ): [Int]\n}");
    let changes = diff::compare(&base, &head, TODAY);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].coordinate, "Query.users(first:)");
    assert_eq!(changes[0].path, "Query.users.first");
    assert_eq!(changes[0].at.line, 3);
}
