//! The binary end to end: exit codes, the result file, the spot a finding or an error names,
//! and `--base` reading the base (and its `$ref`d files) from git's object store.

use std::path::Path;
use std::process::Command;

use crate::common;
use common::{compare_pair, result, run, run_with, text, write};

const BASE: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets/{id}:
    get:
      parameters:
        - {in: path, name: id, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties:
                  id: {type: string}
                  name: {type: string}
";

#[test]
fn a_removed_required_response_property_fails_at_the_surviving_parent_line() {
    let (code, r, out) = compare_pair(
        BASE,
        &BASE
            .replace("                  name: {type: string}\n", "")
            .replace("[id, name]", "[id]"),
    );
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(r["metrics"]["breaking"], 1);
    let f = &r["findings"][0];
    assert_eq!(
        f["rule"],
        "breaking-change/response-required-property-removed"
    );
    assert_eq!(f["path"], "head.yaml");
    // `properties:` of the response schema, the nearest parent that survives in head.
    assert_eq!(f["start_line"], 16);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("GET /pets/{id}: "),
        "{f}"
    );
}

#[test]
fn an_equal_ref_reordering_and_a_renamed_path_parameter_are_no_break() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "base.yaml", BASE);
    let head = "openapi: 3.0.3
info: {version: '1', title: t}
paths:
  /pets/{petId}:
    get:
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
          description: ok
      parameters:
        - {name: petId, in: path, schema: {type: string}, required: true}
components:
  schemas:
    Pet:
      properties:
        name: {type: string}
        id: {type: string}
      required: [name, id]
      type: object
";
    let (code, r, out) = common::compare_in(d.path(), head);
    assert_eq!(code, Some(0), "{}", out);
    assert_eq!(r["metrics"]["breaking"], 0);
    assert_eq!(r["metrics"]["warnings"], 0);
    let rules = common::rules(&r);
    assert_eq!(rules, ["breaking-change/request-path-parameter-renamed"]);
}

#[test]
fn a_recursive_schema_compares_without_blowing_up() {
    let d = tempfile::tempdir().unwrap();
    let spec = |extra: &str| {
        format!(
            "openapi: 3.1.0
info: {{title: t, version: '1'}}
paths:
  /tree:
    post:
      requestBody:
        content:
          application/json:
            schema: {{$ref: '#/components/schemas/Node'}}
      responses: {{'200': {{description: ok}}}}
components:
  schemas:
    Node:
      type: object
      properties:
        children: {{type: array, items: {{$ref: '#/components/schemas/Node'}}}}
        label: {{type: string{extra}}}
"
        )
    };
    write(d.path(), "base.yaml", &spec(""));
    let (code, r, out) = common::compare_in(d.path(), &spec(", maxLength: 5"));
    assert_eq!(code, Some(0), "WARN does not fail by default: {}", out);
    assert_eq!(
        r["findings"][0]["rule"],
        "breaking-change/request-property-max-length-set"
    );
    assert_eq!(r["findings"][0]["start_line"], 17);
    let o = run(
        d.path(),
        &["--base-file", "base.yaml", "head.yaml", "--fail-on", "WARN"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn yaml_anchors_aliases_and_merge_keys_are_read_and_a_break_lands_on_the_alias_line() {
    // A shared response schema written once with an anchor, reused by alias and merge key, as
    // hand-kept specs do.
    let base = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: &pet
                type: object
                required: [id, name]
                properties:
                  id: {type: string}
                  name: {type: string}
  /owners:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: *pet
  /vets:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                <<: *pet
                description: a vet
";
    let (code, r, out) = compare_pair(
        base,
        &base
            .replace("                  name: {type: string}\n", "")
            .replace("[id, name]", "[id]"),
    );
    assert_eq!(code, Some(1), "{out}");
    let mut at: Vec<(String, u64)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "breaking-change/response-required-property-removed")
        .map(|f| {
            let m = f["message"].as_str().unwrap();
            (
                m[..m.find(':').unwrap()].to_string(),
                f["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    at.sort();
    assert_eq!(
        at,
        [
            ("GET /owners".to_string(), 23),
            ("GET /pets".to_string(), 14),
            ("GET /vets".to_string(), 32),
        ],
        "head's lines: the anchor's own `properties:`, the alias's, the merging schema's"
    );
}

/// Bad input ends in exit 2 naming the file and line, with an `error` result and no findings
/// but the one saying so.
fn bad(name: &str, files: &[(&str, &str)], want: &str) {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "base.yaml", BASE);
    for (f, body) in files {
        write(d.path(), f, body);
    }
    let o = run(
        d.path(),
        &["--base-file", "base.yaml", files[0].0, "--result", "r.json"],
    );
    assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o));
    assert!(
        text(&o).contains(want),
        "{name}: wanted {want:?} in {}",
        text(&o)
    );
    let r = result(d.path());
    assert_eq!(r["verdict"], "error", "{name}");
    assert_eq!(r["findings"].as_array().unwrap().len(), 1, "{name}");
    assert_eq!(
        r["findings"][0]["rule"], "breaking-change/could-not-run",
        "{name}"
    );
}

#[test]
fn bad_input_is_exit_2_naming_the_spot() {
    bad(
        "invalid yaml",
        &[(
            "malformed-yaml.yaml",
            "openapi: 3.0.3\npaths:\n  /a: [unclosed\n",
        )],
        "malformed-yaml.yaml:",
    );
    bad(
        "invalid json",
        &[(
            "malformed-json.json",
            "{\"openapi\": \"3.0.3\",\n \"paths\": {\n",
        )],
        "malformed-json.json:",
    );
    bad(
        "duplicate key",
        &[(
            "malformed-dup.yaml",
            "openapi: 3.0.3\npaths: {}\npaths: {}\n",
        )],
        "malformed-dup.yaml:3",
    );
    bad(
        "missing file",
        &[(
            "malformed-ref.yaml",
            "openapi: 3.0.3\npaths:\n  /a:\n    $ref: 'nope.yaml#/a'\n",
        )],
        "malformed-ref.yaml:4",
    );
    bad(
        "missing pointer",
        &[(
            "malformed-ptr.yaml",
            "openapi: 3.0.3\npaths:\n  /a:\n    $ref: '#/components/pathItems/a'\n",
        )],
        "malformed-ptr.yaml:4",
    );
    bad(
        "cycle",
        &[(
            "hostile-cycle.yaml",
            "openapi: 3.0.3\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n",
        )],
        "cycle",
    );
    bad(
        "unknown tag",
        &[(
            "malformed-tag.yaml",
            "openapi: 3.0.3\npaths: !include paths.yaml\n",
        )],
        "malformed-tag.yaml:2",
    );
    let mut laughs =
        String::from("openapi: 3.0.3\npaths: {}\nx-a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        laughs.push_str(&format!(
            "x-a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    bad(
        "billion laughs",
        &[("hostile-aliases.yaml", &laughs)],
        "hostile-aliases.yaml:",
    );
    bad(
        "unknown version",
        &[("malformed-version.yaml", "openapi: 4.0.0\npaths: {}\n")],
        "malformed-version.yaml:1",
    );
    bad(
        "swagger",
        &[("malformed-swagger.yaml", "swagger: '1.2'\npaths: {}\n")],
        "unknown Swagger version",
    );
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn base_from_git_reads_the_base_and_its_ref_files_from_the_object_store() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir(p.join("docs")).unwrap();
    let spec = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: 'schemas.yaml#/Pet'}
      responses: {'201': {description: created}}
";
    write(&p.join("docs"), "openapi.yaml", spec);
    write(
        &p.join("docs"),
        "schemas.yaml",
        "Pet:\n  type: object\n  properties:\n    name: {type: string}\n",
    );
    git(p, &["init", "-q"]);
    git(p, &["add", "."]);
    git(p, &["commit", "-qm", "base"]);
    git(p, &["checkout", "-qb", "feature"]);
    write(
        &p.join("docs"),
        "schemas.yaml",
        "Pet:\n  type: object\n  required: [name, tag]\n  properties:\n    name: {type: string}\n    tag: {type: string}\n",
    );
    git(p, &["commit", "-qam", "head"]);
    let o = run(
        p,
        &["docs/openapi.yaml", "--base", "main", "--result", "r.json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = result(p);
    let rules: Vec<(&str, &str, u64)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap(),
                f["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            (
                "breaking-change/request-property-became-required",
                "docs/schemas.yaml",
                5
            ),
            (
                "breaking-change/new-required-request-property",
                "docs/schemas.yaml",
                6
            ),
        ]
    );
    // Without --base, the pull request's base from the event payload (merge-base semantics).
    let main = Command::new("git")
        .args(["rev-parse", "main"])
        .current_dir(p)
        .output()
        .unwrap();
    let main = String::from_utf8_lossy(&main.stdout).trim().to_string();
    let event = p.join("event.json");
    std::fs::write(
        &event,
        format!(
            r#"{{"pull_request":{{"number":7,"base":{{"sha":"{main}"}},"head":{{"sha":"x"}}}}}}"#
        ),
    )
    .unwrap();
    let o = run_with(
        p,
        &["docs/openapi.yaml", "--result", "r2.json"],
        &[("GITHUB_EVENT_PATH", event.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("r2.json")).unwrap()).unwrap();
    assert_eq!(r2["findings"], r["findings"]);
    // Without --base or an event there is nothing to compare with: exit 2 saying so.
    let o = run(p, &["docs/openapi.yaml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--base"), "{}", text(&o));
    // A spec new in head is reported as added, not an error.
    write(&p.join("docs"), "new.yaml", "openapi: 3.1.0\npaths: {}\n");
    let o = run(
        p,
        &["docs/new.yaml", "--base", "main", "--result", "r.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = result(p);
    assert_eq!(r["metrics"]["added_specs"], 1);
    assert_eq!(r["findings"][0]["rule"], "breaking-change/spec-added");
    assert_eq!(r["findings"][0]["level"], "notice");
    // A spec deleted in head is one breaking finding.
    git(p, &["rm", "-q", "docs/openapi.yaml"]);
    let o = run(
        p,
        &["docs/openapi.yaml", "--base", "main", "--result", "r.json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        result(p)["findings"][0]["rule"],
        "breaking-change/spec-removed"
    );
}

#[test]
fn rules_lists_the_catalogue() {
    let d = tempfile::tempdir().unwrap();
    let o = run(d.path(), &["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines().any(
            |l| l.starts_with("breaking-change/request-parameter-removed ") && l.contains(" WARN ")
        ),
        "{out}"
    );
    assert_eq!(
        out.lines().count(),
        breaking_change_check::rules::CATALOGUE.rules.len()
    );
}

/// Spec text (a property name, an enum value, a path) reaches messages, annotations and the
/// summary; none of it may become a workflow command.
#[test]
fn hostile_spec_text_never_becomes_a_workflow_command() {
    use gates_testkit::runner::{assert_run_inert, HOSTILE};
    let d = tempfile::tempdir().unwrap();
    let spec = |with: bool| {
        let mut props = serde_json::json!({ "id": { "type": "string", "enum": ["a"] } });
        if with {
            props[format!("p{HOSTILE}")] = serde_json::json!({ "type": "string" });
            props["id"]["enum"] = serde_json::json!(["a", format!("v{HOSTILE}")]);
        }
        serde_json::json!({
            "openapi": "3.0.3",
            "info": { "title": "t", "version": "1" },
            "paths": { format!("/x{HOSTILE}"): { "post": {
                "requestBody": { "content": { "application/json": { "schema": {
                    "type": "object", "required": ["id"], "properties": props } } } },
                "responses": { "200": { "description": "ok" } } } } }
        })
        .to_string()
    };
    write(d.path(), "base.json", &spec(true));
    write(d.path(), "head.json", &spec(false));
    let summary = d.path().join("summary.md");
    let out = run_with(
        d.path(),
        &["--base-file", "base.json", "head.json", "--print", "github"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    assert!(assert_run_inert("hostile spec", &out), "it judged");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("request-property-enum-value-removed"),
        "{stdout}"
    );
    assert!(stdout.contains("request-property-removed"), "{stdout}");
}

/// A response schema wrapped in an allOf with its old self and an extension keeps its
/// properties: only the added one is reported (as oasdiff sees the merged schema).
#[test]
fn properties_moved_into_an_allof_are_not_removed() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "base.yaml", BASE);
    let head = BASE.replace(
        "              schema:\n                type: object\n                required: [id, name]\n                properties:\n                  id: {type: string}\n                  name: {type: string}\n",
        "              schema:\n                allOf:\n                  - {$ref: '#/components/schemas/Pet'}\n                  - {properties: {tag: {type: string}}}\n",
    ) + "components:\n  schemas:\n    Pet:\n      type: object\n      required: [id, name]\n      properties:\n        id: {type: string}\n        name: {type: string}\n";
    assert!(head.contains("allOf"));
    let (code, r, out) = common::compare_in(d.path(), &head);
    assert_eq!(code, Some(0), "{}\n{head}", out);
    let rules = common::rules(&r);
    assert_eq!(
        rules,
        ["breaking-change/response-optional-property-added"],
        "{head}"
    );
}

const SWAGGER: &str = "swagger: '2.0'
info: {title: t, version: '1'}
consumes: [application/json]
produces: [application/json]
paths:
  /pets:
    post:
      parameters:
        - {in: query, name: limit, type: integer, maximum: 50}
        - {in: body, name: body, required: true, schema: {$ref: '#/definitions/Pet'}}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Pet'}}
definitions:
  Pet: {type: object, required: [name], properties: {name: {type: string}}}
";

/// Swagger 2.0 is normalised to the 3.0 shape: a 2.0 spec and its 3.0 translation are no
/// change, and a 2.0 change is found on its head line.
#[test]
fn swagger_2_is_compared_as_its_openapi_3_translation() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "v2.yaml", SWAGGER);
    write(
        d.path(),
        "v3.yaml",
        "openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /pets:
    post:
      parameters:
        - {in: query, name: limit, schema: {type: integer, maximum: 50}}
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
components:
  schemas:
    Pet: {type: object, required: [name], properties: {name: {type: string}}}
",
    );
    let o = run(
        d.path(),
        &["--base-file", "v2.yaml", "v3.yaml", "--result", "r.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(result(d.path())["findings"], serde_json::json!([]));
    write(
        d.path(),
        "v2b.yaml",
        &SWAGGER
            .replace("maximum: 50", "maximum: 10")
            .replace("required: [name]", "required: [name, tag]")
            .replace(
                "{name: {type: string}}",
                "{name: {type: string}, tag: {type: string}}",
            ),
    );
    let o = run(
        d.path(),
        &["--base-file", "v2.yaml", "v2b.yaml", "--result", "r.json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = result(d.path());
    let got: Vec<(&str, u64)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("breaking-change/request-parameter-max-decreased", 9),
            ("breaking-change/new-required-request-property", 14),
            ("breaking-change/response-required-property-added", 14),
        ]
    );
}

/// A GraphQL SDL pair end to end: a removed field fails at the head line of its type, an
/// ignore entry keyed by the schema coordinate accepts it, and invalid SDL is exit 2 naming
/// the file, line and column.
#[test]
fn a_graphql_field_removal_fails_is_ignorable_by_coordinate_and_bad_sdl_is_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        p,
        "base.graphql",
        "type Query {\n  user(id: ID!): User\n}\n\ntype User {\n  id: ID!\n  login: String!\n}\n",
    );
    write(
        p,
        "schema.graphql",
        "type Query {\n  user(id: ID!): User\n}\n\ntype User {\n  id: ID!\n}\n",
    );
    let args = [
        "--base-file",
        "base.graphql",
        "schema.graphql",
        "--result",
        "r.json",
    ];
    let o = run(p, &args);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = result(p);
    assert_eq!(r["metrics"]["breaking"], 1, "{r}");
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "breaking-change/graphql-field-removed", "{r}");
    assert_eq!(
        (f["path"].as_str(), f["start_line"].as_u64()),
        (Some("schema.graphql"), Some(5)),
        "{r}"
    );
    assert!(f["message"].as_str().unwrap().contains("User.login"), "{r}");

    write(
        p,
        "ignore.yaml",
        "ignore:\n  - rule: graphql-field-removed\n    coordinate: User.login\n    reason: announced in March\n",
    );
    let mut with_ignore = args.to_vec();
    with_ignore.extend(["--ignore", "ignore.yaml"]);
    let o = run(p, &with_ignore);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(result(p)["metrics"]["ignored"], 1);

    write(
        p,
        "ignore.yaml",
        "ignore:\n  - rule: graphql-field-removed\n    coordinate: User.login\n    operation: GET /a\n    reason: both\n",
    );
    let o = run(p, &with_ignore);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not both"), "{}", text(&o));

    write(
        p,
        "schema.graphql",
        "type Query {\n  user(id: ID!): User\n}\n\ntype User {\n  id: ID!\n  id: String\n}\n",
    );
    let o = run(p, &args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("schema.graphql:"), "{}", text(&o));
    assert_eq!(result(p)["verdict"], "error");
}

/// Regression (audit 2026-12-04): a changed oneOf/anyOf alternative was reported as one removed
/// and one added (a false ERR for an optional property added to a request alternative); it is
/// the same alternative, and what changed inside it is what is reported.
#[test]
fn a_changed_composition_alternative_is_compared_inside_not_removed_and_added() {
    let base = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets:
    post:
      requestBody:
        content:
          application/json:
            schema:
              oneOf:
                - type: object
                  properties:
                    bark: {type: string}
                - $ref: '#/components/schemas/Cat'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                anyOf:
                  - type: object
                    required: [id]
                    properties:
                      id: {type: string}
                  - {type: string}
components:
  schemas:
    Cat:
      type: object
      properties:
        meow: {type: string}
";
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "base.yaml", base);
    // An optional property added to the inline request alternative and to the response one,
    // and one to the $ref'd alternative.
    let head = base
        .replace(
            "                    bark: {type: string}\n",
            "                    bark: {type: string}\n                    wag: {type: boolean}\n",
        )
        .replace(
            "                      id: {type: string}\n",
            "                      id: {type: string}\n                      name: {type: string}\n",
        )
        .replace(
            "        meow: {type: string}\n",
            "        meow: {type: string}\n        purr: {type: boolean}\n",
        );
    let (code, r, out) = common::compare_in(d.path(), &head);
    assert_eq!(code, Some(0), "{}", out);
    let rules = common::rules(&r);
    assert!(
        rules.iter().all(|r| !r.contains("-of-")),
        "no alternative was removed or added: {rules:?}"
    );
    assert_eq!(r["metrics"]["breaking"], 0);

    // Making the inline request alternative's new property required is a break, inside it.
    let required = head.replace(
        "                - type: object\n                  properties:\n                    bark",
        "                - type: object\n                  required: [wag]\n                  properties:\n                    bark",
    );
    let (code, r, out) = common::compare_in(d.path(), &required);
    assert_eq!(code, Some(1), "{}", out);
    let f = &r["findings"][0];
    assert!(f["rule"].as_str().unwrap().contains("required"), "{f}");
    assert!(f["message"].as_str().unwrap().contains("oneOf"), "{f}");
}

/// Requiring authentication on an operation anyone could call breaks its callers, whether the
/// operation's own `security` or the top-level one does it; adding an alternative to one that
/// was secured already loosens it (INFO, as oasdiff's api-security-added).
#[test]
fn authentication_required_where_there_was_none_is_a_break() {
    let open = "openapi: 3.0.3
info: {title: t, version: '1'}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-Key}
paths:
  /pets:
    get:
      responses:
        '200': {description: ok}
";
    let cases: &[(&str, &str, i32, &str)] = &[
        (
            "own security",
            "    get:\n      security: [{bearer: []}]\n",
            1,
            "api-security-required",
        ),
        ("top-level security", "TOP", 1, "api-security-required"),
        (
            "optional authentication",
            "    get:\n      security: [{bearer: []}, {}]\n",
            0,
            "api-security-added",
        ),
    ];
    for (name, edit, code, rule) in cases {
        let head = if *edit == "TOP" {
            open.replace("paths:\n", "security: [{key: []}]\npaths:\n")
        } else {
            open.replace("    get:\n", edit)
        };
        let (got, r, out) = compare_pair(open, &head);
        assert_eq!(got, Some(*code), "{name}: {out}");
        let rules = common::rules(&r);
        assert!(
            rules.contains(&format!("breaking-change/{rule}").as_str()),
            "{name}: {rules:?}"
        );
    }
    // A second way in, on an operation that was secured: not a break.
    let secured = open.replace("    get:\n", "    get:\n      security: [{bearer: []}]\n");
    let (code, _, out) = compare_pair(
        &secured,
        &secured.replace("[{bearer: []}]", "[{bearer: []}, {key: []}]"),
    );
    assert_eq!(code, Some(0), "{out}");
}

/// A spec of OpenAPI `version` whose one operation takes one query parameter of `schema`.
fn one_parameter(version: &str, schema: &str) -> String {
    format!(
        "openapi: {version}
info: {{title: t, version: '1'}}
paths:
  /a:
    get:
      parameters:
        - {{in: query, name: n, schema: {schema}}}
      responses:
        '200': {{description: ok}}
"
    )
}

/// A bound made exclusive at the same number tightens it, and says so (not "increased from 1
/// to 1").
#[test]
fn a_bound_made_exclusive_says_so() {
    let base = &one_parameter("3.0.3", "{type: integer, minimum: 1}");
    let (code, r, out) = compare_pair(
        base,
        &base.replace("minimum: 1}", "minimum: 1, exclusiveMinimum: true}"),
    );
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        r["findings"][0]["rule"],
        "breaking-change/request-parameter-min-increased"
    );
    assert!(
        r["findings"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("minimum 1 became exclusive"),
        "{}",
        r["findings"][0]
    );
}

/// Regression (audit 2026-12-04): `rules | head` printed "cannot read: Broken pipe" and exit 2.
/// A reader that went away is no error.
#[test]
fn a_closed_stdout_is_no_error() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_breaking-change-check"))
        .arg("rules")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// OpenAPI 3.1 may give `maximum` and a numeric `exclusiveMaximum` together: the tighter one is
/// the bound, and lowering it below `maximum` is a tightening (it was ignored).
#[test]
fn an_openapi_3_1_exclusive_bound_beside_the_inclusive_one_counts() {
    let base = &one_parameter("3.1.0", "{type: integer, maximum: 10}");
    let (code, r, out) = compare_pair(
        base,
        &base.replace("maximum: 10}", "maximum: 10, exclusiveMaximum: 5}"),
    );
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        r["findings"][0]["rule"],
        "breaking-change/request-parameter-max-decreased"
    );
    // An exclusive bound above the inclusive one changes nothing.
    let (code, _, out) = compare_pair(
        base,
        &base.replace("maximum: 10}", "maximum: 10, exclusiveMaximum: 20}"),
    );
    assert_eq!(code, Some(0), "{out}");
}
