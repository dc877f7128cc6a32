//! The ignore file: accepted breaking changes, each keyed by rule id and one of: operation
//! (`GET /pets/{id}`), JSON pointer into the OpenAPI description
//! (`/components/schemas/Pet/properties/name`) or GraphQL schema coordinate
//! (`Query.user(id:)`), with a required reason and an optional expiry day. An expired entry no
//! longer applies; it and an entry that matches nothing (stale) are reported, so the file
//! does not silently outlive the changes it was written for.
//!
//! ```yaml
//! ignore:
//!   - rule: request-parameter-removed        # or breaking-change/request-parameter-removed
//!     operation: GET /pets
//!     reason: v1 clients never sent it (see #123)
//!     expires: 2027-01-31
//!   - rule: response-required-property-removed
//!     pointer: /components/schemas/Pet/properties/name
//!     reason: every client reads `title` since v2
//!   - rule: graphql-field-removed
//!     coordinate: User.login
//!     reason: announced in the March changelog
//! ```
//!
//! A pointer entry accepts the changes of its rule whose pointer is the entry's or lies under
//! it, compared on whole reference tokens (`/paths/~1pets` covers `/paths/~1pets/get`, not
//! `/paths/~1pets~1{id}`). A change's pointers are those the result file shows: `pointer`, the
//! head spot its line is at (a node reached through a `$ref` is named at the definition,
//! `/components/schemas/Pet/...`), and for a removal `base_pointer`, the removed member in the
//! base spec; an entry may give either. So one entry covers a shared component's change in
//! every operation that uses it.

use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;

use crate::gate::Evaluation;
use crate::pointer;

/// One accepted change.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Rule id, with or without the `breaking-change/` prefix.
    pub rule: String,
    /// `METHOD /path` as the finding names it. With none of `operation`, `pointer` and
    /// `coordinate`, the entry accepts the rule's changes that belong to no operation.
    pub operation: Option<String>,
    /// A JSON pointer (RFC 6901: `~0` for `~`, `~1` for `/` in a key) into the OpenAPI
    /// description, as the result file's `pointer` or `base_pointer` gives it
    /// (`/paths/~1pets/get/parameters/0`, `/components/schemas/Pet/properties/name`; the
    /// `$ref` form `#/...` is read too): the entry accepts the rule's changes at it or under
    /// it; instead of `operation`.
    pub pointer: Option<String>,
    /// A GraphQL schema coordinate as the finding names it (`Type.field`,
    /// `Type.field(arg:)`, `Enum.VALUE`, `@directive(arg:)`); instead of `operation`.
    pub coordinate: Option<String>,
    /// Why the change is accepted (required, not empty).
    pub reason: String,
    /// Last day (YYYY-MM-DD, UTC) the entry applies.
    pub expires: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    ignore: Vec<Entry>,
}

/// Read an ignore file.
pub fn load(path: &Path) -> Result<Vec<Entry>, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::io(path, &e))?;
    let mut file: File = serde_yaml::from_str(&text).map_err(|e| {
        let err = InputError::new(
            path,
            gates_core::config::friendly(&e.to_string()),
            "each entry has rule, one of operation, pointer and coordinate, reason and optionally expires (YYYY-MM-DD)",
        );
        match e.location() {
            Some(l) => err.at(l.line() as u64, Some(l.column() as u64)),
            None => err,
        }
    })?;
    for (i, e) in file.ignore.iter_mut().enumerate() {
        let bad = |what: &str| {
            InputError::new(
                path,
                format!("ignore entry {}: {what}", i + 1),
                "give every entry a reason, and expires as YYYY-MM-DD",
            )
        };
        let keys: Vec<&str> = [
            ("operation", e.operation.is_some()),
            ("pointer", e.pointer.is_some()),
            ("coordinate", e.coordinate.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, given)| given.then_some(k))
        .collect();
        if keys.len() > 1 {
            let not = if keys.len() == 2 { "both" } else { "all three" };
            return Err(bad(&format!(
                "{} given: key an entry by one of operation, pointer and coordinate, not {not}",
                keys.join(" and ")
            )));
        }
        if let Some(p) = &e.pointer {
            // Kept in canonical form, the form changes are named in.
            e.pointer = Some(pointer::parse(p).map_err(|why| bad(&why))?);
        }
        if e.reason.trim().is_empty() {
            return Err(bad("the reason is empty"));
        }
        if let Some(x) = &e.expires {
            if x.parse::<jiff::civil::Date>().is_err() {
                return Err(bad(&format!("expires {x:?} is not a YYYY-MM-DD day")));
            }
        }
    }
    Ok(file.ignore)
}

/// Drop the changes the entries accept; return notes on expired and stale entries.
pub fn apply(eval: &mut Evaluation, entries: &[Entry], today: &str) -> Vec<String> {
    let mut notes = Vec::new();
    let mut used = vec![false; entries.len()];
    let active: Vec<bool> = entries
        .iter()
        .map(|e| e.expires.as_deref().is_none_or(|x| x >= today))
        .collect();
    eval.changes.retain(|c| {
        let short = c.change.rule.id.trim_start_matches("breaking-change/");
        let hit = entries.iter().enumerate().find(|(i, e)| {
            active[*i]
                && (e.rule == c.change.rule.id || e.rule == short)
                && match (&e.coordinate, &e.pointer) {
                    (Some(coord), _) => c.change.coordinate.as_deref() == Some(coord.as_str()),
                    (None, Some(p)) => [&c.change.pointer, &c.change.base_pointer]
                        .into_iter()
                        .flatten()
                        .any(|at| pointer::covers(p, at)),
                    (None, None) => {
                        c.change.coordinate.is_none()
                            && e.operation.as_deref() == c.change.op.as_deref()
                    }
                }
        });
        match hit {
            Some((i, _)) => {
                used[i] = true;
                false
            }
            None => true,
        }
    });
    eval.ignored = used.iter().filter(|u| **u).count() as u64;
    for (i, e) in entries.iter().enumerate() {
        let what = format!(
            "{} {}",
            e.rule,
            e.coordinate
                .as_deref()
                .or(e.pointer.as_deref())
                .or(e.operation.as_deref())
                .unwrap_or("(no operation)")
        );
        if !active[i] {
            notes.push(format!(
                "warning: ignore entry {what} expired on {}: it no longer applies",
                e.expires.as_deref().unwrap_or("")
            ));
        } else if !used[i] {
            notes.push(format!(
                "warning: ignore entry {what} is stale: it matches no change; remove it"
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Change;
    use crate::gate::Leveled;

    fn change(rule: &str, pointer: &str, base_pointer: Option<&str>) -> Leveled {
        let rule = crate::rules::rule(rule).expect("catalogued");
        Leveled {
            level: gates_core::rules::RuleLevel::Deny,
            change: Change {
                rule,
                op: Some("GET /pets".into()),
                message: format!("{} at {pointer}", rule.id),
                file: "openapi.yaml".into(),
                line: 1,
                coordinate: None,
                tool_rule: None,
                pointer: Some(pointer.into()),
                base_pointer: base_pointer.map(str::to_string),
            },
        }
    }

    fn entry(rule: &str, pointer: &str) -> Entry {
        Entry {
            rule: rule.into(),
            operation: None,
            pointer: Some(pointer.into()),
            coordinate: None,
            reason: "accepted".into(),
            expires: None,
        }
    }

    /// The pointers of the changes left after `entries`, and the notes.
    fn left(changes: Vec<Leveled>, entries: &[Entry]) -> (Vec<String>, Vec<String>) {
        let mut eval = Evaluation {
            changes,
            ..Evaluation::default()
        };
        let notes = apply(&mut eval, entries, "2026-06-01");
        let left = eval
            .changes
            .iter()
            .map(|c| c.change.pointer.clone().unwrap_or_default())
            .collect();
        (left, notes)
    }

    fn three() -> Vec<Leveled> {
        vec![
            change(
                "request-parameter-max-decreased",
                "/paths/~1pets/get/parameters/0/schema/maximum",
                None,
            ),
            change(
                "request-parameter-max-decreased",
                "/paths/~1pets~1{id}/get/parameters/0/schema/maximum",
                None,
            ),
            change(
                "response-required-property-removed",
                "/components/schemas/Pet/properties",
                Some("/components/schemas/Pet/properties/name"),
            ),
        ]
    }

    #[test]
    fn a_pointer_entry_accepts_its_rules_changes_at_or_under_it() {
        let (left_over, notes) = left(
            three(),
            &[entry(
                "request-parameter-max-decreased",
                "/paths/~1pets/get",
            )],
        );
        assert_eq!(
            left_over,
            [
                "/paths/~1pets~1{id}/get/parameters/0/schema/maximum",
                "/components/schemas/Pet/properties"
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
        // Exactly the spot is covered too; another rule at the same spot is not.
        let (left_over, _) = left(
            three(),
            &[
                entry(
                    "breaking-change/request-parameter-max-decreased",
                    "/paths/~1pets~1{id}/get/parameters/0/schema/maximum",
                ),
                entry(
                    "request-parameter-removed",
                    "/paths/~1pets/get/parameters/0/schema/maximum",
                ),
            ],
        );
        assert_eq!(left_over.len(), 2);
        assert!(!left_over.iter().any(|p| p.starts_with("/paths/~1pets~1")));
    }

    #[test]
    fn a_removal_is_accepted_by_its_base_pointer_or_its_head_spot() {
        for p in [
            "/components/schemas/Pet/properties/name",
            "/components/schemas/Pet/properties",
            "/components/schemas/Pet",
        ] {
            let (left_over, notes) =
                left(three(), &[entry("response-required-property-removed", p)]);
            assert_eq!(left_over.len(), 2, "{p}");
            assert!(notes.is_empty(), "{p}: {notes:?}");
        }
        // A prefix of a key is no prefix of the pointer.
        let (left_over, notes) = left(
            three(),
            &[entry(
                "response-required-property-removed",
                "/components/schemas/Pe",
            )],
        );
        assert_eq!(left_over.len(), 3);
        assert_eq!(
            notes,
            ["warning: ignore entry response-required-property-removed /components/schemas/Pe is stale: it matches no change; remove it"]
        );
    }

    #[test]
    fn an_expired_pointer_entry_no_longer_applies_and_is_reported() {
        let mut e = entry("request-parameter-max-decreased", "/paths");
        e.expires = Some("2026-05-31".into());
        let (left_over, notes) = left(three(), &[e]);
        assert_eq!(left_over.len(), 3);
        assert_eq!(
            notes,
            ["warning: ignore entry request-parameter-max-decreased /paths expired on 2026-05-31: it no longer applies"]
        );
    }

    fn load_text(text: &str) -> Result<Vec<Entry>, InputError> {
        let d = tempfile::tempdir().expect("a temporary directory");
        let p = d.path().join("ignore.yaml");
        std::fs::write(&p, text).expect("written");
        load(&p)
    }

    #[test]
    fn pointer_entries_are_checked_when_loaded() {
        let one = |key: &str| {
            load_text(&format!(
                "ignore:\n  - rule: r\n    {key}\n    reason: why\n"
            ))
        };
        let got = one("pointer: '#/paths/~1pets~1%7Bid%7D/get'").expect("valid");
        assert_eq!(got[0].pointer.as_deref(), Some("/paths/~1pets~1{id}/get"));
        for bad in [
            "pointer: paths/~1pets",
            "pointer: /paths/~2pets",
            "pointer: ''",
        ] {
            let e = one(bad).expect_err(bad);
            assert!(e.message.contains("ignore entry 1"), "{bad}: {}", e.message);
        }
        let e = one("pointer: /paths\n    operation: GET /a").expect_err("two keys");
        assert!(
            e.message.contains("operation and pointer given") && e.message.contains("not both"),
            "{}",
            e.message
        );
    }
}
