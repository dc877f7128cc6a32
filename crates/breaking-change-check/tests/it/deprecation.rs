//! The deprecation policy: removing an operation, parameter or property marked `deprecated:
//! true` is INFO once its `x-sunset` has passed and ERR before; `deprecation-grace-days` makes
//! a removal without an x-sunset ERR and makes what is deprecated name an x-sunset far enough
//! ahead.

use std::path::Path;
use std::process::Command;

use breaking_change_check::diff::compare_with_grace;
use breaking_change_check::rules;
use breaking_change_check::source::Source;
use breaking_change_check::spec::Spec;

const TODAY: &str = "2026-06-01";

/// One operation `GET /pets` with a query parameter `q` and a response with required
/// properties `id` and `name`; `op`, `param` and `prop` are extra YAML flow entries for the
/// operation, the parameter and the `name` property (`deprecated: true, x-sunset: …`).
fn spec(op: &str, param: &str, prop: &str, with_param: bool, with_prop: bool) -> String {
    // The operation's entries as block lines.
    let op: String = op
        .split(", ")
        .filter(|kv| !kv.is_empty())
        .map(|kv| format!("\n      {kv}"))
        .collect();
    let params = if with_param {
        format!("\n      parameters:\n        - {{in: query, name: q, schema: {{type: string}}{param}}}")
    } else {
        String::new()
    };
    let (required, name) = if with_prop {
        (
            "[id, name]",
            format!("\n                  name: {{type: string{prop}}}"),
        )
    } else {
        ("[id]", String::new())
    };
    format!(
        "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /pets:
    get:
      operationId: list{op}{params}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: {required}
                properties:
                  id: {{type: string}}{name}
"
    )
}

/// The rule ids (without the gate prefix) and levels comparing `base` with `head`.
fn changes(base: &str, head: &str, grace: Option<u32>) -> Vec<String> {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("base.yaml"), base).unwrap();
    std::fs::write(d.path().join("head.yaml"), head).unwrap();
    let src = Source::Dir(d.path().to_path_buf());
    let load = |f: &str| Spec::load(f, &|p| src.require(p)).unwrap();
    let mut out: Vec<String> =
        compare_with_grace(&load("base.yaml"), &load("head.yaml"), TODAY, grace)
            .into_iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c.rule.id.trim_start_matches("breaking-change/"),
                    rules::level_name(c.rule.level)
                )
            })
            .collect();
    out.sort();
    out
}

const PAST: &str = ", deprecated: true, x-sunset: '2026-01-01'";
const FUTURE: &str = ", deprecated: true, x-sunset: '2027-01-01'";
const NO_SUNSET: &str = ", deprecated: true";

#[test]
fn a_parameter_removed_after_its_sunset_is_info_and_before_it_err() {
    let head = spec("", "", "", false, true);
    assert_eq!(
        changes(&spec("", PAST, "", true, true), &head, None),
        ["request-parameter-removed-with-deprecation INFO"]
    );
    assert_eq!(
        changes(&spec("", FUTURE, "", true, true), &head, None),
        ["request-parameter-removed-before-sunset ERR"]
    );
    assert_eq!(
        changes(&spec("", "", "", true, true), &head, None),
        ["request-parameter-removed WARN"]
    );
}

#[test]
fn a_required_response_property_removed_after_its_sunset_is_info_and_before_it_err() {
    let head = spec("", "", "", false, false);
    assert_eq!(
        changes(&spec("", "", PAST, false, true), &head, None),
        ["response-property-removed-with-deprecation INFO"]
    );
    assert_eq!(
        changes(&spec("", "", FUTURE, false, true), &head, None),
        ["response-property-removed-before-sunset ERR"]
    );
    assert_eq!(
        changes(&spec("", "", "", false, true), &head, None),
        ["response-required-property-removed ERR"]
    );
}

/// Without a grace period a deprecated thing without an x-sunset may go (oasdiff's default);
/// with one, nothing shows its grace period has passed, so its removal is ERR.
#[test]
fn removal_without_a_sunset_is_info_without_a_grace_period_and_err_with_one() {
    let head = spec("", "", "", false, false);
    let base = spec("", NO_SUNSET, NO_SUNSET, true, true);
    assert_eq!(
        changes(&base, &head, None),
        [
            "request-parameter-removed-with-deprecation INFO",
            "response-property-removed-with-deprecation INFO"
        ]
    );
    assert_eq!(
        changes(&base, &head, Some(30)),
        [
            "request-parameter-removed-before-sunset ERR",
            "response-property-removed-before-sunset ERR"
        ]
    );
    // A passed x-sunset is enough under a grace period too.
    assert_eq!(
        changes(&spec("", PAST, PAST, true, true), &head, Some(30)),
        [
            "request-parameter-removed-with-deprecation INFO",
            "response-property-removed-with-deprecation INFO"
        ]
    );
}

/// Under `deprecation-grace-days: 90` (today 2026-06-01, so 2026-08-30 at the earliest) what
/// this change deprecates must name an x-sunset that far ahead.
#[test]
fn with_a_grace_period_a_new_deprecation_needs_a_sunset_far_enough_ahead() {
    let base = spec("", "", "", true, true);
    let deprecate = |extra: &str| spec(extra, extra, extra, true, true);
    let soon = ", deprecated: true, x-sunset: '2026-07-01'";
    assert_eq!(
        changes(&base, &deprecate(soon), Some(90)),
        [
            "api-sunset-date-too-small ERR",
            "endpoint-deprecated-with-sunset INFO",
            "request-parameter-deprecated INFO",
            "request-parameter-sunset-date-too-small ERR",
            "response-property-deprecated-with-sunset INFO",
            "response-property-sunset-date-too-small ERR",
        ]
    );
    assert_eq!(
        changes(&base, &deprecate(NO_SUNSET), Some(90)),
        [
            "api-deprecated-sunset-missing ERR",
            "endpoint-deprecated INFO",
            "request-parameter-deprecated INFO",
            "request-parameter-deprecated-sunset-missing ERR",
            "response-property-deprecated INFO",
            "response-property-deprecated-sunset-missing ERR",
        ]
    );
    let far = ", deprecated: true, x-sunset: '2026-08-30'";
    let ok = [
        "endpoint-deprecated-with-sunset INFO",
        "request-parameter-deprecated INFO",
        "response-property-deprecated-with-sunset INFO",
    ];
    assert_eq!(changes(&base, &deprecate(far), Some(90)), ok);
    // Without a grace period a near sunset is fine.
    assert_eq!(changes(&base, &deprecate(soon), None), ok);
}

/// The config key reaches the comparison: the same removal passes without it and fails with it.
#[test]
fn deprecation_grace_days_in_the_config_fails_a_removal_without_a_sunset() {
    let d = tempfile::tempdir().unwrap();
    let p: &Path = d.path();
    std::fs::write(p.join("base.yaml"), spec(NO_SUNSET, "", "", true, true)).unwrap();
    // The operation is removed: the path keeps a post.
    std::fs::write(
        p.join("head.yaml"),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    post:\n      responses: {'201': {description: ok}}\n",
    )
    .unwrap();
    let run = || {
        let o = Command::new(env!("CARGO_BIN_EXE_breaking-change-check"))
            .args(["--base-file", "base.yaml", "head.yaml", "--today", TODAY])
            .current_dir(p)
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_EVENT_PATH")
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (code, out) = run();
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("GET /pets: operation removed after deprecation"),
        "{out}"
    );
    std::fs::create_dir(p.join(".github")).unwrap();
    std::fs::write(
        p.join(".github/gates.yml"),
        "breaking-change:\n  deprecation-grace-days: 30\n",
    )
    .unwrap();
    let (code, out) = run();
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("GET /pets: operation removed, but it was deprecated without an x-sunset: nothing shows its deprecation-grace-days have passed"),
        "{out}"
    );
}

/// Regression (audit 2026-12-04): x-sunset was compared as text, so `01/01/2030` counted as
/// passed and the removal as retired (INFO). A sunset that is no date shows nothing: the removal
/// is breaking.
#[test]
fn a_sunset_that_is_no_date_never_counts_as_passed() {
    let base = |sunset: &str| {
        format!(
            "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /pets:
    get:
      parameters:
        - {{in: query, name: old, deprecated: true, x-sunset: '{sunset}', schema: {{type: string}}}}
      responses:
        '200': {{description: ok}}
"
        )
    };
    let head = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets:
    get:
      responses:
        '200': {description: ok}
";
    let load = |text: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.yaml"), text).unwrap();
        let src = breaking_change_check::source::Source::Dir(dir.path().to_path_buf());
        breaking_change_check::spec::Spec::load("s.yaml", &|p| src.require(p)).unwrap()
    };
    let rules = |sunset: &str| -> Vec<&'static str> {
        breaking_change_check::diff::compare(&load(&base(sunset)), &load(head), "2026-06-01")
            .into_iter()
            .map(|c| c.rule.id)
            .collect()
    };
    assert_eq!(
        rules("01/01/2030"),
        ["breaking-change/request-parameter-removed-before-sunset"]
    );
    assert_eq!(
        rules("2026-01-01T00:00:00Z"),
        ["breaking-change/request-parameter-removed-with-deprecation"],
        "the date of an RFC 3339 time counts"
    );
    assert_eq!(
        rules("2030-01-01"),
        ["breaking-change/request-parameter-removed-before-sunset"]
    );
}
