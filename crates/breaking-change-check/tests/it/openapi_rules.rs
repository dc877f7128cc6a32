//! Every OpenAPI rule with a positive case (the rule fires) and a negative one (a near miss
//! where it must not), as small OpenAPI 3.0.3 specs: one base template, each case a few
//! `.replace` edits of it. The schema rules come in families (the same facet at each place a
//! schema sits: a request parameter, a property of one, the request body, a property of it,
//! the response body, a property of it), generated from one schema edit per facet. A test also
//! checks that no OpenAPI rule of the catalogue is without its cases.

use std::path::Path;

use breaking_change_check::diff::compare_with_grace;
use breaking_change_check::gate::{self, Pair};
use breaking_change_check::rules::CATALOGUE;
use breaking_change_check::source::Source;
use breaking_change_check::spec::Spec;
use gates_core::rules::Levels;

/// Sunsets are dated either long past (2024) or far ahead (9999, 2027); with
/// `deprecation-grace-days: 90` the earliest sunset allowed is 2026-04-01.
const TODAY: &str = "2026-01-01";

/// The spec every case edits. `QUERY`, `BODY` and `RESP` are the schemas of the query
/// parameter `q`, of the JSON request body and of the JSON 200 response.
const TEMPLATE: &str = r#"openapi: 3.0.3
info: {title: t, version: '1'}
security: [{key: []}]
paths:
  /items/{id}:
    parameters:
      - {in: path, name: id, required: true, schema: {type: string}}
    post:
      security: [{oauth: [read]}]
      parameters:
        - {in: query, name: q, schema: QUERY}
        - {in: header, name: X-Opt, schema: {type: string}}
      requestBody:
        content:
          application/json: {schema: BODY}
          application/xml: {schema: {type: object}}
      responses:
        '200':
          description: ok
          headers:
            X-Rate: {required: true, schema: {type: integer}}
            X-Trace: {schema: {type: string}}
          content:
            application/json: {schema: RESP}
        '409': {description: conflict, content: {application/problem+json: {schema: {type: object}}}}
  /other:
    get: {responses: {'200': {description: ok}}}
    put: {responses: {'201': {description: created}, '404': {description: missing}}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://example.com/t', scopes: {read: r, write: w}}}}
"#;

const QUERY: &str = "{type: string}";
const BODY: &str =
    "{type: object, required: [name], properties: {name: {type: string}, note: {type: string}}}";
const RESP: &str =
    "{type: object, required: [id], properties: {id: {type: string}, tag: {type: string}}}";

/// Lines of the template that cases remove or rewrite whole.
const PATH_PARAM: &str = "      - {in: path, name: id, required: true, schema: {type: string}}\n";
const OTHER: &str = "  /other:\n";
const OTHER_GET: &str = "    get: {responses: {'200': {description: ok}}}\n";
const OTHER_PUT: &str =
    "    put: {responses: {'201': {description: created}, '404': {description: missing}}}\n";
const WEBHOOK: &str = "webhooks:\n  ping: {post: {responses: {'200': {description: ok}}}}\n";

/// The template with these schemas.
fn spec(query: &str, body: &str, resp: &str) -> String {
    TEMPLATE
        .replace("QUERY", query)
        .replace("BODY", body)
        .replace("RESP", resp)
}

/// The template with its default schemas.
fn base() -> String {
    spec(QUERY, BODY, RESP)
}

/// `text` with each `(from, to)` edit made; `from` must occur exactly once, so that an edit
/// that no longer matches the template fails instead of leaving a case unchanged.
fn edit(text: &str, edits: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (from, to) in edits {
        assert_eq!(
            out.matches(from).count(),
            1,
            "{from:?} must occur exactly once in\n{out}"
        );
        out = out.replacen(from, to, 1);
    }
    out
}

/// [`base`] edited.
fn based(edits: &[(&str, &str)]) -> String {
    edit(&base(), edits)
}

/// The rule ids (without the gate prefix) compare() reports from `base` to `head`.
fn rules_of(base: &str, head: &str) -> Vec<&'static str> {
    rules_with_grace(base, head, None)
}

/// [`rules_of`] under `deprecation-grace-days`.
fn rules_with_grace(base: &str, head: &str, grace: Option<u32>) -> Vec<&'static str> {
    let load = |text: &str| {
        Spec::load("openapi.yaml", &|_| Ok(text.to_string()))
            .unwrap_or_else(|e| panic!("{} {}\n{text}", e.place(), e.message))
    };
    compare_with_grace(&load(base), &load(head), TODAY, grace)
        .into_iter()
        .map(|c| c.rule.id.trim_start_matches("breaking-change/"))
        .collect()
}

/// The rule ids the gate reports for one spec file present (`Some`) or not (`None`) in base
/// and head: a spec added or removed as a whole is the gate's finding, not compare()'s.
fn gate_rules_of(base: Option<&str>, head: Option<&str>) -> Vec<&'static str> {
    let dir = |text: Option<&str>| {
        let d = tempfile::tempdir().unwrap();
        if let Some(t) = text {
            std::fs::write(d.path().join("openapi.yaml"), t).unwrap();
        }
        d
    };
    let (b, h) = (dir(base), dir(head));
    let src = |p: &Path| Source::Dir(p.to_path_buf());
    let pair = Pair {
        head: "openapi.yaml".into(),
        base: "openapi.yaml".into(),
    };
    gate::evaluate(
        &[pair],
        &src(b.path()),
        &src(h.path()),
        &Levels::default(),
        TODAY,
        None,
    )
    .unwrap()
    .changes
    .into_iter()
    .map(|l| l.change.rule.id.trim_start_matches("breaking-change/"))
    .collect()
}

/// One rule's cases: it fires from `base` to `pos` and not from `base` to `neg`.
struct Case {
    rule: String,
    base: String,
    pos: String,
    neg: String,
    /// `deprecation-grace-days`, for the rules that only it enables.
    grace: Option<u32>,
}

fn case(rule: &str, base: String, pos: String, neg: String) -> Case {
    Case {
        rule: rule.to_string(),
        base,
        pos,
        neg,
        grace: None,
    }
}

/// [`case`] with a grace period of 90 days.
fn graced(rule: &str, base: String, pos: String, neg: String) -> Case {
    Case {
        grace: Some(90),
        ..case(rule, base, pos, neg)
    }
}

/// Where a schema sits: each place prefixes its own family of rule ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    Param,
    ParamProp,
    Body,
    BodyProp,
    Resp,
    RespProp,
}

use Loc::*;

const REQUEST: &[Loc] = &[Param, ParamProp, Body, BodyProp];
const RESPONSE: &[Loc] = &[Resp, RespProp];

impl Loc {
    fn prefix(self) -> &'static str {
        match self {
            Param => "request-parameter",
            ParamProp => "request-parameter-property",
            Body => "request-body",
            BodyProp => "request-property",
            Resp => "response-body",
            RespProp => "response-property",
        }
    }

    /// The template with `schema` at this place (a property `p` of an object for the
    /// property places), the other schemas at their defaults.
    fn place(self, schema: &str) -> String {
        let prop = format!("{{type: object, properties: {{p: {schema}}}}}");
        match self {
            Param => spec(schema, BODY, RESP),
            ParamProp => spec(&prop, BODY, RESP),
            Body => spec(QUERY, schema, RESP),
            BodyProp => spec(QUERY, &prop, RESP),
            Resp => spec(QUERY, BODY, schema),
            RespProp => spec(QUERY, BODY, &prop),
        }
    }
}

/// A facet of the schema families: its id suffix, the places it is checked at, and the base,
/// positive and negative schemas.
type Facet = (
    &'static str,
    &'static [Loc],
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const FACETS: &[Facet] = &[
    // A response that sends something else is `-type-changed`; one narrowed (number to
    // integer) sends clients less than they handle, no change.
    ("type-changed", &[Resp, RespProp], "{type: number}", "{type: string}", "{type: integer}"),
    // On the request side a narrowing is `-type-changed`, a widening `-type-generalized`.
    ("type-changed", &[Param, Body, BodyProp], "{type: integer}", "{type: string}", "{type: number}"),
    // A parameter's property may travel as JSON or as text: number to string breaks only
    // JSON clients (changed, WARN), string to number both (specialized, ERR).
    ("type-changed", &[ParamProp], "{type: number}", "{type: string}", "{type: integer}"),
    ("type-generalized", REQUEST, "{type: integer}", "{type: number}", "{type: string}"),
    ("type-specialized", &[ParamProp], "{type: string}", "{type: number}", "{type: string, description: an id}"),
    ("enum-value-removed", REQUEST, "{type: string, enum: [a, b]}", "{type: string, enum: [a]}", "{type: string, enum: [a, b, c]}"),
    ("became-enum", REQUEST, "{type: string}", "{type: string, enum: [a]}", "{type: string, maxLength: 1}"),
    ("max-decreased", REQUEST, "{type: integer, maximum: 10}", "{type: integer, maximum: 5}", "{type: integer, maximum: 20}"),
    ("max-set", REQUEST, "{type: integer}", "{type: integer, maximum: 10}", "{type: integer, minimum: 0}"),
    ("min-increased", REQUEST, "{type: integer, minimum: 5}", "{type: integer, minimum: 10}", "{type: integer, minimum: 1}"),
    ("min-set", REQUEST, "{type: integer}", "{type: integer, minimum: 0}", "{type: integer, maximum: 10}"),
    ("max-length-decreased", REQUEST, "{type: string, maxLength: 10}", "{type: string, maxLength: 5}", "{type: string, maxLength: 20}"),
    ("max-length-set", REQUEST, "{type: string}", "{type: string, maxLength: 10}", "{type: string, minLength: 1}"),
    ("min-length-increased", REQUEST, "{type: string, minLength: 2}", "{type: string, minLength: 5}", "{type: string, minLength: 1}"),
    ("max-items-decreased", REQUEST, "{type: array, items: {type: string}, maxItems: 10}", "{type: array, items: {type: string}, maxItems: 5}", "{type: array, items: {type: string}, maxItems: 20}"),
    ("min-items-increased", REQUEST, "{type: array, items: {type: string}, minItems: 2}", "{type: array, items: {type: string}, minItems: 5}", "{type: array, items: {type: string}, minItems: 1}"),
    // A pattern that matches anything is no pattern.
    ("pattern-added", REQUEST, "{type: string}", "{type: string, pattern: '^a+$'}", "{type: string, pattern: '.*'}"),
    ("pattern-changed", REQUEST, "{type: string, pattern: '^a+$'}", "{type: string, pattern: '^b+$'}", "{type: string, pattern: '.*'}"),
    ("pattern-removed", REQUEST, "{type: string, pattern: '^a+$'}", "{type: string}", "{type: string, pattern: '^b+$'}"),
    ("became-not-nullable", REQUEST, "{type: string, nullable: true}", "{type: string}", "{type: string, nullable: true, minLength: 1}"),
    ("one-of-removed", REQUEST, "{oneOf: [{type: string}, {type: integer}]}", "{oneOf: [{type: string}]}", "{oneOf: [{type: string}, {type: integer}, {type: boolean}]}"),
    ("any-of-removed", REQUEST, "{anyOf: [{type: string}, {type: integer}]}", "{anyOf: [{type: string}]}", "{anyOf: [{type: string}, {type: integer}, {type: boolean}]}"),
    ("all-of-added", REQUEST, "{allOf: [{type: string}]}", "{allOf: [{type: string}, {maxLength: 5}]}", "{allOf: [{type: string}, {description: short}]}"),
    ("all-of-added-annotation-only", REQUEST, "{allOf: [{type: string}]}", "{allOf: [{type: string}, {description: short}]}", "{allOf: [{type: string}, {maxLength: 5}]}"),
    ("all-of-removed", REQUEST, "{allOf: [{type: string}, {maxLength: 5}]}", "{allOf: [{type: string}]}", "{allOf: [{type: string}, {maxLength: 5}, {minLength: 1}]}"),
    ("wrapped-in-one-of", &[Param, ParamProp, Body, BodyProp, Resp, RespProp], "{type: string}", "{oneOf: [{type: string}, {type: integer}]}", "{anyOf: [{type: string}, {type: integer}]}"),
    // Only a parameter's own default is compared; a default removed is no change of it.
    ("default-value-changed", &[Param], "{type: integer, default: 1}", "{type: integer, default: 2}", "{type: integer}"),
    // On the response side what clients may receive must not grow.
    ("enum-value-removed", RESPONSE, "{type: string, enum: [a, b]}", "{type: string, enum: [a]}", "{type: string, enum: [a, b, c]}"),
    ("enum-value-added", RESPONSE, "{type: string, enum: [a, b]}", "{type: string, enum: [a, b, c]}", "{type: string, enum: [a]}"),
    ("became-nullable", RESPONSE, "{type: string}", "{type: string, nullable: true}", "{type: string, nullable: false}"),
    ("one-of-added", RESPONSE, "{oneOf: [{type: string}, {type: integer}]}", "{oneOf: [{type: string}, {type: integer}, {type: boolean}]}", "{oneOf: [{type: string}]}"),
    ("any-of-added", RESPONSE, "{anyOf: [{type: string}, {type: integer}]}", "{anyOf: [{type: string}, {type: integer}, {type: boolean}]}", "{anyOf: [{type: string}]}"),
];

/// The schema families: every facet at each of its places.
fn family_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (facet, locs, b, pos, neg) in FACETS {
        for loc in *locs {
            out.push(case(
                &format!("{}-{facet}", loc.prefix()),
                loc.place(b),
                loc.place(pos),
                loc.place(neg),
            ));
        }
    }
    out
}

/// `text` with the operation line starting `op` (`    put: {`) marked deprecated, `extra`
/// (`x-sunset: ...`) beside it when not empty.
fn deprecate_op(text: &str, op: &str, extra: &str) -> String {
    let sep = if extra.is_empty() { "" } else { ", " };
    edit(
        text,
        &[(op, &format!("{op}deprecated: true{sep}{extra}, "))],
    )
}

/// `text` with the flow mapping `decl` (`note: {type: string}`) marked deprecated, `extra`
/// beside it when not empty.
fn deprecate(text: &str, decl: &str, extra: &str) -> String {
    let sep = if extra.is_empty() { "" } else { ", " };
    let open = decl.strip_suffix('}').expect("a flow mapping");
    edit(
        text,
        &[(decl, &format!("{open}, deprecated: true{sep}{extra}}}"))],
    )
}

fn sunset(date: &str) -> String {
    format!("x-sunset: '{date}'")
}

/// The rules outside the schema families: endpoints, parameters, bodies, properties,
/// responses, headers, media types, security, webhooks. Removing a deprecated thing gives the
/// base without it, whatever its deprecation said.
#[rustfmt::skip]
fn other_cases() -> Vec<Case> {
    let b = base();
    let e = |edits: &[(&str, &str)]| based(edits);
    let (put, get) = ("    put: {", "    get: {");
    let no_other = [(OTHER, ""), (OTHER_GET, ""), (OTHER_PUT, "")];
    let no_put = [(OTHER_PUT, "")];
    let no_get = [(OTHER_GET, "")];
    let (past, later, soon, far) = (sunset("2024-01-01"), sunset("2027-01-01"), sunset("2026-01-10"), sunset("9999-01-01"));
    let put_dep = |extra: &str| deprecate_op(&b, put, extra);
    let path_fut = deprecate_op(&b, get, &far);
    let path_dep = deprecate_op(&deprecate_op(&b, get, ""), put, "");

    // Webhooks are OpenAPI 3.1.
    let hook_none = e(&[("openapi: 3.0.3", "openapi: 3.1.0")]);
    let hook_one = format!("{hook_none}{WEBHOOK}");
    let hook_two = format!("{hook_one}  pong: {{post: {{responses: {{'200': {{description: ok}}}}}}}}\n");

    // Parameters: the header X-Opt, a new query parameter `r`.
    let xopt = "{in: header, name: X-Opt, schema: {type: string}}";
    let op_params = format!("        - {xopt}\n");
    let op_param = |p: &str| e(&[(&op_params, &format!("{op_params}        - {p}\n"))]);
    let item_param = |p: &str| e(&[(PATH_PARAM, &format!("{PATH_PARAM}      - {p}\n"))]);
    let (r_req, r_opt) = ("{in: query, name: r, required: true, schema: {type: string}}", "{in: query, name: r, schema: {type: string}}");
    let xopt_dep = |extra: &str| deprecate(&b, xopt, extra);
    let no_xopt = e(&[(&op_params, "")]);
    let q_req = ("name: q,", "name: q, required: true,");

    // Request body: properties `name` (required) and `note`; `sku` added.
    let note = "note: {type: string}";
    let no_note = e(&[(", note: {type: string}", "")]);
    let note_dep = |extra: &str| deprecate(&b, note, extra);
    let add_sku = |decl: &str| (note, format!("{note}, sku: {decl}"));
    let sku = add_sku("{type: string}");
    let sku_default = add_sku("{type: string, default: x}");
    let sku_read_only = add_sku("{type: string, readOnly: true}");
    let sku_required = ("required: [name]", "required: [name, sku]");
    let note_required = ("required: [name]", "required: [name, note]");
    let body_required = ("      requestBody:\n", "      requestBody:\n        required: true\n");
    let xml = "          application/xml: {schema: {type: object}}\n";
    let with_text = format!("{xml}          text/plain: {{schema: {{type: string}}}}\n");
    let json_put = "    put: {requestBody: {required: true, content: {application/json: {schema: {type: object}}}}, ";

    // Response: properties `id` (required) and `tag`; `etag` added.
    let tag = "tag: {type: string}";
    let no_tag = e(&[(", tag: {type: string}", "")]);
    let no_id = e(&[("{id: {type: string}, ", "{")]);
    let tag_dep = |extra: &str| deprecate(&b, tag, extra);
    let add_etag = |decl: &str| (tag, format!("{tag}, etag: {decl}"));
    let etag = add_etag("{type: string}");
    let etag_write_only = add_etag("{type: string, writeOnly: true}");
    let missing = "'404': {description: missing}";
    let status = |code: &str| e(&[(missing, &format!("{missing}, {code}"))]);
    let problem = "{application/problem+json: {schema: {type: object}}}";
    let problem_to = |to: &str| e(&[(problem, to)]);
    let x_rate = "            X-Rate: {required: true, schema: {type: integer}}\n";
    let x_trace = "            X-Trace: {schema: {type: string}}\n";
    let op_sec = |to: &str| e(&[("[{oauth: [read]}]", to)]);
    let global_sec = |to: &str| e(&[("security: [{key: []}]", to)]);

    vec![
        // Endpoints: a path goes with all its operations, an operation alone.
        case("api-path-removed-without-deprecation", b.clone(), e(&no_other), e(&no_put)),
        case("api-path-removed-before-sunset", path_fut.clone(), e(&no_other), e(&no_get)),
        case("api-path-removed-with-deprecation", path_dep.clone(), e(&no_other), deprecate_op(&e(&no_get), put, "")),
        case("api-removed-without-deprecation", b.clone(), e(&no_put), e(&no_other)),
        case("api-removed-before-sunset", put_dep(&far), e(&no_put), e(&no_other)),
        case("api-removed-with-deprecation", put_dep(&past), e(&no_put), e(&no_other)),
        case("endpoint-added", b.clone(), e(&[(OTHER_PUT, &format!("{OTHER_PUT}    delete: {{responses: {{'204': {{description: gone}}}}}}\n"))]), status("'202': {description: accepted}")),
        case("endpoint-deprecated", b.clone(), put_dep(""), put_dep(&later)),
        case("endpoint-deprecated-with-sunset", b.clone(), put_dep(&later), put_dep("")),
        graced("api-deprecated-sunset-missing", b.clone(), put_dep(""), put_dep(&later)),
        graced("api-sunset-date-too-small", b.clone(), put_dep(&soon), put_dep(&later)),
        case("endpoint-reactivated", put_dep(""), b.clone(), put_dep(&later)),
        case("sunset-deleted", put_dep(&later), put_dep(""), put_dep(&sunset("2028-01-01"))),
        case("webhook-removed", hook_one.clone(), hook_none.clone(), hook_two.clone()),
        case("webhook-added", hook_one.clone(), hook_two.clone(), hook_none.clone()),
        // Parameters. Header names are case-insensitive: `x-opt` is X-Opt.
        case("request-parameter-removed", b.clone(), no_xopt.clone(), e(&[("name: X-Opt,", "name: x-opt,")])),
        case("request-parameter-removed-before-sunset", xopt_dep(&far), no_xopt.clone(), xopt_dep("")),
        case("request-parameter-removed-with-deprecation", xopt_dep(&past), no_xopt.clone(), b.clone()),
        case("request-parameter-deprecated", b.clone(), xopt_dep(""), e(&[("name: X-Opt,", "name: X-Opt, deprecated: false,")])),
        graced("request-parameter-deprecated-sunset-missing", b.clone(), xopt_dep(""), xopt_dep(&later)),
        graced("request-parameter-sunset-date-too-small", b.clone(), xopt_dep(&soon), xopt_dep(&later)),
        case("request-parameter-sunset-deleted", xopt_dep(&later), xopt_dep(""), xopt_dep(&sunset("2028-01-01"))),
        case("new-required-request-parameter", b.clone(), op_param(r_req), op_param(r_opt)),
        case("new-optional-request-parameter", b.clone(), op_param(r_opt), item_param(r_opt)),
        case("new-required-request-default-parameter-to-existing-path", b.clone(), item_param(r_req), op_param(r_req)),
        case("new-optional-request-default-parameter-to-existing-path", b.clone(), item_param(r_opt), op_param(r_opt)),
        // The path's parameter declared where base left it out; an `id` in the query is none.
        case("new-request-path-parameter", e(&[(&format!("    parameters:\n{PATH_PARAM}"), "")]), b.clone(), e(&[("in: path, name: id, required: true,", "in: query, name: id,")])),
        case("request-path-parameter-renamed", b.clone(), e(&[("/items/{id}:", "/items/{key}:"), ("name: id,", "name: key,")]), e(&[("/items/{id}:", "/item/{key}:"), ("name: id,", "name: key,")])),
        case("request-parameter-became-required", b.clone(), e(&[q_req]), e(&[("name: q,", "name: q, required: false,")])),
        // A path parameter is always required: declaring it optional is no change.
        case("request-parameter-became-optional", e(&[q_req]), b.clone(), e(&[q_req, ("name: id, required: true,", "name: id, required: false,")])),
        // Request bodies and their media types.
        case("request-body-became-required", b.clone(), e(&[body_required]), e(&[("      requestBody:\n", "      requestBody:\n        required: false\n")])),
        case("request-body-became-optional", e(&[body_required]), b.clone(), e(&[("      requestBody:\n", "      requestBody:\n        required: true\n        description: an item\n")])),
        case("request-body-added-required", b.clone(), e(&[(put, json_put)]), e(&[(put, &json_put.replace("required: true, ", ""))])),
        case("request-body-removed", b.clone(), e(&[("      requestBody:", "      x-requestBody:")]), e(&[(xml, "")])),
        case("request-body-media-type-removed", b.clone(), e(&[(xml, "")]), e(&[(xml, &with_text)])),
        case("request-body-media-type-added", b.clone(), e(&[(xml, &with_text)]), e(&[(xml, "")])),
        // Request body properties. A readOnly property is not sent: not required, not removed.
        case("new-required-request-property", b.clone(), e(&[sku_required, (sku.0, &sku.1)]), e(&[(sku.0, &sku.1)])),
        case("new-required-request-property-with-default", b.clone(), e(&[sku_required, (sku_default.0, &sku_default.1)]), e(&[sku_required, (sku.0, &sku.1)])),
        case("new-optional-request-property", b.clone(), e(&[(sku.0, &sku.1)]), e(&[sku_required, (sku.0, &sku.1)])),
        case("request-property-became-required", b.clone(), e(&[note_required]), e(&[note_required, (note, "note: {type: string, readOnly: true}")])),
        case("request-property-became-optional", b.clone(), e(&[("required: [name]", "required: []")]), e(&[note_required])),
        case("request-property-removed", e(&[(sku_read_only.0, &sku_read_only.1)]), edit(&e(&[(sku_read_only.0, &sku_read_only.1)]), &[(", note: {type: string}", "")]), b.clone()),
        case("request-property-removed-before-sunset", note_dep(&far), no_note.clone(), note_dep("")),
        case("request-property-removed-with-deprecation", note_dep(&past), no_note.clone(), b.clone()),
        case("request-property-deprecated-with-sunset", b.clone(), note_dep(&later), note_dep("")),
        case("request-property-deprecated", b.clone(), note_dep(""), note_dep(&later)),
        graced("request-property-deprecated-sunset-missing", b.clone(), note_dep(""), note_dep(&later)),
        graced("request-property-sunset-date-too-small", b.clone(), note_dep(&soon), note_dep(&later)),
        // Response body properties. A writeOnly property is not sent back.
        case("response-required-property-removed", b.clone(), no_id.clone(), no_tag.clone()),
        case("response-optional-property-removed", b.clone(), no_tag.clone(), no_id.clone()),
        case("response-property-removed-before-sunset", tag_dep(&far), no_tag.clone(), tag_dep("")),
        case("response-property-removed-with-deprecation", tag_dep(&past), no_tag.clone(), b.clone()),
        case("response-property-became-optional", b.clone(), e(&[("required: [id]", "required: []")]), e(&[("required: [id]", "required: []"), ("id: {type: string}", "id: {type: string, writeOnly: true}")])),
        case("response-property-became-required", b.clone(), e(&[("required: [id]", "required: [id, tag]")]), e(&[("required: [id]", "required: []")])),
        case("response-required-property-added", b.clone(), e(&[("required: [id]", "required: [id, etag]"), (etag.0, &etag.1)]), e(&[(etag.0, &etag.1)])),
        case("response-optional-property-added", b.clone(), e(&[(etag.0, &etag.1)]), e(&[(etag_write_only.0, &etag_write_only.1)])),
        case("response-property-deprecated-with-sunset", b.clone(), tag_dep(&later), tag_dep("")),
        case("response-property-deprecated", b.clone(), tag_dep(""), tag_dep(&later)),
        graced("response-property-deprecated-sunset-missing", b.clone(), tag_dep(""), tag_dep(&later)),
        graced("response-property-sunset-date-too-small", b.clone(), tag_dep(&soon), tag_dep(&later)),
        // Responses, their media types and headers.
        case("response-success-status-removed", b.clone(), e(&[("'201': {description: created}, ", "")]), e(&[(&format!(", {missing}"), "")])),
        case("response-non-success-status-removed", b.clone(), e(&[(&format!(", {missing}"), "")]), e(&[("'201': {description: created}, ", "")])),
        case("response-success-status-added", b.clone(), e(&[(missing, &format!("{missing}, '202': {{description: accepted}}"))]), e(&[(missing, &format!("{missing}, '409': {{description: conflict}}"))])),
        case("response-media-type-removed", b.clone(), problem_to("{}"), problem_to("{application/json: {schema: {type: object}}}")),
        // A more general type replacing a specific one is that, not an addition.
        case("response-media-type-added", b.clone(), problem_to("{application/problem+json: {schema: {type: object}}, text/plain: {schema: {type: string}}}"), problem_to("{application/json: {schema: {type: object}}}")),
        case("response-media-type-name-generalized", b.clone(), problem_to("{application/json: {schema: {type: object}}}"), problem_to("{application/xml: {schema: {type: object}}}")),
        case("required-response-header-removed", b.clone(), e(&[(x_rate, "")]), e(&[(x_trace, "")])),
        case("optional-response-header-removed", b.clone(), e(&[(x_trace, "")]), e(&[("X-Trace:", "x-trace:")])),
        // Security: requirements (alternatives) and their scopes.
        case("api-security-added", b.clone(), op_sec("[{oauth: [read]}, {key: []}]"), op_sec("[{oauth: [read, write]}]")),
        case("api-security-removed", b.clone(), op_sec("[]"), op_sec("[{oauth: []}]")),
        case("api-security-scope-added", b.clone(), op_sec("[{oauth: [read, write]}]"), op_sec("[{oauth: [read]}, {key: []}]")),
        case("api-security-scope-removed", b.clone(), op_sec("[{oauth: []}]"), op_sec("[{oauth: [read, write]}]")),
        // An open operation (no requirement, or an empty one) that now needs authentication.
        case("api-security-required", op_sec("[]"), b.clone(), op_sec("[{}, {oauth: [read]}]")),
        case("api-global-security-added", b.clone(), global_sec("security: [{key: []}, {oauth: [read]}]"), op_sec("[{oauth: [read]}, {key: []}]")),
        case("api-global-security-removed", b.clone(), global_sec("security: []"), op_sec("[]")),
    ]
}

/// Every case of the table.
fn cases() -> Vec<Case> {
    let mut all = family_cases();
    all.extend(other_cases());
    all
}

/// (rule, base and head of the positive case, base and head of the negative), each spec file
/// present or not.
type WholeSpecCase = (&'static str, [Option<String>; 2], [Option<String>; 2]);

/// The rules about a spec file as a whole, which the gate reports.
fn whole_spec_cases() -> Vec<WholeSpecCase> {
    let no_other = based(&[(OTHER, ""), (OTHER_GET, ""), (OTHER_PUT, "")]);
    let no_paths = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n".to_string();
    vec![
        (
            "spec-added",
            [None, Some(base())],
            [Some(no_other), Some(base())],
        ),
        (
            "spec-removed",
            [Some(base()), None],
            [Some(base()), Some(no_paths)],
        ),
    ]
}

#[test]
fn each_openapi_rule_fires_on_its_positive_case_and_not_on_its_negative() {
    let mut failures = Vec::new();
    let all = cases();
    for c in &all {
        // A case whose edit changed nothing would prove nothing.
        if c.pos == c.base || c.neg == c.base {
            failures.push(format!("{}: a head equal to its base", c.rule));
        }
        let fired = rules_with_grace(&c.base, &c.pos, c.grace);
        if !fired.contains(&c.rule.as_str()) {
            failures.push(format!("{}: positive case gave {fired:?}", c.rule));
        }
        let near = rules_with_grace(&c.base, &c.neg, c.grace);
        if near.contains(&c.rule.as_str()) {
            failures.push(format!("{}: negative case gave {near:?}", c.rule));
        }
    }
    for (rule, [pb, ph], [nb, nh]) in whole_spec_cases() {
        let fired = gate_rules_of(pb.as_deref(), ph.as_deref());
        if !fired.contains(&rule) {
            failures.push(format!("{rule}: positive case gave {fired:?}"));
        }
        let near = gate_rules_of(nb.as_deref(), nh.as_deref());
        if near.contains(&rule) {
            failures.push(format!("{rule}: negative case gave {near:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The grace-period rules need it: without one, their positive cases report nothing of them.
#[test]
fn the_grace_rules_fire_only_with_a_grace_period() {
    let mut failures = Vec::new();
    for c in cases().iter().filter(|c| c.grace.is_some()) {
        let fired = rules_of(&c.base, &c.pos);
        if fired.contains(&c.rule.as_str()) {
            failures.push(format!("{}: fired without a grace period", c.rule));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_openapi_rule_has_its_cases() {
    let catalogued: Vec<&str> = CATALOGUE
        .rules
        .iter()
        .map(|r| r.id.trim_start_matches("breaking-change/"))
        .filter(|id| !id.starts_with("graphql-"))
        .collect();
    let mut covered: Vec<String> = cases().into_iter().map(|c| c.rule).collect();
    covered.extend(whole_spec_cases().iter().map(|c| c.0.to_string()));
    let missing: Vec<&str> = catalogued
        .iter()
        .copied()
        .filter(|id| !covered.iter().any(|c| c == id))
        .collect();
    assert_eq!(
        missing,
        Vec::<&str>::new(),
        "catalogue rules without a case"
    );
    let unknown: Vec<&String> = covered
        .iter()
        .filter(|c| !catalogued.contains(&c.as_str()))
        .collect();
    assert_eq!(
        unknown,
        Vec::<&String>::new(),
        "cases of rules the catalogue does not hold"
    );
}
